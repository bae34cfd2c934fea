//! Renderers: the same [`model::Report`] as a table, JSON, CSV, Markdown, HTML or an Excel
//! workbook, each behind the one [`Exporter`] trait; and the texts that go with a report (its
//! warnings, the defect summary) and `cchc check`'s text.

pub mod check;
pub mod csv;
pub mod defects;
pub mod html;
pub mod i766;
pub mod json;
pub mod markdown;
pub mod table;
pub mod trend;
pub mod warnings;
pub mod xlsx;

use crate::indicators;
use crate::model::{self, NaReason, Report, ResultRow, Status, Unit};

/// Output format of `cchc report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
    /// An Excel workbook (binary: with --output, or piped).
    Xlsx,
    /// A self-contained page with charts, for reading and printing.
    Html,
}

impl Format {
    /// Whether the format states each input's SHA-256: every one but CSV, whose rows are the
    /// results alone. A run computes the hashes only when it states them.
    pub fn states_provenance(self) -> bool {
        !matches!(self, Format::Csv)
    }
}

/// One output format: the report's bytes.
pub trait Exporter {
    fn render(&self, report: &Report, labels: &Labels) -> anyhow::Result<Vec<u8>>;
}

/// How the chosen format renders.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions {
    /// Table and Markdown: one row per indicator, one column per period.
    pub trend: bool,
    /// CSV: start with a byte-order mark.
    pub bom: bool,
    /// Table: colour the statuses (a terminal without `NO_COLOR`).
    pub color: bool,
}

/// The exporter of a format.
pub fn exporter(format: Format, options: ExportOptions) -> Box<dyn Exporter> {
    match format {
        Format::Table if options.trend => Box::new(trend::TrendTable {
            color: options.color,
        }),
        Format::Markdown if options.trend => Box::new(trend::TrendMarkdown),
        Format::Table => Box::new(table::Table {
            color: options.color,
        }),
        Format::Json => Box::new(json::Json),
        Format::Csv => Box::new(csv::Csv { bom: options.bom }),
        Format::Markdown => Box::new(markdown::Markdown),
        Format::Xlsx => Box::new(xlsx::Xlsx),
        Format::Html => Box::new(html::Html),
    }
}

/// Language of names and labels in human-readable output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn english(self) -> bool {
        self == Lang::En
    }
}

/// Words a renderer needs in the chosen language, and the indicators' names and order.
pub struct Labels {
    pub english: bool,
    /// id → (Vietnamese name, English name, position in report order).
    names: std::collections::HashMap<&'static str, (&'static str, &'static str, usize)>,
}

impl Labels {
    pub fn new(lang: Lang, registry: &indicators::Registry) -> Self {
        let names = registry
            .all()
            .iter()
            .enumerate()
            .map(|(position, i)| (i.id, (i.name_vi, i.name_en, position)))
            .collect();
        Labels {
            english: lang.english(),
            names,
        }
    }

    /// An indicator's position in report order (unknown ids last).
    pub fn order(&self, id: &str) -> usize {
        self.names.get(id).map_or(usize::MAX, |n| n.2)
    }

