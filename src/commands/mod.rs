//! The subcommands and what they share: validated input options, reading every kind of input,
//! and the ways output leaves the process.

pub mod check;
pub mod convert;
pub mod indicators;
pub mod init;
pub mod output;
pub mod report;
pub mod sql;

pub use output::{diagnostic, write_file, write_stdout};

use anyhow::{bail, Context, Result};

use crate::cli;
use crate::indicators::Registry;
use crate::input::catalogue::{self, Catalogue};
use crate::input::facts::{self, Facts};
use crate::input::read::RowSink;
use crate::input::{self, HeaderMatcher, ReadOptions, ReadOutcome};
use crate::report::defects;
use crate::targets::Targets;

/// The files of each kind a command was given, patterns expanded.
#[derive(Debug, Default)]
pub struct InputPaths {
    pub dossiers: Vec<String>,
    pub catalogue: Vec<String>,
    pub facts: Vec<String>,
}

impl InputPaths {
    pub fn of(args: &cli::InputArgs) -> Result<InputPaths> {
        let paths = InputPaths {
            dossiers: input::read::expand_paths(&args.files)?,
            catalogue: input::read::expand_paths(&args.catalogue)?,
            facts: input::read::expand_paths(&args.facts)?,
        };
        if paths.dossiers.is_empty() && paths.catalogue.is_empty() && paths.facts.is_empty() {
            bail!("no input: give a dossier export (FILE), --catalogue FILE or --facts FILE");
        }
        Ok(paths)
    }

    /// Every input path, for refusing an output over one of them.
    pub fn all(&self) -> impl Iterator<Item = &std::path::Path> {
        self.dossiers
            .iter()
            .chain(&self.catalogue)
            .chain(&self.facts)
            .map(std::path::Path::new)
    }
}

/// Everything read: the dossiers (with every file's defects), the catalogue and the facts.
pub struct Inputs {
    pub dossiers: ReadOutcome,
    pub catalogue: Catalogue,
    pub facts: Facts,
    /// Dossier procedure codes the catalogue join found no row for, with their valid rows.
    pub not_in_catalogue: std::collections::BTreeMap<String, u64>,
}

impl Inputs {
    /// Every input file's summary: dossier exports, then catalogues, then facts files.
    pub fn summaries(&self) -> Vec<input::InputSummary> {
        self.dossiers
            .inputs
            .iter()
            .chain(&self.catalogue.inputs)
            .chain(&self.facts.inputs)
            .cloned()
            .collect()
    }
}

/// The procedure catalogue and the self-reported figures, with their defects: read before the
/// dossiers, so the catalogue's levels can be joined to dossier rows as they stream by.
pub struct ScorecardInputs {
    pub catalogue: Catalogue,
    pub facts: Facts,
    pub defects: input::DefectLog,
}

pub fn read_scorecard_inputs(
    paths: &InputPaths,
    options: &ReadOptions,
    registry: &Registry,
    scores: &facts::ScoreIds,
) -> Result<ScorecardInputs> {
    let mut defects = input::DefectLog {
        keep_all: options.provenance,
        ..Default::default()
    };
    let catalogue = catalogue::read_catalogues(
        &paths.catalogue,
        &options.source(),
        &mut defects,
        options.tally_spellings,
    )?;
    let facts = facts::read_facts(
        &paths.facts,
        &options.source(),
        registry,
        scores,
        &mut defects,
    )?;
    Ok(ScorecardInputs {
        catalogue,
        facts,
        defects,
    })
}

/// Reads the dossier exports (or converted datasets) with the byte-level rules of DOMAIN.md
/// §1. With a `sink`, the rows are handed to it as they are read instead of kept.
pub fn read_dossiers(
    paths: &InputPaths,
    options: &ReadOptions,
    sink: Option<&mut dyn RowSink>,
) -> Result<ReadOutcome> {
    let datasets = paths
        .dossiers
        .iter()
        .filter(|p| crate::dataset::read::is_dataset(p))
        .count();
    if datasets == 0 {
        match sink {
            Some(sink) => input::read::read_inputs_into(&paths.dossiers, options, sink),
            None => input::read_inputs(&paths.dossiers, options),
        }
    } else if datasets == paths.dossiers.len() {
        crate::dataset::read::read_datasets(&paths.dossiers, options.keep, sink)
    } else {
        bail!("give either exports or converted datasets, not both: convert the exports with `cchc convert` first");
    }
}

