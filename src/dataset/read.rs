//! Reads canonical datasets (a converted folder or `.parquet` files) back into the rows the
//! compute stage takes, a row group at a time, without parsing any text again: the columns are
//! the dossier table's own ([`Rows::push_dataset_frame`]). Across datasets, each `dossier_id`
//! keeps its row with the greatest (`batch`, `source_seq`) (DOMAIN.md §7): the read keeps 12
//! bytes per row, and the rows a later one replaces are read again and taken back. One thread
//! reads row groups while the calling thread merges and counts the previous one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use polars::prelude::*;

use super::write::Manifest;
use super::*;
use crate::dossier::rows::NO_DAY;
use crate::dossier::{Field, FieldSet, Rows};
use crate::input::read::{RowSink, SeenIds};
use crate::input::{Defect, DefectClass, DefectLog, InputSummary, ReadOutcome};
use crate::model::Source;

/// True for an input `cchc report` reads as a dataset: a folder, or a `.parquet` file.
pub fn is_dataset(path: &str) -> bool {
    Path::new(path).is_dir() || path.to_ascii_lowercase().ends_with(".parquet")
}

/// One Parquet file of dossier rows and where its rows start among all the files read.
struct Part {
    path: PathBuf,
    /// Optional fields it has no column for (written before the field was defined): its
    /// inputs lacked them.
    lacking: Vec<Field>,
    /// The first row's position among every row read.
    first: u64,
    /// The row count of each of its row groups.
    groups: Vec<usize>,
    metadata: FileMetadataRef,
}

impl Part {
    fn rows(&self) -> u64 {
        self.groups.iter().map(|&n| n as u64).sum()
    }
}

/// Reads every dataset, handing its rows to `sink` a row group at a time (or keeping them all
/// with `None`); `keep` names the fields the run reads.
pub fn read_datasets(
    paths: &[String],
    keep: FieldSet,
    sink: Option<&mut dyn RowSink>,
) -> Result<ReadOutcome> {
    // The id decides which duplicate wins, and names which input a row came from.
    let mut outcome = ReadOutcome::new(Rows::new(keep.with(Field::ReceivedAt), false));
    let mut parts = Vec::new();
    let mut merged_before = 0;
    for path in paths {
        merged_before += open_dataset(path, &mut outcome, &mut parts)
            .with_context(|| format!("reading {path}"))?;
    }
    let streaming = sink.is_some();
    let mut sink = sink;
    // Reading a row group (decompressing and decoding it) and placing its rows happen on one
    // thread while the rows of the previous group join the table and are counted on this one:
    // done in turn, each waited for the other and a report used one core of two (0.38 s on a
    // 1M-row dataset, 0.28 s so). The channel holds no group: the reading thread keeps the
    // next one until the merge takes it, so two groups are in memory (a third waiting in the
    // channel cost 10–35 MB more at ten million rows).
    let mut reader = std::thread::scope(|scope| -> Result<Reader> {
        let (groups, arrived) = std::sync::mpsc::sync_channel::<(usize, DataFrame)>(0);
        let parts = &parts;
        let reading = scope.spawn(move || -> Result<Reader> {
            let mut reader = Reader {
                keep,
                seen: SeenIds::default(),
                ranges: BTreeMap::new(),
            };
            let columns = reader.columns();
            for (index, part) in parts.iter().enumerate() {
                for group in 0..part.groups.len() {
                    let frame = read_group(part, group, &columns)?;
                    reader
                        .note(&frame, part, group)
                        .with_context(|| format!("in {}", part.path.display()))?;
                    if groups.send((index, frame)).is_err() {
                        // The merge stopped on an error of its own, which it reports.
                        return Ok(reader);
                    }
                }
            }
            Ok(reader)
        });
        let merged = merge_groups(&arrived, parts, &mut outcome, sink.as_deref_mut());
        // Unblocks the reading thread when the merge stopped early.
        drop(arrived);
        let read = reading
            .join()
            .map_err(|_| anyhow::anyhow!("the thread reading the row groups stopped"))?;
        merged?;
        read
    })?;
    for input in &mut outcome.inputs {
        input.received_range = reader.ranges.get(&input.path).copied();
    }
    let replaced = replaced_rows(&mut reader.seen, &parts)?;
    outcome.duplicates_merged = merged_before + replaced.len() as u64;
    match sink {
        Some(sink) if sink.takes_back() => {
            take_back(&parts, &replaced, &reader, &mut outcome.rows, sink)?
        }
        Some(_) => {}
        None if !replaced.is_empty() => {
            let gone: BTreeSet<u64> = replaced.into_iter().collect();
            let live: Vec<usize> = (0..outcome.rows.len())
                .filter(|row| !gone.contains(&(*row as u64)))
                .collect();
            outcome.rows.retain(&live);
        }
        None => {}
    }
    debug_assert!(!streaming || outcome.rows.is_empty());
    Ok(outcome)
}

