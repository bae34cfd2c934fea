//! Excel and LibreOffice workbooks read directly (issue 10, DOMAIN.md v2 §1 "Workbooks").

use predicates::prelude::*;
use rust_xlsxwriter::Workbook;

use crate::common::{cchc, fixture, json_report, Scratch};

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

/// The shared workbook fixture is dossiers.vi.csv saved by Excel (title block, real date cells,
/// numbers as numbers, a second sheet): every result equals its CSV twin's, which the truth file
/// pins, at every breakdown.
#[test]
fn the_workbook_fixture_gives_its_csv_twins_results() {
    for breakdown in [
        vec![],
        vec!["--period", "quarter"],
        vec!["--period", "month", "--by", "unit"],
        vec!["--by", "sector"],
    ] {
        let xlsx = path("dossiers.vi.xlsx");
        let csv = path("dossiers.vi.csv");
        let mut from_xlsx: Vec<&str> = vec![&xlsx];
        from_xlsx.extend(&breakdown);
        let mut from_csv: Vec<&str> = vec![&csv];
        from_csv.extend(&breakdown);
        let (workbook, _) = json_report(&from_xlsx);
        let (text, _) = json_report(&from_csv);
        assert_eq!(workbook.defects.count, 0);
        assert_eq!(workbook.results.len(), text.results.len(), "{breakdown:?}");
        for (w, t) in workbook.results.iter().zip(&text.results) {
            assert_eq!(
                (
                    &w.indicator,
                    &w.period,
                    &w.group,
                    w.numerator,
                    w.denominator,
                    w.value,
                    &w.status
                ),
                (
                    &t.indicator,
                    &t.period,
                    &t.group,
                    t.numerator,
                    t.denominator,
                    t.value,
                    &t.status
                ),
                "{breakdown:?}"
            );
        }
    }
    cchc()
        .args(["check", &path("dossiers.vi.xlsx")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "sheet      \"Danh sách hồ sơ\" (workbook)",
        ))
        .stdout(predicate::str::contains("header     row 4"));
}

#[test]
fn csv_and_workbook_inputs_merge_by_dossier_id() {
    let (both, _) = json_report(&[&path("dossiers.vi.csv"), &path("dossiers.vi.xlsx")]);
    let (one, _) = json_report(&[&path("dossiers.vi.csv")]);
    assert!(both.warning("duplicates_merged").starts_with("2000 row(s)"));
    assert_eq!(
        both.find("online_share", "2024", None).denominator,
        one.find("online_share", "2024", None).denominator
    );
}

/// A small workbook written here: a title row, the header on row 3, a date cell, numbers, a
/// defective row (sheet row 6), and a second sheet.
fn small_workbook(scratch: &Scratch, name: &str) -> std::path::PathBuf {
    let target = scratch.path(name);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let _ = sheet.set_name("Hồ sơ");
    let _ = sheet.write_string(0, 0, "DANH SÁCH HỒ SƠ");
    let headers = ["Mã hồ sơ", "Ngày tiếp nhận", "Kênh nộp", "Mức độ", "Phí"];
    for (column, header) in headers.iter().enumerate() {
        let _ = sheet.write_string(2, column as u16, *header);
    }
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 3, 1).expect("a date");
    let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    for (row, (id, channel, level, fee)) in [
        ("W1", "Trực tuyến", 4.0, 1_500_000.0),
        ("W2", "Trực tiếp", 3.0, 0.0),
        ("W3", "Bồ câu", 4.0, 0.0),
    ]
    .iter()
    .enumerate()
    {
        let r = 3 + row as u32;
        let _ = sheet.write_string(r, 0, *id);
        let _ = sheet.write_datetime_with_format(r, 1, &date, &format);
        let _ = sheet.write_string(r, 2, *channel);
        let _ = sheet.write_number(r, 3, *level);
        let _ = sheet.write_number(r, 4, *fee);
    }
    let other = workbook.add_worksheet();
    let _ = other.set_name("Ghi chú");
    let _ = other.write_string(0, 0, "not dossiers");
    workbook.save(&target).expect("writing the workbook");
    target
}

#[test]
fn a_defect_in_a_workbook_names_its_sheet_row() {
    let scratch = Scratch::new();
    let file = small_workbook(&scratch, "small.xlsx");
    let (report, _) = json_report(&[file.to_str().unwrap_or_default()]);
    assert_eq!(report.defects.count, 1);
    let defect = &report.defects.samples[0];
    assert_eq!(
        (defect.record, defect.line, defect.class.as_str()),
        (3, 6, "unknown_value")
    );
    let row = report.find("online_share", "2024", None);
    assert_eq!((row.numerator, row.denominator), (Some(1), Some(2)));
    // The same file under a .csv name is still read as the workbook it is.
    let renamed = scratch.path("renamed.csv");
    std::fs::copy(&file, &renamed).expect("copying");
    let (again, _) = json_report(&[renamed.to_str().unwrap_or_default()]);
    assert_eq!(again.find("online_share", "2024", None).numerator, Some(1));
}

#[test]
fn sheet_chooses_the_sheet_and_bad_workbooks_are_clear_errors() {
    let scratch = Scratch::new();
    let file = small_workbook(&scratch, "small.xlsx");
    cchc()
        .arg("report")
        .arg(&file)
        .args(["--sheet", "Hồ sơ"])
        .assert()
        .code(0);
    cchc()
        .arg("report")
        .arg(&file)
        .args(["--sheet", "Sheet9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("small.xlsx"))
        .stderr(predicate::str::contains("no sheet \"Sheet9\""))
        .stderr(predicate::str::contains("\"Hồ sơ\", \"Ghi chú\""));
    // The second sheet has no dossier columns.
    cchc()
        .arg("report")
        .arg(&file)
        .args(["--sheet", "Ghi chú"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("dossier_id"));
    let corrupt = scratch.path("corrupt.xlsx");
    std::fs::write(&corrupt, b"PK\x03\x04 this is no zip archive").expect("writing");
    let encrypted = scratch.path("encrypted.xlsx");
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend([0u8; 600]);
    std::fs::write(&encrypted, ole).expect("writing");
    for bad in [&corrupt, &encrypted] {
        cchc()
            .arg("report")
            .arg(bad)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                bad.file_name().and_then(|n| n.to_str()).unwrap_or_default(),
            ))
            .stderr(predicate::str::contains("cannot be read"))
            .stderr(predicate::str::contains("panicked").not());
    }
    let empty = scratch.path("empty.xlsx");
    let mut workbook = Workbook::new();
    let _ = workbook.add_worksheet();
    workbook.save(&empty).expect("writing");
    cchc()
        .arg("report")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("empty"));
}
