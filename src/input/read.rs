//! The single reading pass: each file is opened once, its delimiter sniffed from the header line,
//! and every record parsed straight into the columnar [`Dossiers`] table. A record that cannot
//! be understood becomes a [`Defect`] with its record and physical line number, which is why the
//! `csv` crate reads the file rather than polars' CSV reader: only it reports where a record
//! starts when quoted fields span lines. The pass runs on two threads (see `split_records`):
//! one splits records, the other parses their values in file order.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};

use encoding_rs::Encoding;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate};

use super::columns::{Field, HeaderMap, HeaderMatcher};
use super::fold::{fold, key_text, visible};
use super::open::{self, Dialect};
use super::records::{Problem, RawRecord, Splitter};
use super::values::{self, Channel, DefectClass, Spellings, ValueError};
use super::{
    Defect, Dictionary, Dossiers, DuplicateColumn, FastMap, InputSummary, ReadOutcome,
    SpellingCount, LEVEL_UNKNOWN, RATING_NONE, RATING_NOT_SATISFIED, RATING_SATISFIED,
    STATUS_UNKNOWN,
};

/// How to read the inputs.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub matcher: HeaderMatcher,
    /// `--encoding`: skip detection.
    pub encoding: Option<&'static Encoding>,
    /// `--delimiter`: skip sniffing.
    pub delimiter: Option<u8>,
    /// Extra spellings from the targets file's `[values.<field>]` tables.
    pub spellings: Spellings,
    /// Count every spelling seen in vocabulary columns (for `cchc check`).
    pub tally_spellings: bool,
}

impl ReadOptions {
    pub fn new(matcher: HeaderMatcher) -> Self {
        ReadOptions {
            matcher,
            encoding: None,
            delimiter: None,
            spellings: Spellings::default(),
            tally_spellings: false,
        }
    }
}

/// Expands the arguments into files: a pattern with `*` or `?` in its file name (as Windows
/// shells and quoted arguments leave them) lists the matching files of its folder, sorted.
pub fn expand_paths(arguments: &[String]) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    for argument in arguments {
        let path = Path::new(argument);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let is_pattern = name.as_deref().is_some_and(|n| n.contains(['*', '?']));
        if !is_pattern || path.exists() {
            paths.push(argument.clone());
            continue;
        }
        let pattern = name.unwrap_or_default();
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let entries = std::fs::read_dir(&folder).with_context(|| {
            format!(
                "cannot list {} for the pattern {argument}",
                folder.display()
            )
        })?;
        let mut matched: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .filter(|e| wildcard_match(&pattern, &e.file_name().to_string_lossy()))
            .map(|e| {
                if path.parent().is_some_and(|p| !p.as_os_str().is_empty()) {
                    folder.join(e.file_name()).display().to_string()
                } else {
                    e.file_name().to_string_lossy().into_owned()
                }
            })
            .collect();
        if matched.is_empty() {
            bail!("no file matches {argument}");
        }
        matched.sort();
        paths.extend(matched);
    }
    Ok(paths)
}

/// `*` matches any run of characters, `?` one character.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    let (mut star, mut resume) = (None, 0);
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            resume = n;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            resume += 1;
            n = resume;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// Reads every input file into one table. Input errors (missing file, no required column) name
