//! CSV output (DOMAIN.md §3): one row per result, for spreadsheets.

use anyhow::Result;

use super::model::Report;
use super::Labels;
use crate::targets::Target;

pub const HEADER: [&str; 9] = [
    "period",
    "group",
    "indicator",
    "name",
    "numerator",
    "denominator",
    "value",
    "target",
    "status",
];

/// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection), so such
/// a cell gets a leading apostrophe. Unit and sector names come from user data.
fn guard(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

pub fn render(report: &Report, labels: &Labels, bom: bool) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    let number = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    let count = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for row in &report.results {
        let target = match &row.target {
            Some(Target::Min { min, .. }) => min.map(|m| m.to_string()).unwrap_or_default(),
            Some(Target::Growth { min_points, .. }) => min_points.to_string(),
            None => String::new(),
        };
        let status = serde_json::to_value(row.status)?;
        let record = [
            row.period.clone(),
            row.group.clone().unwrap_or_default(),
            row.indicator.to_string(),
            labels.indicator_name(row.indicator).to_string(),
            count(row.numerator),
            count(row.denominator),
            number(row.value),
            target,
            status.as_str().unwrap_or_default().to_string(),
        ];
        writer.write_record(record.iter().map(|c| guard(c)))?;
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
        assert_eq!(guard("Phòng Du lịch"), "Phòng Du lịch");
        assert_eq!(guard(""), "");
    }
}
