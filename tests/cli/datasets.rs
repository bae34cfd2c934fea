//! Past one machine (issue 12, DOMAIN.md §7): `cchc convert` writes the canonical Parquet
//! dataset, `cchc report` reads it back, and `cchc sql` runs for real in DuckDB and in Spark
//! (local mode), each compared row by row with `cchc report` on the original exports.
//!
//! The engines come from the Python virtual environment `.ci/run` creates (`.venv`, with
//! `duckdb` and `pyspark`; Java from the distribution). Without it these tests say so and pass
//! on a developer machine; under CI (`CI` set) a missing engine is a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{cchc, fixture, Scratch};

/// One set of exports and the options every run of it gets.
struct Case {
    name: &'static str,
    files: Vec<PathBuf>,
    /// Given to convert and report alike (`--catalogue`, `--targets`).
    options: Vec<String>,
}

fn cases(scratch: &Scratch) -> Vec<Case> {
    let custom = scratch.write(
        "custom.toml",
        "[indicators.full_online_share]\n\
         name = \"Tỷ lệ hồ sơ trực tuyến toàn trình\"\n\
         population = \"accepted\"\n\
         numerator = \"channel = 'online' AND service_level = 4 AND received_at >= DATE '2022-01-01'\"\n\
         period_by = \"received\"\n\
         min = 30\n\
         [indicators.late_named]\n\
         name = \"Hồ sơ trễ hạn của thủ tục có tên chứa 'cấp'\"\n\
         population = \"finished AND due_at IS NOT NULL AND end_at IS NOT NULL\"\n\
         numerator = \"end_at > due_at AND procedure_name LIKE '%cấp%' AND NOT (status IN (7, 8))\"\n\
         period_by = \"end\"\n",
    );
    let s = |p: PathBuf| p.display().to_string();
    vec![
        Case {
            name: "canonical",
            files: vec![fixture("dossiers.canonical.csv")],
            options: vec![],
        },
        Case {
            name: "vi",
            files: vec![fixture("dossiers.vi.csv")],
            options: vec!["--targets".into(), s(custom.clone())],
        },
        Case {
            name: "messy",
            files: vec![fixture("dossiers.messy.csv")],
            options: vec![],
        },
        Case {
            name: "no-level",
            files: vec![fixture("dossiers.no-level.vi.csv")],
            options: vec!["--catalogue".into(), s(fixture("catalogue.vi.csv"))],
        },
        Case {
            name: "no-payment",
            files: vec![fixture("dossiers.no-payment.vi.csv")],
            options: vec![],
        },
        Case {
            name: "xlsx",
            files: vec![fixture("dossiers.vi.xlsx")],
            options: vec![],
        },
        Case {
            // Two exports, one lacking a column: indicators needing it are N/A (NULL in SQL).
            name: "two-files",
            files: vec![
                fixture("dossiers.vi.csv"),
                fixture("dossiers.no-payment.vi.csv"),
            ],
            options: vec![],
        },
        Case {
            // Dossiers repeated within and across files: a repeat replaces a row already
            // written, so the files holding it are written again (tiny files: many of them).
            name: "duplicates",
            files: vec![
                fixture("quirks/jan.csv"),
                fixture("quirks/feb.csv"),
                fixture("quirks/duplicate_in_file.csv"),
            ],
            options: vec![],
        },
    ]
}

/// Every period length, with and without a breakdown (these run in Spark too), then the other
/// options (DuckDB only: a Spark query costs seconds).
fn shapes() -> Vec<Vec<&'static str>> {
    let mut shapes = Vec::new();
    for period in ["year", "quarter", "month"] {
        for by in [None, Some("unit"), Some("sector")] {
            let mut args = vec!["--period", period];
            if let Some(by) = by {
                args.extend(["--by", by]);
            }
            shapes.push(args);
        }
    }
    assert_eq!(shapes.len(), SPARK_SHAPES);
    shapes.push(vec!["--by", "sector", "--by", "unit", "--min-count", "5"]);
    shapes.push(vec![
        "--year",
        "2024",
        "--by",
        "procedure",
        "--period",
        "quarter",
    ]);
    shapes.push(vec![
        "--from",
        "01/03/2023",
        "--to",
        "2024-06-30",
        "--by",
        "unit",
    ]);
    shapes
}

const SPARK_SHAPES: usize = 9;

fn run(args: &[String]) -> std::process::Output {
    cchc().args(args).output().expect("running cchc")
}

