//! Reading dossier exports: the dossier consumer of the record source ([`super::source`]).
//! Each record is parsed, field by field as the dossier table ([`crate::dossier`]) defines
//! them, into [`Rows`]; a record that cannot be understood becomes a [`Defect`] with its record
//! and physical line number. The same `dossier_id` twice (in one file or across files) is one
//! dossier: the later row wins. [`read_inputs`] keeps every row; [`read_inputs_into`] hands
//! them to the compute stage a chunk at a time and keeps 16 bytes per row, taking back the rows
//! a later row replaces.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use encoding_rs::Encoding;

use anyhow::{bail, Context, Result};

use super::columns::{HeaderMap, HeaderMatcher};
use super::source::{self, Consumer, Record, RowProblem, SourceOptions};
use super::values::{self, DefectClass, Spellings, ValueError};
use super::{DuplicateColumn, FastMap, InputSummary, ReadOutcome, Source, Spelling};
use crate::dossier::codes::Vocabulary;
use crate::dossier::period::day_of;
use crate::dossier::rows::{intern_key, NO_KEY};
use crate::dossier::{Cell, Dictionary, Field, FieldSet, Kind, Rows, Values};
use crate::text::{fold, key_text};

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
    /// The fields whose columns the run reads (every mapped column is parsed, and a value that
    /// cannot be understood is a defect, but only these are kept).
    pub keep: FieldSet,
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
            keep: FieldSet::all(),
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

    /// An empty table for the rows of this read.
    pub fn rows(&self) -> Rows {
        Rows::new(self.keep, self.provenance)
    }
}

/// Expands the arguments into files: a pattern with `*`, `?` or `[` in it (as Windows shells and
/// quoted arguments leave them) lists the matching files, sorted; a path that exists is taken as
/// it is, even when its name holds such a character.
pub fn expand_paths(arguments: &[String]) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    for argument in arguments {
        let is_pattern = argument.contains(['*', '?', '[']);
        if !is_pattern || Path::new(argument).exists() {
            paths.push(argument.clone());
            continue;
        }
        let entries = glob::glob(argument)
            .with_context(|| format!("{argument} is not a valid file pattern"))?;
        let mut matched = Vec::new();
        for entry in entries {
            let path = entry.with_context(|| format!("cannot list the files of {argument}"))?;
            if path.is_file() {
                matched.push(path.display().to_string());
            }
        }
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
/// or across files) is one dossier: the later row wins, and the rows it replaces are dropped.
pub fn read_inputs(arguments: &[String], options: &ReadOptions) -> Result<ReadOutcome> {
    let paths = expand_paths(arguments)?;
    let mut outcome = ReadOutcome::new(options.rows());
    outcome.defects.keep_all = options.provenance;
    let mut seen = SeenIds::default();
    for path in &paths {
        read_file(path, options, &mut outcome, &mut seen, None)
            .with_context(|| format!("reading {path}"))?;
    }
    // Kept rows are placed by their index in the table.
    let replaced = seen.replaced();
    outcome.duplicates_merged = seen.merged;
    if !replaced.is_empty() {
        let mut replaced = replaced.into_iter().peekable();
        let live: Vec<usize> = (0..outcome.rows.len())
            .filter(|&row| {
                let gone = replaced.peek() == Some(&(row as u32));
                if gone {
                    replaced.next();
                }
                !gone
            })
            .collect();
        outcome.rows.retain(&live);
    }
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
        if !outcome.rows.is_empty() {
            sink.rows(&outcome.rows, 1)?;
            outcome.rows.clear();
        }
        return Ok(outcome);
    }
    let mut outcome = ReadOutcome::new(options.rows());
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
    hand_over(&mut outcome.rows, sink, 1)?;
    let replaced = seen.replaced();
    outcome.duplicates_merged = seen.merged;
    if !sink.takes_back() {
        return Ok(outcome);
    }
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
    fn rows(&mut self, rows: &Rows, weight: i64) -> Result<()>;

    /// Whether replaced rows must be handed back (a sink that keeps nothing needs no second
    /// read).
    fn takes_back(&self) -> bool {
        true
    }
}