impl Inputs {
    /// The dossiers and the scorecard's inputs as one run read them: the defects of the
    /// dossiers first, then the catalogue's and the facts'.
    pub fn assemble(mut dossiers: ReadOutcome, scorecard: ScorecardInputs) -> Inputs {
        dossiers.defects.append(scorecard.defects);
        Inputs {
            dossiers,
            catalogue: scorecard.catalogue,
            facts: scorecard.facts,
            not_in_catalogue: Default::default(),
        }
    }
}

/// Reads every input of every kind, with the same byte-level rules (DOMAIN.md §1). With a
/// `sink`, the dossier rows (of exports or datasets) are handed to it as they are read instead
/// of kept.
pub fn read_all(
    paths: &InputPaths,
    options: &ReadOptions,
    registry: &Registry,
    scores: &facts::ScoreIds,
    sink: Option<&mut dyn RowSink>,
) -> Result<Inputs> {
    let scorecard = read_scorecard_inputs(paths, options, registry, scores)?;
    let dossiers = read_dossiers(paths, options, sink)?;
    Ok(Inputs::assemble(dossiers, scorecard))
}

/// The targets file and read options an input-reading command starts from, all validated
/// before any data is read.
pub fn prepare_input(args: &cli::InputArgs) -> Result<(Targets, ReadOptions)> {
    let targets = match &args.targets {
        Some(path) => Targets::load(path)?,
        None => Targets::built_in()?,
    };
    let mut options = ReadOptions::new(HeaderMatcher::new(&targets.columns));
    options.spellings = targets.spellings.clone();
    options.sheet = args.sheet.clone();
    if let Some(name) = &args.encoding {
        options.encoding = Some(input::open::encoding_by_name(name).with_context(|| {
            format!("--encoding {name} is not supported: use utf-8, utf-16le, utf-16be, windows-1258 or windows-1252")
        })?);
    }
    if let Some(text) = &args.delimiter {
        options.delimiter = Some(match text.as_str() {
            "tab" | "\\t" | "\t" => b'\t',
            "," | ";" | "|" => text.as_bytes()[0],
            other => bail!("--delimiter {other:?} is not supported: use , ; | or tab"),
        });
    }
    Ok((targets, options))
}

/// `--by`, `--from` and `--to`, checked: at most two dimensions, real dates, a non-empty range.
pub struct Selection {
    pub dims: Vec<crate::compute::GroupDim>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

pub fn check_selection(args: &cli::SelectionArgs) -> Result<Selection> {
    let mut dims = args.by.clone();
    dims.dedup();
    if dims.len() > 2 {
        bail!("--by takes at most two dimensions (e.g. --by sector --by unit)");
    }
    let date = |flag: &str, text: &Option<String>| -> Result<Option<chrono::NaiveDate>> {
        let Some(text) = text else { return Ok(None) };
        input::values::parse_date(text)
            .map_err(|e| anyhow::anyhow!("--{flag} {text:?}: {}", e.reason))?
            .map(Some)
            .with_context(|| format!("--{flag} needs a date such as 31/12/2024"))
    };
    let from = date("from", &args.from)?;
    let to = date("to", &args.to)?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            bail!("--from is after --to: no day is in that range");
        }
    }
    Ok(Selection { dims, from, to })
}

/// Prints how many rows were defective, and the first ones, on standard error.
pub fn print_defects(log: &input::DefectLog) {
    diagnostic(&defects::summary(&log.into()));
}

/// Valid rows per hand-over to a sink: `default`, or for tests `CCHC_CHUNK_ROWS` (chunks of a
/// few rows put chunk boundaries and the taking back of replaced rows inside every fixture).
pub(crate) fn chunk_rows(default: usize) -> usize {
    std::env::var("CCHC_CHUNK_ROWS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(default, |rows| rows.max(1))
}