/// the file; defective rows are collected, not fatal. The same `dossier_id` twice (in one file
/// or across files) is one dossier: the later row wins.
pub fn read_inputs(arguments: &[String], options: &ReadOptions) -> Result<ReadOutcome> {
    let paths = expand_paths(arguments)?;
    let mut outcome = ReadOutcome::default();
    let mut seen = SeenIds::default();
    for path in &paths {
        let file_path = Path::new(path);
        let opened = if file_path.is_dir() {
            Err(anyhow::anyhow!("{path} is a directory, not a CSV file"))
        } else {
            File::open(file_path).context("cannot open the file")
        };
        opened
            .and_then(|file| {
                let (file, progress) = with_progress(file, path);
                let result = read_source(path, file, options, &mut outcome, &mut seen);
                if let Some(bar) = progress {
                    bar.finish_and_clear();
                }
                result
            })
            .with_context(|| format!("reading {path}"))?;
    }
    outcome.duplicates_merged = seen.merged;
    Ok(outcome)
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
/// case, so the parsing thread never validates it again), or raw bytes whose bad field the parser
/// finds.
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
        let content = match String::from_utf8(raw.bytes) {
            Ok(text) => Content::Text(text),
            Err(err) => Content::Bytes(err.into_bytes()),
        };
        SplitRecord {
            content,
            ends: raw.ends,
            line: raw.line,
            problem: raw.problem,
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

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn range(&self, index: usize) -> Option<std::ops::Range<usize>> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        Some(start..end)
    }

    fn bytes(&self, index: usize) -> &[u8] {
        self.range(index)
            .and_then(|r| self.all_bytes().get(r))
            .unwrap_or_default()
    }

    /// The field as text when the record is valid UTF-8.
    fn text(&self, index: usize) -> Option<&str> {
        match &self.content {
            Content::Text(text) => self.range(index).and_then(|r| text.get(r)),
            Content::Bytes(_) => None,
        }
    }

    fn is_blank(&self) -> bool {
        self.problem.is_none() && self.all_bytes().iter().all(u8::is_ascii_whitespace)
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

/// Reads one export from any byte stream; `path` names it in messages.
pub fn read_source<R: Read + Send + 'static>(
    path: &str,
    raw: R,
    options: &ReadOptions,
    outcome: &mut ReadOutcome,
    seen: &mut SeenIds,
) -> Result<()> {
    let hasher = Arc::new(Mutex::new(Sha256::new()));
    let raw = HashingReader {
        inner: raw,
        hasher: Arc::clone(&hasher),
    };
    let (dialect, stream) = open::open(raw, options.encoding, options.delimiter, &options.matcher)?;
    let mut splitter = Splitter::new(stream, dialect.delimiter);

    let mut record = RawRecord::default();
    // Title rows above the header (as Excel exports have) are skipped.
    loop {
        if !splitter
            .read_record(&mut record)
            .context("cannot read the header line")?
        {
            bail!("the file is empty: expected a header line and one row per dossier");
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
    let header_line = record.line;
    let headers: Vec<String> = record
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
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

    let mut parser = RowParser::new(&header_map, &options.spellings, options.tally_spellings);
    let mut summary = InputSummary {
        path: path.to_string(),
        rows: 0,
        defective: 0,
        blank_lines: 0,
        dialect: Dialect {
            header_line,
            ..dialect
        },
        header_map: headers
            .iter()
            .cloned()
            .zip(header_map.fields.iter().copied())
            .collect(),
        duplicate_columns: header_map
            .duplicates
            .iter()
            .filter_map(|&(index, field)| {
                let used = header_map.fields.iter().position(|f| *f == Some(field))?;
                Some(DuplicateColumn {
                    position: index + 1,
                    header: header_map.headers[index].clone(),
                    field,
                    used_position: used + 1,
                    used_header: header_map.headers[used].clone(),
                })
            })
            .collect(),
        spellings: BTreeMap::new(),
        received_range: None,
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
                    // data: no dossier, not a record.
                    summary.blank_lines += 1;
                    continue;
                }
                summary.rows += 1;
                let line = split.line;
                match parser.parse(split, &mut outcome.dossiers) {
                    Ok(id) => {
                        if let Some(day) = outcome.dossiers.received_day.last() {
                            summary.received_range = Some(match summary.received_range {
                                Some((from, to)) => (from.min(*day), to.max(*day)),
                                None => (*day, *day),
                            });
                        }
                        seen.record(id, &mut outcome.dossiers);
                    }
                    Err(problem) => {
                        summary.defective += 1;
                        outcome
                            .defects
                            .push(problem.into_defect(path, summary.rows, line));
                    }
                }
            }
            // The CSV thread may have finished already; then the buffers are simply dropped.
            let _ = recycle.send(records.into_iter().map(SplitRecord::into_raw).collect());
        }
        Ok(())
    })?;
    if summary.rows == 0 {
        bail!("the file has a header line but no data rows");
    }
    summary.spellings = parser.spellings_seen();
    let digest = hasher
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
        .finalize();
    summary.sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
    outcome.inputs.push(summary);
    Ok(())
}

