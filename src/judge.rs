//! Value against target: turns tallies into result rows with a percentage, the target that
//! applies, and pass / fail / na / info.

use std::collections::{BTreeMap, BTreeSet};

use crate::compute::{GroupDim, Tallies, Tally};
use crate::dossier::{Dictionary, Field, Granularity, PeriodKey};
use crate::indicators::{Indicator, Measure, Need, Registry};
use crate::model::{NaReason, ResultRow, RowTarget, Status, Unit};
use crate::targets::{Target, Targets};

/// What the judge needs besides the tallies.
pub struct Context<'a> {
    pub targets: &'a Targets,
    pub registry: &'a Registry,
    /// A procedure code's name (from the catalogue, else the export), for `--by procedure`.
    pub procedure_names: &'a BTreeMap<String, String>,
    pub granularity: Granularity,
    /// Optional fields missing from some input, with the inputs lacking them.
    pub missing_fields: &'a BTreeMap<Field, Vec<String>>,
    pub input_count: usize,
    /// The `--by` dimensions, in order.
    pub dims: &'a [GroupDim],
    /// Names for group ids, one dictionary per `--by` dimension, in order.
    pub group_names: Vec<&'a Dictionary>,
    /// Only these years are reported (the growth row still looks at the year before).
    pub year: Option<i32>,
    /// A group whose denominator is below this is `na` ("too few dossiers").
    pub min_count: u64,
}

/// Rounds `numer / denom` to 2 decimals, halves away from zero, exactly (no float error).
fn round_hundredths(numer: i128, denom: i128) -> f64 {
    let scaled = numer.abs() * 100;
    let rounded = (2 * scaled + denom) / (2 * denom);
    let signed = if numer < 0 { -rounded } else { rounded };
    signed as f64 / 100.0
}

/// The percentage 100·num/den rounded half-up to 2 decimals.
pub fn percentage(numerator: i64, denominator: i64) -> f64 {
    round_hundredths(100 * i128::from(numerator), i128::from(denominator))
}

/// Why an indicator cannot be evaluated on these inputs, if it cannot.
pub fn missing_column_reason(indicator: &Indicator, context: &Context) -> Option<NaReason> {
    let lacking = |field: &Field| context.missing_fields.get(field);
    let describe = |fields: &[Field], paths: &Vec<String>| NaReason::MissingColumn {
        fields: fields.iter().map(|f| f.name()).collect(),
        only_in: if paths.len() >= context.input_count {
            Vec::new()
        } else {
            paths.clone()
        },
    };
    for need in &indicator.needs {
        match need {
            Need::Field(field) => {
                if let Some(paths) = lacking(field) {
                    return Some(describe(&[*field], paths));
                }
            }
            Need::AnyOf(fields) => {
                // Met when every input has at least one of the fields.
                let all_lacking: Option<Vec<String>> = fields
                    .iter()
                    .map(|f| lacking(f).cloned().unwrap_or_default())
                    .reduce(|a, b| a.into_iter().filter(|p| b.contains(p)).collect());
                if let Some(paths) = all_lacking.filter(|p| !p.is_empty()) {
                    return Some(describe(fields, &paths));
                }
            }
        }
    }
    None
}

fn judge_ratio(
    indicator: &'static Indicator,
    tally: &Tally,
    target: Option<&Target>,
    na_reason: Option<&NaReason>,
) -> ResultRow {
    let year = tally.period.year();
    let mut row = ResultRow {
        numerator: Some(tally.numerator),
        denominator: Some(tally.denominator),
        missing_due: tally.missing_due,
        ..ResultRow::new(indicator.id, tally.period.label(), Unit::Percent)
    };
    row.target = target.and_then(|t| t.for_year(year));
    if let Some(reason) = na_reason {
        row.numerator = Some(0);
        row.denominator = Some(0);
        row.missing_due = row.missing_due.map(|_| 0);
        row.na_reason = Some(reason.clone());
        return row;
    }
    if tally.denominator == 0 {
        row.na_reason = Some(NaReason::EmptyPopulation);
        return row;
    }
    row.value = Some(percentage(tally.numerator, tally.denominator));
    row.status = judge_fraction(row.target.as_ref(), tally.numerator, tally.denominator);
    row
}