/// Joins each row group that arrives to the table, and hands the rows to `sink` when there is
/// one (else they are kept).
fn merge_groups<'s>(
    arrived: &std::sync::mpsc::Receiver<(usize, DataFrame)>,
    parts: &[Part],
    outcome: &mut ReadOutcome,
    mut sink: Option<&mut (dyn RowSink + 's)>,
) -> Result<()> {
    for (index, frame) in arrived {
        let part = &parts[index];
        outcome
            .rows
            .push_dataset_frame(&frame)
            .with_context(|| format!("in {}", part.path.display()))?;
        outcome.valid_rows += frame.height() as u64;
        if let Some(sink) = sink.as_deref_mut() {
            sink.rows(&mut outcome.rows, 1)?;
            outcome.rows.clear();
        }
    }
    Ok(())
}

/// What the reading of the row groups learns besides the rows.
struct Reader {
    keep: FieldSet,
    seen: SeenIds,
    /// Earliest and latest `received_at` per input path.
    ranges: BTreeMap<String, (i32, i32)>,
}

impl Reader {
    /// The columns read: the kept fields, the id, and where each row came from.
    fn columns(&self) -> Vec<String> {
        let mut columns: Vec<String> = self
            .keep
            .with(Field::DossierId)
            .with(Field::ReceivedAt)
            .with(Field::ProcedureCode)
            .with(Field::ProcedureName)
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        columns.push(SOURCE_FILE.to_string());
        columns
    }

    /// Notes each row's id (for the merge of duplicates) and its input's reception range.
    fn note(&mut self, frame: &DataFrame, part: &Part, group: usize) -> Result<()> {
        let first = part.first + part.groups[..group].iter().map(|&n| n as u64).sum::<u64>();
        let ids = frame.column(Field::DossierId.name())?.str()?;
        let files = frame.column(SOURCE_FILE)?.str()?;
        let received = frame
            .column(Field::ReceivedAt.name())?
            .cast(&DataType::Int32)?;
        let received = received.i32()?;
        for row in 0..frame.height() {
            let Some(id) = ids.get(row).filter(|id| !id.is_empty()) else {
                bail!("row {}: dossier_id is blank", first + row as u64 + 1);
            };
            let Some(day) = received.get(row).filter(|d| *d != NO_DAY) else {
                bail!(
                    "row {} (dossier {id}): received_at is blank",
                    first + row as u64 + 1
                );
            };
            let position = u32::try_from(first + row as u64).map_err(|_| {
                anyhow::anyhow!(
                    "the datasets hold more than {} rows: give them to separate runs",
                    u32::MAX
                )
            })?;
            self.seen.record(id, position);
            let file = files.get(row).unwrap_or_default();
            // The file's name is copied once, not for every row.
            match self.ranges.get_mut(file) {
                Some(range) => *range = (range.0.min(day), range.1.max(day)),
                None => {
                    self.ranges.insert(file.to_string(), (day, day));
                }
            }
        }
        Ok(())
    }
}

