//! Writes what the read stage produced as a canonical dataset (DOMAIN.md §7).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::*;
use crate::input::values::Channel;
use crate::input::{
    Defect, DefectLog, Dictionary, Dossiers, Field, InputKind, InputSummary, ReadOutcome,
    LEVEL_UNKNOWN, RATING_NONE, RATING_SATISFIED, STATUS_UNKNOWN,
};

/// `manifest.json`: what a dataset holds and where it came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub cchc_version: String,
    pub batch: i64,
    /// Dossier rows written (valid, after deduplication).
    pub rows: u64,
    /// Defective rows, all in `defects.parquet`.
    pub defects: u64,
    /// Rows replaced by a later row with the same `dossier_id`.
    pub duplicates_merged: u64,
    /// The dossier files, relative to the dataset folder.
    pub files: Vec<String>,
    pub inputs: Vec<ManifestInput>,
}

/// One input file of a conversion.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestInput {
    pub path: String,
    /// `dossiers` or `catalogue`.
    pub kind: String,
    pub sha256: String,
    /// Data records read, defective ones included.
    pub rows: u64,
    pub defective: u64,
    /// The canonical columns the file had (dossier exports).
    #[serde(default)]
    pub columns: Vec<String>,
    /// The canonical columns it lacked, after the catalogue join: the indicators needing them
    /// are not evaluable.
    #[serde(default)]
    pub missing_columns: Vec<String>,
}

/// The fields each dossier input lacked, by input index.
pub fn missing_by_input(read: &ReadOutcome) -> Vec<Vec<Field>> {
    read.inputs
        .iter()
        .map(|input| {
            read.missing_fields
                .iter()
                .filter(|(_, paths)| paths.contains(&input.path))
                .map(|(field, _)| *field)
                .collect()
        })
        .collect()
}

