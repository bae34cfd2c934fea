//! Counting the 766 populations and numerators from the dossier rows, chunk by chunk
//! (DOMAIN.md §8 "Period, as-of, sets").
//!
//! A dossier is seen in every period from its reception to its end date (to the as-of date
//! while it is open): it is received in the first, carried over in the next ones. Each such
//! (dossier, period) pair gets the period's `period_start` and `cutoff`, the profile's
//! conditions are evaluated on the pairs with polars, and the flags are summed per period and
//! unit (and, for the catalogue's `any` numerators, per period, procedure and unit). A period's
//! cutoff is its last day, or the as-of date in the period that holds it. Polars evaluates the
//! flags of a batch of pairs in one `select`; a loop over their set bits sums them.
//!
//! A row's flags can only change from one whole period to the next where one of its dates (or
//! a date literal of the profile) falls, so consecutive whole periods without one are a run,
//! evaluated once with the first period's bounds; its sums are steps (added at its first
//! period, taken off after its last) added up per period at the end. A profile that adds days
//! to a date evaluates every period.
//!
//! Without `--as-of`, the as-of date is the latest date of any row, known only once every row
//! is read; the rows that reach the periods not yet over by the latest date seen so far wait
//! in memory until it moves past them (or the read ends), so memory holds the open dossiers
//! and those of the latest period, not the file; beyond `SPILL_ROWS` of them they wait in
//! a temporary Parquet file instead (an export with millions of open dossiers held hundreds of
//! megabytes), counted when the read ends. The counting runs on a thread of its own
//! ([`Background`]), fed a [`Batch`] per chunk by the reading thread.

use std::collections::BTreeMap;
use std::io::{Seek, SeekFrom};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use polars::prelude::*;

use super::profile::{CatalogueNumerator, Measure, Profile, CUTOFF, PERIOD_START};
use crate::condition::{Condition, Scope, TextColumns};
use crate::dossier::period::Day;
use crate::dossier::rows::{FastMap, NO_DAY};
use crate::dossier::{Field, Granularity, Rows};

/// (dossier, period) pairs evaluated at a time: at 1 << 18 the frames of one evaluation were
/// tens of megabytes and the 10M-row run peaked above 300 MB; 1 << 16 keeps them in cache and
/// took 17% less CPU on that run.
const PAIRS: usize = 1 << 16;

/// A batch of (dossier, period) pairs: the row, the period and its bounds, the weight.
#[derive(Default)]
struct Pairs {
    rows: Vec<IdxSize>,
    /// The run's first period (whose bounds the pair has) and its last.
    periods: Vec<i32>,
    lasts: Vec<i32>,
    starts: Vec<Day>,
    cutoffs: Vec<Day>,
    weights: Vec<i64>,
}
/// Waiting rows held in memory at most; more are written to a temporary file (at 1 << 19 the
/// waiting frame alone was ~70 MB of a 10M-row run's peak; writing more often cost no time).
const SPILL_ROWS: usize = 1 << 16;

/// The columns a spilled row keeps besides the frame's: its weight, next and last period.
const SPILLED_WEIGHT: &str = "cchc_spilled_weight";
const SPILLED_NEXT: &str = "cchc_spilled_next";
const SPILLED_LAST: &str = "cchc_spilled_last";

/// A dossier still open: seen in every period up to the as-of date.
const OPEN: i32 = i32::MAX;

