//! Reading dossier exports: the dossier consumer of the record source ([`super::source`]).
//! Each record is parsed, field by field as the dossier table ([`crate::dossier`]) defines
//! them, into [`Rows`]; a record that cannot be understood becomes a [`Defect`](super::Defect) with its record
//! and physical line number. The same `dossier_id` twice (in one file or across files) is one
//! dossier: the later row wins. [`read_inputs`] keeps every row; [`read_inputs_into`] hands
//! them to the compute stage a chunk at a time and keeps 12 bytes per row, taking back the rows
//! a later row replaces.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use encoding_rs::Encoding;

use anyhow::{bail, Context, Result};

use super::columns::{HeaderMap, HeaderMatcher};
use super::memo::CellMemo;
use super::ranges::RangeConsumer;
use super::source::{self, Consumer, Record, RowProblem, SourceOptions};
use super::values::{self, DefectClass, Spellings, ValueError};
use super::{DuplicateColumn, FastMap, InputSummary, ReadOutcome, Source, Spelling};
use crate::dossier::codes::Vocabulary;
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
    /// Compute each input's SHA-256: every run whose output states provenance (see
    /// [`super::source::SourceOptions::sha256`]).
    pub sha256: bool,
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
            sha256: true,
        }
    }

    pub fn source(&self) -> SourceOptions {
        SourceOptions {
            encoding: self.encoding,
            delimiter: self.delimiter,
            sheet: self.sheet.clone(),
            sha256: self.sha256,
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
pub const CHUNK_ROWS: usize = 1 << 17;

/// Reads every input like [`read_inputs`], but hands the valid rows to `sink` a chunk at a time
/// instead of keeping them: memory holds one chunk and 12 bytes per row (the id's hash, for the
/// merge of duplicates). A row is placed by its physical line across the inputs; when a later
/// row replaces it, the files holding replaced rows are split once more and those rows alone
/// are parsed again and taken back (weight −1). The outcome keeps every input summary, defect
/// and dictionary, and no row.
///
/// The sink runs on a thread of its own (`input::sink_thread`), so the merge of the ranges
/// never waits for a chunk to be summed.
pub fn read_inputs_into(
    arguments: &[String],
    options: &ReadOptions,
    sink: &mut dyn RowSink,
) -> Result<ReadOutcome> {
    super::sink_thread::with_sink_thread(sink, |sink| stream_inputs(arguments, options, sink))
}

/// [`read_inputs_into`] on the reading thread's side.
fn stream_inputs(
    arguments: &[String],
    options: &ReadOptions,
    sink: &mut dyn RowSink,
) -> Result<ReadOutcome> {
    let paths = expand_paths(arguments)?;
    if paths.iter().any(|path| !Path::new(path).is_file()) {
        // A pipe (or a shell's process substitution) cannot be read twice to take rows back:
        // its rows are kept, then handed over at once.
        let mut outcome = read_inputs(&paths, options)?;
        for (index, input) in outcome.inputs.iter().enumerate() {
            let lacking: Vec<Field> = outcome
                .missing_fields
                .iter()
                .filter(|(_, paths)| paths.contains(&input.path))
                .map(|(field, _)| *field)
                .collect();
            sink.file(index as u32, &input.path, &lacking)?;
        }
        if !outcome.rows.is_empty() {
            sink.rows(&mut outcome.rows, 1)?;
            outcome.rows.clear();
        }
        return Ok(outcome);
    }
    let mut outcome = ReadOutcome::new(options.rows());
    outcome.defects.keep_all = options.provenance;
    let mut seen = SeenIds::default();
    // Each input's lines are placed after the previous inputs' lines.
    let mut line_bases = Vec::with_capacity(paths.len() + 1);
    let mut line_base = 0u64;
    let mut indexes = Vec::with_capacity(paths.len());
    for path in &paths {
        line_bases.push(line_base);
        let stream = Stream {
            line_base,
            sink: &mut *sink,
        };
        let (last_line, index) = read_file(path, options, &mut outcome, &mut seen, Some(stream))
            .with_context(|| format!("reading {path}"))?;
        line_base += last_line;
        indexes.push(index);
    }
    line_bases.push(line_base);
    hand_over(&mut outcome.rows, sink, 1)?;
    let replaced = seen.replaced();
    outcome.duplicates_merged = seen.merged;
    if !sink.takes_back() {
        // Each position is a line across the inputs: back to an input and its line.
        let places: Vec<(u32, u64)> = replaced
            .iter()
            .map(|&p| {
                let p = u64::from(p);
                let index = line_bases
                    .partition_point(|&base| base < p)
                    .saturating_sub(1);
                (index as u32, p - line_bases[index])
            })
            .collect();
        sink.replaced(&places)?;
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
            take_back(
                path,
                options,
                &lines,
                indexes[index].as_ref(),
                &mut outcome,
                sink,
            )
            .with_context(|| format!("reading {path} again for its replaced rows"))?;
        }
    }
    Ok(outcome)
}

/// Where [`read_inputs_into`] hands valid rows (on a thread of its own, hence `Send`).
pub trait RowSink: Send {
    /// A file's header is mapped: its rows follow, with `index` as their input. `lacking`: the
    /// optional fields it has no column for.
    fn file(&mut self, _index: u32, _path: &str, _lacking: &[Field]) -> Result<()> {
        Ok(())
    }

    /// `rows` read (`weight` 1), or read earlier and now replaced by a later row of the same
    /// dossier (`weight` −1). The sink may change them (the catalogue's levels): they are
    /// dropped after.
    fn rows(&mut self, rows: &mut Rows, weight: i64) -> Result<()>;

    /// Whether replaced rows must be handed back (a sink that keeps nothing needs no second
    /// read).
    fn takes_back(&self) -> bool {
        true
    }

    /// Whether the sink runs on a thread of its own (`input::sink_thread`): a sink that
    /// already hands its work to another thread gains nothing from one, and holds more chunks.
    fn on_own_thread(&self) -> bool {
        true
    }

    /// When the sink does not take rows back: the rows (input index, line) that a later row
    /// of the same dossier replaced, once every file is read.
    fn replaced(&mut self, _rows: &[(u32, u64)]) -> Result<()> {
        Ok(())
    }
}

/// A sink that only counts: for commands that read every row but compute nothing (`check`).
#[derive(Debug, Default)]
pub struct Discard;

impl RowSink for Discard {
    fn rows(&mut self, _rows: &mut Rows, _weight: i64) -> Result<()> {
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

/// Where each range of a file read in ranges began (its first record's byte and physical
/// line, in file order), where the last one ended, and how its records are split (delimiter
/// and header), so they can be read again without opening the file anew.
#[derive(Debug, Clone, Default)]
struct RangeIndex {
    starts: Vec<(u64, u64)>,
    end: u64,
    delimiter: u8,
    headers: Vec<String>,
}

impl RangeIndex {
    /// The ranges holding the records on `lines` (ascending physical lines of record starts),
    /// each once and in file order: its first byte, the byte after it, its first line.
    fn holding(&self, lines: &[u64]) -> Vec<(u64, u64, u64)> {
        let mut found: Vec<(u64, u64, u64)> = Vec::new();
        for &line in lines {
            let k = self
                .starts
                .partition_point(|&(_, first)| first <= line)
                .saturating_sub(1);
            let Some(&(start, first)) = self.starts.get(k) else {
                continue;
            };
            if found.last().is_some_and(|last| last.0 == start) {
                continue;
            }
            let end = self.starts.get(k + 1).map_or(self.end, |next| next.0);
            found.push((start, end, first));
        }
        found
    }
}

/// Reads one export again and hands the rows on the given physical lines (valid on the first
/// read) back to the sink with weight −1. A file the first read placed in ranges is read again
/// only in the ranges that hold those rows.
fn take_back(
    path: &str,
    options: &ReadOptions,
    lines: &[u64],
    index: Option<&RangeIndex>,
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
    // The defects were counted on the first read, and so was the file's digest.
    let mut defects = super::DefectLog::default();
    let source = SourceOptions {
        sha256: false,
        ..options.source()
    };
    if let Some(index) = index {
        reader.begin(&index.headers)?;
        let multiline = source::multiline_columns(&reader, index.headers.len());
        for (start, end, first_line) in index.holding(lines) {
            let span = super::ranges::span_reader(
                Path::new(path),
                start,
                end,
                first_line,
                index.delimiter,
                &multiline,
            )?;
            super::ranges::read_span(span, &index.headers, &mut reader)?;
        }
    } else {
        source::read_path(path, &source, &mut reader, &mut defects, "dossier")?;
    }
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
    let parser = RowParser::new(&header_map, options, tally_spellings);
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

    fn allows_line_break(&self, position: usize) -> bool {
        // The second read splits the file exactly as the first.
        self.parser
            .as_ref()
            .is_none_or(|p| p.allows_line_break(position))
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
        let mut values = Values::default();
        match parser.parse(record, self.rows, &mut values) {
            Ok(()) => self.rows.end_row(&values, 0, line),
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

/// Reads one export, CSV or workbook: in parallel ranges when it is a large UTF-8 file on disk
/// ([`super::ranges`]), else in one pass. Gives back the physical line of its last valid row.
fn read_file(
    path: &str,
    options: &ReadOptions,
    outcome: &mut ReadOutcome,
    seen: &mut SeenIds,
    stream: Option<Stream<'_>>,
) -> Result<(u64, Option<RangeIndex>)> {
    let threads = super::ranges::threads();
    let file = outcome.inputs.len() as u32;
    let source_options = options.source();
    let probe = DossierParser::new(options, 0, file);
    let ranged = source::open_ranges(path, &source_options, &probe, "dossier", threads)?;
    // The defects are collected apart from the outcome the merge holds, then put back.
    let mut defects = std::mem::take(&mut outcome.defects);
    let mut merge = Merge::new(path, outcome, seen, stream, options.chunk_rows);
    let read = match ranged {
        Some(ranged) => {
            // Replaced rows are read again from their ranges, split as now.
            merge.ranges = Some(RangeIndex {
                delimiter: ranged.dialect.delimiter,
                headers: ranged.headers.clone(),
                ..RangeIndex::default()
            });
            let header_map = std::sync::OnceLock::new();
            let mut header = HeaderParser {
                parser: DossierParser::new(options, 0, file),
                map: &header_map,
            };
            let worker = |number: usize| -> Result<DossierParser<'_>> {
                let map: &HeaderMap = header_map
                    .get()
                    .ok_or_else(|| anyhow::anyhow!("no header map (internal error)"))?;
                let mut parser = DossierParser::new(options, number, file);
                parser.begin_with(map.clone());
                Ok(parser)
            };
            source::read_in_ranges(
                path,
                ranged,
                &source_options,
                &mut header,
                threads,
                &worker,
                &mut |part, placed| {
                    merge.announce(header_map.get())?;
                    merge.commit(part, placed)
                },
                &mut defects,
            )
            .map(|summary| (summary, header.parser))
        }
        None => {
            let mut reader = Sequential {
                parser: DossierParser::new(options, 0, file),
                merge: &mut merge,
            };
            source::read_path(path, &source_options, &mut reader, &mut defects, "dossier").map(
                |summary| {
                    reader.flush();
                    (summary, reader.parser)
                },
            )
        }
    };
    let finished = read.and_then(|(summary, parser)| merge.finish(path, summary, parser));
    outcome_defects(&mut merge).replace(defects);
    finished
}

/// The main thread's consumer of a file read in ranges: maps the header for every worker.
struct HeaderParser<'a, 'm> {
    parser: DossierParser<'a>,
    map: &'m std::sync::OnceLock<HeaderMap>,
}

impl Consumer for HeaderParser<'_, '_> {
    fn is_header(&self, cell: &str) -> bool {
        self.parser.is_header(cell)
    }

    fn begin(&mut self, headers: &[String]) -> Result<()> {
        self.parser.begin(headers)?;
        if let Some(map) = &self.parser.header_map {
            let _ = self.map.set(map.clone());
        }
        Ok(())
    }

    fn record(&mut self, record: &Record<'_>) -> Result<(), RowProblem> {
        self.parser.record(record)
    }

    fn allows_line_break(&self, position: usize) -> bool {
        self.parser.allows_line_break(position)
    }
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
    let file = outcome.inputs.len() as u32;
    let mut defects = std::mem::take(&mut outcome.defects);
    let mut merge = Merge::new(path, outcome, seen, None, options.chunk_rows);
    let mut reader = Sequential {
        parser: DossierParser::new(options, 0, file),
        merge: &mut merge,
    };
    let summary = source::read_records(
        path,
        raw,
        &options.source(),
        &mut reader,
        &mut defects,
        "dossier",
    );
    reader.flush();
    let parser = reader.parser;
    let finished = summary.and_then(|summary| merge.finish(path, summary, parser));
    outcome_defects(&mut merge).replace(defects);
    finished.map(drop)
}

/// The defect log of the outcome a merge holds.
fn outcome_defects<'m>(merge: &'m mut Merge<'_, '_>) -> DefectSlot<'m> {
    DefectSlot(&mut merge.outcome.defects)
}

/// Where the defects go back once a file is read.
struct DefectSlot<'m>(&'m mut super::DefectLog);

impl DefectSlot<'_> {
    fn replace(self, defects: super::DefectLog) {
        *self.0 = defects;
    }
}

/// A file read in one pass: the parser hands its rows to the merge every [`PART_ROWS`] rows.
struct Sequential<'a, 'm, 'o, 's> {
    parser: DossierParser<'a>,
    merge: &'m mut Merge<'o, 's>,
}

/// Rows a file read in one pass hands to the merge at a time.
const PART_ROWS: usize = 1 << 15;

impl Sequential<'_, '_, '_, '_> {
    fn flush(&mut self) {
        let part = self.parser.take_part();
        let placed = super::ranges::Outcome::Placed {
            place: super::ranges::Place::default(),
            defects: Vec::new(),
        };
        if let Err(error) = self.merge.commit(part, placed) {
            self.merge.error.get_or_insert(error);
        }
    }
}

impl Consumer for Sequential<'_, '_, '_, '_> {
    fn is_header(&self, cell: &str) -> bool {
        self.parser.is_header(cell)
    }

    fn begin(&mut self, headers: &[String]) -> Result<()> {
        self.parser.begin(headers)?;
        self.merge.announce(self.parser.header_map.as_ref())
    }

    fn record(&mut self, record: &Record<'_>) -> Result<(), RowProblem> {
        self.parser.record(record)?;
        if self.parser.rows.len() >= PART_ROWS.min(self.parser.options.chunk_rows) {
            self.flush();
        }
        Ok(())
    }

    fn field_at(&self, position: usize) -> Option<&'static str> {
        self.parser.field_at(position)
    }

    fn allows_line_break(&self, position: usize) -> bool {
        self.parser.allows_line_break(position)
    }
}

