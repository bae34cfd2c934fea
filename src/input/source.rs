//! A record source: everything about an input file's bytes and nothing about what its rows
//! mean. It opens the file (encoding, dialect, header search), hashes every byte for provenance,
//! splits records on one thread while a [`Consumer`] parses them on the other, counts lines, and
//! turns every problem into a [`Defect`] with its file, record, line and column.
//!
//! Dossier exports, procedure catalogues and facts files are three consumers of this one source
//! (DOMAIN.md §1, §4, §5: "read with every rule of §1").

use std::collections::HashMap;
use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{bail, Context, Result};
use encoding_rs::Encoding;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

use super::columns::{HeaderMap, SchemaField};
use super::open::{self, Dialect};
use super::records::{Problem, RawRecord, Splitter, FIELD_LIMIT};
use super::values::DefectClass;
use super::workbook;
use super::{Defect, DefectLog};

/// How to read the bytes of every input: what `--encoding`, `--delimiter` and `--sheet` force.
#[derive(Debug, Clone, Default)]
pub struct SourceOptions {
    pub encoding: Option<&'static Encoding>,
    pub delimiter: Option<u8>,
    /// The sheet to read in every workbook (default: the first).
    pub sheet: Option<String>,
}

/// Why one record was rejected, before it is placed in its file.
#[derive(Debug, Clone)]
pub struct RowProblem {
    /// The header as written, `None` for a wrong number of fields.
    pub column: Option<String>,
    pub field: Option<&'static str>,
    pub value: Option<String>,
    pub class: DefectClass,
    pub reason: String,
}

impl RowProblem {
    fn into_defect(self, path: &str, record: u64, line: u64) -> Defect {
        Defect {
            path: path.to_string(),
            record,
            line,
            column: self.column,
            field: self.field,
            value: self.value,
            class: self.class,
            reason: self.reason,
        }
    }
}

impl RowProblem {
    /// A record with more or fewer fields than the header.
    pub fn field_count(expected: usize, found: usize) -> RowProblem {
        RowProblem {
            column: None,
            field: None,
            value: None,
            class: DefectClass::FieldCount,
            reason: format!("wrong number of fields: expected {expected}, found {found}"),
        }
    }
}

/// A record's mapped cells by field (with their position), after checking the field count and
/// the encoding: what the catalogue and facts consumers start each record with.
pub fn mapped_cells<'r, F: SchemaField>(
    map: &HeaderMap<F>,
    record: &'r Record<'_>,
) -> Result<HashMap<F, (usize, &'r str)>, RowProblem> {
    if record.len() != map.headers.len() {
        return Err(RowProblem::field_count(map.headers.len(), record.len()));
    }
    let mut cells = HashMap::new();
    for (position, field) in map.fields.iter().enumerate() {
        let Some(field) = field else { continue };
        let text = record.text(position).map_err(|_| RowProblem {
            column: Some(map.headers[position].clone()),
            field: Some(field.name()),
            value: Some(String::from_utf8_lossy(record.bytes(position)).into_owned()),
            class: DefectClass::InvalidEncoding,
            reason: "invalid UTF-8 bytes: the file is not in the encoding it seems to be \
                     (try --encoding windows-1258)"
                .to_string(),
        })?;
        cells.insert(*field, (position, text));
    }
    Ok(cells)
}

/// What a kind of input does with its records.
pub trait Consumer {
    /// True when a header cell names one of this kind's fields: the header line is the one with
    /// the most such cells.
    fn is_header(&self, cell: &str) -> bool;
    /// The file's header, as written: map it, or refuse the file (no required column).
    fn begin(&mut self, headers: &[String]) -> Result<()>;
    /// One data record (never a blank line): keep it, or say why it is defective.
    fn record(&mut self, record: &Record<'_>) -> Result<(), RowProblem>;
    /// The canonical field of a column, for defects the source itself finds.
    fn field_at(&self, _position: usize) -> Option<&'static str> {
        None
    }
}

/// What the source learnt about one file.
#[derive(Debug, Clone)]
pub struct SourceSummary {
    /// Data records read (header excluded), defective ones included.
    pub rows: u64,
    pub defective: u64,
    /// Empty lines (or lines of only delimiters) skipped; not records.
    pub blank_lines: u64,
    pub dialect: Dialect,
    /// SHA-256 of the file's bytes, for provenance.
    pub sha256: String,
}

