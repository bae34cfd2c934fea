//! Value parsers of DOMAIN.md §1: dates, amounts and booleans (the coded vocabularies are in
//! [`crate::dossier::codes`]), and the user's own spellings from the targets file.
//!
//! Each parser is a small pure function from the cell text to a typed value or a [`ValueError`]
//! that says why the text was not understood. Blank cells have a meaning of their own for most
//! fields (blank channel = direct, blank amount = 0, blank boolean = false), decided here.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::dossier::period::{date_of, day_in_years, day_of, Day, MAX_YEAR, MIN_YEAR};
use crate::dossier::{Field, Kind};
use crate::text::fold;

/// Why a row is defective (DOMAIN.md §1, "Defective rows"). The names are the fixtures' classes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum DefectClass {
    FieldCount,
    MissingRequired,
    InvalidDate,
    InvalidAmount,
    UnknownValue,
    InvalidEncoding,
    /// A quote left open (DOMAIN.md §1 "Line endings and quotes").
    UnterminatedQuote,
    /// A single field over 1 MiB.
    FieldTooLarge,
    /// A quoted value spanning lines in a column whose values never hold a line break.
    LineBreakInField,
    /// Facts files (DOMAIN.md §5): an id that names no indicator.
    UnknownIndicator,
    /// An indicator computed from dossiers or the catalogue, given as a figure.
    NotAFactsIndicator,
    InvalidPeriod,
    NumeratorAboveDenominator,
    /// A value that disagrees with its numerator and denominator.
    InconsistentValue,
    /// A numerator without a denominator, or the reverse.
    IncompleteRatio,
}

/// A cell that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub class: DefectClass,
    pub reason: String,
}

impl ValueError {
    fn new(class: DefectClass, reason: impl Into<String>) -> Self {
        ValueError {
            class,
            reason: reason.into(),
        }
    }
}

/// Yes/no columns. Blank is no.
pub fn parse_bool(text: &str) -> Result<bool, ValueError> {
    let folded = fold(text);
    match folded.as_str() {
        "co" | "x" | "1" | "true" | "yes" | "y" | "da" => Ok(true),
        "" | "khong" | "0" | "false" | "no" | "n" | "chua" => Ok(false),
        other if other.starts_with("da ") || other.starts_with("co ") => Ok(true),
        other if other.starts_with("chua ") || other.starts_with("khong ") => Ok(false),
        _ => Err(unknown("yes/no value", text)),
    }
}

/// Spellings a user adds in the targets file (`[values.<field>]`), by folded text. They are
/// consulted before the built-in vocabulary, so they can also change a built-in meaning.
#[derive(Debug, Clone, Default)]
pub struct Spellings {
    /// Coded fields: folded spelling → code ([`crate::dossier::codes::NONE`] for no value).
    codes: HashMap<Field, HashMap<String, i8>>,
    /// Yes/no fields.
    booleans: HashMap<Field, HashMap<String, bool>>,
}

impl Spellings {
    /// Adds `spelling` with the meaning named `meaning` (a key of `[values.<field>]`). The error
    /// says which meanings the field takes.
    pub fn add(&mut self, field: Field, meaning: &str, spelling: &str) -> Result<(), String> {
        let key = fold(spelling);
        if key.is_empty() {
            return Err("a spelling cannot be blank".to_string());
        }
        let bad = |allowed: &str| {
            Err(format!(
                "`{meaning}` is not a meaning of {field}; use one of: {allowed}"
            ))
        };
        match field.kind() {
            Kind::Code(vocabulary) => match vocabulary.meaning(meaning) {
                Ok(code) => {
                    self.codes.entry(field).or_default().insert(key, code);
                }
                Err(allowed) => return bad(&allowed),
            },
            Kind::Bool => {
                let value = match meaning {
                    "true" | "yes" => true,
                    "false" | "no" => false,
                    _ => return bad("true, false"),
                };
                self.booleans.entry(field).or_default().insert(key, value);
            }
            _ => {
                return Err(format!(
                    "{field} has no vocabulary: its values are text, dates or amounts"
                ))
            }
        }
        Ok(())
    }

    /// The user's spellings of a coded field.
    pub fn codes(&self, field: Field) -> HashMap<String, i8> {
        self.codes.get(&field).cloned().unwrap_or_default()
    }

