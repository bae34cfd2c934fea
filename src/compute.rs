//! The compute stage: polars lazy queries over the valid rows that yield the numerator and
//! denominator of every dossier indicator for every period and group, plus what the scorecard
//! needs from the dossiers (the years they cover, the procedures used online).
//!
//! The read stage has already parsed every value into typed columns ([`Rows`]), so the queries
//! only evaluate each indicator's conditions, key and sum. Received-based and result-based
//! indicators are keyed by different dates, so there is one aggregation per basis (and per
//! grouping: totals, then the requested groups); polars runs them together as one multi-output
//! plan. Every sum is additive, so the [`Accumulator`] runs the plans over each chunk of rows the
//! read stage hands it and adds the results (or subtracts them, for rows a later row of the
//! same dossier replaced).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use polars::prelude::*;

use crate::condition::{Condition, Scope, TextColumns};
use crate::dossier::period::year_of;
use crate::dossier::rows::FastMap;
use crate::dossier::rows::{END_PERIOD, RECEIVED_PERIOD};
use crate::dossier::rows::{NO_DAY, NO_KEY};
use crate::dossier::{Field, FieldSet, Granularity, PeriodKey, Rows, END_AT};
use crate::indicators::{Basis, Indicator, Measure, Registry};

/// A dimension to break results down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum GroupDim {
    Unit,
    Sector,
    Procedure,
}

impl GroupDim {
    /// The dossier field that names the group.
    pub fn field(self) -> Field {
        match self {
            GroupDim::Unit => Field::Unit,
            GroupDim::Sector => Field::Sector,
            GroupDim::Procedure => Field::ProcedureCode,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            GroupDim::Unit => "unit",
            GroupDim::Sector => "sector",
            GroupDim::Procedure => "procedure",
        }
    }
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct Query {
    pub granularity: Granularity,
    /// Empty: totals only. Otherwise totals plus one result per combination of these.
    pub group_by: Vec<GroupDim>,
    /// Inclusive day-number bounds on the date that places each dossier in its period.
    pub from_day: Option<i32>,
    pub to_day: Option<i32>,
    /// Count, per year and procedure, the dossiers that show a procedure used online (the
    /// catalogue's `online_services_used`).
    pub online_use: bool,
}

impl Query {
    fn in_range(&self, day: i32) -> bool {
        self.from_day.is_none_or(|f| day >= f) && self.to_day.is_none_or(|t| day <= t)
    }
}

/// Numerator and denominator of one indicator for one period and group.
#[derive(Debug, Clone)]
pub struct Tally {
    pub indicator: &'static Indicator,
    pub period: PeriodKey,
    /// `None` on totals; the group's ids in `Query::group_by` order otherwise.
    pub group: Option<Vec<Option<u32>>>,
    pub numerator: i64,
    pub denominator: i64,
    /// `on_time` only: finished dossiers without a due date, left out.
    pub missing_due: Option<i64>,
}

/// Every tally, with every period and group that has at least one valid dossier, so that a
/// group with no dossiers for one indicator still gets its `na` row.
#[derive(Debug, Default)]
pub struct Tallies {
    pub tallies: Vec<Tally>,
    /// Finished dossiers with neither `finished_at` nor `returned_at`: no period to place their
    /// result in, so they are in no result-based indicator.
    pub finished_without_end: i64,
    /// Per year, the dates of dossiers (received, and end dates) that fall in it within
    /// `--from`/`--to`: the years the dossiers cover (DOMAIN.md §4 "the report's latest year").
    pub years: BTreeMap<i32, i64>,
    /// With [`Query::online_use`]: per year of reception, per procedure code id, the accepted
    /// online dossiers.
    pub online_use: BTreeMap<i32, BTreeMap<u32, i64>>,
}

const PERIOD: &str = "period";

/// A dossier indicator's population and numerator sums, by name in the aggregated frames.
fn den_name(id: &str) -> String {
    format!("{id}::den")
}
fn num_name(id: &str) -> String {
    format!("{id}::num")
}
/// The per-row flags an indicator's aggregations sum.
fn in_population(id: &str) -> String {
    format!("{id}::in_population")
}
fn in_numerator(id: &str) -> String {
    format!("{id}::in_numerator")
}
const MISSING_DUE: &str = "on_time::missing_due";
const FINISHED_WITHOUT_END: &str = "warning::finished_without_end";

/// Finished dossiers without a due date: left out of `on_time` (form II.06a), and counted in a
/// warning.
const MISSING_DUE_ROWS: &str = "finished AND due_at IS NULL AND end_at IS NOT NULL";
/// Finished dossiers without an end date: in no result-based period.
const FINISHED_WITHOUT_END_ROWS: &str = "finished AND end_at IS NULL";
/// Dossiers that show their procedure used online (DOMAIN.md §4 `online_services_used`).
const ONLINE_USE_ROWS: &str = "accepted AND channel = 'online'";

/// The conditions the compute stage adds to the indicators', parsed once.
struct Warnings {
    missing_due: Condition,
    finished_without_end: Condition,
    online_use: Condition,
}

impl Warnings {
    fn new() -> Result<Warnings> {
        let scope = Scope::dossier();
        let parse = |text: &str| {
            Condition::parse(text, &scope)
                .map_err(|e| anyhow::anyhow!("the built-in condition {text:?}: {e}"))
        };
        Ok(Warnings {
            missing_due: parse(MISSING_DUE_ROWS)?,
            finished_without_end: parse(FINISHED_WITHOUT_END_ROWS)?,
            online_use: parse(ONLINE_USE_ROWS)?,
        })
    }
}

/// The dossier indicators the query computes, in catalogue order (the growth row is derived by
/// the judge); engine SQL returns the same ones.
pub fn dossier_indicators(registry: &Registry) -> Vec<&'static Indicator> {
    registry
        .all()
        .iter()
        .copied()
        .filter(|i| i.dossier_rows().is_some())
        .collect()
}

