//! The report's warnings, worded: what did not make a row defective but a reader should know.
//! Kinds are snake_case ids (DOMAIN.md §3); the message says what happened and what was done.

use crate::model::{Diagnostics, Warning};

fn warning(kind: &'static str, message: String) -> Warning {
    Warning {
        kind,
        message,
        codes: None,
    }
}

/// Every warning of a report, in a fixed order: the dossiers' reading, their indicators, then
/// the catalogue and the figures.
pub fn warnings(d: &Diagnostics) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if d.duplicates_merged > 0 {
        warnings.push(warning(
            "duplicates_merged",
            format!(
                "{} row(s) repeat an earlier dossier_id and replace it: the later row of each dossier is counted",
                d.duplicates_merged
            ),
        ));
    }
    for (path, line) in &d.header_lines {
        warnings.push(warning(
            "header_line",
            format!(
                "{path}: the header is on line {line}; the {} line(s) above it were skipped as titles",
                line - 1
            ),
        ));
    }
    for (path, column) in &d.duplicate_columns {
        warnings.push(warning(
            "duplicate_column",
            format!(
                "{path}: column {} {:?} also names {}; column {} {:?} is used and this one is ignored",
                column.position,
                column.header,
                column.field,
                column.used_position,
                column.used_header
            ),
        ));
    }
    for (path, kind, message) in &d.open_notes {
        warnings.push(warning(kind, format!("{path}: {message}")));
    }
    if d.blank_lines > 0 {
        warnings.push(warning(
            "blank_lines",
            format!("{} blank line(s) skipped", d.blank_lines),
        ));
    }
    if d.missing_due > 0 {
        warnings.push(warning(
            "missing_due",
            format!(
                "{} finished dossier(s) have no due date (due_at) and are left out of on_time",
                d.missing_due
            ),
        ));
    }
    if d.finished_without_end > 0 {
        warnings.push(warning(
            "finished_without_end_date",
            format!(
                "{} finished dossier(s) have neither finished_at nor returned_at and are left out of the result-based indicators",
                d.finished_without_end
            ),
        ));
    }
    if !d.not_in_catalogue.is_empty() {
        let rows: u64 = d.not_in_catalogue.values().sum();
        warnings.push(Warning {
            kind: "procedure_not_in_catalogue",
            message: format!(
                "{} procedure code(s) of the dossiers ({rows} valid row(s)) have no valid catalogue row: {}",
                d.not_in_catalogue.len(),
                d.not_in_catalogue
                    .iter()
                    .map(|(code, n)| format!("{code} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            codes: Some(d.not_in_catalogue.clone()),
        });
    }
    if d.catalogue_replaced > 0 {
        warnings.push(warning(
            "catalogue_duplicates",
            format!(
                "{} catalogue row(s) repeat a procedure code for the same year: the later row is used",
                d.catalogue_replaced
            ),
        ));
    }
    for message in &d.facts_replaced {
        warnings.push(warning("facts_replaced", message.clone()));
    }
    if d.i766_ended_without_end > 0 {
        warnings.push(warning(
            "ended_without_end_date",
            format!(
                "{} ended dossier(s) have neither finished_at nor returned_at and are left out of the 766 estimate",
                d.i766_ended_without_end
            ),
        ));
    }
    for (field, paths) in &d.i766_false_columns {
        warnings.push(warning(
            "i766_column_missing",
            format!(
                "{field} is missing in {}: the 766 sets that read it count it as false",
                paths.join(", ")
            ),
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_say_is_no_warning_and_each_fact_is_one() {
        assert!(warnings(&Diagnostics::default()).is_empty());
        let said = warnings(&Diagnostics {
            duplicates_merged: 2,
            header_lines: vec![("a.csv".into(), 4)],
            missing_due: 3,
            ..Diagnostics::default()
        });
        let kinds: Vec<&str> = said.iter().map(|w| w.kind).collect();
        assert_eq!(kinds, ["duplicates_merged", "header_line", "missing_due"]);
        assert!(said[1].message.contains("the 3 line(s) above it"));
    }
}
