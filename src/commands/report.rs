//! `cchc report`: the stages in order. The plan (every option and the targets file, checked
//! before any data is read), then read and compute (rows are summed as they are read), judge,
//! build the report, and hand it to the exporter of the chosen format. The exit code says
//! whether every target was met; it is decided before any output is written.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};

use super::output::refuse_output_over_input;
use super::{
    check_selection, diagnostic, prepare_input, print_defects, read_dossiers,
    read_scorecard_inputs, write_file, write_stdout, InputPaths, Inputs,
};
use crate::cli::ReportArgs;
use crate::compute::{self, GroupDim, Query, Tallies};
use crate::dossier::period::{date_of, day_of, Day};
use crate::dossier::{Field, Rows};
use crate::exit::{self, Outcome};
use crate::i766::{self, profile::Profile};
use crate::indicators::Registry;
use crate::input::catalogue::{self, CatalogueField, Procedure};
use crate::input::facts::ScoreIds;
use crate::input::read::RowSink;
use crate::input::{self};
use crate::judge;
use crate::model::{Diagnostics, Report, ResultRow, Summary, Tool};
use crate::report::{self, warnings, ExportOptions, Format, Labels};
use crate::scorecard::{self, Scope};
use crate::targets::Targets;

/// A report's configuration, checked before any data is read (ripgrep's two steps: raw flags,
/// then validated options).
struct Plan {
    targets: Targets,
    registry: Registry,
    read_options: input::ReadOptions,
    paths: InputPaths,
    query: Query,
    scope: Scope,
    labels: Labels,
    /// With `--i766`: the profile and `--as-of`.
    i766: Option<(Profile, Option<Day>)>,
    /// The facts ids of the 766 profile (the default one without `--i766`, so that a facts
    /// file may hold them either way).
    scores: ScoreIds,
}

impl Plan {
    fn of(args: &ReportArgs) -> Result<Plan> {
        let (targets, mut read_options) = prepare_input(&args.input)?;
        let registry = targets.registry()?;
        read_options.keep = compute::fields_read(&registry)?;
        let profile = Profile::load(args.i766.profile.as_deref())?;
        let scores = i766::score_ids(&profile);
        let i766 = match args.i766.enabled {
            false => None,
            true => {
                let as_of = match &args.i766.as_of {
                    None => None,
                    Some(text) => Some(day_of(
                        crate::input::values::parse_date(text)
                            .map_err(|e| anyhow::anyhow!("--as-of {text:?}: {}", e.reason))?
                            .with_context(|| "--as-of needs a date such as 31/08/2026")?,
                    )),
                };
                read_options.keep = read_options.keep.union(profile.fields_read());
                Some((profile, as_of))
            }
        };
        read_options.chunk_rows = super::chunk_rows(read_options.chunk_rows);
        read_options.sha256 = args.format.states_provenance();
        let selection = check_selection(&args.selection)?;
        let day = |date: Option<chrono::NaiveDate>| date.map(day_of);
        let (from_day, to_day) = (day(selection.from), day(selection.to));
        if args.format == Format::Xlsx
            && args.output.is_none()
            && !args.quiet
            && std::io::IsTerminal::is_terminal(&std::io::stdout())
        {
            bail!("--format xlsx writes a binary workbook: give --output report.xlsx (or pipe it)");
        }
        let paths = InputPaths::of(&args.input)?;
        if let Some(output) = &args.output {
            refuse_output_over_input(output, paths.all().chain(args.input.targets.as_deref()))?;
        }
        let labels = Labels::new(args.lang, &registry);
        Ok(Plan {
            query: Query {
                granularity: args.selection.period,
                group_by: selection.dims,
                from_day,
                to_day,
                online_use: !paths.catalogue.is_empty(),
            },
            targets,
            registry,
            read_options,
            paths,
            scope: Scope {
                year: args.selection.year,
                from_day,
                to_day,
            },
            labels,
            i766,
            scores,
        })
    }
}

pub fn run(args: &ReportArgs) -> Result<Outcome> {
    // Everything about the configuration is checked before any data is read.
    let plan = Plan::of(args)?;
    if plan.i766.is_none() {
        // The 766 index's tables grow instead: there it kept 25 MB more for no time.
        crate::allocator::keep_freed_chunks();
    }
    let (inputs, tallies, counted) = read_and_compute(&plan, args)?;
    // The catalogue by year and code, its undated rows in the report's latest year.
    let latest = latest_year(&tallies.years, &inputs.facts, &plan.scope);
    let catalogue = inputs.catalogue.by_year(latest);
    let results = judge_all(&plan, args, &inputs, &tallies, &catalogue.0)?;
    let estimate = match (&plan.i766, &counted) {
        (Some((profile, _)), Some((counter, counts))) => Some(estimate_766(
            &plan, args, &inputs, profile, counter, counts, latest,
        )?),
        _ => None,
    };
    let mut report = build(
        &plan,
        args,
        &inputs,
        &tallies,
        catalogue.1,
        &counted,
        results,
    );
    report.i766 = estimate;
    export(args, &report, &plan.labels)
}