/// The dossier rows `rows` as a frame of the dataset's columns, in [`columns`] order.
pub fn dossier_frame(
    d: &Dossiers,
    inputs: &[InputSummary],
    missing: &[Vec<Field>],
    batch: i64,
    rows: &[usize],
) -> Result<DataFrame> {
    let text = |ids: &[Option<u32>], dictionary: &Dictionary| -> Vec<Option<String>> {
        rows.iter()
            .map(|&r| {
                ids.get(r)
                    .copied()
                    .flatten()
                    .and_then(|id| dictionary.name(id))
                    .map(str::to_string)
            })
            .collect()
    };
    let date = |name: &str, days: &[Option<i32>]| -> PolarsResult<Column> {
        let values: Vec<Option<i32>> = rows
            .iter()
            .map(|&r| days.get(r).copied().flatten())
            .collect();
        Column::new(name.into(), values).cast(&DataType::Date)
    };
    let flag = |values: &[bool]| -> Vec<bool> {
        rows.iter()
            .map(|&r| values.get(r).copied().unwrap_or(false))
            .collect()
    };
    let coded = |values: &[i32], unknown: i32| -> Vec<Option<i32>> {
        rows.iter()
            .map(|&r| Some(values[r]).filter(|v| *v != unknown))
            .collect()
    };
    let received: Vec<Option<i32>> = d.received_day.iter().map(|day| Some(*day)).collect();
    let mut columns = Vec::new();
    for field in Field::ALL {
        let name = field.name();
        columns.push(match field {
            Field::DossierId => Column::new(name.into(), text(&d.dossier_id, &d.dossier_ids)),
            Field::ProcedureCode => Column::new(name.into(), text(&d.procedure, &d.procedures)),
            Field::ProcedureName => {
                Column::new(name.into(), text(&d.procedure_name, &d.procedure_names))
            }
            Field::Sector => Column::new(name.into(), text(&d.sector, &d.sectors)),
            Field::Unit => Column::new(name.into(), text(&d.unit, &d.units)),
            Field::ServiceLevel => Column::new(name.into(), coded(&d.level, LEVEL_UNKNOWN)),
            Field::Channel => Column::new(
                name.into(),
                rows.iter()
                    .map(|&r| channel_text(d.channel[r]))
                    .collect::<Vec<_>>(),
            ),
            Field::SubmittedAt => date(name, &d.submitted_day)?,
            Field::ReceivedAt => date(name, &received)?,
            Field::DueAt => date(name, &d.due_day)?,
            Field::FinishedAt => date(name, &d.finished_day)?,
            Field::ReturnedAt => date(name, &d.returned_day)?,
            Field::Status => Column::new(name.into(), coded(&d.status, STATUS_UNKNOWN)),
            Field::Fee => Column::new(
                name.into(),
                rows.iter().map(|&r| d.fee[r]).collect::<Vec<f64>>(),
            ),
            Field::Charge => Column::new(
                name.into(),
                rows.iter().map(|&r| d.charge[r]).collect::<Vec<f64>>(),
            ),
            Field::PaymentMethod => Column::new(
                name.into(),
                rows.iter()
                    .map(|&r| {
                        if d.paid_online[r] {
                            "online"
                        } else {
                            "not_online"
                        }
                    })
                    .collect::<Vec<_>>(),
            ),
            Field::ResultDigitized => Column::new(name.into(), flag(&d.result_digitized)),
            Field::DossierDigitized => Column::new(name.into(), flag(&d.dossier_digitized)),
            Field::ComponentReused => Column::new(name.into(), flag(&d.component_reused)),
            Field::Interagency => Column::new(name.into(), flag(&d.interagency)),
            Field::TransferElectronic => Column::new(name.into(), flag(&d.transfer_electronic)),
            Field::VneidAuthenticated => Column::new(name.into(), flag(&d.vneid_authenticated)),
            Field::Satisfaction => Column::new(
                name.into(),
                rows.iter()
                    .map(|&r| match d.rating[r] {
                        RATING_NONE => None,
                        RATING_SATISFIED => Some("satisfied"),
                        _ => Some("not_satisfied"),
                    })
                    .collect::<Vec<_>>(),
            ),
        });
    }
    // `accepted` and `finished` as the compute stage defines them (DOMAIN.md §2), from the same
    // expressions, evaluated on the coded status and the end date.
    let derived = DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                crate::indicators::STATUS.into(),
                rows.iter().map(|&r| d.status[r]).collect::<Vec<i32>>(),
            ),
            Column::new(
                crate::indicators::END_DAY.into(),
                rows.iter().map(|&r| d.end_day[r]).collect::<Vec<_>>(),
            ),
        ],
    )?
    .lazy()
    .select([
        crate::indicators::accepted()
            .fill_null(lit(false))
            .alias(ACCEPTED),
        crate::indicators::finished()
            .fill_null(lit(false))
            .alias(FINISHED),
    ])
    .collect()?;
    columns.push(derived.column(ACCEPTED)?.clone());
    columns.push(derived.column(FINISHED)?.clone());
    columns.push(date(END_AT, &d.end_day)?);
    let file_of = |r: usize| d.source_file.get(r).copied().unwrap_or(0) as usize;
    columns.push(Column::new(
        SOURCE_FILE.into(),
        rows.iter()
            .map(|&r| inputs.get(file_of(r)).map(|i| i.path.as_str()))
            .collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        SOURCE_SEQ.into(),
        rows.iter().map(|&r| r as i64 + 1).collect::<Vec<i64>>(),
    ));
    columns.push(Column::new(
        SOURCE_LINE.into(),
        rows.iter()
            .map(|&r| d.source_line.get(r).map(|l| *l as i64))
            .collect::<Vec<_>>(),
    ));
    columns.push(Column::new(BATCH.into(), vec![batch; rows.len()]));
    let missing_texts: Vec<String> = missing.iter().map(|m| missing_text(m)).collect();
    columns.push(Column::new(
        MISSING_COLUMNS.into(),
        rows.iter()
            .map(|&r| {
                missing_texts
                    .get(file_of(r))
                    .map(String::as_str)
                    .unwrap_or("")
            })
            .collect::<Vec<_>>(),
    ));
    Ok(DataFrame::new(rows.len(), columns)?)
}

fn channel_text(code: i32) -> &'static str {
    match code {
        c if c == Channel::Online as i32 => "online",
        c if c == Channel::Postal as i32 => "postal",
        _ => "direct",
    }
}

