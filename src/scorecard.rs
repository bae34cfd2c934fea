//! The rows of the whole plan that no dossier export shows: the catalogue indicators (DOMAIN.md
//! §4, yearly, totals only) and the self-reported figures (§5), judged against their targets.

use std::collections::{BTreeMap, BTreeSet};

use crate::dossier::{Granularity, PeriodKey};
use crate::indicators::{CatalogueMeasure, Indicator, Measure, Registry};
use crate::input::catalogue::{Catalogue, CatalogueField, Procedure};
use crate::input::facts::{Facts, Figure};
use crate::judge::{judge_fraction, percentage};
use crate::model::{NaReason, ResultRow, Source, Status};
use crate::targets::Targets;

/// What `--year`, `--from` and `--to` keep.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope {
    pub year: Option<i32>,
    /// Inclusive day numbers (days since 1970-01-01).
    pub from_day: Option<i32>,
    pub to_day: Option<i32>,
}

impl Scope {
    /// A period is kept when it overlaps the range (DOMAIN.md §5) and lies in `--year`.
    pub fn keeps(&self, period: PeriodKey) -> bool {
        if self.year.is_some_and(|y| y != period.year()) {
            return false;
        }
        let (first, last) = (period.first_day(), period.last_day());
        self.from_day.is_none_or(|from| last >= from) && self.to_day.is_none_or(|to| first <= to)
    }

    pub fn keeps_year(&self, year: i32) -> bool {
        self.keeps(PeriodKey::new(Granularity::Year, year))
    }
}

fn row(indicator: &'static Indicator, period: String) -> ResultRow {
    ResultRow {
        source: indicator.source,
        ..ResultRow::new(indicator.id, period, indicator.unit)
    }
}

/// One row per catalogue indicator and reported year (DOMAIN.md §4).
///
/// `used` holds, per year, the procedure codes with at least one accepted online dossier
/// received that year; `None` when no dossier export was given.
pub fn catalogue_rows(
    registry: &Registry,
    targets: &Targets,
    catalogue: &Catalogue,
    by_year: &BTreeMap<i32, BTreeMap<String, Procedure>>,
    used: Option<&BTreeMap<i32, BTreeSet<String>>>,
    years: &BTreeSet<i32>,
) -> Vec<ResultRow> {
    let mut rows = Vec::new();
    for &year in years {
        for indicator in registry.of_source(Source::Catalogue) {
            let Measure::Catalogue(measure) = indicator.measure else {
                continue;
            };
            let mut result = row(indicator, year.to_string());
            result.target = targets
                .for_indicator(indicator.id)
                .and_then(|t| t.for_year(year));
            let procedures = by_year.get(&year);
            let lacking: Vec<CatalogueField> = needs(measure)
                .iter()
                .copied()
                .filter(|f| catalogue.lacks(*f))
                .collect();
            let na = if let Some(field) = lacking.first() {
                Some(NaReason::MissingCatalogueColumn(
                    crate::input::columns::SchemaField::name(*field),
                ))
            } else if procedures.is_none() {
                Some(NaReason::NoCatalogue)
            } else if measure == CatalogueMeasure::OnlineServicesUsed && used.is_none() {
                Some(NaReason::NoDossiers)
            } else {
                None
            };
            if let Some(reason) = na {
                result.na_reason = Some(reason);
                rows.push(result);
                continue;
            }
            let procedures: Vec<&Procedure> =
                procedures.map(|p| p.values().collect()).unwrap_or_default();
            let used_this_year = used.and_then(|u| u.get(&year));
            let (numerator, denominator) = count(measure, &procedures, catalogue, used_this_year);
            result.numerator = Some(numerator);
            result.denominator = Some(denominator);
            if denominator == 0 {
                result.na_reason = Some(NaReason::EmptyPopulation);
            } else {
                result.value = Some(percentage(numerator, denominator));
                result.status = judge_fraction(result.target.as_ref(), numerator, denominator);
            }
            rows.push(result);
        }
    }
    rows
}

/// The catalogue columns an indicator cannot do without.
pub fn needs(measure: CatalogueMeasure) -> &'static [CatalogueField] {
    use CatalogueField::*;
    match measure {
        CatalogueMeasure::ProceduresOnline => &[ServiceLevel],
        CatalogueMeasure::NationalPortal => &[ServiceLevel, NationalPortal],
        CatalogueMeasure::BothPortals => &[ServiceLevel, NationalPortal, ProvincialPortal],
        CatalogueMeasure::PaymentEnabled => &[FeeBearing, OnlinePayment],
        CatalogueMeasure::OnlineServicesUsed => &[ServiceLevel],
    }
}

