//! `cchc report`: read the exports, compute every indicator, judge it against the targets and
//! render the report; the exit code says whether every target was met.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::{bail, Result};

use super::output::refuse_output_over_input;
use super::{
    check_selection, defect_summary, diagnostic, prepare_input, read_all, write_file, write_stdout,
    InputPaths, Inputs,
};
use crate::cli::ReportArgs;
use crate::compute::{self, GroupDim, Query};
use crate::exit::{self, Outcome};
use crate::indicators::Registry;
use crate::input::catalogue::{self, CatalogueField, Procedure};
use crate::input::read::RowSink;
use crate::input::{self};
use crate::judge;
use crate::report::model::{Report, Summary, Tool, Warning};
use crate::report::{self, Format, Labels};
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
}

impl Plan {
    fn of(args: &ReportArgs) -> Result<Plan> {
        let (targets, mut read_options) = prepare_input(&args.input)?;
        let registry = targets.registry()?;
        read_options.keep = crate::indicators::extra_fields(&registry.condition_fields());
        // For tests: chunks of a few rows put chunk boundaries and the taking back of replaced
        // rows inside every fixture.
        if let Some(rows) = std::env::var("CCHC_CHUNK_ROWS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
        {
            read_options.chunk_rows = rows.max(1);
        }
        let selection = check_selection(&args.selection)?;
        let day = |date: Option<chrono::NaiveDate>| date.map(input::read::day_number);
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
            targets,
            registry,
            read_options,
            paths,
            query: Query {
                granularity: args.selection.period,
                group_by: selection.dims,
                from_day,
                to_day,
            },
            scope: Scope {
                year: args.selection.year,
                from_day,
                to_day,
            },
            labels,
        })
    }
}

pub fn run(args: &ReportArgs) -> Result<Outcome> {
    // Everything about the configuration is checked before any data is read.
    let plan = Plan::of(args)?;
    let timings = std::env::var_os("CCHC_TIMINGS").is_some();
    let started = std::time::Instant::now();
    // Without a catalogue every indicator is a sum over rows, so the rows of exports are summed
    // a chunk at a time as they are read, in bounded memory. A catalogue's levels are joined by
    // the report's latest year, known only once every row is read: then rows are kept.
    let mut accumulator = compute::Accumulator::new(&plan.query, &plan.registry);
    let streaming = plan.paths.catalogue.is_empty();
    let sink = streaming.then_some(&mut accumulator as &mut dyn RowSink);
    let mut inputs = read_all(&plan.paths, &plan.read_options, &plan.registry, sink)?;
    let read_done = started.elapsed();
    let defects = &inputs.dossiers.defects;
    if args.strict && defects.count > 0 {
        diagnostic(&defect_summary(&defects.into()));
        bail!(
            "{} defective row(s) and --strict is set: fix the rows above or drop --strict to leave them out",
            defects.count
        );
    }
    if !plan.paths.dossiers.is_empty() && inputs.dossiers.valid_rows() == 0 {
        diagnostic(&defect_summary(&defects.into()));
        bail!(
            "no valid dossier rows: all {} row(s) are defective, so no indicator can be computed",
            defects.count
        );
    }

    // The catalogue describes its undated rows in the report's latest year; then each dossier
    // without a level takes its procedure's (DOMAIN.md §4). Rows are streamed only when there
    // is no catalogue, so whenever the latest year matters it sees every row.
    let latest_year = latest_year(&inputs, &plan.scope);
    let (catalogue_years, catalogue_replaced) = inputs.catalogue.by_year(latest_year);
    let not_in_catalogue = if inputs.catalogue.is_given() {
        join_levels(&mut inputs.dossiers, &catalogue_years)
    } else {
        BTreeMap::new()
    };
    if inputs.catalogue.is_given() && !inputs.catalogue.lacks(CatalogueField::ServiceLevel) {
        inputs
            .dossiers
            .missing_fields
            .remove(&input::Field::ServiceLevel);
    }

    let dossiers = &inputs.dossiers;
    // Rows kept (not streamed) are summed now.
    accumulator.add(&dossiers.dossiers, 1)?;
    let tallies = accumulator.finish();
    if timings {
        // For the benchmark script: where the time goes, on stderr.
        diagnostic(&format!(
            "cchc: timings: read {:.2} s ({} rows), compute {:.2} s\n",
            read_done.as_secs_f64(),
            dossiers.valid_rows(),
            (started.elapsed() - read_done).as_secs_f64()
        ));
    }
    let procedure_names = procedure_names(dossiers, &catalogue_years);
    let mut results = judge::judge(
        &tallies,
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
                .map(|d| match d {
                    GroupDim::Unit => &dossiers.dossiers.units,
                    GroupDim::Sector => &dossiers.dossiers.sectors,
                    GroupDim::Procedure => &dossiers.dossiers.procedures,
                })
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
        let used =
            (!dossiers.inputs.is_empty()).then(|| online_use(&dossiers.dossiers, &plan.scope));
        results.extend(scorecard::catalogue_rows(
            &plan.registry,
            &plan.targets,
            &inputs.catalogue,
            &catalogue_years,
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
        bail!("{}", empty_selection(args, &inputs));
    }

    let mut warnings = warnings(&tallies, &inputs.dossiers, &inputs.summaries());
    warnings.extend(scorecard_warnings(
        &inputs,
        catalogue_replaced,
        not_in_catalogue,
    ));
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
            source: plan.targets.source.clone(),
            sha256: plan.targets.sha256.clone(),
        },
        inputs: inputs.summaries().iter().map(Into::into).collect(),
        defects: (&inputs.dossiers.defects).into(),
        warnings,
        results,
        summary,
    };
    render(args, &report, &plan.labels)
}