/// What a stretch of a file gave (a range, or `PART_ROWS` rows of a file read in one pass):
/// its valid rows, with the group ids of the parser that read them, and what the merge needs to
/// place them among every input.
pub struct DossierPart {
    /// The parser that read it: its group ids are that parser's.
    parser: usize,
    rows: Rows,
    /// Texts the parser's dictionaries gained, by field; their ids follow those sent before.
    names: Vec<(Field, Vec<String>)>,
    /// Each valid row's id hash (its top 96 bits) and line within the stretch.
    ids: Vec<(u128, u64)>,
    /// Earliest and latest `received_at`, as day numbers.
    received_range: Option<(i32, i32)>,
    /// The line of the last valid row within the stretch (0: none).
    last_line: u64,
    /// `cchc check`: spellings seen per column position, in the order first seen.
    spellings: Vec<(usize, Vec<(String, Spelling)>)>,
}

/// The dossier consumer of one thread: maps the header, parses each record into rows of its
/// own, and hands them over as [`DossierPart`]s.
struct DossierParser<'a> {
    options: &'a ReadOptions,
    /// This parser's number, so the merge knows whose ids a part holds.
    number: usize,
    /// The file's position among the inputs, for `source_file`.
    file: u32,
    parser: Option<RowParser>,
    header_map: Option<HeaderMap>,
    rows: Rows,
    /// Per field, the dictionary texts already handed over.
    sent: Vec<usize>,
    ids: Vec<(u128, u64)>,
    received_range: Option<(i32, i32)>,
    last_line: u64,
}

