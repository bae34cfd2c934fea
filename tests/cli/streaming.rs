//! `cchc report` on exports sums rows a chunk at a time and takes back rows that a later row of
//! the same dossier replaces (re-reading their file). Chunks of a few rows put chunk
//! boundaries, and the taking back, inside every fixture: the report must not change.
//! (Each chunk runs the polars plans, so a chunk of one row would make this test slow.)

use serde_json::Value;

use crate::common::{cchc, fixture};

/// Small enough for boundaries in every fixture, large enough to keep the test quick.
const CHUNK_ROWS: usize = 97;

/// The whole JSON report with `CCHC_CHUNK_ROWS` set (or not).
fn report(chunk_rows: Option<usize>, args: &[&str]) -> Value {
    let mut command = cchc();
    command.arg("report").args(args).args([
        "--format",
        "json",
        "--no-timestamp",
        "--fail-on",
        "never",
    ]);
    if let Some(rows) = chunk_rows {
        command.env("CCHC_CHUNK_ROWS", rows.to_string());
    }
    let output = command.output().expect("running cchc");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[test]
fn chunk_boundaries_and_taken_back_rows_do_not_change_the_report() {
    let (vi, messy, canonical) = (
        path("dossiers.vi.csv"),
        path("dossiers.messy.csv"),
        path("dossiers.canonical.csv"),
    );
    let (no_payment, xlsx) = (path("dossiers.no-payment.vi.csv"), path("dossiers.vi.xlsx"));
    let inputs: [Vec<&str>; 6] = [
        vec![&vi],
        // The messy export has defective rows (no repeated id).
        vec![&messy],
        vec![&canonical, &messy],
        vec![&vi, &no_payment],
        vec![&xlsx, &vi],
        // Every row of the first messy copy is replaced by the second.
        vec![&messy, &vi, &messy],
    ];
    let shapes: [&[&str]; 3] = [
        &[],
        &["--period", "month", "--by", "unit"],
        &["--period", "quarter", "--by", "procedure", "--by", "sector"],
    ];
    for files in &inputs {
        for shape in shapes {
            let args: Vec<&str> = files.iter().copied().chain(shape.iter().copied()).collect();
            let whole = report(None, &args);
            assert_eq!(
                report(Some(CHUNK_ROWS), &args),
                whole,
                "{args:?} in chunks of {CHUNK_ROWS} rows"
            );
        }
    }
}

#[test]
fn an_export_given_twice_counts_each_dossier_once() {
    let vi = path("dossiers.vi.csv");
    let once = report(Some(CHUNK_ROWS), &[&vi, "--by", "unit"]);
    let twice = report(Some(CHUNK_ROWS), &[&vi, &vi, "--by", "unit"]);
    assert_eq!(twice["results"], once["results"]);
    let valid = once["inputs"][0]["rows"].as_u64().expect("rows")
        - once["inputs"][0]["defective"].as_u64().expect("defective");
    // Every row of the second copy replaces its twin of the first.
    assert_eq!(merged(&twice), valid + merged(&once));
}

/// The Vietnamese export followed by its own rows again, the first of them made defective
/// (an unknown status word), in one file.
fn export_repeating_its_rows(scratch: &crate::common::Scratch) -> std::path::PathBuf {
    let text = std::fs::read_to_string(fixture("dossiers.vi.csv")).expect("the vi fixture");
    let lines: Vec<&str> = text.lines().collect();
    let mut repeated: Vec<String> = lines[1..].iter().map(|l| l.to_string()).collect();
    let defective = repeated[0].replacen(",Đã trả kết quả,", ",Trạng thái lạ,", 1);
    assert_ne!(
        defective, repeated[0],
        "the first row has a status to spoil"
    );
    repeated[0] = defective;
    let mut all: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    all.extend(repeated);
    scratch.write("repeats.csv", &(all.join("\n") + "\n"))
}

fn merged(report: &Value) -> u64 {
    report["warnings"]
        .as_array()
        .and_then(|w| w.iter().find(|w| w["kind"] == "duplicates_merged"))
        .and_then(|w| w["message"].as_str())
        .and_then(|m| m.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Ids repeated inside one file, across chunk boundaries, with a defective later duplicate
/// that must not replace its valid twin.
#[test]
fn rows_repeated_in_one_file_are_taken_back_across_chunks() {
    let scratch = crate::common::Scratch::new();
    let repeats = export_repeating_its_rows(&scratch).display().to_string();
    let once = report(None, &[&path("dossiers.vi.csv"), "--by", "unit"]);
    let valid = once["inputs"][0]["rows"].as_u64().expect("rows")
        - once["inputs"][0]["defective"].as_u64().expect("defective");
    for chunk_rows in [None, Some(CHUNK_ROWS)] {
        let twice = report(chunk_rows, &[&repeats, "--by", "unit"]);
        assert_eq!(
            twice["results"], once["results"],
            "chunks of {chunk_rows:?}"
        );
        assert_eq!(merged(&twice), merged(&once) + valid - 1);
        assert_eq!(
            twice["defects"]["count"].as_u64(),
            once["defects"]["count"].as_u64().map(|n| n + 1)
        );
    }
}

/// A pipe cannot be read twice, so its rows are kept instead of taken back: the Vietnamese
/// export read from a FIFO and then from its file counts as the file given twice.
#[cfg(unix)]
#[test]
fn rows_read_from_a_pipe_are_replaced_like_rows_read_from_a_file() {
    let scratch = crate::common::Scratch::new();
    let fifo = scratch.fifo("vi.fifo");
    let vi = path("dossiers.vi.csv");
    let bytes = std::fs::read(&vi).expect("the vi fixture");
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || std::fs::write(writer_path, bytes));
    let from_pipe = report(Some(CHUNK_ROWS), &[&fifo.display().to_string(), &vi]);
    writer
        .join()
        .expect("the writer thread")
        .expect("writing the FIFO");
    let from_files = report(Some(CHUNK_ROWS), &[&vi, &vi]);
    assert_eq!(from_pipe["results"], from_files["results"]);
    assert_eq!(merged(&from_pipe), merged(&from_files));
    assert!(merged(&from_files) > 0);
}