    pub fn booleans(&self, field: Field) -> HashMap<String, bool> {
        self.booleans.get(&field).cloned().unwrap_or_default()
    }
}

fn unknown(what: &str, text: &str) -> ValueError {
    ValueError::new(
        DefectClass::UnknownValue,
        format!("unknown {what} {:?}", text.trim()),
    )
}

/// Parses a local date-time and keeps its calendar date: indicators compare dates, never times
/// (an on-time result may land on the due date after the due hour). The time part, when present,
/// must still be a real time. Blank is `None`.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, ValueError> {
    let text = trim(text);
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        ValueError::new(
            DefectClass::InvalidDate,
            format!("invalid date {text:?}: expected dd/mm/yyyy [HH:MM[:SS]], yyyy-mm-dd [HH:MM[:SS]], yyyyMMddHHmmss or an Excel serial"),
        )
    };
    let date = parse_date_inner(text).ok_or_else(invalid)?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
        return Err(ValueError::new(
            DefectClass::InvalidDate,
            format!("invalid date {text:?}: year outside {MIN_YEAR}–{MAX_YEAR}"),
        ));
    }
    Ok(Some(date))
}

/// A date cell as a day number ([`crate::dossier::period::day_of`]): what [`parse_date`] reads.
/// The cells of nearly every export are read a word at a time (`common_day`); any other
/// cell, or one that form's reading refuses, goes the general way.
#[inline]
pub fn parse_day(text: &str) -> Result<Option<Day>, ValueError> {
    match common_day(text.as_bytes()) {
        Some(day) => Ok(Some(day)),
        // A date not yet known (a dossier still in progress) is the commonest other cell.
        None if text.is_empty() => Ok(None),
        None => parse_day_otherwise(text),
    }
}

/// Out of the column loop: the cells [`common_day`] leaves are rare, and the general reading
/// is long.
#[inline(never)]
fn parse_day_otherwise(text: &str) -> Result<Option<Day>, ValueError> {
    Ok(parse_date(text)?.map(day_of))
}

/// `dd/mm/yyyy` or `yyyy-mm-dd`, alone, with ` HH:MM` or with ` HH:MM:SS` (or `T` for the
/// space), untrimmed, as its day number: `None` for any other cell, or one with an impossible
/// date or time, or a year outside [`MIN_YEAR`]–[`MAX_YEAR`], for [`parse_date`] to read or
/// refuse.
///
/// Read eight bytes at a time (issue 19: five dates a row took 9% of a report's CPU read a
/// byte at a time and turned into days by arithmetic): a word XORed with its form's pattern
/// (`'0'` where a digit belongs, the separator where one does) holds each digit's value, and
/// every byte of it is below 10, with 0 at each separator, exactly when the cell has the form.
/// The day comes from a table of month starts.
// Always inlined: parse_date calls it too, and left to itself the compiler then kept it out of
// the column loop (5.8% of `check`'s CPU in a call, 5% slower).
#[inline(always)]
fn common_day(bytes: &[u8]) -> Option<Day> {
    const DIGITS: u64 = 0x3030_3030_3030_3030;
    // What XOR turns '0' into each separator, and a separator's byte in a word.
    const SLASH: u64 = (b'0' ^ b'/') as u64;
    const DASH: u64 = (b'0' ^ b'-') as u64;
    const COLON: u64 = (b'0' ^ b':') as u64;
    const fn byte(at: u32) -> u64 {
        0xFF << (8 * at)
    }
    /// Whether every byte of `word` is below 10 and the separators' bytes are 0 (a byte of
    /// 0x80 or more fails the OR; below it, adding 0x76 carries into no other byte).
    fn in_form(word: u64, separators: u64) -> bool {
        (word | word.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080 == 0
            && word & separators == 0
    }
    fn digit(word: u64, at: u32) -> u32 {
        ((word >> (8 * at)) & 0xFF) as u32
    }
    fn two(word: u64, at: u32) -> u32 {
        digit(word, at) * 10 + digit(word, at + 1)
    }
    let word = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(*bytes.get(at..)?.first_chunk::<8>()?))
    };
    let len = bytes.len();
    if len != 10 && len != 16 && len != 19 {
        return None;
    }
    // The date's ten bytes as two words, 0..8 and 2..10.
    let (head, end) = (word(0)?, word(2)?);
    let (year, month, day) = if bytes[2] == b'/' {
        // dd/mm/yy and /mm/yyyy
        let head = head ^ DIGITS ^ (SLASH << 16) ^ (SLASH << 40);
        let end = end ^ DIGITS ^ SLASH ^ (SLASH << 24);
        if !in_form(head, byte(2) | byte(5)) || !in_form(end, byte(0) | byte(3)) {
            return None;
        }
        (two(end, 4) * 100 + two(end, 6), two(head, 3), two(head, 0))
    } else {
        // yyyy-mm- and yy-mm-dd
        let head = head ^ DIGITS ^ (DASH << 32) ^ (DASH << 56);
        let end = end ^ DIGITS ^ (DASH << 16) ^ (DASH << 40);
        if !in_form(head, byte(4) | byte(7)) || !in_form(end, byte(2) | byte(5)) {
            return None;
        }
        (two(head, 0) * 100 + two(head, 2), two(head, 5), two(end, 6))
    };
    if len > 10 {
        // ?? HH:MM, then HH:MM:SS
        let separator = bytes[10];
        if separator != b' ' && separator != b'T' {
            return None;
        }
        let time = word(8)? ^ DIGITS ^ (u64::from(b'0' ^ separator) << 16) ^ (COLON << 40);
        if !in_form(time, byte(2) | byte(5)) || two(time, 3) > 23 || two(time, 6) > 59 {
            return None;
        }
        if len == 19 {
            let time = word(11)? ^ DIGITS ^ (COLON << 16) ^ (COLON << 40);
            if !in_form(time, byte(2) | byte(5)) || two(time, 6) > 59 {
                return None;
            }
        }
    }
    day_in_years(year, month, day)
}