/// The 766 estimate (DOMAIN.md §8) from what the read counted.
fn estimate_766(
    plan: &Plan,
    args: &ReportArgs,
    inputs: &Inputs,
    profile: &Profile,
    counter: &i766::tally::Counter,
    counts: &i766::tally::Counts,
    latest: i32,
) -> Result<crate::model::I766> {
    let shown = |day: Day| date_of(day).format("%d/%m/%Y").to_string();
    let as_of = match (counter.given_as_of(), counts.latest) {
        (Some(as_of), _) => as_of,
        (None, Some(latest)) => latest,
        (None, None) => bail!(
            "--i766 needs dossier exports to find the as-of date: give the exports, or --as-of DATE"
        ),
    };
    if let (Some(first), Some(given)) = (counts.first_received, counter.given_as_of()) {
        if given < first {
            bail!(
                "--as-of {} is before every dossier: the earliest was received on {}, so no period has anything to score",
                shown(given),
                shown(first)
            );
        }
    }
    let (services, _) = inputs.catalogue.services_by_year(latest);
    i766::estimate(&i766::Sources {
        profile,
        counter,
        counts,
        as_of,
        rows: &inputs.dossiers.rows,
        catalogue: &inputs.catalogue,
        catalogue_years: &services,
        facts: &inputs.facts,
        missing_fields: &inputs.dossiers.missing_fields,
        input_count: inputs.dossiers.inputs.len(),
        scope: plan.scope,
        by_unit: plan.query.group_by.contains(&GroupDim::Unit)
            || args.selection.by.contains(&GroupDim::Unit),
    })
}

/// The dossier columns the 766 sets read that some inputs lack: the sets count them as false
/// (DOMAIN.md §8: a missing satisfaction or complaint column is no dislike), with those inputs.
fn i766_false_columns(
    profile: &Profile,
    missing: &BTreeMap<Field, Vec<String>>,
) -> Vec<(&'static str, Vec<String>)> {
    let read = profile.fields_read();
    let named: crate::dossier::FieldSet = profile
        .indicators
        .iter()
        .filter_map(|i| match &i.measure {
            i766::profile::Measure::Dossiers {
                population,
                numerator,
                ..
            } => Some(
                i766::profile::named_fields(population)
                    .into_iter()
                    .chain(i766::profile::named_fields(numerator))
                    .collect::<crate::dossier::FieldSet>(),
            ),
            _ => None,
        })
        .fold(Default::default(), |a, b| a.union(b));
    read.iter()
        .filter(|f| !named.contains(*f))
        .filter_map(|f| missing.get(&f).map(|paths| (f.name(), paths.clone())))
        .collect()
}

/// Where the read stage hands rows: the plan's indicators, and the 766 counts.
struct Sinks<'q> {
    /// The catalogue's levels for dossiers without one, joined before anything counts them.
    join: Option<catalogue::LevelJoin>,
    accumulator: compute::Accumulator<'q>,
    i766: Option<i766::tally::Background>,
}

impl RowSink for Sinks<'_> {
    fn rows(&mut self, rows: &mut Rows, weight: i64) -> Result<()> {
        if let Some(join) = self.join.as_mut() {
            join.apply(rows, weight);
        }
        if rows.is_empty() {
            return Ok(());
        }
        // One frame of the chunk for both.
        let frame = rows.to_frame(self.accumulator.granularity())?;
        if let Some(counter) = self.i766.as_mut() {
            counter.add(rows, &frame, weight)?;
        }
        self.accumulator.add_frame(rows, frame, weight)?;
        Ok(())
    }
}

/// The years the dossiers' dates fall in (within `--from`/`--to`), and nothing else: the
/// first pass of a report whose catalogue join needs the latest year.
struct YearsSink<'q> {
    query: &'q compute::Query,
    years: BTreeMap<i32, i64>,
}

impl RowSink for YearsSink<'_> {
    fn rows(&mut self, rows: &mut Rows, weight: i64) -> Result<()> {
        for (year, dates) in compute::dossier_years(rows, self.query) {
            *self.years.entry(year).or_default() += weight * dates;
        }
        Ok(())
    }
}

