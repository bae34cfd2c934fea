//! Counting the 766 populations and numerators from the dossier rows, chunk by chunk
//! (DOMAIN.md §8 "Period, as-of, sets").
//!
//! A dossier is seen in every period from its reception to its end date (to the as-of date
//! while it is open): it is received in the first, carried over in the next ones. Each such
//! (dossier, period) pair gets the period's `period_start` and `cutoff`, the profile's
//! conditions are evaluated on the pairs with polars, and the flags are summed per period and
//! unit (and, for the catalogue's `any` numerators, per period, procedure and unit). A period's
//! cutoff is its last day, or the as-of date in the period that holds it. Without `--as-of`, the
//! as-of date is the latest date of any row, known only once every row is read; the rows that
//! reach the periods not yet over by the latest date seen so far wait in memory until it moves
//! past them (or the read ends), so memory holds the open dossiers and those of the latest
//! period, not the file.

use anyhow::{Context, Result};
use polars::prelude::*;

use super::profile::{CatalogueNumerator, Measure, Profile, CUTOFF, PERIOD_START};
use crate::condition::{Condition, Scope, TextColumns};
use crate::dossier::period::Day;
use crate::dossier::rows::{FastMap, NO_DAY};
use crate::dossier::{Field, Granularity, Rows};

const PERIOD: &str = "i766_period";
/// (dossier, period) pairs evaluated at a time.
const PAIRS: usize = 1 << 18;

/// A batch of (dossier, period) pairs: the row, the period and its bounds, the weight.
#[derive(Default)]
struct Pairs {
    rows: Vec<IdxSize>,
    periods: Vec<i32>,
    starts: Vec<Day>,
    cutoffs: Vec<Day>,
    weights: Vec<i64>,
}
const WEIGHT: &str = "i766_weight";
/// A dossier still open: seen in every period up to the as-of date.
const OPEN: i32 = i32::MAX;

/// What the conditions of a profile count.
#[derive(Debug, Default)]
pub struct Counts {
    /// Per (period ordinal, unit key): per dossier indicator (in profile order of
    /// [`Counter::dossier`]) its denominator, numerator and the rows it leaves out.
    pub dossiers: FastMap<(i32, Option<u32>), Vec<i64>>,
    /// Per (period ordinal, procedure key, unit key): per `any` numerator, its rows.
    pub any: FastMap<(i32, u32, Option<u32>), Vec<i64>>,
    /// The earliest reception and the latest date of any row.
    pub first_received: Option<Day>,
    pub latest: Option<Day>,
    /// Ended rows without an end date: in no period (warning `ended_without_end_date`).
    pub ended_without_end: i64,
}

/// The profile's dossier conditions, parsed once: per dossier indicator its population,
/// numerator and left-out rows, and each catalogue indicator's `any` condition.
pub struct Counter {
    pub granularity: Granularity,
    /// `--as-of`.
    as_of: Option<Day>,
    ended: Condition,
    /// (indicator position, population, numerator, rows left out).
    pub dossier: Vec<(usize, Condition, Condition, Option<Condition>)>,
    /// (indicator position, condition).
    pub any: Vec<(usize, Condition)>,
    counts: Counts,
    /// The columns the conditions read (and the unit and procedure they are counted by): the
    /// pairs and the waiting rows keep only these.
    columns: Vec<String>,
    /// Each period's first and last day, by ordinal.
    bounds: FastMap<i32, (Day, Day)>,
    /// Periods up to this one are over: their cutoff is their last day.
    complete_through: Option<i32>,
    pending: Option<Pending>,
}

/// Rows whose periods are not all over yet.
struct Pending {
    frame: DataFrame,
    weights: Vec<i64>,
    /// The next period ordinal to count each row in, and its last.
    next: Vec<i32>,
    last: Vec<i32>,
}