fn parse_date_inner(text: &str) -> Option<NaiveDate> {
    if let Some(day) = common_day(text.as_bytes()) {
        return Some(date_of(day));
    }
    parse_other_date(text)
}

/// The forms [`common_day`] does not read (nor a cell of its forms it refused, which this reads
/// again and refuses too, or finds out of the years for [`parse_date`] to say so).
fn parse_other_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.iter().all(u8::is_ascii_digit) {
        return match bytes.len() {
            // yyyyMMddHHmmss and yyyyMMdd: compact forms used by the national database exports.
            14 => {
                let date = ymd(&text[0..4], &text[4..6], &text[6..8])?;
                check_time(&text[8..10], &text[10..12], Some(&text[12..14]))?;
                Some(date)
            }
            8 => ymd(&text[0..4], &text[4..6], &text[6..8]),
            1..=6 => excel_serial(text.parse::<u32>().ok()?),
            _ => None,
        };
    }
    if let Some((whole, fraction)) = text.split_once('.') {
        // `45292.5`: an Excel serial with a time of day.
        if !whole.is_empty()
            && whole.len() <= 6
            && whole.bytes().all(|b| b.is_ascii_digit())
            && !fraction.is_empty()
            && fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return excel_serial(whole.parse::<u32>().ok()?);
        }
    }

    let (date_part, time_part) = match text.find(['T', ' ']) {
        Some(at) => (&text[..at], Some(text[at + 1..].trim_start())),
        None => (text, None),
    };
    let date = if let Some((y, rest)) = split_iso(date_part) {
        let (m, d) = rest.split_once('-')?;
        ymd(y, m, d)?
    } else {
        let sep = if date_part.contains('/') { '/' } else { '-' };
        let mut parts = date_part.split(sep);
        let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || d.len() > 2 || m.len() > 2 {
            return None;
        }
        ymd(y, m, d)?
    };
    if let Some(time) = time_part {
        let mut parts = time.split(':');
        let (h, mi, s) = (parts.next()?, parts.next()?, parts.next());
        if parts.next().is_some() {
            return None;
        }
        check_time(h, mi, s)?;
    }
    Some(date)
}

/// `yyyy-…`: the ISO order, told apart from `dd-mm-yyyy` by a four-digit first part.
fn split_iso(date_part: &str) -> Option<(&str, &str)> {
    let (y, rest) = date_part.split_once('-')?;
    (y.len() == 4).then_some((y, rest))
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) || m.len() > 2 || d.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn check_time(h: &str, mi: &str, s: Option<&str>) -> Option<()> {
    let field = |t: &str, max: u32| -> Option<()> {
        (!t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<u32>().ok())
            .flatten()
            .filter(|v| *v <= max)
            .map(|_| ())
    };
    field(h, 23)?;
    field(mi, 59)?;
    if let Some(s) = s {
        field(s, 59)?;
    }
    Some(())
}

