//! cchc computes the administrative-reform (cải cách hành chính) indicators of a provincial
//! plan from one-stop-shop dossier exports and judges them against targets.
//!
//! Data flows one way: [`input`] reads and normalizes the exports, [`compute`] runs one polars
//! query for every numerator and denominator, [`judge`] compares values with [`targets`], and
//! [`report`] renders the result. [`exit`] decides the exit code.

pub mod check;
pub mod cli;
pub mod compute;
pub mod exit;
pub mod indicators;
pub mod input;
pub mod judge;
pub mod report;
pub mod targets;

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};

use cli::{Cli, Command, ReportArgs};
use compute::{GroupDim, Query};
use exit::Outcome;
use input::{HeaderMatcher, ReadOptions};
use report::model::{Report, Summary, Tool, Warning};
use report::{Format, Labels};
use targets::Targets;

/// Runs one command and says how it ended; errors are for `main` to print.
pub fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Report(args) => run_report(&args),
        Command::Check(args) => check::run(&args),
    }
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

fn run_report(args: &ReportArgs) -> Result<Outcome> {
    // Everything about the configuration is checked before any data is read.
    let (targets, read_options) = prepare_input(&args.input)?;
    let mut dims = args.by.clone();
    dims.dedup();
    if dims.len() > 2 {
        bail!("--by takes at most two dimensions (e.g. --by sector --by unit)");
    }
    let labels = Labels::new(args.lang);

    let day_of = |flag: &str, text: &Option<String>| -> Result<Option<i32>> {
        let Some(text) = text else { return Ok(None) };
        let date = input::values::parse_date(text)
            .map_err(|e| anyhow::anyhow!("--{flag} {text:?}: {}", e.reason))?
            .with_context(|| format!("--{flag} needs a date such as 31/12/2024"))?;
        Ok(Some(input::read::day_number(date)))
    };
    let from_day = day_of("from", &args.from)?;
    let to_day = day_of("to", &args.to)?;
    if let (Some(from), Some(to)) = (from_day, to_day) {
        if from > to {
            bail!("--from is after --to: no day is in that range");
        }
    }
    let query = Query {
        granularity: args.period,
        group_by: dims.clone(),
        from_day,
        to_day,
    };
    let timings = std::env::var_os("CCHC_TIMINGS").is_some();
    let started = std::time::Instant::now();
    let read = input::read_inputs(&args.input.files, &read_options)?;
    let read_done = started.elapsed();
    if args.strict && read.defects.count > 0 {
        eprint!("{}", defect_summary(&read.defects));
        bail!(
            "{} defective row(s) and --strict is set: fix the rows above or drop --strict to leave them out",
            read.defects.count
        );
    }

    if read.dossiers.is_empty() {
        eprint!("{}", defect_summary(&read.defects));
        bail!(
            "no valid dossier rows: all {} row(s) are defective, so no indicator can be computed",
            read.defects.count
        );
    }
    let tallies = compute::compute(&read.dossiers, &query)?;
    if timings {
        // For the benchmark script: where the time goes, on stderr.
        eprintln!(
            "cchc: timings: read {:.2} s ({} rows), compute {:.2} s",
            read_done.as_secs_f64(),
            read.dossiers.len(),
            (started.elapsed() - read_done).as_secs_f64()
        );
    }
    let group_names = dims
        .iter()
        .map(|d| match d {
            GroupDim::Unit => &read.dossiers.units,
            GroupDim::Sector => &read.dossiers.sectors,
            GroupDim::Procedure => &read.dossiers.procedures,
        })
        .collect();
    let results = judge::judge(
        &tallies,
        &judge::Context {
            targets: &targets,
            granularity: args.period,
            missing_fields: &read.missing_fields,
            input_count: read.inputs.len(),
            group_names,
            unknown_group: labels.unknown_group(),
            year: args.year,
            min_count: args.min_count,
        },
    );
    if let Some(year) = args.year {
        if results.is_empty() {
            bail!("no dossiers in {year}: the inputs hold no valid dossier received or finished that year");
        }
    }
    let warnings = warnings(&tallies, &read);
    let summary = Summary::of(&results);
    let report = Report {
        schema_version: report::model::SCHEMA_VERSION,
        tool: Tool {
            name: "cchc",
            version: env!("CARGO_PKG_VERSION"),
        },
        generated_at: (!args.no_timestamp)
            .then(|| chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)),
        targets: report::model::TargetsUsed {
            source: targets.source.clone(),
            sha256: targets.sha256.clone(),
        },
        inputs: read.inputs,
        defects: read.defects,
        warnings,
        results,
        summary,
    };

    let color = args.output.is_none()
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let rendered = match args.format {
        Format::Table if args.trend => report::trend::render_table(&report, &labels, color),
        Format::Markdown if args.trend => report::trend::render_markdown(&report, &labels),
        Format::Table => report::table::render(&report, &labels, color),
        Format::Json => report::json::render(&report)?,
        Format::Csv => report::csv::render(&report, &labels, args.bom)?,
        Format::Markdown => report::markdown::render(&report, &labels),
    };
    if args.format != Format::Json && !args.quiet {
        if report.defects.count > 0 {
            eprint!("{}", defect_summary(&report.defects));
        }
        for warning in &report.warnings {
            eprintln!("cchc: warning: {}", warning.message);
        }
    }
    // --quiet changes what reaches the terminal, never what is written to --output.
    if let Some(path) = &args.output {
        write_atomically(path, rendered.as_bytes())?;
    }
    let on_stdout = if args.quiet {
        format!("{}\n", labels.summary_line(&report.summary))
    } else if args.output.is_some() {
        String::new()
    } else {
        rendered
    };
    if !write_stdout(on_stdout.as_bytes())? {
        return Ok(Outcome::OutputClosed);
    }
    Ok(exit::report_outcome(report.summary.fail, args.fail_on))
}