/// Renders and writes the report. The judgment is final before any output, so a closed pipe
/// cannot change the exit code.
fn render(args: &ReportArgs, report: &Report, labels: &Labels) -> Result<Outcome> {
    let color = args.output.is_none()
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let rendered: Vec<u8> = match args.format {
        Format::Table if args.trend => report::trend::render_table(report, labels, color).into(),
        Format::Markdown if args.trend => report::trend::render_markdown(report, labels).into(),
        Format::Table => report::table::render(report, labels, color).into(),
        Format::Json => report::json::render(report)?.into(),
        Format::Csv => report::csv::render(report, labels, args.bom)?.into(),
        Format::Markdown => report::markdown::render(report, labels).into(),
        Format::Xlsx => report::xlsx::render(report, labels)?,
        Format::Html => report::html::render(report, labels)?.into(),
    };
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
/// facts periods; the current year when there is none (DOMAIN.md §4).
pub(super) fn latest_year(inputs: &Inputs, scope: &Scope) -> i32 {
    let d = &inputs.dossiers.dossiers;
    let in_range =
        |day: i32| scope.from_day.is_none_or(|f| day >= f) && scope.to_day.is_none_or(|t| day <= t);
    let mut latest: Option<i32> = None;
    let mut consider = |year: i32| {
        if scope.year.is_none_or(|y| y == year) {
            latest = Some(latest.map_or(year, |l| l.max(year)));
        }
    };
    for row in 0..d.len() {
        if !d.live[row] {
            continue;
        }
        let received = d.received_day[row];
        if in_range(received) {
            consider(scorecard::year_of_day(received));
        }
        if let Some(end) = d.end_day[row].filter(|e| in_range(*e)) {
            consider(scorecard::year_of_day(end));
        }
    }
    for fact in inputs.facts.facts.values() {
        if scope.keeps(fact.period) {
            consider(fact.period.year());
        }
    }
    latest.unwrap_or_else(|| chrono::Datelike::year(&chrono::Local::now()))
}

/// Gives each dossier without a service level its procedure's level from the catalogue: the row
/// of its received year, else the nearest earlier, else the nearest later. Returns the codes the
/// catalogue does not list, with their number of valid dossier rows.
pub(super) fn join_levels(
    read: &mut input::ReadOutcome,
    by_year: &BTreeMap<i32, BTreeMap<String, &Procedure>>,
) -> BTreeMap<String, u64> {
    let codes = catalogue::by_code(by_year);
    let d = &mut read.dossiers;
    let mut level_of: HashMap<(u32, i32), i32> = HashMap::new();
    let mut missing: BTreeMap<String, u64> = BTreeMap::new();
    for row in 0..d.len() {
        let Some(procedure) = d.procedure[row] else {
            continue;
        };
        let code = d.procedures.name(procedure).unwrap_or_default();
        let Some(years) = codes.get(code) else {
            if d.live[row] {
                *missing.entry(code.to_string()).or_default() += 1;
            }
            continue;
        };
        if d.level[row] != input::LEVEL_UNKNOWN {
            continue;
        }
        let year = scorecard::year_of_day(d.received_day[row]);
        let level = *level_of.entry((procedure, year)).or_insert_with(|| {
            catalogue::row_for_year(years, year)
                .and_then(|p| p.level)
                .unwrap_or(input::LEVEL_UNKNOWN)
        });
        d.level[row] = level;
    }
    missing
}

/// Per year, the procedure codes with at least one accepted online dossier received that year
/// (`online_services_used`, Decision 766 indicator 3.2).
fn online_use(d: &input::Dossiers, scope: &Scope) -> BTreeMap<i32, BTreeSet<String>> {
    let mut used: BTreeMap<i32, BTreeSet<String>> = BTreeMap::new();
    for row in 0..d.len() {
        let accepted = !matches!(d.status[row], 1 | 3);
        let online = d.channel[row] == input::values::Channel::Online as i32;
        let day = d.received_day[row];
        let in_range =
            scope.from_day.is_none_or(|f| day >= f) && scope.to_day.is_none_or(|t| day <= t);
        if !(d.live[row] && accepted && online && in_range) {
            continue;
        }
        if let Some(code) = d.procedure[row].and_then(|p| d.procedures.name(p)) {
            used.entry(scorecard::year_of_day(day))
                .or_default()
                .insert(code.to_string());
        }
    }
    used
}

/// A procedure code's name: the catalogue's (latest year first), else the export's.
fn procedure_names(
    read: &input::ReadOutcome,
    by_year: &BTreeMap<i32, BTreeMap<String, &Procedure>>,
) -> BTreeMap<String, String> {
    let d = &read.dossiers;
    let mut names: BTreeMap<String, String> = d
        .procedure_labels
        .iter()
        .filter_map(|(id, name)| Some((d.procedures.name(*id)?.to_string(), name.clone())))
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

fn scorecard_warnings(
    inputs: &Inputs,
    catalogue_replaced: u64,
    not_in_catalogue: BTreeMap<String, u64>,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if !not_in_catalogue.is_empty() {
        let rows: u64 = not_in_catalogue.values().sum();
        warnings.push(Warning {
            kind: "procedure_not_in_catalogue",
            message: format!(
                "{} procedure code(s) of the dossiers ({rows} valid row(s)) have no valid catalogue row: {}",
                not_in_catalogue.len(),
                not_in_catalogue
                    .iter()
                    .map(|(code, n)| format!("{code} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            codes: Some(not_in_catalogue),
        });
    }
    if catalogue_replaced > 0 {
        warnings.push(Warning {
            kind: "catalogue_duplicates",
            message: format!(
                "{catalogue_replaced} catalogue row(s) repeat a procedure code for the same year: the later row is used"
            ),
            codes: None,
        });
    }
    for message in &inputs.facts.replaced {
        warnings.push(Warning {
            kind: "facts_replaced",
            message: message.clone(),
            codes: None,
        });
    }
    warnings
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

fn warnings(
    tallies: &compute::Tallies,
    read: &input::ReadOutcome,
    inputs: &[input::InputSummary],
) -> Vec<Warning> {
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
            codes: None,
            message: format!(
                "{} row(s) repeat an earlier dossier_id and replace it: the later row of each dossier is counted",
                read.duplicates_merged
            ),
        });
    }
    for input in inputs {
        let line = input.dialect.header_line;
        if line > 1 {
            warnings.push(Warning {
                kind: "header_line",
                codes: None,
                message: format!(
                    "{}: the header is on line {line}; the {} line(s) above it were skipped as titles",
                    input.path,
                    line - 1
                ),
            });
        }
    }
    for input in inputs {
        for column in &input.duplicate_columns {
            warnings.push(Warning {
                kind: "duplicate_column",
                codes: None,
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
    for input in inputs {
        for note in &input.dialect.notes {
            warnings.push(Warning {
                kind: note.kind,
                codes: None,
                message: format!("{}: {}", input.path, note.message),
            });
        }
    }
    let blank: u64 = inputs.iter().map(|i| i.blank_lines).sum();
    if blank > 0 {
        warnings.push(Warning {
            kind: "blank_lines",
            codes: None,
            message: format!("{blank} blank line(s) skipped"),
        });
    }
    if missing_due > 0 {
        warnings.push(Warning {
            kind: "missing_due",
            codes: None,
            message: format!(
                "{missing_due} finished dossier(s) have no due date (due_at) and are left out of on_time"
            ),
        });
    }
    if tallies.finished_without_end > 0 {
        warnings.push(Warning {
            kind: "finished_without_end_date",
            codes: None,
            message: format!(
                "{} finished dossier(s) have neither finished_at nor returned_at and are left out of the result-based indicators",
                tallies.finished_without_end
            ),
        });
    }
    warnings
}
