//! `cchc convert`: read the exports once, apply every rule of DOMAIN.md §1 (aliases,
//! vocabularies, dates, amounts, dedup, the catalogue join) and write the canonical Parquet
//! dataset of §7.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::report::latest_year;
use super::{
    diagnostic, prepare_input, print_defects, read_dossiers, read_scorecard_inputs, InputPaths,
    Inputs,
};
use crate::cli::ConvertArgs;
use crate::dataset::{self, write};
use crate::dossier::Field;
use crate::dossier::Rows;
use crate::exit::Outcome;
use crate::input::catalogue::{self, CatalogueField};
use crate::input::read::RowSink;
use crate::scorecard::Scope;

/// The rows as they are read: the catalogue's levels joined, then written.
struct Writing {
    join: Option<catalogue::LevelJoin>,
    /// The catalogue gives levels, so no input lacks `service_level`.
    levels_joined: bool,
    writer: write::DossierWriter,
    /// By input index: its path and the fields its rows lack.
    inputs: Vec<(String, Vec<Field>)>,
    /// Rows (input, line) a later row of the same dossier replaced.
    replaced: Vec<(u32, u64)>,
}

impl RowSink for Writing {
    fn file(&mut self, index: u32, path: &str, lacking: &[Field]) -> Result<()> {
        let lacking = lacking
            .iter()
            .copied()
            .filter(|f| !(self.levels_joined && *f == Field::ServiceLevel))
            .collect();
        let index = index as usize;
        if self.inputs.len() <= index {
            self.inputs.resize(index + 1, (String::new(), Vec::new()));
        }
        self.inputs[index] = (path.to_string(), lacking);
        Ok(())
    }

    fn rows(&mut self, rows: &mut Rows, weight: i64) -> Result<()> {
        if let Some(join) = self.join.as_mut() {
            join.apply(rows, weight);
        }
        let (paths, missing): (Vec<String>, Vec<Vec<Field>>) = self.inputs.iter().cloned().unzip();
        self.writer.write(rows, &paths, &missing)
    }

    fn takes_back(&self) -> bool {
        false
    }

    /// The writer has a thread of its own already: on another, `convert` took the same time
    /// (4.75 s against 4.83 s at 10M rows) and peaked 40 MB higher (292 MB).
    fn on_own_thread(&self) -> bool {
        false
    }

    fn replaced(&mut self, rows: &[(u32, u64)]) -> Result<()> {
        self.replaced.extend_from_slice(rows);
        Ok(())
    }
}

/// The years of the dossiers' dates: the first pass of a conversion whose catalogue join needs
/// the latest year.
struct Years<'q> {
    query: &'q crate::compute::Query,
    years: std::collections::BTreeMap<i32, i64>,
}

impl RowSink for Years<'_> {
    fn rows(&mut self, rows: &mut Rows, weight: i64) -> Result<()> {
        for (year, dates) in crate::compute::dossier_years(rows, self.query) {
            *self.years.entry(year).or_default() += weight * dates;
        }
        Ok(())
    }
}

pub fn run(args: &ConvertArgs) -> Result<Outcome> {
    if !args.input.facts.is_empty() {
        bail!("--facts is not part of a dataset: give the facts file to `cchc report` with the dataset");
    }
    let (targets, mut options) = prepare_input(&args.input)?;
    let registry = targets.registry()?;
    // Every field goes into the dataset, with each row's file and line and every defect.
    options.keep = crate::dossier::FieldSet::all();
    options.provenance = true;
    // Every field of a row is kept and becomes text columns of a frame: smaller chunks than a
    // report's keep the read's tables and the writer's frames small (RSS, issue 19).
    options.chunk_rows = super::chunk_rows(write::CHUNK_ROWS);
    let paths = InputPaths::of(&args.input)?;
    if paths.dossiers.is_empty() {
        bail!("no dossier export to convert: give one or more FILEs");
    }
    if let Some(dataset) = paths.dossiers.iter().find(|p| dataset::read::is_dataset(p)) {
        bail!("{dataset} is already a dataset (a folder or .parquet file): convert the exports it came from");
    }
    prepare_output(&args.output, args.force)?;
    crate::allocator::keep_freed_chunks();
    let created = !args.output.exists();
    let written = write_dataset(args, &paths, options, &registry);
    if written.is_err() && created {
        // A folder this run made stays only with a dataset in it. Best effort: the error
        // that stopped the conversion is the one to report.
        let _ = std::fs::remove_dir(&args.output);
    }
    written
}

