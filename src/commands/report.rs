//! `cchc report`: read the exports, compute every indicator, judge it against the targets and
//! render the report; the exit code says whether every target was met.

use anyhow::{bail, Context, Result};

use super::output::refuse_output_over_input;
use super::{defect_summary, diagnostic, prepare_input, write_file, write_stdout};
use crate::cli::ReportArgs;
use crate::compute::{self, GroupDim, Query};
use crate::exit::{self, Outcome};
use crate::input;
use crate::judge;
use crate::report::model::{Report, Summary, Tool, Warning};
use crate::report::{self, Format, Labels};

pub fn run(args: &ReportArgs) -> Result<Outcome> {
    // Everything about the configuration is checked before any data is read.
    let (targets, mut read_options) = prepare_input(&args.input)?;
    let registry = targets.registry()?;
    read_options.keep = crate::indicators::extra_fields(&registry.condition_fields());
    let mut dims = args.by.clone();
    dims.dedup();
    if dims.len() > 2 {
        bail!("--by takes at most two dimensions (e.g. --by sector --by unit)");
    }
    let labels = Labels::new(args.lang, &registry);

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
    let files = input::read::expand_paths(&args.input.files)?;
    if let Some(output) = &args.output {
        let inputs = files.iter().map(std::path::Path::new);
        refuse_output_over_input(output, inputs.chain(args.input.targets.as_deref()))?;
    }
    let timings = std::env::var_os("CCHC_TIMINGS").is_some();
    let started = std::time::Instant::now();
    let read = input::read_inputs(&files, &read_options)?;
    let read_done = started.elapsed();
    if args.strict && read.defects.count > 0 {
        diagnostic(&defect_summary(&read.defects));
        bail!(
            "{} defective row(s) and --strict is set: fix the rows above or drop --strict to leave them out",
            read.defects.count
        );
    }

    if read.dossiers.is_empty() {
        diagnostic(&defect_summary(&read.defects));
        bail!(
            "no valid dossier rows: all {} row(s) are defective, so no indicator can be computed",
            read.defects.count
        );
    }
    let tallies = compute::compute(&read.dossiers, &query, &registry)?;
    if timings {
        // For the benchmark script: where the time goes, on stderr.
        diagnostic(&format!(
            "cchc: timings: read {:.2} s ({} rows), compute {:.2} s\n",
            read_done.as_secs_f64(),
            read.dossiers.len(),
            (started.elapsed() - read_done).as_secs_f64()
        ));
    }
    let group_names = dims
        .iter()
        .map(|d| match d {
            GroupDim::Unit => &read.dossiers.units,
            GroupDim::Sector => &read.dossiers.sectors,
            GroupDim::Procedure => &read.dossiers.procedures,
        })
        .collect();
    let procedure_names: std::collections::BTreeMap<String, String> = read
        .dossiers
        .procedure_labels
        .iter()
        .filter_map(|(id, name)| {
            Some((
                read.dossiers.procedures.name(*id)?.to_string(),
                name.clone(),
            ))
        })
        .collect();
    let results = judge::judge(
        &tallies,
        &judge::Context {
            targets: &targets,
            registry: &registry,
            procedure_names: &procedure_names,
            granularity: args.period,
            missing_fields: &read.missing_fields,
            input_count: read.inputs.len(),
            group_names,
            dims: &dims,
            year: args.year,
            min_count: args.min_count,
        },
    );
    if results.is_empty() {
        // An empty report would read as "nothing failed"; a cron job must see the mistake.
        let selection = [
            args.year.map(|y| format!("--year {y}")),
            args.from.as_ref().map(|d| format!("--from {d}")),
            args.to.as_ref().map(|d| format!("--to {d}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let range = received_range(&read.inputs)
            .map(|(from, to)| format!(" (the valid dossiers were received from {from} to {to})"))
            .unwrap_or_default();
        bail!("no dossier in the selection {selection}: nothing to report{range}");
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
    // The judgment is final before any output, so a closed pipe cannot change the exit code.
    let outcome: Outcome = exit::report_outcome(report.summary.fail, args.fail_on);
    if args.format != Format::Json && !args.quiet {
        if report.defects.count > 0 {
            diagnostic(&defect_summary(&report.defects));
        }
        for warning in &report.warnings {
            diagnostic(&format!("cchc: warning: {}\n", warning.message));
        }
    }
    // --quiet changes what reaches the terminal, never what is written to --output.
    if let Some(path) = &args.output {
        write_file(path, rendered.as_bytes())?;
    }
    let on_stdout = if args.quiet {
        format!(
            "{}\n",
            labels.quiet_line(&report.summary, report.defects.count)
        )
    } else if args.output.is_some() {
        String::new()
    } else {
        rendered
    };
    write_stdout(on_stdout.as_bytes())?;
    Ok(outcome)
}

/// The earliest and latest reception date of the valid rows, as dd/mm/yyyy.
fn received_range(inputs: &[input::InputSummary]) -> Option<(String, String)> {
    let from = inputs
        .iter()
        .filter_map(|i| i.received_range)
        .map(|r| r.0)
        .min()?;
    let to = inputs
        .iter()
        .filter_map(|i| i.received_range)
        .map(|r| r.1)
        .max()?;
    let date = |day: i32| {
        (chrono::NaiveDate::default() + chrono::Days::new(day.max(0) as u64))
            .format("%d/%m/%Y")
            .to_string()
    };
    Some((date(from), date(to)))
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
    for input in &read.inputs {
        for column in &input.duplicate_columns {
            warnings.push(Warning {
                kind: "duplicate_column",
                message: format!(
                    "{}: column {} {:?} also names {}; column {} {:?} is used and this one is ignored",
                    input.path,
                    column.position,
                    column.header,
                    column.field,
                    column.used_position,
                    column.used_header
                ),
            });
        }
    }
    for input in &read.inputs {
        for note in &input.dialect.notes {
            warnings.push(Warning {
                kind: note.kind,
                message: format!("{}: {}", input.path, note.message),
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
