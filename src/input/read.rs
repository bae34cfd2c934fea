//! Reading dossier exports: the dossier consumer of the record source ([`super::source`]).
//! Each record is parsed straight into the columnar [`Dossiers`] table; a record that cannot be
//! understood becomes a [`Defect`] with its record and physical line number. The same
//! `dossier_id` twice (in one file or across files) is one dossier: the later row wins.
//! [`read_inputs`] keeps every row; [`read_inputs_into`] hands them to the compute stage a chunk
//! at a time and keeps 16 bytes per row, taking back the rows a later row replaces.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;

use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate};

use super::columns::{Field, HeaderMap, HeaderMatcher};
use super::fold::{fold, key_text, wildcard_match};
use super::source::{self, Consumer, Record, RowProblem, SourceOptions};
use super::values::{self, Channel, DefectClass, Spellings, ValueError};
use super::{
    Dictionary, Dossiers, DuplicateColumn, FastMap, InputKind, InputSummary, ReadOutcome,
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
    /// Fields beyond the usual ones whose columns a custom condition reads.
    pub keep: std::collections::BTreeSet<Field>,
    /// `--sheet`: the sheet to read in every workbook.
    pub sheet: Option<String>,
    /// Keep each row's file and line (`cchc convert` writes them as `source_file`/`source_line`).
    pub provenance: bool,
    /// Valid rows per hand-over to a [`RowSink`] ([`CHUNK_ROWS`]; tests make it tiny).
    pub chunk_rows: usize,
}

impl ReadOptions {
    pub fn new(matcher: HeaderMatcher) -> Self {
        ReadOptions {
            matcher,
            encoding: None,
            delimiter: None,
            spellings: Spellings::default(),
            tally_spellings: false,
            keep: Default::default(),
            sheet: None,
            provenance: false,
            chunk_rows: CHUNK_ROWS,
        }
    }