/// The years of the rows' dates (received, and end dates) within the query's range, with how
/// many dates fall in each.
pub fn dossier_years(rows: &Rows, query: &Query) -> BTreeMap<i32, i64> {
    let mut years = BTreeMap::new();
    let mut count = |day: i32| {
        if day != NO_DAY && query.in_range(day) {
            *years.entry(year_of(day)).or_default() += 1;
        }
    };
    if let Some(received) = rows.days(Field::ReceivedAt) {
        received.iter().for_each(|&day| count(day));
    }
    rows.end_days().into_iter().for_each(count);
    years
}

/// The fields whose columns a report reads: every condition's, the dates that place rows in
/// periods, the group dimensions and the procedure code (labels, the catalogue).
pub fn fields_read(registry: &Registry) -> Result<FieldSet> {
    let warnings = Warnings::new()?;
    let mut fields: FieldSet = [
        Field::ReceivedAt,
        Field::FinishedAt,
        Field::ReturnedAt,
        Field::Unit,
        Field::Sector,
        Field::ProcedureCode,
    ]
    .into_iter()
    .collect();
    for condition in [
        &warnings.missing_due,
        &warnings.finished_without_end,
        &warnings.online_use,
    ] {
        fields = fields.union(condition.fields().collect());
    }
    Ok(fields.union(registry.condition_fields()))
}

/// The texts of a table's text columns, for conditions on them.
impl TextColumns for Rows {
    fn texts(&self, column: &str) -> Option<Vec<&str>> {
        let field = Field::from_name(column)?;
        (field.kind().is_text() && self.kept().contains(field)).then(|| self.texts_of(field))
    }
}

