//! The single reading pass: each file is opened once, its delimiter sniffed from the header line,
//! and every record parsed straight into the columnar [`Dossiers`] table. A record that cannot
//! be understood becomes a [`Defect`] with its record and physical line number, which is why the
//! `csv` crate reads the file rather than polars' CSV reader: only it reports where a record
//! starts when quoted fields span lines.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::columns::{Field, HeaderMap, HeaderMatcher};
use super::values::{self, Channel, DefectClass, ValueError};
use super::{
    Defect, Dictionary, Dossiers, InputSummary, ReadOutcome, LEVEL_UNKNOWN, RATING_NONE,
    RATING_NOT_SATISFIED, RATING_SATISFIED, STATUS_UNKNOWN,
};

/// How to read the inputs.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub matcher: HeaderMatcher,
}

/// Reads every input file into one table. Input errors (missing file, no required column) name
/// the file; defective rows are collected, not fatal.
pub fn read_inputs(paths: &[String], options: &ReadOptions) -> Result<ReadOutcome> {
    let mut outcome = ReadOutcome::default();
    for path in paths {
        read_file(path, options, &mut outcome).with_context(|| format!("reading {path}"))?;
    }
    Ok(outcome)
}

/// Bytes looked at to choose the delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

fn read_file(path: &str, options: &ReadOptions, outcome: &mut ReadOutcome) -> Result<()> {
    let file_path = Path::new(path);
    if file_path.is_dir() {
        bail!("{path} is a directory, not a CSV file");
    }
    let mut file = File::open(file_path).context("cannot open the file")?;
    let mut head = vec![0u8; SNIFF_BYTES];
    let head_len = read_up_to(&mut file, &mut head).context("cannot read the file")?;
    head.truncate(head_len);
    if head.iter().all(u8::is_ascii_whitespace) {
        bail!("the file is empty: expected a header line and one row per dossier");
    }
    if head.starts_with(b"PK\x03\x04") {
        bail!("this is an Excel workbook (.xlsx), not CSV: open it in Excel or LibreOffice and save it as CSV UTF-8");
    }
    let delimiter = sniff_delimiter(&head);
    let reader = BufReader::with_capacity(1 << 20, std::io::Cursor::new(head).chain(file));
    // Records end at LF only: with the csv crate's default CRLF handling a record's reported
    // start line is one short in CRLF files. The CR left on the last field is trimmed below.
    let mut csv_reader = csv::ReaderBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);

    let mut record = csv::ByteRecord::new();
    if !csv_reader
        .read_byte_record(&mut record)
        .context("cannot read the header line")?
    {
        bail!("the file is empty: expected a header line and one row per dossier");
    }
    let header_line = record.position().map_or(1, |p| p.line());
    let headers: Vec<String> = record
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .trim_end_matches('\r')
                .to_string()
        })
        .collect();
    let header_map = options.matcher.map_headers(&headers);
    check_required(&header_map)?;
    for field in Field::ALL {
        if !field.is_required() && !header_map.has(field) {
            outcome
                .missing_fields
                .entry(field)
                .or_default()
                .push(path.to_string());
        }
    }

    let mut parser = RowParser::new(path, &header_map);
    let mut summary = InputSummary {
        path: path.to_string(),
        rows: 0,
        defective: 0,
        blank_lines: 0,
        delimiter,
        header_line,
        header_map: headers
            .iter()
            .cloned()
            .zip(header_map.fields.iter().copied())
            .collect(),
    };
    loop {
        let more = match csv_reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(err) => {
                bail!(
                    "the CSV structure is broken after data record {}: {err}",
                    summary.rows
                )
            }
        };
        if !more {
            break;
        }
        if is_blank(&record) {
            // An empty line, or one of only delimiters as spreadsheets leave below the data:
            // no dossier, not a record.
            summary.blank_lines += 1;
            continue;
        }
        summary.rows += 1;
        let line = record.position().map_or(0, |p| p.line());
        match parser.parse(&record, &mut outcome.dossiers) {
            Ok(()) => {}
            Err(problem) => {
                summary.defective += 1;
                outcome
                    .defects
                    .push(problem.into_defect(path, summary.rows, line));
            }
        }
    }
    if summary.rows == 0 {
        bail!("the file has a header line but no data rows");
    }
    outcome.inputs.push(summary);
    Ok(())
}

fn is_blank(record: &csv::ByteRecord) -> bool {
    record
        .iter()
        .all(|field| field.iter().all(u8::is_ascii_whitespace))
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Picks `,`, `;` or tab: whichever occurs most often, outside quotes, on the first line.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let candidates = [b',', b';', b'\t'];
    let mut in_quotes = false;
    for &byte in head {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => break,
            _ if !in_quotes => {
                if let Some(i) = candidates.iter().position(|c| *c == byte) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], 3 - i)).unwrap_or(0);
    candidates[best]
}