/// Excel counts days from 1900-01-00 and wrongly treats 1900 as a leap year, so from serial 61
/// on the day is 1899-12-30 plus the serial. Serials that small are outside 2000–2100 anyway.
fn excel_serial(serial: u32) -> Option<NaiveDate> {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    epoch.checked_add_days(chrono::Days::new(u64::from(serial)))
}

/// Parses a VND amount. Groups of three digits separated by `.`, `,` or spaces are thousands;
/// a single separator followed by other than three digits is the decimal mark. Blank is 0.
/// `1.500.000` or `1,500,000`: one to three digits, then groups of three after the same mark,
/// read as the general rules below read them (a thousands mark), without building strings.
fn grouped_integer(bytes: &[u8]) -> Option<f64> {
    let first = bytes.iter().position(|b| !b.is_ascii_digit())?;
    let mark = bytes[first];
    let marks = (bytes.len() - first) / 4;
    if !(1..=3).contains(&first)
        || !matches!(mark, b'.' | b',')
        || !(bytes.len() - first).is_multiple_of(4)
        || bytes.len() - marks > 18
    {
        return None;
    }
    let mut value = 0u64;
    for (at, &byte) in bytes.iter().enumerate() {
        if at >= first && (at - first).is_multiple_of(4) {
            if byte != mark {
                return None;
            }
        } else if byte.is_ascii_digit() {
            value = value * 10 + u64::from(byte - b'0');
        } else {
            return None;
        }
    }
    Some(value as f64)
}

