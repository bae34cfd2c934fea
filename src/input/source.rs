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
pub use super::records::Record;
use super::records::{BatchReader, Problem, Records, Splitter, FIELD_LIMIT};
use super::values::DefectClass;
use super::workbook;
use super::{Defect, DefectLog};

/// How to read the bytes of every input: what `--encoding`, `--delimiter` and `--sheet` force.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    pub encoding: Option<&'static Encoding>,
    pub delimiter: Option<u8>,
    /// The sheet to read in every workbook (default: the first).
    pub sheet: Option<String>,
    /// Compute each file's SHA-256, for a run whose output states its provenance (see
    /// [`SourceSummary::sha256`]).
    pub sha256: bool,
}

impl Default for SourceOptions {
    /// Nothing forced, and every file hashed: a run leaves the hash out only when it says so.
    fn default() -> Self {
        SourceOptions {
            encoding: None,
            delimiter: None,
            sheet: None,
            sha256: true,
        }
    }
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
    /// Whether a quoted value of the column at `position` may span lines (free text may; ids,
    /// codes, dates and amounts never do, so a line break there is a stray quote's).
    fn allows_line_break(&self, _position: usize) -> bool {
        true
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
    /// SHA-256 of the file's bytes, for provenance; `None` when the run's output does not state
    /// it (`cchc check`, a CSV report): hashing costs a report about a fifth of its time.
    pub sha256: Option<String>,
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
        sha256: options.sha256.then(|| hex(&Sha256::digest(bytes))),
    };
    let width = headers.len();
    let mut records = Records::default();
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
        records.clear();
        records.push_cells(&cells, *row);
        if let Err(problem) = consumer.record(&records.get(0)) {
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

/// A file to read in parallel ranges ([`super::ranges`]): its dialect and header, already
/// read, and where each range starts.
pub struct RangedFile {
    pub dialect: Dialect,
    pub headers: Vec<String>,
    /// The line of the first data record.
    pub first_line: u64,
    /// Range starts, then the file's length.
    pub starts: Vec<u64>,
}

/// Opens `path` to be read in ranges: a UTF-8 text file on disk, large enough for threads to
/// pay (or any size when `CCHC_RANGE_BYTES` is set). `None`: read it in one pass (a pipe, a
/// workbook, UTF-16 or a legacy encoding, whose bytes cannot be cut anywhere, a small file).
pub fn open_ranges(
    path: &str,
    options: &SourceOptions,
    consumer: &dyn Consumer,
    noun: &str,
    threads: usize,
) -> Result<Option<RangedFile>> {
    let file_path = Path::new(path);
    let Ok(metadata) = std::fs::metadata(file_path) else {
        return Ok(None);
    };
    if !metadata.is_file() {
        return Ok(None);
    }
    let len = metadata.len();
    let Some(size) = super::ranges::range_bytes(len, threads) else {
        return Ok(None);
    };
    let mut file = File::open(file_path).context("cannot open the file")?;
    let mut head = [0u8; 8];
    let head_len = open::read_up_to(&mut file, &mut head)?;
    if workbook::is_workbook(path, &head[..head_len]) {
        return Ok(None);
    }
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let whole = std::io::Cursor::new(head[..head_len].to_vec()).chain(file);
    let (dialect, stream) = open::open(whole, options.encoding, options.delimiter, &|cell| {
        consumer.is_header(cell)
    })?;
    if dialect.encoding != encoding_rs::UTF_8 {
        return Ok(None);
    }
    let mut reader = BatchReader::new(stream, Splitter::new(dialect.delimiter));
    let (header_line, headers) = read_header(&mut reader, dialect.header_line, noun)?;
    let data_start = reader.position() + bom;
    let starts = super::ranges::plan(file_path, data_start, len, size)?;
    Ok(Some(RangedFile {
        dialect: Dialect {
            header_line,
            ..dialect
        },
        headers,
        first_line: reader.line(),
        starts,
    }))
}

/// Reads a file opened by [`open_ranges`] on `threads` workers: `consumer` maps the header (on
/// this thread), `worker` makes each thread's consumer and `commit` takes each range's part in
/// file order. The SHA-256 of the file, when `options` ask for it, is computed on a thread of its
/// own meanwhile.
#[allow(clippy::too_many_arguments)]
pub fn read_in_ranges<C: super::ranges::RangeConsumer>(
    path: &str,
    ranged: RangedFile,
    options: &SourceOptions,
    consumer: &mut dyn Consumer,
    threads: usize,
    worker: &(dyn Fn(usize) -> Result<C> + Sync),
    commit: &mut dyn FnMut(C::Part, super::ranges::Outcome) -> Result<()>,
    defects: &mut DefectLog,
) -> Result<SourceSummary> {
    consumer.begin(&ranged.headers)?;
    let multiline = multiline_columns(&*consumer, ranged.headers.len());
    let progress = progress_bar(path, ranged.starts.last().copied().unwrap_or_default());
    let read = std::thread::scope(|scope| -> Result<(Counts, Option<String>)> {
        let hashing = options.sha256.then(|| scope.spawn(|| hash_file(path)));
        let counts = super::ranges::read_ranges(
            Path::new(path),
            &ranged.starts,
            ranged.first_line,
            ranged.dialect.delimiter,
            &multiline,
            &ranged.headers,
            threads,
            worker,
            &mut |part, outcome| {
                if let super::ranges::Outcome::Placed {
                    defects: found,
                    place,
                } = &outcome
                {
                    for (problem, record, line) in found {
                        defects.push(problem.clone().into_defect(path, *record, *line));
                    }
                    if let Some(bar) = &progress {
                        bar.set_position(place.end);
                    }
                }
                commit(part, outcome)
            },
        );
        let sha256 = match hashing {
            Some(hashing) => Some(
                hashing
                    .join()
                    .map_err(|_| anyhow::anyhow!("the hashing thread stopped"))??,
            ),
            None => None,
        };
        Ok((counts?, sha256))
    });
    // Cleared before an error is told, so the message is not left behind a half-drawn bar.
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let (counts, sha256) = read?;
    Ok(SourceSummary {
        rows: counts.rows,
        defective: counts.defective,
        blank_lines: counts.blank_lines,
        dialect: ranged.dialect,
        sha256,
    })
}

/// The SHA-256 of a file's bytes, read on their own.
fn hash_file(path: &str) -> Result<String> {
    let mut file = File::open(path).context("cannot open the file")?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context("cannot read the file"),
        };
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
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
    match progress_bar(path, size) {
        Some(bar) => (Box::new(bar.wrap_read(file)), Some(bar)),
        None => (Box::new(file), None),
    }
}

/// The progress bar of reading a file of `size` bytes, on stderr: none for a small file or when
/// stderr is not a terminal.
fn progress_bar(path: &str, size: u64) -> Option<ProgressBar> {
    if size < PROGRESS_BYTES || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(size);
    let style = ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(format!("reading {path}"));
    Some(bar)
}

/// Feeds every byte read through SHA-256 (when the run states it), so provenance costs no
/// second pass over the file.
struct HashingReader<R> {
    inner: R,
    hasher: Option<Arc<Mutex<Sha256>>>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(hasher) = &self.hasher {
            hasher
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Batches travel from the splitting thread to the parsing thread; this many are in flight.
const BATCHES_IN_FLIGHT: usize = 4;

/// A batch of records in file order, or the read error that ended the file.
type Batch = std::result::Result<Records, std::io::Error>;

/// The splitting half of the reading pass, on its own thread: reading, decoding, hashing and
/// splitting the bytes cost about a third of parsing their values, so the two halves run side
/// by side. Batches come back through `recycled` to reuse their buffers.
fn split_records<R: Read>(
    mut reader: BatchReader<R>,
    batches: SyncSender<Batch>,
    recycled: Receiver<Records>,
) {
    loop {
        let mut records = recycled.try_recv().unwrap_or_default();
        match reader.next_batch(&mut records, usize::MAX) {
            Ok(true) => {
                // A closed channel means the parsing side has stopped: nothing left to do.
                if batches.send(Ok(records)).is_err() {
                    return;
                }
            }
            Ok(false) => return,
            Err(err) => {
                let _ = batches.send(Err(err));
                return;
            }
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
    let hasher = options.sha256.then(|| Arc::new(Mutex::new(Sha256::new())));
    let raw = HashingReader {
        inner: raw,
        hasher: hasher.clone(),
    };
    let (dialect, stream) = open::open(raw, options.encoding, options.delimiter, &|cell| {
        consumer.is_header(cell)
    })?;
    let mut reader = BatchReader::new(stream, Splitter::new(dialect.delimiter));
    let (header_line, headers) = read_header(&mut reader, dialect.header_line, noun)?;
    consumer.begin(&headers)?;
    reader
        .splitter_mut()
        .set_multiline(multiline_columns(&*consumer, headers.len()));

    let mut summary = SourceSummary {
        rows: 0,
        defective: 0,
        blank_lines: 0,
        dialect: Dialect {
            header_line,
            ..dialect
        },
        sha256: None,
    };
    std::thread::scope(|scope| -> Result<()> {
        let (batches, incoming) = std::sync::mpsc::sync_channel::<Batch>(BATCHES_IN_FLIGHT);
        let (recycle, recycled) = std::sync::mpsc::channel();
        scope.spawn(move || split_records(reader, batches, recycled));
        for batch in incoming {
            let records = match batch {
                Ok(records) => records,
                Err(err) => {
                    return Err(err).with_context(|| {
                        format!("reading failed after data record {}", summary.rows)
                    })
                }
            };
            let mut counts = Counts::default();
            consume(
                &records,
                &headers,
                consumer,
                &mut counts,
                |problem, record, line| {
                    defects.push(problem.into_defect(path, summary.rows + record, line))
                },
            );
            summary.rows += counts.rows;
            summary.defective += counts.defective;
            summary.blank_lines += counts.blank_lines;
            // The splitting thread may have finished already; then the buffers are dropped.
            let _ = recycle.send(records);
        }
        Ok(())
    })?;
    summary.sha256 = hasher.map(|hasher| {
        hex(&hasher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .finalize())
    });
    Ok(summary)
}

/// Reads the records up to the header line (title rows above it, as Excel exports have, are
/// skipped) one at a time, so the rest is split with the rules the header sets; gives the
/// header's line and cells.
pub fn read_header<R: Read>(
    reader: &mut BatchReader<R>,
    header_line: u64,
    noun: &str,
) -> Result<(u64, Vec<String>)> {
    let mut records = Records::default();
    loop {
        if !reader
            .next_batch(&mut records, 1)
            .context("cannot read the header line")?
        {
            bail!("the file is empty: expected a header line and one row per {noun}");
        }
        let record = records.get(0);
        if record.line() < header_line {
            continue;
        }
        if record.problem().is_some() {
            bail!(
                "the header line (line {}) cannot be read: a quote is left open or a header is over 1 MiB",
                record.line()
            );
        }
        let headers = record
            .fields()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect();
        return Ok((record.line(), headers));
    }
}

/// Which of a file's columns may hold line breaks, by position.
pub fn multiline_columns(consumer: &dyn Consumer, columns: usize) -> Vec<bool> {
    (0..columns)
        .map(|p| consumer.allows_line_break(p))
        .collect()
}

/// Records, defects and blank lines of a batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub rows: u64,
    pub defective: u64,
    pub blank_lines: u64,
}

/// Hands a batch's records to `consumer`, in order; `defect` gets each defective record's
/// problem, its 1-based record number within the counts so far, and its line.
pub fn consume(
    records: &Records,
    headers: &[String],
    consumer: &mut dyn Consumer,
    counts: &mut Counts,
    mut defect: impl FnMut(RowProblem, u64, u64),
) {
    for record in records.iter() {
        if record.is_blank() {
            // An empty line, or one of only delimiters as spreadsheets leave below the data:
            // not a record.
            counts.blank_lines += 1;
            continue;
        }
        counts.rows += 1;
        let outcome = match record.problem() {
            Some(problem) => Err(structural(&record, problem, headers, &*consumer)),
            None => consumer.record(&record),
        };
        if let Err(problem) = outcome {
            counts.defective += 1;
            defect(problem, counts.rows, record.line());
        }
    }
}

/// Lowercase hexadecimal, as SHA-256 sums are written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A record the splitter could not delimit: a quote left open, a line break where none
/// belongs, or a field over 1 MiB.
fn structural(
    record: &Record<'_>,
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
        Problem::LineBreakInField { field } => (
            DefectClass::LineBreakInField,
            field,
            "a quoted value runs onto the next line in a column whose values never hold a line \
             break (a stray quote?): the record is left out and reading resumes on the next line"
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
    let value = String::from_utf8_lossy(record.bytes(index));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes every record and keeps nothing.
    struct Count(u64);

    impl Consumer for Count {
        fn is_header(&self, cell: &str) -> bool {
            cell == "id"
        }
        fn begin(&mut self, _headers: &[String]) -> Result<()> {
            Ok(())
        }
        fn record(&mut self, _record: &Record<'_>) -> Result<(), RowProblem> {
            self.0 += 1;
            Ok(())
        }
    }

    fn read(path: &Path, sha256: bool) -> Result<SourceSummary> {
        let options = SourceOptions {
            sha256,
            ..SourceOptions::default()
        };
        let mut defects = DefectLog::default();
        let path = path.to_string_lossy();
        read_path(&path, &options, &mut Count(0), &mut defects, "row")
    }

    #[test]
    fn a_file_is_hashed_only_when_the_run_states_its_sha256() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("f.csv");
        std::fs::write(&path, "id,name\n1,một\n2,hai\n")?;
        let hashed = read(&path, true)?;
        assert_eq!(hashed.rows, 2);
        // `printf 'id,name\n1,một\n2,hai\n' | sha256sum`
        assert_eq!(
            hashed.sha256.as_deref(),
            Some("733d180ba790e8ba773781b0e67ddfeb147115802a5968dc389e029e36bb0a1d")
        );
        let skipped = read(&path, false)?;
        assert_eq!(skipped.rows, 2);
        assert_eq!(skipped.sha256, None);
        // A workbook is hashed from its bytes the same way.
        let workbook =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dossiers.vi.xlsx");
        let summary = read(&workbook, true)?;
        assert_eq!(
            summary.sha256,
            Some(hex(&Sha256::digest(std::fs::read(&workbook)?)))
        );
        assert_eq!(read(&workbook, false)?.sha256, None);
        Ok(())
    }
}
