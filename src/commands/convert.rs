//! `cchc convert`: read the exports once, apply every rule of DOMAIN.md §1 (aliases,
//! vocabularies, dates, amounts, dedup, the catalogue join) and write the canonical Parquet
//! dataset of §7.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::report::latest_year;
use super::{diagnostic, prepare_input, print_defects, read_all, InputPaths};
use crate::cli::ConvertArgs;
use crate::dataset::{self, write};
use crate::dossier::Field;
use crate::exit::Outcome;
use crate::input::catalogue::{self, CatalogueField};
use crate::scorecard::Scope;

pub fn run(args: &ConvertArgs) -> Result<Outcome> {
    if !args.input.facts.is_empty() {
        bail!("--facts is not part of a dataset: give the facts file to `cchc report` with the dataset");
    }
    let (targets, mut options) = prepare_input(&args.input)?;
    let registry = targets.registry()?;
    // Every field goes into the dataset, with each row's file and line and every defect.
    options.keep = crate::dossier::FieldSet::all();
    options.provenance = true;
    let paths = InputPaths::of(&args.input)?;
    if paths.dossiers.is_empty() {
        bail!("no dossier export to convert: give one or more FILEs");
    }
    if let Some(dataset) = paths.dossiers.iter().find(|p| dataset::read::is_dataset(p)) {
        bail!("{dataset} is already a dataset (a folder or .parquet file): convert the exports it came from");
    }
    prepare_output(&args.output, args.force)?;

    let mut inputs = read_all(&paths, &options, &registry, &Default::default(), None)?;
    let defects = &inputs.dossiers.defects;
    if args.strict && defects.count > 0 {
        print_defects(defects);
        bail!(
            "{} defective row(s) and --strict is set: nothing was written",
            defects.count
        );
    }
    if inputs.dossiers.rows.is_empty() {
        bail!(
            "no valid dossier rows: all {} row(s) are defective, nothing to convert",
            defects.count
        );
    }
    // The catalogue join, as `cchc report` does it: undated catalogue rows describe the
    // dossiers' latest year.
    let catalogue_inputs = inputs.catalogue.inputs.clone();
    if inputs.catalogue.is_given() {
        let query = crate::compute::Query {
            granularity: crate::dossier::Granularity::Year,
            group_by: Vec::new(),
            from_day: None,
            to_day: None,
            online_use: false,
        };
        let years = crate::compute::dossier_years(&inputs.dossiers.rows, &query);
        let latest = latest_year(&years, &inputs, &Scope::default());
        let (by_year, _) = inputs.catalogue.by_year(latest);
        let not_listed = catalogue::join_levels(&mut inputs.dossiers.rows, &by_year);
        if !not_listed.is_empty() {
            diagnostic(&format!(
                "cchc: warning: {} procedure code(s) of the dossiers have no catalogue row; their dossiers keep the export's level\n",
                not_listed.len()
            ));
        }
        if !inputs.catalogue.lacks(CatalogueField::ServiceLevel) {
            inputs.dossiers.missing_fields.remove(&Field::ServiceLevel);
        }
    }

    // Written next to the dataset first, then moved in: a failed conversion leaves no half
    // dataset behind.
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".cchc-convert-")
        .tempdir_in(&args.output)
        .with_context(|| format!("cannot write into {}", args.output.display()))?;
    let rows_per_file = usize::try_from(args.rows_per_file).unwrap_or(usize::MAX);
    let read = &inputs.dossiers;
    let missing = write::missing_by_input(read);
    let mut dossiers = write::DossierWriter::new(staging.path(), args.batch, rows_per_file)?;
    dossiers.write(&read.rows, &read.inputs, &missing)?;
    let dossiers = dossiers.finish(&read.inputs, &missing)?;
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
