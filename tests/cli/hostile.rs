//! Hostile input and unsafe output (issue 8): each case has its own small fixture under
//! `tests/fixtures/hostile` (or writes one), and asserts the exact outcome DOMAIN.md v2 gives it:
//! nothing overwritten, nothing lost, nothing hangs, and the exit code a cron job can trust.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use predicates::prelude::*;

use crate::common::{cchc, fixture, json_report, JsonReport, Scratch};

fn hostile(name: &str) -> String {
    fixture(&format!("hostile/{name}")).display().to_string()
}

/// The ten dossiers every readable fixture holds: six online at level 4 (H01–H06), received
/// 01–10/03/2024, units alternating "Phòng Một" (odd) and "Phòng Hai" (even).
fn assert_online_share(report: &JsonReport, num: i64, den: i64, file: &str) {
    let row = report.find("online_share", "2024", None);
    assert_eq!(
        (row.numerator, row.denominator),
        (Some(num), Some(den)),
        "{file}"
    );
}

// ---- Line endings and quotes -------------------------------------------------------------

#[test]
fn a_stray_opening_quote_costs_exactly_one_record() {
    let (report, _) = json_report(&[&hostile("stray_quote.csv")]);
    assert_eq!(report.inputs[0].rows, 10);
    assert_eq!(
        report.defect_places(),
        [(3, 4, "unterminated_quote".to_string())]
    );
    assert_eq!(report.defects.samples[0].column.as_deref(), Some("Đơn vị"));
    // H03 (online) is left out; the nine others are all read.
    assert_online_share(&report, 5, 9, "stray_quote.csv");
}

#[test]
fn a_closing_quote_followed_by_text_is_a_stray_quote() {
    let (report, _) = json_report(&[&hostile("quote_then_text.csv"), "--by", "unit"]);
    assert_eq!(report.inputs[0].rows, 10);
    assert_eq!(
        report.defect_places(),
        [(3, 4, "unterminated_quote".to_string())]
    );
    assert_online_share(&report, 5, 9, "quote_then_text.csv");
    // The next line is read again on its own: its unit keeps the quote as a character.
    assert!(report
        .results
        .iter()
        .any(|r| r.group.as_deref() == Some("Hai\"x")));
}

#[test]
fn a_quote_inside_a_field_is_an_ordinary_character() {
    let (report, _) = json_report(&[&hostile("quote_inside.csv"), "--by", "unit"]);
    assert_eq!(report.defects.count, 0);
    assert!(report
        .results
        .iter()
        .any(|r| r.group.as_deref() == Some("Phòng \"Ba\" cũ")));
    assert_online_share(&report, 6, 10, "quote_inside.csv");
}

#[test]
fn cr_only_and_mixed_line_endings_are_read() {
    for file in ["cr_only.csv", "mixed_endings.csv", "base.csv"] {
        let (report, _) = json_report(&[&hostile(file)]);
        assert_eq!(report.inputs[0].rows, 10, "{file}");
        assert_eq!(report.defects.count, 0, "{file}");
        assert_online_share(&report, 6, 10, file);
    }
}

#[test]
fn a_line_number_counts_cr_only_line_ends() {
    let scratch = Scratch::new();
    let path = scratch.write(
        "cr.csv",
        "Mã hồ sơ,Ngày tiếp nhận\rA,01/01/2024\rB,31/02/2024\rC,02/01/2024\r",
    );
    let (report, _) = json_report(&[path.to_str().unwrap_or_default()]);
    assert_eq!(report.defect_places(), [(2, 3, "invalid_date".to_string())]);
}