/// Reads one input file, CSV or workbook, into `consumer`.
pub fn read_path(
    path: &str,
    options: &SourceOptions,
    consumer: &mut dyn Consumer,
    defects: &mut DefectLog,
    noun: &str,
) -> Result<SourceSummary> {
    let (mut file, progress) = open_file(path)?;
    let mut head = [0u8; 8];
    let head_len = open::read_up_to(&mut file, &mut head)?;
    let head = &head[..head_len];
    let result = if workbook::is_workbook(path, head) {
        let mut bytes = head.to_vec();
        file.read_to_end(&mut bytes)
            .context("cannot read the file")?;
        read_workbook(&bytes, options, consumer, defects, noun, path)
    } else {
        let whole = std::io::Cursor::new(head.to_vec()).chain(file);
        read_records(path, whole, options, consumer, defects, noun)
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    result
}

/// Reads one sheet of a workbook into `consumer`: the header is the row among the first 20 with
/// the most known header names; a defect's line is the sheet's row number.
fn read_workbook(
    bytes: &[u8],
    options: &SourceOptions,
    consumer: &mut dyn Consumer,
    defects: &mut DefectLog,
    noun: &str,
    path: &str,
) -> Result<SourceSummary> {
    let sheet = workbook::read_sheet(bytes, options.sheet.as_deref())?;
    let mut best: Option<(usize, usize)> = None;
    for (index, (_, cells)) in sheet
        .rows
        .iter()
        .take(open::HEADER_SEARCH_LINES)
        .enumerate()
    {
        let matches = cells.iter().filter(|c| consumer.is_header(c)).count();
        if matches > 0 && best.is_none_or(|(m, _)| matches > m) {
            best = Some((matches, index));
        }
    }
    let header_index = best.map_or(0, |(_, index)| index);
    let (header_row, headers) = &sheet.rows[header_index];
    consumer.begin(headers)?;
    let mut summary = SourceSummary {
        rows: 0,
        defective: 0,
        blank_lines: 0,
        dialect: Dialect {
            encoding: encoding_rs::UTF_8,
            encoding_source: "workbook",
            bom: false,
            delimiter: b',',
            header_line: *header_row,
            notes: Vec::new(),
            sheet: Some(sheet.name.clone()),
        },
        sha256: hex(&Sha256::digest(bytes)),
    };
    let width = headers.len();
    for (row, cells) in &sheet.rows[header_index + 1..] {
        if cells.iter().all(|c| c.trim().is_empty()) {
            summary.blank_lines += 1;
            continue;
        }
        summary.rows += 1;
        // A sheet row is as wide as the used range: trailing empty cells are not extra fields.
        let mut cells = cells.clone();
        while cells.len() > width && cells.last().is_some_and(|c| c.is_empty()) {
            cells.pop();
        }
        let split = SplitRecord::from_cells(&cells, *row);
        if let Err(problem) = consumer.record(&Record { split: &split }) {
            summary.defective += 1;
            defects.push(problem.into_defect(path, summary.rows, *row));
        }
    }
    if summary.rows == 0 && noun == "dossier" {
        bail!(
            "the sheet {:?} has a header row but no data rows",
            sheet.name
        );
    }
    Ok(summary)
}

/// Opens `path` for reading: a directory or a missing file is an error naming it.
pub fn open_file(path: &str) -> Result<(Box<dyn Read + Send>, Option<ProgressBar>)> {
    let file_path = Path::new(path);
    if file_path.is_dir() {
        bail!("{path} is a directory, not a CSV file");
    }
    let file = File::open(file_path).context("cannot open the file")?;
    Ok(with_progress(file, path))
}

/// Inputs larger than this get a progress bar, when stderr is a terminal.
const PROGRESS_BYTES: u64 = 50 * 1024 * 1024;

/// Wraps a large file in a progress bar on stderr; small files and non-terminals get none.
fn with_progress(file: File, path: &str) -> (Box<dyn Read + Send>, Option<ProgressBar>) {
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size < PROGRESS_BYTES || !std::io::stderr().is_terminal() {
        return (Box::new(file), None);
    }
    let bar = ProgressBar::new(size);
    let style = ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(format!("reading {path}"));
    (Box::new(bar.wrap_read(file)), Some(bar))
}

/// Feeds every byte read through SHA-256, so provenance costs no second pass over the file.
struct HashingReader<R> {
    inner: R,
    hasher: Arc<Mutex<Sha256>>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .update(&buf[..n]);
        Ok(n)
    }
}