impl<'a> DossierParser<'a> {
    fn new(options: &'a ReadOptions, number: usize, file: u32) -> Self {
        DossierParser {
            options,
            number,
            file,
            parser: None,
            header_map: None,
            rows: options.rows(),
            sent: vec![0; crate::dossier::FIELD_COUNT],
            ids: Vec::new(),
            received_range: None,
            last_line: 0,
        }
    }

    /// Starts with a header already mapped (a worker thread of a file read in ranges).
    fn begin_with(&mut self, header_map: HeaderMap) {
        self.parser = Some(RowParser::new(
            &header_map,
            self.options,
            self.options.tally_spellings,
        ));
        self.header_map = Some(header_map);
    }
}

impl Consumer for DossierParser<'_> {
    fn is_header(&self, cell: &str) -> bool {
        self.options.matcher.field_of(cell).is_some()
    }

    fn begin(&mut self, headers: &[String]) -> Result<()> {
        let header_map = self.options.matcher.map_headers(headers);
        header_map.check_required()?;
        self.begin_with(header_map);
        Ok(())
    }

    fn record(&mut self, record: &Record<'_>) -> Result<(), RowProblem> {
        let Some(parser) = self.parser.as_mut() else {
            return Ok(());
        };
        let mut values = Values::default();
        parser.parse(record, &mut self.rows, &mut values)?;
        if let Some(day) = values.received {
            self.received_range = Some(match self.received_range {
                Some((from, to)) => (from.min(day), to.max(day)),
                None => (day, day),
            });
        }
        self.last_line = record.line();
        self.ids.push((SeenIds::hash(&values.id), record.line()));
        self.rows.end_row(&values, self.file, record.line());
        Ok(())
    }

    fn field_at(&self, position: usize) -> Option<&'static str> {
        let map = self.header_map.as_ref()?;
        map.fields.get(position).copied().flatten().map(Field::name)
    }

    fn allows_line_break(&self, position: usize) -> bool {
        self.parser
            .as_ref()
            .is_none_or(|p| p.allows_line_break(position))
    }
}