/// What the conditions of a profile count.
#[derive(Debug, Default)]
pub struct Counts {
    /// Per (period ordinal, unit key): per dossier indicator (in the order the
    /// counter's spec lists them) its denominator, numerator and the rows it leaves out.
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
/// numerator and left-out rows, and each catalogue indicator's `any` condition. Shared by the
/// thread that reads (it turns each chunk into a [`Batch`]) and the one that counts.
pub struct Spec {
    pub granularity: Granularity,
    /// `--as-of`.
    as_of: Option<Day>,
    ended: Condition,
    /// (indicator position, population, numerator, rows left out).
    pub dossier: Vec<(usize, Condition, Condition, Option<Condition>)>,
    /// (indicator position, condition).
    pub any: Vec<(usize, Condition)>,
    /// The columns the conditions read (and the unit and procedure they are counted by): the
    /// pairs and the waiting rows keep only these.
    columns: Vec<String>,
    /// Of those, the dates (and `end_at`): where a row's flags can change from one period to
    /// the next.
    date_columns: Vec<String>,
    /// When no condition adds days to a date, the date literals they compare with (sorted):
    /// then a row's flags are the same in consecutive whole periods unless one of its dates or
    /// one of these falls in them, and such a run of periods is evaluated once. `None`: every
    /// period is evaluated.
    runs: Option<Vec<Day>>,
}

/// The conditions in polars, translated with the dictionaries of the rows read so far (a key
/// id never changes once given, so a later translation also fits earlier rows).
pub struct Flags {
    ended: Expr,
    /// `d{k}`, `n{k}`, `m{k}` per dossier indicator, `a{k}` per `any` numerator.
    flags: Vec<Expr>,
}

/// A chunk of rows as the counter needs it: the columns its conditions read, each row's
/// reception and end dates, and the conditions translated with the chunk's dictionaries.
/// Building it is cheap and needs the rows; counting it is not and does not.
pub struct Batch {
    frame: DataFrame,
    received: Vec<Day>,
    end: Vec<Day>,
    weight: i64,
    /// The earliest reception and the latest date of any row of the chunk (rows read only).
    first_received: Option<Day>,
    latest: Option<Day>,
    flags: Flags,
}

/// A (procedure key, unit key) pair: the cells of the catalogue's `any` numerators.
type ProcedureUnit = (u32, Option<u32>);

/// Counts the 766 populations and numerators of the rows it is given.
pub struct Counter {
    pub spec: Arc<Spec>,
    counts: Counts,
    /// The sums of runs of periods as steps ([`Counter::evaluate`]), per (unit key, period
    /// ordinal) and per ((procedure key, unit key), period ordinal), in period order within
    /// each; each vector ends with the number of pairs.
    dossier_steps: BTreeMap<(Option<u32>, i32), Vec<i64>>,
    any_steps: BTreeMap<(ProcedureUnit, i32), Vec<i64>>,
    /// Each period's first and last day, by ordinal from `bounds_base` (looked up for every
    /// (dossier, period) pair: a vector, not a map).
    bounds: Vec<Option<(Day, Day)>>,
    bounds_base: i32,
    /// Periods up to this one are over: their cutoff is their last day.
    complete_through: Option<i32>,
    pending: Option<Pending>,
    /// Waiting rows written out ([`SPILL_ROWS`]): temporary files, removed when closed.
    spilled: Vec<std::fs::File>,
    spill_rows: usize,
}

/// Rows whose periods are not all over yet.
struct Pending {
    frame: DataFrame,
    weights: Vec<i64>,
    /// The next period ordinal to count each row in, and its last.
    next: Vec<i32>,
    last: Vec<i32>,
}

impl Spec {
    /// The conditions in polars, with the dictionaries of `texts`.
    pub fn flags(&self, texts: &dyn TextColumns) -> Flags {
        let mut flags = Vec::new();
        for (k, (_, population, numerator, missing)) in self.dossier.iter().enumerate() {
            let in_population = population.to_polars(texts);
            flags.push(in_population.clone().alias(format!("d{k}")));
            flags.push(
                in_population
                    .and(numerator.to_polars(texts))
                    .alias(format!("n{k}")),
            );
            if let Some(missing) = missing {
                flags.push(missing.to_polars(texts).alias(format!("m{k}")));
            }
        }
        for (k, (_, condition)) in self.any.iter().enumerate() {
            flags.push(condition.to_polars(texts).alias(format!("a{k}")));
        }
        Flags {
            ended: self.ended.to_polars(texts),
            flags,
        }
    }