#[test]
fn a_field_over_one_mebibyte_is_a_defect_not_an_allocation() {
    let scratch = Scratch::new();
    let base = fs::read_to_string(fixture("hostile/base.csv")).unwrap_or_default();
    let huge = "P".repeat((1 << 20) + 100);
    let text = base.replacen("H02,Phòng Hai", &format!("H02,{huge}"), 1);
    let path = scratch.write("huge.csv", &text);
    let (report, _) = json_report(&[path.to_str().unwrap_or_default()]);
    assert_eq!(
        report.defect_places(),
        [(2, 3, "field_too_large".to_string())]
    );
    let value = report.defects.samples[0].value.clone().unwrap_or_default();
    assert!(
        value.chars().count() <= 81,
        "the sample is cut: {value:.100}"
    );
    assert_online_share(&report, 5, 9, "huge.csv");
}

// ---- Encodings and invisible characters --------------------------------------------------

#[test]
fn format_characters_in_headers_are_ignored() {
    let (report, _) = json_report(&[&hostile("zero_width_headers.csv")]);
    assert_eq!(report.defects.count, 0);
    assert_online_share(&report, 6, 10, "zero_width_headers.csv");
}

#[test]
fn a_message_that_prints_headers_shows_invisible_characters() {
    cchc()
        .arg("report")
        .arg(hostile("zero_width_breaks_header.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Ngày tiếp\\u{200b}nhận"));
    cchc()
        .arg("check")
        .arg(hostile("zero_width_headers.csv"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "\"Mã hồ sơ\\u{200b}\" → dossier_id",
        ));
}

#[test]
fn utf16_without_a_byte_order_mark_is_read_with_a_warning() {
    for file in ["utf16le_no_bom.csv", "utf16be_no_bom.csv"] {
        let (report, _) = json_report(&[&hostile(file)]);
        assert_eq!(report.defects.count, 0, "{file}");
        assert_online_share(&report, 6, 10, file);
        assert!(
            report.warning("utf16_without_bom").contains("UTF-16"),
            "{file}"
        );
    }
}

#[test]
fn a_lone_utf16_surrogate_makes_its_row_defective() {
    let (report, _) = json_report(&[&hostile("utf16_lone_surrogate.csv")]);
    assert_eq!(
        report.defect_places(),
        [(5, 6, "invalid_encoding".to_string())]
    );
    assert_online_share(&report, 5, 9, "utf16_lone_surrogate.csv");
}

#[test]
fn a_forced_encoding_wins_over_the_byte_order_mark_with_a_warning() {
    let path = hostile("utf8_bom_ascii.csv");
    let (report, _) = json_report(&[&path, "--encoding", "windows-1252"]);
    assert!(report
        .warning("encoding_overrides_bom")
        .contains("--encoding windows-1252"));
    assert_online_share(&report, 4, 4, "utf8_bom_ascii.csv");
    // Without --encoding the byte-order mark decides and nothing is said.
    let (report, _) = json_report(&[&path]);
    assert!(report
        .warnings
        .iter()
        .all(|w| w.kind != "encoding_overrides_bom"));
}