fn convert(case: &Case, dir: &Path, extra: &[&str]) {
    let mut args: Vec<String> = vec!["convert".into()];
    args.extend(case.files.iter().map(|f| f.display().to_string()));
    args.extend(case.options.iter().cloned());
    args.extend(["--output".into(), dir.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = run(&args);
    assert!(
        output.status.success(),
        "convert {}: {}",
        case.name,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `cchc report INPUTS OPTIONS SHAPE --format json`, as a JSON value.
fn report(inputs: &[String], options: &[String], shape: &[&str]) -> Value {
    let mut args: Vec<String> = vec!["report".into()];
    args.extend(inputs.iter().cloned());
    args.extend(options.iter().cloned());
    args.extend(shape.iter().map(|s| s.to_string()));
    args.extend(["--format".into(), "json".into(), "--no-timestamp".into()]);
    let output = run(&args);
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "report {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

fn paths(files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|f| f.display().to_string()).collect()
}

/// The engine SQL's rows a report stands for: every dossier indicator but the growth row;
/// numbers the report cannot evaluate are NULL.
fn expected_rows(report: &Value) -> Vec<Value> {
    let mut rows = Vec::new();
    for row in report["results"].as_array().expect("results") {
        if row["source"] != "dossiers" || row["indicator"] == "digitized_results_growth" {
            continue;
        }
        let reason = row["na_reason"].as_str().unwrap_or_default();
        let blank = reason.starts_with("missing column") || reason.starts_with("too few");
        let number = |key: &str| if blank { Value::Null } else { row[key].clone() };
        rows.push(Value::Array(vec![
            row["period"].clone(),
            row["group"].clone(),
            row["indicator"].clone(),
            number("numerator"),
            number("denominator"),
        ]));
    }
    sorted(rows)
}

fn sorted(mut rows: Vec<Value>) -> Vec<Value> {
    rows.sort_by_key(|r| r.to_string());
    rows
}

#[test]
fn a_report_on_the_converted_dataset_equals_the_report_on_the_exports() {
    let scratch = Scratch::new();
    for case in cases(&scratch) {
        let dir = scratch.path(&format!("dataset-{}", case.name));
        let extra: &[&str] = match case.name {
            "duplicates" => &["--rows-per-file", "2"],
            _ => &[],
        };
        convert(&case, &dir, extra);
        for shape in shapes() {
            let mut from_exports = report(&paths(&case.files), &case.options, &shape);
            let mut from_dataset = report(&[dir.display().to_string()], &case.options, &shape);
            // Warnings about the files' bytes (encodings, blank lines) stay with the exports.
            from_exports["warnings"] = Value::Null;
            from_dataset["warnings"] = Value::Null;
            assert_eq!(
                from_exports, from_dataset,
                "{} {shape:?}: the dataset's report differs from the exports'",
                case.name
            );
        }
    }
}

#[test]
fn the_manifest_and_defects_say_what_was_read() {
    let scratch = Scratch::new();
    let dir = scratch.path("messy");
    let case = Case {
        name: "messy",
        files: vec![fixture("dossiers.messy.csv")],
        options: vec![],
    };
    convert(&case, &dir, &["--batch", "7", "--rows-per-file", "1000"]);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("a manifest"))
            .expect("JSON");
    assert_eq!(manifest["format"], "cchc-dataset");
    assert_eq!(manifest["batch"], 7);
    let input = &manifest["inputs"][0];
    assert_eq!(input["kind"], "dossiers");
    assert_eq!(input["sha256"].as_str().map(str::len), Some(64));
    let columns: Vec<&str> = input["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(columns.contains(&"dossier_id") && columns.contains(&"received_at"));
    let truth: Value = serde_json::from_slice(
        &std::fs::read(fixture("dossiers.messy.truth.json")).expect("truth"),
    )
    .expect("JSON");
    let from_dataset = report(&[dir.display().to_string()], &[], &[]);
    assert_eq!(manifest["defects"], truth["defects"]["count"]);
    assert_eq!(manifest["rows"], truth["counts"]["valid_rows"]);
    assert_eq!(from_dataset["defects"]["count"], truth["defects"]["count"]);
    // Every defect keeps its line, in defects.parquet as in the report on the export.
    let lines: Vec<&Value> = from_dataset["defects"]["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .map(|d| &d["line"])
        .collect();
    let truth_lines: Vec<&Value> = truth["defects"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .collect();
    assert_eq!(lines, truth_lines);
    // 2,985 valid rows at 1,000 per file: three files, read back as one table.
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        files,
        [
            "dossiers/part-00000.parquet",
            "dossiers/part-00001.parquet",
            "dossiers/part-00002.parquet"
        ]
    );
    for file in &files {
        assert!(dir.join(file).is_file());
    }
    let from_export = report(&paths(&case.files), &[], &[]);
    assert_eq!(from_dataset["results"], from_export["results"]);
    assert!(dir.join("defects.parquet").is_file());
}

#[test]
fn datasets_converted_separately_keep_each_dossiers_latest_batch() {
    let scratch = Scratch::new();
    let header = "dossier_id,unit,channel,service_level,status,received_at,finished_at,due_at\n";
    let first = scratch.write(
        "first.csv",
        &format!(
            "{header}A,Phòng 1,online,4,4,02/01/2024,,\nB,Phòng 1,direct,2,10,03/01/2024,05/01/2024,06/01/2024\nA,Phòng 1,online,4,9,02/01/2024,20/01/2024,10/01/2024\n"
        ),
    );
    let second = scratch.write(
        "second.csv",
        &format!("{header}B,Phòng 2,online,3,10,03/01/2024,09/01/2024,06/01/2024\nC,Phòng 2,direct,,4,04/02/2024,,\n"),
    );
    let one = |path: &PathBuf| Case {
        name: "batch",
        files: vec![path.clone()],
        options: vec![],
    };
    // The second unit's export is converted first, in another process, but carries batch 1.
    convert(&one(&second), &scratch.path("b"), &["--batch", "1"]);
    convert(&one(&first), &scratch.path("a"), &["--batch", "0"]);
    let datasets = vec![
        scratch.path("b").display().to_string(),
        scratch.path("a").display().to_string(),
    ];
    for shape in [vec![], vec!["--by", "unit", "--period", "month"]] {
        let mut together = report(&paths(&[first.clone(), second.clone()]), &[], &shape);
        let mut separately = report(&datasets, &[], &shape);
        for value in [&mut together, &mut separately] {
            value["warnings"] = Value::Null;
            value["inputs"] = Value::Null;
        }
        assert_eq!(together, separately, "{shape:?}");
    }
    let (report, _) = crate::common::json_report(&[&datasets[0], &datasets[1]]);
    let online = report.find("online_share", "2024", None);
    // A (online, level 4), B's later row (online, level 3), C (direct): 2 of 3.
    assert_eq!((online.numerator, online.denominator), (Some(2), Some(3)));
}

#[test]
fn bad_datasets_and_options_are_clear_errors() {
    let scratch = Scratch::new();
    let case = Case {
        name: "canonical",
        files: vec![fixture("dossiers.canonical.csv")],
        options: vec![],
    };
    let dir = scratch.path("out");
    convert(&case, &dir, &[]);

    // Into a folder that is not empty, without --force.
    let mut args = vec![
        "convert".to_string(),
        fixture("dossiers.canonical.csv").display().to_string(),
        "--output".into(),
        dir.display().to_string(),
    ];
    let refused = run(&args);
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("is not empty") && message.contains("--force"),
        "{message}"
    );
    // With --force the dataset is replaced and a stranger's file stays.
    std::fs::write(dir.join("notes.txt"), "keep me").expect("a file");
    args.push("--force".into());
    assert!(run(&args).status.success());
    assert!(dir.join("notes.txt").is_file() && dir.join("manifest.json").is_file());

    // A conversion that fails leaves nothing: no folder it made, no staging files in one given.
    let never = scratch.path("never");
    let messy = fixture("dossiers.messy.csv").display().to_string();
    let strict = |out: &Path| {
        run(&[
            "convert".into(),
            messy.clone(),
            "--strict".into(),
            "--output".into(),
            out.display().to_string(),
        ])
    };
    let failed = strict(&never);
    assert_eq!(failed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("--strict"));
    assert!(
        !never.exists(),
        "a failed conversion left {}",
        never.display()
    );
    let given = scratch.path("given");
    std::fs::create_dir(&given).expect("a folder");
    assert_eq!(strict(&given).status.code(), Some(2));
    let left: Vec<_> = std::fs::read_dir(&given).expect("a folder").collect();
    assert!(given.is_dir() && left.is_empty(), "left behind: {left:?}");

    // A Parquet file that is not a cchc dataset: its own defects table has other columns.
    let wrong = dir.join("defects.parquet").display().to_string();
    let output = run(&["report".into(), wrong]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("not a cchc dataset") && message.contains("dossier_id"),
        "{message}"
    );
    // Not Parquet at all.
    let fake = scratch.write("fake.parquet", "dossier_id,received_at\nA,01/01/2024\n");
    let output = run(&["report".into(), fake.display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a readable Parquet file"));
    // A folder without a manifest.
    let empty = scratch.path("empty");
    std::fs::create_dir(&empty).expect("a folder");
    let output = run(&["report".into(), empty.display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a cchc dataset"));
    // Exports and datasets together.
    let output = run(&[
        "report".into(),
        dir.display().to_string(),
        fixture("dossiers.vi.csv").display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("either exports or converted datasets")
    );
    // An unknown dialect.
    let output = run(&["sql".into(), "--dialect".into(), "oracle".into()]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("oracle") && message.contains("duckdb") && message.contains("spark"),
        "{message}"
    );
}

#[test]
fn a_damaged_row_group_stops_the_report_and_names_its_file() {
    // Row groups are read on a thread of their own while the previous group is counted (issue
    // 19): a group that cannot be decoded, after a part that can, still ends the run with the
    // reading error and no report.
    let scratch = Scratch::new();
    let dir = scratch.path("dataset");
    let output = run(&[
        "convert".into(),
        fixture("dossiers.vi.csv").display().to_string(),
        "--rows-per-file".into(),
        "700".into(),
        "--output".into(),
        dir.display().to_string(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let damaged = dir.join("dossiers").join("part-00001.parquet");
    let mut bytes = std::fs::read(&damaged).expect("reading a part");
    // The footer (the file's last bytes) stays whole, so the file opens and its groups are
    // found; the pages it points to are scrambled.
    let half = bytes.len() / 2;
    for byte in &mut bytes[200.min(half)..half] {
        *byte = byte.wrapping_mul(7).wrapping_add(13);
    }
    std::fs::write(&damaged, bytes).expect("writing the damaged part");
    let output = run(&[
        "report".into(),
        dir.display().to_string(),
        "--format".into(),
        "json".into(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "a report was printed");
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("part-00001.parquet") && message.contains("not a readable Parquet file"),
        "{message}"
    );
}

/// The virtual environment's Python with both engines, or `None` outside CI without it.
fn engines_python() -> Option<PathBuf> {
    crate::common::venv_python("duckdb, pyspark")
}

#[test]
fn engine_sql_gives_the_reports_numbers_in_duckdb_and_spark() {
    let Some(python) = engines_python() else {
        return;
    };
    let scratch = Scratch::new();
    let mut expected: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut jobs: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for case in cases(&scratch) {
        let dir = scratch.path(&format!("dataset-{}", case.name));
        let extra: &[&str] = match case.name {
            "duplicates" => &["--rows-per-file", "2"],
            _ => &[],
        };
        convert(&case, &dir, extra);
        let targets: Vec<String> = case
            .options
            .windows(2)
            .filter(|w| w[0] == "--targets")
            .flat_map(|w| w.to_vec())
            .collect();
        for (n, shape) in shapes().into_iter().enumerate() {
            let key = format!("{}-{n}", case.name);
            expected.insert(
                key.clone(),
                expected_rows(&report(&paths(&case.files), &case.options, &shape)),
            );
            let dialects: &[&str] = if n < SPARK_SHAPES {
                &["duckdb", "spark"]
            } else {
                &["duckdb"]
            };
            for &dialect in dialects {
                let sql = scratch.path(&format!("{key}.{dialect}.sql"));
                let mut args: Vec<String> = vec!["sql".into(), "--dialect".into(), dialect.into()];
                args.extend(targets.iter().cloned());
                args.extend(shape.iter().map(|s| s.to_string()));
                args.extend(["--output".into(), sql.display().to_string()]);
                let output = run(&args);
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                jobs.entry(dialect).or_default().push(serde_json::json!({
                    "key": key,
                    "sql": sql,
                    "datasets": [dir],
                    "out": scratch.path(&format!("{key}.{dialect}.json")),
                }));
            }
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engines/run_sql.py");
    // Both engines at once: Spark's queries take seconds each.
    let runs: Vec<_> = jobs
        .iter()
        .map(|(dialect, jobs)| {
            let file = scratch.path(&format!("{dialect}-jobs.json"));
            std::fs::write(&file, serde_json::to_vec(jobs).expect("JSON")).expect("jobs");
            let child = std::process::Command::new(&python)
                .arg(&script)
                .arg(dialect)
                .arg(&file)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("starting the engine");
            (*dialect, child)
        })
        .collect();
    for (dialect, child) in runs {
        let output = child.wait_with_output().expect("running the engine");
        assert!(
            output.status.success(),
            "{dialect}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        for job in &jobs[dialect] {
            let key = job["key"].as_str().expect("a key");
            let rows = &expected[key];
            let out = scratch.path(&format!("{key}.{dialect}.json"));
            let got: Vec<Value> =
                serde_json::from_slice(&std::fs::read(&out).expect("engine rows")).expect("JSON");
            assert_eq!(
                &sorted(got),
                rows,
                "{dialect} {key}: SQL rows differ from the report"
            );
        }
    }
}