/// Dossier ids seen so far, to merge a dossier exported twice.
#[derive(Debug, Default)]
pub struct SeenIds {
    rows: FastMap<Box<str>, u32>,
    pub merged: u64,
}

impl SeenIds {
    /// Remembers the row just pushed; an earlier row with the same id stops counting.
    fn record(&mut self, id: String, dossiers: &mut Dossiers) {
        let row = (dossiers.len() - 1) as u32;
        if let Some(previous) = self.rows.insert(id.into_boxed_str(), row) {
            dossiers.live[previous as usize] = false;
            self.merged += 1;
        }
    }
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
        header_map
            .headers
            .iter()
            .map(|h| visible(h).into_owned())
            .collect::<Vec<_>>()
            .join(" | "),
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
    known: FastMap<Vec<u8>, Result<T, ValueError>>,
    parse: fn(&str) -> Result<T, ValueError>,
    /// The user's spellings, by folded text; they win over the built-in vocabulary.
    custom: HashMap<String, T>,
}

const MEMO_CAP: usize = 4096;

impl<T: Clone> Memo<T> {
    fn new(parse: fn(&str) -> Result<T, ValueError>, custom: HashMap<String, T>) -> Self {
        Memo {
            known: FastMap::default(),
            parse,
            custom,
        }
    }

    fn get(&mut self, raw: &[u8], text: &str) -> Result<T, ValueError> {
        if let Some(hit) = self.known.get(raw) {
            return hit.clone();
        }
        let parsed = match self.custom.get(&fold(text)) {
            Some(value) => Ok(value.clone()),
            None => (self.parse)(text),
        };
        if self.known.len() < MEMO_CAP {
            self.known.insert(raw.to_vec(), parsed.clone());
        }
        parsed
    }
}

/// How one mapped column is parsed.
enum ColumnParser {
    Id,
    Text,
    Unit,
    Sector,
    Procedure,
    Date,
    Amount,
    Level(Memo<Option<i32>>),
    Channel(Memo<Channel>),
    Status(Memo<Option<i32>>),
    Payment(Memo<bool>),
    Bool(Memo<bool>),
    Rating(Memo<Option<bool>>),
}

impl ColumnParser {
    fn for_field(field: Field, spellings: &Spellings) -> Self {
        match field {
            Field::DossierId => ColumnParser::Id,
            Field::ProcedureName => ColumnParser::Text,
            Field::Unit => ColumnParser::Unit,
            Field::Sector => ColumnParser::Sector,
            Field::ProcedureCode => ColumnParser::Procedure,
            Field::SubmittedAt
            | Field::ReceivedAt
            | Field::DueAt
            | Field::FinishedAt
            | Field::ReturnedAt => ColumnParser::Date,
            Field::Fee | Field::Charge => ColumnParser::Amount,
            Field::ServiceLevel => {
                ColumnParser::Level(Memo::new(values::parse_level, spellings.levels()))
            }
            Field::Channel => {
                ColumnParser::Channel(Memo::new(values::parse_channel, spellings.channels()))
            }
            Field::Status => {
                ColumnParser::Status(Memo::new(values::parse_status, spellings.statuses()))
            }
            Field::PaymentMethod => ColumnParser::Payment(Memo::new(
                values::parse_payment_online,
                spellings.booleans(field),
            )),
            Field::Satisfaction => {
                ColumnParser::Rating(Memo::new(values::parse_rating, spellings.ratings()))
            }
            // The rest are the yes/no columns (Field::is_yes_no).
            _ => ColumnParser::Bool(Memo::new(values::parse_bool, spellings.booleans(field))),
        }
    }

