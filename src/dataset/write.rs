//! Writes what the read stage produced as a canonical dataset (DOMAIN.md §7): the dossier rows
//! as they arrive, chunk by chunk, into Parquet files of at most `--rows-per-file` rows, then
//! the defects and, last, the manifest.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::row_group::ChunkColumns;
use super::*;
use crate::condition::{Condition, Scope};
use crate::dossier::rows::NO_TEXT;
use crate::dossier::{CodedTexts, DatasetColumn, Field, Rows, END_AT};
use crate::input::{Defect, InputSummary, ReadOutcome};

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

/// `accepted` and `finished` as the compute stage defines them (DOMAIN.md §2), from the same
/// conditions, evaluated on the dataset's own columns.
struct Derived {
    accepted: Condition,
    finished: Condition,
    /// The fields the two read.
    fields: crate::dossier::FieldSet,
}

impl Derived {
    fn new() -> Result<Derived> {
        let scope = Scope::dossier();
        let parse = |name: &str| {
            Condition::parse(name, &scope).map_err(|e| anyhow::anyhow!("built-in {name}: {e}"))
        };
        let (accepted, finished) = (parse("accepted")?, parse("finished")?);
        let fields = accepted.fields().chain(finished.fields()).collect();
        Ok(Derived {
            accepted,
            finished,
            fields,
        })
    }
}

/// The dossier rows of a chunk as the dataset's columns, in [`columns`] order. `paths` and
/// `missing` (by input index) name each row's file and what it lacked.
fn dossier_chunk(
    rows: &Rows,
    paths: &[String],
    missing: &[Vec<Field>],
    batch: i64,
    derived: &Derived,
) -> Result<ChunkColumns> {
    let height = rows.len();
    let mut columns = rows.dataset_columns()?;
    // The derived flags, from the compute stage's own frame of the same rows (only the
    // columns the conditions read).
    let flags = rows
        .frame_of(derived.fields, crate::dossier::Granularity::Year)?
        .lazy()
        .select([
            derived.accepted.to_polars(rows).alias(ACCEPTED),
            derived.finished.to_polars(rows).alias(FINISHED),
            col(END_AT).cast(DataType::Date),
        ])
        .collect()?;
    for name in [ACCEPTED, FINISHED, END_AT] {
        columns.push(DatasetColumn::Values(flags.column(name)?.clone()));
    }
    let (files, lines, seqs) = rows
        .provenance()
        .context("the rows of a dataset keep their file and line")?;
    let missing_texts: Vec<String> = missing.iter().map(|m| missing_text(m)).collect();
    columns.push(per_file_column(SOURCE_FILE, files, paths, None));
    columns.push(DatasetColumn::Values(Column::new(
        SOURCE_SEQ.into(),
        seqs.iter().map(|&s| s as i64).collect::<Vec<i64>>(),
    )));
    columns.push(DatasetColumn::Values(Column::new(
        SOURCE_LINE.into(),
        lines.iter().map(|&l| Some(l as i64)).collect::<Vec<_>>(),
    )));
    columns.push(DatasetColumn::Values(Column::new(
        BATCH.into(),
        vec![batch; height],
    )));
    columns.push(per_file_column(
        MISSING_COLUMNS,
        files,
        &missing_texts,
        Some(""),
    ));
    Ok(ChunkColumns::new(height, columns))
}

/// A text column whose value is the same for the rows of a file (`files`: each row's input
/// index): `texts` by input index, and `absent` for an input past their end.
fn per_file_column(
    name: &str,
    files: &[u32],
    texts: &[String],
    absent: Option<&str>,
) -> DatasetColumn {
    let known = texts.len();
    let mut texts = texts.to_vec();
    let past_end = match absent {
        Some(text) => {
            texts.push(text.to_string());
            known as u32
        }
        None => NO_TEXT,
    };
    let ids = files
        .iter()
        .map(|&file| {
            if (file as usize) < known {
                file
            } else {
                past_end
            }
        })
        .collect();
    DatasetColumn::Coded(CodedTexts {
        name: name.into(),
        ids,
        texts,
    })
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

fn parquet_writer(path: &Path) -> Result<ParquetWriter<File>> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(ParquetWriter::new(file)
        .with_compression(super::row_group::compression())
        .with_row_group_size(Some(ROWS_PER_GROUP))
        .with_statistics(super::row_group::statistics()))
}