    pub fn source(&self) -> SourceOptions {
        SourceOptions {
            encoding: self.encoding,
            delimiter: self.delimiter,
            sheet: self.sheet.clone(),
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
            .filter(|e| wildcard_match(&pattern, &e.file_name().to_string_lossy(), '*', '?'))
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

/// Reads every input file into one table. Input errors (missing file, no required column) name
/// the file; defective rows are collected, not fatal. The same `dossier_id` twice (in one file
/// or across files) is one dossier: the later row wins.
pub fn read_inputs(arguments: &[String], options: &ReadOptions) -> Result<ReadOutcome> {
    let paths = expand_paths(arguments)?;
    let mut outcome = ReadOutcome::default();
    outcome.defects.keep_all = options.provenance;
    let mut seen = SeenIds::default();
    for path in &paths {
        read_file(path, options, &mut outcome, &mut seen, None)
            .with_context(|| format!("reading {path}"))?;
    }
    for row in seen.replaced() {
        outcome.dossiers.live[row as usize] = false;
    }
    outcome.duplicates_merged = seen.merged;
    Ok(outcome)
}

/// Valid rows per hand-over to a [`RowSink`]: enough for polars to work on efficiently, few
/// enough that a chunk costs tens of megabytes.
pub const CHUNK_ROWS: usize = 1 << 18;

/// Reads every input like [`read_inputs`], but hands the valid rows to `sink` a chunk at a time
/// instead of keeping them: memory holds one chunk and 16 bytes per row (the id's hash, for the
/// merge of duplicates). A row is placed by its physical line across the inputs; when a later
/// row replaces it, the files holding replaced rows are split once more and those rows alone
/// are parsed again and taken back (weight −1). The outcome keeps every input summary, defect
/// and dictionary, and no row.
pub fn read_inputs_into(
    arguments: &[String],
    options: &ReadOptions,
    sink: &mut dyn RowSink,
) -> Result<ReadOutcome> {
    let paths = expand_paths(arguments)?;
    if paths.iter().any(|path| !Path::new(path).is_file()) {
        // A pipe (or a shell's process substitution) cannot be read twice to take rows back:
        // its rows are kept, then handed over at once.
        let mut outcome = read_inputs(&paths, options)?;
        hand_over(&mut outcome, sink, 1)?;
        return Ok(outcome);
    }
    let mut outcome = ReadOutcome::default();
    let mut seen = SeenIds::default();
    // Each input's lines are placed after the previous inputs' lines.
    let mut line_bases = Vec::with_capacity(paths.len() + 1);
    let mut line_base = 0u64;
    for path in &paths {
        line_bases.push(line_base);
        let stream = Stream {
            line_base,
            sink: &mut *sink,
        };
        let last_line = read_file(path, options, &mut outcome, &mut seen, Some(stream))
            .with_context(|| format!("reading {path}"))?;
        line_base += last_line;
    }
    line_bases.push(line_base);
    hand_over(&mut outcome, sink, 1)?;
    let replaced = seen.replaced();
    outcome.duplicates_merged = seen.merged;
    for (index, path) in paths.iter().enumerate() {
        let (from, to) = (line_bases[index], line_bases[index + 1]);
        let lines: Vec<u64> = replaced
            .iter()
            .map(|&p| u64::from(p))
            .filter(|p| *p > from && *p <= to)
            .map(|p| p - from)
            .collect();
        if !lines.is_empty() {
            take_back(path, options, &lines, &mut outcome, sink)
                .with_context(|| format!("reading {path} again for its replaced rows"))?;
        }
    }
    Ok(outcome)
}

/// Where [`read_inputs_into`] hands valid rows.
pub trait RowSink {
    /// `rows` read (`weight` 1), or read earlier and now replaced by a later row of the same
    /// dossier (`weight` −1).
    fn rows(&mut self, rows: &Dossiers, weight: i64) -> Result<()>;
}

/// Hands the rows held to the sink and forgets them (not the dictionaries).
fn hand_over(outcome: &mut ReadOutcome, sink: &mut dyn RowSink, weight: i64) -> Result<()> {
    if outcome.dossiers.is_empty() {
        return Ok(());
    }
    sink.rows(&outcome.dossiers, weight)?;
    if weight > 0 {
        outcome.streamed_rows += outcome.dossiers.len() as u64;
    }
    outcome.dossiers.clear_rows();
    Ok(())
}

/// Reads one export again and hands the rows on the given physical lines (valid on the first
/// read) back to the sink with weight −1.
fn take_back(
    path: &str,
    options: &ReadOptions,
    lines: &[u64],
    outcome: &mut ReadOutcome,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let mut reader = TakeBack {
        options,
        lines,
        next: 0,
        parser: None,
        outcome,
        sink,
        error: None,
    };
    // The defects were counted on the first read.
    let mut defects = super::DefectLog::default();
    source::read_path(
        path,
        &options.source(),
        &mut reader,
        &mut defects,
        "dossier",
    )?;
    if let Some(error) = reader.error {
        return Err(error);
    }
    if reader.next < lines.len() {
        bail!(
            "the file changed while it was read: line {} is no longer a valid row",
            lines[reader.next]
        );
    }
    hand_over(reader.outcome, reader.sink, -1)
}

/// A dossier export's header mapped to fields (or refused: no required column), and the parser
/// of its records.
fn map_headers(
    options: &ReadOptions,
    headers: &[String],
    tally_spellings: bool,
) -> Result<(HeaderMap, RowParser)> {
    let header_map = options.matcher.map_headers(headers);
    header_map.check_required()?;
    let parser = RowParser::new(&header_map, &options.spellings, tally_spellings);
    Ok((header_map, parser))
}

/// The consumer of [`take_back`]: parses the wanted lines only.
struct TakeBack<'a> {
    options: &'a ReadOptions,
    /// Ascending physical lines of the rows to take back, and the next one to find.
    lines: &'a [u64],
    next: usize,
    parser: Option<RowParser>,
    outcome: &'a mut ReadOutcome,
    sink: &'a mut dyn RowSink,
    error: Option<anyhow::Error>,
}

impl Consumer for TakeBack<'_> {
    fn is_header(&self, cell: &str) -> bool {
        self.options.matcher.field_of(cell).is_some()
    }

    fn begin(&mut self, headers: &[String]) -> Result<()> {
        // Spellings were tallied on the first read.
        self.parser = Some(map_headers(self.options, headers, false)?.1);
        Ok(())
    }

    fn record(&mut self, record: &Record<'_>) -> Result<(), RowProblem> {
        let (Some(parser), Some(&line)) = (self.parser.as_mut(), self.lines.get(self.next)) else {
            return Ok(());
        };
        if record.line() != line || self.error.is_some() {
            return Ok(());
        }
        self.next += 1;
        if parser.parse(record, &mut self.outcome.dossiers).is_err() {
            self.error = Some(anyhow::anyhow!(
                "the file changed while it was read: line {line} is no longer a valid row"
            ));
        } else if self.outcome.dossiers.len() >= self.options.chunk_rows {
            if let Err(error) = hand_over(self.outcome, self.sink, -1) {
                self.error = Some(error);
            }
        }
        Ok(())
    }
}

/// How [`read_inputs_into`] reads one file: where its lines are placed, and the sink.
struct Stream<'s> {
    line_base: u64,
    sink: &'s mut dyn RowSink,
}