/// Each indicator's population and numerator as one boolean column per row, computed once
/// before any grouping.
fn flags(indicators: &[&'static Indicator], texts: &dyn TextColumns) -> Vec<Expr> {
    let mut flags = Vec::new();
    for indicator in indicators {
        let Some((population, numerator, distinct)) = indicator.dossier_rows() else {
            continue;
        };
        let mut in_pop = population.to_polars(texts);
        if distinct {
            in_pop = in_pop.and(col(Field::ProcedureCode.name()).is_not_null());
        }
        let in_num = in_pop.clone().and(numerator.to_polars(texts));
        flags.push(in_pop.alias(in_population(indicator.id)));
        flags.push(in_num.alias(in_numerator(indicator.id)));
    }
    flags
}

/// The rows where `flag` holds. polars sums a boolean column as `u32`, and a frame holds fewer
/// rows than that counts (the read stops at `u32::MAX` lines); casting the sums, not the flags,
/// to `i64` keeps one 8-byte array per flag out of every chunk.
fn count(flag: Expr, name: &str) -> Expr {
    flag.sum().cast(DataType::Int64).alias(name)
}

/// The sums of every indicator placed by `basis` (distinct-procedure ones aside).
fn aggregations(
    indicators: &[&'static Indicator],
    basis: Basis,
    warnings: &Warnings,
    texts: &dyn TextColumns,
) -> Vec<Expr> {
    let mut aggs = Vec::new();
    for indicator in indicators.iter().filter(|i| i.basis() == Some(basis)) {
        if is_distinct(indicator) {
            // Counted per procedure by the accumulator's own plan.
            continue;
        }
        aggs.push(count(
            col(in_population(indicator.id)),
            &den_name(indicator.id),
        ));
        aggs.push(count(
            col(in_numerator(indicator.id)),
            &num_name(indicator.id),
        ));
    }
    match basis {
        Basis::Received => aggs.push(count(
            warnings.finished_without_end.to_polars(texts),
            FINISHED_WITHOUT_END,
        )),
        Basis::End => aggs.push(count(warnings.missing_due.to_polars(texts), MISSING_DUE)),
    }
    aggs
}

/// One aggregation plan: the rows placed by `basis`, keyed by period and the given dimensions
/// (and by procedure for the distinct-procedure indicators).
fn plan(
    frame: &LazyFrame,
    aggs: Vec<Expr>,
    basis: Basis,
    query: &Query,
    dims: &[GroupDim],
) -> LazyFrame {
    let (day, period) = match basis {
        Basis::Received => (Field::ReceivedAt.name(), RECEIVED_PERIOD),
        Basis::End => (END_AT, END_PERIOD),
    };
    let mut rows = frame.clone().filter(col(period).is_not_null());
    if let Some(from) = query.from_day {
        rows = rows.filter(col(day).gt_eq(lit(from)));
    }
    if let Some(to) = query.to_day {
        rows = rows.filter(col(day).lt_eq(lit(to)));
    }
    if let [dim] = dims {
        return rows.group_by([packed_key(period, *dim)]).agg(aggs);
    }
    let mut all_keys = vec![col(period).alias(PERIOD)];
    all_keys.extend(dims.iter().map(|d| col(d.field().name())));
    rows.group_by(all_keys).agg(aggs)
}

/// The key column of a plan grouped by period and one dimension: both in one integer.
const PACKED: &str = "period_and_group";

/// The period (an `i32`) times 2³² plus the group's id (a `u32`; a blank group is [`NO_KEY`],
/// never an id). polars groups rows by one integer column directly, but by two columns only
/// after encoding each row's keys as bytes: a profile of a report on a million rows spent 7% of
/// its time in the distinct-procedure plan (keyed by period and procedure), most of it there.
fn packed_key(period: &str, dim: GroupDim) -> Expr {
    let group = col(dim.field().name())
        .fill_null(lit(NO_KEY))
        .cast(DataType::Int64);
    (col(period).cast(DataType::Int64) * lit(1i64 << 32) + group).alias(PACKED)
}

/// The key columns of an aggregated plan ([`plan`]).
enum CellKeys<'f> {
    /// One [`packed_key`] column.
    Packed(&'f Int64Chunked),
    /// The period and one column per dimension.
    Columns(&'f Int32Chunked, Vec<&'f UInt32Chunked>),
}

impl CellKeys<'_> {
    /// Row `row`'s period and group ids (`None`: no period).
    fn get(&self, row: usize) -> Option<(i32, Vec<Option<u32>>)> {
        match self {
            CellKeys::Packed(packed) => {
                let (period, group) = unpack_key(packed.get(row)?);
                Some((period, vec![group]))
            }
            CellKeys::Columns(periods, groups) => Some((
                periods.get(row)?,
                groups.iter().map(|c| c.get(row)).collect(),
            )),
        }
    }
}

/// A [`packed_key`]'s period and group id.
fn unpack_key(packed: i64) -> (i32, Option<u32>) {
    // An i32 times 2³² plus a u32 is within i64; the shift floors, as the product did.
    let period = (packed >> 32) as i32;
    let group = (packed & 0xFFFF_FFFF) as u32;
    (period, (group != NO_KEY).then_some(group))
}

/// Rows in a cell: a cell whose rows were all taken back (replaced by a later row of the same
/// dossier) is no cell.
const ROWS: &str = "rows";

/// The sums of one grouping and basis, by cell.
#[derive(Default)]
struct Sums {
    /// The value columns, in the order of each cell's values.
    names: Vec<String>,
    cells: FastMap<CellKey, Vec<i64>>,
}

impl Sums {
    /// Adds `weight` times an aggregated plan's cells ([`read_cells`]), keyed by their period
    /// and first `kept` group ids (the cells that differ only in later ids add up).
    fn add(&mut self, (names, cells): Cells, kept: usize, weight: i64) {
        if self.names.is_empty() {
            self.names = names;
        }
        for ((period, mut group), values) in cells {
            group.truncate(kept);
            let sums = self
                .cells
                .entry((period, group))
                .or_insert_with(|| vec![0; values.len()]);
            for (sum, value) in sums.iter_mut().zip(values) {
                *sum += weight * value;
            }
        }
    }

    fn value(&self, key: &CellKey, name: &str) -> i64 {
        let Some(index) = self.names.iter().position(|n| n == name) else {
            return 0;
        };
        self.cells.get(key).map_or(0, |values| values[index])
    }
}

/// The indicators' numerators and denominators, summed chunk by chunk: the read stage hands it
/// rows as it reads them (and rows it later finds replaced, to take back), so that no more than
/// one chunk of rows is ever held. Every sum is additive; a distinct-procedure indicator keeps,
/// per cell, how many rows each procedure has in its population and numerator, and counts the
/// procedures above zero at the end.
pub struct Accumulator<'q> {
    query: &'q Query,
    indicators: Vec<&'static Indicator>,
    warnings: Warnings,
    groupings: Vec<Vec<GroupDim>>,
    /// Per grouping, per basis (received, end).
    sums: Vec<[Sums; 2]>,
    distinct: Vec<[Sums; 2]>,
    years: BTreeMap<i32, i64>,
    online_use: BTreeMap<i32, BTreeMap<u32, i64>>,
}