/// What the 766 counter counted.
type Counted = Option<(i766::tally::Counter, i766::tally::Counts)>;

/// Reads every input and sums the dossier indicators, a chunk of rows at a time as they are
/// read, in bounded memory. The catalogue and the facts are read first, so the catalogue's
/// levels join each chunk before it is counted; only when a code has both dated rows and an
/// undated one (which describes the report's latest year) does a first pass over the dossiers
/// find that year.
fn read_and_compute(plan: &Plan, args: &ReportArgs) -> Result<(Inputs, Tallies, Counted)> {
    let timings = std::env::var_os("CCHC_TIMINGS").is_some();
    let started = std::time::Instant::now();
    let scorecard = read_scorecard_inputs(
        &plan.paths,
        &plan.read_options,
        &plan.registry,
        &plan.scores,
    )?;
    let join = if scorecard.catalogue.is_given() {
        let latest = if scorecard.catalogue.join_depends_on_latest_year() {
            let mut years = YearsSink {
                query: &plan.query,
                years: BTreeMap::new(),
            };
            // The files' digests are stated from the pass that counts.
            let options = input::ReadOptions {
                sha256: false,
                ..plan.read_options.clone()
            };
            read_dossiers(&plan.paths, &options, Some(&mut years))?;
            latest_year(&years.years, &scorecard.facts, &plan.scope)
        } else {
            // No code's level depends on it.
            0
        };
        Some(catalogue::LevelJoin::new(
            &scorecard.catalogue.by_year(latest).0,
        ))
    } else {
        None
    };
    let counter =
        match &plan.i766 {
            Some((profile, as_of)) => Some(i766::tally::Background::start(
                i766::tally::Counter::new(profile, args.selection.period, *as_of)?,
            )?),
            None => None,
        };
    let mut sinks = Sinks {
        join,
        accumulator: compute::Accumulator::new(&plan.query, &plan.registry)?,
        i766: counter,
    };
    let dossiers = read_dossiers(&plan.paths, &plan.read_options, Some(&mut sinks))?;
    let mut inputs = Inputs::assemble(dossiers, scorecard);
    let read_done = started.elapsed();
    let defects = &inputs.dossiers.defects;
    if args.strict && defects.count > 0 {
        print_defects(defects);
        bail!(
            "{} defective row(s) and --strict is set: fix the rows above or drop --strict to leave them out",
            defects.count
        );
    }
    if !plan.paths.dossiers.is_empty() && inputs.dossiers.valid_rows == 0 {
        print_defects(defects);
        bail!(
            "no valid dossier rows: all {} row(s) are defective, so no indicator can be computed",
            defects.count
        );
    }
    let Sinks {
        join,
        accumulator,
        i766: counter,
    } = sinks;
    if let Some(join) = join {
        inputs.not_in_catalogue = join.not_listed();
        if !inputs.catalogue.lacks(CatalogueField::ServiceLevel) {
            inputs.dossiers.missing_fields.remove(&Field::ServiceLevel);
        }
    }
    let counted = match counter {
        Some(counter) => Some(counter.finish(&inputs.dossiers.rows)?),
        None => None,
    };
    let tallies = accumulator.finish();
    if timings {
        // For the benchmark script: where the time goes, on stderr.
        diagnostic(&format!(
            "cchc: timings: read {:.2} s ({} rows), compute {:.2} s\n",
            read_done.as_secs_f64(),
            inputs.dossiers.valid_rows,
            (started.elapsed() - read_done).as_secs_f64()
        ));
    }
    Ok((inputs, tallies, counted))
}