/// A sink that only counts: for commands that read every row but compute nothing (`check`).
#[derive(Debug, Default)]
pub struct Discard;

impl RowSink for Discard {
    fn rows(&mut self, _rows: &Rows, _weight: i64) -> Result<()> {
        Ok(())
    }

    fn takes_back(&self) -> bool {
        false
    }
}

/// Hands the rows held to the sink and forgets them (not the dictionaries).
fn hand_over(rows: &mut Rows, sink: &mut dyn RowSink, weight: i64) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    sink.rows(rows, weight)?;
    rows.clear();
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
        rows: &mut outcome.rows,
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
    hand_over(reader.rows, reader.sink, -1)
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
    rows: &'a mut Rows,
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
        match parser.parse(record, self.rows) {
            Ok(values) => self.rows.push(&values, 0, line),
            Err(_) => {
                self.error = Some(anyhow::anyhow!(
                    "the file changed while it was read: line {line} is no longer a valid row"
                ));
                return Ok(());
            }
        }
        if self.rows.len() >= self.options.chunk_rows {
            if let Err(error) = hand_over(self.rows, self.sink, -1) {
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

/// Reads one export from any byte stream into `outcome`, keeping its rows; `path` names it in
/// messages.
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
    let mut reader = DossierReader {
        file: outcome.inputs.len() as u32,
        options,
        rows: &mut outcome.rows,
        valid_rows: &mut outcome.valid_rows,
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
    for &field in Field::ALL {
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
        ..InputSummary::new(path, Source::Dossiers, summary, &header_map)
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

/// The dossier consumer: maps the header, parses each record into [`Rows`], merges
/// duplicates.
struct DossierReader<'a, 's> {
    /// The file's position among the inputs, for `source_file`.
    file: u32,
    options: &'a ReadOptions,
    rows: &'a mut Rows,
    /// Valid rows read so far ([`ReadOutcome::valid_rows`]).
    valid_rows: &'a mut u64,
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
        let values = parser.parse(record, self.rows)?;
        if let Cell::Date(day) = values.get(Field::ReceivedAt) {
            self.received_range = Some(match self.received_range {
                Some((from, to)) => (from.min(day), to.max(day)),
                None => (day, day),
            });
        }
        self.last_line = record.line();
        // A kept row is placed by its index; a streamed one by its line across the inputs.
        let position = match &self.stream {
            None => self.rows.len() as u64,
            Some(stream) => stream.line_base + record.line(),
        };
        match u32::try_from(position) {
            Ok(position) => self.seen.record(&values.id, position),
            Err(_) if self.stream_error.is_none() => {
                self.stream_error = Some(anyhow::anyhow!(
                    "the inputs hold more than {} lines: give them to separate runs",
                    u32::MAX
                ))
            }
            Err(_) => {}
        }
        self.rows.push(&values, self.file, record.line());
        *self.valid_rows += 1;
        if let Some(stream) = self.stream.as_mut() {
            if self.rows.len() >= self.options.chunk_rows && self.stream_error.is_none() {
                if let Err(error) = hand_over(self.rows, stream.sink, 1) {
                    self.stream_error = Some(error);
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
    pub fn record(&mut self, id: &str, position: u32) {
        let hash = xxhash_rust::xxh3::xxh3_128(id.as_bytes());
        self.rows
            .push((hash >> POSITION_BITS << POSITION_BITS) | u128::from(position));
    }

    /// The positions of the rows a later row with the same id replaces, ascending; they are
    /// counted in `merged`.
    pub fn replaced(&mut self) -> Vec<u32> {
        let mut replaced: Vec<u32> = self
            .groups()
            .into_iter()
            .flat_map(|mut positions| {
                positions.pop();
                positions
            })
            .collect();
        replaced.sort_unstable();
        self.merged += replaced.len() as u64;
        replaced
    }

    /// The positions of each id seen more than once, ascending within each group.
    pub fn groups(&mut self) -> Vec<Vec<u32>> {
        let mut rows = std::mem::take(&mut self.rows);
        rows.sort_unstable();
        let mut groups = Vec::new();
        let mut start = 0;
        while start < rows.len() {
            let hash = rows[start] >> POSITION_BITS;
            let end = start
                + rows[start..]
                    .iter()
                    .take_while(|r| **r >> POSITION_BITS == hash)
                    .count();
            if end - start > 1 {
                groups.push(rows[start..end].iter().map(|r| *r as u32).collect());
            }
            start = end;
        }
        groups
    }
}

/// Vocabulary columns have few distinct spellings; remembering each spelling's meaning avoids
/// folding the same text millions of times. The cap keeps a column of free text from growing it.
struct Memo<T> {
    known: FastMap<Vec<u8>, Result<T, ValueError>>,
    parse: Parser<T>,
    /// The user's spellings, by folded text; they win over the built-in vocabulary.
    custom: HashMap<String, T>,
}

const MEMO_CAP: usize = 4096;

/// How a vocabulary column's cell is understood.
type Parser<T> = Box<dyn Fn(&str) -> Result<T, ValueError> + Send>;

impl<T: Clone> Memo<T> {
    fn new(parse: Parser<T>, custom: HashMap<String, T>) -> Self {
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

/// A coded cell: its vocabulary's code, or an unknown spelling.
fn parse_code(vocabulary: &'static Vocabulary) -> Parser<i8> {
    Box::new(move |text| {
        vocabulary.parse(text).map_err(|e| ValueError {
            class: DefectClass::UnknownValue,
            reason: e.reason,
        })
    })
}

/// Group columns (unit, sector, procedure code) hold few distinct cells: the group id of each
/// cell as written is remembered, so a row costs one hash lookup instead of normalising the
/// text again (key text: trim, format characters, NFC).
#[derive(Default)]
struct GroupMemo {
    known: FastMap<Vec<u8>, u32>,
}

impl GroupMemo {
    fn id(&mut self, raw: &[u8], text: &str, dictionary: &mut Dictionary) -> u32 {
        if let Some(id) = self.known.get(raw) {
            return *id;
        }
        let id = intern_key(dictionary, text);
        if self.known.len() < MEMO_CAP {
            self.known.insert(raw.to_vec(), id);
        }
        id
    }
}

/// How one mapped column is parsed, by its field's kind.
enum ColumnParser {
    Id,
    Text,
    Key(GroupMemo),
    Date,
    Amount,
    Bool(Memo<bool>),
    Code(Memo<i8>),
}

impl ColumnParser {
    fn for_field(field: Field, spellings: &Spellings) -> Self {
        match field.kind() {
            Kind::Id => ColumnParser::Id,
            Kind::Text => ColumnParser::Text,
            Kind::Key => ColumnParser::Key(GroupMemo::default()),
            Kind::Date => ColumnParser::Date,
            Kind::Amount => ColumnParser::Amount,
            Kind::Bool => ColumnParser::Bool(Memo::new(
                Box::new(values::parse_bool),
                spellings.booleans(field),
            )),
            Kind::Code(vocabulary) => {
                ColumnParser::Code(Memo::new(parse_code(vocabulary), spellings.codes(field)))
            }
        }
    }

    /// Whether `cchc check` lists the spellings of this column.
    fn is_vocabulary(&self) -> bool {
        matches!(self, ColumnParser::Bool(_) | ColumnParser::Code(_))
    }
}

/// Counts a spelling (trimmed, in NFC so an NFD cell joins its NFC twin), remembering whether
/// it was understood.
fn tally_spelling(seen: &mut HashMap<String, Spelling>, text: &str, understood: bool) {
    let key = key_text(text);
    if let Some(count) = seen.get_mut(key.as_ref()) {
        count.rows += 1;
    } else if seen.len() < SPELLINGS_CAP {
        seen.insert(
            key.into_owned(),
            Spelling {
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
    seen: Option<HashMap<String, Spelling>>,
}

/// Parses the records of one file.
struct RowParser {
    headers: Vec<String>,
    expected_fields: usize,
    columns: Vec<MappedColumn>,
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
    fn spellings_seen(&self) -> BTreeMap<String, BTreeMap<String, Spelling>> {
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

    /// Parses one record into its values (group keys are interned in `rows`' dictionaries, so a
    /// defective row can leave a key there; groups are listed from valid rows only).
    fn parse<'r>(
        &mut self,
        record: &Record<'r>,
        rows: &mut Rows,
    ) -> Result<Values<'r>, RowProblem> {
        if record.len() != self.expected_fields {
            return Err(RowProblem::field_count(self.expected_fields, record.len()));
        }
        let mut values = Values::default();
        let headers = &self.headers;
        for column in &mut self.columns {
            let position = column.position;
            let field = column.field;
            let raw = record.bytes(position);
            let problem = |class, reason: String, value: String| RowProblem {
                column: Some(headers[position].clone()),
                field: Some(field.name()),
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
            let parsed = parse_cell(field, &mut column.parser, raw, text, &mut values, rows);
            if let Some(seen) = &mut column.seen {
                tally_spelling(seen, text, parsed.is_ok());
            }
            parsed.map_err(|e| problem(e.class, e.reason, text.to_string()))?;
        }
        Ok(values)
    }
}

fn blank_required(field: Field) -> ValueError {
    ValueError {
        class: DefectClass::MissingRequired,
        reason: format!("required field {field} is blank"),
    }
}

/// Parses one cell into `values`; a blank required field is a defect.
fn parse_cell<'r>(
    field: Field,
    parser: &mut ColumnParser,
    raw: &[u8],
    text: &'r str,
    values: &mut Values<'r>,
    rows: &mut Rows,
) -> Result<(), ValueError> {
    let cell = match parser {
        ColumnParser::Id => {
            let id = key_text(text);
            if id.is_empty() {
                return Err(blank_required(field));
            }
            values.id = id;
            return Ok(());
        }
        ColumnParser::Text => {
            values.name = Some(text);
            return Ok(());
        }
        ColumnParser::Key(memo) => {
            let key = memo.id(raw, text, rows.dictionary_mut(field));
            if key == NO_KEY {
                Cell::Blank
            } else {
                Cell::Key(key)
            }
        }
        ColumnParser::Date => match values::parse_date(text)? {
            Some(date) => Cell::Date(day_of(date)),
            None => Cell::Blank,
        },
        ColumnParser::Amount => Cell::Amount(values::parse_amount(text)?),
        ColumnParser::Bool(memo) => Cell::Bool(memo.get(raw, text)?),
        ColumnParser::Code(memo) => Cell::Code(memo.get(raw, text)?),
    };
    if field.is_required() && cell == Cell::Blank {
        return Err(blank_required(field));
    }
    values.set(field, cell);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_expand_to_sorted_files_and_a_missing_match_is_an_error() -> Result<()> {
        let dir = tempfile::tempdir()?;
        for name in ["b.csv", "a.csv", "c.txt"] {
            std::fs::write(dir.path().join(name), "x")?;
        }
        let pattern = dir.path().join("*.csv").display().to_string();
        let paths = expand_paths(&[pattern])?;
        let names: Vec<String> = paths
            .iter()
            .filter_map(|p| {
                Path::new(p)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .collect();
        assert_eq!(names, ["a.csv", "b.csv"]);
        let none = dir.path().join("*.xlsx").display().to_string();
        assert!(expand_paths(&[none]).is_err());
        Ok(())
    }
}