impl Counter {
    pub fn new(profile: &Profile, granularity: Granularity, as_of: Option<Day>) -> Result<Counter> {
        let scope: Scope = super::profile::dossier_scope()
            .map_err(|e| anyhow::anyhow!("the built-in condition ended is invalid: {e}"))?;
        let ended = Condition::parse("ended", &scope)
            .map_err(|e| anyhow::anyhow!("the built-in condition ended is invalid: {e}"))?;
        let mut dossier = Vec::new();
        let mut any = Vec::new();
        for (index, indicator) in profile.indicators.iter().enumerate() {
            match &indicator.measure {
                Measure::Dossiers {
                    population,
                    numerator,
                    missing_due,
                } => dossier.push((
                    index,
                    (**population).clone(),
                    (**numerator).clone(),
                    missing_due.as_deref().cloned(),
                )),
                Measure::Catalogue {
                    numerator: CatalogueNumerator::Any(condition),
                    ..
                } => any.push((index, (**condition).clone())),
                _ => {}
            }
        }
        let mut fields = profile
            .fields_read()
            .union(ended.fields().collect())
            .with(Field::Unit)
            .with(Field::ProcedureCode);
        fields.insert(Field::ReceivedAt);
        let mut columns: Vec<String> = fields.iter().map(|f| f.name().to_string()).collect();
        columns.push(crate::dossier::END_AT.to_string());
        Ok(Counter {
            granularity,
            as_of,
            ended,
            dossier,
            any,
            counts: Counts::default(),
            columns,
            bounds: FastMap::default(),
            complete_through: None,
            pending: None,
        })
    }

    fn ordinal(&self, day: Day) -> i32 {
        self.granularity.period_of_day(day).ordinal()
    }

    /// The period's first and last day.
    fn bounds(&mut self, ordinal: i32) -> (Day, Day) {
        let granularity = self.granularity;
        *self.bounds.entry(ordinal).or_insert_with(|| {
            let period = granularity.period_of_ordinal(ordinal);
            (period.first_day(), period.last_day())
        })
    }

    /// The last period whose cutoff is its last day, given the latest date seen.
    fn complete_limit(&mut self, latest: Day) -> i32 {
        let ordinal = self.ordinal(latest);
        if self.bounds(ordinal).1 <= latest {
            ordinal
        } else {
            ordinal - 1
        }
    }