    /// Whether `cchc check` lists the spellings of this column.
    fn is_vocabulary(&self) -> bool {
        matches!(
            self,
            ColumnParser::Level(_)
                | ColumnParser::Channel(_)
                | ColumnParser::Status(_)
                | ColumnParser::Payment(_)
                | ColumnParser::Bool(_)
                | ColumnParser::Rating(_)
        )
    }
}

/// Counts a spelling (trimmed, in NFC so an NFD cell joins its NFC twin), remembering whether
/// it was understood.
fn tally_spelling(seen: &mut HashMap<String, SpellingCount>, text: &str, understood: bool) {
    let key = key_text(text);
    if let Some(count) = seen.get_mut(key.as_ref()) {
        count.rows += 1;
    } else if seen.len() < SPELLINGS_CAP {
        seen.insert(
            key.into_owned(),
            SpellingCount {
                rows: 1,
                understood,
            },
        );
    }
}

/// Distinct spellings counted per column, at most this many each.
const SPELLINGS_CAP: usize = 200;

/// One mapped column of a file.
struct MappedColumn {
    field: Field,
    position: usize,
    parser: ColumnParser,
    /// Spelling → rows, when tallying for `cchc check`.
    seen: Option<HashMap<String, SpellingCount>>,
}

/// Parses the records of one file.
struct RowParser<'a> {
    headers: &'a [String],
    expected_fields: usize,
    columns: Vec<MappedColumn>,
}

/// One record's parsed values, filled in before anything is pushed so a defect leaves no trace.
#[derive(Default)]
struct ParsedRow {
    id: String,
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
    fn new(header_map: &'a HeaderMap, spellings: &Spellings, tally: bool) -> Self {
        let columns = header_map
            .fields
            .iter()
            .enumerate()
            .filter_map(|(position, f)| {
                f.map(|field| {
                    let parser = ColumnParser::for_field(field, spellings);
                    let seen = (tally && parser.is_vocabulary()).then(HashMap::new);
                    MappedColumn {
                        field,
                        position,
                        parser,
                        seen,
                    }
                })
            })
            .collect();
        RowParser {
            headers: &header_map.headers,
            expected_fields: header_map.headers.len(),
            columns,
        }
    }

    /// Spellings seen per vocabulary column, by header as written.
    fn spellings_seen(&self) -> BTreeMap<String, BTreeMap<String, SpellingCount>> {
        self.columns
            .iter()
            .filter_map(|c| {
                c.seen.as_ref().map(|seen| {
                    (
                        self.headers[c.position].clone(),
                        seen.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    )
                })
            })
            .collect()
    }

    /// Parses one record and pushes it; returns its dossier id.
    fn parse(&mut self, split: &SplitRecord, out: &mut Dossiers) -> Result<String, RowProblem> {
        if let Some(problem) = split.problem {
            return Err(self.structural(split, problem));
        }
        let record = split;
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
        let headers = self.headers;
        for column in &mut self.columns {
            let position = column.position;
            let raw = record.bytes(position);
            let checked = record.text(position);
            let problem = |class, reason: String, value: String| RowProblem {
                column: Some(headers[position].clone()),
                field: Some(column.field),
                value: Some(value),
                class,
                reason,
            };
            let text = match checked.map_or_else(|| std::str::from_utf8(raw), Ok) {
                Ok(text) => text,
                Err(_) => {
                    return Err(problem(
                        DefectClass::InvalidEncoding,
                        "invalid UTF-8 bytes: the file is not in the encoding it seems to be \
                         (try --encoding windows-1258)"
                            .to_string(),
                        String::from_utf8_lossy(raw).into_owned(),
                    ))
                }
            };
            let parsed = parse_field(column.field, &mut column.parser, raw, text, &mut row, out);
            if let Some(seen) = &mut column.seen {
                tally_spelling(seen, text, parsed.is_ok());
            }
            parsed.map_err(|e| problem(e.class, e.reason, text.to_string()))?;
        }
        let Some(received) = row.received else {
            // check_required guarantees the column; the cell itself was blank.
            return Err(self.missing(Field::ReceivedAt));
        };
        let id = std::mem::take(&mut row.id);
        push_row(row, received, out);
        Ok(id)
    }