/// Reads one row group of a part, the given columns (those the file has).
fn read_group(part: &Part, group: usize, columns: &[String]) -> Result<DataFrame> {
    let file =
        File::open(&part.path).with_context(|| format!("cannot open {}", part.path.display()))?;
    let offset: usize = part.groups[..group].iter().sum();
    let mut reader = ParquetReader::new(file);
    reader.set_metadata(part.metadata.clone());
    let schema = reader.schema().map_err(|e| {
        anyhow::anyhow!("{}: not a readable Parquet file: {e}", part.path.display())
    })?;
    let present: Vec<String> = columns
        .iter()
        .filter(|c| schema.get(c.as_str()).is_some())
        .cloned()
        .collect();
    reader
        .with_columns(Some(present))
        .with_slice(Some((offset, part.groups[group])))
        .finish()
        .map_err(|e| anyhow::anyhow!("{}: not a readable Parquet file: {e}", part.path.display()))
}

/// Opens one dataset folder or Parquet file: its inputs, defects and parts. Gives back the
/// duplicates its conversion merged.
fn open_dataset(path: &str, outcome: &mut ReadOutcome, parts: &mut Vec<Part>) -> Result<u64> {
    let dir = Path::new(path);
    let inputs_before = outcome.inputs.len();
    if !dir.is_dir() {
        let part = open_part(dir, parts)?;
        // Without a manifest the inputs are the files the rows name.
        add_inputs_from_rows(&part, outcome)?;
        note_lacking(&part, outcome, inputs_before);
        parts.push(part);
        return Ok(0);
    }
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest_path).with_context(|| {
        format!(
            "{path} is a directory, not a cchc dataset: it has no readable {MANIFEST_FILE} (write one with `cchc convert`)"
        )
    })?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a cchc manifest", manifest_path.display()))?;
    if manifest.format != FORMAT || manifest.format_version > FORMAT_VERSION {
        bail!(
            "{}: format {:?} version {} is not one this cchc reads ({FORMAT} {FORMAT_VERSION})",
            manifest_path.display(),
            manifest.format,
            manifest.format_version
        );
    }
    for input in manifest.inputs.iter().filter(|i| i.kind == "dossiers") {
        let missing = input
            .missing_columns
            .iter()
            .filter_map(|name| Field::from_name(name));
        for field in missing {
            outcome
                .missing_fields
                .entry(field)
                .or_default()
                .push(input.path.clone());
        }
        outcome.inputs.push(summary(
            &input.path,
            input.rows,
            input.defective,
            &input.sha256,
        ));
    }
    for file in &manifest.files {
        let part = open_part(&dir.join(file), parts).with_context(|| format!("in {file}"))?;
        note_lacking(&part, outcome, inputs_before);
        parts.push(part);
    }
    let defects = dir.join(DEFECTS_FILE);
    if defects.exists() {
        let file =
            File::open(&defects).with_context(|| format!("cannot open {}", defects.display()))?;
        let frame = ParquetReader::new(file).finish().map_err(|e| {
            anyhow::anyhow!("{}: not a readable Parquet file: {e}", defects.display())
        })?;
        push_defects(&frame, &mut outcome.defects).with_context(|| format!("in {DEFECTS_FILE}"))?;
    }
    Ok(manifest.duplicates_merged)
}