#[test]
fn binary_input_is_refused_at_once() {
    cchc()
        .arg("report")
        .arg(hostile("binary.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("binary data"));
}

#[cfg(unix)]
#[test]
fn dev_zero_is_refused_without_reading_it_whole() {
    cchc()
        .args(["report", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("binary data"));
}

#[test]
fn text_without_a_line_break_is_refused_after_a_bounded_prefix() {
    let scratch = Scratch::new();
    let path = scratch.write("one-line.csv", &"abc;".repeat(100_000));
    cchc()
        .arg("report")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no line break"));
}

// ---- Limits that protect the machine -----------------------------------------------------

#[test]
fn long_names_are_shortened_in_tables_and_kept_whole_in_json() {
    let path = hostile("long_unit_name.csv");
    let output = cchc()
        .args(["report", &path, "--by", "unit", "--no-timestamp"])
        .output()
        .expect("running cchc");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains('…'));
    assert!(
        table.len() < 40_000,
        "a 2,000-character name must not blow up the table: {} bytes",
        table.len()
    );
    let (report, _) = json_report(&[&path, "--by", "unit"]);
    let longest = report
        .results
        .iter()
        .filter_map(|r| r.group.as_ref())
        .map(|g| g.chars().count())
        .max();
    // Key text is trimmed: the last of the 250 "rất dài " loses its space.
    assert_eq!(longest, Some(6 + 8 * 250 - 1));
}

/// Many groups by many periods: the trend grid and every grouping step must stay linear. This
/// is not a timed test; a quadratic grid would take minutes here instead of seconds.
#[test]
fn trend_over_thousands_of_groups_finishes() {
    let scratch = Scratch::new();
    let mut text = String::from("Mã hồ sơ,Mã TTHC,Ngày tiếp nhận,Kênh nộp,Mức độ\n");
    for i in 0..12_000 {
        let month = i % 12 + 1;
        text.push_str(&format!(
            "D{i},P{:04},01/{month:02}/2024,Trực tuyến,4\n",
            i % 3000
        ));
    }
    let path = scratch.write("many.csv", &text);
    let output = cchc()
        .arg("report")
        .arg(&path)
        .args(["--trend", "--period", "month", "--by", "procedure"])
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .expect("running cchc");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("P2999"));
}

// ---- Exit codes ----------------------------------------------------------------------------

#[test]
fn an_empty_selection_is_an_input_error_in_every_form() {
    let path = hostile("base.csv");
    for selection in [
        vec!["--from", "2030-01-01"],
        vec!["--to", "01/01/2001"],
        vec!["--year", "2030"],
        vec!["--from", "2025-01-01", "--to", "2025-12-31"],
    ] {
        cchc()
            .arg("report")
            .arg(&path)
            .args(&selection)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("no dossier in the selection"))
            .stderr(predicate::str::contains("01/03/2024 to 10/03/2024"));
    }
}

#[test]
fn quiet_says_how_many_rows_were_defective() {
    cchc()
        .args(["report", &hostile("stray_quote.csv"), "--quiet"])
        .assert()
        .stdout(predicate::str::contains("1 dòng lỗi bị loại"));
    cchc()
        .args([
            "report",
            &hostile("stray_quote.csv"),
            "--quiet",
            "--lang",
            "en",
        ])
        .assert()
        .stdout(predicate::str::contains("1 defective row(s) left out"));
    cchc()
        .args(["report", &hostile("base.csv"), "--quiet"])
        .assert()
        .stdout(predicate::str::contains("dòng lỗi").not());
}

/// Runs a report whose reader closes the pipe at once; returns the exit code.
fn exit_code_with_closed_pipe(args: &[&str]) -> Option<i32> {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cchc"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting cchc");
    drop(child.stdout.take());
    child.wait().expect("waiting for cchc").code()
}

#[test]
fn a_broken_pipe_keeps_the_judgment() {
    let vi = fixture("dossiers.vi.csv").display().to_string();
    // A long report (it cannot fit a pipe's buffer) and a short one: both missed targets.
    for args in [
        vec![
            "report", &vi, "--period", "month", "--by", "unit", "--trend",
        ],
        vec!["report", &vi, "--period", "month", "--by", "unit"],
        vec!["report", &vi, "--quiet"],
    ] {
        assert_eq!(exit_code_with_closed_pipe(&args), Some(1), "{args:?}");
    }
    let met = hostile("base.csv");
    assert_eq!(
        exit_code_with_closed_pipe(&["report", &met, "--period", "month"]),
        Some(0)
    );
}

// ---- --output ------------------------------------------------------------------------------