    /// A record the splitter could not delimit: a quote left open, or a field over 1 MiB.
    fn structural(&self, split: &SplitRecord, problem: Problem) -> RowProblem {
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
                    super::records::FIELD_LIMIT >> 20
                ),
            ),
        };
        let value = String::from_utf8_lossy(split.bytes(index));
        let mut shown: String = value.chars().take(80).collect();
        if shown.len() < value.len() {
            shown.push('…');
        }
        RowProblem {
            column: self.headers.get(index).cloned(),
            field: self
                .columns
                .iter()
                .find(|c| c.position == index)
                .map(|c| c.field),
            value: Some(shown),
            class,
            reason,
        }
    }

    fn missing(&self, field: Field) -> RowProblem {
        let position = self
            .columns
            .iter()
            .find(|c| c.field == field)
            .map(|c| c.position);
        RowProblem {
            column: position.map(|p| self.headers[p].clone()),
            field: Some(field),
            value: Some(String::new()),
            class: DefectClass::MissingRequired,
            reason: format!("required field {field} is blank"),
        }
    }
}

fn blank_required(field: Field) -> ValueError {
    ValueError {
        class: DefectClass::MissingRequired,
        reason: format!("required field {field} is blank"),
    }
}

fn parse_field(
    field: Field,
    parser: &mut ColumnParser,
    raw: &[u8],
    text: &str,
    row: &mut ParsedRow,
    dictionaries: &mut Dossiers,
) -> Result<(), ValueError> {
    match parser {
        ColumnParser::Id => {
            let id = key_text(text);
            if id.is_empty() {
                return Err(blank_required(field));
            }
            row.id = id.into_owned();
        }
        ColumnParser::Text => {}
        // Interned before the row is known to be valid: a defective row can leave a name in
        // the dictionary, but groups are listed from valid rows only.
        ColumnParser::Procedure => row.procedure = group_id(&mut dictionaries.procedures, text),
        ColumnParser::Sector => row.sector = group_id(&mut dictionaries.sectors, text),
        ColumnParser::Unit => row.unit = group_id(&mut dictionaries.units, text),
        ColumnParser::Date => {
            let date = values::parse_date(text)?;
            match field {
                Field::ReceivedAt if date.is_none() => return Err(blank_required(field)),
                Field::ReceivedAt => row.received = date,
                Field::DueAt => row.due = date,
                Field::FinishedAt => row.finished = date,
                Field::ReturnedAt => row.returned = date,
                _ => {}
            }
        }
        ColumnParser::Amount => {
            let amount = values::parse_amount(text)?;
            if field == Field::Fee {
                row.fee = amount;
            } else {
                row.charge = amount;
            }
        }
        ColumnParser::Level(memo) => row.level = memo.get(raw, text)?,
        ColumnParser::Channel(memo) => row.channel = Some(memo.get(raw, text)?),
        ColumnParser::Status(memo) => row.status = memo.get(raw, text)?,
        ColumnParser::Payment(memo) => row.paid_online = memo.get(raw, text)?,
        ColumnParser::Rating(memo) => row.rating = memo.get(raw, text)?,
        ColumnParser::Bool(memo) => {
            let value = memo.get(raw, text)?;
            match field {
                Field::ResultDigitized => row.result_digitized = value,
                Field::ComponentReused => row.component_reused = value,
                Field::Interagency => row.interagency = value,
                Field::TransferElectronic => row.transfer_electronic = value,
                Field::VneidAuthenticated => row.vneid_authenticated = value,
                _ => {}
            }
        }
    }
    Ok(())
}

/// Unit, sector and procedure code as group keys: key text (trimmed, no format characters, NFC),
/// so an NFD cell joins the group of its NFC spelling. Blank is no group.
fn group_id(dictionary: &mut Dictionary, text: &str) -> Option<u32> {
    let key = key_text(text);
    (!key.is_empty()).then(|| dictionary.intern(&key))
}

pub fn day_number(date: NaiveDate) -> i32 {
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
    out.live.push(true);
}