/// A part's metadata, checked to be a cchc dataset's: every column with its type, named when
/// missing. Fields added to the dossier table since a dataset was written may be missing.
fn open_part(path: &Path, parts: &[Part]) -> Result<Part> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = ParquetReader::new(file);
    let not_parquet =
        |e: PolarsError| anyhow::anyhow!("{}: not a readable Parquet file: {e}", path.display());
    let metadata = reader.get_metadata().map_err(not_parquet)?.clone();
    let schema = reader.schema().map_err(not_parquet)?;
    let rows: usize = metadata.row_groups.iter().map(|g| g.num_rows()).sum();
    let mut missing = Vec::new();
    let mut mistyped = Vec::new();
    let mut lacking = Vec::new();
    for (name, dtype) in columns() {
        match schema.get(name) {
            // A dataset written before a field was added to the dossier table.
            None => match Field::from_name(name).filter(|f| !f.is_required()) {
                Some(field) => lacking.push(field),
                None => missing.push(name),
            },
            Some(found) => {
                let found = DataType::from_arrow_field(found);
                if found != dtype && !(found.is_null() && rows == 0) {
                    mistyped.push(format!("{name} is {found}, expected {dtype}"))
                }
            }
        }
    }
    if !missing.is_empty() {
        bail!(
            "not a cchc dataset: {} of its columns are missing ({}); write one with `cchc convert`",
            missing.len(),
            missing.join(", ")
        );
    }
    if !mistyped.is_empty() {
        bail!(
            "not a cchc dataset: wrong column types: {}",
            mistyped.join("; ")
        );
    }
    let first = parts.last().map_or(0, |p| p.first + p.rows());
    Ok(Part {
        path: path.to_path_buf(),
        lacking,
        first,
        groups: metadata.row_groups.iter().map(|g| g.num_rows()).collect(),
        metadata,
    })
}

/// The fields a part has no column for are missing from the inputs it came from (those read
/// since `first_input`).
fn note_lacking(part: &Part, outcome: &mut ReadOutcome, first_input: usize) {
    for &field in &part.lacking {
        let paths: Vec<String> = outcome.inputs[first_input..]
            .iter()
            .map(|i| i.path.clone())
            .collect();
        let lacking = outcome.missing_fields.entry(field).or_default();
        for path in paths {
            if !lacking.contains(&path) {
                lacking.push(path);
            }
        }
    }
}

/// For bare Parquet files: one input per `source_file`, with what its rows say it lacked.
fn add_inputs_from_rows(part: &Part, outcome: &mut ReadOutcome) -> Result<()> {
    let mut seen: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for group in 0..part.groups.len() {
        let frame = read_group(
            part,
            group,
            &[SOURCE_FILE.to_string(), MISSING_COLUMNS.to_string()],
        )?;
        let files = frame.column(SOURCE_FILE)?.str()?;
        let missing = frame.column(MISSING_COLUMNS)?.str()?;
        for (file, missing) in files.iter().zip(missing.iter()) {
            let entry = seen
                .entry(file.unwrap_or_default().to_string())
                .or_insert((0, missing.unwrap_or_default().to_string()));
            entry.0 += 1;
        }
    }
    let known: BTreeSet<String> = outcome.inputs.iter().map(|i| i.path.clone()).collect();
    for (path, (rows, missing)) in seen {
        if known.contains(&path) {
            continue;
        }
        for field in parse_missing(&missing) {
            outcome
                .missing_fields
                .entry(field)
                .or_default()
                .push(path.clone());
        }
        outcome.inputs.push(summary(&path, rows, 0, ""));
    }
    Ok(())
}