/// Judges every tally and adds the scorecard's catalogue and facts rows, in report order.
fn judge_all(
    plan: &Plan,
    args: &ReportArgs,
    inputs: &Inputs,
    tallies: &Tallies,
    catalogue_years: &BTreeMap<i32, BTreeMap<String, Procedure>>,
) -> Result<Vec<ResultRow>> {
    let dossiers = &inputs.dossiers;
    let procedure_names = procedure_names(&dossiers.rows, catalogue_years);
    let mut results = judge::judge(
        tallies,
        &judge::Context {
            targets: &plan.targets,
            registry: &plan.registry,
            procedure_names: &procedure_names,
            granularity: args.selection.period,
            missing_fields: &dossiers.missing_fields,
            input_count: dossiers.inputs.len(),
            dims: &plan.query.group_by,
            group_names: plan
                .query
                .group_by
                .iter()
                .map(|d| dossiers.rows.dictionary(d.field()))
                .collect(),
            year: args.selection.year,
            min_count: args.selection.min_count,
        },
    );

    // The years of the report: those of the dossiers' periods, the catalogue and the figures.
    let mut years: BTreeSet<i32> = results
        .iter()
        .filter_map(|r| period_year(&r.period))
        .collect();
    years.extend(
        catalogue_years
            .keys()
            .copied()
            .filter(|y| plan.scope.keeps_year(*y)),
    );
    years.extend(
        inputs
            .facts
            .facts
            .values()
            .map(|f| f.period)
            .filter(|p| plan.scope.keeps(*p))
            .map(|p| p.year()),
    );
    if inputs.catalogue.is_given() {
        let procedures = dossiers.rows.dictionary(Field::ProcedureCode);
        let used: Option<BTreeMap<i32, BTreeSet<String>>> =
            (!dossiers.inputs.is_empty()).then(|| {
                tallies
                    .online_use
                    .iter()
                    .map(|(year, codes)| {
                        let names = codes
                            .keys()
                            .filter_map(|id| procedures.name(*id))
                            .map(String::from)
                            .collect();
                        (*year, names)
                    })
                    .collect()
            });
        results.extend(scorecard::catalogue_rows(
            &plan.registry,
            &plan.targets,
            &inputs.catalogue,
            catalogue_years,
            used.as_ref(),
            &years,
        ));
    }
    if !plan.paths.facts.is_empty() {
        results.extend(scorecard::facts_rows(
            &plan.registry,
            &plan.targets,
            &inputs.facts,
            &plan.scope,
            &years,
        ));
    }
    // Periods in order (a year before its quarters), and in each the dossiers, the catalogue,
    // then the figures; the judge's order within them is kept.
    results.sort_by_key(|r| (period_order(&r.period), r.source));
    if results.is_empty() {
        // An empty report would read as "nothing failed"; a cron job must see the mistake.
        bail!("{}", empty_selection(args, inputs));
    }
    Ok(results)
}

/// The report model of the run.
fn build(
    plan: &Plan,
    args: &ReportArgs,
    inputs: &Inputs,
    tallies: &Tallies,
    catalogue_replaced: u64,
    counted: &Counted,
    results: Vec<ResultRow>,
) -> Report {
    let summaries = inputs.summaries();
    let mut diagnostics = diagnostics(tallies, inputs, &summaries, catalogue_replaced);
    if let (Some((profile, _)), Some((_, counts))) = (&plan.i766, counted) {
        diagnostics.i766_ended_without_end = counts.ended_without_end;
        diagnostics.i766_false_columns =
            i766_false_columns(profile, &inputs.dossiers.missing_fields);
    }
    let summary = Summary::of(&results);
    Report {
        schema_version: crate::model::SCHEMA_VERSION,
        tool: Tool {
            name: "cchc",
            version: env!("CARGO_PKG_VERSION"),
        },
        generated_at: (!args.no_timestamp)
            .then(|| chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)),
        targets: crate::model::TargetsUsed {
            source: plan.targets.source.clone(),
            sha256: plan.targets.sha256.clone(),
        },
        inputs: summaries.iter().map(Into::into).collect(),
        defects: (&inputs.dossiers.defects).into(),
        warnings: warnings::warnings(&diagnostics),
        results,
        summary,
        i766: None,
    }
}

/// Renders and writes the report. The judgment is final before any output, so a closed pipe
/// cannot change the exit code.
fn export(args: &ReportArgs, report: &Report, labels: &Labels) -> Result<Outcome> {
    let color = args.output.is_none()
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let exporter = report::exporter(
        args.format,
        ExportOptions {
            trend: args.trend,
            bom: args.bom,
            color,
        },
    );
    let rendered = exporter.render(report, labels)?;
    let outcome: Outcome = exit::report_outcome(report.summary.fail, args.fail_on);
    if args.format != Format::Json && !args.quiet {
        if report.defects.count > 0 {
            diagnostic(&report::defects::summary(&report.defects));
        }
        for warning in &report.warnings {
            diagnostic(&format!("cchc: warning: {}\n", warning.message));
        }
    }
    // --quiet changes what reaches the terminal, never what is written to --output.
    if let Some(path) = &args.output {
        write_file(path, &rendered)?;
    }
    let on_stdout = if args.quiet {
        format!(
            "{}\n",
            labels.quiet_line(&report.summary, report.defects.count)
        )
        .into_bytes()
    } else if args.output.is_some() {
        Vec::new()
    } else {
        rendered
    };
    write_stdout(&on_stdout)?;
    Ok(outcome)
}