/// The defects as a frame: one row per defective row, in input order.
pub fn defects_frame(defects: &[Defect]) -> Result<DataFrame> {
    let texts = |f: &dyn Fn(&Defect) -> Option<String>| -> Vec<Option<String>> {
        defects.iter().map(f).collect()
    };
    let numbers =
        |f: &dyn Fn(&Defect) -> u64| -> Vec<i64> { defects.iter().map(|d| f(d) as i64).collect() };
    let class_name = |d: &Defect| {
        serde_json::to_value(d.class)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
    };
    let columns = vec![
        Column::new("path".into(), texts(&|d| Some(d.path.clone()))),
        Column::new("record".into(), numbers(&|d| d.record)),
        Column::new("line".into(), numbers(&|d| d.line)),
        Column::new("column".into(), texts(&|d| d.column.clone())),
        Column::new("field".into(), texts(&|d| d.field.map(String::from))),
        Column::new("value".into(), texts(&|d| d.value.clone())),
        Column::new("class".into(), texts(&class_name)),
        Column::new("reason".into(), texts(&|d| Some(d.reason.clone()))),
    ];
    Ok(DataFrame::new(defects.len(), columns)?)
}

/// Writes one Parquet file (zstd, row groups of [`ROWS_PER_GROUP`]).
pub fn write_parquet(path: &Path, frame: &mut DataFrame) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_row_group_size(Some(ROWS_PER_GROUP))
        .with_statistics(StatisticsOptions::full())
        .finish(frame)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

/// Writes the dataset into `dir` (which exists and holds none of its files): the dossier
/// files, the defects and, last, the manifest.
pub fn write_dataset(
    dir: &Path,
    read: &ReadOutcome,
    catalogue_inputs: &[InputSummary],
    defects: &DefectLog,
    batch: i64,
    rows_per_file: usize,
) -> Result<Manifest> {
    let d = &read.dossiers;
    let missing = missing_by_input(read);
    let live: Vec<usize> = (0..d.len()).filter(|&r| d.live[r]).collect();
    let dossier_dir = dir.join(DOSSIER_DIR);
    std::fs::create_dir_all(&dossier_dir)
        .with_context(|| format!("cannot create {}", dossier_dir.display()))?;
    let mut files = Vec::new();
    // An empty selection still writes one (empty) file, so the schema is there for engines.
    let chunks: Vec<&[usize]> = if live.is_empty() {
        vec![&[]]
    } else {
        live.chunks(rows_per_file.max(1)).collect()
    };
    for (index, rows) in chunks.into_iter().enumerate() {
        let name = format!("part-{index:05}.parquet");
        let mut frame = dossier_frame(d, &read.inputs, &missing, batch, rows)?;
        write_parquet(&dossier_dir.join(&name), &mut frame)?;
        files.push(format!("{DOSSIER_DIR}/{name}"));
    }
    let mut defects_table = defects_frame(&defects.samples)?;
    write_parquet(&dir.join(DEFECTS_FILE), &mut defects_table)?;

    let mut inputs: Vec<ManifestInput> = read
        .inputs
        .iter()
        .zip(&missing)
        .map(|(input, missing)| ManifestInput {
            path: input.path.clone(),
            kind: "dossiers".into(),
            sha256: input.sha256.clone(),
            rows: input.rows,
            defective: input.defective,
            columns: canonical_columns(input),
            missing_columns: missing.iter().map(|f| f.name().to_string()).collect(),
        })
        .collect();
    inputs.extend(catalogue_inputs.iter().map(|input| {
        ManifestInput {
            path: input.path.clone(),
            kind: match input.kind {
                InputKind::Catalogue => "catalogue",
                InputKind::Facts => "facts",
                InputKind::Dossiers => "dossiers",
            }
            .into(),
            sha256: input.sha256.clone(),
            rows: input.rows,
            defective: input.defective,
            columns: canonical_columns(input),
            missing_columns: Vec::new(),
        }
    }));
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        cchc_version: env!("CARGO_PKG_VERSION").into(),
        batch,
        rows: live.len() as u64,
        defects: defects.count,
        duplicates_merged: read.duplicates_merged,
        files,
        inputs,
    };
    let text = serde_json::to_string_pretty(&manifest)?;
    let path: PathBuf = dir.join(MANIFEST_FILE);
    std::fs::write(&path, text + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(manifest)
}

/// The canonical fields an input's header supplied, in header order.
fn canonical_columns(input: &InputSummary) -> Vec<String> {
    let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
    input
        .header_map
        .iter()
        .filter_map(|(_, field)| *field)
        .filter(|f| seen.insert(f, ()).is_none())
        .map(String::from)
        .collect()
}