/// `str::trim`, without its character-by-character scan when the text starts and ends with a
/// visible ASCII character, as nearly every cell does.
#[inline]
pub fn trim(text: &str) -> &str {
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

pub fn parse_amount(text: &str) -> Result<f64, ValueError> {
    let invalid = || {
        ValueError::new(
            DefectClass::InvalidAmount,
            format!(
                "invalid amount {:?}: expected a number of đồng such as 1.500.000",
                text.trim()
            ),
        )
    };
    let mut rest = trim(text);
    // Most cells are plain digits, or digits in groups of three (`1.500.000`): no allocation
    // for them.
    if !rest.is_empty() && rest.len() <= 18 && rest.bytes().all(|b| b.is_ascii_digit()) {
        return rest.parse::<u64>().map(|v| v as f64).map_err(|_| invalid());
    }
    if let Some(value) = grouped_integer(rest.as_bytes()) {
        return Ok(value);
    }
    let mut cleaned = String::with_capacity(text.len());
    for suffix in ["VNĐ", "VND", "vnđ", "vnd", "Vnđ", "đồng", "₫", "đ", "Đ"] {
        if let Some(stripped) = rest.strip_suffix(suffix) {
            rest = stripped.trim_end();
            break;
        }
    }
    for ch in rest.chars() {
        if !ch.is_whitespace() {
            cleaned.push(ch);
        }
    }
    if cleaned.is_empty() {
        return Ok(0.0);
    }
    if !cleaned
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return Err(invalid());
    }
    let dots = cleaned.matches('.').count();
    let commas = cleaned.matches(',').count();
    let (thousands, decimal) = match (dots, commas) {
        (0, 0) => (None, None),
        (_, 0) if dots > 1 => (Some('.'), None),
        (0, _) if commas > 1 => (Some(','), None),
        (1, 0) | (0, 1) => {
            let sep = if dots == 1 { '.' } else { ',' };
            let (before, after) = cleaned.split_once(sep).ok_or_else(invalid)?;
            if after.len() == 3 && (1..=3).contains(&before.len()) {
                (Some(sep), None)
            } else {
                (None, Some(sep))
            }
        }
        _ => {
            // Both marks: whichever comes last is the decimal mark, and it appears once.
            let last_dot = cleaned.rfind('.').unwrap_or(0);
            let last_comma = cleaned.rfind(',').unwrap_or(0);
            if last_dot > last_comma {
                (Some(','), Some('.'))
            } else {
                (Some('.'), Some(','))
            }
        }
    };
    let (integer_part, fraction_part) = match decimal {
        Some(mark) => {
            let (i, f) = cleaned.rsplit_once(mark).ok_or_else(invalid)?;
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            (i, Some(f))
        }
        None => (cleaned.as_str(), None),
    };
    let digits: String = match thousands {
        Some(mark) => {
            let groups: Vec<&str> = integer_part.split(mark).collect();
            let first_ok = (1..=3).contains(&groups[0].len());
            let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
            if !first_ok
                || !rest_ok
                || groups
                    .iter()
                    .any(|g| !g.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(invalid());
            }
            groups.concat()
        }
        None => integer_part.to_string(),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let number = match fraction_part {
        Some(f) => format!("{digits}.{f}"),
        None => digits,
    };
    number.parse::<f64>().map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn a_date_read_a_word_at_a_time_is_the_date_the_general_reading_finds() {
        let forms = [
            "01/01/2021",
            "31/12/2099 23:59",
            "29/02/2024 23:59:59",
            "2021-01-13",
            "2000-01-01 08:52",
            "2100-12-31T08:52:00",
        ];
        // Bytes a cell may hold near a date: digits, every separator, the neighbours of '/'
        // and ':' (which differ from them in one bit) and bytes of a Vietnamese letter.
        let alphabet = b"0123456789/-: T.,;aZ\x00\x7f\xc3\xa0";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        let (mut taken, mut refused) = (0, 0);
        for form in forms {
            for _ in 0..100_000 {
                let mut cell = form.as_bytes().to_vec();
                // Up to three bytes changed, and now and then one added or removed.
                for _ in 0..next(4) {
                    let at = next(cell.len());
                    cell[at] = alphabet[next(alphabet.len())];
                }
                match next(16) {
                    0 => cell.insert(next(cell.len()), alphabet[next(alphabet.len())]),
                    1 => {
                        cell.remove(next(cell.len()));
                    }
                    _ => {}
                }
                let Ok(text) = std::str::from_utf8(&cell) else {
                    assert_eq!(common_day(&cell), None);
                    continue;
                };
                let general = parse_date(text).map(|date| date.map(day_of));
                match common_day(&cell) {
                    Some(day) => {
                        taken += 1;
                        assert_eq!(general, Ok(Some(day)), "{text:?}");
                    }
                    None => refused += 1,
                }
                assert_eq!(parse_day(text), general, "{text:?}");
                // parse_date reads the common forms the word way too: without it, the other
                // reading takes the same dates.
                let other = parse_other_date(trim(text))
                    .filter(|date| (MIN_YEAR..=MAX_YEAR).contains(&date.year()))
                    .map(day_of);
                assert_eq!(general.ok().flatten(), other, "{text:?}");
            }
        }
        assert!(taken > 100_000 && refused > 100_000, "{taken} {refused}");
        // Every day of the years a dossier can carry, at each form and time, is read the
        // short way.
        let mut date = NaiveDate::from_ymd_opt(MIN_YEAR, 1, 1);
        while let Some(day) = date.filter(|d| d.year() <= MAX_YEAR) {
            for text in [
                day.format("%d/%m/%Y").to_string(),
                day.format("%d/%m/%Y 23:59").to_string(),
                day.format("%Y-%m-%d 00:00:59").to_string(),
                day.format("%Y-%m-%dT12:30:00").to_string(),
            ] {
                assert_eq!(common_day(text.as_bytes()), Some(day_of(day)), "{text}");
            }
            date = day.succ_opt();
        }
        for text in [
            "2101-01-01",
            "1999-12-31",
            "31/04/2024",
            "29/02/2100",
            "00/01/2024",
        ] {
            assert_eq!(common_day(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn dates_in_every_export_format() {
        let cases = [
            ("01/01/2021 08:31", date(2021, 1, 1)),
            ("1/2/2024", date(2024, 2, 1)),
            ("05/01/2021", date(2021, 1, 5)),
            ("29/02/2024 23:59:59", date(2024, 2, 29)),
            ("15-03-2023", date(2023, 3, 15)),
            ("15-03-2023 17:00", date(2023, 3, 15)),
            ("2021-01-13 08:52:00", date(2021, 1, 13)),
            ("2021-01-13 08:52", date(2021, 1, 13)),
            ("2021-01-13", date(2021, 1, 13)),
            ("2021-01-13T08:52:00", date(2021, 1, 13)),
            ("20240115143000", date(2024, 1, 15)),
            ("20240115", date(2024, 1, 15)),
            ("45292", date(2024, 1, 1)),
            ("45292.5", date(2024, 1, 1)),
            ("  01/01/2021 08:31  ", date(2021, 1, 1)),
            ("", None),
            ("   ", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_date(text), Ok(want), "parse_date({text:?})");
        }
    }

    #[test]
    fn impossible_dates_are_defects() {
        for text in [
            "32/01/2021 09:00",
            "31/02/2024 08:15",
            "29/02/2023",
            "01/13/2024",
            "01/01/2021 25:00",
            "01/01/2021 10:61",
            "01/01/1999",
            "01/01/2101",
            "2024-02-30",
            "20241315000000",
            "12",
            "abc",
            "01/01/21",
            "01/01/2021 08",
            "1.5",
        ] {
            let err = parse_date(text).expect_err(text);
            assert_eq!(err.class, DefectClass::InvalidDate, "{text}");
        }
    }

    #[test]
    fn amounts_in_every_export_format() {
        let cases = [
            ("1.500.000", 1_500_000.0),
            ("1,500,000", 1_500_000.0),
            ("1 500 000", 1_500_000.0),
            ("1\u{a0}500\u{a0}000", 1_500_000.0),
            ("650.000", 650_000.0),
            ("650000", 650_000.0),
            ("1500000.0", 1_500_000.0),
            ("1500000,5", 1_500_000.5),
            ("1.500.000,5", 1_500_000.5),
            ("1,500,000.50", 1_500_000.5),
            ("1.500.000 đ", 1_500_000.0),
            ("1.500.000₫", 1_500_000.0),
            ("1.500.000 VNĐ", 1_500_000.0),
            ("200000 VND", 200_000.0),
            ("0", 0.0),
            ("", 0.0),
            ("  ", 0.0),
        ];
        for (text, want) in cases {
            assert_eq!(parse_amount(text), Ok(want), "parse_amount({text:?})");
        }
    }

    #[test]
    fn grouped_amounts_read_the_same_without_building_strings() {
        let cases = [
            ("1.500", Some(1_500.0)),
            ("12,345", Some(12_345.0)),
            ("0.500", Some(500.0)),
            ("999.999.999", Some(999_999_999.0)),
            ("123.456.789.012.345.678", Some(123_456_789_012_345_678.0)),
            // Anything else is left to the general rules.
            ("1.5000", None),
            ("1.50", None),
            ("1234.567", None),
            ("1.500,000", None),
            ("1,500.000", None),
            (".500", None),
            ("1.", None),
            ("1.50a", None),
            ("1.234.567.890.123.456.789", None),
        ];
        for (text, want) in cases {
            let fast = grouped_integer(text.as_bytes());
            assert_eq!(fast, want, "{text}");
            if let Some(fast) = fast {
                // With a currency suffix the same digits go the general way: both agree.
                assert_eq!(parse_amount(&format!("{text} đ")), Ok(fast), "{text}");
            }
        }
    }

    #[test]
    fn unreadable_amounts_are_defects() {
        for text in [
            "??",
            "1.5OO.OOO",
            "abc",
            "-500",
            "1.50.000",
            "1..000",
            "1.000,",
            ".",
            "1,5,00",
        ] {
            let err = parse_amount(text).expect_err(text);
            assert_eq!(err.class, DefectClass::InvalidAmount, "{text}");
        }
    }

    #[test]
    fn booleans() {
        let cases = [
            ("Có", true),
            ("có", true),
            ("x", true),
            ("X", true),
            ("1", true),
            ("true", true),
            ("TRUE", true),
            ("yes", true),
            ("y", true),
            ("Đã", true),
            ("Đã số hóa", true),
            ("Có tái sử dụng", true),
            ("Không", false),
            ("không", false),
            ("0", false),
            ("false", false),
            ("FALSE", false),
            ("no", false),
            ("n", false),
            ("Chưa", false),
            ("Chưa số hóa", false),
            ("Không liên thông", false),
            ("", false),
        ];
        for (text, want) in cases {
            assert_eq!(parse_bool(text), Ok(want), "parse_bool({text:?})");
        }
        assert!(parse_bool("maybe").is_err());
        assert!(parse_bool("Cóc").is_err());
    }
}