/// Reads one export, CSV or workbook.
fn read_file(
    path: &str,
    options: &ReadOptions,
    outcome: &mut ReadOutcome,
    seen: &mut SeenIds,
    stream: Option<Stream<'_>>,
) -> Result<u64> {
    read_with(path, options, outcome, seen, stream, |reader, defects| {
        source::read_path(path, &options.source(), reader, defects, "dossier")
    })
}

/// Reads one export from any byte stream; `path` names it in messages.
pub fn read_source<R: Read + Send + 'static>(
    path: &str,
    raw: R,
    options: &ReadOptions,
    outcome: &mut ReadOutcome,
    seen: &mut SeenIds,
) -> Result<()> {
    read_with(path, options, outcome, seen, None, |reader, defects| {
        source::read_records(path, raw, &options.source(), reader, defects, "dossier")
    })?;
    Ok(())
}

/// Runs a record source into the dossier consumer and records what it read; gives back the
/// physical line of its last valid row.
fn read_with(
    path: &str,
    options: &ReadOptions,
    outcome: &mut ReadOutcome,
    seen: &mut SeenIds,
    stream: Option<Stream<'_>>,
    source: impl FnOnce(&mut DossierReader, &mut super::DefectLog) -> Result<source::SourceSummary>,
) -> Result<u64> {
    outcome.dossiers.kept = options.keep.clone();
    let mut reader = DossierReader {
        file: outcome.inputs.len() as u32,
        options,
        dossiers: &mut outcome.dossiers,
        streamed_rows: &mut outcome.streamed_rows,
        seen,
        stream,
        stream_error: None,
        last_line: 0,
        parser: None,
        header_map: None,
        received_range: None,
    };
    let summary = source(&mut reader, &mut outcome.defects)?;
    if let Some(error) = reader.stream_error {
        return Err(error);
    }
    let last_line = reader.last_line;
    if summary.rows == 0 {
        bail!("the file has a header line but no data rows");
    }
    let (Some(header_map), Some(parser)) = (reader.header_map, reader.parser) else {
        bail!("the file has no header line");
    };
    for field in Field::ALL {
        if !field.is_required() && !header_map.has(field) {
            outcome
                .missing_fields
                .entry(field)
                .or_default()
                .push(path.to_string());
        }
    }
    outcome.inputs.push(InputSummary {
        spellings: parser.spellings_seen(),
        received_range: reader.received_range,
        ..InputSummary::new(path, InputKind::Dossiers, summary, &header_map)
    });
    Ok(last_line)
}

/// Columns ignored because an earlier column of the same file names the same field.
pub fn duplicate_columns<F: super::columns::SchemaField>(
    header_map: &HeaderMap<F>,
) -> Vec<DuplicateColumn> {
    header_map
        .duplicates
        .iter()
        .filter_map(|&(index, field)| {
            let used = header_map.position(field)?;
            Some(DuplicateColumn {
                position: index + 1,
                header: header_map.headers[index].clone(),
                field: field.name(),
                used_position: used + 1,
                used_header: header_map.headers[used].clone(),
            })
        })
        .collect()
}

/// The dossier consumer: maps the header, parses each record into [`Dossiers`], merges
/// duplicates.
struct DossierReader<'a, 's> {
    /// The file's position among the inputs, for `source_file`.
    file: u32,
    options: &'a ReadOptions,
    dossiers: &'a mut Dossiers,
    /// Rows handed to the stream's sink so far ([`ReadOutcome::streamed_rows`]).
    streamed_rows: &'a mut u64,
    seen: &'a mut SeenIds,
    /// Reading for [`read_inputs_into`]: rows are handed over a chunk at a time.
    stream: Option<Stream<'s>>,
    /// The sink's failure, or too many lines: reported once the source is done.
    stream_error: Option<anyhow::Error>,
    /// The physical line of the last valid row.
    last_line: u64,
    parser: Option<RowParser>,
    header_map: Option<HeaderMap>,
    /// Earliest and latest `received_at` of the valid rows, as day numbers.
    received_range: Option<(i32, i32)>,
}

impl Consumer for DossierReader<'_, '_> {
    fn is_header(&self, cell: &str) -> bool {
        self.options.matcher.field_of(cell).is_some()
    }

    fn begin(&mut self, headers: &[String]) -> Result<()> {
        let (header_map, parser) =
            map_headers(self.options, headers, self.options.tally_spellings)?;
        self.parser = Some(parser);
        self.header_map = Some(header_map);
        Ok(())
    }

