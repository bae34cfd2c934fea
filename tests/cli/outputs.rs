//! Whole outputs pinned as snapshots: table (both languages), Markdown, CSV, JSON.

use crate::common::{cchc, Scratch};

/// Two years, a formula-like unit name and a name with a comma and a quote.
const SMALL: &str = "\u{feff}Mã hồ sơ,Mã TTHC,Đơn vị,Mức độ,Kênh nộp,Ngày tiếp nhận,Hạn xử lý,Ngày có kết quả,Trạng thái,Phí,Thanh toán,Số hóa kết quả,Tái sử dụng dữ liệu,Liên thông,Luân chuyển điện tử,Xác thực điện tử,Đánh giá\r\n\
G1,1.001,=Phòng A,4,Trực tuyến,02/01/2023,10/01/2023,05/01/2023,10,100.000,Trực tuyến,Có,Có,,,Có,Hài lòng\r\n\
G2,1.002,\"Phòng \"\"B\"\", Sở\",3,,03/01/2023,10/01/2023,12/01/2023,9,,,Không,,,,,Bình thường\r\n\
G3,1.001,=Phòng A,4,Trực tuyến,02/01/2024,10/01/2024,05/01/2024,10,100.000,Chuyển khoản,Có,Có,Có,Có,Có,Rất hài lòng\r\n\
G4,1.002,\"Phòng \"\"B\"\", Sở\",4,Qua mạng,03/01/2024,,12/01/2024,10,,,Có,Có,,,Không,\r\n\
G5,1.002,\"Phòng \"\"B\"\", Sở\",4,Qua mạng,31/02/2024,,12/01/2024,10,,,Có,Có,,,Không,\r\n";

fn run(args: &[&str]) -> (String, String, i32) {
    let scratch = Scratch::new();
    let path = scratch.write("small.csv", SMALL);
    let output = cchc()
        .current_dir(scratch.dir.path())
        .arg("report")
        .arg("small.csv")
        .arg("--no-timestamp")
        .args(args)
        .output()
        .unwrap();
    drop(path);
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap(),
    )
}

#[test]
fn table_in_vietnamese() {
    let (stdout, stderr, code) = run(&[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
    insta::assert_snapshot!(stderr);
}

#[test]
fn table_in_english() {
    let (stdout, _, _) = run(&["--lang", "en"]);
    insta::assert_snapshot!(stdout);
}

#[test]
fn markdown() {
    let (stdout, _, _) = run(&["--format", "markdown", "--year", "2024"]);
    insta::assert_snapshot!(stdout);
}

#[test]
fn csv_with_formula_guard() {
    let (stdout, _, _) = run(&["--format", "csv", "--by", "unit", "--year", "2024"]);
    insta::assert_snapshot!(stdout);
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
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
            "by"
        ]
    );
    let groups: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    assert!(groups.contains(&"'=Phòng A".to_string()));
    assert!(groups.contains(&"Phòng \"B\", Sở".to_string()));
}

/// DOMAIN.md v2 §3: numbers cchc writes are never formula-guarded (a falling growth row stays
/// `-3.50`); a total row and a blank-group row differ by `by`.
#[test]
fn csv_numbers_stay_numbers_and_totals_differ_from_blank_groups() {
    let scratch = Scratch::new();
    let data = scratch.write(
        "fall.csv",
        "Mã hồ sơ,Ngày tiếp nhận,Ngày có kết quả,Trạng thái,Số hóa kết quả,Đơn vị\n\
         A,01/01/2023,02/01/2023,10,Có,\n\
         B,01/01/2024,02/01/2024,10,Không,\n\
         C,01/01/2024,02/01/2024,10,Có,\n",
    );
    let output = cchc()
        .arg("report")
        .arg(&data)
        .args(["--format", "csv", "--by", "unit"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let growth_total = rows
        .iter()
        .find(|r| &r[0] == "2024" && &r[2] == "digitized_results_growth" && r[12].is_empty())
        .expect("the total growth row");
    assert_eq!(&growth_total[6], "-50.00");
    assert_eq!(&growth_total[10], "points");
    assert_eq!(&growth_total[11], "dossiers");
    let blank_group = rows
        .iter()
        .find(|r| &r[0] == "2024" && &r[2] == "online_share" && &r[12] == "unit")
        .expect("the blank unit's row");
    assert_eq!(&blank_group[1], "");
}

#[test]
fn csv_bom_only_when_asked() {
    let (plain, _, _) = run(&["--format", "csv"]);
    assert!(plain.starts_with("period,"));
    let (with_bom, _, _) = run(&["--format", "csv", "--bom"]);
    assert!(with_bom.starts_with("\u{feff}period,"));
}

#[test]
fn json() {
    let (stdout, stderr, _) = run(&["--format", "json", "--year", "2024"]);
    assert_eq!(stderr, "", "JSON mode keeps diagnostics inside the JSON");
    insta::assert_snapshot!(stdout);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["defects"]["samples"][0]["line"], 6);
    assert_eq!(value["defects"]["samples"][0]["record"], 5);
}

#[test]
fn output_file_is_written_whole() {
    let scratch = Scratch::new();
    let path = scratch.write("small.csv", SMALL);
    let out = scratch.path("report.json");
    cchc()
        .arg("report")
        .arg(&path)
        .args(["--format", "json", "--output"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("");
    let text = std::fs::read_to_string(&out).unwrap();
    let _: serde_json::Value = serde_json::from_str(&text).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(scratch.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_table_says_why_a_row_is_na() {
    let no_payment = crate::common::fixture("dossiers.no-payment.vi.csv");
    let output = cchc()
        .args(["report", "--no-timestamp", "--year", "2024"])
        .arg(&no_payment)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains(
            "Không đánh giá được (N/A):\n  - thiếu cột payment_method: Tỷ lệ hồ sơ thanh toán trực tuyến; Tỷ lệ TTHC có phát sinh thanh toán trực tuyến\n"
        ),
        "{stdout}"
    );
    // One note for every group below --min-count, whatever its size.
    let (stdout, _, _) = run(&["--lang", "en", "--by", "unit", "--min-count", "2"]);
    let notes: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("fewer than 2 dossiers (--min-count)"))
        .collect();
    assert_eq!(notes.len(), 1, "{stdout}");
}
