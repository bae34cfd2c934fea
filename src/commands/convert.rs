//! `cchc convert`: read the exports once, apply every rule of DOMAIN.md §1 (aliases,
//! vocabularies, dates, amounts, dedup, the catalogue join) and write the canonical Parquet
//! dataset of §7.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::report::{join_levels, latest_year};
use super::{defect_summary, diagnostic, prepare_input, read_all, InputPaths};
use crate::cli::ConvertArgs;
use crate::dataset::{self, write};
use crate::exit::Outcome;
use crate::input::catalogue::CatalogueField;
use crate::input::Field;
use crate::scorecard::Scope;

pub fn run(args: &ConvertArgs) -> Result<Outcome> {
    if !args.input.facts.is_empty() {
        bail!("--facts is not part of a dataset: give the facts file to `cchc report` with the dataset");
    }
    let (targets, mut options) = prepare_input(&args.input)?;
    let registry = targets.registry()?;
    // Every field goes into the dataset, with each row's file and line and every defect.
    options.keep = Field::ALL.into_iter().collect();
    options.provenance = true;
    let paths = InputPaths::of(&args.input)?;
    if paths.dossiers.is_empty() {
        bail!("no dossier export to convert: give one or more FILEs");
    }
    if let Some(dataset) = paths.dossiers.iter().find(|p| dataset::read::is_dataset(p)) {
        bail!("{dataset} is already a dataset (a folder or .parquet file): convert the exports it came from");
    }
    prepare_output(&args.output, args.force)?;

    let mut inputs = read_all(&paths, &options, &registry, None)?;
    let defects = &inputs.dossiers.defects;
    if args.strict && defects.count > 0 {
        diagnostic(&defect_summary(&defects.into()));
        bail!(
            "{} defective row(s) and --strict is set: nothing was written",
            defects.count
        );
    }
    if inputs.dossiers.dossiers.is_empty() {
        bail!(
            "no valid dossier rows: all {} row(s) are defective, nothing to convert",
            defects.count
        );
    }
    // The catalogue join, as `cchc report` does it: undated catalogue rows describe the
    // dossiers' latest year.
    let catalogue_inputs = inputs.catalogue.inputs.clone();
    if inputs.catalogue.is_given() {
        let latest = latest_year(&inputs, &Scope::default());
        let (years, _) = inputs.catalogue.by_year(latest);
        let not_listed = join_levels(&mut inputs.dossiers, &years);
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
    let manifest = write::write_dataset(
        staging.path(),
        &inputs.dossiers,
        &catalogue_inputs,
        &inputs.dossiers.defects,
        args.batch,
        usize::try_from(args.rows_per_file).unwrap_or(usize::MAX),
    )?;
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
        diagnostic(&defect_summary(&(&inputs.dossiers.defects).into()));
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
