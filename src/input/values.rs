//! Value parsers for the vocabularies of DOMAIN.md §1: dates, amounts, levels, channels, statuses,
//! payment methods, booleans and ratings.
//!
//! Each parser is a small pure function from the cell text to a typed value or a [`ValueError`]
//! that says why the text was not understood. Blank cells have a meaning of their own for most
//! fields (blank channel = direct, blank amount = 0, blank boolean = false), decided here.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::columns::Field;
use super::fold::fold;

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

/// Online service level after Decree 42/2022: 2 = information only (levels 1–2),
/// 3 = một phần (partly online), 4 = toàn trình (fully online).
pub type Level = i32;

/// Submission channel, numbered by the national codes: 1 direct, 2 online, 3 postal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Direct = 1,
    Online = 2,
    Postal = 3,
}

/// National dossier status code, 1..=10 (see DOMAIN.md §1 for the meanings).
pub type StatusCode = i32;

/// `Mức độ`: blank is unknown (`None`), which is not level 3/4.
pub fn parse_level(text: &str) -> Result<Option<Level>, ValueError> {
    let folded = fold(text);
    let level = match folded.as_str() {
        "" => return Ok(None),
        "1"
        | "2"
        | "muc 1"
        | "muc 2"
        | "muc do 1"
        | "muc do 2"
        | "dich vu cung cap thong tin"
        | "dvc thong tin"
        | "dvc cung cap thong tin" => 2,
        "3"
        | "muc 3"
        | "muc do 3"
        | "mot phan"
        | "dvctt mot phan"
        | "dvc truc tuyen mot phan"
        | "dich vu cong truc tuyen mot phan" => 3,
        "4"
        | "muc 4"
        | "muc do 4"
        | "toan trinh"
        | "dvctt toan trinh"
        | "dvc truc tuyen toan trinh"
        | "dich vu cong truc tuyen toan trinh" => 4,
        _ => return Err(unknown("service level", text)),
    };
    Ok(Some(level))
}

/// `Hình thức nộp`: blank means the dossier was handed in at the counter (Decision 766 rule).
pub fn parse_channel(text: &str) -> Result<Channel, ValueError> {
    let folded = fold(text);
    match folded.as_str() {
        "" | "1" | "truc tiep" | "tai quay" | "nop truc tiep" | "in person" | "direct" => {
            Ok(Channel::Direct)
        }
        "2"
        | "truc tuyen"
        | "online"
        | "qua mang"
        | "dich vu cong truc tuyen"
        | "cong dich vu cong"
        | "nop truc tuyen" => Ok(Channel::Online),
        "3" | "buu chinh" | "buu chinh cong ich" | "bcci" | "qua buu dien" | "postal" => {
            Ok(Channel::Postal)
        }
        _ => Err(unknown("channel", text)),
    }
}

/// `Trạng thái`: the national 10-code list, its Vietnamese words and English names.
/// Blank is `None`: the row is then treated as if the export had no status column.
pub fn parse_status(text: &str) -> Result<Option<StatusCode>, ValueError> {
    let folded = fold(text);
    let code = match folded.as_str() {
        "" => return Ok(None),
        "1" | "moi dang ky" | "new" => 1,
        "2" | "duoc tiep nhan" | "da tiep nhan" | "received" => 2,
        "3" | "khong duoc tiep nhan" | "tu choi tiep nhan" | "refused" => 3,
        "4" | "dang xu ly" | "dang giai quyet" | "processing" => 4,
        "5" | "yeu cau bo sung" | "cho bo sung" | "awaiting supplement" => 5,
        "6"
        | "yeu cau thuc hien nghia vu tai chinh"
        | "cho thuc hien nghia vu tai chinh"
        | "awaiting payment" => 6,
        "7" | "cong dan yeu cau rut ho so" | "rut ho so" | "da rut" | "withdrawn" => 7,
        "8" | "dung xu ly" | "tra lai" | "tu choi giai quyet" | "stopped" => 8,
        "9" | "da xu ly xong" | "da co ket qua" | "hoan thanh" | "resolved" => 9,
        "10" | "da tra ket qua" | "returned" => 10,
        _ => return Err(unknown("status", text)),
    };
    Ok(Some(code))
}

