//! The 766 estimate (DOMAIN.md §8) as the human-readable formats show it: one block per period,
//! the groups with their indicators (numerator, denominator, ratio, threshold, points and what
//! full points need), the total, and with `--by unit` the units ranked.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};

use super::Labels;
use crate::model::{I766Block, I766Indicator, I766Score, I766Status, I766};

impl Labels {
    /// A block's title: `Chỉ số 766 · Kỳ 2026-08 (đến 31/08/2026, tạm tính)`.
    pub fn i766_title(&self, block: &I766Block) -> String {
        let cutoff = shown_date(&block.cutoff);
        let partial = if block.partial {
            self.pick(", tạm tính", ", partial")
        } else {
            ""
        };
        format!(
            "{} · {} ({} {cutoff}{partial})",
            self.pick("Chỉ số 766", "766 index"),
            self.period_title(&block.period),
            self.pick("đến", "to"),
        )
    }

    pub fn i766_headers(&self) -> [&'static str; 8] {
        if self.english {
            [
                "Group / indicator",
                "Numerator",
                "Denominator",
                "Ratio",
                "Threshold",
                "Points",
                "Max",
                "Need",
            ]
        } else {
            [
                "Nhóm / chỉ số",
                "Tử số",
                "Mẫu số",
                "Tỷ lệ",
                "Ngưỡng",
                "Điểm",
                "Tối đa",
                "Cần thêm",
            ]
        }
    }

    /// Points with two decimals, in the report's language.
    pub fn points(&self, points: f64) -> String {
        self.number(points)
    }

    /// An indicator's row as text cells (after the name).
    pub fn i766_cells(&self, indicator: &I766Indicator) -> [String; 7] {
        let threshold = match indicator.threshold {
            Some(t) => format!("{}%", self.number(t)),
            None => self.pick("tuyến tính", "linear").to_string(),
        };
        let (points, need) = match indicator.status {
            I766Status::Na => ("N/A".to_string(), "—".to_string()),
            _ => (
                self.points(indicator.points),
                indicator.need.map_or("—".to_string(), |n| {
                    let what = match indicator.need_of {
                        Some("dossiers") => self.pick("hồ sơ", "dossiers"),
                        Some("procedures") => self.pick("TTHC", "procedures"),
                        Some("services") => self.pick("DVC", "services"),
                        _ => "",
                    };
                    format!("{n} {what}").trim_end().to_string()
                }),
            ),
        };
        [
            self.count(indicator.numerator),
            self.count(indicator.denominator),
            indicator
                .ratio
                .map_or("—".to_string(), |r| format!("{}%", self.number(r))),
            threshold,
            points,
            self.number(indicator.pmax),
            need,
        ]
    }

    pub fn i766_indicator_name(&self, indicator: &I766Indicator) -> String {
        let name = if self.english {
            &indicator.name_en
        } else {
            &indicator.name
        };
        format!("{} {name}", indicator.code)
    }

    pub fn unit_name<'a>(&self, score: &'a I766Score) -> &'a str {
        match score.unit.as_deref() {
            None => self.total(),
            Some("") => self.unknown_group(),
            Some(unit) => unit,
        }
    }
}

/// `yyyy-mm-dd` as `dd/mm/yyyy`.
fn shown_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}

/// One score's detail: each group, its indicators under it, then the total.
fn detail(score: &I766Score, labels: &Labels) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for group in &score.groups {
        let name = if labels.english {
            &group.name_en
        } else {
            &group.name
        };
        let mut row = vec![format!("{} {name}", group.code)];
        row.extend(["", "", "", ""].map(String::from));
        row.push(labels.points(group.points));
        row.push(labels.number(group.max));
        row.push(String::new());
        rows.push(row);
        for indicator in score.indicators.iter().filter(|i| i.group == group.code) {
            let mut row = vec![format!("  {}", labels.i766_indicator_name(indicator))];
            row.extend(labels.i766_cells(indicator));
            rows.push(row);
        }
    }
    let mut total = vec![labels.pick("Tổng điểm", "Total").to_string()];
    total.extend(["", "", "", ""].map(String::from));
    total.push(labels.points(score.total));
    total.push(labels.number(score.max));
    total.push(String::new());
    rows.push(total);
    rows
}

/// Why indicators are N/A, one line each.
fn na_lines(score: &I766Score, labels: &Labels) -> Vec<String> {
    score
        .indicators
        .iter()
        .filter(|i| i.status == I766Status::Na)
        .map(|i| {
            let reason = i.na_reason.as_ref().map(|r| r.text(labels.english));
            format!("{}: {}", i.code, reason.unwrap_or_default())
        })
        .collect()
}

/// The units of a block, ranked: rank, unit, total and each group's points.
fn ranking(block: &I766Block, labels: &Labels) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let units: Vec<&I766Score> = block.scores.iter().filter(|s| s.unit.is_some()).collect();
    let first = units.first()?;
    let mut header = vec![
        labels.pick("Hạng", "Rank").to_string(),
        labels.pick("Đơn vị", "Unit").to_string(),
        labels.pick("Tổng điểm", "Total").to_string(),
    ];
    header.extend(first.groups.iter().map(|g| g.code.clone()));
    header.push(labels.pick("Thiếu", "N/A").to_string());
    let rows = units
        .iter()
        .map(|score| {
            let mut row = vec![
                score.rank.map_or("—".to_string(), |r| r.to_string()),
                super::shorten(labels.unit_name(score)).into_owned(),
                labels.points(score.total),
            ];
            row.extend(score.groups.iter().map(|g| labels.points(g.points)));
            row.push(score.na.join(", "));
            row
        })
        .collect();
    Some((header, rows))
}

