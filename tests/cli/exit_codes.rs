//! Exit codes are an interface: 0 all targets met, 1 one missed, 2 usage, config or input error.

use predicates::prelude::*;

use crate::common::{cchc, fixture, Scratch};

const ALL_MET: &str = "Mã hồ sơ,Ngày tiếp nhận,Kênh nộp,Mức độ\nE1,01/02/2024,Trực tuyến,4\n";

#[test]
fn zero_when_every_target_is_met() {
    let scratch = Scratch::new();
    let path = scratch.write("met.csv", ALL_MET);
    cchc().arg("report").arg(&path).assert().code(0);
}

#[test]
fn one_when_a_target_is_missed() {
    cchc()
        .arg("report")
        .arg(fixture("dossiers.vi.csv"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("KHÔNG ĐẠT"));
}

#[test]
fn two_on_usage_errors() {
    cchc().arg("report").assert().code(2);
    cchc()
        .args(["report", "x.csv", "--format", "xml"])
        .assert()
        .code(2);
    cchc()
        .args(["report", "x.csv", "--year", "1999"])
        .assert()
        .code(2);
    cchc().arg("frobnicate").assert().code(2);
}

#[test]
fn two_on_a_missing_file_naming_it() {
    cchc()
        .args(["report", "no-such-export.csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-export.csv"));
}

#[test]
fn two_on_a_missing_required_column_listing_headers_and_aliases() {
    let scratch = Scratch::new();
    let path = scratch.write("noreceived.csv", "Mã hồ sơ,Ngày nộp\nF1,01/01/2024\n");
    cchc()
        .arg("report")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("received_at"))
        .stderr(predicate::str::contains(
            "headers found: Mã hồ sơ | Ngày nộp",
        ))
        .stderr(predicate::str::contains("Ngày tiếp nhận"));
}

#[test]
fn two_with_strict_and_defective_rows() {
    cchc()
        .args(["report", "--strict"])
        .arg(fixture("dossiers.messy.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("15 defective row(s)"))
        .stderr(predicate::str::contains(
            "dossiers.messy.csv:192 (record 191)",
        ));
}

#[test]
fn strict_passes_clean_files() {
    cchc()
        .args(["report", "--strict"])
        .arg(fixture("dossiers.vi.csv"))
        .assert()
        .code(1);
}

#[test]
fn two_on_a_bad_targets_file() {
    let scratch = Scratch::new();
    let targets = scratch.write("t.toml", "[targets.online_share]\nmin = 500\n");
    cchc()
        .arg("report")
        .arg(fixture("dossiers.vi.csv"))
        .arg("--targets")
        .arg(&targets)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("t.toml, line 2"))
        .stderr(predicate::str::contains("targets.online_share.min"));
}

#[test]
fn two_when_every_row_is_defective() {
    let scratch = Scratch::new();
    let path = scratch.write(
        "allbad.csv",
        "Mã hồ sơ,Ngày tiếp nhận\nA,31/02/2024\n,01/01/2024\n",
    );
    cchc()
        .arg("report")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("all 2 row(s) are defective"))
        .stderr(predicate::str::contains("allbad.csv:2 (record 1)"));
}