fn check_required(header_map: &HeaderMap) -> Result<()> {
    let missing: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| f.is_required() && !header_map.has(*f))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let expected: Vec<String> = missing
        .iter()
        .map(|f| format!("{f} (one of: {})", f.aliases().join(", ")))
        .collect();
    bail!(
        "no column for the required field(s) {}.\n  headers found: {}\n  expected: {}\n  \
         If the export names the column differently, map it in the targets file, e.g. \
         [columns] {} = \"your header\"",
        missing
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", "),
        header_map.headers.join(" | "),
        expected.join("; "),
        missing[0].name(),
    )
}

/// Why one record was rejected, before it is placed in its file.
struct RowProblem {
    column: Option<String>,
    field: Option<Field>,
    value: Option<String>,
    class: DefectClass,
    reason: String,
}

impl RowProblem {
    fn into_defect(self, path: &str, record: u64, line: u64) -> Defect {
        Defect {
            path: path.to_string(),
            record,
            line,
            column: self.column,
            field: self.field.map(Field::name),
            value: self.value,
            class: self.class,
            reason: self.reason,
        }
    }
}

/// Vocabulary columns have few distinct spellings; remembering each spelling's meaning avoids
/// folding the same text millions of times. The cap keeps a column of free text from growing it.
struct Memo<T> {
    known: HashMap<Vec<u8>, Result<T, ValueError>>,
    parse: fn(&str) -> Result<T, ValueError>,
}

const MEMO_CAP: usize = 4096;

impl<T: Clone> Memo<T> {
    fn new(parse: fn(&str) -> Result<T, ValueError>) -> Self {
        Memo {
            known: HashMap::new(),
            parse,
        }
    }

    fn get(&mut self, raw: &[u8], text: &str) -> Result<T, ValueError> {
        if let Some(hit) = self.known.get(raw) {
            return hit.clone();
        }
        let parsed = (self.parse)(text);
        if self.known.len() < MEMO_CAP {
            self.known.insert(raw.to_vec(), parsed.clone());
        }
        parsed
    }
}

/// Positions of the mapped fields in one file, and the per-column memos.
struct RowParser<'a> {
    headers: &'a [String],
    expected_fields: usize,
    positions: Vec<(Field, usize)>,
    levels: Memo<Option<i32>>,
    channels: Memo<Channel>,
    statuses: Memo<Option<i32>>,
    payments: Memo<bool>,
    booleans: Memo<bool>,
    ratings: Memo<Option<bool>>,
}

/// One record's parsed values, filled in before anything is pushed so a defect leaves no trace.
#[derive(Default)]
struct ParsedRow {
    status: Option<i32>,
    channel: Option<Channel>,
    level: Option<i32>,
    fee: f64,
    charge: f64,
    paid_online: bool,
    result_digitized: bool,
    component_reused: bool,
    interagency: bool,
    transfer_electronic: bool,
    vneid_authenticated: bool,
    rating: Option<bool>,
    received: Option<NaiveDate>,
    finished: Option<NaiveDate>,
    returned: Option<NaiveDate>,
    due: Option<NaiveDate>,
    unit: Option<u32>,
    sector: Option<u32>,
    procedure: Option<u32>,
}

