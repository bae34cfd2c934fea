//! CSV output (DOMAIN.md §3): one row per result, for spreadsheets.

use anyhow::Result;

use super::Labels;
use crate::model::Report;

/// DOMAIN.md §3's nine columns, then v2's four appended ones.
pub const HEADER: [&str; 13] = [
    "period",
    "group",
    "indicator",
    "name",
    "numerator",
    "denominator",
    "value",
    "target",
    "status",
    "target_max",
    "unit",
    "source",
    "by",
];

/// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection), so a
/// *text* cell that does gets a leading apostrophe. Unit and sector names come from user data;
/// the numbers cchc writes itself stay numbers (`-3.50`), DOMAIN.md v2 §3.
fn guard(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// DOMAIN.md §3's CSV.
pub struct Csv {
    pub bom: bool,
}

impl super::Exporter for Csv {
    fn render(&self, report: &Report, labels: &Labels) -> Result<Vec<u8>> {
        Ok(render(report, labels, self.bom)?.into())
    }
}

pub fn render(report: &Report, labels: &Labels, bom: bool) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    let number = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    let count = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let threshold = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for row in &report.results {
        let target = row.target.as_ref();
        let status = serde_json::to_value(row.status)?;
        let record = [
            guard(&row.period),
            guard(row.group.as_deref().unwrap_or_default()),
            guard(row.indicator),
            guard(labels.indicator_name(row.indicator)),
            count(row.numerator),
            count(row.denominator),
            number(row.value),
            threshold(target.and_then(|t| t.min.or(t.min_points))),
            status.as_str().unwrap_or_default().to_string(),
            threshold(target.and_then(|t| t.max)),
            row.unit.id().to_string(),
            row.source.id().to_string(),
            row.by.as_ref().map(|by| by.join("/")).unwrap_or_default(),
        ];
        writer.write_record(record)?;
    }
    if let Some(estimate) = &report.i766 {
        for mut row in super::i766::csv_rows(estimate, labels) {
            for text in [1, 3] {
                row[text] = guard(&row[text]);
            }
            writer.write_record(row)?;
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("{}", e.error()))?;
    let mut text = String::from_utf8(bytes)?;
    if bom {
        text.insert(0, '\u{feff}');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::guard;

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(guard("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(guard("+84"), "'+84");
        assert_eq!(guard("-5"), "'-5");
        assert_eq!(guard("@cmd"), "'@cmd");
        assert_eq!(guard("\tcmd"), "'\tcmd");
        assert_eq!(guard("\rcmd"), "'\rcmd");
        assert_eq!(guard("Phòng Du lịch"), "Phòng Du lịch");
        assert_eq!(guard(""), "");
    }
}
