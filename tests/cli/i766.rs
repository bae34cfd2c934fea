//! The national 766 index estimate (issue 18, DOMAIN.md §8): a generated province scored as an
//! independent DuckDB computation scores it, the figures of a facts file, every output format,
//! the engine SQL, and bad input.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{cchc, fixture, generator, venv_python, Scratch};

/// A generated province: 100,000 canonical-style dossiers over 2021–2025 (carry-over from earlier
/// months, rows ended before a month, refused and new rows) and the catalogue of its procedures,
/// with units.
struct Province {
    scratch: Scratch,
    dossiers: PathBuf,
    catalogue: PathBuf,
}

fn province(rows: u64) -> Province {
    let scratch = Scratch::new();
    let dossiers = scratch.path("province.csv");
    let catalogue = scratch.path("catalogue.csv");
    let run = |args: &[&str], out: &Path| {
        let output = std::process::Command::new(generator())
            .args(args)
            .output()
            .expect("running the generator");
        assert!(output.status.success());
        std::fs::write(out, output.stdout).expect("writing the generated file");
    };
    run(
        &[
            "--rows",
            &rows.to_string(),
            "--seed",
            "7",
            "--style",
            "canonical",
        ],
        &dossiers,
    );
    run(&["--catalogue"], &catalogue);
    Province {
        scratch,
        dossiers,
        catalogue,
    }
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// `cchc report ARGS --format json` as JSON (any exit but 2).
fn report_json(args: &[String], chunk_rows: Option<usize>) -> Value {
    let mut command = cchc();
    command.arg("report").args(args).args([
        "--format",
        "json",
        "--fail-on",
        "never",
        "--no-timestamp",
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

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// The block of a period.
fn block<'a>(report: &'a Value, period: &str) -> &'a Value {
    report["i766"]["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .find(|b| b["period"] == period)
        .unwrap_or_else(|| panic!("no 766 block for {period}"))
}

fn cents(value: &Value) -> i64 {
    (value.as_f64().expect("a number") * 100.0).round() as i64
}

/// Compares cchc's scores of each month with the independent computation's: every indicator's
/// numerator, denominator and points (an `na` one scores 0), every group, every total, for the
/// pooled score and every unit. `catalogue`: whether the catalogue indicators are compared too.
fn assert_same_scores(report: &Value, expected: &Value, catalogue: bool) {
    for (month, units) in expected.as_object().expect("months") {
        let block = block(report, month);
        let scores = block["scores"].as_array().expect("scores");
        assert_eq!(
            scores.len(),
            units.as_object().map_or(0, |u| u.len()),
            "{month}: the units scored"
        );
        for score in scores {
            let unit = score["unit"].as_str().unwrap_or("");
            let want = &units[unit];
            for indicator in score["indicators"].as_array().expect("indicators") {
                let code = indicator["code"].as_str().expect("a code");
                let source = indicator["source"].as_str().unwrap_or_default();
                if source == "catalogue" && !catalogue {
                    assert_eq!(indicator["status"], "na", "{month} {unit} {code}");
                    continue;
                }
                let w = &want["indicators"][code];
                let (num, den, points) = (&w[0], &w[1], w[2].as_i64().expect("cents"));
                if indicator["status"] == "na" {
                    assert_eq!(points, 0, "{month} {unit} {code}: na scores 0");
                    continue;
                }
                assert_eq!(
                    (
                        &indicator["numerator"],
                        &indicator["denominator"],
                        cents(&indicator["points"])
                    ),
                    (num, den, points),
                    "{month} {unit:?} {code}"
                );
            }
            if catalogue {
                for group in score["groups"].as_array().expect("groups") {
                    let code = group["code"].as_str().expect("a code");
                    assert_eq!(
                        cents(&group["points"]),
                        want["groups"][code].as_i64().expect("cents"),
                        "{month} {unit:?} group {code}"
                    );
                }
                assert_eq!(
                    cents(&score["total"]),
                    want["total"].as_i64().expect("cents"),
                    "{month} {unit:?} total"
                );
            }
        }
    }
}

/// The independent computation (tests/engines/i766_check.py) of the given months.
fn expected_scores(python: &Path, province: &Province, months: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engines/i766_check.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(&province.dossiers)
        .arg(&province.catalogue)
        .args(months)
        .output()
        .expect("running the independent computation");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("its JSON")
}

#[test]
fn a_generated_provinces_months_score_as_an_independent_duckdb_computation() {
    let Some(python) = venv_python("duckdb") else {
        return;
    };
    let province = province(100_000);
    let months = ["2025-12", "2025-07", "2024-02", "2021-01"];
    let expected = expected_scores(&python, &province, &months);
    // With the catalogue (rows joined, then counted) and by unit.
    let args = strings(&[
        &s(&province.dossiers),
        "--catalogue",
        &s(&province.catalogue),
        "--i766",
        "--period",
        "month",
        "--by",
        "unit",
    ]);
    let with_catalogue = report_json(&args, None);
    assert_same_scores(&with_catalogue, &expected, true);
    // Without it, streamed in chunks: the rows of the periods not yet over wait, and the
    // dossier indicators are the same.
    let streamed = report_json(
        &strings(&[
            &s(&province.dossiers),
            "--i766",
            "--period",
            "month",
            "--by",
            "unit",
        ]),
        Some(4_999),
    );
    assert_same_scores(&streamed, &expected, false);
    // The as-of date known up front counts the same.
    let as_of = report_json(
        &strings(&[
            &s(&province.dossiers),
            "--i766",
            "--period",
            "month",
            "--by",
            "unit",
            "--as-of",
            "31/12/2025",
        ]),
        Some(4_999),
    );
    assert_eq!(as_of["i766"], streamed["i766"]);
    // The export given twice: every row of the first copy is taken back.
    let twice = report_json(
        &strings(&[
            &s(&province.dossiers),
            &s(&province.dossiers),
            "--i766",
            "--period",
            "month",
            "--by",
            "unit",
        ]),
        Some(4_999),
    );
    assert_eq!(twice["i766"], streamed["i766"]);
    let _ = &province.scratch;
}

/// The `i766` object of a JSON report `--by unit` on `dossiers` with `args`, read in chunks of
/// `chunk_rows` rows, with `env` set.
fn i766_by_unit(dossiers: &Path, args: &[&str], chunk_rows: &str, env: &[(&str, &str)]) -> Value {
    let output = cchc()
        .arg("report")
        .arg(s(dossiers))
        .args(args)
        .args([
            "--i766",
            "--by",
            "unit",
            "--format",
            "json",
            "--no-timestamp",
        ])
        .args(["--fail-on", "never"])
        .env("CCHC_CHUNK_ROWS", chunk_rows)
        .envs(env.iter().copied())
        .output()
        .expect("running cchc");
    assert_eq!(output.status.code(), Some(0), "{args:?} {env:?}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert!(
        report["i766"]["blocks"]
            .as_array()
            .is_some_and(|b| b.len() > 1),
        "{args:?}: several periods"
    );
    report["i766"].clone()
}

/// A row's whole periods in which none of its dates falls are evaluated once, as a run: the
/// same estimate as evaluating every period (`CCHC_I766_RUNS=0`), for every granularity, with
/// the as-of date in a running period, the catalogue, units and rows taken back.
#[test]
fn runs_of_periods_count_as_every_period_evaluated() {
    let province = province(20_000);
    let catalogue = s(&province.catalogue);
    let dossiers = s(&province.dossiers);
    for args in [
        vec!["--period", "month"],
        vec!["--period", "month", "--as-of", "17/11/2025"],
        vec!["--period", "quarter", "--catalogue", &catalogue],
        vec!["--period", "year", "--as-of", "02/06/2025"],
        vec!["--period", "month", &dossiers],
    ] {
        let with_runs = i766_by_unit(&province.dossiers, &args, "3001", &[]);
        let without = i766_by_unit(
            &province.dossiers,
            &args,
            "3001",
            &[("CCHC_I766_RUNS", "0")],
        );
        assert_eq!(with_runs, without, "{args:?}");
    }
}

/// Without `--as-of`, rows whose periods are not over wait for the as-of date; beyond a limit
/// they wait in a temporary file. Writing out every waiting row (tiny chunks, so they are
/// written many times, taken-back rows among them) counts the same.
#[test]
fn waiting_rows_written_to_a_temporary_file_count_the_same() {
    let province = province(20_000);
    let catalogue = s(&province.catalogue);
    let dossiers = s(&province.dossiers);
    for args in [
        vec!["--period", "month"],
        vec!["--period", "quarter", "--catalogue", &catalogue],
        vec!["--period", "month", &dossiers],
    ] {
        let kept = i766_by_unit(&province.dossiers, &args, "2999", &[]);
        for rows in ["1", "700"] {
            let spilled = i766_by_unit(
                &province.dossiers,
                &args,
                "2999",
                &[("CCHC_I766_SPILL_ROWS", rows)],
            );
            assert_eq!(spilled, kept, "{args:?}, spilled at {rows}");
        }
    }
}

#[test]
fn a_month_before_the_as_of_date_is_whole_and_the_running_one_partial() {
    let province = province(20_000);
    let report = report_json(
        &strings(&[
            &s(&province.dossiers),
            "--i766",
            "--period",
            "month",
            "--year",
            "2025",
            "--as-of",
            "2025-08-20",
        ]),
        None,
    );
    let i766 = &report["i766"];
    assert_eq!(i766["profile"], "dvcqg-2026");
    assert_eq!(i766["as_of"], "2025-08-20");
    let blocks = i766["blocks"].as_array().expect("blocks");
    // Months starting after the as-of date are not reported.
    assert_eq!(blocks.len(), 8);
    let august = block(&report, "2025-08");
    assert_eq!(
        (
            &august["period_start"],
            &august["cutoff"],
            &august["partial"]
        ),
        (
            &Value::from("2025-08-01"),
            &Value::from("2025-08-20"),
            &Value::from(true)
        )
    );
    let july = block(&report, "2025-07");
    assert_eq!(
        (&july["cutoff"], &july["partial"]),
        (&Value::from("2025-07-31"), &Value::from(false))
    );
    // Without a catalogue its indicators are N/A with a reason; the score is not complete.
    let total = &august["scores"][0];
    assert_eq!(total["complete"], false);
    let na: Vec<&str> = total["na"]
        .as_array()
        .expect("na")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for code in ["3.1", "3.2", "3.5a", "3.5b", "4.5a"] {
        assert!(na.contains(&code), "{na:?}");
    }
    let indicator = |code: &str| {
        total["indicators"]
            .as_array()
            .expect("indicators")
            .iter()
            .find(|i| i["code"] == code)
            .cloned()
            .expect("the indicator")
    };
    assert_eq!(
        indicator("3.1")["na_reason"],
        "no catalogue given (--catalogue)"
    );
    // Need and gain: the dossiers full points take, and the points still to win.
    let on_time = indicator("2.1");
    let (num, den) = (
        on_time["numerator"].as_i64().expect("num"),
        on_time["denominator"].as_i64().expect("den"),
    );
    assert_eq!(on_time["need"].as_i64(), Some(den - num));
    assert_eq!(on_time["need_of"], "dossiers");
    let gain = on_time["gain"].as_f64().expect("gain");
    let points = on_time["points"].as_f64().expect("points");
    assert!((gain + points - 20.0).abs() < 1e-9);
    // Every group adds its indicators' rounded points; the total adds the groups.
    let groups = total["groups"].as_array().expect("groups");
    let sum: i64 = groups.iter().map(|g| cents(&g["points"])).sum();
    assert_eq!(sum, cents(&total["total"]));
    assert_eq!(total["max"], 100.0);
}

/// A facts file with the 766 figures of one unit and of the department.
fn i766_facts(scratch: &Scratch) -> PathBuf {
    scratch.write(
        "facts.csv",
        "Mã chỉ số,Kỳ,Tử số,Mẫu số,Giá trị,Đơn vị\n\
         i766_1_1,2025,45,50,,\n\
         i766_1_2,2025-12,,,\"92,5\",\n\
         i766_1_3,2025,,,100,\n\
         i766_1_4,2025,2950,3000,,\n\
         i766_1_4,2025,0,10,,Phòng Gia đình\n\
         i766_4_c,2025,,,50,\n\
         i766_5_2,2025,0,0,,\n\
         i766_5_3,2025,3,4,,\n\
         i766_2_1_points,2025-12,,,\"19,5\",\n",
    )
}

#[test]
fn figures_of_the_facts_file_score_their_indicators() {
    let province = province(5_000);
    let facts = i766_facts(&province.scratch);
    let report = report_json(
        &strings(&[
            &s(&province.dossiers),
            "--facts",
            &s(&facts),
            "--i766",
            "--period",
            "month",
            "--year",
            "2025",
            "--by",
            "unit",
        ]),
        None,
    );
    let december = block(&report, "2025-12");
    let score = |unit: Option<&str>| {
        december["scores"]
            .as_array()
            .expect("scores")
            .iter()
            .find(|s| s["unit"].as_str() == unit)
            .cloned()
            .expect("the score")
    };
    let points = |score: &Value, code: &str| {
        let indicator = score["indicators"]
            .as_array()
            .expect("indicators")
            .iter()
            .find(|i| i["code"] == code)
            .cloned()
            .expect("the indicator");
        (cents(&indicator["points"]), indicator["status"].clone())
    };
    let total = score(None);
    // 45/50 of 6 points, linear: 5.40; a typed 92,5% of 4: 3.70; 100% of 2: 2.00.
    assert_eq!(points(&total, "1.1"), (540, Value::from("scored")));
    assert_eq!(points(&total, "1.2"), (370, Value::from("scored")));
    assert_eq!(points(&total, "1.3"), (200, Value::from("scored")));
    // 2950/3000 of 6: 5.90. 50% of 2: 1.00.
    assert_eq!(points(&total, "1.4"), (590, Value::from("scored")));
    assert_eq!(points(&total, "4.c"), (100, Value::from("scored")));
    // No feedback to handle is full points; 3 of 4 on time is 4.50.
    assert_eq!(points(&total, "5.2"), (600, Value::from("empty")));
    assert_eq!(points(&total, "5.3"), (450, Value::from("scored")));
    // Points given as a figure win over the ratio.
    assert_eq!(points(&total, "2.1"), (1950, Value::from("scored")));
    // A unit uses its own figure, else the department's.
    let family = score(Some("Phòng Gia đình"));
    assert_eq!(points(&family, "1.4"), (0, Value::from("scored")));
    assert_eq!(points(&family, "1.1"), (540, Value::from("scored")));
    // 1.2 was given for December only: November has none.
    let november = block(&report, "2025-11");
    let no_figure = november["scores"][0]["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|i| i["code"] == "1.2")
        .cloned()
        .expect("1.2");
    assert_eq!(no_figure["status"], "na");
    assert_eq!(no_figure["na_reason"], "no figure reported (i766_1_2)");
    // The plan's scorecard has no row for the 766 figures.
    let results = report["results"].as_array().expect("results");
    assert!(results.iter().all(|r| !r["indicator"]
        .as_str()
        .unwrap_or_default()
        .starts_with("i766")));
}

#[test]
fn every_format_carries_the_estimate() {
    let province = province(5_000);
    let facts = i766_facts(&province.scratch);
    let base = strings(&[
        &s(&province.dossiers),
        "--catalogue",
        &s(&province.catalogue),
        "--facts",
        &s(&facts),
        "--i766",
        "--year",
        "2025",
        "--period",
        "quarter",
        "--by",
        "unit",
        "--no-timestamp",
        "--fail-on",
        "never",
    ]);
    let run = |format: &str, extra: &[&str]| {
        let output = cchc()
            .arg("report")
            .args(&base)
            .args(["--format", format])
            .args(extra)
            .output()
            .expect("running cchc");
        assert_eq!(output.status.code(), Some(0), "{format}");
        output.stdout
    };
    let table = String::from_utf8(run("table", &[])).expect("UTF-8");
    assert!(
        table.contains("Chỉ số 766 · Kỳ 2025-Q4 (đến 31/12/2025)"),
        "{table}"
    );
    assert!(table.contains("2.1 Hồ sơ xử lý trước hạn, đúng hạn"));
    assert!(table.contains("Tổng điểm") && table.contains("Hạng"));
    let english = String::from_utf8(run("table", &["--lang", "en"])).expect("UTF-8");
    assert!(english.contains("766 index · Period 2025-Q4"), "{english}");
    assert!(english.contains("TDGQ Progress and results of handling"));
    let markdown = String::from_utf8(run("markdown", &[])).expect("UTF-8");
    assert!(markdown.contains("## Chỉ số 766 · Kỳ 2025-Q4"));
    let csv = String::from_utf8(run("csv", &[])).expect("UTF-8");
    for needle in [
        "2025-Q4,,i766:2.1,",
        "2025-Q4,,i766:TDGQ,",
        "2025-Q4,,i766:total,",
        "2025-Q4,Phòng Gia đình,i766:total,",
    ] {
        assert!(csv.contains(needle), "{needle} in the CSV");
    }
    assert!(csv.lines().any(|l| l.starts_with("2025-Q4,,i766:3.1,")
        && l.contains(",80,")
        && l.contains(",points,catalogue,")));
    let json: Value = serde_json::from_slice(&run("json", &[])).expect("JSON");
    let score = &json["i766"]["blocks"][0]["scores"][0];
    for key in [
        "unit",
        "rank",
        "total",
        "max",
        "complete",
        "na",
        "groups",
        "indicators",
    ] {
        assert!(score.get(key).is_some(), "{key} in a score");
    }
    let indicator = &score["indicators"][4];
    for key in [
        "code",
        "name",
        "group",
        "source",
        "numerator",
        "denominator",
        "ratio",
        "threshold",
        "pmax",
        "points",
        "status",
        "na_reason",
        "need",
        "need_of",
        "gain",
    ] {
        assert!(indicator.get(key).is_some(), "{key} in an indicator");
    }
    // Ranked units: competition ranking, the best first.
    let units: Vec<&Value> = json["i766"]["blocks"][3]["scores"]
        .as_array()
        .expect("scores")
        .iter()
        .skip(1)
        .collect();
    assert!(units.len() >= 5);
    assert_eq!(units[0]["rank"], 1);
    for pair in units.windows(2) {
        assert!(pair[0]["total"].as_f64() >= pair[1]["total"].as_f64());
    }
    // The workbook has an i766 sheet with every score's rows.
    let xlsx = province.scratch.path("report.xlsx");
    run("xlsx", &["--output", &s(&xlsx)]);
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).expect("a workbook");
    let sheet = workbook.worksheet_range("i766").expect("an i766 sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert!(rows.iter().any(|r| r.get(4).is_some_and(|c| c == "2.1")));
    assert!(rows.len() > 4 * 7 * 21);
}

#[test]
fn the_html_score_card_opens_in_chromium() {
    let province = province(5_000);
    let html = province.scratch.path("report.html");
    let output = cchc()
        .args([
            "report",
            &s(&province.dossiers),
            "--catalogue",
            &s(&province.catalogue),
            "--i766",
            "--year",
            "2025",
            "--by",
            "unit",
            "--format",
            "html",
            "--output",
            &s(&html),
        ])
        .output()
        .expect("running cchc");
    assert!(output.status.code().is_some_and(|c| c < 2));
    let page = std::fs::read_to_string(&html).expect("the page");
    assert!(page.contains("class=\"i766\"") && page.contains("i766-groups"));
    assert!(page.contains("Điểm bị mất, nhiều nhất trước") && page.contains("Xếp hạng đơn vị"));
    let Some(dom) = crate::reports::chromium_dom(&html) else {
        return;
    };
    assert!(
        dom.contains("class=\"i766\""),
        "Chromium rendered the score card"
    );
    assert!(dom.matches("<svg").count() >= 2);
}

#[test]
fn engine_sql_gives_the_766_numbers_in_duckdb() {
    let Some(python) = venv_python("duckdb") else {
        return;
    };
    let province = province(20_000);
    let dataset = province.scratch.path("dataset");
    let output = cchc()
        .args(["convert", &s(&province.dossiers), "--output", &s(&dataset)])
        .output()
        .expect("running cchc convert");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for shape in [
        vec!["--period", "month", "--by", "unit"],
        vec!["--period", "quarter", "--as-of", "2025-05-15"],
        vec!["--period", "year"],
    ] {
        let report = report_json(
            &[s(&province.dossiers), "--i766".to_string()]
                .into_iter()
                .chain(shape.iter().map(|a| a.to_string()))
                .collect::<Vec<_>>(),
            None,
        );
        let sql_file = province.scratch.path("q.sql");
        let output = cchc()
            .args([
                "sql",
                "--dialect",
                "duckdb",
                "--i766",
                "--output",
                &s(&sql_file),
            ])
            .args(&shape)
            .output()
            .expect("running cchc sql");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let jobs = province.scratch.write(
            "jobs.json",
            &serde_json::json!([{"sql": s(&sql_file), "datasets": [s(&dataset)], "out": s(&province.scratch.path("rows.json"))}])
                .to_string(),
        );
        let run = std::process::Command::new(&python)
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engines/run_sql.py"))
            .arg("duckdb")
            .arg(&jobs)
            .output()
            .expect("running DuckDB");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let rows: Vec<Value> = serde_json::from_slice(
            &std::fs::read(province.scratch.path("rows.json")).expect("the rows"),
        )
        .expect("JSON rows");
        let mut got: Vec<String> = rows
            .iter()
            .map(|r| format!("{} {} {} {} {}", r[0], r[1], r[2], r[3], r[4]))
            .collect();
        got.sort();
        let mut want = Vec::new();
        for block in report["i766"]["blocks"].as_array().expect("blocks") {
            for score in block["scores"].as_array().expect("scores") {
                for indicator in score["indicators"].as_array().expect("indicators") {
                    if indicator["source"] != "dossiers" {
                        continue;
                    }
                    let (num, den) = if indicator["status"] == "na" {
                        (Value::Null, Value::Null)
                    } else {
                        (
                            indicator["numerator"].clone(),
                            indicator["denominator"].clone(),
                        )
                    };
                    // The SQL has no row for a period without any dossier.
                    want.push(format!(
                        "{} {} {} {} {}",
                        block["period"],
                        score["unit"],
                        Value::from(format!(
                            "i766:{}",
                            indicator["code"].as_str().unwrap_or_default()
                        )),
                        num,
                        den
                    ));
                }
            }
        }
        want.sort();
        assert_eq!(got, want, "{shape:?}");
    }
}

#[test]
fn bad_input_gets_clear_messages() {
    let scratch = Scratch::new();
    let vi = s(&fixture("dossiers.vi.csv"));
    let run = |args: &[&str]| {
        cchc()
            .arg("report")
            .args(args)
            .output()
            .expect("running cchc")
    };
    // A group whose max is not the sum of its indicators' pmax names the file, key and line.
    let profile = scratch.write(
        "profile.toml",
        "id = \"mine\"\nname = \"Mine\"\n\n[[group]]\ncode = \"A\"\nname = \"A\"\nmax = 100\n\n\
         [indicator.\"2.1\"]\nname = \"x\"\ngroup = \"A\"\nsource = \"dossiers\"\npmax = 90\n\
         population = \"accepted AND due_at IS NOT NULL\"\nnumerator = \"end_at <= due_at\"\n",
    );
    let output = run(&[&vi, "--i766", "--profile", &s(&profile)]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("profile.toml, line 7")
            && message.contains("`group.A.max` = 100 but its indicators' pmax add up to 90"),
        "{message}"
    );
    // A profile's condition naming an unknown set or field.
    let profile = scratch.write(
        "typo.toml",
        "id = \"x\"\nname = \"x\"\n[[group]]\ncode = \"A\"\nname = \"A\"\nmax = 20\n\
         [indicator.\"2.1\"]\nname = \"x\"\ngroup = \"A\"\nsource = \"dossiers\"\npmax = 20\n\
         population = \"bsae\"\nnumerator = \"on_time\"\n",
    );
    let output = run(&[&vi, "--i766", "--profile", &s(&profile)]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("typo.toml, line 12") && message.contains("unknown field `bsae`"),
        "{message}"
    );
    // An unknown 766 code in a facts file is a defect with the nearest id.
    let facts = scratch.write("facts.csv", "Mã chỉ số,Kỳ,Giá trị\ni766_1_9,2025,90\n");
    let output = run(&[&vi, "--facts", &s(&facts), "--i766", "--format", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let defect = &report["defects"]["samples"][0];
    assert_eq!(defect["class"], "unknown_indicator");
    assert!(
        defect["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("did you mean `i766_1_"),
        "{defect}"
    );
    // Points above the indicator's maximum.
    let facts = scratch.write(
        "points.csv",
        "Mã chỉ số,Kỳ,Giá trị\ni766_1_1_points,2025,7\n",
    );
    let output = run(&[&vi, "--facts", &s(&facts), "--i766", "--format", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        report["defects"]["samples"][0]["class"],
        "inconsistent_value"
    );
    // An as-of date before every dossier.
    let output = run(&[&vi, "--i766", "--as-of", "01/01/2020"]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("--as-of 01/01/2020 is before every dossier")
            && message.contains("01/01/2021"),
        "{message}"
    );
    // --profile without --i766 is a usage error.
    let output = run(&[&vi, "--profile", "qd766-2022"]);
    assert_eq!(output.status.code(), Some(2));
    // A built-in profile by id.
    let output = run(&[&vi, "--i766", "--profile", "qd766-2022", "--format", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["i766"]["profile"], "qd766-2022");
    assert_eq!(
        report["i766"]["blocks"][0]["scores"][0]["groups"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
}

#[test]
fn the_estimate_never_changes_the_exit_code() {
    let vi = s(&fixture("dossiers.vi.csv"));
    for extra in [&[][..], &["--i766"][..]] {
        let output = cchc()
            .args(["report", &vi])
            .args(extra)
            .output()
            .expect("running cchc");
        assert_eq!(output.status.code(), Some(1), "{extra:?}");
    }
}

#[test]
fn indicators_lists_the_profile() {
    let output = cchc()
        .args(["indicators", "--i766", "--format", "json"])
        .output()
        .expect("running cchc");
    let listed: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(listed["profile"], "dvcqg-2026");
    assert_eq!(listed["indicators"].as_array().map(Vec::len), Some(21));
    let table = cchc()
        .args(["indicators", "--i766", "--profile", "qd766-2022"])
        .output()
        .expect("running cchc");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("qd766-2022") && text.contains("any fee_paid AND payment_method = 'online'")
    );
}
