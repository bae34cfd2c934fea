//! Property tests over the whole input layer (bytes in → rows and defects out) and over each
//! value parser: nothing may panic, every record is either counted or reported, and parsed
//! values stay in their domains.
//!
//! The default run is short. A longer campaign:
//!     PROPTEST_CASES=200000 cargo test --release --test fuzz
//! Regressions found by a campaign are kept as named tests at the bottom of this file.

use cchc::dossier::codes::{CHANNEL, LEVEL, NONE, PAYMENT, RATING, STATUS};
use cchc::input::open;
use cchc::input::read::{read_source, ReadOptions, SeenIds};
use cchc::input::values::{parse_amount, parse_bool, parse_date};
use cchc::input::{HeaderMatcher, ReadOutcome};
use cchc::text::fold;
use chrono::Datelike;
use proptest::prelude::*;

fn read_bytes(bytes: Vec<u8>) -> anyhow::Result<ReadOutcome> {
    let options = ReadOptions::new(HeaderMatcher::new(&[]));
    let mut outcome = ReadOutcome::new(options.rows());
    let mut seen = SeenIds::default();
    read_source(
        "fuzz.csv",
        std::io::Cursor::new(bytes),
        &options,
        &mut outcome,
        &mut seen,
    )?;
    Ok(outcome)
}

/// Every record is either a valid row or a reported defect, and defects point inside the file.
fn check_accounting(bytes: &[u8], outcome: &ReadOutcome) {
    let input = &outcome.inputs[0];
    assert_eq!(input.rows, outcome.rows.len() as u64 + input.defective);
    assert_eq!(outcome.defects.count, input.defective);
    // Physical lines end with LF, CRLF or CR alone.
    let lines = bytes
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count() as u64
        + 1;
    for defect in &outcome.defects.samples {
        assert!(defect.record >= 1 && defect.record <= input.rows);
        let header_line = input.dialect.as_ref().map_or(1, |d| d.header_line);
        assert!(defect.line > header_line && defect.line <= lines.max(2) * 2);
    }
}

/// Cells drawn from real vocabularies, real dates and amounts, and junk.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Đã trả kết quả".to_string()),
        Just("Trực tuyến".to_string()),
        Just("Mức độ 4".to_string()),
        Just("1.500.000".to_string()),
        Just("31/02/2024".to_string()),
        Just("01/01/2024 08:00".to_string()),
        Just("Có".to_string()),
        Just("\"".to_string()),
        Just("a\nb".to_string()),
        "[0-9/:. -]{0,20}",
        "\\PC{0,12}",
    ]
}