/// The positions of the rows a later row of the same dossier replaces: in each group of rows
/// sharing an id, all but the one with the greatest (`batch`, `source_seq`), read again from
/// the parts that hold them.
fn replaced_rows(seen: &mut SeenIds, parts: &[Part]) -> Result<Vec<u64>> {
    let groups = seen.groups();
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let positions: BTreeSet<u64> = groups.iter().flatten().map(|&p| u64::from(p)).collect();
    let mut order: BTreeMap<u64, (i64, i64)> = BTreeMap::new();
    for part in parts {
        let range = part.first..part.first + part.rows();
        if positions.range(range.clone()).next().is_none() {
            continue;
        }
        let mut start = part.first;
        for (group, &n) in part.groups.iter().enumerate() {
            let end = start + n as u64;
            if positions.range(start..end).next().is_some() {
                let frame = read_group(part, group, &[BATCH.to_string(), SOURCE_SEQ.to_string()])?;
                let batches = frame.column(BATCH)?.i64()?;
                let seqs = frame.column(SOURCE_SEQ)?.i64()?;
                for &position in positions.range(start..end) {
                    let row = (position - start) as usize;
                    order.insert(
                        position,
                        (batches.get(row).unwrap_or(0), seqs.get(row).unwrap_or(0)),
                    );
                }
            }
            start = end;
        }
    }
    let mut replaced = Vec::new();
    for group in groups {
        let key = |p: &u32| (order.get(&u64::from(*p)).copied().unwrap_or_default(), *p);
        let Some(winner) = group.iter().max_by_key(|p| key(p)).copied() else {
            continue;
        };
        replaced.extend(
            group
                .iter()
                .filter(|p| **p != winner)
                .map(|&p| u64::from(p)),
        );
    }
    replaced.sort_unstable();
    Ok(replaced)
}

/// Reads the replaced rows again and hands them back to the sink with weight −1, in `rows`
/// (emptied, with the dictionaries every row's keys refer to).
fn take_back(
    parts: &[Part],
    replaced: &[u64],
    reader: &Reader,
    rows: &mut Rows,
    sink: &mut dyn RowSink,
) -> Result<()> {
    if replaced.is_empty() {
        return Ok(());
    }
    let wanted: BTreeSet<u64> = replaced.iter().copied().collect();
    for part in parts {
        let mut start = part.first;
        for (group, &n) in part.groups.iter().enumerate() {
            let end = start + n as u64;
            let here: Vec<u64> = wanted.range(start..end).copied().collect();
            if !here.is_empty() {
                let frame = read_group(part, group, &reader.columns())?;
                let picks: Vec<IdxSize> = here.iter().map(|p| (p - start) as IdxSize).collect();
                let picked = frame.take(&IdxCa::from_vec("rows".into(), picks))?;
                rows.push_dataset_frame(&picked)?;
            }
            start = end;
        }
    }
    sink.rows(rows, -1)?;
    rows.clear();
    Ok(())
}

fn push_defects(frame: &DataFrame, log: &mut DefectLog) -> Result<()> {
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        Ok(frame
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.map(String::from))
            .collect())
    };
    let number = |name: &str| -> Result<Vec<i64>> {
        Ok(frame
            .column(name)?
            .i64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (paths, columns, fields, values, classes, reasons) = (
        text("path")?,
        text("column")?,
        text("field")?,
        text("value")?,
        text("class")?,
        text("reason")?,
    );
    let (records, lines) = (number("record")?, number("line")?);
    for row in 0..frame.height() {
        let class: DefectClass = classes[row]
            .as_deref()
            .and_then(|c| serde_json::from_value(serde_json::Value::String(c.into())).ok())
            .with_context(|| format!("row {}: unknown defect class", row + 1))?;
        log.push(Defect {
            path: paths[row].clone().unwrap_or_default(),
            record: records[row] as u64,
            line: lines[row] as u64,
            column: columns[row].clone(),
            field: fields[row]
                .as_deref()
                .and_then(Field::from_name)
                .map(Field::name),
            value: values[row].clone(),
            class,
            reason: reasons[row].clone().unwrap_or_default(),
        });
    }
    Ok(())
}

/// What a dataset says about one of its inputs (no text was read: no dialect).
fn summary(path: &str, rows: u64, defective: u64, sha256: &str) -> InputSummary {
    InputSummary {
        path: path.to_string(),
        kind: Source::Dossiers,
        rows,
        defective,
        sha256: Some(sha256.to_string()),
        blank_lines: 0,
        dialect: None,
        header_map: Vec::new(),
        duplicate_columns: Vec::new(),
        spellings: BTreeMap::new(),
        received_range: None,
    }
}