impl<'a> RowParser<'a> {
    fn new(_path: &str, header_map: &'a HeaderMap) -> Self {
        let positions = header_map
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.map(|f| (f, i)))
            .collect();
        RowParser {
            headers: &header_map.headers,
            expected_fields: header_map.headers.len(),
            positions,
            levels: Memo::new(values::parse_level),
            channels: Memo::new(values::parse_channel),
            statuses: Memo::new(values::parse_status),
            payments: Memo::new(values::parse_payment_online),
            booleans: Memo::new(values::parse_bool),
            ratings: Memo::new(values::parse_rating),
        }
    }

    fn parse(&mut self, record: &csv::ByteRecord, out: &mut Dossiers) -> Result<(), RowProblem> {
        if record.len() != self.expected_fields {
            return Err(RowProblem {
                column: None,
                field: None,
                value: None,
                class: DefectClass::FieldCount,
                reason: format!(
                    "wrong number of fields: expected {}, found {}",
                    self.expected_fields,
                    record.len()
                ),
            });
        }
        let mut row = ParsedRow::default();
        for index in 0..self.positions.len() {
            let (field, position) = self.positions[index];
            let mut raw = record.get(position).unwrap_or_default();
            if position + 1 == self.expected_fields {
                raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            }
            let problem = |class, reason: String, value: String| RowProblem {
                column: Some(self.headers[position].clone()),
                field: Some(field),
                value: Some(value),
                class,
                reason,
            };
            let text = match std::str::from_utf8(raw) {
                Ok(text) => text,
                Err(_) => {
                    return Err(problem(
                        DefectClass::InvalidEncoding,
                        "invalid UTF-8 bytes: the file is not in the encoding it seems to be"
                            .to_string(),
                        String::from_utf8_lossy(raw).into_owned(),
                    ))
                }
            };
            self.parse_field(field, raw, text, &mut row, out)
                .map_err(|e| problem(e.class, e.reason, text.to_string()))?;
        }
        let Some(received) = row.received else {
            // check_required guarantees the column; the cell itself was blank.
            return Err(self.missing(Field::ReceivedAt));
        };
        push_row(row, received, out);
        Ok(())
    }

    fn missing(&self, field: Field) -> RowProblem {
        let position = self
            .positions
            .iter()
            .find(|(f, _)| *f == field)
            .map(|p| p.1);
        RowProblem {
            column: position.map(|p| self.headers[p].clone()),
            field: Some(field),
            value: Some(String::new()),
            class: DefectClass::MissingRequired,
            reason: format!("required field {field} is blank"),
        }
    }

    fn parse_field(
        &mut self,
        field: Field,
        raw: &[u8],
        text: &str,
        row: &mut ParsedRow,
        dictionaries: &mut Dossiers,
    ) -> Result<(), ValueError> {
        match field {
            Field::DossierId => {
                if text.trim().is_empty() {
                    return Err(ValueError {
                        class: DefectClass::MissingRequired,
                        reason: format!("required field {field} is blank"),
                    });
                }
            }
            // Interned before the row is known to be valid: a defective row can leave a name in
            // the dictionary, but groups are listed from valid rows only.
            Field::ProcedureCode => row.procedure = group_id(&mut dictionaries.procedures, text),
            Field::Sector => row.sector = group_id(&mut dictionaries.sectors, text),
            Field::Unit => row.unit = group_id(&mut dictionaries.units, text),
            Field::ProcedureName => {}
            Field::ServiceLevel => row.level = self.levels.get(raw, text)?,
            Field::Channel => row.channel = Some(self.channels.get(raw, text)?),
            Field::SubmittedAt => {
                values::parse_date(text)?;
            }
            Field::ReceivedAt => {
                row.received = values::parse_date(text)?;
                if row.received.is_none() {
                    return Err(ValueError {
                        class: DefectClass::MissingRequired,
                        reason: format!("required field {field} is blank"),
                    });
                }
            }
            Field::DueAt => row.due = values::parse_date(text)?,
            Field::FinishedAt => row.finished = values::parse_date(text)?,
            Field::ReturnedAt => row.returned = values::parse_date(text)?,
            Field::Status => row.status = self.statuses.get(raw, text)?,
            Field::Fee => row.fee = values::parse_amount(text)?,
            Field::Charge => row.charge = values::parse_amount(text)?,
            Field::PaymentMethod => row.paid_online = self.payments.get(raw, text)?,
            Field::ResultDigitized => row.result_digitized = self.booleans.get(raw, text)?,
            Field::DossierDigitized => {
                self.booleans.get(raw, text)?;
            }
            Field::ComponentReused => row.component_reused = self.booleans.get(raw, text)?,
            Field::Interagency => row.interagency = self.booleans.get(raw, text)?,
            Field::TransferElectronic => row.transfer_electronic = self.booleans.get(raw, text)?,
            Field::VneidAuthenticated => row.vneid_authenticated = self.booleans.get(raw, text)?,
            Field::Satisfaction => row.rating = self.ratings.get(raw, text)?,
        }
        Ok(())
    }
}

/// Unit, sector and procedure code as group keys: trimmed and in NFC, so an NFD cell joins the
/// group of its NFC spelling. Blank is no group.
fn group_id(dictionary: &mut Dictionary, text: &str) -> Option<u32> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    if is_nfc_quick(trimmed.chars()) == IsNormalized::Yes {
        Some(dictionary.intern(trimmed))
    } else {
        Some(dictionary.intern(&trimmed.nfc().collect::<String>()))
    }
}

fn day_number(date: NaiveDate) -> i32 {
    (date - NaiveDate::default()).num_days() as i32
}

fn month_key(date: NaiveDate) -> i32 {
    date.year() * 100 + date.month() as i32
}

fn push_row(row: ParsedRow, received: NaiveDate, out: &mut Dossiers) {
    let end = row.finished.or(row.returned);
    out.status.push(row.status.unwrap_or(STATUS_UNKNOWN));
    out.channel
        .push(row.channel.unwrap_or(Channel::Direct) as i32);
    out.level.push(row.level.unwrap_or(LEVEL_UNKNOWN));
    out.fee_total.push(row.fee + row.charge);
    out.paid_online.push(row.paid_online);
    out.result_digitized.push(row.result_digitized);
    out.component_reused.push(row.component_reused);
    out.interagency.push(row.interagency);
    out.transfer_electronic.push(row.transfer_electronic);
    out.vneid_authenticated.push(row.vneid_authenticated);
    out.rating.push(match row.rating {
        None => RATING_NONE,
        Some(true) => RATING_SATISFIED,
        Some(false) => RATING_NOT_SATISFIED,
    });
    out.received_day.push(day_number(received));
    out.received_month.push(month_key(received));
    out.end_day.push(end.map(day_number));
    out.end_month.push(end.map(month_key));
    out.due_day.push(row.due.map(day_number));
    out.unit.push(row.unit);
    out.sector.push(row.sector);
    out.procedure.push(row.procedure);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_delimiter_from_the_header_line() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1;2;3;4;5"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;x\",b,c"), b',');
        assert_eq!(sniff_delimiter(b"single"), b',');
    }
}