const BASES: [Basis; 2] = [Basis::Received, Basis::End];

impl<'q> Accumulator<'q> {
    pub fn new(query: &'q Query, registry: &Registry) -> Result<Self> {
        let groupings: Vec<Vec<GroupDim>> = if query.group_by.is_empty() {
            vec![vec![]]
        } else {
            vec![vec![], query.group_by.clone()]
        };
        Ok(Accumulator {
            query,
            indicators: dossier_indicators(registry),
            warnings: Warnings::new()?,
            sums: groupings.iter().map(|_| Default::default()).collect(),
            distinct: groupings.iter().map(|_| Default::default()).collect(),
            groupings,
            years: BTreeMap::new(),
            online_use: BTreeMap::new(),
        })
    }

    fn distinct_indicators(&self, basis: Basis) -> Vec<&'static Indicator> {
        self.indicators
            .iter()
            .copied()
            .filter(|i| i.basis() == Some(basis) && is_distinct(i))
            .collect()
    }

    /// Adds `weight` (1, or −1 to take rows back) times the rows.
    pub fn add(&mut self, rows: &Rows, weight: i64) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let frame = rows.to_frame(self.query.granularity)?;
        self.add_frame(rows, frame, weight)
    }

    /// Like [`Accumulator::add`], with the rows' frame already built (at the query's
    /// granularity) for another sink too.
    pub fn add_frame(&mut self, rows: &Rows, frame: DataFrame, weight: i64) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.add_years(rows, weight);
        let frame = frame.lazy().with_columns(flags(&self.indicators, rows));
        // (grouping, basis, distinct) of each plan, in order.
        let mut slots = Vec::new();
        let mut plans = Vec::new();
        for (g, dims) in self.groupings.iter().enumerate() {
            for (b, basis) in BASES.into_iter().enumerate() {
                let mut aggs = aggregations(&self.indicators, basis, &self.warnings, rows);
                aggs.push(len().cast(DataType::Int64).alias(ROWS));
                let distinct = self.distinct_indicators(basis);
                if distinct.is_empty() {
                    plans.push(plan(&frame, aggs, basis, self.query, dims).logical_plan);
                    slots.push((g, b, false));
                    continue;
                }
                // One plan keyed by procedure too gives both: the distinct-procedure counts
                // per procedure, and the other sums once the procedures are added up. Rows
                // without a procedure code form a group of their own there, in no distinct
                // indicator's population (see `flags`). Grouping the rows once instead of
                // twice: 1.3% less CPU in a report on a million rows.
                aggs.extend(distinct.iter().flat_map(|i| {
                    [
                        count(col(in_population(i.id)), &den_name(i.id)),
                        count(col(in_numerator(i.id)), &num_name(i.id)),
                    ]
                }));
                let keys = distinct_dims(dims).0;
                plans.push(plan(&frame, aggs, basis, self.query, &keys).logical_plan);
                slots.push((g, b, true));
            }
        }
        let online_use = self.query.online_use.then_some(plans.len());
        if online_use.is_some() {
            plans.push(
                frame
                    .clone()
                    .select([self.warnings.online_use.to_polars(rows).alias("used")])
                    .logical_plan,
            );
        }
        let mut frames =
            LazyFrame::collect_all_with_engine(plans, Engine::Auto, OptFlags::default())
                .map_err(anyhow::Error::from)
                .context("computing the indicators")?;
        if let Some(index) = online_use {
            let used = frames.remove(index);
            self.add_online_use(rows, &used, weight)?;
        }
        for ((g, b, distinct), frame) in slots.into_iter().zip(frames) {
            let dims = &self.groupings[g];
            let granularity = self.query.granularity;
            if distinct {
                let (keys, _) = distinct_dims(dims);
                let cells = read_cells(&frame, granularity, &keys)?;
                // The sums by the grouping's own dimensions: the procedure appended last
                // (when the grouping lacks it) is added up.
                self.sums[g][b].add(cells.clone(), dims.len(), weight);
                self.distinct[g][b].add(cells, keys.len(), weight);
            } else {
                let cells = read_cells(&frame, granularity, dims)?;
                self.sums[g][b].add(cells, dims.len(), weight);
            }
        }
        Ok(())
    }

    fn add_years(&mut self, rows: &Rows, weight: i64) {
        for (year, dates) in dossier_years(rows, self.query) {
            *self.years.entry(year).or_default() += weight * dates;
        }
    }

    fn add_online_use(&mut self, rows: &Rows, used: &DataFrame, weight: i64) -> Result<()> {
        let used = used.column("used")?.bool()?;
        let (Some(received), Some(procedures)) = (
            rows.days(Field::ReceivedAt),
            rows.keys(Field::ProcedureCode),
        ) else {
            return Ok(());
        };
        // Counted in a hash map first: two ordered-map lookups per row were 1.2% of a report
        // with --catalogue.
        let mut chunk: FastMap<(i32, u32), i64> = FastMap::default();
        for (row, used) in used.iter().enumerate() {
            let (day, procedure) = (received[row], procedures[row]);
            if used != Some(true) || procedure == NO_KEY || !self.query.in_range(day) {
                continue;
            }
            *chunk.entry((year_of(day), procedure)).or_default() += weight;
        }
        for ((year, procedure), count) in chunk {
            *self
                .online_use
                .entry(year)
                .or_default()
                .entry(procedure)
                .or_default() += count;
        }
        Ok(())
    }

    /// Every tally, for every period and group with at least one counted row.
    pub fn finish(self) -> Tallies {
        let mut tallies = Tallies {
            years: self.years.into_iter().filter(|(_, n)| *n > 0).collect(),
            online_use: self
                .online_use
                .into_iter()
                .map(|(year, codes)| (year, codes.into_iter().filter(|(_, n)| *n > 0).collect()))
                .collect(),
            ..Tallies::default()
        };
        for (g, dims) in self.groupings.iter().enumerate() {
            let grouped = !dims.is_empty();
            // Per basis and cell: the distinct indicators' (population, numerator) procedure
            // counts.
            let mut distinct_counts: [FastMap<CellKey, FastMap<String, i64>>; 2] =
                Default::default();
            let appended = distinct_dims(dims).1;
            for (b, counts) in distinct_counts.iter_mut().enumerate() {
                let per_procedure = &self.distinct[g][b];
                for ((period, group), values) in &per_procedure.cells {
                    let kept = group.len() - usize::from(appended);
                    let cell = (*period, group[..kept].to_vec());
                    let entry = counts.entry(cell).or_default();
                    for (name, value) in per_procedure.names.iter().zip(values) {
                        if *value > 0 {
                            *entry.entry(name.clone()).or_default() += 1;
                        }
                    }
                }
            }
            let mut periods = BTreeSet::new();
            let mut groups = BTreeSet::new();
            for (b, sums) in self.sums[g].iter().enumerate() {
                for (key, values) in &sums.cells {
                    let rows = sums
                        .names
                        .iter()
                        .position(|n| n == ROWS)
                        .map_or(0, |i| values[i]);
                    if rows <= 0 {
                        continue;
                    }
                    periods.insert(key.0);
                    groups.insert(key.1.clone());
                    if !grouped && b == 0 {
                        tallies.finished_without_end += sums.value(key, FINISHED_WITHOUT_END);
                    }
                }
            }
            for period in &periods {
                for group in &groups {
                    let key = (*period, group.clone());
                    for &indicator in &self.indicators {
                        let Some(basis) = indicator.basis() else {
                            continue;
                        };
                        let b = BASES.iter().position(|x| *x == basis).unwrap_or(0);
                        let value = |name: &str| {
                            if is_distinct(indicator) {
                                distinct_counts[b]
                                    .get(&key)
                                    .and_then(|c| c.get(name))
                                    .copied()
                                    .unwrap_or(0)
                            } else {
                                self.sums[g][b].value(&key, name)
                            }
                        };
                        tallies.tallies.push(Tally {
                            indicator,
                            period: *period,
                            group: grouped.then(|| group.clone()),
                            numerator: value(&num_name(indicator.id)),
                            denominator: value(&den_name(indicator.id)),
                            missing_due: indicator
                                .counts_missing_due
                                .then(|| self.sums[g][1].value(&key, MISSING_DUE)),
                        });
                    }
                }
            }
        }
        tallies
    }
}