    /// What the counter needs of a chunk of rows read (`weight` 1) or taken back (−1), given
    /// their frame ([`Rows::to_frame`] at any granularity: the periods it adds are not read
    /// here); none for no rows.
    pub fn batch(&self, rows: &Rows, frame: &DataFrame, weight: i64) -> Result<Option<Batch>> {
        if rows.is_empty() {
            return Ok(None);
        }
        let frame = frame.select(self.columns.iter().cloned())?;
        let received = rows
            .days(Field::ReceivedAt)
            .context("the rows keep their reception date")?;
        let (mut first_received, mut latest) = (None, None);
        if weight > 0 {
            first_received = received.iter().copied().min();
            for field in [Field::ReceivedAt, Field::FinishedAt, Field::ReturnedAt] {
                let dates = rows.days(field).unwrap_or_default();
                let most = dates.iter().copied().filter(|&d| d != NO_DAY).max();
                latest = latest.max(most);
            }
        }
        Ok(Some(Batch {
            frame,
            received: received.to_vec(),
            end: rows.end_days().to_vec(),
            weight,
            first_received,
            latest,
            flags: self.flags(rows),
        }))
    }
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
        let mut date_columns: Vec<String> = fields
            .iter()
            .filter(|f| matches!(f.kind(), crate::dossier::Kind::Date))
            .map(|f| f.name().to_string())
            .collect();
        date_columns.push(crate::dossier::END_AT.to_string());
        let mut runs = Some(Vec::new());
        let conditions = dossier
            .iter()
            .flat_map(|(_, population, numerator, missing)| {
                [Some(population), Some(numerator), missing.as_ref()]
            })
            .flatten()
            .chain(any.iter().map(|(_, condition)| condition))
            .chain([&ended]);
        for condition in conditions {
            runs = match (runs, condition.compared_dates()) {
                (Some(mut days), Some(more)) => {
                    days.extend(more);
                    Some(days)
                }
                _ => None,
            };
        }
        if let Some(days) = runs.as_mut() {
            days.sort_unstable();
            days.dedup();
        }
        // `CCHC_I766_RUNS=0` evaluates every period of every row: the tests check that runs
        // count the same.
        if std::env::var_os("CCHC_I766_RUNS").is_some_and(|v| v == "0") {
            runs = None;
        }
        Ok(Counter {
            spec: Arc::new(Spec {
                granularity,
                as_of,
                ended,
                dossier,
                any,
                columns,
                date_columns,
                runs,
            }),
            counts: Counts::default(),
            dossier_steps: BTreeMap::new(),
            any_steps: BTreeMap::new(),
            bounds: Vec::new(),
            bounds_base: 0,
            complete_through: None,
            pending: None,
            spilled: Vec::new(),
            // For tests: `CCHC_I766_SPILL_ROWS=1` writes out every waiting row.
            spill_rows: std::env::var("CCHC_I766_SPILL_ROWS")
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .map_or(SPILL_ROWS, |rows| rows.max(1)),
        })
    }

    fn ordinal(&self, day: Day) -> i32 {
        self.spec.granularity.period_of_day(day).ordinal()
    }

