//! The whole plan on one scorecard (issue 9): custom indicators (DOMAIN.md §6), the procedure
//! catalogue (§4) and self-reported figures (§5).

use predicates::prelude::*;

use crate::common::{cchc, fixture, json_report, json_value, Scratch};

/// Six dossiers of 2024: three online (two fully online, one partly), one postal, two direct.
const SIX: &str =
    "Mã hồ sơ,Ngày tiếp nhận,Kênh nộp,Mức độ,Trạng thái,Đơn vị,Phí,Lệ phí,Ngày có kết quả\n\
C1,05/01/2024,Trực tuyến,4,Đã trả kết quả,Phòng A,100.000,,10/01/2024\n\
C2,06/01/2024,Trực tuyến,4,Đang xử lý,Phòng A,,,\n\
C3,07/01/2024,Trực tuyến,3,Đã trả kết quả,Phòng B,,20.000,12/07/2024\n\
C4,08/07/2024,Bưu chính,2,Từ chối tiếp nhận,Phòng B,,,\n\
C5,09/07/2024,Trực tiếp,,Đã trả kết quả,,50.000,,15/07/2024\n\
C6,10/07/2024,,4,Đã xử lý xong,Phòng A,,,20/07/2024\n";

#[test]
fn a_custom_indicator_is_computed_judged_and_named() {
    let scratch = Scratch::new();
    let data = scratch.write("six.csv", SIX);
    let targets = scratch.write(
        "t.toml",
        r#"
[indicators.full_online_share]
name = "Tỷ lệ hồ sơ trực tuyến toàn trình"
name_en = "Fully online dossiers"
population = "accepted"
numerator = "channel = 'online' AND service_level = 4"
min = 50

[indicators.second_half_paid]
name = "Hồ sơ có phí nhận từ 01/07"
population = "received_at >= DATE '2024-07-01' AND fee + charge > 0"
numerator = "unit IS NULL OR unit LIKE 'Phòng%'"
period_by = "received"

[indicators.results_phong_a]
name = "Kết quả của Phòng A"
population = "finished"
numerator = "unit = 'Phòng A'"
period_by = "end"
"#,
    );
    let path = data.to_str().unwrap_or_default();
    let targets_path = targets.to_str().unwrap_or_default();
    let (report, code) = json_report(&[path, "--targets", targets_path]);
    // Accepted: C1 C2 C3 C5 C6 (C4 refused at intake); online at level 4: C1, C2.
    let full = report.find("full_online_share", "2024", None);
    assert_eq!(
        (
            full.numerator,
            full.denominator,
            full.value,
            full.status.as_str()
        ),
        (Some(2), Some(5), Some(40.0), "fail")
    );
    assert_eq!(
        (full.source.as_str(), full.unit.as_str()),
        ("dossiers", "percent")
    );
    assert_eq!(code, 1);
    // From July with a fee: C5 only (C4 was refused); its blank unit counts (IS NULL).
    let paid = report.find("second_half_paid", "2024", None);
    assert_eq!((paid.numerator, paid.denominator), (Some(1), Some(1)));
    assert_eq!(paid.status, "info");
    // Finished (9/10) by end date: C1 C3 C5 C6; of Phòng A: C1, C6.
    let results = report.find("results_phong_a", "2024", None);
    assert_eq!((results.numerator, results.denominator), (Some(2), Some(4)));
    // The table names it in the report's language.
    cchc()
        .args(["report", path, "--targets", targets_path, "--lang", "en"])
        .assert()
        .stdout(predicate::str::contains("Fully online dossiers"));
    // --by and --period apply as to built-ins.
    let (by_unit, _) = json_report(&[
        path,
        "--targets",
        targets_path,
        "--by",
        "unit",
        "--period",
        "quarter",
    ]);
    let a = by_unit.find("full_online_share", "2024-Q1", Some("Phòng A"));
    assert_eq!((a.numerator, a.denominator), (Some(2), Some(2)));
}

#[test]
fn a_custom_condition_on_a_missing_column_is_na() {
    let scratch = Scratch::new();
    let data = scratch.write("six.csv", SIX);
    let targets = scratch.write(
        "t.toml",
        "[indicators.reused]\nname = \"x\"\nnumerator = \"component_reused\"\n",
    );
    let (report, _) = json_report(&[
        data.to_str().unwrap_or_default(),
        "--targets",
        targets.to_str().unwrap_or_default(),
    ]);
    let row = report.find("reused", "2024", None);
    assert_eq!(row.status, "na");
    assert_eq!(
        row.na_reason.as_deref(),
        Some("missing column component_reused")
    );
}