impl Accumulator<'_> {
    /// The granularity of the frames [`Accumulator::add_frame`] takes.
    pub fn granularity(&self) -> Granularity {
        self.query.granularity
    }
}

impl crate::input::read::RowSink for Accumulator<'_> {
    fn rows(&mut self, rows: &mut Rows, weight: i64) -> Result<()> {
        self.add(rows, weight)
    }
}

/// The keys of a distinct-procedure plan: the grouping's, and the procedure when the grouping
/// lacks it (true: appended last).
fn distinct_dims(dims: &[GroupDim]) -> (Vec<GroupDim>, bool) {
    let mut keys = dims.to_vec();
    let append = !dims.contains(&GroupDim::Procedure);
    if append {
        keys.push(GroupDim::Procedure);
    }
    (keys, append)
}

fn is_distinct(indicator: &Indicator) -> bool {
    matches!(indicator.measure, Measure::DistinctProcedures { .. })
}

/// A period and the group's ids (empty for totals).
type CellKey = (PeriodKey, Vec<Option<u32>>);

/// The value columns' names, and each aggregated row's key and values in that order.
type Cells = (Vec<String>, Vec<(CellKey, Vec<i64>)>);

fn read_cells(frame: &DataFrame, granularity: Granularity, dims: &[GroupDim]) -> Result<Cells> {
    let keys = match dims {
        [_] => CellKeys::Packed(frame.column(PACKED)?.i64()?),
        _ => CellKeys::Columns(
            frame.column(PERIOD)?.i32()?,
            dims.iter()
                .map(|d| frame.column(d.field().name()).and_then(|c| c.u32()))
                .collect::<PolarsResult<Vec<_>>>()?,
        ),
    };
    let (names, value_columns): (Vec<String>, Vec<_>) = frame
        .get_column_names()
        .into_iter()
        .filter(|name| {
            name.ends_with("::den")
                || name.ends_with("::num")
                || name.starts_with("warning::")
                || *name == MISSING_DUE
                || *name == ROWS
        })
        .map(|name| Ok((name.to_string(), frame.column(name)?.i64()?)))
        .collect::<PolarsResult<Vec<_>>>()?
        .into_iter()
        .unzip();
    let mut cells = Vec::with_capacity(frame.height());
    for row in 0..frame.height() {
        let Some((period, group)) = keys.get(row) else {
            continue;
        };
        let values = value_columns
            .iter()
            .map(|column| column.get(row).unwrap_or(0))
            .collect();
        cells.push(((PeriodKey::new(granularity, period), group), values));
    }
    Ok((names, cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_key_gives_back_its_period_and_group() -> Result<()> {
        let periods = [i32::MIN, -1, 0, 1, 2024, 20_244, 202_412, i32::MAX];
        let groups = [Some(0), Some(1), Some(12_345), Some(NO_KEY - 1), None];
        let (mut period_column, mut group_column) = (Vec::new(), Vec::new());
        for period in periods {
            for group in groups {
                period_column.push(period);
                group_column.push(group);
            }
        }
        let frame = df!(
            "p" => &period_column,
            Field::Unit.name() => &group_column,
        )?;
        let packed = frame
            .lazy()
            .select([packed_key("p", GroupDim::Unit)])
            .collect()?;
        let unpacked: Vec<(i32, Option<u32>)> = packed
            .column(PACKED)?
            .i64()?
            .into_no_null_iter()
            .map(unpack_key)
            .collect();
        let want: Vec<(i32, Option<u32>)> = period_column.into_iter().zip(group_column).collect();
        assert_eq!(unpacked, want);
        Ok(())
    }
}