    /// The period's first and last day.
    fn bounds(&mut self, ordinal: i32) -> (Day, Day) {
        if self.bounds.is_empty() {
            self.bounds_base = ordinal;
        }
        if ordinal < self.bounds_base {
            let grow = (self.bounds_base - ordinal) as usize;
            self.bounds.splice(0..0, std::iter::repeat_n(None, grow));
            self.bounds_base = ordinal;
        }
        let index = (ordinal - self.bounds_base) as usize;
        if index >= self.bounds.len() {
            self.bounds.resize(index + 1, None);
        }
        let granularity = self.spec.granularity;
        *self.bounds[index].get_or_insert_with(|| {
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

    /// Counts a chunk of rows made into a [`Batch`].
    pub fn add_batch(&mut self, batch: Batch) -> Result<()> {
        let Batch {
            frame,
            received,
            end,
            weight,
            first_received,
            latest,
            flags,
        } = batch;
        let counts = &mut self.counts;
        if let Some(day) = first_received {
            counts.first_received = Some(counts.first_received.map_or(day, |d| d.min(day)));
        }
        if let Some(day) = latest {
            counts.latest = Some(counts.latest.map_or(day, |d| d.max(day)));
        }
        let ended = frame
            .clone()
            .lazy()
            .select([flags.ended.clone().alias("ended")])
            .collect()?;
        let ended = ended.column("ended")?.bool()?;
        let height = frame.height();
        let mut first = Vec::with_capacity(height);
        let mut last = Vec::with_capacity(height);
        for row in 0..height {
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
        let weights = vec![weight; height];
        if let Some(as_of) = self.spec.as_of {
            let through = self.ordinal(as_of);
            let next = first.clone();
            return self.count(&flags, &frame, &weights, &next, &last, through, Some(as_of));
        }
        let Some(latest) = self.counts.latest else {
            return Ok(());
        };
        let limit = self.complete_limit(latest);
        if self.complete_through.is_none_or(|done| limit > done) {
            self.flush(&flags, limit, None)?;
            self.complete_through = Some(limit);
        }
        self.count(&flags, &frame, &weights, &first, &last, limit, None)?;
        // What reaches past the periods that are over waits for the cutoff to be known.
        let waiting: Vec<usize> = (0..height).filter(|&r| last[r] > limit).collect();
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
            if self
                .pending
                .as_ref()
                .is_some_and(|p| p.weights.len() >= self.spill_rows)
            {
                self.spill()?;
            }
        }
        Ok(())
    }

    /// Writes the waiting rows to a temporary file: they are counted when the read ends, in
    /// the periods they wait for (those that end before the as-of date have the same cutoff
    /// then as now).
    fn spill(&mut self) -> Result<()> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        let mut frame = pending.frame;
        frame.with_column(Column::new(SPILLED_WEIGHT.into(), pending.weights))?;
        frame.with_column(Column::new(SPILLED_NEXT.into(), pending.next))?;
        frame.with_column(Column::new(SPILLED_LAST.into(), pending.last))?;
        frame.rechunk_mut();
        let file = tempfile::tempfile().context("cannot create a temporary file for --i766")?;
        let reader = file
            .try_clone()
            .context("cannot reopen a temporary file for --i766")?;
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Lz4Raw)
            .finish(&mut frame)
            .map_err(|e| anyhow::anyhow!("cannot write the waiting rows of --i766: {e}"))?;
        self.spilled.push(reader);
        Ok(())
    }

    /// Counts the rows written out by [`Counter::spill`], one file at a time.
    fn count_spilled(&mut self, flags: &Flags, through: i32, as_of: Option<Day>) -> Result<()> {
        for mut file in std::mem::take(&mut self.spilled) {
            file.seek(SeekFrom::Start(0))
                .context("cannot read back the waiting rows of --i766")?;
            let mut frame = ParquetReader::new(file)
                .finish()
                .map_err(|e| anyhow::anyhow!("cannot read back the waiting rows of --i766: {e}"))?;
            let numbers = |frame: &DataFrame, name: &str| -> Result<Vec<i32>> {
                Ok(frame.column(name)?.i32()?.into_no_null_iter().collect())
            };
            let weights: Vec<i64> = frame
                .column(SPILLED_WEIGHT)?
                .i64()?
                .into_no_null_iter()
                .collect();
            let (next, last) = (
                numbers(&frame, SPILLED_NEXT)?,
                numbers(&frame, SPILLED_LAST)?,
            );
            for name in [SPILLED_WEIGHT, SPILLED_NEXT, SPILLED_LAST] {
                frame.drop_in_place(name)?;
            }
            self.count(flags, &frame, &weights, &next, &last, through, as_of)?;
        }
        Ok(())
    }

    /// Counts the waiting rows in the periods through `through`; with `as_of`, the last of them
    /// is cut at that date. Rows with no period left stop waiting.
    fn flush(&mut self, flags: &Flags, through: i32, as_of: Option<Day>) -> Result<()> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        self.count(
            flags,
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
    /// memory than a closed one; with [`Spec::runs`], whole periods in which none of the row's
    /// dates (nor a literal) falls are one pair with the first period's bounds.
    #[allow(clippy::too_many_arguments)]
    fn count(
        &mut self,
        flags: &Flags,
        frame: &DataFrame,
        weights: &[i64],
        next: &[i32],
        last: &[i32],
        through: i32,
        as_of: Option<Day>,
    ) -> Result<()> {
        let spec = self.spec.clone();
        let mut dates: Vec<Vec<Day>> = Vec::new();
        if spec.runs.is_some() {
            for name in &spec.date_columns {
                let column = frame.column(name)?.i32()?;
                dates.push(column.iter().map(|d| d.unwrap_or(NO_DAY)).collect());
            }
        }
        let literals = spec.runs.as_deref().unwrap_or_default();
        let mut row_dates: Vec<Day> = Vec::new();
        let mut pairs = Pairs::default();
        for row in 0..next.len() {
            let stop = last[row].min(through);
            if spec.runs.is_some() {
                row_dates.clear();
                row_dates.extend(dates.iter().map(|c| c[row]).filter(|&d| d != NO_DAY));
            }
            let mut ordinal = next[row];
            while ordinal <= stop {
                let (start, end) = self.bounds(ordinal);
                let cutoff = as_of.map_or(end, |a| end.min(a));
                let mut run_last = ordinal;
                if spec.runs.is_some() && cutoff == end {
                    // The next period joins the run when it is whole too and nothing the
                    // conditions compare with falls from this period's start to its end.
                    while run_last < stop {
                        let (_, next_end) = self.bounds(run_last + 1);
                        if as_of.is_some_and(|a| a < next_end) {
                            break;
                        }
                        let inside = |d: &Day| (start..=next_end).contains(d);
                        if row_dates.iter().any(inside) || literals.iter().any(inside) {
                            break;
                        }
                        run_last += 1;
                    }
                }
                pairs.rows.push(row as IdxSize);
                pairs.periods.push(ordinal);
                pairs.lasts.push(run_last);
                pairs.starts.push(start);
                pairs.cutoffs.push(cutoff);
                pairs.weights.push(weights[row]);
                if pairs.rows.len() >= PAIRS {
                    self.evaluate(flags, frame, std::mem::take(&mut pairs))?;
                }
                ordinal = run_last + 1;
            }
        }
        if !pairs.rows.is_empty() {
            self.evaluate(flags, frame, pairs)?;
        }
        Ok(())
    }

    /// Evaluates the conditions on a batch of (row, run of periods) pairs and adds up their
    /// flags. Polars evaluates every flag in one `select` (the conditions share their parts);
    /// the sums per run and unit are a plain loop over the flags' bits, cheaper than a group-by
    /// with one aggregation per flag. A run's sums are steps: added at its first period, taken
    /// off after its last ([`Counter::finish`] adds them up period by period).
    fn evaluate(&mut self, flags: &Flags, frame: &DataFrame, pairs: Pairs) -> Result<()> {
        let mut pairs_frame = frame.take(&IdxCa::from_vec("rows".into(), pairs.rows))?;
        pairs_frame.with_column(Column::new(PERIOD_START.into(), pairs.starts))?;
        pairs_frame.with_column(Column::new(CUTOFF.into(), pairs.cutoffs))?;
        let evaluated = pairs_frame
            .clone()
            .lazy()
            .select(flags.flags.clone())
            .collect()
            .map_err(anyhow::Error::from)
            .context("counting the 766 indicators")?;
        let height = pairs_frame.height();
        // The pairs a flag is true for (null is false), each once.
        fn each_true(
            evaluated: &DataFrame,
            height: usize,
            name: &str,
            mut visit: impl FnMut(usize),
        ) -> Result<()> {
            let mut column = evaluated.column(name)?.clone();
            if column.len() != height {
                // A constant condition: one value for every pair.
                column = column.new_from_index(0, height);
            }
            let mut offset = 0;
            for array in column.bool()?.downcast_iter() {
                let set = match array.validity() {
                    Some(valid) => array.values() & valid,
                    None => array.values().clone(),
                };
                set.true_idx_iter().for_each(|pair| visit(offset + pair));
                offset += array.len();
            }
            Ok(())
        }
        let units = pairs_frame.column(Field::Unit.name())?.u32()?;
        let procedures = pairs_frame.column(Field::ProcedureCode.name())?.u32()?;
        let units: Vec<Option<u32>> = units.iter().collect();

        // The sums per (run, unit): one slot per pair's group, then each flag's bits; the last
        // place of a slot counts its pairs (a period any pair reaches has its cell).
        let width = self.spec.dossier.len() * 3;
        let mut slots: Vec<usize> = Vec::with_capacity(units.len());
        let mut groups: FastMap<(i32, i32, Option<u32>, i64), usize> = FastMap::default();
        let mut sums: Vec<i64> = Vec::new();
        for (pair, unit) in units.iter().enumerate() {
            let key = (
                pairs.periods[pair],
                pairs.lasts[pair],
                *unit,
                pairs.weights[pair],
            );
            let next = groups.len();
            let slot = *groups.entry(key).or_insert(next);
            if slot == next {
                sums.resize(sums.len() + width + 1, 0);
            }
            sums[slot * (width + 1) + width] += 1;
            slots.push(slot * (width + 1));
        }
        for (k, (_, _, _, missing)) in self.spec.dossier.iter().enumerate() {
            let mut names = vec![(3 * k, format!("d{k}")), (3 * k + 1, format!("n{k}"))];
            if missing.is_some() {
                names.push((3 * k + 2, format!("m{k}")));
            }
            for (offset, name) in names {
                each_true(&evaluated, height, &name, |pair| {
                    sums[slots[pair] + offset] += 1
                })?;
            }
        }
        for ((first, last, unit, weight), slot) in groups {
            let group = &sums[slot * (width + 1)..(slot + 1) * (width + 1)];
            add_step(&mut self.dossier_steps, (unit, first), group, weight, 1);
            add_step(&mut self.dossier_steps, (unit, last + 1), group, weight, -1);
        }

        // Per (run, procedure, unit) for the catalogue's `any` numerators.
        if !self.spec.any.is_empty() {
            let width = self.spec.any.len();
            let mut groups: FastMap<(i32, i32, u32, Option<u32>, i64), usize> = FastMap::default();
            let mut slots: Vec<Option<usize>> = Vec::with_capacity(units.len());
            let mut sums: Vec<i64> = Vec::new();
            for (pair, procedure) in procedures.iter().enumerate() {
                let Some(procedure) = procedure else {
                    slots.push(None);
                    continue;
                };
                let key = (
                    pairs.periods[pair],
                    pairs.lasts[pair],
                    procedure,
                    units[pair],
                    pairs.weights[pair],
                );
                let next = groups.len();
                let slot = *groups.entry(key).or_insert(next);
                if slot == next {
                    sums.resize(sums.len() + width + 1, 0);
                }
                sums[slot * (width + 1) + width] += 1;
                slots.push(Some(slot * (width + 1)));
            }
            for k in 0..width {
                each_true(&evaluated, height, &format!("a{k}"), |pair| {
                    if let Some(slot) = slots[pair] {
                        sums[slot + k] += 1;
                    }
                })?;
            }
            for ((first, last, procedure, unit, weight), slot) in groups {
                let group = &sums[slot * (width + 1)..(slot + 1) * (width + 1)];
                let rest = (procedure, unit);
                add_step(&mut self.any_steps, (rest, first), group, weight, 1);
                add_step(&mut self.any_steps, (rest, last + 1), group, weight, -1);
            }
        }
        Ok(())
    }

    /// Counts what still waits, now that the as-of date is known, and gives back every count.
    /// `texts` are the dictionaries of every row read.
    pub fn finish(&mut self, texts: &dyn TextColumns) -> Result<Counts> {
        let as_of = self.spec.as_of.or(self.counts.latest);
        if let (Some(as_of), None) = (as_of, self.spec.as_of) {
            let through = self.ordinal(as_of);
            let flags = self.spec.flags(texts);
            self.flush(&flags, through, Some(as_of))?;
            self.count_spilled(&flags, through, Some(as_of))?;
        }
        self.counts.dossiers = add_up(&self.dossier_steps, |period, &unit| (period, unit));
        self.counts.any = add_up(&self.any_steps, |period, &(procedure, unit)| {
            (period, procedure, unit)
        });
        self.dossier_steps.clear();
        self.any_steps.clear();
        Ok(std::mem::take(&mut self.counts))
    }

    /// `--as-of`, when given.
    pub fn given_as_of(&self) -> Option<Day> {
        self.spec.as_of
    }
}

/// Adds `sign` × `weight` × a run's sums (its pair count last, unweighted) to the step at `key`.
fn add_step<K: Ord>(
    steps: &mut BTreeMap<K, Vec<i64>>,
    key: K,
    group: &[i64],
    weight: i64,
    sign: i64,
) {
    let step = steps.entry(key).or_insert_with(|| vec![0; group.len()]);
    let (sums, pairs) = group.split_at(group.len() - 1);
    for (total, sum) in step.iter_mut().zip(sums) {
        *total += sign * weight * sum;
    }
    if let Some(total) = step.last_mut() {
        *total += sign * pairs[0];
    }
}

/// The sums per period from the steps (keyed by the rest of the cell's key, then period): the
/// running total of each one's steps in period order; a period has a cell while some pair
/// reaches it. `cell` makes the cell's key of a period and the rest.
fn add_up<R: Ord, K: std::hash::Hash + Eq>(
    steps: &BTreeMap<(R, i32), Vec<i64>>,
    cell: impl Fn(i32, &R) -> K,
) -> FastMap<K, Vec<i64>> {
    let mut cells = FastMap::default();
    let mut running: Vec<i64> = Vec::new();
    let mut steps = steps.iter().peekable();
    while let Some(((rest, period), step)) = steps.next() {
        running.resize(step.len(), 0);
        for (total, value) in running.iter_mut().zip(step) {
            *total += value;
        }
        // The running total holds until the next step of the same cells.
        let until = match steps.peek() {
            Some(((next_rest, next_period), _)) if next_rest == rest => next_period - 1,
            _ => *period,
        };
        if running.last().is_some_and(|&pairs| pairs != 0) {
            let sums = &running[..running.len() - 1];
            for ordinal in *period..=until {
                cells.insert(cell(ordinal, rest), sums.to_vec());
            }
        }
        if steps.peek().is_none_or(|((next, _), _)| next != rest) {
            // The last step of these cells ends every run of theirs: start the next at zero.
            running.clear();
        }
    }
    cells
}

/// A [`Counter`] on a thread of its own: the reading thread turns each chunk into a [`Batch`]
/// and goes on reading while the pairs are evaluated (most of the 766's cost), so the two
/// overlap. A batch is handed over only when the counter takes it (a channel of no capacity),
/// so memory holds the chunk being counted and the one being read, not the file.
pub struct Background {
    spec: Arc<Spec>,
    batches: Option<SyncSender<Batch>>,
    thread: Option<JoinHandle<Result<Counter>>>,
}

impl Background {
    pub fn start(mut counter: Counter) -> Result<Background> {
        let spec = counter.spec.clone();
        let (batches, received) = sync_channel::<Batch>(0);
        let thread = std::thread::Builder::new()
            .name("cchc-i766".into())
            .spawn(move || {
                for batch in received {
                    counter.add_batch(batch)?;
                }
                Ok(counter)
            })
            .context("starting the 766 counter's thread")?;
        Ok(Background {
            spec,
            batches: Some(batches),
            thread: Some(thread),
        })
    }

    /// Waits for the counter to count every batch sent (or to fail) and gives it back.
    fn join(&mut self) -> Result<Counter> {
        self.batches = None;
        let thread = self
            .thread
            .take()
            .context("the 766 counter has already stopped (internal error)")?;
        thread
            .join()
            .map_err(|_| anyhow::anyhow!("the 766 counter's thread panicked (internal error)"))?
    }

    /// Counts the rest, now that every row is read: gives back the counter and its counts.
    pub fn finish(mut self, texts: &dyn TextColumns) -> Result<(Counter, Counts)> {
        let mut counter = self.join()?;
        let counts = counter.finish(texts)?;
        Ok((counter, counts))
    }

    /// Hands the counter a chunk of rows, given their frame ([`Spec::batch`]).
    pub fn add(&mut self, rows: &Rows, frame: &DataFrame, weight: i64) -> Result<()> {
        let Some(batch) = self.spec.batch(rows, frame, weight)? else {
            return Ok(());
        };
        let sent = match &self.batches {
            Some(batches) => batches.send(batch).is_ok(),
            None => false,
        };
        if !sent {
            // The counter stopped on an error: that error is the one to report.
            self.join()?;
            anyhow::bail!("the 766 counter stopped early (internal error)");
        }
        Ok(())
    }
}
