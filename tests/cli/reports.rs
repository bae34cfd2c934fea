//! Reports people look at (issue 10), checked as a person would: the HTML page in a real
//! headless Chromium (no console errors, the expected charts and points, a screenshot and a PDF
//! print kept under target/), and the workbook read back by calamine and converted by LibreOffice.
//!
//! `.ci/run` installs Chromium and LibreOffice when missing. On a developer machine without them
//! these tests say so and pass; under CI (`CI` set) a missing tool is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::common::{cchc, json_report, JsonReport, JsonResult, Scratch};

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

/// Where screenshots and prints are kept for people to look at (CI artifacts).
fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-artifacts");
    std::fs::create_dir_all(&dir).expect("the artifacts folder");
    dir
}

/// The tool's path, or `None` when it is missing outside CI.
fn tool(name: &str) -> Option<&'static str> {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(Box::leak(name.to_string().into_boxed_str()));
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{name} is not installed: .ci/run installs it"
    );
    eprintln!("skipped: {name} is not installed (.ci/run installs it)");
    None
}

const SCORECARD: [&str; 4] = ["--catalogue", "", "--facts", ""];

fn scorecard_args() -> Vec<String> {
    let mut args = vec![example("dossiers.vi.csv")];
    args.extend(SCORECARD.iter().enumerate().map(|(i, a)| match i {
        1 => example("catalogue.csv"),
        3 => example("facts.csv"),
        _ => a.to_string(),
    }));
    args.extend(["--by".to_string(), "unit".to_string()]);
    args
}

fn chromium(args: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().expect("a Chromium profile folder");
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("running Chromium")
}