/// Why a selection left nothing to report, with the range the data covers.
fn empty_selection(args: &ReportArgs, inputs: &Inputs) -> String {
    let selection = [
        args.selection.year.map(|y| format!("--year {y}")),
        args.selection.from.as_ref().map(|d| format!("--from {d}")),
        args.selection.to.as_ref().map(|d| format!("--to {d}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let range = received_range(&inputs.dossiers.inputs)
        .map(|(from, to)| format!(" (the valid dossiers were received from {from} to {to})"))
        .unwrap_or_default();
    format!("no dossier in the selection {selection}: nothing to report{range}")
}

/// `2024` → 2024, `2024-Q1` → 2024, `2024-03` → 2024.
fn period_year(label: &str) -> Option<i32> {
    label.get(..4)?.parse().ok()
}

/// Sorts periods by year, a year before its quarters and months.
fn period_order(label: &str) -> (i32, u8, i32) {
    let year = period_year(label).unwrap_or(i32::MAX);
    match label.get(5..) {
        None => (year, 0, 0),
        Some(rest) => match rest.strip_prefix('Q') {
            Some(q) => (year, 1, q.parse().unwrap_or(0)),
            None => (year, 2, rest.parse().unwrap_or(0)),
        },
    }
}

/// The report's latest year: the latest among the selected dossiers (received or end date) and
/// facts periods; the current year when there is none (DOMAIN.md §4). `dossier_years` are the
/// years of the dossiers' dates within `--from`/`--to`.
pub(super) fn latest_year(
    dossier_years: &BTreeMap<i32, i64>,
    facts: &crate::input::facts::Facts,
    scope: &Scope,
) -> i32 {
    let in_year = |year: &i32| scope.year.is_none_or(|y| y == *year);
    let dossiers = dossier_years.keys().copied().filter(in_year);
    let facts = facts
        .facts
        .values()
        .filter(|fact| scope.keeps(fact.period))
        .map(|fact| fact.period.year())
        .filter(in_year);
    dossiers
        .chain(facts)
        .max()
        .unwrap_or_else(|| chrono::Datelike::year(&chrono::Local::now()))
}

/// A procedure code's name: the catalogue's (latest year first), else the export's.
fn procedure_names(
    rows: &Rows,
    by_year: &BTreeMap<i32, BTreeMap<String, Procedure>>,
) -> BTreeMap<String, String> {
    let codes = rows.dictionary(Field::ProcedureCode);
    let mut names: BTreeMap<String, String> = rows
        .procedure_labels
        .iter()
        .filter_map(|(id, name)| Some((codes.name(*id)?.to_string(), name.clone())))
        .collect();
    for rows in by_year.values() {
        for (code, row) in rows {
            if let Some(name) = &row.name {
                names.insert(code.clone(), name.clone());
            }
        }
    }
    names
}

/// What the stages found that the warnings tell.
fn diagnostics(
    tallies: &Tallies,
    inputs: &Inputs,
    summaries: &[input::InputSummary],
    catalogue_replaced: u64,
) -> Diagnostics {
    Diagnostics {
        duplicates_merged: inputs.dossiers.duplicates_merged,
        header_lines: summaries
            .iter()
            .filter_map(|i| {
                let line = i.dialect.as_ref()?.header_line;
                (line > 1).then(|| (i.path.clone(), line))
            })
            .collect(),
        duplicate_columns: summaries
            .iter()
            .flat_map(|i| {
                i.duplicate_columns
                    .iter()
                    .map(|c| (i.path.clone(), c.clone()))
            })
            .collect(),
        open_notes: summaries
            .iter()
            .flat_map(|i| {
                i.dialect
                    .iter()
                    .flat_map(|d| &d.notes)
                    .map(|n| (i.path.clone(), n.kind, n.message.clone()))
            })
            .collect(),
        blank_lines: summaries.iter().map(|i| i.blank_lines).sum(),
        missing_due: tallies
            .tallies
            .iter()
            .filter(|t| t.group.is_none())
            .filter_map(|t| t.missing_due)
            .sum(),
        finished_without_end: tallies.finished_without_end,
        not_in_catalogue: inputs.not_in_catalogue.clone(),
        catalogue_replaced,
        facts_replaced: inputs.facts.replaced.clone(),
        ..Diagnostics::default()
    }
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
    let date = |day: i32| date_of(day.max(0)).format("%d/%m/%Y").to_string();
    Some((date(from), date(to)))
}
