//! One fixture per real-world quirk (tests/fixtures/quirks), each with exact expected results.
//! Every readable quirk file holds the same four dossiers as `base.csv`, so the same numbers
//! must come out whatever the encoding, delimiter or layout.

use predicates::prelude::*;

use crate::common::{cchc, json_report, JsonReport};

fn quirk(name: &str) -> String {
    crate::common::fixture(&format!("quirks/{name}"))
        .display()
        .to_string()
}

/// (indicator, numerator, denominator) for 2024 of the four base dossiers.
const BASE: [(&str, i64, i64); 5] = [
    ("online_share", 3, 4),
    ("online_payment_rate", 1, 2),
    ("digitized_results", 2, 3),
    ("satisfaction", 2, 3),
    ("on_time", 2, 3),
];

fn assert_numbers(report: &JsonReport, expected: &[(&str, i64, i64)], file: &str) {
    for (indicator, num, den) in expected {
        let r = report.find(indicator, "2024", None);
        assert_eq!(
            (r.numerator, r.denominator),
            (Some(*num), Some(*den)),
            "{file}: {indicator}"
        );
    }
}

#[test]
fn every_encoding_and_layout_gives_the_base_numbers() {
    for file in [
        "base.csv",
        "utf16le_tab.csv",
        "utf16be_tab.csv",
        "windows1258.csv",
        "nfd.csv",
        "title_rows.csv",
        "trailing_delimiter.csv",
    ] {
        let (report, _) = json_report(&[&quirk(file)]);
        assert_eq!(
            report.defects.count, 0,
            "{file}: {:?}",
            report.defects.samples
        );
        assert_eq!(report.inputs[0].rows, 4, "{file}");
        assert_numbers(&report, &BASE, file);
    }
}

#[test]
fn nfd_group_names_join_their_nfc_groups() {
    let (nfc, _) = json_report(&[&quirk("base.csv"), "--by", "unit"]);
    let (nfd, _) = json_report(&[&quirk("nfd.csv"), "--by", "unit"]);
    let groups = |r: &JsonReport| {
        let mut g: Vec<String> = r.results.iter().filter_map(|x| x.group.clone()).collect();
        g.dedup();
        g
    };
    assert_eq!(groups(&nfc), groups(&nfd));
    assert_eq!(groups(&nfc), ["Phòng Du lịch", "Phòng Văn hóa"]);
}

#[test]
fn windows_1258_names_come_out_as_unicode() {
    let (report, _) = json_report(&[&quirk("windows1258.csv"), "--by", "unit"]);
    assert!(report
        .results
        .iter()
        .any(|r| r.group.as_deref() == Some("Phòng Văn hóa")));
}

#[test]
fn quoted_line_breaks_keep_record_and_line_apart() {
    let (report, _) = json_report(&[&quirk("quoted_newlines.csv")]);
    assert_eq!(report.inputs[0].rows, 5);
    assert_eq!(report.defects.count, 1);
    let defect = &report.defects.samples[0];
    // Header line 1; Q1 spans lines 2–3, Q2 lines 4–6, Q3 line 7, Q4 line 8, Q5 line 9.
    assert_eq!((defect.record, defect.line), (5, 9));
    assert_eq!(defect.column.as_deref(), Some("Ngày tiếp nhận"));
    assert_eq!(defect.class, "invalid_date");
    assert_numbers(&report, &BASE, "quoted_newlines.csv");
}

#[test]
fn ragged_rows_are_defects_and_the_rest_is_read() {
    let (report, _) = json_report(&[&quirk("ragged.csv")]);
    assert_eq!(report.defects.count, 2);
    let got: Vec<(u64, u64, &str)> = report
        .defects
        .samples
        .iter()
        .map(|d| (d.record, d.line, d.class.as_str()))
        .collect();
    assert_eq!(got, [(5, 6, "field_count"), (6, 7, "field_count")]);
    assert!(report.defects.samples[0]
        .reason
        .contains("expected 13, found 12"));
    assert_numbers(&report, &BASE, "ragged.csv");
}

#[test]
fn duplicates_across_monthly_files_keep_the_later_row() {
    let (report, _) = json_report(&[&quirk("jan.csv"), &quirk("feb.csv")]);
    assert_eq!(report.inputs.len(), 2);
    assert!(report
        .warnings
        .iter()
        .any(|w| w.kind == "duplicates_merged" && w.message.starts_with("1 row")));
    assert_numbers(
        &report,
        &[
            ("online_share", 3, 4),
            ("online_payment_rate", 1, 2),
            ("digitized_results", 3, 4),
            ("satisfaction", 2, 3),
            ("on_time", 3, 4),
        ],
        "jan+feb",
    );
    // The files in the other order: jan's older row of Q3 wins, as the later file.
    let (reversed, _) = json_report(&[&quirk("feb.csv"), &quirk("jan.csv")]);
    assert_numbers(&reversed, &BASE, "feb+jan");
}

