//! The default human-readable output: one comfy-table block per period.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Color, Table as Grid};

use super::{blocks, closing, shorten, Labels};
use crate::model::{Report, Status};

/// The default human-readable output.
pub struct Table {
    pub color: bool,
}

impl super::Exporter for Table {
    fn render(&self, report: &Report, labels: &Labels) -> anyhow::Result<Vec<u8>> {
        Ok(render(report, labels, self.color).into())
    }
}

pub fn render(report: &Report, labels: &Labels, color: bool) -> String {
    let grouped = report.results.iter().any(|r| r.group.is_some());
    let mut out = String::new();
    for (title, rows) in blocks(report, labels) {
        let mut table = Grid::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        if !color {
            table.force_no_tty();
        }
        let mut header: Vec<&str> = Vec::new();
        if grouped {
            header.push(labels.group_header());
        }
        header.extend(labels.headers());
        table.set_header(header);
        for row in rows {
            let mut cells = Vec::new();
            if grouped {
                cells.push(Cell::new(shorten(&labels.group_text(row))));
            }
            let mut status = Cell::new(labels.status(row.status));
            if color {
                status = status.fg(match row.status {
                    Status::Pass => Color::Green,
                    Status::Fail => Color::Red,
                    Status::Na => Color::DarkGrey,
                    Status::Info => Color::Blue,
                });
            }
            cells.extend([
                Cell::new(labels.indicator_name(row.indicator)),
                Cell::new(labels.count(row.numerator)).set_alignment(CellAlignment::Right),
                Cell::new(labels.count(row.denominator)).set_alignment(CellAlignment::Right),
                Cell::new(labels.value(row)).set_alignment(CellAlignment::Right),
                Cell::new(labels.target(row)),
                status,
            ]);
            table.add_row(cells);
        }
        out.push_str(&title);
        out.push('\n');
        out.push_str(&table.to_string());
        out.push_str("\n\n");
    }
    if let Some(estimate) = &report.i766 {
        out.push_str(&super::i766::table(estimate, labels));
    }
    out.push_str(&closing(report, labels, "  - "));
    out
}