/// Records travel from the splitting thread to the parsing thread in batches of this many.
const BATCH_RECORDS: usize = 1024;

/// One record as the splitting thread hands it over: already checked to be UTF-8 (the common
/// case, so the parsing thread never validates it again), or raw bytes whose bad field the
/// consumer finds.
struct SplitRecord {
    content: Content,
    ends: Vec<usize>,
    line: u64,
    problem: Option<Problem>,
}

enum Content {
    Text(String),
    Bytes(Vec<u8>),
}

impl SplitRecord {
    fn from_raw(raw: RawRecord) -> SplitRecord {
        // Validating UTF-8 was a tenth of all the work on a Vietnamese export (std checks
        // non-ASCII text a byte at a time); simdutf8 checks it with SIMD.
        let content = if simdutf8::basic::from_utf8(&raw.bytes).is_ok() {
            // SAFETY: simdutf8 has just validated these bytes as UTF-8.
            Content::Text(unsafe { String::from_utf8_unchecked(raw.bytes) })
        } else {
            Content::Bytes(raw.bytes)
        };
        SplitRecord {
            content,
            ends: raw.ends,
            line: raw.line,
            problem: raw.problem,
        }
    }

    /// A workbook row: its cells are already separate texts.
    fn from_cells(cells: &[String], line: u64) -> SplitRecord {
        let mut text = String::with_capacity(cells.iter().map(String::len).sum());
        let mut ends = Vec::with_capacity(cells.len());
        for cell in cells {
            text.push_str(cell);
            ends.push(text.len());
        }
        SplitRecord {
            content: Content::Text(text),
            ends,
            line,
            problem: None,
        }
    }

    /// Gives the buffers back for the next records.
    fn into_raw(self) -> RawRecord {
        RawRecord {
            bytes: match self.content {
                Content::Text(text) => text.into_bytes(),
                Content::Bytes(bytes) => bytes,
            },
            ends: self.ends,
            line: 0,
            problem: None,
        }
    }

    fn all_bytes(&self) -> &[u8] {
        match &self.content {
            Content::Text(text) => text.as_bytes(),
            Content::Bytes(bytes) => bytes,
        }
    }

    fn range(&self, index: usize) -> Option<std::ops::Range<usize>> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        Some(start..end)
    }

    fn is_blank(&self) -> bool {
        self.problem.is_none() && self.all_bytes().iter().all(u8::is_ascii_whitespace)
    }
}

/// One data record, as a consumer reads it.
pub struct Record<'a> {
    split: &'a SplitRecord,
}

impl<'a> Record<'a> {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.split.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.split.ends.is_empty()
    }

    /// 1-based physical line where the record starts.
    pub fn line(&self) -> u64 {
        self.split.line
    }

    /// The raw bytes of a field (empty when there is no such field).
    pub fn bytes(&self, index: usize) -> &'a [u8] {
        self.split
            .range(index)
            .and_then(|r| self.split.all_bytes().get(r))
            .unwrap_or_default()
    }

    /// A field as text, or an `invalid_encoding` problem naming its column.
    pub fn text(&self, index: usize) -> Result<&'a str, std::str::Utf8Error> {
        match &self.split.content {
            Content::Text(text) => Ok(self
                .split
                .range(index)
                .and_then(|r| text.get(r))
                .unwrap_or_default()),
            Content::Bytes(_) => std::str::from_utf8(self.bytes(index)),
        }
    }
}

/// A batch of records in file order, or the read error that ended the file.
type Batch = std::result::Result<Vec<SplitRecord>, std::io::Error>;

/// The splitting half of the reading pass, on its own thread: splitting records (and decoding and
/// hashing the bytes under them) costs about as much as parsing their values, so the two halves
/// run side by side. Batches come back through `recycled` to reuse their buffers.
fn split_records<R: Read>(
    mut splitter: Splitter<R>,
    batches: SyncSender<Batch>,
    recycled: Receiver<Vec<RawRecord>>,
) {
    loop {
        let mut buffers = recycled.try_recv().unwrap_or_default();
        let mut batch = Vec::with_capacity(BATCH_RECORDS);
        let mut failure = None;
        while batch.len() < BATCH_RECORDS {
            let mut record = buffers.pop().unwrap_or_default();
            match splitter.read_record(&mut record) {
                Ok(true) => batch.push(SplitRecord::from_raw(record)),
                Ok(false) => break,
                Err(err) => {
                    failure = Some(err);
                    break;
                }
            }
        }
        let finished = batch.len() < BATCH_RECORDS;
        // A closed channel means the parsing side has stopped: nothing left to do.
        if batches.send(Ok(batch)).is_err() {
            return;
        }
        if let Some(err) = failure {
            let _ = batches.send(Err(err));
            return;
        }
        if finished {
            return;
        }
    }
}

