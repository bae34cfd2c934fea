//! Custom targets files: thresholds, info-only indicators and header overrides.

use crate::common::{json_report, JsonReport, Scratch};

const EXPORT: &str = "Mã biên nhận,Ngày tiếp nhận,Kênh nộp,Mức độ\nH1,01/02/2024,Trực tuyến,4\nH2,01/02/2024,Trực tiếp,4\n";

/// The JSON report of [`EXPORT`] under a targets file with this text.
fn report_with_targets(toml: &str) -> (JsonReport, i32) {
    let scratch = Scratch::new();
    let data = scratch.write("d.csv", EXPORT);
    let targets = scratch.write("t.toml", toml);
    json_report(&[
        data.to_str().unwrap(),
        "--targets",
        targets.to_str().unwrap(),
    ])
}

#[test]
fn columns_override_maps_an_unknown_header_and_thresholds_apply() {
    let (report, code) = report_with_targets(
        "[targets.online_share]\nmin = 50\n\n[columns]\ndossier_id = \"Mã biên nhận\"\n",
    );
    let share = report.find("online_share", "2024", None);
    assert_eq!(
        (share.numerator, share.denominator, share.status.as_str()),
        (Some(1), Some(2), "pass")
    );
    assert_eq!(share.target, Some(serde_json::json!({"min": 50.0})));
    assert_eq!(code, 0);
}

#[test]
fn an_indicator_without_threshold_is_information() {
    let (report, code) =
        report_with_targets("[targets.online_share]\n[columns]\ndossier_id = [\"Mã biên nhận\"]\n");
    let share = report.find("online_share", "2024", None);
    assert_eq!(
        (share.status.as_str(), share.target.clone()),
        ("info", None)
    );
    assert_eq!(code, 0);
}

#[test]
fn the_example_targets_file_is_valid() {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/targets.custom.toml");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dossiers.vi.csv");
    let (report, _) = json_report(&[
        data.to_str().unwrap(),
        "--targets",
        example.to_str().unwrap(),
    ]);
    assert!(!report.results.is_empty());
}