/// Writes one whole Parquet file (zstd level 1, row groups of [`ROWS_PER_GROUP`]).
pub fn write_parquet(path: &Path, frame: &mut DataFrame) -> Result<()> {
    parquet_writer(path)?
        .finish(frame)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

/// Valid rows per chunk of a conversion: a row group (see [`DossierWriter`]).
pub const CHUNK_ROWS: usize = ROWS_PER_GROUP;

/// The file being written and how many rows it holds.
struct OpenPart {
    writer: polars::io::parquet::write::BatchedWriter<File>,
    path: PathBuf,
    rows: usize,
}

/// The dossier files of a dataset, written as rows arrive: each chunk of the read (about
/// [`CHUNK_ROWS`] rows) is a row group, or several of [`ROWS_PER_GROUP`] when it is much larger,
/// and a file is closed once it holds `rows_per_file` rows, so memory holds one chunk whatever
/// the input's size. Chunks are not gathered into groups of one size: that cost a copy of
/// every row (issue 19's profile). Each chunk's frame is built on the calling thread, then
/// encoded, compressed and written on a thread of its own while the next chunk is read.
pub struct DossierWriter {
    dir: PathBuf,
    batch: i64,
    derived: Derived,
    /// Chunks to the writing thread: it holds none waiting, so one chunk is being written
    /// while the next is built.
    frames: Option<std::sync::mpsc::SyncSender<ChunkColumns>>,
    writing: Option<std::thread::JoinHandle<Result<PartFiles>>>,
    /// The files written, relative to the dataset folder.
    pub files: Vec<String>,
    pub rows: u64,
}

impl DossierWriter {
    /// Writes into `dir`/dossiers/, which is created.
    pub fn new(dir: &Path, batch: i64, rows_per_file: usize) -> Result<DossierWriter> {
        let dossier_dir = dir.join(DOSSIER_DIR);
        std::fs::create_dir_all(&dossier_dir)
            .with_context(|| format!("cannot create {}", dossier_dir.display()))?;
        let mut files = PartFiles {
            dir: dir.to_path_buf(),
            rows_per_file: rows_per_file.max(1),
            part: None,
            files: Vec::new(),
            rows: 0,
        };
        let (frames, arriving) = std::sync::mpsc::sync_channel::<ChunkColumns>(0);
        let writing = std::thread::Builder::new()
            .name("parquet-writer".into())
            .spawn(move || -> Result<PartFiles> {
                for frame in arriving {
                    files.write(frame)?;
                }
                Ok(files)
            })
            .context("cannot start the thread that writes the dataset")?;
        Ok(DossierWriter {
            dir: dir.to_path_buf(),
            batch,
            derived: Derived::new()?,
            frames: Some(frames),
            writing: Some(writing),
            files: Vec::new(),
            rows: 0,
        })
    }

    /// Adds a chunk of rows; `paths` and `missing` (by input index) name their files.
    pub fn write(&mut self, rows: &Rows, paths: &[String], missing: &[Vec<Field>]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let frame = dossier_chunk(rows, paths, missing, self.batch, &self.derived)?;
        let sent = self.frames.as_ref().is_some_and(|f| f.send(frame).is_ok());
        if !sent {
            // The writing thread stopped: its error says why.
            self.wait_for_writing()?;
            anyhow::bail!("the thread writing the dataset stopped");
        }
        Ok(())
    }

    /// Lets the writing thread write what it has, and takes back its files.
    fn wait_for_writing(&mut self) -> Result<PartFiles> {
        self.frames = None;
        let Some(writing) = self.writing.take() else {
            anyhow::bail!("the thread writing the dataset stopped");
        };
        writing
            .join()
            .map_err(|_| anyhow::anyhow!("the thread writing the dataset stopped"))?
    }

    /// Writes what is pending and closes the last file. An empty dataset still gets one
    /// (empty) file, so the schema is there for engines.
    pub fn finish(mut self, paths: &[String], missing: &[Vec<Field>]) -> Result<Self> {
        let mut files = self.wait_for_writing()?;
        if files.files.is_empty() {
            let empty = crate::dossier::Rows::new(crate::dossier::FieldSet::all(), true);
            let chunk = dossier_chunk(&empty, paths, missing, self.batch, &self.derived)?;
            files.open_part(&chunk.schema)?;
        }
        files.close_part()?;
        self.files = files.files;
        self.rows = files.rows;
        Ok(self)
    }

    /// Takes out of the files written the rows (`source_file`, `source_line`) given: rows a
    /// later row of the same dossier replaced, known once every row is written. A file holding
    /// none is left as it is; the others are written again a row group at a time.
    pub fn drop_rows(&mut self, rows: &HashSet<(String, i64)>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        for name in self.files.clone() {
            let path = self.dir.join(&name);
            let groups = row_groups(&path)?;
            let mut keep_masks = Vec::with_capacity(groups.len());
            let mut dropped = 0;
            for (index, _) in groups.iter().enumerate() {
                let keys =
                    read_row_group(&path, &groups, index, Some(&[SOURCE_FILE, SOURCE_LINE]))?;
                let files = keys.column(SOURCE_FILE)?.str()?;
                let lines = keys.column(SOURCE_LINE)?.i64()?;
                let keep: BooleanChunked = files
                    .iter()
                    .zip(lines.iter())
                    .map(|(file, line)| match (file, line) {
                        (Some(file), Some(line)) => !rows.contains(&(file.to_string(), line)),
                        _ => true,
                    })
                    .collect();
                dropped += keep.len() - keep.sum().unwrap_or(0) as usize;
                keep_masks.push(keep);
            }
            if dropped == 0 {
                continue;
            }
            let rewritten = path.with_extension("parquet.rewrite");
            let mut writer: Option<polars::io::parquet::write::BatchedWriter<File>> = None;
            for (index, keep) in keep_masks.iter().enumerate() {
                let group = read_row_group(&path, &groups, index, None)?.filter(keep)?;
                if writer.is_none() {
                    writer = Some(
                        parquet_writer(&rewritten)?
                            .batched(group.schema())
                            .map_err(|e| {
                                anyhow::anyhow!("cannot write {}: {e}", rewritten.display())
                            })?,
                    );
                }
                if let Some(writer) = writer.as_mut() {
                    writer.write_batch(&group).map_err(|e| {
                        anyhow::anyhow!("cannot write {}: {e}", rewritten.display())
                    })?;
                }
            }
            if let Some(writer) = writer {
                writer
                    .finish()
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", rewritten.display()))?;
            }
            std::fs::rename(&rewritten, &path)
                .with_context(|| format!("cannot replace {}", path.display()))?;
            self.rows -= dropped as u64;
        }
        Ok(())
    }
}

impl Drop for DossierWriter {
    /// A conversion that stopped early lets the writing thread finish the frame it holds
    /// before the caller removes the folder it writes in.
    fn drop(&mut self) {
        self.frames = None;
        if let Some(writing) = self.writing.take() {
            let _ = writing.join();
        }
    }
}

/// The dossier files as the writing thread writes them.
struct PartFiles {
    dir: PathBuf,
    rows_per_file: usize,
    part: Option<OpenPart>,
    files: Vec<String>,
    rows: u64,
}

impl PartFiles {
    /// Writes a chunk as one row group or several.
    fn write(&mut self, chunk: ChunkColumns) -> Result<()> {
        let mut offset = 0;
        while offset < chunk.height {
            let size = self.group_size(chunk.height - offset);
            self.write_group(&chunk, offset, size)?;
            offset += size;
        }
        Ok(())
    }

    /// The rows of the next row group out of `rows` to write: all of them, unless that is
    /// well over a row group or more than the open file has room for.
    fn group_size(&self, rows: usize) -> usize {
        let room = self.rows_per_file - self.part.as_ref().map_or(0, |p| p.rows);
        let group = if rows <= ROWS_PER_GROUP + ROWS_PER_GROUP / 2 {
            rows
        } else {
            ROWS_PER_GROUP
        };
        group.min(room)
    }

    /// Opens the next file when none is open.
    fn open_part(&mut self, schema: &Schema) -> Result<()> {
        if self.part.is_none() {
            let name = format!("part-{:05}.parquet", self.files.len());
            let path = self.dir.join(DOSSIER_DIR).join(&name);
            let writer = parquet_writer(&path)?
                .batched(schema)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            self.files.push(format!("{DOSSIER_DIR}/{name}"));
            self.part = Some(OpenPart {
                writer,
                path,
                rows: 0,
            });
        }
        Ok(())
    }

    /// Writes rows `offset..offset + size` of a chunk as a row group.
    fn write_group(&mut self, chunk: &ChunkColumns, offset: usize, size: usize) -> Result<()> {
        self.open_part(&chunk.schema)?;
        let Some(part) = self.part.as_mut() else {
            return Ok(());
        };
        chunk
            .write_row_group(&mut part.writer, offset, size)
            .with_context(|| format!("cannot write {}", part.path.display()))?;
        part.rows += size;
        self.rows += size as u64;
        if part.rows >= self.rows_per_file {
            self.close_part()?;
        }
        Ok(())
    }

    fn close_part(&mut self) -> Result<()> {
        if let Some(part) = self.part.take() {
            part.writer
                .finish()
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", part.path.display()))?;
        }
        Ok(())
    }
}

/// The row counts of a Parquet file's row groups.
fn row_groups(path: &Path) -> Result<Vec<usize>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = ParquetReader::new(file);
    let metadata = reader
        .get_metadata()
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(metadata.row_groups.iter().map(|g| g.num_rows()).collect())
}