/// Reads the exports and writes the dataset into `args.output`, through a staging folder.
fn write_dataset(
    args: &ConvertArgs,
    paths: &InputPaths,
    options: crate::input::ReadOptions,
    registry: &crate::indicators::Registry,
) -> Result<Outcome> {
    // Written next to the dataset first, then moved in: a failed conversion leaves no half
    // dataset behind.
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".cchc-convert-")
        .tempdir_in(&args.output)
        .with_context(|| format!("cannot write into {}", args.output.display()))?;
    let rows_per_file = usize::try_from(args.rows_per_file).unwrap_or(usize::MAX);

    // The catalogue first: its levels join the rows as they stream to the writer.
    let scorecard = read_scorecard_inputs(paths, &options, registry, &Default::default())?;
    let join = if scorecard.catalogue.is_given() {
        // Undated catalogue rows describe the dossiers' latest year; a first pass finds it
        // only when some code's level depends on it.
        let latest = if scorecard.catalogue.join_depends_on_latest_year() {
            let query = crate::compute::Query {
                granularity: crate::dossier::Granularity::Year,
                group_by: Vec::new(),
                from_day: None,
                to_day: None,
                online_use: false,
            };
            let mut years = Years {
                query: &query,
                years: Default::default(),
            };
            read_dossiers(paths, &options, Some(&mut years))?;
            latest_year(&years.years, &scorecard.facts, &Scope::default())
        } else {
            0
        };
        Some(catalogue::LevelJoin::new(
            &scorecard.catalogue.by_year(latest).0,
        ))
    } else {
        None
    };
    let levels_joined = join.is_some() && !scorecard.catalogue.lacks(CatalogueField::ServiceLevel);
    let mut sink = Writing {
        join,
        levels_joined,
        writer: write::DossierWriter::new(staging.path(), args.batch, rows_per_file)?,
        inputs: Vec::new(),
        replaced: Vec::new(),
    };
    let dossiers = read_dossiers(paths, &options, Some(&mut sink))?;
    let mut inputs = Inputs::assemble(dossiers, scorecard);
    let defects = &inputs.dossiers.defects;
    if args.strict && defects.count > 0 {
        print_defects(defects);
        bail!(
            "{} defective row(s) and --strict is set: nothing was written",
            defects.count
        );
    }
    if inputs.dossiers.valid_rows == 0 {
        bail!(
            "no valid dossier rows: all {} row(s) are defective, nothing to convert",
            defects.count
        );
    }
    if let Some(join) = &sink.join {
        let not_listed = join.not_listed();
        if !not_listed.is_empty() {
            diagnostic(&format!(
                "cchc: warning: {} procedure code(s) of the dossiers have no catalogue row; their dossiers keep the export's level\n",
                not_listed.len()
            ));
        }
    }
    if levels_joined {
        inputs.dossiers.missing_fields.remove(&Field::ServiceLevel);
    }
    let catalogue_inputs = inputs.catalogue.inputs.clone();
    let read = &inputs.dossiers;
    let missing = write::missing_by_input(read);
    let paths_read: Vec<String> = read.inputs.iter().map(|i| i.path.clone()).collect();
    let mut dossiers = sink.writer.finish(&paths_read, &missing)?;
    // A row a later row of the same dossier replaced was written already: the files holding
    // such rows are written again without them.
    let replaced: std::collections::HashSet<(String, i64)> = sink
        .replaced
        .iter()
        .filter_map(|&(input, line)| Some((paths_read.get(input as usize)?.clone(), line as i64)))
        .collect();
    dossiers.drop_rows(&replaced)?;
    let manifest = write::finish_dataset(staging.path(), read, &catalogue_inputs, &dossiers)?;
    remove_dataset(&args.output)?;
    for name in [
        dataset::DOSSIER_DIR,
        dataset::DEFECTS_FILE,
        dataset::MANIFEST_FILE,
    ] {
        std::fs::rename(staging.path().join(name), args.output.join(name))
            .with_context(|| format!("cannot move {name} into {}", args.output.display()))?;
    }
    if manifest.defects > 0 {
        print_defects(&inputs.dossiers.defects);
    }
    diagnostic(&format!(
        "cchc: wrote {} dossier row(s) from {} file(s) to {} ({} Parquet file(s); {} defective row(s) in {}; {} duplicate(s) merged)\n",
        manifest.rows,
        inputs.dossiers.inputs.len(),
        args.output.display(),
        manifest.files.len(),
        manifest.defects,
        dataset::DEFECTS_FILE,
        manifest.duplicates_merged
    ));
    Ok(Outcome::TargetsMet)
}

/// Refuses to write over anything but an empty folder, or a dataset with `--force`.
fn prepare_output(dir: &Path, force: bool) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        bail!(
            "--output {} is a file: give a folder for the dataset",
            dir.display()
        );
    }
    let mut entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    entries.sort();
    if !entries.is_empty() && !force {
        bail!(
            "--output {} is not empty ({}): give an empty or new folder, or --force to replace a dataset there",
            dir.display(),
            entries.join(", ")
        );
    }
    Ok(())
}

/// Removes a previous dataset's files from `dir` (with `--force`); other files stay.
fn remove_dataset(dir: &Path) -> Result<()> {
    let dossiers = dir.join(dataset::DOSSIER_DIR);
    if dossiers.is_dir() {
        std::fs::remove_dir_all(&dossiers)
            .with_context(|| format!("cannot remove the old {}", dossiers.display()))?;
    }
    for name in [dataset::DEFECTS_FILE, dataset::MANIFEST_FILE] {
        let path = dir.join(name);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove the old {}", path.display()))?;
        }
    }
    Ok(())
}
