//! Reads canonical datasets (a converted folder or `.parquet` files) back into the table the
//! compute stage takes, without parsing any text again. Across datasets, each `dossier_id` keeps
//! its row with the greatest (`batch`, `source_seq`) (DOMAIN.md §7).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use super::write::Manifest;
use super::*;
use crate::input::values::Channel;
use crate::input::{
    Defect, DefectClass, DefectLog, Dossiers, Field, InputKind, InputSummary, ReadOutcome,
    RATING_NONE, RATING_NOT_SATISFIED, RATING_SATISFIED, STATUS_UNKNOWN,
};

/// True for an input `cchc report` reads as a dataset: a folder, or a `.parquet` file.
pub fn is_dataset(path: &str) -> bool {
    Path::new(path).is_dir() || path.to_ascii_lowercase().ends_with(".parquet")
}

/// The rows read so far, with what decides which duplicate wins.
#[derive(Default)]
struct Loaded {
    read: ReadOutcome,
    batch: Vec<i64>,
    seq: Vec<i64>,
    /// Each row's input path.
    source: Vec<u32>,
    sources: crate::input::Dictionary,
}

/// Reads every dataset into one table; `keep` names the fields custom conditions read.
pub fn read_datasets(paths: &[String], keep: &BTreeSet<Field>) -> Result<ReadOutcome> {
    let mut loaded = Loaded::default();
    loaded.read.dossiers.kept = keep.clone();
    let mut duplicates = 0;
    for path in paths {
        duplicates += read_one(path, &mut loaded).with_context(|| format!("reading {path}"))?;
    }
    let Loaded {
        mut read,
        batch,
        seq,
        source,
        sources,
    } = loaded;
    // The row with the greatest (batch, source_seq) of each dossier_id stays.
    let d = &mut read.dossiers;
    let mut best: Vec<Option<usize>> = vec![None; d.dossier_ids.len()];
    for row in 0..d.len() {
        let Some(id) = d.dossier_id[row] else {
            continue;
        };
        let key = (batch[row], seq[row]);
        match best[id as usize] {
            Some(other) if (batch[other], seq[other]) >= key => d.live[row] = false,
            Some(other) => {
                d.live[other] = false;
                best[id as usize] = Some(row);
            }
            None => best[id as usize] = Some(row),
        }
    }
    duplicates += d.live.iter().filter(|l| !**l).count() as u64;
    read.duplicates_merged = duplicates;
    // Reception range of each input, for messages about an empty selection.
    let mut ranges: BTreeMap<u32, (i32, i32)> = BTreeMap::new();
    for row in (0..d.len()).filter(|&r| d.live[r]) {
        let day = d.received_day[row];
        ranges
            .entry(source[row])
            .and_modify(|(from, to)| {
                *from = (*from).min(day);
                *to = (*to).max(day);
            })
            .or_insert((day, day));
    }
    for input in &mut read.inputs {
        if let Some(id) = sources.id(&input.path) {
            input.received_range = ranges.get(&id).copied();
        }
    }
    if !d.kept.contains(&Field::DossierId) {
        d.dossier_id = Vec::new();
        d.dossier_ids = Default::default();
    }
    Ok(read)
}

/// Reads one dataset folder or Parquet file; gives back the duplicates its conversion merged.
fn read_one(path: &str, loaded: &mut Loaded) -> Result<u64> {
    let dir = Path::new(path);
    if !dir.is_dir() {
        let frame = read_parquet(dir)?;
        check_columns(&frame)?;
        let before = loaded.read.inputs.len();
        push_rows(&frame, loaded)?;
        // Without a manifest the inputs are the files the rows name.
        add_inputs_from_rows(&frame, loaded, before)?;
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
        let missing: Vec<Field> = input
            .missing_columns
            .iter()
            .filter_map(|name| Field::from_name(name))
            .collect();
        for field in missing {
            loaded
                .read
                .missing_fields
                .entry(field)
                .or_default()
                .push(input.path.clone());
        }
        loaded.read.inputs.push(summary(
            &input.path,
            input.rows,
            input.defective,
            &input.sha256,
        ));
        loaded.sources.intern(&input.path);
    }
    for file in &manifest.files {
        let frame = read_parquet(&dir.join(file))?;
        check_columns(&frame).with_context(|| format!("in {file}"))?;
        push_rows(&frame, loaded).with_context(|| format!("in {file}"))?;
    }
    let defects = dir.join(DEFECTS_FILE);
    if defects.exists() {
        push_defects(&read_parquet(&defects)?, &mut loaded.read.defects)
            .with_context(|| format!("in {DEFECTS_FILE}"))?;
    }
    Ok(manifest.duplicates_merged)
}

fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| anyhow::anyhow!("{}: not a readable Parquet file: {e}", path.display()))
}

/// Refuses a file that is not a cchc dataset: every column with its type, named when missing.
fn check_columns(frame: &DataFrame) -> Result<()> {
    let schema = frame.schema();
    let mut missing = Vec::new();
    let mut mistyped = Vec::new();
    for (name, dtype) in columns() {
        match schema.get(name) {
            None => missing.push(name),
            Some(found) if *found != dtype && !(found.is_null() && frame.height() == 0) => {
                mistyped.push(format!("{name} is {found}, expected {dtype}"))
            }
            Some(_) => {}
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
    Ok(())
}

/// Appends a frame's rows to the table.
fn push_rows(frame: &DataFrame, loaded: &mut Loaded) -> Result<()> {
    let height = frame.height();
    let text = |name: &str| -> Result<Vec<Option<&str>>> {
        Ok(frame.column(name)?.str()?.iter().collect())
    };
    let int = |name: &str| -> Result<Vec<Option<i32>>> {
        Ok(frame.column(name)?.i32()?.iter().collect())
    };
    let day = |name: &str| -> Result<Vec<Option<i32>>> {
        let physical = frame.column(name)?.cast(&DataType::Int32)?;
        Ok(physical.i32()?.iter().collect())
    };
    let flag = |name: &str| -> Result<Vec<bool>> {
        Ok(frame
            .column(name)?
            .bool()?
            .iter()
            .map(|v| v.unwrap_or(false))
            .collect())
    };
    let number = |name: &str| -> Result<Vec<f64>> {
        Ok(frame
            .column(name)?
            .f64()?
            .iter()
            .map(|v| v.unwrap_or(0.0))
            .collect())
    };
    let long = |name: &str| longs(frame, name);
    let ids = text(Field::DossierId.name())?;
    let codes = text(Field::ProcedureCode.name())?;
    let names = text(Field::ProcedureName.name())?;
    let sectors = text(Field::Sector.name())?;
    let units = text(Field::Unit.name())?;
    let levels = int(Field::ServiceLevel.name())?;
    let statuses = int(Field::Status.name())?;
    let channels = text(Field::Channel.name())?;
    let payments = text(Field::PaymentMethod.name())?;
    let ratings = text(Field::Satisfaction.name())?;
    let received = day(Field::ReceivedAt.name())?;
    let due = day(Field::DueAt.name())?;
    let end = day(END_AT)?;
    let submitted = day(Field::SubmittedAt.name())?;
    let finished = day(Field::FinishedAt.name())?;
    let returned = day(Field::ReturnedAt.name())?;
    let fee = number(Field::Fee.name())?;
    let charge = number(Field::Charge.name())?;
    let result_digitized = flag(Field::ResultDigitized.name())?;
    let dossier_digitized = flag(Field::DossierDigitized.name())?;
    let component_reused = flag(Field::ComponentReused.name())?;
    let interagency = flag(Field::Interagency.name())?;
    let transfer = flag(Field::TransferElectronic.name())?;
    let vneid = flag(Field::VneidAuthenticated.name())?;
    let files = text(SOURCE_FILE)?;
    let batches = long(BATCH)?;
    let seqs = long(SOURCE_SEQ)?;

    let read = &mut loaded.read;
    let d: &mut Dossiers = &mut read.dossiers;
    let keep = d.kept.clone();
    for row in 0..height {
        let Some(id) = ids[row].filter(|id| !id.is_empty()) else {
            bail!("row {}: dossier_id is blank", row + 1);
        };
        let Some(received_day) = received[row] else {
            bail!("row {} (dossier {id}): received_at is blank", row + 1);
        };
        let channel = match channels[row] {
            Some("online") => Channel::Online,
            Some("postal") => Channel::Postal,
            Some("direct") | None => Channel::Direct,
            Some(other) => bail!(
                "row {}: channel {other:?} is not direct, online or postal",
                row + 1
            ),
        };
        d.status.push(statuses[row].unwrap_or(STATUS_UNKNOWN));
        d.channel.push(channel as i32);
        d.level
            .push(levels[row].unwrap_or(crate::input::LEVEL_UNKNOWN));
        d.fee.push(fee[row]);
        d.charge.push(charge[row]);
        d.paid_online.push(payments[row] == Some("online"));
        d.result_digitized.push(result_digitized[row]);
        d.component_reused.push(component_reused[row]);
        d.interagency.push(interagency[row]);
        d.transfer_electronic.push(transfer[row]);
        d.vneid_authenticated.push(vneid[row]);
        d.rating.push(match ratings[row] {
            None => RATING_NONE,
            Some("satisfied") => RATING_SATISFIED,
            Some(_) => RATING_NOT_SATISFIED,
        });
        d.received_day.push(received_day);
        d.received_month.push(month_of_day(received_day));
        d.end_day.push(end[row]);
        d.end_month.push(end[row].map(month_of_day));
        d.due_day.push(due[row]);
        let group = |text: Option<&str>, dictionary: &mut crate::input::Dictionary| {
            text.filter(|t| !t.is_empty()).map(|t| dictionary.intern(t))
        };
        d.unit.push(group(units[row], &mut d.units));
        d.sector.push(group(sectors[row], &mut d.sectors));
        let procedure = group(codes[row], &mut d.procedures);
        d.procedure.push(procedure);
        if let (Some(code), Some(name)) = (procedure, names[row].filter(|n| !n.is_empty())) {
            d.procedure_labels
                .entry(code)
                .or_insert_with(|| name.to_string());
        }
        d.live.push(true);
        // Ids decide which duplicate wins; they are dropped after unless a condition reads them.
        let id = d.dossier_ids.intern(id);
        d.dossier_id.push(Some(id));
        for field in &keep {
            match field {
                Field::SubmittedAt => d.submitted_day.push(submitted[row]),
                Field::FinishedAt => d.finished_day.push(finished[row]),
                Field::ReturnedAt => d.returned_day.push(returned[row]),
                Field::DossierDigitized => d.dossier_digitized.push(dossier_digitized[row]),
                Field::ProcedureName => {
                    let name = group(names[row], &mut d.procedure_names);
                    d.procedure_name.push(name);
                }
                _ => {}
            }
        }
        loaded.batch.push(batches[row]);
        loaded.seq.push(seqs[row]);
        loaded
            .source
            .push(loaded.sources.intern(files[row].unwrap_or_default()));
    }
    Ok(())
}

/// For bare Parquet files: one input per `source_file`, with what its rows say it lacked.
fn add_inputs_from_rows(frame: &DataFrame, loaded: &mut Loaded, before: usize) -> Result<()> {
    let files = frame.column(SOURCE_FILE)?.str()?;
    let missing = frame.column(MISSING_COLUMNS)?.str()?;
    let mut seen: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for (file, missing) in files.iter().zip(missing.iter()) {
        let entry = seen
            .entry(file.unwrap_or_default().to_string())
            .or_insert((0, missing.unwrap_or_default().to_string()));
        entry.0 += 1;
    }
    let known: BTreeSet<String> = loaded.read.inputs[..before]
        .iter()
        .map(|i| i.path.clone())
        .collect();
    for (path, (rows, missing)) in seen {
        if known.contains(&path) {
            continue;
        }
        for field in parse_missing(&missing) {
            loaded
                .read
                .missing_fields
                .entry(field)
                .or_default()
                .push(path.clone());
        }
        loaded.read.inputs.push(summary(&path, rows, 0, ""));
    }
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
    let number = |name: &str| longs(frame, name);
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

/// An integer column, NULL as 0.
fn longs(frame: &DataFrame, name: &str) -> Result<Vec<i64>> {
    Ok(frame
        .column(name)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

fn summary(path: &str, rows: u64, defective: u64, sha256: &str) -> InputSummary {
    InputSummary {
        path: path.to_string(),
        kind: InputKind::Dossiers,
        rows,
        defective,
        sha256: sha256.to_string(),
        blank_lines: 0,
        dialect: crate::input::open::Dialect {
            encoding: encoding_rs::UTF_8,
            encoding_source: "parquet",
            bom: false,
            delimiter: b',',
            header_line: 0,
            notes: Vec::new(),
            sheet: None,
        },
        header_map: Vec::new(),
        duplicate_columns: Vec::new(),
        spellings: BTreeMap::new(),
        received_range: None,
    }
}

/// `yyyy * 100 + mm` of a day number (days since 1970-01-01), as the read stage keys months.
fn month_of_day(day: i32) -> i32 {
    let date = NaiveDate::default() + chrono::Duration::days(i64::from(day));
    date.year() * 100 + date.month() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_of_day_numbers() {
        assert_eq!(month_of_day(0), 197001);
        // 2024-02-29 is day 19782.
        assert_eq!(month_of_day(19782), 202402);
        assert_eq!(month_of_day(19783), 202403);
    }
}