/// One row group of a Parquet file, all its columns or some.
fn read_row_group(
    path: &Path,
    groups: &[usize],
    index: usize,
    columns: Option<&[&str]>,
) -> Result<DataFrame> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let offset: usize = groups[..index].iter().sum();
    ParquetReader::new(file)
        .with_columns(columns.map(|c| c.iter().map(|name| name.to_string()).collect()))
        .with_slice(Some((offset, groups[index])))
        .finish()
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

/// Writes the defects and the manifest of a dataset whose dossier files `dossiers` wrote.
pub fn finish_dataset(
    dir: &Path,
    read: &ReadOutcome,
    catalogue_inputs: &[InputSummary],
    dossiers: &DossierWriter,
) -> Result<Manifest> {
    let missing = missing_by_input(read);
    // `convert` always hashes its inputs: the manifest is the dataset's provenance.
    let sha256 = |input: &InputSummary| {
        input.sha256.clone().with_context(|| {
            format!(
                "{} was read without its SHA-256 (internal error)",
                input.path
            )
        })
    };
    let mut defects_table = defects_frame(&read.defects.samples)?;
    write_parquet(&dir.join(DEFECTS_FILE), &mut defects_table)?;
    let mut inputs: Vec<ManifestInput> = read
        .inputs
        .iter()
        .zip(&missing)
        .map(|(input, missing)| {
            Ok(ManifestInput {
                path: input.path.clone(),
                kind: "dossiers".into(),
                sha256: sha256(input)?,
                rows: input.rows,
                defective: input.defective,
                columns: canonical_columns(input),
                missing_columns: missing.iter().map(|f| f.name().to_string()).collect(),
            })
        })
        .collect::<Result<_>>()?;
    for input in catalogue_inputs {
        inputs.push(ManifestInput {
            path: input.path.clone(),
            kind: input.kind.id().into(),
            sha256: sha256(input)?,
            rows: input.rows,
            defective: input.defective,
            columns: canonical_columns(input),
            missing_columns: Vec::new(),
        });
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        cchc_version: env!("CARGO_PKG_VERSION").into(),
        batch: dossiers.batch,
        rows: dossiers.rows,
        defects: read.defects.count,
        duplicates_merged: read.duplicates_merged,
        files: dossiers.files.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_text_is_the_same_for_each_of_its_rows() -> Result<()> {
        let files = [0, 0, 1, 1, 1, 0, 2];
        let paths = ["a.csv".to_string(), "b.csv".to_string()];
        let column = per_file_column("source_file", &files, &paths, None).into_column()?;
        let texts: Vec<Option<&str>> = column.str()?.iter().collect();
        assert_eq!(
            texts,
            [
                Some("a.csv"),
                Some("a.csv"),
                Some("b.csv"),
                Some("b.csv"),
                Some("b.csv"),
                Some("a.csv"),
                None
            ]
        );
        let column =
            per_file_column("missing_columns", &files, &[String::new()], Some("")).into_column()?;
        assert_eq!(column.str()?.get(6), Some(""));
        assert_eq!(column.str()?.get(2), Some(""));
        Ok(())
    }
}