/// Reads one file from any byte stream into `consumer`; `path` names it in messages and defects.
/// `noun` says what one row is ("dossier", "procedure", "figure") in the empty-file message.
pub fn read_records<R: Read + Send + 'static>(
    path: &str,
    raw: R,
    options: &SourceOptions,
    consumer: &mut dyn Consumer,
    defects: &mut DefectLog,
    noun: &str,
) -> Result<SourceSummary> {
    let hasher = Arc::new(Mutex::new(Sha256::new()));
    let raw = HashingReader {
        inner: raw,
        hasher: Arc::clone(&hasher),
    };
    let (dialect, stream) = open::open(raw, options.encoding, options.delimiter, &|cell| {
        consumer.is_header(cell)
    })?;
    let mut splitter = Splitter::new(stream, dialect.delimiter);

    let mut record = RawRecord::default();
    // Title rows above the header (as Excel exports have) are skipped.
    loop {
        if !splitter
            .read_record(&mut record)
            .context("cannot read the header line")?
        {
            bail!("the file is empty: expected a header line and one row per {noun}");
        }
        if record.line >= dialect.header_line {
            break;
        }
    }
    if record.problem.is_some() {
        bail!(
            "the header line (line {}) cannot be read: a quote is left open or a header is over 1 MiB",
            record.line
        );
    }
    let headers: Vec<String> = record
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    consumer.begin(&headers)?;

    let mut summary = SourceSummary {
        rows: 0,
        defective: 0,
        blank_lines: 0,
        dialect: Dialect {
            header_line: record.line,
            ..dialect
        },
        sha256: String::new(),
    };
    std::thread::scope(|scope| -> Result<()> {
        let (batches, incoming) = std::sync::mpsc::sync_channel::<Batch>(4);
        let (recycle, recycled) = std::sync::mpsc::channel();
        scope.spawn(move || split_records(splitter, batches, recycled));
        for batch in incoming {
            let records = match batch {
                Ok(records) => records,
                Err(err) => {
                    return Err(err).with_context(|| {
                        format!("reading failed after data record {}", summary.rows)
                    })
                }
            };
            for split in &records {
                if split.is_blank() {
                    // An empty line, or one of only delimiters as spreadsheets leave below the
                    // data: not a record.
                    summary.blank_lines += 1;
                    continue;
                }
                summary.rows += 1;
                let outcome = match split.problem {
                    Some(problem) => Err(structural(split, problem, &headers, &*consumer)),
                    None => consumer.record(&Record { split }),
                };
                if let Err(problem) = outcome {
                    summary.defective += 1;
                    defects.push(problem.into_defect(path, summary.rows, split.line));
                }
            }
            // The splitting thread may have finished already; then the buffers are dropped.
            let _ = recycle.send(records.into_iter().map(SplitRecord::into_raw).collect());
        }
        Ok(())
    })?;
    let digest = hasher
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
        .finalize();
    summary.sha256 = hex(&digest);
    Ok(summary)
}

/// Lowercase hexadecimal, as SHA-256 sums are written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A record the splitter could not delimit: a quote left open, or a field over 1 MiB.
fn structural(
    split: &SplitRecord,
    problem: Problem,
    headers: &[String],
    consumer: &dyn Consumer,
) -> RowProblem {
    let (class, index, reason) = match problem {
        Problem::UnterminatedQuote { field } => (
            DefectClass::UnterminatedQuote,
            field,
            "a quote opens this field and is never closed properly (a stray quote?): the \
             record is left out and reading resumes on the next line"
                .to_string(),
        ),
        Problem::FieldTooLarge { field } => (
            DefectClass::FieldTooLarge,
            field,
            format!(
                "a field is larger than {} MiB: not a value from an export",
                FIELD_LIMIT >> 20
            ),
        ),
    };
    let bytes = split
        .range(index)
        .and_then(|r| split.all_bytes().get(r))
        .unwrap_or_default();
    let value = String::from_utf8_lossy(bytes);
    let mut shown: String = value.chars().take(80).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    RowProblem {
        column: headers.get(index).cloned(),
        field: consumer.field_at(index),
        value: Some(shown),
        class,
        reason,
    }
}