#[test]
fn an_output_that_is_an_input_is_refused_before_reading() {
    let scratch = Scratch::new();
    let original = fs::read(fixture("hostile/base.csv")).unwrap_or_default();
    let input = scratch.path("data.csv");
    fs::write(&input, &original).expect("writing the input");
    let targets = scratch.write("t.toml", "[targets.online_share]\nmin = 50\n");
    let roundabout: PathBuf = scratch.dir.path().join(".").join("data.csv");
    for output in [&input, &roundabout, &targets] {
        cchc()
            .arg("report")
            .arg(&input)
            .arg("--targets")
            .arg(&targets)
            .arg("--output")
            .arg(output)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("would replace it"));
    }
    assert_eq!(fs::read(&input).unwrap_or_default(), original);
    #[cfg(unix)]
    {
        // A hard link is the same file under another name.
        let link = scratch.path("link.csv");
        fs::hard_link(&input, &link).expect("a hard link");
        cchc()
            .arg("report")
            .arg(&input)
            .arg("-o")
            .arg(&link)
            .assert()
            .code(2);
        assert_eq!(fs::read(&input).unwrap_or_default(), original);
    }
}

#[cfg(unix)]
#[test]
fn an_existing_output_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new();
    let output = scratch.write("private.json", "old");
    fs::set_permissions(&output, fs::Permissions::from_mode(0o600)).expect("chmod");
    cchc()
        .args(["report", &hostile("base.csv"), "--format", "json", "-o"])
        .arg(&output)
        .assert()
        .code(0);
    let metadata = fs::metadata(&output).expect("the output exists");
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    assert!(fs::read_to_string(&output)
        .unwrap_or_default()
        .contains("schema_version"));
}

#[cfg(unix)]
#[test]
fn a_fifo_is_written_directly_not_replaced() {
    let scratch = Scratch::new();
    let fifo = scratch.fifo("report.fifo");
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || fs::read_to_string(reader_path));
    cchc()
        .args(["report", &hostile("base.csv"), "--format", "json", "-o"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(0);
    let received = reader
        .join()
        .expect("the reader thread")
        .expect("reading the FIFO");
    assert!(received.contains("\"schema_version\": 1"), "{received}");
    use std::os::unix::fs::FileTypeExt;
    let kind = fs::symlink_metadata(&fifo).expect("the FIFO").file_type();
    assert!(kind.is_fifo(), "the FIFO is still a FIFO");
}

#[cfg(unix)]
#[test]
fn a_character_device_is_written_directly_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let scratch = Scratch::new();
    // A private null device where the platform lets us make one; /dev/null otherwise.
    let private = scratch.path("null");
    let made = std::process::Command::new("mknod")
        .arg(&private)
        .args(["c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let device: PathBuf = if made {
        private
    } else {
        PathBuf::from("/dev/null")
    };
    cchc()
        .args(["report", &hostile("base.csv"), "-o"])
        .arg(&device)
        .assert()
        .code(0);
    let kind = fs::symlink_metadata(&device)
        .expect("the device")
        .file_type();
    assert!(
        kind.is_char_device(),
        "{} is still a device",
        device.display()
    );
}

#[cfg(unix)]
#[test]
fn links_planted_at_temporary_names_are_never_followed() {
    let scratch = Scratch::new();
    let victim = scratch.write("victim.txt", "precious");
    let output = scratch.path("report.json");
    // Every name the old scheme (`.NAME.PID.tmp`) could have used for the next few thousand
    // processes: the temporary file must be created exclusively under a name nobody can guess.
    let first = std::process::id();
    for pid in first..first + 3000 {
        let planted = scratch.path(&format!(".report.json.{pid}.tmp"));
        let _ = std::os::unix::fs::symlink(&victim, planted);
    }
    cchc()
        .args(["report", &hostile("base.csv"), "--format", "json", "-o"])
        .arg(&output)
        .assert()
        .code(0);
    assert_eq!(fs::read_to_string(&victim).unwrap_or_default(), "precious");
    assert!(fs::read_to_string(&output)
        .unwrap_or_default()
        .contains("schema_version"));
    assert!(!fs::symlink_metadata(&output)
        .expect("the output")
        .file_type()
        .is_symlink());
}

#[test]
fn a_directory_as_output_is_an_error() {
    let scratch = Scratch::new();
    cchc()
        .args(["report", &hostile("base.csv"), "-o"])
        .arg(scratch.dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
    assert!(Path::new(scratch.dir.path()).is_dir());
}