/// Pass / fail / info of the percentage `100·numerator/denominator` against inclusive bounds,
/// compared exactly, so 49.996% does not pass a 50% target by rounding.
pub fn judge_fraction(target: Option<&RowTarget>, numerator: i64, denominator: i64) -> Status {
    let Some(target) = target.filter(|t| t.min.is_some() || t.max.is_some()) else {
        return Status::Info;
    };
    let scaled = 100.0 * numerator as f64;
    let denominator = denominator as f64;
    let above_min = target.min.is_none_or(|min| scaled >= min * denominator);
    let below_max = target.max.is_none_or(|max| scaled <= max * denominator);
    if above_min && below_max {
        Status::Pass
    } else {
        Status::Fail
    }
}

fn judge_growth(
    indicator: &'static Indicator,
    period: PeriodKey,
    this: Option<&Tally>,
    prev: Option<&Tally>,
    target: Option<&Target>,
    na_reason: Option<&NaReason>,
) -> ResultRow {
    let pair = |t: &Tally| [t.numerator, t.denominator];
    let mut row = ResultRow {
        target: target.and_then(|t| t.for_year(period.year())),
        this: this.map(pair),
        prev: prev.map(pair),
        ..ResultRow::new(indicator.id, period.label(), Unit::Points)
    };
    if let Some(reason) = na_reason {
        row.this = None;
        row.prev = None;
        row.na_reason = Some(reason.clone());
        return row;
    }
    let (Some(this), Some(prev)) = (this, prev) else {
        row.na_reason = Some(NaReason::NoPreviousYear(period.year() - 1));
        return row;
    };
    if this.denominator == 0 || prev.denominator == 0 {
        row.na_reason = Some(NaReason::NoFinished);
        return row;
    }
    let (n1, d1) = (i128::from(this.numerator), i128::from(this.denominator));
    let (n0, d0) = (i128::from(prev.numerator), i128::from(prev.denominator));
    let points_numer = 100 * (n1 * d0 - n0 * d1);
    let points_denom = d1 * d0;
    row.value = Some(round_hundredths(points_numer, points_denom));
    row.status = match target {
        Some(Target::Growth {
            min_points,
            or_value,
        }) => {
            let risen = points_numer as f64 >= min_points * points_denom as f64;
            let already_there = or_value
                .is_some_and(|v| 100.0 * this.numerator as f64 >= v * this.denominator as f64);
            if risen || already_there {
                Status::Pass
            } else {
                Status::Fail
            }
        }
        _ => Status::Info,
    };
    row
}

/// `--min-count`: a group this small says more about chance than about the unit.
fn too_few(row: &mut ResultRow, min_count: u64) {
    let count = row.denominator.or(row.this.map(|t| t[1])).unwrap_or(0);
    if row.status == Status::Na || count >= min_count as i64 {
        return;
    }
    row.status = Status::Na;
    row.value = None;
    row.na_reason = Some(NaReason::TooFew {
        count,
        min: min_count,
    });
}

