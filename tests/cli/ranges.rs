//! A large UTF-8 export is read in parallel ranges that start at a line start near each range's
//! nominal offset (issue 19). `CCHC_RANGE_BYTES` makes the ranges a few bytes long, so range
//! boundaries fall everywhere in every fixture: inside quoted fields that span lines, inside a
//! CRLF, inside a multi-byte character, on blank lines and inside defective records. Whatever
//! the range length and the number of threads, the report (rows, defects with their record and
//! line, groups, labels, spellings) must be the one a single pass gives, and so the truth.

use serde_json::Value;

use crate::common::{cchc, fixture, Scratch};

/// The output of `cchc ARGS` with ranges of `range_bytes` bytes on `threads` threads (or with
/// neither: one pass, as small files are read).
fn run(ranges: Option<(usize, usize)>, args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let mut command = cchc();
    command.args(args);
    if let Some((range_bytes, threads)) = ranges {
        command
            .env("CCHC_RANGE_BYTES", range_bytes.to_string())
            .env("CCHC_THREADS", threads.to_string());
    }
    let output = command.output().expect("running cchc");
    (output.status.code(), output.stdout)
}

fn json(ranges: Option<(usize, usize)>, file: &str, shape: &[&str]) -> Value {
    let mut args = vec![
        "report",
        file,
        "--format",
        "json",
        "--no-timestamp",
        "--fail-on",
        "never",
    ];
    args.extend_from_slice(shape);
    let (code, stdout) = run(ranges, &args);
    assert_eq!(code, Some(0), "{args:?} with ranges {ranges:?}");
    serde_json::from_slice(&stdout).expect("a JSON report")
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

/// Every fixture export with its truth, and the hostile and quirky ones that are UTF-8 text.
const FIXTURES: [&str; 12] = [
    "dossiers.vi.csv",
    "dossiers.messy.csv",
    "dossiers.canonical.csv",
    "dossiers.no-payment.vi.csv",
    "dossiers.no-level.vi.csv",
    "hostile/cr_only.csv",
    "hostile/mixed_endings.csv",
    "hostile/stray_quote.csv",
    "hostile/quote_then_text.csv",
    "quirks/quoted_newlines.csv",
    "quirks/invalid_utf8.csv",
    "quirks/ragged.csv",
];

#[test]
fn range_boundaries_anywhere_give_the_report_of_one_pass() {
    for name in FIXTURES {
        let file = path(name);
        for shape in [&[][..], &["--period", "month", "--by", "unit"][..]] {
            let whole = json(None, &file, shape);
            for ranges in [(1, 2), (7, 3), (64, 2), (333, 1), (4096, 5)] {
                assert_eq!(
                    json(Some(ranges), &file, shape),
                    whole,
                    "{name} {shape:?} in ranges of {} bytes on {} threads",
                    ranges.0,
                    ranges.1
                );
            }
        }
    }
}

#[test]
fn check_and_convert_read_ranges_as_one_pass() {
    let scratch = Scratch::new();
    for name in ["dossiers.messy.csv", "dossiers.vi.csv"] {
        let file = path(name);
        let args = ["check", file.as_str(), "--format", "json"];
        let whole = run(None, &args);
        assert_eq!(run(Some((29, 3)), &args), whole, "check {name}");
        let one = scratch.path(&format!("{name}.one"));
        let ranged = scratch.path(&format!("{name}.ranged"));
        for (dir, ranges) in [(&one, None), (&ranged, Some((29, 3)))] {
            let dir = dir.display().to_string();
            let (code, _) = run(ranges, &["convert", &file, "--output", &dir]);
            assert_eq!(code, Some(0), "convert {name}");
        }
        let read = |dir: &std::path::Path| {
            json(None, &dir.display().to_string(), &["--by", "unit"])["results"].clone()
        };
        assert_eq!(read(&ranged), read(&one), "convert {name}");
    }
}

/// A file built to put boundaries in the worst places: a procedure name quoted over three
/// lines (CRLF inside the quotes), Vietnamese text (two- and three-byte characters), a blank
/// line, a stray quote in a one-line column and a defective date, all with CRLF line ends.
fn tricky_export() -> String {
    let mut text = String::from(
        "Mã hồ sơ,Tên thủ tục,Cơ quan giải quyết,Kênh nộp,Mức độ DVCTT,Ngày tiếp nhận,Trạng thái\r\n",
    );
    for i in 1..=30 {
        let name = match i % 5 {
            0 => "\"Cấp phép \"\"đặc biệt\"\",\r\nlần đầu\r\n(bản sao)\"".to_string(),
            1 => "Đăng ký hộ kinh doanh".to_string(),
            2 => "\"Thủ tục, có dấu phẩy\"".to_string(),
            3 => "Gia hạn giấy phép lữ hành".to_string(),
            _ => "Ủy quyền".to_string(),
        };
        let unit = if i == 17 {
            "\"Phòng Hai"
        } else {
            "Phòng Một"
        };
        let date = if i == 23 {
            "31/02/2024"
        } else {
            "05/03/2024 08:30"
        };
        let channel = if i % 2 == 0 {
            "Trực tuyến"
        } else {
            "Trực tiếp"
        };
        text.push_str(&format!(
            "HS{i:03},{name},{unit},{channel},Toàn trình,{date},Đã tiếp nhận\r\n"
        ));
        if i == 11 {
            text.push_str("\r\n");
        }
    }
    text
}

#[test]
fn every_range_length_of_a_tricky_file_gives_one_pass() {
    let scratch = Scratch::new();
    let file = scratch.write("tricky.csv", &tricky_export());
    let file = file.display().to_string();
    let whole = json(None, &file, &["--by", "unit"]);
    // The stray quote and the impossible date are defects; the quoted names are read whole.
    assert_eq!(whole["defects"]["count"], 2, "{}", whole["defects"]);
    let len = std::fs::metadata(&file).expect("the file").len() as usize;
    for range_bytes in (1..=len / 3).step_by(7) {
        assert_eq!(
            json(Some((range_bytes, 3)), &file, &["--by", "unit"]),
            whole,
            "ranges of {range_bytes} bytes"
        );
    }
}

/// A report states each input's SHA-256 whether the file was read in ranges (the digest is
/// taken on a thread of its own) or in one pass; a CSV report states none and computes none,
/// and gives the same rows either way.
#[test]
fn the_sha256_stated_is_the_file_s_on_every_path() {
    let file = path("dossiers.vi.csv");
    let bytes = std::fs::read(&file).expect("the fixture");
    let expected: String = <sha2::Sha256 as sha2::Digest>::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut csv = Vec::new();
    for ranges in [None, Some((997, 3))] {
        let report = json(ranges, &file, &[]);
        assert_eq!(
            report["inputs"][0]["sha256"],
            expected.as_str(),
            "{ranges:?}"
        );
        let (code, table) = run(ranges, &["report", &file, "--fail-on", "never"]);
        assert_eq!(code, Some(0));
        let table = String::from_utf8_lossy(&table).into_owned();
        assert!(table.contains(&format!("sha256 {expected}")), "{table}");
        let (code, rows) = run(
            ranges,
            &["report", &file, "--format", "csv", "--fail-on", "never"],
        );
        assert_eq!(code, Some(0));
        assert!(!String::from_utf8_lossy(&rows).contains(&expected));
        csv.push(rows);
    }
    assert_eq!(csv[0], csv[1]);
    assert!(csv[0].starts_with(b"period,group,indicator,"));
}

/// A file read twice in one run (again for its replaced rows, or first for the latest year a
/// catalogue's undated rows describe) is hashed on the pass that counts, and the digest stated
/// is the file's.
#[test]
fn a_file_read_twice_states_its_own_sha256() {
    let digest = |file: &std::path::Path| -> String {
        let bytes = std::fs::read(file).expect("the file");
        <sha2::Sha256 as sha2::Digest>::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let duplicated = fixture("quirks/duplicate_in_file.csv");
    let report = json(None, &duplicated.display().to_string(), &[]);
    assert_eq!(report["inputs"][0]["sha256"], digest(&duplicated).as_str());
    let kinds: Vec<&str> = report["warnings"]
        .as_array()
        .map(|w| w.iter().filter_map(|w| w["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&"duplicates_merged"), "{kinds:?}");
    // A code with a dated catalogue row and an undated one: its level depends on the latest
    // year, which a first pass over the dossiers finds.
    let scratch = Scratch::new();
    let catalogue = std::fs::read_to_string(fixture("catalogue.vi.csv")).expect("the catalogue");
    let undated = "2.001824,Cấp giấy phép kinh doanh dịch vụ karaoke,Văn hóa cơ sở,Một phần,Có,\
                   Không,Có,4.000.000 đ,Không,\n";
    let catalogue = scratch.write("catalogue.csv", &format!("{catalogue}{undated}"));
    let dossiers = fixture("dossiers.no-level.vi.csv");
    let report = json(
        None,
        &dossiers.display().to_string(),
        &["--catalogue", &catalogue.display().to_string()],
    );
    let inputs = report["inputs"].as_array().expect("inputs");
    let stated = |kind: &str| {
        inputs
            .iter()
            .find(|input| input["kind"] == kind)
            .map(|input| input["sha256"].clone())
    };
    assert_eq!(stated("dossiers"), Some(digest(&dossiers).into()));
    assert_eq!(stated("catalogue"), Some(digest(&catalogue).into()));
}

/// Rows replaced by later rows with the same `dossier_id` are taken back from the ranges that
/// hold them alone, when the first read placed the file in ranges: the report is the one a
/// single pass and a whole second read give.
#[test]
fn replaced_rows_are_taken_back_from_their_ranges() {
    let text = std::fs::read_to_string(fixture("dossiers.vi.csv")).expect("the fixture");
    let lines: Vec<&str> = text.lines().collect();
    // Rows near the start, in the middle and at the end come again, sent online this time.
    let mut again = String::new();
    for line in lines[2..12]
        .iter()
        .chain(&lines[900..930])
        .chain(&lines[1990..])
    {
        again.push_str(&line.replace("Trực tiếp", "Trực tuyến"));
        again.push('\n');
    }
    let scratch = Scratch::new();
    let file = scratch.write("repeated.csv", &format!("{text}{again}"));
    let file = file.display().to_string();
    let whole = json(None, &file, &["--period", "month", "--by", "unit"]);
    let kinds: Vec<&str> = whole["warnings"]
        .as_array()
        .map(|w| w.iter().filter_map(|w| w["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&"duplicates_merged"), "{kinds:?}");
    for ranges in [(997, 3), (4096, 2), (50_000, 1)] {
        let ranged = json(Some(ranges), &file, &["--period", "month", "--by", "unit"]);
        assert_eq!(ranged, whole, "ranges {ranges:?}");
    }
}
