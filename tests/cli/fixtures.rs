//! The shared fixtures (copied into tests/fixtures) against their truth files: every numerator,
//! denominator, value and status, at every granularity the truth gives, plus the defects.

use serde_json::Value;

use crate::common::{fixture, json_report, JsonReport, JsonResult};

const FIXTURES: [&str; 5] = [
    "dossiers.vi",
    "dossiers.messy",
    "dossiers.canonical",
    "dossiers.no-payment.vi",
    "dossiers.no-level.vi",
];

fn truth(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(&format!("{name}.truth.json"))).expect("truth file");
    serde_json::from_str(&text).expect("truth JSON")
}

fn check_cell(cell: &Value, result: &JsonResult, place: &str) {
    let is_growth = result.indicator == "digitized_results_growth";
    assert_eq!(
        result.status,
        cell["status"].as_str().unwrap(),
        "status of {place}"
    );
    assert_eq!(result.value, cell["value"].as_f64(), "value of {place}");
    if is_growth {
        let pair = |v: &Value| {
            v.as_array()
                .map(|a| [a[0].as_i64().unwrap(), a[1].as_i64().unwrap()])
        };
        assert_eq!(
            result.this,
            pair(&cell["this"]),
            "this-year pair of {place}"
        );
        assert_eq!(
            result.prev,
            pair(&cell["prev"]),
            "previous-year pair of {place}"
        );
        assert_eq!(result.numerator, None, "{place}");
    } else {
        assert_eq!(
            result.numerator,
            cell["num"].as_i64(),
            "numerator of {place}"
        );
        assert_eq!(
            result.denominator,
            cell["den"].as_i64(),
            "denominator of {place}"
        );
    }
    if let Some(missing) = cell.get("missing_due") {
        assert_eq!(
            result.missing_due,
            missing.as_i64(),
            "missing_due of {place}"
        );
    }
    if let Some(reason) = cell.get("na_reason") {
        assert_eq!(
            result.na_reason.as_deref(),
            reason.as_str(),
            "na_reason of {place}"
        );
    }
}

/// Compares a `period → indicator → cell` table with the report's total rows.
fn check_periods(report: &JsonReport, table: &Value, name: &str) -> usize {
    let mut checked = 0;
    for (period, cells) in table.as_object().unwrap() {
        for (indicator, cell) in cells.as_object().unwrap() {
            let result = report.find(indicator, period, None);
            check_cell(cell, result, &format!("{name} {period} {indicator}"));
            checked += 1;
        }
    }
    let totals = report.results.iter().filter(|r| r.group.is_none()).count();
    assert_eq!(
        totals, checked,
        "{name}: the report has rows the truth does not"
    );
    checked
}

/// Compares a `period → group → indicator → cell` table with the report's grouped rows.
fn check_groups(report: &JsonReport, table: &Value, name: &str) -> usize {
    let mut checked = 0;
    for (period, groups) in table.as_object().unwrap() {
        for (group, cells) in groups.as_object().unwrap() {
            for (indicator, cell) in cells.as_object().unwrap() {
                let result = report.find(indicator, period, Some(group));
                check_cell(
                    cell,
                    result,
                    &format!("{name} {period} {group} {indicator}"),
                );
                checked += 1;
            }
        }
    }
    let grouped = report.results.iter().filter(|r| r.group.is_some()).count();
    assert_eq!(
        grouped, checked,
        "{name}: the report has grouped rows the truth does not"
    );
    checked
}

fn path_of(name: &str) -> String {
    fixture(&format!("{name}.csv")).display().to_string()
}