impl super::ranges::RangeConsumer for DossierParser<'_> {
    type Part = DossierPart;

    fn take_part(&mut self) -> DossierPart {
        let mut names = Vec::new();
        for &field in Field::ALL {
            let new = self.rows.names_from(field, self.sent[field as usize]);
            if !new.is_empty() {
                self.sent[field as usize] += new.len();
                names.push((field, new.to_vec()));
            }
        }
        DossierPart {
            parser: self.number,
            rows: self.rows.take_rows(),
            names,
            ids: std::mem::take(&mut self.ids),
            received_range: self.received_range.take(),
            last_line: std::mem::take(&mut self.last_line),
            spellings: self
                .parser
                .as_mut()
                .map(RowParser::take_spellings)
                .unwrap_or_default(),
        }
    }
}

/// Puts the parts of one file in place among every input, in file order: their rows join the
/// run's table (or go to the sink a chunk at a time), their ids are placed for the merge of
/// duplicates, and their group ids become the run's.
struct Merge<'o, 's> {
    /// The file read, and its position among the inputs.
    path: String,
    file: u32,
    /// Whether the sink was told of the file ([`RowSink::file`]).
    announced: bool,
    outcome: &'o mut ReadOutcome,
    seen: &'o mut SeenIds,
    /// Reading for [`read_inputs_into`]: rows are handed over a chunk at a time.
    stream: Option<Stream<'s>>,
    /// Rows handed to the sink at a time.
    chunk_rows: usize,
    /// Per parser, per field: its ids → the run's.
    remaps: Vec<Vec<Vec<u32>>>,
    received_range: Option<(i32, i32)>,
    last_line: u64,
    /// Where each range began, for a file read in ranges (a file read in one pass hands its
    /// parts over too, placed at its start).
    ranges: Option<RangeIndex>,
    /// Spellings per column position: the counts, and each spelling's place in them.
    spellings: BTreeMap<usize, SpellingTally>,
    /// The sink's failure, or too many lines: reported once the source is done.
    error: Option<anyhow::Error>,
}

impl<'o, 's> Merge<'o, 's> {
    fn new(
        path: &str,
        outcome: &'o mut ReadOutcome,
        seen: &'o mut SeenIds,
        stream: Option<Stream<'s>>,
        chunk_rows: usize,
    ) -> Self {
        Merge {
            path: path.to_string(),
            file: outcome.inputs.len() as u32,
            announced: false,
            outcome,
            seen,
            stream,
            chunk_rows,
            remaps: Vec::new(),
            received_range: None,
            last_line: 0,
            ranges: None,
            spellings: BTreeMap::new(),
            error: None,
        }
    }

    /// Tells the sink of the file, once its header is mapped.
    fn announce(&mut self, header_map: Option<&HeaderMap>) -> Result<()> {
        if self.announced {
            return Ok(());
        }
        self.announced = true;
        let (Some(stream), Some(header_map)) = (self.stream.as_mut(), header_map) else {
            return Ok(());
        };
        let lacking: Vec<Field> = Field::ALL
            .iter()
            .copied()
            .filter(|f| !f.is_required() && !header_map.has(*f))
            .collect();
        stream.sink.file(self.file, &self.path, &lacking)
    }