const HEADER: &str =
    "Mã hồ sơ,Ngày tiếp nhận,Trạng thái,Kênh nộp,Mức độ,Phí,Ngày có kết quả,Số hóa kết quả";

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        if let Ok(outcome) = read_bytes(bytes.clone()) {
            check_accounting(&bytes, &outcome);
        }
    }

    #[test]
    fn arbitrary_bytes_after_a_real_header_are_accounted_for(
        body in proptest::collection::vec(any::<u8>(), 0..2000),
    ) {
        let mut bytes = format!("{HEADER}\n").into_bytes();
        bytes.extend(body);
        if let Ok(outcome) = read_bytes(bytes.clone()) {
            check_accounting(&bytes, &outcome);
        }
    }

    #[test]
    fn generated_rows_are_accounted_for(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 6..10), 1..30),
        delimiter in prop_oneof![Just(','), Just(';'), Just('\t'), Just('|')],
        crlf in any::<bool>(),
    ) {
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut text = HEADER.replace(',', &delimiter.to_string());
        for row in &rows {
            text.push_str(newline);
            let cells: Vec<String> = row
                .iter()
                .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
                .collect();
            text.push_str(&cells.join(&delimiter.to_string()));
        }
        let bytes = text.into_bytes();
        if let Ok(outcome) = read_bytes(bytes.clone()) {
            check_accounting(&bytes, &outcome);
        }
    }

    /// DOMAIN.md §1 "Line endings and quotes": stray opening quotes and any mix of LF, CRLF and
    /// CR-only line ends lose no record: every record written is read or reported, exactly once,
    /// and each stray quote costs only its own record.
    #[test]
    fn stray_quotes_and_any_line_endings_lose_no_record(
        rows in proptest::collection::vec(
            proptest::collection::vec("[a-zA-Z0-9/ ]{1,8}", 4..=4), 1..40),
        strays in proptest::collection::vec((any::<prop::sample::Index>(), 2..6usize), 0..4),
        inner_quotes in proptest::collection::vec((any::<prop::sample::Index>(), 2..6usize), 0..4),
        endings in proptest::collection::vec(prop_oneof![Just("\n"), Just("\r\n"), Just("\r")], 1..4),
        delimiter in prop_oneof![Just(','), Just(';'), Just('\t')],
    ) {
        // Free-text columns only, so the stray quotes are the only possible defects.
        let header = ["Mã hồ sơ", "Ngày tiếp nhận", "Đơn vị", "Tên thủ tục", "Ghi chú", "Lĩnh vực"];
        let mut table: Vec<Vec<String>> = rows
            .iter()
            .enumerate()
            .map(|(i, cells)| {
                let mut row = vec![format!("R{i}"), "01/01/2024".to_string()];
                row.extend(cells.iter().cloned());
                row
            })
            .collect();
        // A quote inside a field is an ordinary character.
        for (row, column) in &inner_quotes {
            let cell = &mut table[row.index(rows.len())][*column];
            cell.insert(1.min(cell.len()), 'x');
            cell.push('"');
            cell.push('y');
        }
        // A stray opening quote at the start of a field, followed by text, never closed.
        let mut stray_rows = std::collections::BTreeSet::new();
        for (row, column) in &strays {
            let index = row.index(rows.len());
            table[index][*column].insert(0, '"');
            stray_rows.insert(index);
        }
        let mut text = String::new();
        for (i, line) in std::iter::once(header.map(String::from).to_vec())
            .chain(table.iter().cloned())
            .enumerate()
        {
            text.push_str(&line.join(&delimiter.to_string()));
            text.push_str(endings[i % endings.len()]);
        }
        let bytes = text.into_bytes();
        let outcome = read_bytes(bytes.clone()).expect("a readable file");
        check_accounting(&bytes, &outcome);
        let input = &outcome.inputs[0];
        prop_assert_eq!(input.rows, rows.len() as u64);
        let quote_defects = outcome
            .defects
            .samples
            .iter()
            .filter(|d| d.class == cchc::input::DefectClass::UnterminatedQuote)
            .map(|d| d.record - 1)
            .collect::<std::collections::BTreeSet<_>>();
        prop_assert_eq!(outcome.defects.count, stray_rows.len() as u64);
        prop_assert_eq!(
            quote_defects.into_iter().map(|r| r as usize).collect::<Vec<_>>(),
            stray_rows.into_iter().collect::<Vec<_>>()
        );
    }

    #[test]
    fn parsers_never_panic_and_stay_in_their_domains(text in "\\PC{0,40}") {
        if let Ok(Some(date)) = parse_date(&text) {
            prop_assert!((2000..=2100).contains(&date.year()));
        }
        if let Ok(amount) = parse_amount(&text) {
            prop_assert!(amount.is_finite() && amount >= 0.0);
        }
        if let Ok(level) = LEVEL.parse(&text) {
            prop_assert!(level == NONE || (2..=4).contains(&level));
        }
        if let Ok(status) = STATUS.parse(&text) {
            prop_assert!(status == NONE || (1..=10).contains(&status));
        }
        if let Ok(channel) = CHANNEL.parse(&text) {
            prop_assert!((1..=3).contains(&channel));
        }
        if let Ok(payment) = PAYMENT.parse(&text) {
            prop_assert!((1..=2).contains(&payment));
        }
        let _ = parse_bool(&text);
        if let Ok(rating) = RATING.parse(&text) {
            prop_assert!(rating == NONE || (1..=2).contains(&rating));
        }
        let folded = fold(&text);
        prop_assert_eq!(fold(&folded), folded);
    }

    #[test]
    fn numeric_looking_text_never_panics(text in "[0-9.,/: T-]{0,30}") {
        let _ = parse_date(&text);
        let _ = parse_amount(&text);
    }

    #[test]
    fn encoding_detection_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = open::detect_encoding(&bytes);
        let matcher: HeaderMatcher = HeaderMatcher::new(&[]);
        let _ = open::detect_layout(&bytes, None, &|cell| matcher.field_of(cell).is_some());
    }
}
