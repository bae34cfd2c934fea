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
        // The messy export repeats dossier ids and has defective later duplicates.
        vec![&messy],
        vec![&canonical, &messy],
        vec![&vi, &no_payment],
        vec![&xlsx, &vi],
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
    let merged = |report: &Value| -> u64 {
        report["warnings"]
            .as_array()
            .and_then(|w| w.iter().find(|w| w["kind"] == "duplicates_merged"))
            .and_then(|w| w["message"].as_str())
            .and_then(|m| m.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    // Every row of the second copy replaces its twin of the first.
    assert_eq!(merged(&twice), valid + merged(&once));
}