/// Judges every tally and adds the growth rows. Rows come sorted by period, then group (totals
/// first), then indicator in catalogue order.
pub fn judge(tallies: &Tallies, context: &Context) -> Vec<ResultRow> {
    type GroupIds = Option<Vec<Option<u32>>>;
    let mut cells: BTreeMap<(PeriodKey, GroupIds), BTreeMap<&str, &Tally>> = BTreeMap::new();
    for tally in &tallies.tallies {
        cells
            .entry((tally.period, tally.group.clone()))
            .or_default()
            .insert(tally.indicator.id, tally);
    }
    let dossier_indicators: Vec<&'static Indicator> = context
        .registry
        .all()
        .iter()
        .copied()
        .filter(|i| i.basis().is_some())
        .collect();
    let na_reasons: BTreeMap<&str, NaReason> = dossier_indicators
        .iter()
        .filter_map(|i| missing_column_reason(i, context).map(|r| (i.id, r)))
        .collect();
    let procedure_level = context.dims.iter().position(|d| *d == GroupDim::Procedure);

    // A blank group is "" (DOMAIN.md v2 §3): renderers show it in the report's language.
    let group_texts = |ids: &GroupIds| -> Option<Vec<String>> {
        ids.as_ref().map(|ids| {
            ids.iter()
                .zip(&context.group_names)
                .map(|(id, names)| id.and_then(|id| names.name(id)).unwrap_or("").to_string())
                .collect()
        })
    };
    let group_label = |ids: &GroupIds| group_texts(ids).map(|texts| texts.join(" / "));
    let by: Option<Vec<&'static str>> =
        (!context.dims.is_empty()).then(|| context.dims.iter().map(|d| d.name()).collect());

    // Sort groups by their text, not by id, so output order does not depend on input order.
    let mut keys: Vec<&(PeriodKey, GroupIds)> = cells.keys().collect();
    keys.sort_by_cached_key(|(period, ids)| (*period, ids.is_some(), group_label(ids)));
    let years: BTreeSet<i32> = keys.iter().map(|(p, _)| p.year()).collect();

    let mut rows = Vec::new();
    for key @ (period, ids) in keys {
        if context.year.is_some_and(|y| y != period.year()) {
            continue;
        }
        let cell = &cells[key];
        for &indicator in &dossier_indicators {
            let target = context.targets.for_indicator(indicator.id);
            let na_reason = na_reasons.get(indicator.id);
            let mut row = match indicator.measure {
                Measure::Growth { of } => {
                    // The growth row compares whole years only.
                    if context.granularity != Granularity::Year {
                        continue;
                    }
                    let previous = PeriodKey::new(Granularity::Year, period.year() - 1);
                    let prev = years
                        .contains(&(period.year() - 1))
                        .then(|| cells.get(&(previous, ids.clone())).and_then(|c| c.get(of)))
                        .flatten()
                        .copied();
                    judge_growth(
                        indicator,
                        *period,
                        cell.get(of).copied(),
                        prev,
                        target,
                        na_reason,
                    )
                }
                _ => match cell.get(indicator.id) {
                    Some(tally) => judge_ratio(indicator, tally, target, na_reason),
                    None => continue,
                },
            };
            row.group = group_label(ids);
            row.groups = group_texts(ids);
            if ids.is_some() {
                row.by = by.clone();
                row.group_name = procedure_level
                    .and_then(|level| row.groups.as_ref()?.get(level))
                    .and_then(|code| context.procedure_names.get(code))
                    .cloned();
                too_few(&mut row, context.min_count);
            }
            rows.push(row);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_up_exactly() {
        assert_eq!(percentage(462, 666), 69.37);
        assert_eq!(percentage(1, 8), 12.5);
        assert_eq!(percentage(1, 3), 33.33);
        assert_eq!(percentage(2, 3), 66.67);
        // 0.125% → 0.13: the half is rounded up, which a float multiply would miss.
        assert_eq!(percentage(1, 800), 0.13);
        assert_eq!(percentage(5, 5), 100.0);
        assert_eq!(percentage(0, 7), 0.0);
    }

    #[test]
    fn negative_points_round_away_from_zero() {
        assert_eq!(round_hundredths(-1, 800), 0.0);
        assert!(
            round_hundredths(-1, 800).is_sign_positive(),
            "no negative zero in JSON"
        );
        assert_eq!(round_hundredths(-125, 1000), -0.13);
        assert_eq!(round_hundredths(-1, 3), -0.33);
    }
}