    pub fn pick(&self, vi: &'static str, en: &'static str) -> &'static str {
        if self.english {
            en
        } else {
            vi
        }
    }

    pub fn status(&self, status: Status) -> &'static str {
        match status {
            Status::Pass => self.pick("ĐẠT", "PASS"),
            Status::Fail => self.pick("KHÔNG ĐẠT", "FAIL"),
            Status::Na => "N/A",
            Status::Info => self.pick("THAM KHẢO", "INFO"),
        }
    }

    pub fn indicator_name(&self, id: &str) -> &'static str {
        self.names
            .get(id)
            .map_or("", |(vi, en, _)| if self.english { en } else { vi })
    }

    /// A number with two decimals, with the decimal comma in Vietnamese.
    pub fn number(&self, value: f64) -> String {
        let text = format!("{value:.2}");
        if self.english {
            text
        } else {
            text.replace('.', ",")
        }
    }

    fn threshold(&self, value: f64) -> String {
        let text = format!("{value}");
        if self.english {
            text
        } else {
            text.replace('.', ",")
        }
    }

    pub fn value(&self, row: &ResultRow) -> String {
        let Some(v) = row.value else {
            return "—".to_string();
        };
        match row.unit {
            Unit::Percent => format!("{}%", self.number(v)),
            Unit::Points => format!(
                "{}{} {}",
                if v >= 0.0 { "+" } else { "" },
                self.number(v),
                self.pick("điểm", "pts")
            ),
            Unit::Count | Unit::Rank => self.threshold(v),
        }
    }

    /// The target as a reader states it: `≥ 50%`, `≤ 10`, `≥ +20 điểm hoặc 100%`.
    pub fn target(&self, row: &ResultRow) -> String {
        let Some(target) = &row.target else {
            return "—".to_string();
        };
        if let Some(points) = target.min_points {
            let base = format!("≥ +{} {}", self.threshold(points), self.pick("điểm", "pts"));
            return match target.or_value {
                Some(v) => format!("{base} {} {}%", self.pick("hoặc", "or"), self.threshold(v)),
                None => base,
            };
        }
        let suffix = if row.unit == Unit::Percent { "%" } else { "" };
        let bounds: Vec<String> = [("≥", target.min), ("≤", target.max)]
            .into_iter()
            .filter_map(|(sign, bound)| {
                bound.map(|b| format!("{sign} {}{suffix}", self.threshold(b)))
            })
            .collect();
        if bounds.is_empty() {
            "—".to_string()
        } else {
            bounds.join(", ")
        }
    }

    pub fn count(&self, value: Option<i64>) -> String {
        value.map_or_else(|| "—".to_string(), |v| v.to_string())
    }

    pub fn headers(&self) -> [&'static str; 6] {
        if self.english {
            [
                "Indicator",
                "Numerator",
                "Denominator",
                "Value",
                "Target",
                "Status",
            ]
        } else {
            [
                "Chỉ số",
                "Tử số",
                "Mẫu số",
                "Giá trị",
                "Chỉ tiêu",
                "Kết quả",
            ]
        }
    }

    pub fn group_header(&self) -> &'static str {
        self.pick("Nhóm", "Group")
    }

    /// The plan's sections: what the dossiers show, the procedure catalogue, self-reported figures.
    pub fn source_title(&self, source: model::Source) -> &'static str {
        match source {
            model::Source::Dossiers => self.pick("Hồ sơ", "Dossiers"),
            model::Source::Catalogue => self.pick("Danh mục TTHC", "Procedure catalogue"),
            model::Source::Facts => self.pick("Số liệu tự báo cáo", "Self-reported"),
        }
    }

    pub fn period_title(&self, period: &str) -> String {
        format!("{} {period}", self.pick("Kỳ", "Period"))
    }

    pub fn total(&self) -> &'static str {
        self.pick("Toàn bộ", "Total")
    }

    pub fn unknown_group(&self) -> &'static str {
        self.pick("(không xác định)", "(unknown)")
    }

    /// A row's group as a reader sees it: `Toàn bộ` on totals, each blank level as
    /// `(không xác định)`, levels joined by ` / `.
    pub fn group_text(&self, row: &ResultRow) -> String {
        match &row.groups {
            None => self.total().to_string(),
            Some(levels) => levels
                .iter()
                .map(|g| {
                    if g.is_empty() {
                        self.unknown_group()
                    } else {
                        g
                    }
                })
                .collect::<Vec<_>>()
                .join(" / "),
        }
    }

    /// `--quiet`'s one line: the summary, and the defective rows left out when there are any,
    /// so a log line never looks clean over a half-unreadable export.
    pub fn quiet_line(&self, summary: &model::Summary, defective: u64) -> String {
        let line = self.summary_line(summary);
        if defective == 0 {
            return line;
        }
        if self.english {
            format!("{line}; {defective} defective row(s) left out")
        } else {
            format!("{line}; {defective} dòng lỗi bị loại")
        }
    }

    pub fn summary_line(&self, summary: &model::Summary) -> String {
        format!(
            "{} {}, {} {}, {} N/A, {} {}",
            summary.pass,
            self.pick("đạt", "passed"),
            summary.fail,
            self.pick("không đạt", "failed"),
            summary.na,
            summary.info,
            self.pick("tham khảo", "info"),
        )
    }
}

/// Longest group text shown in a table cell; JSON and CSV always carry the whole text.
pub const CELL_CHARS: usize = 60;

/// A group name as a table shows it: at most [`CELL_CHARS`] characters (a 1 MB unit name must not
/// make a 12 MB table), line breaks and invisible characters made visible.
pub fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    let flat = crate::text::visible(text);
    if flat.chars().count() <= CELL_CHARS {
        return flat;
    }
    let mut short: String = flat.chars().take(CELL_CHARS - 1).collect();
    short.push('…');
    std::borrow::Cow::Owned(short)
}

