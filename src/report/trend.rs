//! `--trend`: one row per indicator (and group), one column per period, so a reader sees
//! 2021→2025 at a glance. JSON and CSV keep their long format.

use std::collections::HashMap;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Color, Table};

use super::{closing, shorten, Labels};
use crate::model::{Report, ResultRow, Status};

/// One line of the trend: a group (`None` = total), an indicator, and its result per period.
type TrendRow<'a> = (Option<&'a str>, &'a str, Vec<Option<&'a ResultRow>>);

/// Periods (columns) and the trend's lines.
struct Grid<'a> {
    periods: Vec<&'a str>,
    rows: Vec<TrendRow<'a>>,
}

/// A trend line's group (`None` = total) and indicator.
type LineKey<'a> = (Option<&'a str>, &'a str);

/// Builds the grid in one pass over the results (a report can hold hundreds of thousands of
/// groups, so nothing here may look rows up by scanning).
fn grid<'a>(report: &'a Report, labels: &Labels) -> Grid<'a> {
    let mut periods: Vec<&str> = Vec::new();
    let mut period_index: HashMap<&str, usize> = HashMap::new();
    let mut line_index: HashMap<(Option<&str>, &str), usize> = HashMap::new();
    let mut lines: Vec<(LineKey, Vec<(usize, &ResultRow)>)> = Vec::new();
    for row in &report.results {
        let column = *period_index.entry(&row.period).or_insert_with(|| {
            periods.push(&row.period);
            periods.len() - 1
        });
        let key = (row.group.as_deref(), row.indicator);
        let line = *line_index.entry(key).or_insert_with(|| {
            lines.push((key, Vec::new()));
            lines.len() - 1
        });
        lines[line].1.push((column, row));
    }
    // Totals first, then groups in order; within each, the catalogue's indicator order.
    let position = |id: &str| labels.order(id);
    let rank =
        |group: Option<&str>, id: &str| (group.is_some(), group.map(str::to_owned), position(id));
    lines.sort_by_cached_key(|((group, id), _)| rank(*group, id));
    let rows = lines
        .into_iter()
        .map(|((group, indicator), cells)| {
            let mut by_period = vec![None; periods.len()];
            for (column, row) in cells {
                by_period[column] = Some(row);
            }
            (group, indicator, by_period)
        })
        .collect();
    Grid { periods, rows }
}

/// The group of a trend line as a reader sees it (from any of its cells).
fn line_group(cells: &[Option<&ResultRow>], labels: &Labels) -> String {
    cells
        .iter()
        .flatten()
        .next()
        .map(|row| labels.group_text(row))
        .unwrap_or_default()
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => " ✓",
        Status::Fail => " ✗",
        Status::Na | Status::Info => "",
    }
}

fn cell_text(row: Option<&ResultRow>, labels: &Labels) -> String {
    match row {
        None => String::new(),
        Some(r) if r.status == Status::Na => "N/A".to_string(),
        Some(r) => format!("{}{}", labels.value(r), mark(r.status)),
    }
}

fn legend(labels: &Labels) -> String {
    format!(
        "✓ {}, ✗ {}\n",
        labels.status(Status::Pass),
        labels.status(Status::Fail)
    )
}

/// `--trend` as a table.
pub struct TrendTable {
    pub color: bool,
}

impl super::Exporter for TrendTable {
    fn render(&self, report: &Report, labels: &Labels) -> anyhow::Result<Vec<u8>> {
        Ok(render_table(report, labels, self.color).into())
    }
}

/// `--trend` as Markdown.
pub struct TrendMarkdown;

impl super::Exporter for TrendMarkdown {
    fn render(&self, report: &Report, labels: &Labels) -> anyhow::Result<Vec<u8>> {
        Ok(render_markdown(report, labels).into())
    }
}

pub fn render_table(report: &Report, labels: &Labels, color: bool) -> String {
    let grid = grid(report, labels);
    let grouped = grid.rows.iter().any(|(g, _, _)| g.is_some());
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    if !color {
        table.force_no_tty();
    }
    let mut header: Vec<String> = Vec::new();
    if grouped {
        header.push(labels.group_header().to_string());
    }
    header.push(labels.headers()[0].to_string());
    header.extend(grid.periods.iter().map(|p| p.to_string()));
    table.set_header(header);
    for (_, indicator, cells) in &grid.rows {
        let mut line = Vec::new();
        if grouped {
            line.push(Cell::new(shorten(&line_group(cells, labels))));
        }
        line.push(Cell::new(labels.indicator_name(indicator)));
        for row in cells {
            let mut cell = Cell::new(cell_text(*row, labels)).set_alignment(CellAlignment::Right);
            if color {
                match row.map(|r| r.status) {
                    Some(Status::Pass) => cell = cell.fg(Color::Green),
                    Some(Status::Fail) => cell = cell.fg(Color::Red),
                    _ => {}
                }
            }
            line.push(cell);
        }
        table.add_row(line);
    }
    let mut out = table.to_string();
    out.push('\n');
    out.push_str(&legend(labels));
    if let Some(estimate) = &report.i766 {
        out.push_str(&super::i766::table(estimate, labels));
    }
    out.push_str(&closing(report, labels, "  - "));
    out
}

pub fn render_markdown(report: &Report, labels: &Labels) -> String {
    let grid = grid(report, labels);
    let grouped = grid.rows.iter().any(|(g, _, _)| g.is_some());
    let mut header: Vec<String> = Vec::new();
    if grouped {
        header.push(labels.group_header().to_string());
    }
    header.push(labels.headers()[0].to_string());
    header.extend(grid.periods.iter().map(|p| p.to_string()));
    let mut out = format!("| {} |\n", header.join(" | "));
    let aligns: Vec<&str> = header
        .iter()
        .enumerate()
        .map(|(i, _)| {
            if i < usize::from(grouped) + 1 {
                "---"
            } else {
                "---:"
            }
        })
        .collect();
    out.push_str(&format!("|{}|\n", aligns.join("|")));
    for (_, indicator, cells) in &grid.rows {
        let mut line: Vec<String> = Vec::new();
        if grouped {
            line.push(super::markdown::escape(&shorten(&line_group(
                cells, labels,
            ))));
        }
        line.push(labels.indicator_name(indicator).to_string());
        line.extend(cells.iter().map(|r| cell_text(*r, labels)));
        out.push_str(&format!("| {} |\n", line.join(" | ")));
    }
    out.push('\n');
    out.push_str(&legend(labels));
    out.push('\n');
    if let Some(estimate) = &report.i766 {
        out.push_str(&super::i766::markdown(estimate, labels));
    }
    out.push_str(&closing(report, labels, "- "));
    out
}