#[test]
fn a_bad_condition_names_file_line_key_and_part() {
    let scratch = Scratch::new();
    let data = scratch.write("six.csv", SIX);
    let cases = [
        (
            "[indicators.x]\nname = \"x\"\nnumerator = \"chanel = 'online'\"\n",
            vec!["line 3", "indicators.x.numerator", "unknown field `chanel`", "did you mean `channel`", "(at `chanel`)"],
        ),
        (
            "[indicators.x]\nnumerator = \"status = 'done'\"\n",
            vec!["line 2", "indicators.x.numerator", "compares a number with text"],
        ),
        (
            "[indicators.x]\nnumerator = \"lower(unit) = 'a'\"\n",
            vec!["line 2", "functions are not in the portable subset"],
        ),
        (
            "[indicators.x]\npopulation = \"accepted AND\"\nnumerator = \"true\"\n",
            vec!["line 2", "indicators.x.population", "not a valid condition"],
        ),
        (
            "[indicators.x]\nname = \"x\"\n",
            vec!["indicators.x.numerator` is missing"],
        ),
        (
            "[indicators.Bad-Id]\nnumerator = \"true\"\n",
            vec!["line 1", "lowercase letters, digits and _"],
        ),
        (
            "[indicators.x]\nnumerator = \"true\"\nmin = 30\n[targets.x]\nmin = 40\n",
            vec!["line 4", "has a target twice"],
        ),
        (
            "[indicators.x]\nnumerator = \"true\"\nperiod_by = \"submitted\"\n",
            vec!["line 3", "expected \"received\" or \"end\""],
        ),
        (
            "[indicators.courses]\nsource = \"facts\"\nunit = \"count\"\nmin = 4\nnumerator = \"true\"\n",
            vec!["line 5", "facts indicator takes its figures from --facts"],
        ),
        (
            "[targets.online_shar]\nmin = 50\n",
            vec!["line 1", "unknown indicator `online_shar`", "did you mean `online_share`"],
        ),
        (
            "[targets.budget_violations]\nmax = -1\n",
            vec!["line 2", "is not a count"],
        ),
    ];
    for (text, wanted) in cases {
        let targets = scratch.write("bad.toml", text);
        let output = cchc()
            .arg("report")
            .arg(&data)
            .arg("--targets")
            .arg(&targets)
            .output()
            .expect("running cchc");
        assert_eq!(output.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("bad.toml"), "{stderr}");
        for want in wanted {
            assert!(stderr.contains(want), "{text:?}: {want:?} not in {stderr}");
        }
    }
}

#[test]
fn counts_and_ranks_take_targets_above_one_hundred() {
    let scratch = Scratch::new();
    let data = scratch.write("six.csv", SIX);
    let targets = scratch.write(
        "t.toml",
        "[indicators.training_courses]\nname = \"Số lớp bồi dưỡng\"\nsource = \"facts\"\nunit = \"count\"\nmin = 400\n\n[targets.egov_rank]\nmax = 150\n",
    );
    // Accepted as config (a percentage would refuse 400 and 150); without --facts no facts row
    // is reported, so the dossier targets decide the code.
    cchc()
        .arg("report")
        .arg(&data)
        .arg("--targets")
        .arg(&targets)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Số lớp bồi dưỡng").not());
}

// ---- The shared fixtures against their truth (tests/fixtures/*.truth.json) -----------------

fn truth(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixture(&format!("{name}.truth.json"))).expect("truth file");
    serde_json::from_str(&text).expect("truth JSON")
}

fn path_of(name: &str) -> String {
    fixture(&format!("{name}.csv")).display().to_string()
}