    fn record(&mut self, record: &Record<'_>) -> Result<(), RowProblem> {
        let Some(parser) = self.parser.as_mut() else {
            return Ok(());
        };
        let id = parser.parse(record, self.dossiers)?;
        if self.options.provenance {
            self.dossiers.source_file.push(self.file);
            self.dossiers.source_line.push(record.line());
        }
        if let Some(day) = self.dossiers.received_day.last() {
            self.received_range = Some(match self.received_range {
                Some((from, to)) => (from.min(*day), to.max(*day)),
                None => (*day, *day),
            });
        }
        self.last_line = record.line();
        // A kept row is placed by its index; a streamed one by its line across the inputs.
        let position = match &self.stream {
            None => self.dossiers.len() as u64 - 1,
            Some(stream) => stream.line_base + record.line(),
        };
        match u32::try_from(position) {
            Ok(position) => self.seen.record(&id, position),
            Err(_) if self.stream_error.is_none() => {
                self.stream_error = Some(anyhow::anyhow!(
                    "the inputs hold more than {} lines: give them to separate runs",
                    u32::MAX
                ))
            }
            Err(_) => {}
        }
        if let Some(stream) = self.stream.as_mut() {
            if self.dossiers.len() >= self.options.chunk_rows && self.stream_error.is_none() {
                match stream.sink.rows(self.dossiers, 1) {
                    Ok(()) => {
                        *self.streamed_rows += self.dossiers.len() as u64;
                        self.dossiers.clear_rows();
                    }
                    Err(error) => self.stream_error = Some(error),
                }
            }
        }
        Ok(())
    }

    fn field_at(&self, position: usize) -> Option<&'static str> {
        let map = self.header_map.as_ref()?;
        map.fields.get(position).copied().flatten().map(Field::name)
    }
}

/// The valid rows' dossier ids, to merge a dossier exported twice (in one file or across
/// files). Each row costs 16 bytes whatever its id: the top 96 bits of the id's 128-bit xxh3
/// hash and the row's position, in one `u128`. Sorting puts each id's rows side by side in
/// position order, and all but the last are replaced. Two different ids share 96 bits with a
/// probability of about n²/2⁹⁷: 10⁻¹⁵ for ten million rows.
#[derive(Debug, Default)]
pub struct SeenIds {
    rows: Vec<u128>,
    pub merged: u64,
}

const POSITION_BITS: u32 = 32;

impl SeenIds {
    fn record(&mut self, id: &str, position: u32) {
        let hash = xxhash_rust::xxh3::xxh3_128(id.as_bytes());
        self.rows
            .push((hash >> POSITION_BITS << POSITION_BITS) | u128::from(position));
    }