    fn commit(&mut self, part: DossierPart, outcome: super::ranges::Outcome) -> Result<()> {
        if self.remaps.len() <= part.parser {
            self.remaps.resize_with(part.parser + 1, || {
                vec![Vec::new(); crate::dossier::FIELD_COUNT]
            });
        }
        let remap = &mut self.remaps[part.parser];
        for (field, names) in &part.names {
            let dictionary = self.outcome.rows.dictionary_mut(*field);
            remap[*field as usize].extend(names.iter().map(|name| dictionary.intern(name)));
        }
        let super::ranges::Outcome::Placed { place, .. } = outcome else {
            return Ok(());
        };
        if let Some(ranges) = self.ranges.as_mut() {
            ranges.starts.push((place.start, place.line_offset + 1));
            ranges.end = place.end;
        }
        let before = self.outcome.rows.len() as u64;
        self.outcome
            .rows
            .append(&part.rows, remap, place.line_offset)?;
        for (index, (hash, line)) in part.ids.iter().enumerate() {
            // A kept row is placed by its index; a streamed one by its line across the inputs.
            let position = match &self.stream {
                None => before + index as u64,
                Some(stream) => stream.line_base + place.line_offset + line,
            };
            match u32::try_from(position) {
                Ok(position) => self.seen.push(*hash, position),
                Err(_) => {
                    self.error.get_or_insert_with(|| {
                        anyhow::anyhow!(
                            "the inputs hold more than {} lines: give them to separate runs",
                            u32::MAX
                        )
                    });
                }
            }
        }
        self.outcome.valid_rows += part.rows.len() as u64;
        if let Some((from, to)) = part.received_range {
            self.received_range = Some(match self.received_range {
                Some((a, b)) => (a.min(from), b.max(to)),
                None => (from, to),
            });
        }
        if part.last_line > 0 {
            self.last_line = self.last_line.max(place.line_offset + part.last_line);
        }
        for (position, spellings) in part.spellings {
            let tally = self.spellings.entry(position).or_default();
            for (spelling, count) in spellings {
                tally.add(spelling, count);
            }
        }
        if let Some(stream) = self.stream.as_mut() {
            if self.outcome.rows.len() >= self.chunk_rows && self.error.is_none() {
                if let Err(error) = hand_over(&mut self.outcome.rows, stream.sink, 1) {
                    self.error = Some(error);
                }
            }
        }
        Ok(())
    }

    /// Records what the file was once its last part is in: its summary, the fields it lacks.
    /// Gives the file's last line and, for a file read in ranges, where they began.
    fn finish(
        &mut self,
        path: &str,
        summary: source::SourceSummary,
        parser: DossierParser<'_>,
    ) -> Result<(u64, Option<RangeIndex>)> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        if summary.rows == 0 {
            bail!("the file has a header line but no data rows");
        }
        let (Some(header_map), Some(row_parser)) = (parser.header_map, parser.parser) else {
            bail!("the file has no header line");
        };
        for &field in Field::ALL {
            if !field.is_required() && !header_map.has(field) {
                self.outcome
                    .missing_fields
                    .entry(field)
                    .or_default()
                    .push(path.to_string());
            }
        }
        let spellings = std::mem::take(&mut self.spellings)
            .into_iter()
            .map(|(position, tally)| {
                (
                    row_parser.headers[position].clone(),
                    tally.counts.into_iter().collect(),
                )
            })
            .collect();
        self.outcome.inputs.push(InputSummary {
            spellings,
            received_range: self.received_range,
            ..InputSummary::new(path, Source::Dossiers, summary, &header_map)
        });
        Ok((self.last_line, self.ranges.take()))
    }
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

/// The valid rows' dossier ids, to merge a dossier exported twice (in one file or across
/// files). Each row costs 12 bytes whatever its id (at ten million rows this was the largest
/// part of a run's memory at 16): rows are kept in `BUCKETS` buckets by the top 8 bits of
/// the id's 128-bit xxh3 hash, each with the next 64 bits and its position. A bucket grows by
/// blocks of `BLOCK` rows that are never moved (vectors growing by doubling left the heap
/// fragmented: more memory than one vector of 16 bytes a row), and the buckets' open blocks
/// stay in cache (4,096 buckets made each row a cache miss: a tenth of a second per million
/// rows on the merge thread). Once every row is in, each bucket's ids seen again are found
/// with a set of its keys, and all but the last row of each are replaced. Two different ids
/// share those 72 bits with a probability of about n²/2⁷³: 10⁻⁸ for ten million rows.
#[derive(Debug, Default)]
pub struct SeenIds {
    /// Per bucket, its blocks: the 64 hash bits (high and low half) and the position of each
    /// row.
    buckets: Vec<Vec<Vec<[u32; 3]>>>,
    pub merged: u64,
}

const BUCKET_BITS: u32 = 8;
const BUCKETS: usize = 1 << BUCKET_BITS;
/// Rows per block of a bucket: 12 KB.
const BLOCK: usize = 1024;

impl SeenIds {
    pub fn record(&mut self, id: &str, position: u32) {
        self.push(Self::hash(id), position);
    }

    /// The id's hash, as [`SeenIds::push`] takes it.
    pub fn hash(id: &str) -> u128 {
        xxhash_rust::xxh3::xxh3_128(id.as_bytes())
    }