/// The estimate as terminal tables.
pub fn table(estimate: &I766, labels: &Labels) -> String {
    let mut out = String::new();
    for block in &estimate.blocks {
        out.push_str(&labels.i766_title(block));
        out.push('\n');
        let Some(total) = block.scores.first() else {
            continue;
        };
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        table.force_no_tty();
        table.set_header(labels.i766_headers());
        for row in detail(total, labels) {
            let cells: Vec<Cell> = row
                .into_iter()
                .enumerate()
                .map(|(i, text)| {
                    let cell = Cell::new(text);
                    if i == 0 {
                        cell
                    } else {
                        cell.set_alignment(CellAlignment::Right)
                    }
                })
                .collect();
            table.add_row(cells);
        }
        out.push_str(&table.to_string());
        out.push('\n');
        for line in na_lines(total, labels) {
            out.push_str(&format!("  N/A {line}\n"));
        }
        if let Some((header, rows)) = ranking(block, labels) {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.force_no_tty();
            table.set_header(header);
            for row in rows {
                table.add_row(row);
            }
            out.push_str(&table.to_string());
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{} {} · {} {}\n\n",
        labels.pick("Bộ chỉ số:", "Profile:"),
        estimate.profile_name,
        labels.pick("tính đến", "as of"),
        shown_date(&estimate.as_of)
    ));
    out
}

/// The estimate as Markdown tables.
pub fn markdown(estimate: &I766, labels: &Labels) -> String {
    let escape = super::markdown::escape;
    let mut out = String::new();
    for block in &estimate.blocks {
        out.push_str(&format!("## {}\n\n", labels.i766_title(block)));
        let Some(total) = block.scores.first() else {
            continue;
        };
        let headers = labels.i766_headers();
        out.push_str(&format!("| {} |\n", headers.join(" | ")));
        out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for row in detail(total, labels) {
            let cells: Vec<String> = row.iter().map(|c| escape(c.trim())).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out.push('\n');
        for line in na_lines(total, labels) {
            out.push_str(&format!("- N/A {}\n", escape(&line)));
        }
        if let Some((header, rows)) = ranking(block, labels) {
            out.push('\n');
            out.push_str(&format!("| {} |\n", header.join(" | ")));
            out.push_str(&format!("|{}|\n", vec!["---"; header.len()].join("|")));
            for row in rows {
                let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
                out.push_str(&format!("| {} |\n", cells.join(" | ")));
            }
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{} {} · {} {}\n\n",
        labels.pick("Bộ chỉ số:", "Profile:"),
        escape(&estimate.profile_name),
        labels.pick("tính đến", "as of"),
        shown_date(&estimate.as_of)
    ));
    out
}

/// The estimate's CSV rows (DOMAIN.md §8): `i766:<code>`, `i766:<group>` and `i766:total`
/// per period and unit, the value in points, the target the threshold, the unit `points`.
pub fn csv_rows(estimate: &I766, labels: &Labels) -> Vec<[String; 13]> {
    let mut rows = Vec::new();
    let number = |v: f64| format!("{v:.2}");
    for block in &estimate.blocks {
        for score in &block.scores {
            let group = score.unit.clone().unwrap_or_default();
            let by = if score.unit.is_some() { "unit" } else { "" };
            for indicator in &score.indicators {
                let name = if labels.english {
                    &indicator.name_en
                } else {
                    &indicator.name
                };
                rows.push([
                    block.period.clone(),
                    group.clone(),
                    format!("i766:{}", indicator.code),
                    name.clone(),
                    indicator
                        .numerator
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    indicator
                        .denominator
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    number(indicator.points),
                    indicator
                        .threshold
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    status_name(indicator.status).to_string(),
                    String::new(),
                    "points".to_string(),
                    indicator.source.id().to_string(),
                    by.to_string(),
                ]);
            }
            for g in &score.groups {
                let name = if labels.english { &g.name_en } else { &g.name };
                rows.push([
                    block.period.clone(),
                    group.clone(),
                    format!("i766:{}", g.code),
                    name.clone(),
                    String::new(),
                    String::new(),
                    number(g.points),
                    String::new(),
                    String::new(),
                    String::new(),
                    "points".to_string(),
                    String::new(),
                    by.to_string(),
                ]);
            }
            rows.push([
                block.period.clone(),
                group,
                "i766:total".to_string(),
                labels
                    .pick("Tổng điểm Bộ chỉ số 766", "766 index total")
                    .to_string(),
                String::new(),
                String::new(),
                number(score.total),
                String::new(),
                if score.complete {
                    "complete"
                } else {
                    "incomplete"
                }
                .to_string(),
                String::new(),
                "points".to_string(),
                String::new(),
                by.to_string(),
            ]);
        }
    }
    rows
}

/// A 766 status as JSON and CSV write it.
pub fn status_name(status: I766Status) -> &'static str {
    match status {
        I766Status::Scored => "scored",
        I766Status::Empty => "empty",
        I766Status::Na => "na",
    }
}