    /// The positions of the rows a later row with the same id replaces, ascending; they are
    /// counted in `merged`.
    pub fn replaced(&mut self) -> Vec<u32> {
        let mut rows = std::mem::take(&mut self.rows);
        rows.sort_unstable();
        let mut replaced: Vec<u32> = rows
            .windows(2)
            .filter(|pair| pair[0] >> POSITION_BITS == pair[1] >> POSITION_BITS)
            .map(|pair| pair[0] as u32)
            .collect();
        drop(rows);
        replaced.sort_unstable();
        self.merged += replaced.len() as u64;
        replaced
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

/// Group columns (unit, sector, procedure code) hold few distinct cells: the group id of each
/// cell as written is remembered, so a row costs one hash lookup instead of normalising the
/// text again (key text: trim, format characters, NFC).
#[derive(Default)]
struct GroupMemo {
    known: FastMap<Vec<u8>, Option<u32>>,
}

impl GroupMemo {
    fn id(&mut self, raw: &[u8], text: &str, dictionary: &mut Dictionary) -> Option<u32> {
        if let Some(id) = self.known.get(raw) {
            return *id;
        }
        let id = group_id(dictionary, text);
        if self.known.len() < MEMO_CAP {
            self.known.insert(raw.to_vec(), id);
        }
        id
    }
}

/// How one mapped column is parsed.
enum ColumnParser {
    Id,
    Text,
    Unit(GroupMemo),
    Sector(GroupMemo),
    Procedure(GroupMemo),
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
            Field::Unit => ColumnParser::Unit(GroupMemo::default()),
            Field::Sector => ColumnParser::Sector(GroupMemo::default()),
            Field::ProcedureCode => ColumnParser::Procedure(GroupMemo::default()),
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
struct RowParser {
    headers: Vec<String>,
    expected_fields: usize,
    columns: Vec<MappedColumn>,
}

/// One record's parsed values, filled in before anything is pushed so a defect leaves no trace.
#[derive(Default)]
struct ParsedRow<'r> {
    id: Cow<'r, str>,
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
    /// The name as written: interned only when needed (the first row of a code, or a condition
    /// that reads names), since hashing a long name on every row costs read time.
    procedure_name: Option<&'r str>,
    submitted: Option<NaiveDate>,
    dossier_digitized: bool,
}

impl RowParser {
    fn new(header_map: &HeaderMap, spellings: &Spellings, tally: bool) -> Self {
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
            headers: header_map.headers.clone(),
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
    fn parse<'r>(
        &mut self,
        record: &Record<'r>,
        out: &mut Dossiers,
    ) -> Result<Cow<'r, str>, RowProblem> {
        if record.len() != self.expected_fields {
            return Err(RowProblem::field_count(self.expected_fields, record.len()));
        }
        let mut row = ParsedRow::default();
        let headers = &self.headers;
        for column in &mut self.columns {
            let position = column.position;
            let raw = record.bytes(position);
            let problem = |class, reason: String, value: String| RowProblem {
                column: Some(headers[position].clone()),
                field: Some(column.field.name()),
                value: Some(value),
                class,
                reason,
            };
            let text = match record.text(position) {
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
        let id = push_row(row, received, out);
        Ok(id)
    }

    fn missing(&self, field: Field) -> RowProblem {
        let position = self
            .columns
            .iter()
            .find(|c| c.field == field)
            .map(|c| c.position);
        RowProblem {
            column: position.map(|p| self.headers[p].clone()),
            field: Some(field.name()),
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

fn parse_field<'r>(
    field: Field,
    parser: &mut ColumnParser,
    raw: &[u8],
    text: &'r str,
    row: &mut ParsedRow<'r>,
    dictionaries: &mut Dossiers,
) -> Result<(), ValueError> {
    match parser {
        ColumnParser::Id => {
            let id = key_text(text);
            if id.is_empty() {
                return Err(blank_required(field));
            }
            row.id = id;
        }
        ColumnParser::Text => row.procedure_name = Some(text),
        // Interned before the row is known to be valid: a defective row can leave a name in
        // the dictionary, but groups are listed from valid rows only.
        ColumnParser::Procedure(memo) => {
            row.procedure = memo.id(raw, text, &mut dictionaries.procedures)
        }
        ColumnParser::Sector(memo) => row.sector = memo.id(raw, text, &mut dictionaries.sectors),
        ColumnParser::Unit(memo) => row.unit = memo.id(raw, text, &mut dictionaries.units),
        ColumnParser::Date => {
            let date = values::parse_date(text)?;
            match field {
                Field::ReceivedAt if date.is_none() => return Err(blank_required(field)),
                Field::ReceivedAt => row.received = date,
                Field::DueAt => row.due = date,
                Field::FinishedAt => row.finished = date,
                Field::ReturnedAt => row.returned = date,
                Field::SubmittedAt => row.submitted = date,
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
                Field::DossierDigitized => row.dossier_digitized = value,
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

/// Appends a valid row to the table; gives back its dossier id.
fn push_row<'r>(row: ParsedRow<'r>, received: NaiveDate, out: &mut Dossiers) -> Cow<'r, str> {
    let end = row.finished.or(row.returned);
    out.status.push(row.status.unwrap_or(STATUS_UNKNOWN));
    out.channel
        .push(row.channel.unwrap_or(Channel::Direct) as i32);
    out.level.push(row.level.unwrap_or(LEVEL_UNKNOWN));
    out.fee.push(row.fee);
    out.charge.push(row.charge);
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
    if let (Some(code), Some(name)) = (row.procedure, row.procedure_name) {
        if !out.procedure_labels.contains_key(&code) {
            let label = key_text(name);
            if !label.is_empty() {
                out.procedure_labels.insert(code, label.into_owned());
            }
        }
    }
    if out.kept.is_empty() {
        return row.id;
    }
    let day = |d: Option<NaiveDate>| d.map(day_number);
    for field in &out.kept {
        match field {
            Field::SubmittedAt => out.submitted_day.push(day(row.submitted)),
            Field::FinishedAt => out.finished_day.push(day(row.finished)),
            Field::ReturnedAt => out.returned_day.push(day(row.returned)),
            Field::DossierDigitized => out.dossier_digitized.push(row.dossier_digitized),
            Field::ProcedureName => {
                let name = row
                    .procedure_name
                    .and_then(|text| group_id(&mut out.procedure_names, text));
                out.procedure_name.push(name);
            }
            Field::DossierId => {
                let id = out.dossier_ids.intern(&row.id);
                out.dossier_id.push(Some(id));
            }
            _ => {}
        }
    }
    row.id
}