/// (record, line, class) of every defect of a truth file.
fn truth_defects(truth: &serde_json::Value) -> Vec<(u64, u64, String)> {
    truth["defects"]["rows"]
        .as_array()
        .expect("defect rows")
        .iter()
        .map(|d| {
            (
                d["record"].as_u64().unwrap_or_default(),
                d["line"].as_u64().unwrap_or_default(),
                d["class"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Pass means the exact ratio reaches the target (the truth gives targets in percent).
fn expected_status(numerator: i64, denominator: i64, target: f64) -> &'static str {
    if 100.0 * numerator as f64 >= target * denominator as f64 {
        "pass"
    } else {
        "fail"
    }
}

#[test]
fn the_catalogue_indicators_match_the_truth_every_year() {
    let truth = truth("catalogue.vi");
    let (report, _) = json_report(&["--catalogue", &path_of("catalogue.vi")]);
    assert_eq!(report.defect_places(), truth_defects(&truth));
    let mut checked = 0;
    for (year, indicators) in truth["catalogue"]["by_year"].as_object().expect("years") {
        for (id, pair) in indicators.as_object().expect("indicators") {
            let (num, den) = (pair[0].as_i64(), pair[1].as_i64());
            let row = report.find(id, year, None);
            assert_eq!((row.numerator, row.denominator), (num, den), "{id} {year}");
            assert_eq!((row.source.as_str(), row.by.as_ref()), ("catalogue", None));
            let target = truth["targets"][id].as_f64().expect("a target");
            let status = expected_status(num.unwrap_or(0), den.unwrap_or(1), target);
            assert_eq!(row.status, status, "{id} {year}");
            checked += 1;
        }
    }
    assert_eq!(checked, 20);
    // No dossiers: online_services_used cannot be counted.
    let used = report.find("online_services_used", "2025", None);
    assert_eq!(used.na_reason.as_deref(), Some("no dossier export given"));
}

#[test]
fn the_catalogue_join_matches_the_truth() {
    for name in ["catalogue.vi", "catalogue.wild"] {
        let truth = truth(name);
        let dossiers = path_of("dossiers.no-level.vi");
        let (report, _) = json_report(&[&dossiers, "--catalogue", &path_of(name)]);
        // The defects of the catalogue file, after the dossiers' (which have none).
        let catalogue_defects: Vec<(u64, u64, String)> = report
            .defects
            .samples
            .iter()
            .filter(|d| d.path.ends_with(&format!("{name}.csv")))
            .map(|d| (d.record, d.line, d.class.clone()))
            .collect();
        assert_eq!(catalogue_defects, truth_defects(&truth), "{name}");
        for (year, indicators) in truth["join"]["by_year"].as_object().expect("years") {
            for (id, pair) in indicators.as_object().expect("indicators") {
                let row = report.find(id, year, None);
                assert_eq!(
                    (row.numerator, row.denominator),
                    (pair[0].as_i64(), pair[1].as_i64()),
                    "{name}: {id} {year}"
                );
            }
        }
        // A snapshot without a year column describes the report's latest year (2025 here).
        for (year, indicators) in truth["catalogue"]["by_year"].as_object().expect("years") {
            for (id, pair) in indicators.as_object().expect("indicators") {
                let row = report.find(id, year, None);
                assert_eq!(
                    (row.numerator, row.denominator),
                    (pair[0].as_i64(), pair[1].as_i64()),
                    "{name}: {id} {year}"
                );
            }
        }
        let missing = &truth["join"]["not_in_catalogue"];
        let warning = report
            .warnings
            .iter()
            .find(|w| w.kind == "procedure_not_in_catalogue");
        match missing["codes"].as_u64() {
            Some(0) => assert!(warning.is_none(), "{name}"),
            codes => {
                assert!(report
                    .warning("procedure_not_in_catalogue")
                    .contains(&format!("{} procedure code(s)", codes.unwrap_or_default())));
                let json = json_value(&[&dossiers, "--catalogue", &path_of(name)]);
                let listed = json["warnings"]
                    .as_array()
                    .and_then(|w| w.iter().find(|w| w["kind"] == "procedure_not_in_catalogue"))
                    .and_then(|w| w["codes"].as_object())
                    .expect("codes on the warning");
                assert_eq!(listed.len() as u64, codes.unwrap_or_default());
                let rows: u64 = listed.values().filter_map(|v| v.as_u64()).sum();
                assert_eq!(Some(rows), missing["dossiers"].as_u64(), "{name}");
            }
        }
    }
}

#[test]
fn the_facts_files_match_the_truth() {
    for name in ["facts.vi", "facts.wild"] {
        let truth = truth(name);
        let (report, _) = json_report(&["--facts", &path_of(name)]);
        assert_eq!(report.defect_places(), truth_defects(&truth), "{name}");
        let results = truth["results"].as_array().expect("results");
        for expected in results {
            let id = expected["indicator"].as_str().unwrap_or_default();
            let period = expected["period"].as_str().unwrap_or_default();
            let group = expected["group"].as_str();
            let row = report.find(id, period, group);
            let place = format!("{name}: {id} {period} {group:?}");
            assert_eq!(row.numerator, expected["numerator"].as_i64(), "{place}");
            assert_eq!(row.denominator, expected["denominator"].as_i64(), "{place}");
            assert_eq!(row.value, expected["value"].as_f64(), "{place}");
            assert_eq!(
                row.status,
                expected["status"].as_str().unwrap_or_default(),
                "{place}"
            );
            assert_eq!(row.source, "facts", "{place}");
            if group.is_some() {
                assert_eq!(
                    row.by.as_deref(),
                    Some(&["unit".to_string()][..]),
                    "{place}"
                );
            }
        }
        let figures = report.results.iter().filter(|r| r.status != "na").count();
        assert_eq!(figures, results.len(), "{name}: no figure more or less");
        let mut na: Vec<(String, String)> = report
            .results
            .iter()
            .filter(|r| r.status == "na")
            .map(|r| {
                assert_eq!(r.na_reason.as_deref(), Some("no figure reported"));
                (r.indicator.clone(), r.period.clone())
            })
            .collect();
        na.sort();
        let mut expected_na: Vec<(String, String)> = truth["na"]
            .as_array()
            .expect("na")
            .iter()
            .map(|n| {
                (
                    n["indicator"].as_str().unwrap_or_default().to_string(),
                    n["period"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        expected_na.sort();
        assert_eq!(na, expected_na, "{name}");
    }
}

#[test]
fn a_later_figure_wins_with_a_warning_and_an_unknown_id_suggests_one() {
    let (report, _) = json_report(&["--facts", &path_of("facts.wild")]);
    assert!(report.warning("facts_replaced").contains("egov_rank 2025"));
    assert_eq!(report.find("egov_rank", "2025", None).value, Some(8.0));
    let unknown = &report.defects.samples[0];
    assert_eq!(unknown.class, "unknown_indicator");
    assert!(
        unknown
            .reason
            .contains("did you mean `work_records_electronic`"),
        "{}",
        unknown.reason
    );
}

// ---- The scorecard as a whole, and the commands around it ------------------------------------

fn example(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

/// Dossiers, catalogue and facts for 2021–2025 give one scorecard with every plan target of
/// §2, §4 and §5, each year.
#[test]
fn one_scorecard_holds_every_plan_target() {
    let (report, _) = json_report(&[
        &example("dossiers.vi.csv"),
        "--catalogue",
        &example("catalogue.csv"),
        "--facts",
        &example("facts.csv"),
    ]);
    let listed = cchc()
        .args(["indicators", "--format", "json"])
        .output()
        .expect("running cchc");
    let indicators: Vec<serde_json::Value> =
        serde_json::from_slice(&listed.stdout).expect("indicator JSON");
    assert_eq!(indicators.len(), 29);
    for year in ["2021", "2022", "2023", "2024", "2025"] {
        for indicator in &indicators {
            let id = indicator["id"].as_str().unwrap_or_default();
            let row = report.find(id, year, None);
            assert_eq!(row.source, indicator["source"].as_str().unwrap_or_default());
            if indicator["target"].is_null() {
                assert!(row.status == "info" || row.status == "na", "{id} {year}");
            }
        }
    }
    for source in ["dossiers", "catalogue", "facts"] {
        assert!(report.inputs.iter().any(|i| i.kind == source) || source == "dossiers");
    }
    // The table shows the plan's three sections.
    cchc()
        .arg("report")
        .arg(example("dossiers.vi.csv"))
        .args([
            "--catalogue",
            &example("catalogue.csv"),
            "--facts",
            &example("facts.csv"),
        ])
        .args(["--year", "2025"])
        .assert()
        .stdout(predicate::str::contains("Kỳ 2025 · Hồ sơ"))
        .stdout(predicate::str::contains("Kỳ 2025 · Danh mục TTHC"))
        .stdout(predicate::str::contains("Kỳ 2025 · Số liệu tự báo cáo"));
    cchc()
        .arg("report")
        .args([
            "--facts",
            &example("facts.csv"),
            "--lang",
            "en",
            "--year",
            "2025",
        ])
        .assert()
        .stdout(predicate::str::contains("Period 2025 · Self-reported"));
}

#[test]
fn init_then_report_works_in_a_new_folder_and_never_overwrites() {
    let scratch = Scratch::new();
    let folder = scratch.path("so-vhttdl");
    cchc().arg("init").arg(&folder).assert().code(0);
    for name in ["targets.toml", "facts.csv", "catalogue.csv"] {
        assert!(folder.join(name).is_file(), "{name}");
    }
    // A fresh folder: every facts indicator of the current year is N/A, nothing fails.
    let facts = folder.join("facts.csv");
    let targets = folder.join("targets.toml");
    let (report, code) = json_report(&[
        "--facts",
        facts.to_str().unwrap_or_default(),
        "--targets",
        targets.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(report.summary.na, 14);
    assert!(report
        .results
        .iter()
        .all(|r| r.na_reason.as_deref() == Some("no figure reported")));
    // The empty catalogue is valid: only a header.
    cchc()
        .arg("check")
        .arg("--catalogue")
        .arg(folder.join("catalogue.csv"))
        .assert()
        .code(0);
    // The example custom indicator in the written targets file is a real one.
    cchc()
        .args(["indicators", "--targets"])
        .arg(&targets)
        .assert()
        .stdout(predicate::str::contains("full_online_share"));
    // A second init refuses and changes nothing.
    std::fs::write(&facts, "changed").expect("writing");
    cchc()
        .arg("init")
        .arg(&folder)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exist"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(
        std::fs::read_to_string(&facts).unwrap_or_default(),
        "changed"
    );
    cchc()
        .arg("init")
        .arg(&folder)
        .arg("--force")
        .assert()
        .code(0);
    assert_ne!(
        std::fs::read_to_string(&facts).unwrap_or_default(),
        "changed"
    );
}

#[test]
fn bad_catalogue_and_facts_files_get_clear_errors() {
    let scratch = Scratch::new();
    let no_code = scratch.write("cat.csv", "Tên thủ tục,Mức độ\nCấp phép,4\n");
    cchc()
        .arg("report")
        .arg("--catalogue")
        .arg(&no_code)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cat.csv"))
        .stderr(predicate::str::contains("procedure_code"))
        .stderr(predicate::str::contains("Mã TTHC"));
    let unknown = scratch.write(
        "facts.csv",
        "Chỉ số,Kỳ,Giá trị\negov_ranking,2024,7\nbudget_violations,2024,0\n",
    );
    let (report, _) = json_report(&["--facts", unknown.to_str().unwrap_or_default()]);
    assert_eq!(report.defects.count, 1);
    let defect = &report.defects.samples[0];
    assert_eq!(
        (defect.record, defect.line, defect.class.as_str()),
        (1, 2, "unknown_indicator")
    );
    assert!(
        defect.reason.contains("did you mean `egov_rank`"),
        "{}",
        defect.reason
    );
    assert_eq!(
        report.find("budget_violations", "2024", None).status,
        "pass"
    );
    cchc()
        .args(["report", "--strict", "--facts"])
        .arg(&unknown)
        .assert()
        .code(2);
    cchc()
        .arg("check")
        .arg("--facts")
        .arg(&unknown)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("(facts file)"))
        .stdout(predicate::str::contains("unknown indicator `egov_ranking`"));
    // No input at all.
    cchc()
        .arg("report")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--catalogue FILE or --facts FILE"));
}

#[test]
fn a_selection_with_no_figure_of_any_input_is_an_error() {
    cchc()
        .args(["report", "--facts", &example("facts.csv"), "--year", "2030"])
        .assert()
        .code(2);
    // Facts periods overlapping the range are kept.
    let (report, _) = json_report(&[
        "--facts",
        &example("facts.csv"),
        "--from",
        "01/07/2024",
        "--to",
        "30/06/2025",
    ]);
    let years: std::collections::BTreeSet<&str> =
        report.results.iter().map(|r| r.period.as_str()).collect();
    assert_eq!(years.into_iter().collect::<Vec<_>>(), ["2024", "2025"]);
}

#[test]
fn by_procedure_rows_carry_the_catalogues_name() {
    let (report, _) = json_report(&[
        &example("dossiers.vi.csv"),
        "--catalogue",
        &example("catalogue.csv"),
        "--by",
        "procedure",
        "--year",
        "2024",
    ]);
    let row = report.find("online_share", "2024", Some("1.000933"));
    assert_eq!(
        row.group_name.as_deref(),
        Some("Cấp giấy phép, tổ chức lễ hội")
    );
    // Catalogue and facts rows are totals whatever --by says.
    assert!(report
        .results
        .iter()
        .filter(|r| r.source == "catalogue")
        .all(|r| r.group.is_none() && r.by.is_none()));
}