/// The page as headless Chromium rendered it (its DOM), or `None` without Chromium outside CI;
/// also keeps a screenshot in target/report-artifacts/.
pub fn chromium_dom(page: &Path) -> Option<String> {
    tool("chromium")?;
    let url = format!("file://{}", page.display());
    let dom = chromium(&["--dump-dom", &url]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let name = format!(
        "{}.png",
        page.file_stem()
            .map_or("page".into(), |n| n.to_string_lossy())
    );
    chromium_artifact(&name, "--window-size=1280,2200", "--screenshot", &url);
    Some(String::from_utf8_lossy(&dom.stdout).into_owned())
}

/// Has Chromium write `flag=target/report-artifacts/NAME` for the page and returns the file.
fn chromium_artifact(name: &str, option: &str, flag: &str, url: &str) -> Vec<u8> {
    let path = artifacts().join(name);
    let run = chromium(&[option, &format!("{flag}={}", path.display()), url]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Indicators with a total value in some period: one trend chart each, one point per value.
fn expected_trend(report: &JsonReport) -> (usize, usize) {
    let totals: Vec<&JsonResult> = report
        .results
        .iter()
        .filter(|r| r.groups.is_none())
        .collect();
    let mut charted: Vec<&str> = totals
        .iter()
        .filter(|r| r.value.is_some())
        .map(|r| r.indicator.as_str())
        .collect();
    charted.sort();
    charted.dedup();
    let points = totals
        .iter()
        .filter(|r| r.value.is_some() && charted.contains(&r.indicator.as_str()))
        .count();
    (charted.len(), points)
}

#[test]
fn the_html_report_opens_in_chromium_with_its_charts_and_prints() {
    let Some(_) = tool("chromium") else { return };
    let scratch = Scratch::new();
    let page = scratch.path("report.html");
    let args = scorecard_args();
    cchc()
        .arg("report")
        .args(&args)
        .args(["--format", "html", "--no-timestamp", "-o"])
        .arg(&page)
        .assert()
        .code(1);
    let html = std::fs::read_to_string(&page).expect("the page");
    // Self-contained: no script, nothing fetched from elsewhere.
    assert!(!html.contains("<script"));
    for external in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
    let url = format!("file://{}", page.display());
    let dom = chromium(&["--dump-dom", &url]);
    let logged = String::from_utf8_lossy(&dom.stderr);
    let console: Vec<&str> = logged
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let dom = String::from_utf8_lossy(&dom.stdout);
    let refs: Vec<String> = args.iter().map(String::clone).collect();
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let (report, _) = json_report(&refs);
    let (charts, points) = expected_trend(&report);
    let trend_figures: Vec<&str> = dom.split("<figure class=\"chart trend\"").skip(1).collect();
    assert_eq!(
        trend_figures.len(),
        charts,
        "one trend chart per indicator with a value"
    );
    let circles: usize = trend_figures
        .iter()
        .map(|f| {
            f.split("</figure>")
                .next()
                .unwrap_or_default()
                .matches("<circle")
                .count()
        })
        .sum();
    assert_eq!(circles, points, "one point per period with a value");
    assert!(dom.matches("<figure class=\"chart ranking\"").count() >= 9);
    assert!(dom.contains("role=\"img\"") && dom.contains("<title>Biểu đồ:"));
    assert!(dom.contains("Kỳ 2025 · Danh mục TTHC"));

    let png = chromium_artifact(
        "html-report.png",
        "--window-size=1280,2200",
        "--screenshot",
        &url,
    );
    assert!(png.starts_with(b"\x89PNG") && png.len() > 50_000);
    let pdf = chromium_artifact(
        "html-report.pdf",
        "--no-pdf-header-footer",
        "--print-to-pdf",
        &url,
    );
    assert!(pdf.starts_with(b"%PDF"));
    let pages = String::from_utf8_lossy(&pdf)
        .matches("/Type /Page\n")
        .count()
        + String::from_utf8_lossy(&pdf)
            .matches("/Type /Page ")
            .count()
        + String::from_utf8_lossy(&pdf).matches("/Type/Page").count();
    assert!(
        pages >= 2 || pdf.len() > 100_000,
        "an A4 print of several pages"
    );
}

#[test]
fn the_html_report_in_english_and_refusals() {
    let scratch = Scratch::new();
    let page = scratch.path("en.html");
    cchc()
        .args([
            "report",
            &example("dossiers.vi.csv"),
            "--format",
            "html",
            "--lang",
            "en",
            "-o",
        ])
        .arg(&page)
        .assert()
        .code(1);
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Trend by period"));
    // A workbook is binary: never dumped on a terminal (tested where stdout is not one: piped,
    // it is written, and is a real zip).
    let piped = cchc()
        .args(["report", &example("dossiers.vi.csv"), "--format", "xlsx"])
        .output()
        .expect("running cchc");
    assert!(piped.stdout.starts_with(b"PK\x03\x04"));
}

fn cell_number(cell: &Data) -> Option<f64> {
    match cell {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

#[test]
fn the_workbook_holds_every_result_as_numbers() {
    let scratch = Scratch::new();
    let file = scratch.path("report.xlsx");
    let args = scorecard_args();
    cchc()
        .arg("report")
        .args(&args)
        .args(["--format", "xlsx", "-o"])
        .arg(&file)
        .assert()
        .code(1);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (report, _) = json_report(&refs);
    let mut workbook: Xlsx<_> = open_workbook(&file).expect("a readable workbook");
    assert_eq!(
        workbook.sheet_names(),
        ["Tổng hợp", "Theo nhóm", "Xu hướng", "Dòng lỗi", "Nguồn"]
    );
    for (sheet, grouped) in [("Tổng hợp", false), ("Theo nhóm", true)] {
        let range = workbook.worksheet_range(sheet).expect("the sheet");
        let rows: Vec<&[Data]> = range.rows().collect();
        let header: Vec<String> = rows[0].iter().map(cell_text).collect();
        let column = |name: &str| header.iter().position(|h| h == name).expect(name);
        let expected: Vec<&JsonResult> = report
            .results
            .iter()
            .filter(|r| r.groups.is_some() == grouped)
            .collect();
        assert_eq!(
            rows.len() - 1,
            expected.len(),
            "{sheet}: one row per result"
        );
        for (row, json) in rows[1..].iter().zip(&expected) {
            assert_eq!(cell_text(&row[column("Mã chỉ số")]), json.indicator);
            assert_eq!(cell_text(&row[column("Kỳ")]), json.period);
            assert_eq!(
                cell_number(&row[column("Tử số")]),
                json.numerator.map(|n| n as f64)
            );
            assert_eq!(
                cell_number(&row[column("Mẫu số")]),
                json.denominator.map(|n| n as f64)
            );
            let value = cell_number(&row[column("Giá trị")]);
            let expected_value = json
                .value
                .map(|v| if json.unit == "percent" { v / 100.0 } else { v });
            match (value, expected_value) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{a} vs {b}"),
                (a, b) => assert_eq!(a, b, "{} {}", json.indicator, json.period),
            }
        }
    }
    let defects = workbook
        .worksheet_range("Dòng lỗi")
        .expect("the defects sheet");
    assert_eq!(defects.rows().count() - 2, report.defects.samples.len() + 1);

    // LibreOffice opens it and gives the same numbers.
    let Some(_) = tool("soffice") else { return };
    let profile = tempfile::tempdir().expect("a LibreOffice profile");
    let out = scratch.path("converted");
    let converted = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
        ])
        .arg(&out)
        .arg(&file)
        .output()
        .expect("running LibreOffice");
    assert!(
        converted.status.success(),
        "{}",
        String::from_utf8_lossy(&converted.stderr)
    );
    let csv_path = out.join("report.csv");
    let text = std::fs::read_to_string(&csv_path).expect("LibreOffice's CSV");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let totals: Vec<&JsonResult> = report
        .results
        .iter()
        .filter(|r| r.groups.is_none())
        .collect();
    let records: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
    assert_eq!(records.len(), totals.len());
    for (record, json) in records.iter().zip(&totals) {
        assert_eq!(&record[2], json.indicator);
        let number = |i: usize| record[i].parse::<i64>().ok();
        assert_eq!(
            (number(4), number(5)),
            (json.numerator, json.denominator),
            "{}",
            json.indicator
        );
    }
}

/// `.ods` and `.xls` exports: LibreOffice saves the workbook fixture in both, and each gives the
/// same report as the `.xlsx`.
#[test]
fn ods_and_xls_exports_read_like_the_xlsx() {
    let Some(_) = tool("soffice") else { return };
    let scratch = Scratch::new();
    let profile = tempfile::tempdir().expect("a LibreOffice profile");
    let source = crate::common::fixture("dossiers.vi.xlsx");
    let (reference, _) = json_report(&[source.to_str().unwrap_or_default()]);
    for (extension, filter) in [("ods", "ods"), ("xls", "xls:MS Excel 97")] {
        let converted = Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.path().display()
            ))
            .args(["--headless", "--convert-to", filter, "--outdir"])
            .arg(scratch.dir.path())
            .arg(&source)
            .output()
            .expect("running LibreOffice");
        assert!(
            converted.status.success(),
            "{}",
            String::from_utf8_lossy(&converted.stderr)
        );
        let file = scratch.path(&format!("dossiers.vi.{extension}"));
        let (report, _) = json_report(&[file.to_str().unwrap_or_default()]);
        assert_eq!(
            report.defects.count,
            0,
            "{extension}: {:?}",
            report.defects.samples.first()
        );
        assert_eq!(report.results.len(), reference.results.len(), "{extension}");
        for (a, b) in report.results.iter().zip(&reference.results) {
            assert_eq!(
                (
                    &a.indicator,
                    &a.period,
                    a.numerator,
                    a.denominator,
                    &a.status
                ),
                (
                    &b.indicator,
                    &b.period,
                    b.numerator,
                    b.denominator,
                    &b.status
                ),
                "{extension}"
            );
        }
    }
}

/// A workbook is binary: on a terminal without --output it is refused (exit 2), not dumped.
#[test]
fn xlsx_is_refused_on_a_terminal() {
    let Some(_) = tool("script") else { return };
    let binary = assert_cmd::cargo::cargo_bin("cchc");
    let command = format!(
        "'{}' report '{}' --format xlsx",
        binary.display(),
        example("dossiers.vi.csv")
    );
    // `script` runs the command with a pseudo-terminal as its standard output.
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("running script");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("--output report.xlsx"), "{text}");
}