    /// Counts rows read (`weight` 1) or taken back (−1).
    pub fn add(&mut self, rows: &Rows, weight: i64) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let frame = rows
            .to_frame(self.granularity)?
            .select(self.columns.iter().cloned())?;
        let ended = frame
            .clone()
            .lazy()
            .select([self.ended.to_polars(rows).alias("ended")])
            .collect()?;
        let ended = ended.column("ended")?.bool()?;
        let received = rows
            .days(Field::ReceivedAt)
            .context("the rows keep their reception date")?;
        let end = rows.end_days();
        if weight > 0 {
            self.note_dates(rows, received);
        }
        let mut first = Vec::with_capacity(rows.len());
        let mut last = Vec::with_capacity(rows.len());
        for row in 0..rows.len() {
            first.push(self.ordinal(received[row]));
            last.push(match (ended.get(row) == Some(true), end[row]) {
                (false, _) => OPEN,
                (true, NO_DAY) => {
                    self.counts.ended_without_end += weight;
                    // Left out of every period.
                    i32::MIN
                }
                (true, day) => self.ordinal(day),
            });
        }
        let weights = vec![weight; rows.len()];
        if let Some(as_of) = self.as_of {
            let through = self.ordinal(as_of);
            let next = first.clone();
            return self.count(rows, &frame, &weights, &next, &last, through, Some(as_of));
        }
        let Some(latest) = self.counts.latest else {
            return Ok(());
        };
        let limit = self.complete_limit(latest);
        if self.complete_through.is_none_or(|done| limit > done) {
            self.flush(rows, limit, None)?;
            self.complete_through = Some(limit);
        }
        self.count(rows, &frame, &weights, &first, &last, limit, None)?;
        // What reaches past the periods that are over waits for the cutoff to be known.
        let waiting: Vec<usize> = (0..rows.len()).filter(|&r| last[r] > limit).collect();
        if !waiting.is_empty() {
            let indices: Vec<IdxSize> = waiting.iter().map(|&r| r as IdxSize).collect();
            let taken = frame.take(&IdxCa::from_vec("rows".into(), indices))?;
            let next: Vec<i32> = waiting.iter().map(|&r| first[r].max(limit + 1)).collect();
            let ends: Vec<i32> = waiting.iter().map(|&r| last[r]).collect();
            match &mut self.pending {
                Some(pending) => {
                    pending.frame.vstack_mut(&taken)?;
                    pending
                        .weights
                        .extend(std::iter::repeat_n(weight, waiting.len()));
                    pending.next.extend(next);
                    pending.last.extend(ends);
                }
                None => {
                    self.pending = Some(Pending {
                        frame: taken,
                        weights: vec![weight; waiting.len()],
                        next,
                        last: ends,
                    })
                }
            }
        }
        Ok(())
    }

    fn note_dates(&mut self, rows: &Rows, received: &[Day]) {
        let counts = &mut self.counts;
        for &day in received {
            counts.first_received = Some(counts.first_received.map_or(day, |d| d.min(day)));
        }
        for field in [Field::ReceivedAt, Field::FinishedAt, Field::ReturnedAt] {
            for &day in rows.days(field).unwrap_or_default() {
                if day != NO_DAY {
                    counts.latest = Some(counts.latest.map_or(day, |d| d.max(day)));
                }
            }
        }
    }

    /// Counts the waiting rows in the periods through `through`; with `as_of`, the last of them
    /// is cut at that date. Rows with no period left stop waiting.
    fn flush(&mut self, texts: &dyn TextColumns, through: i32, as_of: Option<Day>) -> Result<()> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        self.count(
            texts,
            &pending.frame,
            &pending.weights,
            &pending.next,
            &pending.last,
            through,
            as_of,
        )?;
        let keep: Vec<usize> = (0..pending.last.len())
            .filter(|&r| pending.last[r] > through)
            .collect();
        if keep.is_empty() {
            return Ok(());
        }
        let indices: Vec<IdxSize> = keep.iter().map(|&r| r as IdxSize).collect();
        self.pending = Some(Pending {
            frame: pending
                .frame
                .take(&IdxCa::from_vec("rows".into(), indices))?,
            weights: keep.iter().map(|&r| pending.weights[r]).collect(),
            next: keep
                .iter()
                .map(|&r| pending.next[r].max(through + 1))
                .collect(),
            last: keep.iter().map(|&r| pending.last[r]).collect(),
        });
        Ok(())
    }

    /// Counts each row in its periods from `next` to the earlier of its `last` and `through`.
    /// A period's cutoff is its last day, or `as_of` when that comes first. The pairs are
    /// evaluated [`PAIRS`] at a time, so an open dossier seen in sixty months costs no more
    /// memory than a closed one.
    #[allow(clippy::too_many_arguments)]
    fn count(
        &mut self,
        texts: &dyn TextColumns,
        frame: &DataFrame,
        weights: &[i64],
        next: &[i32],
        last: &[i32],
        through: i32,
        as_of: Option<Day>,
    ) -> Result<()> {
        let mut pairs = Pairs::default();
        for row in 0..next.len() {
            let stop = last[row].min(through);
            for ordinal in next[row]..=stop {
                let (start, end) = self.bounds(ordinal);
                pairs.rows.push(row as IdxSize);
                pairs.periods.push(ordinal);
                pairs.starts.push(start);
                pairs.cutoffs.push(as_of.map_or(end, |a| end.min(a)));
                pairs.weights.push(weights[row]);
                if pairs.rows.len() >= PAIRS {
                    self.evaluate(texts, frame, std::mem::take(&mut pairs))?;
                }
            }
        }
        if !pairs.rows.is_empty() {
            self.evaluate(texts, frame, pairs)?;
        }
        Ok(())
    }

    /// Evaluates the conditions on a batch of (row, period) pairs and adds up their flags.
    fn evaluate(&mut self, texts: &dyn TextColumns, frame: &DataFrame, pairs: Pairs) -> Result<()> {
        let mut pairs_frame = frame.take(&IdxCa::from_vec("rows".into(), pairs.rows))?;
        pairs_frame.with_column(Column::new(PERIOD.into(), pairs.periods))?;
        pairs_frame.with_column(Column::new(PERIOD_START.into(), pairs.starts))?;
        pairs_frame.with_column(Column::new(CUTOFF.into(), pairs.cutoffs))?;
        pairs_frame.with_column(Column::new(WEIGHT.into(), pairs.weights))?;
        let pairs = pairs_frame;
        // Pairs are grouped by their weight too (1, or −1 for rows taken back), so the flags are
        // counted as they are and multiplied once per group.
        let weighted = |flag: Expr, name: String| flag.cast(DataType::UInt32).sum().alias(name);
        let mut dossier_aggs = Vec::new();
        for (k, (_, population, numerator, missing)) in self.dossier.iter().enumerate() {
            let in_population = population.to_polars(texts);
            dossier_aggs.push(weighted(in_population.clone(), format!("d{k}")));
            dossier_aggs.push(weighted(
                in_population.and(numerator.to_polars(texts)),
                format!("n{k}"),
            ));
            let left_out = missing.as_ref().map_or(lit(false), |m| m.to_polars(texts));
            dossier_aggs.push(weighted(left_out, format!("m{k}")));
        }
        let unit = Field::Unit.name();
        let procedure = Field::ProcedureCode.name();
        let lazy = pairs.lazy();
        let mut plans = vec![
            lazy.clone()
                .group_by([col(PERIOD), col(unit), col(WEIGHT)])
                .agg(dossier_aggs)
                .logical_plan,
        ];
        if !self.any.is_empty() {
            let aggs: Vec<Expr> = self
                .any
                .iter()
                .enumerate()
                .map(|(k, (_, condition))| weighted(condition.to_polars(texts), format!("a{k}")))
                .collect();
            plans.push(
                lazy.filter(col(procedure).is_not_null())
                    .group_by([col(PERIOD), col(procedure), col(unit), col(WEIGHT)])
                    .agg(aggs)
                    .logical_plan,
            );
        }
        let frames = LazyFrame::collect_all_with_engine(plans, Engine::Auto, OptFlags::default())
            .map_err(anyhow::Error::from)
            .context("counting the 766 indicators")?;
        let sums = &frames[0];
        let period_column = sums.column(PERIOD)?.i32()?;
        let unit_column = sums.column(unit)?.u32()?;
        let weight_column = sums.column(WEIGHT)?.i64()?;
        let values: Vec<&UInt32Chunked> = (0..self.dossier.len())
            .flat_map(|k| [format!("d{k}"), format!("n{k}"), format!("m{k}")])
            .map(|name| sums.column(&name).and_then(|c| c.u32()))
            .collect::<PolarsResult<_>>()?;
        for row in 0..sums.height() {
            let (Some(period), Some(weight)) = (period_column.get(row), weight_column.get(row))
            else {
                continue;
            };
            let cell = self
                .counts
                .dossiers
                .entry((period, unit_column.get(row)))
                .or_insert_with(|| vec![0; values.len()]);
            for (sum, column) in cell.iter_mut().zip(&values) {
                *sum += weight * i64::from(column.get(row).unwrap_or(0));
            }
        }
        if let Some(any) = frames.get(1) {
            let period_column = any.column(PERIOD)?.i32()?;
            let procedure_column = any.column(procedure)?.u32()?;
            let unit_column = any.column(unit)?.u32()?;
            let weight_column = any.column(WEIGHT)?.i64()?;
            let values: Vec<&UInt32Chunked> = (0..self.any.len())
                .map(|k| any.column(&format!("a{k}")).and_then(|c| c.u32()))
                .collect::<PolarsResult<_>>()?;
            for row in 0..any.height() {
                let (Some(period), Some(procedure), Some(weight)) = (
                    period_column.get(row),
                    procedure_column.get(row),
                    weight_column.get(row),
                ) else {
                    continue;
                };
                let cell = self
                    .counts
                    .any
                    .entry((period, procedure, unit_column.get(row)))
                    .or_insert_with(|| vec![0; values.len()]);
                for (sum, column) in cell.iter_mut().zip(&values) {
                    *sum += weight * i64::from(column.get(row).unwrap_or(0));
                }
            }
        }
        Ok(())
    }

    /// Counts what still waits, now that the as-of date is known, and gives back every count.
    /// `texts` are the dictionaries of every row read.
    pub fn finish(&mut self, texts: &dyn TextColumns) -> Result<Counts> {
        let as_of = self.as_of.or(self.counts.latest);
        if let (Some(as_of), None) = (as_of, self.as_of) {
            let through = self.ordinal(as_of);
            self.flush(texts, through, Some(as_of))?;
        }
        Ok(std::mem::take(&mut self.counts))
    }

    /// `--as-of`, when given.
    pub fn given_as_of(&self) -> Option<Day> {
        self.as_of
    }
}

impl crate::input::read::RowSink for Counter {
    fn rows(&mut self, rows: &mut Rows, weight: i64) -> Result<()> {
        self.add(rows, weight)
    }
}