#[test]
fn by_year_matches_the_truth_with_defects() {
    for name in FIXTURES {
        let truth = truth(name);
        let path = path_of(name);
        let (report, code) = json_report(&[&path]);
        let checked = check_periods(&report, &truth["by_year"], name);
        assert!(checked >= 50, "{name}: only {checked} cells");
        assert_eq!(code, if report.summary.fail > 0 { 1 } else { 0 });

        let defects = &truth["defects"];
        assert_eq!(
            report.defects.count,
            defects["count"].as_u64().unwrap(),
            "{name} defect count"
        );
        let expected = defects["rows"].as_array().unwrap();
        assert_eq!(
            report.defects.samples.len(),
            expected.len().min(20),
            "{name} samples"
        );
        for (got, want) in report.defects.samples.iter().zip(expected) {
            assert_eq!(
                got.record,
                want["record"].as_u64().unwrap(),
                "{name} record"
            );
            assert_eq!(
                got.line,
                want["line"].as_u64().unwrap(),
                "{name} line of record {}",
                got.record
            );
            assert_eq!(
                got.column.as_deref(),
                want["column"].as_str(),
                "{name} column of record {}",
                got.record
            );
            assert_eq!(
                got.field.as_deref(),
                want["field"].as_str(),
                "{name} field of record {}",
                got.record
            );
            assert_eq!(
                got.class,
                want["class"].as_str().unwrap(),
                "{name} class of record {}",
                got.record
            );
            if let Some(value) = want["value"].as_str() {
                assert_eq!(
                    got.value.as_deref(),
                    Some(value),
                    "{name} value of record {}",
                    got.record
                );
            }
            assert!(!got.reason.is_empty());
            assert_eq!(got.path, path);
        }
        assert_eq!(report.schema_version, 1);
        assert_eq!(
            (report.tool.name.as_str(), report.tool.version.as_str()),
            ("cchc", env!("CARGO_PKG_VERSION"))
        );
        let missing_due: u64 = truth["counts"]["on_time_missing_due_by_year"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        let warning = report.warnings.iter().find(|w| w.kind == "missing_due");
        if truth["na"].get("on_time").is_none() {
            let warning = warning.unwrap_or_else(|| panic!("{name}: no missing_due warning"));
            assert!(
                warning
                    .message
                    .starts_with(&format!("{missing_due} finished")),
                "{name}: {}",
                warning.message
            );
        }
        let file = &truth["file"];
        assert_eq!(report.inputs.len(), 1);
        assert_eq!(report.inputs[0].path, path);
        assert_eq!(
            report.inputs[0].rows,
            file["data_rows"].as_u64().unwrap(),
            "{name} rows"
        );
        assert_eq!(
            report.inputs[0].rows - report.inputs[0].defective,
            file["valid_rows"].as_u64().unwrap(),
            "{name} valid rows"
        );
    }
}

#[test]
fn by_quarter_and_month_match_the_truth() {
    for name in FIXTURES {
        let truth = truth(name);
        let path = path_of(name);
        let (report, _) = json_report(&[&path, "--period", "quarter"]);
        check_periods(&report, &truth["by_quarter"], name);
        let (report, _) = json_report(&[&path, "--period", "month"]);
        check_periods(&report, &truth["by_month"], name);
    }
}

#[test]
fn by_unit_and_sector_match_the_truth() {
    for name in FIXTURES {
        let truth = truth(name);
        let path = path_of(name);
        let (report, _) = json_report(&[&path, "--by", "unit"]);
        check_periods(&report, &truth["by_year"], name);
        check_groups(&report, &truth["by_year_unit"], name);
        let (report, _) = json_report(&[&path, "--by", "sector"]);
        check_groups(&report, &truth["by_year_sector"], name);
        let (report, _) = json_report(&[&path, "--period", "quarter", "--by", "unit"]);
        check_groups(&report, &truth["by_quarter_unit"], name);
    }
}

#[test]
fn one_year_keeps_the_growth_comparison_with_the_year_before() {
    let truth = truth("dossiers.vi");
    let path = path_of("dossiers.vi");
    let (report, _) = json_report(&[&path, "--year", "2024"]);
    assert!(report.results.iter().all(|r| r.period == "2024"));
    let growth = report.find("digitized_results_growth", "2024", None);
    check_cell(
        &truth["by_year"]["2024"]["digitized_results_growth"],
        growth,
        "vi 2024 growth",
    );
}

/// The workbook twin of dossiers.vi.csv (title block, real date cells, numbers as numbers, a
/// second sheet) against the same truth, at every granularity and breakdown.
#[test]
fn the_workbook_fixture_matches_the_truth() {
    let truth = truth("dossiers.vi");
    let path = fixture("dossiers.vi.xlsx").display().to_string();
    let (report, _) = json_report(&[&path]);
    assert_eq!(report.defects.count, 0);
    assert_eq!(
        report.inputs[0].rows,
        truth["file"]["data_rows"].as_u64().unwrap()
    );
    assert!(check_periods(&report, &truth["by_year"], "xlsx") >= 50);
    let (report, _) = json_report(&[&path, "--period", "quarter", "--by", "unit"]);
    check_periods(&report, &truth["by_quarter"], "xlsx quarters");
    check_groups(&report, &truth["by_quarter_unit"], "xlsx quarters by unit");
    let (report, _) = json_report(&[&path, "--period", "month"]);
    check_periods(&report, &truth["by_month"], "xlsx months");
    let (report, _) = json_report(&[&path, "--by", "sector"]);
    check_groups(&report, &truth["by_year_sector"], "xlsx by sector");
}
