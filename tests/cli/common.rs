//! Helpers: a scratch directory with fixture files, the binary, and the typed JSON report.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde::Deserialize;

pub fn cchc() -> Command {
    let mut command = Command::cargo_bin("cchc").expect("the cchc binary is built");
    command.env_remove("NO_COLOR");
    command
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A temporary directory holding files written by a test.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("writing a scratch file");
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A named pipe in the scratch directory.
    #[cfg(unix)]
    pub fn fifo(&self, name: &str) -> PathBuf {
        let fifo = self.path(name);
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("running mkfifo");
        assert!(made.success(), "mkfifo {}", fifo.display());
        fifo
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonReport {
    pub schema_version: u32,
    pub tool: JsonTool,
    pub generated_at: Option<String>,
    pub targets: JsonTargets,
    pub inputs: Vec<JsonInput>,
    pub defects: JsonDefects,
    pub warnings: Vec<JsonWarning>,
    pub results: Vec<JsonResult>,
    pub summary: JsonSummary,
}

#[derive(Debug, Deserialize)]
pub struct JsonTool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Deserialize)]
pub struct JsonTargets {
    pub source: String,
    pub sha256: String,
}

#[derive(Debug, Deserialize)]
pub struct JsonInput {
    pub path: String,
    pub kind: String,
    pub sha256: String,
    pub rows: u64,
    pub defective: u64,
}

#[derive(Debug, Deserialize)]
pub struct JsonDefects {
    pub count: u64,
    pub samples: Vec<JsonDefect>,
}

#[derive(Debug, Deserialize)]
pub struct JsonDefect {
    pub path: String,
    pub record: u64,
    pub line: u64,
    pub column: Option<String>,
    pub field: Option<String>,
    pub value: Option<String>,
    pub class: String,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
pub struct JsonWarning {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Deserialize, Clone)]
pub struct JsonResult {
    pub indicator: String,
    pub period: String,
    pub group: Option<String>,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub value: Option<f64>,
    pub target: Option<serde_json::Value>,
    pub status: String,
    pub na_reason: Option<String>,
    pub missing_due: Option<i64>,
    pub this: Option<[i64; 2]>,
    pub prev: Option<[i64; 2]>,
    pub source: String,
    pub unit: String,
    pub by: Option<Vec<String>>,
    pub groups: Option<Vec<String>>,
    pub group_name: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
pub struct JsonSummary {
    pub pass: u64,
    pub fail: u64,
    pub na: u64,
    pub info: u64,
}

/// Runs `cchc report ARGS --format json` and parses its output; the exit code is returned too.
pub fn json_report(args: &[&str]) -> (JsonReport, i32) {
    let output = cchc()
        .arg("report")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("running cchc");
    let code = output.status.code().expect("an exit code");
    assert!(
        code == 0 || code == 1,
        "cchc failed with {code}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = serde_json::from_slice(&output.stdout).expect("valid JSON report");
    (report, code)
}

/// Runs `cchc report ARGS --format json` and returns the JSON as it is, for fields the typed
/// report leaves out (warning `codes`).
pub fn json_value(args: &[&str]) -> serde_json::Value {
    let output = cchc()
        .arg("report")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("running cchc");
    serde_json::from_slice(&output.stdout).expect("valid JSON report")
}

impl JsonReport {
    /// (record, line, class) of every defect sample, in order.
    pub fn defect_places(&self) -> Vec<(u64, u64, String)> {
        self.defects
            .samples
            .iter()
            .map(|d| (d.record, d.line, d.class.clone()))
            .collect()
    }

    /// The message of the warning of this kind; the test fails without one.
    pub fn warning(&self, kind: &str) -> &str {
        self.warnings
            .iter()
            .find(|w| w.kind == kind)
            .map(|w| w.message.as_str())
            .unwrap_or_else(|| panic!("a {kind} warning in {:?}", self.warnings))
    }

    pub fn find(&self, indicator: &str, period: &str, group: Option<&str>) -> &JsonResult {
        self.results
            .iter()
            .find(|r| r.indicator == indicator && r.period == period && r.group.as_deref() == group)
            .unwrap_or_else(|| panic!("no result for {indicator} {period} {group:?}"))
    }
}

/// The test virtual environment's Python (`.venv`, which `.ci/run` creates) when it can import
/// `modules` (`"duckdb, pyspark"`); `None` on a developer machine without it, where the test says
/// it skipped. Under CI (`CI` set) a missing environment is a failure.
pub fn venv_python(modules: &str) -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let ready = std::process::Command::new(&python)
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if ready {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} cannot import {modules}: .ci/run creates it",
        python.display()
    );
    eprintln!("skipped: no .venv with {modules} (.ci/run creates it)");
    None
}

/// The example generator (`examples/generate.rs`), which `cargo test` builds beside the tests.
pub fn generator() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the target directory of the test binary");
    let generate = dir.join("examples").join("generate");
    assert!(
        generate.is_file(),
        "{} is missing: `cargo test` builds the examples",
        generate.display()
    );
    generate
}