/// `Hình thức thanh toán`: true only for payment through the national payment platform or a
/// provincial gateway. A bank transfer at the counter (`Chuyển khoản`) is not online payment.
pub fn parse_payment_online(text: &str) -> Result<bool, ValueError> {
    let folded = fold(text);
    match folded.as_str() {
        "truc tuyen"
        | "thanh toan truc tuyen"
        | "online"
        | "cong thanh toan"
        | "nen tang thanh toan"
        | "1"
        | "2" => Ok(true),
        "" | "tien mat" | "chuyen khoan" | "truc tiep" | "khong" | "0" | "cash"
        | "bank transfer" => Ok(false),
        _ => Err(unknown("payment method", text)),
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

/// `Đánh giá`: `Some(true)` satisfied, `Some(false)` rated but not satisfied, `None` not rated.
pub fn parse_rating(text: &str) -> Result<Option<bool>, ValueError> {
    let folded = fold(text);
    match folded.as_str() {
        "" => Ok(None),
        "rat hai long" | "hai long" | "very satisfied" | "satisfied" => Ok(Some(true)),
        "binh thuong" | "khong hai long" | "rat khong hai long" | "neutral" | "dissatisfied"
        | "very dissatisfied" => Ok(Some(false)),
        _ => Err(unknown("rating", text)),
    }
}

/// Spellings a user adds in the targets file (`[values.<field>]`), by folded text. They are
/// consulted before the built-in vocabulary, so they can also change a built-in meaning.
#[derive(Debug, Clone, Default)]
pub struct Spellings {
    levels: HashMap<String, Option<Level>>,
    channels: HashMap<String, Channel>,
    statuses: HashMap<String, Option<StatusCode>>,
    booleans: HashMap<Field, HashMap<String, bool>>,
    ratings: HashMap<String, Option<bool>>,
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
        match field {
            Field::ServiceLevel => {
                let level = match meaning {
                    "2" | "info" => Some(2),
                    "3" | "partial" => Some(3),
                    "4" | "full" => Some(4),
                    "unknown" => None,
                    _ => return bad("info (2), partial (3), full (4), unknown"),
                };
                self.levels.insert(key, level);
            }
            Field::Channel => {
                let channel = match meaning {
                    "direct" => Channel::Direct,
                    "online" => Channel::Online,
                    "postal" => Channel::Postal,
                    _ => return bad("direct, online, postal"),
                };
                self.channels.insert(key, channel);
            }
            Field::Status => {
                let english = [
                    "new",
                    "received",
                    "refused",
                    "processing",
                    "awaiting_supplement",
                    "awaiting_payment",
                    "withdrawn",
                    "stopped",
                    "resolved",
                    "returned",
                ];
                let code = match meaning.parse::<i32>() {
                    Ok(code) if (1..=10).contains(&code) => code,
                    _ => match english.iter().position(|e| *e == meaning) {
                        Some(i) => i as i32 + 1,
                        None => return bad("a code 1–10 or new, received, refused, processing, awaiting_supplement, awaiting_payment, withdrawn, stopped, resolved, returned"),
                    },
                };
                self.statuses.insert(key, Some(code));
            }
            Field::PaymentMethod => {
                let online = match meaning {
                    "online" => true,
                    "not_online" => false,
                    _ => return bad("online, not_online"),
                };
                self.booleans.entry(field).or_default().insert(key, online);
            }
            yes_no if yes_no.is_yes_no() => {
                let value = match meaning {
                    "true" | "yes" => true,
                    "false" | "no" => false,
                    _ => return bad("true, false"),
                };
                self.booleans.entry(field).or_default().insert(key, value);
            }
            Field::Satisfaction => {
                let rating = match meaning {
                    "satisfied" => Some(true),
                    "not_satisfied" => Some(false),
                    "not_rated" => None,
                    _ => return bad("satisfied, not_satisfied, not_rated"),
                };
                self.ratings.insert(key, rating);
            }
            _ => {
                return Err(format!(
                    "{field} has no vocabulary: its values are text, dates or amounts"
                ))
            }
        }
        Ok(())
    }

    pub fn levels(&self) -> HashMap<String, Option<Level>> {
        self.levels.clone()
    }
    pub fn channels(&self) -> HashMap<String, Channel> {
        self.channels.clone()
    }
    pub fn statuses(&self) -> HashMap<String, Option<StatusCode>> {
        self.statuses.clone()
    }
    pub fn booleans(&self, field: Field) -> HashMap<String, bool> {
        self.booleans.get(&field).cloned().unwrap_or_default()
    }
    pub fn ratings(&self) -> HashMap<String, Option<bool>> {
        self.ratings.clone()
    }
}

fn unknown(what: &str, text: &str) -> ValueError {
    ValueError::new(
        DefectClass::UnknownValue,
        format!("unknown {what} {:?}", text.trim()),
    )
}

/// The earliest and latest years a real dossier can carry (DOMAIN.md §1).
const MIN_YEAR: i32 = 2000;
const MAX_YEAR: i32 = 2100;

/// Parses a local date-time and keeps its calendar date: indicators compare dates, never times
/// (an on-time result may land on the due date after the due hour). The time part, when present,
/// must still be a real time. Blank is `None`.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, ValueError> {
    let text = text.trim();
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

/// `dd/mm/yyyy[ HH:MM[:SS]]` and `yyyy-mm-dd[ HH:MM[:SS]]`, the forms nearly every export uses,
/// read straight from the bytes; anything else goes the general way.
fn parse_common_date(bytes: &[u8]) -> Option<Option<NaiveDate>> {
    fn number(digits: &[u8]) -> Option<u32> {
        digits.iter().try_fold(0u32, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    }
    if bytes.len() < 10 {
        return None;
    }
    let (y, m, d) = match (bytes[2], bytes[5], bytes[4], bytes[7]) {
        (b'/', b'/', _, _) => (&bytes[6..10], &bytes[3..5], &bytes[0..2]),
        (_, _, b'-', b'-') => (&bytes[0..4], &bytes[5..7], &bytes[8..10]),
        _ => return None,
    };
    let time_ok = match &bytes[10..] {
        [] => true,
        [b' ' | b'T', h1, h2, b':', m1, m2] => {
            number(&[*h1, *h2])? <= 23 && number(&[*m1, *m2])? <= 59
        }
        [b' ' | b'T', h1, h2, b':', m1, m2, b':', s1, s2] => {
            number(&[*h1, *h2])? <= 23 && number(&[*m1, *m2])? <= 59 && number(&[*s1, *s2])? <= 59
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(number(y)? as i32, number(m)?, number(d)?);
    Some(date.filter(|_| time_ok))
}

fn parse_date_inner(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if let Some(parsed) = parse_common_date(bytes) {
        return parsed;
    }
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
    let mut rest = text.trim();
    // Most cells are plain digits: no allocation for them.
    if !rest.is_empty() && rest.len() <= 18 && rest.bytes().all(|b| b.is_ascii_digit()) {
        return rest.parse::<u64>().map(|v| v as f64).map_err(|_| invalid());
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
    fn levels() {
        let cases = [
            ("1", Some(2)),
            ("2", Some(2)),
            ("Mức 2", Some(2)),
            ("Mức độ 2", Some(2)),
            ("Dịch vụ cung cấp thông tin", Some(2)),
            ("DVC thông tin", Some(2)),
            ("3", Some(3)),
            ("Mức 3", Some(3)),
            ("MỨC ĐỘ 3", Some(3)),
            ("Một phần", Some(3)),
            ("DVCTT một phần", Some(3)),
            ("4", Some(4)),
            ("Mức 4", Some(4)),
            ("Mức độ 4", Some(4)),
            ("Toàn trình", Some(4)),
            ("DVCTT toàn trình", Some(4)),
            ("  toàn   trình ", Some(4)),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_level(text), Ok(want), "parse_level({text:?})");
        }
        assert_eq!(
            parse_level("Mức 5").unwrap_err().class,
            DefectClass::UnknownValue
        );
    }

    #[test]
    fn channels_with_blank_as_direct() {
        let cases = [
            ("", Channel::Direct),
            ("1", Channel::Direct),
            ("Trực tiếp", Channel::Direct),
            ("Tại quầy", Channel::Direct),
            ("Nộp trực tiếp", Channel::Direct),
            ("in_person", Channel::Direct),
            ("2", Channel::Online),
            ("Trực tuyến", Channel::Online),
            ("Online", Channel::Online),
            ("Qua mạng", Channel::Online),
            ("Dịch vụ công trực tuyến", Channel::Online),
            ("Cổng dịch vụ công", Channel::Online),
            ("3", Channel::Postal),
            ("Bưu chính", Channel::Postal),
            ("Bưu chính công ích", Channel::Postal),
            ("BCCI", Channel::Postal),
            ("Qua bưu điện", Channel::Postal),
            ("postal", Channel::Postal),
        ];
        for (text, want) in cases {
            assert_eq!(parse_channel(text), Ok(want), "parse_channel({text:?})");
        }
        assert!(parse_channel("Fax").is_err());
    }

    #[test]
    fn statuses_by_code_word_and_english_name() {
        let cases = [
            ("1", Some(1)),
            ("Mới đăng ký", Some(1)),
            ("Được tiếp nhận", Some(2)),
            ("Đã tiếp nhận", Some(2)),
            ("Không được tiếp nhận", Some(3)),
            ("Từ chối tiếp nhận", Some(3)),
            ("Đang xử lý", Some(4)),
            ("Đang giải quyết", Some(4)),
            ("Yêu cầu bổ sung", Some(5)),
            ("Chờ bổ sung", Some(5)),
            ("Yêu cầu thực hiện nghĩa vụ tài chính", Some(6)),
            ("Chờ thực hiện nghĩa vụ tài chính", Some(6)),
            ("Công dân yêu cầu rút hồ sơ", Some(7)),
            ("Rút hồ sơ", Some(7)),
            ("Đã rút", Some(7)),
            ("Dừng xử lý", Some(8)),
            ("Trả lại", Some(8)),
            ("Từ chối giải quyết", Some(8)),
            ("Đã xử lý xong", Some(9)),
            ("Đã có kết quả", Some(9)),
            ("Hoàn thành", Some(9)),
            ("Đã trả kết quả", Some(10)),
            ("ĐÃ TRẢ KẾT QUẢ", Some(10)),
            ("10", Some(10)),
            ("new", Some(1)),
            ("received", Some(2)),
            ("refused", Some(3)),
            ("processing", Some(4)),
            ("awaiting_supplement", Some(5)),
            ("awaiting_payment", Some(6)),
            ("withdrawn", Some(7)),
            ("stopped", Some(8)),
            ("resolved", Some(9)),
            ("returned", Some(10)),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_status(text), Ok(want), "parse_status({text:?})");
        }
        for text in ["11", "Quá hạn", "0"] {
            assert_eq!(
                parse_status(text).unwrap_err().class,
                DefectClass::UnknownValue
            );
        }
    }

    #[test]
    fn payment_methods_where_bank_transfer_is_not_online() {
        let cases = [
            ("Trực tuyến", true),
            ("Thanh toán trực tuyến", true),
            ("truc-tuyen", true),
            ("Online", true),
            ("Cổng thanh toán", true),
            ("Nền tảng thanh toán", true),
            ("1", true),
            ("2", true),
            ("Tiền mặt", false),
            ("tien-mat", false),
            ("Chuyển khoản", false),
            ("chuyen-khoan", false),
            ("Trực tiếp", false),
            ("truc-tiep", false),
            ("Không", false),
            ("0", false),
            ("", false),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_payment_online(text),
                Ok(want),
                "parse_payment_online({text:?})"
            );
        }
        assert!(parse_payment_online("Séc").is_err());
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

    #[test]
    fn ratings() {
        let cases = [
            ("Rất hài lòng", Some(true)),
            ("Hài lòng", Some(true)),
            ("very_satisfied", Some(true)),
            ("satisfied", Some(true)),
            ("Bình thường", Some(false)),
            ("Không hài lòng", Some(false)),
            ("Rất không hài lòng", Some(false)),
            ("neutral", Some(false)),
            ("dissatisfied", Some(false)),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rating(text), Ok(want), "parse_rating({text:?})");
        }
        assert!(parse_rating("5 sao").is_err());
    }
}
