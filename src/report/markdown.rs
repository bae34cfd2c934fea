//! Markdown output: one pipe table per period, for wikis and issue trackers.

use super::{blocks, closing, shorten, Labels};
use crate::model::Report;

/// Pipes and line breaks in names would break a Markdown table row.
pub fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// One pipe table per period.
pub struct Markdown;

impl super::Exporter for Markdown {
    fn render(&self, report: &Report, labels: &Labels) -> anyhow::Result<Vec<u8>> {
        Ok(render(report, labels).into())
    }
}

pub fn render(report: &Report, labels: &Labels) -> String {
    let grouped = report.results.iter().any(|r| r.group.is_some());
    let mut out = String::new();
    for (title, rows) in blocks(report, labels) {
        out.push_str(&format!("## {title}\n\n"));
        let mut header: Vec<&str> = Vec::new();
        if grouped {
            header.push(labels.group_header());
        }
        header.extend(labels.headers());
        out.push_str(&format!("| {} |\n", header.join(" | ")));
        let aligns: Vec<&str> = header
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let first_number = usize::from(grouped) + 1;
                if (first_number..first_number + 3).contains(&i) {
                    "---:"
                } else {
                    "---"
                }
            })
            .collect();
        out.push_str(&format!("|{}|\n", aligns.join("|")));
        for row in rows {
            let mut cells = Vec::new();
            if grouped {
                cells.push(escape(&shorten(&labels.group_text(row))));
            }
            cells.extend([
                labels.indicator_name(row.indicator).to_string(),
                labels.count(row.numerator),
                labels.count(row.denominator),
                labels.value(row),
                labels.target(row),
                labels.status(row.status).to_string(),
            ]);
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out.push('\n');
    }
    if let Some(estimate) = &report.i766 {
        out.push_str(&super::i766::markdown(estimate, labels));
    }
    out.push_str(&closing(report, labels, "- "));
    out
}