/// The blocks a table or Markdown report shows: one per period, titled `Kỳ 2024`; when the
/// report holds more than dossier rows, one per period and source (`Kỳ 2024 · Danh mục TTHC`),
/// so the scorecard reads as the plan's sections.
pub fn blocks<'a>(report: &'a Report, labels: &Labels) -> Vec<(String, Vec<&'a ResultRow>)> {
    let sectioned = report
        .results
        .iter()
        .any(|r| r.source != model::Source::Dossiers);
    let mut blocks: Vec<(String, Vec<&ResultRow>)> = Vec::new();
    let mut last: Option<(&str, model::Source)> = None;
    for row in &report.results {
        let new_block = last.is_none_or(|(period, source)| {
            period != row.period || (sectioned && source != row.source)
        });
        if new_block {
            let mut title = labels.period_title(&row.period);
            if sectioned {
                title.push_str(&format!(" · {}", labels.source_title(row.source)));
            }
            blocks.push((title, Vec::new()));
        }
        last = Some((row.period.as_str(), row.source));
        if let Some((_, rows)) = blocks.last_mut() {
            rows.push(row);
        }
    }
    blocks
}

/// Why rows are N/A, one line per reason with the indicators it affects, because a table cell
/// only says "N/A" and an analyst needs to know whether a column is missing or a unit is small.
pub fn na_notes(report: &Report, labels: &Labels) -> Vec<String> {
    let mut notes: Vec<(String, Vec<&str>)> = Vec::new();
    for row in &report.results {
        let Some(reason) = &row.na_reason else {
            continue;
        };
        let text = match reason {
            // One note for every small group, not one per count.
            NaReason::TooFew { min, .. } => {
                if labels.english {
                    format!("fewer than {min} dossiers (--min-count)")
                } else {
                    format!("dưới {min} hồ sơ (--min-count)")
                }
            }
            // The table shows which periods; the note only says why.
            NaReason::EmptyPopulation => labels
                .pick(
                    "không có hồ sơ thuộc diện tính (mẫu số bằng 0)",
                    "no dossiers in the population (denominator 0)",
                )
                .to_string(),
            other => other.text(labels.english),
        };
        match notes.iter_mut().find(|(t, _)| *t == text) {
            Some((_, ids)) if ids.contains(&row.indicator) => {}
            Some((_, ids)) => ids.push(row.indicator),
            None => notes.push((text, vec![row.indicator])),
        }
    }
    let catalogue_order = |id: &&str| labels.order(id);
    notes
        .into_iter()
        .map(|(text, mut ids)| {
            ids.sort_by_key(catalogue_order);
            let names: Vec<&str> = ids.iter().map(|id| labels.indicator_name(id)).collect();
            format!("{text}: {}", names.join("; "))
        })
        .collect()
}

/// The N/A notes as a block of plain text, empty when there are none.
fn na_notes_text(report: &Report, labels: &Labels, bullet: &str) -> String {
    let notes = na_notes(report, labels);
    if notes.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "{}\n",
        labels.pick("Không đánh giá được (N/A):", "Not evaluable (N/A):")
    );
    for note in notes {
        out.push_str(&format!("{bullet}{note}\n"));
    }
    out.push('\n');
    out
}

/// What ends every human-readable report: the N/A notes, the summary line and the provenance.
pub fn closing(report: &Report, labels: &Labels, bullet: &str) -> String {
    format!(
        "{}{}\n{}",
        na_notes_text(report, labels, bullet),
        labels.summary_line(&report.summary),
        footer(report, labels)
    )
}

/// Provenance under a table or Markdown report: tool, time, inputs with their SHA-256, targets.
fn footer(report: &Report, labels: &Labels) -> String {
    let mut out = format!("\n{} {}", report.tool.name, report.tool.version);
    if let Some(at) = &report.generated_at {
        out.push_str(&format!(" · {at}"));
    }
    out.push('\n');
    for input in &report.inputs {
        let kind = match input.kind {
            model::Source::Dossiers => labels.pick("Dữ liệu:", "Input:"),
            model::Source::Catalogue => labels.pick("Danh mục:", "Catalogue:"),
            model::Source::Facts => labels.pick("Số liệu:", "Facts:"),
        };
        let sha256 = input
            .sha256
            .as_deref()
            .map(|sha256| format!(", sha256 {sha256}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{} {} ({} {}{})\n",
            kind,
            input.path,
            input.rows,
            labels.pick("dòng", "rows"),
            sha256
        ));
    }
    out.push_str(&format!(
        "{} {} (sha256 {})\n",
        labels.pick("Chỉ tiêu:", "Targets:"),
        report.targets.source,
        report.targets.sha256
    ));
    out
}