#[test]
fn a_dossier_twice_in_one_file_keeps_the_later_line() {
    let (report, _) = json_report(&[&quirk("duplicate_in_file.csv")]);
    assert_eq!(report.inputs[0].rows, 5);
    let digitized = report.find("digitized_results", "2024", None);
    assert_eq!(
        (digitized.numerator, digitized.denominator),
        (Some(3), Some(4))
    );
}

#[test]
fn a_quoted_glob_reads_every_matching_file() {
    let pattern = crate::common::fixture("quirks/*an.csv")
        .display()
        .to_string();
    let (report, _) = json_report(&[&pattern]);
    let paths: Vec<&str> = report.inputs.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths.len(), 1);
    assert!(paths[0].ends_with("jan.csv"));
}

#[test]
fn invalid_utf8_bytes_are_a_defect_on_their_row() {
    let (report, _) = json_report(&[&quirk("invalid_utf8.csv")]);
    assert_eq!(report.defects.count, 1);
    let defect = &report.defects.samples[0];
    assert_eq!(
        (defect.record, defect.line, defect.class.as_str()),
        (2, 3, "invalid_encoding")
    );
    assert_eq!(defect.column.as_deref(), Some("Đánh giá"));
}

#[test]
fn odd_files_get_one_clear_message_and_exit_2() {
    let cases = [
        ("empty.csv", "the file is empty"),
        ("header_only.csv", "header line but no data rows"),
        ("renamed_xlsx.csv", "save it as \"CSV UTF-8\""),
        ("no-such-file.csv", "cannot open the file"),
    ];
    for (file, message) in cases {
        cchc()
            .arg("report")
            .arg(quirk(file))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(file))
            .stderr(predicate::str::contains(message));
    }
    cchc()
        .arg("report")
        .arg(crate::common::fixture("quirks"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
    // With several files the message names the one at fault.
    cchc()
        .arg("report")
        .arg(quirk("base.csv"))
        .arg(quirk("empty.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("reading").and(predicate::str::contains("empty.csv")));
}

#[test]
fn forced_encoding_and_delimiter() {
    let (report, _) = json_report(&[
        &quirk("windows1258.csv"),
        "--encoding",
        "windows-1258",
        "--delimiter",
        ",",
    ]);
    assert_numbers(&report, &BASE, "forced");
    cchc()
        .args(["report", "--encoding", "klingon"])
        .arg(quirk("base.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--encoding klingon is not supported",
        ));
}

#[test]
fn custom_spellings_from_the_targets_file() {
    let scratch = crate::common::Scratch::new();
    let data = scratch.write(
        "app.csv",
        "Mã hồ sơ,Ngày tiếp nhận,Kênh nộp,Mức độ\nA,01/02/2024,Nộp qua ứng dụng,4\nB,01/02/2024,Trực tiếp,4\n",
    );
    let (without, _) = {
        let output = cchc()
            .arg("report")
            .arg(&data)
            .args(["--format", "json"])
            .output()
            .unwrap();
        (
            serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap(),
            output.status.code(),
        )
    };
    assert_eq!(without["defects"]["count"], 1);
    let targets = scratch.write(
        "t.toml",
        "[targets.online_share]\nmin = 50\n\n[values.channel]\nonline = [\"Nộp qua ứng dụng\"]\n",
    );
    let (report, code) = json_report(&[
        data.to_str().unwrap(),
        "--targets",
        targets.to_str().unwrap(),
    ]);
    assert_eq!(report.defects.count, 0);
    let share = report.find("online_share", "2024", None);
    assert_eq!((share.numerator, share.denominator), (Some(1), Some(2)));
    assert_eq!(code, 0);

    let bad = scratch.write("bad.toml", "[values.channel]\nonlne = [\"x\"]\n");
    cchc()
        .arg("report")
        .arg(&data)
        .arg("--targets")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml, line 2"))
        .stderr(predicate::str::contains(
            "`onlne` is not a meaning of channel",
        ));
}

#[test]
fn the_report_says_which_line_was_taken_as_header() {
    let (report, _) = json_report(&[&quirk("title_rows.csv")]);
    let warning = report.warning("header_line");
    assert!(warning.contains("the header is on line 4"), "{warning}");
}

#[test]
fn a_second_column_for_the_same_field_is_ignored_and_reported() {
    let file = quirk("duplicate_column.csv");
    // The later "NGAY TIEP NHAN" holds values that would be defects if it were read.
    let (report, _) = json_report(&[&file]);
    assert_eq!(report.defects.count, 0, "{:?}", report.defects.samples);
    assert_numbers(&report, &BASE, "duplicate_column.csv");
    let warning = report.warning("duplicate_column");
    assert!(
        warning.ends_with(
            "column 14 \"NGAY TIEP NHAN\" also names received_at; column 6 \"Ngày tiếp nhận\" is used and this one is ignored"
        ),
        "{warning}"
    );
    cchc()
        .args(["check", &file])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "\"NGAY TIEP NHAN\" (ignored: received_at already comes from \"Ngày tiếp nhận\")",
        ));
}