fn count(
    measure: CatalogueMeasure,
    procedures: &[&Procedure],
    catalogue: &Catalogue,
    used: Option<&BTreeSet<String>>,
) -> (i64, i64) {
    let tally = |population: &dyn Fn(&Procedure) -> bool,
                 numerator: &dyn Fn(&Procedure) -> bool| {
        let in_population: Vec<&&Procedure> = procedures.iter().filter(|p| population(p)).collect();
        let counted = in_population.iter().filter(|p| numerator(p)).count();
        (counted as i64, in_population.len() as i64)
    };
    // Without an online_eligible column every procedure is eligible (DOMAIN.md §4).
    let every_eligible = catalogue.lacks(CatalogueField::OnlineEligible);
    match measure {
        CatalogueMeasure::ProceduresOnline => {
            tally(&|p| every_eligible || p.online_eligible, &|p| p.online())
        }
        CatalogueMeasure::NationalPortal => tally(&|p| p.online(), &|p| p.national_portal),
        CatalogueMeasure::BothPortals => tally(&|p| p.online(), &|p| {
            p.national_portal && p.provincial_portal
        }),
        CatalogueMeasure::PaymentEnabled => tally(&|p| p.fee_bearing, &|p| p.online_payment),
        CatalogueMeasure::OnlineServicesUsed => tally(&|p| p.online(), &|p| {
            used.is_some_and(|codes| codes.contains(&p.code))
        }),
    }
}

/// One row per figure in scope, and one `na` row per facts indicator and reported year without
/// any figure (DOMAIN.md §5). A figure with a group is a row of that group (`by` = unit).
pub fn facts_rows(
    registry: &Registry,
    targets: &Targets,
    facts: &Facts,
    scope: &Scope,
    years: &BTreeSet<i32>,
) -> Vec<ResultRow> {
    let mut rows = Vec::new();
    let mut reported: BTreeSet<(&str, i32)> = BTreeSet::new();
    for ((id, period, group), fact) in &facts.facts {
        if !scope.keeps(*period) || fact.figure == Figure::Nothing {
            continue;
        }
        let Some(indicator) = registry.find(id) else {
            continue;
        };
        // A group's figure does not stand in for the department's total.
        if group.is_none() {
            reported.insert((indicator.id, period.year()));
        }
        let mut result = row(indicator, period.label());
        result.target = targets
            .for_indicator(indicator.id)
            .and_then(|t| t.for_year(period.year()));
        result.note = fact.note.clone();
        if let Some(group) = group {
            result.group = Some(group.clone());
            result.groups = Some(vec![group.clone()]);
            result.by = Some(vec!["unit"]);
        }
        match fact.figure {
            Figure::Ratio {
                numerator,
                denominator,
            } => {
                result.numerator = Some(numerator);
                result.denominator = Some(denominator);
                result.value = Some(percentage(numerator, denominator));
                result.status = judge_fraction(result.target.as_ref(), numerator, denominator);
            }
            Figure::Value(value) => {
                result.value = Some(round_half_up(value));
                result.status = judge_value(&result, value);
            }
            Figure::Nothing => {}
        }
        rows.push(result);
    }
    // The plan's order; a department's total before its groups.
    rows.sort_by_cached_key(|r| (registry.position(r.indicator), r.group.clone()));
    for &year in years {
        for indicator in registry.of_source(Source::Facts) {
            if reported.contains(&(indicator.id, year)) {
                continue;
            }
            let mut result = row(indicator, year.to_string());
            result.target = targets
                .for_indicator(indicator.id)
                .and_then(|t| t.for_year(year));
            result.na_reason = Some(NaReason::NoFigure);
            rows.push(result);
        }
    }
    rows
}

/// A typed value against inclusive bounds, compared as typed (no rounding first).
fn judge_value(row: &ResultRow, value: f64) -> Status {
    let Some(target) = row
        .target
        .as_ref()
        .filter(|t| t.min.is_some() || t.max.is_some())
    else {
        return Status::Info;
    };
    let above = target.min.is_none_or(|min| value >= min);
    let below = target.max.is_none_or(|max| value <= max);
    if above && below {
        Status::Pass
    } else {
        Status::Fail
    }
}

/// Two decimals, halves away from zero (a typed value has at most a few decimals).
fn round_half_up(value: f64) -> f64 {
    let scaled = (value * 100.0 * 1e6).round() / 1e6;
    let rounded = scaled.abs().round().copysign(scaled) / 100.0;
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_overlap_the_selected_days() {
        let day = |y, m, d| {
            chrono::NaiveDate::from_ymd_opt(y, m, d).map_or(0, crate::dossier::period::day_of)
        };
        let scope = Scope {
            year: None,
            from_day: Some(day(2024, 7, 1)),
            to_day: Some(day(2024, 12, 31)),
        };
        assert!(scope.keeps(PeriodKey::new(Granularity::Year, 2024)));
        assert!(!scope.keeps(PeriodKey::new(Granularity::Year, 2023)));
        assert!(!scope.keeps(PeriodKey::new(Granularity::Quarter, 20242)));
        assert!(scope.keeps(PeriodKey::new(Granularity::Quarter, 20243)));
        assert!(scope.keeps(PeriodKey::new(Granularity::Month, 202412)));
        assert!(!scope.keeps(PeriodKey::new(Granularity::Month, 202506)));
        assert_eq!(
            PeriodKey::new(Granularity::Month, 202402).last_day(),
            day(2024, 2, 29)
        );
    }

    #[test]
    fn typed_values_round_half_up() {
        assert_eq!(round_half_up(22.97), 22.97);
        assert_eq!(round_half_up(0.125), 0.13);
        assert_eq!(round_half_up(13.0), 13.0);
        assert_eq!(round_half_up(2.675), 2.68);
    }
}