fn warnings(tallies: &compute::Tallies, read: &input::ReadOutcome) -> Vec<Warning> {
    let missing_due: i64 = tallies
        .tallies
        .iter()
        .filter(|t| t.group.is_none())
        .filter_map(|t| t.missing_due)
        .sum();
    let mut warnings = Vec::new();
    if read.duplicates_merged > 0 {
        warnings.push(Warning {
            kind: "duplicates_merged",
            message: format!(
                "{} row(s) repeat an earlier dossier_id and replace it: the later row of each dossier is counted",
                read.duplicates_merged
            ),
        });
    }
    for input in &read.inputs {
        let line = input.dialect.header_line;
        if line > 1 {
            warnings.push(Warning {
                kind: "header_line",
                message: format!(
                    "{}: the header is on line {line}; the {} line(s) above it were skipped as titles",
                    input.path,
                    line - 1
                ),
            });
        }
    }
    let blank: u64 = read.inputs.iter().map(|i| i.blank_lines).sum();
    if blank > 0 {
        warnings.push(Warning {
            kind: "blank_lines",
            message: format!("{blank} blank line(s) skipped"),
        });
    }
    if missing_due > 0 {
        warnings.push(Warning {
            kind: "missing_due",
            message: format!(
                "{missing_due} finished dossier(s) have no due date (due_at) and are left out of on_time"
            ),
        });
    }
    if tallies.finished_without_end > 0 {
        warnings.push(Warning {
            kind: "finished_without_end_date",
            message: format!(
                "{} finished dossier(s) have neither finished_at nor returned_at and are left out of the result-based indicators",
                tallies.finished_without_end
            ),
        });
    }
    warnings
}

pub fn defect_summary(defects: &input::DefectLog) -> String {
    let mut text = format!(
        "cchc: {} defective row(s) left out of every indicator{}:\n",
        defects.count,
        if defects.count > defects.samples.len() as u64 {
            format!(" (first {} shown)", defects.samples.len())
        } else {
            String::new()
        }
    );
    for d in &defects.samples {
        let place = match &d.column {
            Some(column) => format!(
                ", column {column:?}, value {:?}",
                d.value.as_deref().unwrap_or("")
            ),
            None => String::new(),
        };
        text.push_str(&format!(
            "  {}:{} (record {}){place}: {}\n",
            d.path, d.line, d.record, d.reason
        ));
    }
    text
}

/// Writes to standard output; `Ok(false)` when the reader has gone away (broken pipe).
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<bool> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e).context("writing to standard output"),
    }
}

/// Writes beside the target and renames, so a reader never sees half a report.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let directory = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("--output {} names no file", path.display()))?;
    let temporary = directory.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(e).with_context(|| format!("cannot write the output file {}", path.display()));
    }
    Ok(())
}
