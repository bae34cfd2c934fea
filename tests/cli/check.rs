//! `cchc check`: how an export was understood, pinned in snapshots.

use crate::common::{cchc, fixture};

fn check(args: &[&str]) -> (String, i32) {
    let output = cchc()
        .current_dir(fixture(""))
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    let mut text = String::from_utf8(output.stdout).unwrap();
    text.push_str(&String::from_utf8(output.stderr).unwrap());
    (text, output.status.code().unwrap())
}

#[test]
fn messy_export() {
    let (text, code) = check(&["dossiers.messy.csv"]);
    assert_eq!(code, 1, "defects found");
    insta::assert_snapshot!(text);
}

#[test]
fn no_payment_export_lists_the_na_indicators() {
    let (text, code) = check(&["dossiers.no-payment.vi.csv"]);
    assert_eq!(code, 0);
    assert!(
        text.contains("payment_method → N/A: online_payment_rate, online_payment_procedures"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn utf16_title_rows_and_duplicates() {
    let (text, code) = check(&[
        "quirks/utf16le_tab.csv",
        "quirks/title_rows.csv",
        "quirks/jan.csv",
        "quirks/feb.csv",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(text);
}

#[test]
fn json_format() {
    let (text, code) = check(&["quirks/windows1258.csv", "--format", "json"]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["inputs"][0]["encoding"], "windows-1258");
    assert_eq!(value["inputs"][0]["delimiter"], ",");
    assert_eq!(value["inputs"][0]["header_line"], 1);
    assert_eq!(value["inputs"][0]["received_from"], "02/01/2024");
    insta::assert_snapshot!(text);
}

#[test]
fn errors_exit_2() {
    cchc()
        .args(["check", "quirks/empty.csv"])
        .current_dir(fixture(""))
        .assert()
        .code(2);
}

#[test]
fn a_duplicate_column_is_listed_apart_from_ignored_ones() {
    let (text, code) = check(&["quirks/duplicate_column.csv", "--format", "json"]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let input = &value["inputs"][0];
    assert_eq!(input["ignored_columns"], serde_json::json!([]));
    assert_eq!(
        input["duplicate_columns"],
        serde_json::json!([{"header": "NGAY TIEP NHAN", "field": "received_at", "used": "Ngày tiếp nhận"}])
    );
}