    /// A row whose id has this [`SeenIds::hash`], at `position`.
    pub fn push(&mut self, hash: u128, position: u32) {
        if self.buckets.is_empty() {
            self.buckets = vec![Vec::new(); BUCKETS];
        }
        let bucket = (hash >> (128 - BUCKET_BITS)) as usize;
        let key = (hash >> (128 - BUCKET_BITS - 64)) as u64;
        let blocks = &mut self.buckets[bucket];
        if blocks.last().is_none_or(|block| block.len() == BLOCK) {
            blocks.push(Vec::with_capacity(BLOCK));
        }
        if let Some(block) = blocks.last_mut() {
            block.push([(key >> 32) as u32, key as u32, position]);
        }
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

    /// The positions of each id seen more than once, ascending within each group, groups in
    /// the order of their first row. Buckets are independent, so they are searched on every
    /// core: this runs after the last row is read, so its time is all wall time (sorting each
    /// bucket on the merge thread was 1.6% of a 1M report's samples, at its very end).
    pub fn groups(&mut self) -> Vec<Vec<u32>> {
        let buckets = std::mem::take(&mut self.buckets);
        let threads = super::ranges::threads().clamp(1, buckets.len().max(1));
        // Ids are spread evenly over the buckets by their hash, so equal shares are equal work.
        let share = buckets.len().div_ceil(threads).max(1);
        let search = |share: &[Vec<Vec<[u32; 3]>>]| {
            let mut groups = Vec::new();
            for blocks in share {
                repeated_in_bucket(blocks, &mut groups);
            }
            groups
        };
        let mut groups: Vec<Vec<u32>> = std::thread::scope(|scope| {
            let mut shares = buckets.chunks(share);
            let own = shares.next().unwrap_or_default();
            let workers: Vec<_> = shares.map(|s| scope.spawn(move || search(s))).collect();
            let mut groups = search(own);
            for worker in workers {
                // A search that panicked is a bug: it is not to leave groups out silently.
                groups.extend(
                    worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                );
            }
            groups
        });
        for positions in &mut groups {
            positions.sort_unstable();
        }
        groups.sort_unstable_by_key(|positions| positions.first().copied());
        groups
    }
}

/// Adds to `groups` the positions of each id that repeats in one bucket's blocks.
fn repeated_in_bucket(blocks: &[Vec<[u32; 3]>], groups: &mut Vec<Vec<u32>>) {
    let rows = blocks.iter().map(Vec::len).sum();
    if rows < 2 {
        return;
    }
    let key = |row: &[u32; 3]| u64::from(row[0]) << 32 | u64::from(row[1]);
    // Key → its first position; keys seen again → their group's index.
    let mut first: FastMap<u64, u32> = FastMap::with_capacity_and_hasher(rows, Default::default());
    let mut repeated: FastMap<u64, usize> = FastMap::default();
    for row in blocks.iter().flatten() {
        let key = key(row);
        // Each row has a position of its own, so a key found with another one is a repeat.
        let earlier = *first.entry(key).or_insert(row[2]);
        if earlier != row[2] {
            let group = *repeated.entry(key).or_insert_with(|| {
                groups.push(vec![earlier]);
                groups.len() - 1
            });
            groups[group].push(row[2]);
        }
    }
}

/// Vocabulary columns have few distinct spellings; remembering each spelling's meaning avoids
/// folding the same text millions of times. The cap keeps a column of free text from growing it.
struct Memo<T> {
    known: CellMemo<Result<T, ValueError>>,
    parse: Parser<T>,
    /// The user's spellings, by folded text; they win over the built-in vocabulary.
    custom: HashMap<String, T>,
}

/// How a vocabulary column's cell is understood.
type Parser<T> = Box<dyn Fn(&str) -> Result<T, ValueError> + Send>;

impl<T: Clone> Memo<T> {
    fn new(parse: Parser<T>, custom: HashMap<String, T>) -> Self {
        Memo {
            known: CellMemo::default(),
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
        self.known.insert(raw, parsed.clone());
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
/// cell as written is remembered, so a row costs one lookup instead of normalising the text
/// again (key text: trim, format characters, NFC).
#[derive(Default)]
struct GroupMemo {
    known: CellMemo<u32>,
}

impl GroupMemo {
    fn id(&mut self, raw: &[u8], text: &str, dictionary: &mut Dictionary) -> u32 {
        if let Some(id) = self.known.get(raw) {
            return *id;
        }
        let id = intern_key(dictionary, text);
        self.known.insert(raw, id);
        id
    }
}

/// How one mapped column is parsed, by its field's kind.
enum ColumnParser {
    Id,
    Text(GroupMemo),
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
            Kind::Text => ColumnParser::Text(GroupMemo::default()),
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

/// The spellings of one column in a stretch of a file, in the order first seen (the merge
/// keeps the first [`SPELLINGS_CAP`] of the whole file, as one pass would).
#[derive(Default)]
struct SpellingTally {
    counts: Vec<(String, Spelling)>,
    index: FastMap<String, usize>,
    /// Each cell as written → its place in `counts`, so a cell seen before is not normalised
    /// again.
    cells: CellMemo<usize>,
}

impl SpellingTally {
    /// Counts a spelling (trimmed, in NFC so an NFD cell joins its NFC twin), remembering
    /// whether it was understood.
    fn count(&mut self, raw: &[u8], text: &str, understood: bool) {
        if let Some(&at) = self.cells.get(raw) {
            self.counts[at].1.rows += 1;
            return;
        }
        let key = key_text(text);
        let at = match self.index.get(key.as_ref()) {
            Some(&at) => {
                self.counts[at].1.rows += 1;
                at
            }
            None => {
                self.index.insert(key.to_string(), self.counts.len());
                self.counts.push((
                    key.into_owned(),
                    Spelling {
                        rows: 1,
                        understood,
                    },
                ));
                self.counts.len() - 1
            }
        };
        self.cells.insert(raw, at);
    }

    /// Adds a stretch's count of a spelling; a new spelling only while fewer than
    /// [`SPELLINGS_CAP`] are counted.
    fn add(&mut self, spelling: String, count: Spelling) {
        if let Some(&at) = self.index.get(&spelling) {
            self.counts[at].1.rows += count.rows;
        } else if self.counts.len() < SPELLINGS_CAP {
            self.index.insert(spelling.clone(), self.counts.len());
            self.counts.push((spelling, count));
        }
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
    seen: Option<SpellingTally>,
}

/// Parses the records of one file.
struct RowParser {
    headers: Vec<String>,
    expected_fields: usize,
    columns: Vec<MappedColumn>,
    /// Kept fields the file has no column for: pushed blank in every row.
    unmapped: Vec<Field>,
}

impl RowParser {
    /// The parser of a file mapped as `header_map`, for rows kept as `options` says.
    fn new(header_map: &HeaderMap, options: &ReadOptions, tally: bool) -> Self {
        let columns: Vec<MappedColumn> = header_map
            .fields
            .iter()
            .enumerate()
            .filter_map(|(position, f)| {
                f.map(|field| {
                    let parser = ColumnParser::for_field(field, &options.spellings);
                    let seen = (tally && parser.is_vocabulary()).then(SpellingTally::default);
                    MappedColumn {
                        field,
                        position,
                        parser,
                        seen,
                    }
                })
            })
            .collect();
        let mapped: FieldSet = columns.iter().map(|c| c.field).collect();
        RowParser {
            headers: header_map.headers.clone(),
            expected_fields: header_map.headers.len(),
            columns,
            unmapped: options
                .keep
                .iter()
                .filter(|f| !mapped.contains(*f))
                .collect(),
        }
    }

    /// Whether a quoted value of the column at `position` may span lines: free text (the
    /// procedure name) and columns no field reads may; ids, keys, dates, amounts and coded
    /// values never hold a line break (DOMAIN.md §1, issue 19).
    fn allows_line_break(&self, position: usize) -> bool {
        self.columns
            .iter()
            .find(|c| c.position == position)
            .is_none_or(|c| matches!(c.parser, ColumnParser::Text(_)))
    }

    /// The spellings counted per vocabulary column (by position) since the last call.
    fn take_spellings(&mut self) -> Vec<(usize, Vec<(String, Spelling)>)> {
        self.columns
            .iter_mut()
            .filter_map(|c| {
                let seen = std::mem::take(c.seen.as_mut()?);
                Some((c.position, seen.counts))
            })
            .collect()
    }

    /// Parses one record, pushing each cell straight into its column of `rows` (a defective
    /// record's cells are taken out again) and the rest of the row into `values`, which the
    /// caller gives empty and then ends the row with ([`Rows::end_row`]). Parsing into a row of
    /// cells first and copying it into the columns after was 7% of a report's CPU in the
    /// profile; pushing each cell as it is parsed saved 5% (issue 19).
    /// Group keys are interned in `rows`' dictionaries, so a defective row can leave a key
    /// there; groups are listed from valid rows only. `rows` keeps the fields of the options
    /// the parser was made with (`Rows::end_row` asserts it in debug builds).
    fn parse<'r>(
        &mut self,
        record: &Record<'r>,
        rows: &mut Rows,
        values: &mut Values<'r>,
    ) -> Result<(), RowProblem> {
        let parsed = self.parse_cells(record, rows, values);
        match parsed {
            Ok(()) => {
                for &field in &self.unmapped {
                    rows.push_cell(field, Cell::Blank);
                }
            }
            Err(_) => rows.undo_row(),
        }
        parsed
    }

    fn parse_cells<'r>(
        &mut self,
        record: &Record<'r>,
        rows: &mut Rows,
        values: &mut Values<'r>,
    ) -> Result<(), RowProblem> {
        if record.len() != self.expected_fields {
            return Err(RowProblem::field_count(self.expected_fields, record.len()));
        }
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
            let parsed = parse_cell(field, &mut column.parser, raw, text, values, rows);
            if let Some(seen) = &mut column.seen {
                seen.count(raw, text, parsed.is_ok());
            }
            parsed.map_err(|e| problem(e.class, e.reason, text.to_string()))?;
        }
        Ok(())
    }
}

fn blank_required(field: Field) -> ValueError {
    ValueError {
        class: DefectClass::MissingRequired,
        reason: format!("required field {field} is blank"),
    }
}

/// Parses one cell and pushes it into its column of the row being built (what the row holds
/// besides its cells goes into `values`); a blank required field is a defect.
fn parse_cell<'r>(
    field: Field,
    parser: &mut ColumnParser,
    raw: &[u8],
    text: &'r str,
    values: &mut Values<'r>,
    rows: &mut Rows,
) -> Result<(), ValueError> {
    match parser {
        ColumnParser::Id => {
            let id = key_text(text);
            if id.is_empty() {
                return Err(blank_required(field));
            }
            values.id = id;
        }
        ColumnParser::Text(memo) => {
            values.name = Some(text);
            // Keyed only when kept: the names are long, and most runs only label procedures.
            if rows.kept().contains(field) {
                let key = memo.id(raw, text, rows.dictionary_mut(field));
                rows.push_key(field, key);
            }
        }
        ColumnParser::Key(memo) => {
            let key = memo.id(raw, text, rows.dictionary_mut(field));
            if key == NO_KEY && field.is_required() {
                return Err(blank_required(field));
            }
            if field == Field::ProcedureCode {
                values.procedure = key;
            }
            rows.push_key(field, key);
        }
        ColumnParser::Date => {
            let day = values::parse_day(text)?;
            if day.is_none() && field.is_required() {
                return Err(blank_required(field));
            }
            if field == Field::ReceivedAt {
                values.received = day;
            }
            rows.push_day(field, day);
        }
        ColumnParser::Amount => rows.push_amount(field, values::parse_amount(text)?),
        ColumnParser::Bool(memo) => rows.push_bool(field, memo.get(raw, text)?),
        ColumnParser::Code(memo) => rows.push_code(field, memo.get(raw, text)?),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_taken_back_from_the_ranges_that_hold_them() {
        let index = RangeIndex {
            starts: vec![(100, 2), (200, 10), (300, 25)],
            end: 400,
            ..RangeIndex::default()
        };
        assert_eq!(
            index.holding(&[2, 3, 9, 25, 30]),
            [(100, 200, 2), (300, 400, 25)]
        );
        assert_eq!(index.holding(&[10]), [(200, 300, 10)]);
        assert_eq!(index.holding(&[]), []);
        assert_eq!(RangeIndex::default().holding(&[5]), []);
    }

    #[test]
    fn a_later_row_of_the_same_id_replaces_the_earlier_ones() {
        let mut seen = SeenIds::default();
        for (position, id) in ["A", "B", "A", "C", "B", "A"].iter().enumerate() {
            seen.record(id, position as u32 + 1);
        }
        // Many distinct ids spread over every bucket and replace nothing.
        for n in 0..20_000u32 {
            seen.record(&format!("HS-{n}"), 100 + n);
        }
        assert_eq!(seen.replaced(), [1, 2, 3]);
        assert_eq!(seen.merged, 3);
        let mut seen = SeenIds::default();
        for (position, id) in ["X", "Y", "X"].iter().enumerate() {
            seen.record(id, position as u32 + 10);
        }
        assert_eq!(seen.groups(), [vec![10, 12]]);
    }

    #[test]
    fn repeated_ids_come_out_in_the_order_of_their_first_row() {
        let mut seen = SeenIds::default();
        let mut want = Vec::new();
        for n in 0..5_000u32 {
            seen.record(&format!("HS-{n}"), n);
            // Each earlier id at most once again (2m and 2m + 1 are not both 3 modulo 7).
            if n % 7 == 3 {
                seen.record(&format!("HS-{}", n / 2), 10_000 + n);
                want.push(vec![n / 2, 10_000 + n]);
            }
        }
        let groups = seen.groups();
        let mut got = groups.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want);
        // Positions given out of order still come out ascending, and the latest one wins.
        let mut late = SeenIds::default();
        for (id, position) in [("B", 9), ("A", 7), ("A", 3), ("B", 1)] {
            late.record(id, position);
        }
        assert_eq!(late.groups(), [vec![1, 9], vec![3, 7]]);
        let firsts: Vec<u32> = groups.iter().map(|g| g[0]).collect();
        assert!(firsts.windows(2).all(|w| w[0] < w[1]), "{firsts:?}");
    }

    #[test]
    fn a_defective_row_leaves_no_cell_in_any_column() -> Result<()> {
        // Row 2 fails on its last column, after every other cell was pushed; row 3 has no
        // sector and the file no status column (kept, so pushed blank in every row).
        let csv = "dossier_id,unit,received_at,sector,fee,channel\n\
                   A,Phòng Một,2024-01-02,Đất đai,0,online\n\
                   B,Phòng Hai,2024-01-03,Tư pháp,1000,by pigeon\n\
                   C,Phòng Hai,2024-01-04,,5000,direct\n";
        let options = ReadOptions::new(HeaderMatcher::new(&[]));
        let mut outcome = ReadOutcome::new(options.rows());
        let mut seen = SeenIds::default();
        read_source(
            "a.csv",
            std::io::Cursor::new(csv.as_bytes().to_vec()),
            &options,
            &mut outcome,
            &mut seen,
        )?;
        let rows = &outcome.rows;
        assert_eq!(outcome.defects.count, 1);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows.texts_of(Field::DossierId), ["A", "C"]);
        let units: Vec<&str> = rows
            .keys(Field::Unit)
            .unwrap_or_default()
            .iter()
            .filter_map(|&key| rows.dictionary(Field::Unit).name(key))
            .collect();
        assert_eq!(units, ["Phòng Một", "Phòng Hai"]);
        let sectors = rows.keys(Field::Sector).unwrap_or_default();
        assert_eq!(sectors.len(), 2);
        assert_eq!(sectors[1], NO_KEY);
        assert_eq!(rows.days(Field::ReceivedAt).map(<[_]>::len), Some(2));
        assert_eq!(rows.codes(Field::Channel).map(<[_]>::len), Some(2));
        assert_eq!(rows.codes(Field::Status).map(<[_]>::len), Some(2));
        let frame = rows.to_frame(crate::dossier::period::Granularity::Year)?;
        let fees: Vec<Option<f64>> = frame.column("fee")?.f64()?.iter().collect();
        assert_eq!(fees, [Some(0.0), Some(5000.0)]);
        Ok(())
    }

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
