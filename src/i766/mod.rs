//! The national 766 index, estimated (DOMAIN.md §8, Decision 766/QĐ-TTg): the score the
//! national public-service portal gives every province, department and commune each month,
//! computed from the same exports, catalogue and figures as the plan's scorecard, per period and
//! (with `--by unit`) per unit, with what each indicator still needs for full points.
//!
//! [`profile`] reads a scoring as data; [`tally`] counts the dossier conditions chunk by chunk;
//! [`score`] is the exact arithmetic; this module puts the three together into the report
//! model's [`crate::model::I766`].

pub mod profile;
pub mod score;
pub mod tally;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use polars::prelude::*;

use crate::condition::{Condition, TextColumns};
use crate::dossier::period::{date_of, Day};
use crate::dossier::rows::{Dictionary, FastMap};
use crate::dossier::{Field, Granularity, PeriodKey, Rows};
use crate::input::catalogue::{Catalogue, CatalogueField, Procedure};
use crate::input::columns::SchemaField;
use crate::input::facts::{Fact, Facts, Figure, ScoreId, ScoreIds};
use crate::judge::percentage;
use crate::model::{I766Block, I766Group, I766Indicator, I766Score, I766Status, NaReason, I766};
use crate::scorecard::Scope;
use profile::{CatalogueNumerator, Count, Measure, Profile, Zero};
use score::{from_cents, need, points_cents, ranks};
use tally::Counts;

/// The facts ids a profile's figures come as.
pub fn score_ids(profile: &Profile) -> ScoreIds {
    ScoreIds {
        ids: profile
            .facts_ids()
            .into_iter()
            .map(|(id, (index, points))| {
                (
                    id,
                    ScoreId {
                        points,
                        pmax_cents: profile.indicators[index].pmax_cents,
                    },
                )
            })
            .collect(),
    }
}

/// Everything the estimate is made from.
pub struct Sources<'a> {
    pub profile: &'a Profile,
    pub counter: &'a tally::Counter,
    pub counts: &'a Counts,
    pub as_of: Day,
    /// The rows' dictionaries (units, procedure codes).
    pub rows: &'a Rows,
    pub catalogue: &'a Catalogue,
    /// The catalogue's rows by year, undated ones in the report's latest year.
    pub catalogue_years: &'a BTreeMap<i32, BTreeMap<(String, Option<String>), &'a Procedure>>,
    pub facts: &'a Facts,
    /// Optional fields some input lacks, with those inputs.
    pub missing_fields: &'a BTreeMap<Field, Vec<String>>,
    pub input_count: usize,
    pub scope: Scope,
    pub by_unit: bool,
}

/// The estimate, one block per period from the first reception to the as-of date (within
/// `--year`/`--from`/`--to`).
pub fn estimate(sources: &Sources) -> Result<I766> {
    let granularity = sources.counter.spec.granularity;
    let first = sources
        .counts
        .first_received
        .map_or(sources.as_of, |d| d.min(sources.as_of));
    let (from, to) = (
        granularity.period_of_day(first).ordinal(),
        granularity.period_of_day(sources.as_of).ordinal(),
    );
    let catalogue = CatalogueScores::new(sources)?;
    let mut blocks = Vec::new();
    for ordinal in from..=to {
        let period = granularity.period_of_ordinal(ordinal);
        if !sources.scope.keeps(period) {
            continue;
        }
        blocks.push(block(sources, &catalogue, period)?);
    }
    Ok(I766 {
        profile: sources.profile.id.clone(),
        profile_name: format!("{} ({})", sources.profile.name, sources.profile.source),
        as_of: day_text(sources.as_of),
        blocks,
    })
}

fn day_text(day: Day) -> String {
    date_of(day).format("%Y-%m-%d").to_string()
}

/// One period: the pooled score, then each unit's.
fn block(sources: &Sources, catalogue: &CatalogueScores, period: PeriodKey) -> Result<I766Block> {
    let ordinal = period.ordinal();
    let end = period.last_day();
    let cutoff = end.min(sources.as_of);
    let mut units: BTreeSet<Option<u32>> = BTreeSet::new();
    let mut total = vec![0i64; sources.counter.spec.dossier.len() * 3];
    for ((o, unit), values) in &sources.counts.dossiers {
        if *o != ordinal {
            continue;
        }
        if values.iter().any(|v| *v != 0) {
            units.insert(*unit);
        }
        for (sum, value) in total.iter_mut().zip(values) {
            *sum += value;
        }
    }
    let mut scores = vec![score(sources, catalogue, period, None, &total)?];
    if sources.by_unit {
        let names = sources.rows.dictionary(Field::Unit);
        let mut unit_scores = Vec::new();
        for unit in units {
            let values = sources
                .counts
                .dossiers
                .get(&(ordinal, unit))
                .cloned()
                .unwrap_or_else(|| vec![0; total.len()]);
            let text = unit.and_then(|u| names.name(u)).unwrap_or("").to_string();
            unit_scores.push(score(
                sources,
                catalogue,
                period,
                Some((unit, text)),
                &values,
            )?);
        }
        // Competition ranking by total; a blank unit is shown, not ranked.
        let totals: Vec<Option<i64>> = unit_scores
            .iter()
            .map(|s| {
                s.unit
                    .as_ref()
                    .filter(|u| !u.is_empty())
                    .map(|_| (s.total * 100.0).round() as i64)
            })
            .collect();
        for (s, rank) in unit_scores.iter_mut().zip(ranks(&totals)) {
            s.rank = rank;
        }
        unit_scores.sort_by(|a, b| {
            (a.rank.is_none(), a.rank, &a.unit).cmp(&(b.rank.is_none(), b.rank, &b.unit))
        });
        scores.extend(unit_scores);
    }
    Ok(I766Block {
        period: period.label(),
        period_start: day_text(period.first_day()),
        cutoff: day_text(cutoff),
        partial: cutoff < end,
        scores,
    })
}

/// One indicator's outcome before it becomes a model row.
struct Scored {
    numerator: Option<i64>,
    denominator: Option<i64>,
    /// R, rounded half-up to 2 decimals.
    ratio: Option<f64>,
    cents: i64,
    status: I766Status,
    na_reason: Option<NaReason>,
    need: Option<i64>,
    need_of: Option<&'static str>,
    missing_due: Option<i64>,
}

impl Scored {
    fn na(reason: NaReason) -> Scored {
        Scored {
            numerator: None,
            denominator: None,
            ratio: None,
            cents: 0,
            status: I766Status::Na,
            na_reason: Some(reason),
            need: None,
            need_of: None,
            missing_due: None,
        }
    }

    /// Points from a ratio: `empty` at a denominator of 0 (full points where the profile says).
    fn ratio(
        indicator: &profile::Indicator,
        numerator: i64,
        denominator: i64,
        need_of: Option<&'static str>,
    ) -> Scored {
        let (cents, status) = if denominator == 0 {
            let cents = match indicator.zero {
                Zero::Zero => 0,
                Zero::Full => indicator.pmax_cents,
            };
            (cents, I766Status::Empty)
        } else {
            (
                points_cents(
                    indicator.pmax_cents,
                    indicator.threshold,
                    numerator,
                    denominator,
                ),
                I766Status::Scored,
            )
        };
        Scored {
            numerator: Some(numerator),
            denominator: Some(denominator),
            ratio: (denominator > 0).then(|| percentage(numerator, denominator)),
            cents,
            status,
            na_reason: None,
            need: need(indicator.threshold, numerator, denominator),
            need_of,
            missing_due: None,
        }
    }
}

/// One score: the pooled one (`unit` `None`) or a unit's (its key and text).
fn score(
    sources: &Sources,
    catalogue: &CatalogueScores,
    period: PeriodKey,
    unit: Option<(Option<u32>, String)>,
    dossier_sums: &[i64],
) -> Result<I766Score> {
    let profile = sources.profile;
    let mut rows = Vec::new();
    for (index, indicator) in profile.indicators.iter().enumerate() {
        let mut scored = match &indicator.measure {
            Measure::Dossiers { missing_due, .. } => match dossier_na(sources, index) {
                Some(reason) => Scored::na(reason),
                None => {
                    let k = sources
                        .counter
                        .spec
                        .dossier
                        .iter()
                        .position(|(i, ..)| *i == index)
                        .unwrap_or(0);
                    let (den, num) = (dossier_sums[3 * k], dossier_sums[3 * k + 1]);
                    let mut scored = Scored::ratio(indicator, num, den, Some("dossiers"));
                    scored.missing_due = missing_due.as_ref().map(|_| dossier_sums[3 * k + 2]);
                    scored
                }
            },
            Measure::Catalogue { .. } => {
                catalogue.score(sources, index, period, unit.as_ref().map(|(k, _)| *k))?
            }
            Measure::Facts => facts_score(sources, index, period, unit.as_ref()),
        };
        // Points given as a figure win over the ratio (DOMAIN.md §8).
        if let Some(points) = figure(sources, &indicator.points_id(), period, unit.as_ref()) {
            if let Figure::Value(value) = points.figure {
                scored.cents = (value * 100.0).round() as i64;
                scored.status = I766Status::Scored;
                scored.na_reason = None;
                scored.need = None;
            }
        }
        rows.push(I766Indicator {
            code: indicator.code.clone(),
            name: indicator.name.clone(),
            name_en: indicator.name_en.clone(),
            group: profile.groups[indicator.group].code.clone(),
            source: indicator.source,
            ratio: scored.ratio,
            numerator: scored.numerator,
            denominator: scored.denominator,
            threshold: indicator.threshold.map(from_cents),
            pmax: from_cents(indicator.pmax_cents),
            points: from_cents(scored.cents),
            status: scored.status,
            na_reason: scored.na_reason,
            need: scored.need,
            need_of: scored.need_of,
            gain: from_cents(indicator.pmax_cents - scored.cents),
            missing_due: scored.missing_due,
        });
    }
    let groups: Vec<I766Group> = profile
        .groups
        .iter()
        .map(|group| {
            let cents: i64 = rows
                .iter()
                .filter(|r| r.group == group.code)
                .map(|r| (r.points * 100.0).round() as i64)
                .sum();
            I766Group {
                code: group.code.clone(),
                name: group.name.clone(),
                name_en: group.name_en.clone(),
                max: from_cents(group.max_cents),
                points: from_cents(cents),
            }
        })
        .collect();
    let total: i64 = groups
        .iter()
        .map(|g| (g.points * 100.0).round() as i64)
        .sum();
    let max: i64 = profile.groups.iter().map(|g| g.max_cents).sum();
    let na: Vec<String> = rows
        .iter()
        .filter(|r| r.status == I766Status::Na)
        .map(|r| r.code.clone())
        .collect();
    Ok(I766Score {
        unit: unit.map(|(_, text)| text),
        rank: None,
        total: from_cents(total),
        max: from_cents(max),
        complete: na.is_empty(),
        na,
        groups,
        indicators: rows,
    })
}

/// Why a dossier indicator cannot be evaluated: a column its conditions name that an input
/// lacks (the sets' columns count as false instead).
fn dossier_na(sources: &Sources, index: usize) -> Option<NaReason> {
    let Measure::Dossiers {
        population,
        numerator,
        ..
    } = &sources.profile.indicators[index].measure
    else {
        return None;
    };
    for condition in [population, numerator] {
        for field in profile::named_fields(condition) {
            if let Some(paths) = sources.missing_fields.get(&field) {
                let only_in = if paths.len() >= sources.input_count {
                    Vec::new()
                } else {
                    paths.clone()
                };
                return Some(NaReason::MissingColumn {
                    fields: vec![field.name()],
                    only_in,
                });
            }
        }
    }
    if sources.input_count == 0 {
        return Some(NaReason::NoDossiers);
    }
    None
}

/// The figure of `id` for a period and unit: the period's own, else its quarter's, else its
/// year's; the unit's own row, else the department's (children inherit the province's figure).
fn figure<'a>(
    sources: &'a Sources,
    id: &str,
    period: PeriodKey,
    unit: Option<&(Option<u32>, String)>,
) -> Option<&'a Fact> {
    let year = PeriodKey::new(Granularity::Year, period.year());
    let quarter = Granularity::Quarter.period_of_day(period.first_day());
    let mut periods = vec![period];
    for wider in [quarter, year] {
        if !periods.contains(&wider) {
            periods.push(wider);
        }
    }
    let groups: Vec<Option<String>> = match unit {
        Some((_, text)) if !text.is_empty() => vec![Some(text.clone()), None],
        _ => vec![None],
    };
    for group in &groups {
        for p in &periods {
            let found = sources.facts.i766.iter().find(|((i, fp, g), f)| {
                *i == id && fp == p && g == group && f.figure != Figure::Nothing
            });
            if let Some((_, fact)) = found {
                return Some(fact);
            }
        }
    }
    None
}

fn facts_score(
    sources: &Sources,
    index: usize,
    period: PeriodKey,
    unit: Option<&(Option<u32>, String)>,
) -> Scored {
    let indicator = &sources.profile.indicators[index];
    let id = indicator.facts_id();
    match figure(sources, &id, period, unit).map(|f| &f.figure) {
        Some(Figure::Ratio {
            numerator,
            denominator,
        }) => Scored::ratio(indicator, *numerator, *denominator, None),
        Some(Figure::Value(value)) => {
            // A percentage typed as such: its hundredths over 100%.
            let hundredths = (value * 100.0).round() as i64;
            let mut scored = Scored::ratio(indicator, hundredths, 10_000, None);
            scored.numerator = None;
            scored.denominator = None;
            scored.need = None;
            scored.ratio = Some(from_cents(hundredths));
            scored
        }
        _ => Scored::na(NaReason::NoFigureFor(id)),
    }
}

/// The catalogue indicators' conditions evaluated on each year's rows, once.
struct CatalogueScores {
    /// Per year and unit (`None`: every unit, for the pooled score), per catalogue indicator:
    /// its rows and whether each is in the population and (for a condition numerator) in the
    /// numerator.
    years: BTreeMap<(i32, Option<String>), Vec<Option<Evaluated>>>,
    /// The `any` counts by (period ordinal, procedure key): per unit key, the counts.
    any: AnyIndex,
    /// Why every catalogue indicator is `na`, when it is (no catalogue given).
    absent: Option<NaReason>,
    /// The catalogue lacks a unit column: no unit score has catalogue indicators.
    no_units: bool,
}

/// The `any` counts of a period and procedure, per unit key.
type AnyIndex = FastMap<(i32, u32), Vec<(Option<u32>, Vec<i64>)>>;

/// One catalogue indicator's rows in one year.
struct Evaluated {
    rows: Vec<Procedure>,
    population: Vec<bool>,
    numerator: Vec<bool>,
    /// A column its conditions name that the catalogue lacks.
    missing: Option<NaReason>,
}

/// The texts of a catalogue frame's text columns.
#[derive(Default)]
struct CatalogueTexts {
    dictionaries: FastMap<&'static str, Dictionary>,
}

impl TextColumns for CatalogueTexts {
    fn texts(&self, column: &str) -> Option<Vec<&str>> {
        self.dictionaries.get(column).map(Dictionary::names)
    }
}

impl CatalogueScores {
    fn new(sources: &Sources) -> Result<CatalogueScores> {
        let mut years = BTreeMap::new();
        let catalogue = sources.catalogue;
        let absent = (!catalogue.is_given()).then_some(NaReason::NoCatalogueGiven);
        if absent.is_none() {
            for (year, services) in sources.catalogue_years {
                let units: BTreeSet<Option<String>> = std::iter::once(None)
                    .chain(services.keys().filter_map(|(_, u)| u.clone()).map(Some))
                    .collect();
                for unit in units {
                    // A unit's score counts that unit's rows only.
                    let services: BTreeMap<(String, Option<String>), &Procedure> = services
                        .iter()
                        .filter(|((_, u), _)| unit.is_none() || *u == unit)
                        .map(|(k, v)| (k.clone(), *v))
                        .collect();
                    let per_indicator = evaluate_all(sources, &services, unit.as_deref())?;
                    years.insert((*year, unit), per_indicator);
                }
            }
        }
        let mut any = AnyIndex::default();
        for ((ordinal, procedure, unit), values) in &sources.counts.any {
            any.entry((*ordinal, *procedure))
                .or_default()
                .push((*unit, values.clone()));
        }
        Ok(CatalogueScores {
            years,
            any,
            absent,
            no_units: catalogue.lacks(CatalogueField::Unit),
        })
    }

    fn score(
        &self,
        sources: &Sources,
        index: usize,
        period: PeriodKey,
        unit: Option<Option<u32>>,
    ) -> Result<Scored> {
        let units = sources.rows.dictionary(Field::Unit);
        let unit_text = unit.map(|u| u.and_then(|u| units.name(u)).unwrap_or(""));
        if let Some(reason) = &self.absent {
            return Ok(Scored::na(reason.clone()));
        }
        if unit.is_some() && self.no_units {
            return Ok(Scored::na(NaReason::NoCatalogueUnits));
        }
        let indicator = &sources.profile.indicators[index];
        let year = period.year();
        if !self.years.contains_key(&(year, None)) {
            return Ok(Scored::na(NaReason::NoCatalogue));
        }
        let key = (year, unit_text.map(String::from));
        let Some(Some(evaluated)) = self.years.get(&key).map(|y| y.get(index)) else {
            // A unit the catalogue lists nothing for: nothing to count.
            let indicator = &sources.profile.indicators[index];
            return Ok(Scored::ratio(indicator, 0, 0, None));
        };
        let Some(evaluated) = evaluated else {
            return Ok(Scored::na(NaReason::NoCatalogue));
        };
        if let Some(reason) = &evaluated.missing {
            return Ok(Scored::na(reason.clone()));
        }
        let Measure::Catalogue {
            count, numerator, ..
        } = &indicator.measure
        else {
            return Ok(Scored::na(NaReason::NoCatalogue));
        };
        let any = match numerator {
            CatalogueNumerator::Any(_) => sources
                .counter
                .spec
                .any
                .iter()
                .position(|(i, _)| *i == index),
            CatalogueNumerator::Row(_) => None,
        };
        let procedures = sources.rows.dictionary(Field::ProcedureCode);
        let ordinal = period.ordinal();
        let (mut num, mut den) = (0, 0);
        for (row, procedure) in evaluated.rows.iter().enumerate() {
            if !evaluated.population[row] {
                continue;
            }
            den += 1;
            let counted = match any {
                None => evaluated.numerator[row],
                Some(k) => {
                    let Some(code) = procedures.id(&procedure.code) else {
                        continue;
                    };
                    // The row's own unit, else the score's, else any unit.
                    let wanted = match procedure.unit.as_deref().or(unit_text) {
                        None => UnitFilter::Any,
                        Some("") => UnitFilter::Blank,
                        Some(text) => units.id(text).map_or(UnitFilter::Nowhere, UnitFilter::Key),
                    };
                    self.any.get(&(ordinal, code)).is_some_and(|per_unit| {
                        per_unit
                            .iter()
                            .any(|(u, values)| wanted.admits(*u) && values[k] > 0)
                    })
                }
            };
            if counted {
                num += 1;
            }
        }
        let need_of = match count {
            Count::Code => "procedures",
            Count::Row => "services",
        };
        Ok(Scored::ratio(indicator, num, den, Some(need_of)))
    }
}

/// Every catalogue indicator's rows of one year (and unit), evaluated.
fn evaluate_all(
    sources: &Sources,
    services: &BTreeMap<(String, Option<String>), &Procedure>,
    unit: Option<&str>,
) -> Result<Vec<Option<Evaluated>>> {
    let catalogue = sources.catalogue;
    let mut per_indicator = Vec::new();
    for indicator in &sources.profile.indicators {
        let Measure::Catalogue {
            count,
            population,
            numerator,
        } = &indicator.measure
        else {
            per_indicator.push(None);
            continue;
        };
        let rows: Vec<Procedure> = match count {
            Count::Row => services.values().map(|p| (*p).clone()).collect(),
            // A unit's procedures stay that unit's, for `any`.
            Count::Code => collapse(services)
                .into_iter()
                .map(|p| Procedure {
                    unit: unit.map(String::from),
                    ..p
                })
                .collect(),
        };
        let row_numerator = match numerator {
            CatalogueNumerator::Row(condition) => Some(&**condition),
            CatalogueNumerator::Any(_) => None,
        };
        let missing = [Some(&**population), row_numerator]
            .into_iter()
            .flatten()
            .flat_map(|c| c.names.iter())
            .find(|name| {
                // Without online_eligible every procedure is eligible (§4).
                **name != CatalogueField::OnlineEligible.name()
                    && CatalogueField::all()
                        .iter()
                        .any(|f| f.name() == **name && catalogue.lacks(*f))
            })
            .map(|name| NaReason::MissingCatalogueColumn(name));
        let (population, numerator) = evaluate(&rows, catalogue, population, row_numerator)?;
        per_indicator.push(Some(Evaluated {
            rows,
            population,
            numerator,
            missing,
        }));
    }
    Ok(per_indicator)
}

/// Which dossiers' units an `any` numerator looks at.
#[derive(Clone, Copy)]
enum UnitFilter {
    Any,
    /// Dossiers without a unit.
    Blank,
    Key(u32),
    /// A unit no dossier has.
    Nowhere,
}

impl UnitFilter {
    fn admits(self, unit: Option<u32>) -> bool {
        match self {
            UnitFilter::Any => true,
            UnitFilter::Blank => unit.is_none(),
            UnitFilter::Key(key) => unit == Some(key),
            UnitFilter::Nowhere => false,
        }
    }
}

/// A year's rows as one per code (DOMAIN.md §8 `count = code`).
fn collapse(services: &BTreeMap<(String, Option<String>), &Procedure>) -> Vec<Procedure> {
    let catalogue = Catalogue {
        rows: services.values().map(|p| (*p).clone()).collect(),
        ..Catalogue::default()
    };
    let (years, _) = catalogue.by_year(0);
    years
        .into_values()
        .flat_map(|codes| codes.into_values())
        .collect()
}

/// Evaluates a population and a numerator on catalogue rows with polars, through the same
/// condition language as the dossiers'.
fn evaluate(
    rows: &[Procedure],
    catalogue: &Catalogue,
    population: &Condition,
    numerator: Option<&Condition>,
) -> Result<(Vec<bool>, Vec<bool>)> {
    let mut texts = CatalogueTexts::default();
    let mut text_column = |name: &'static str, values: Vec<Option<&str>>| {
        let dictionary = texts.dictionaries.entry(name).or_default();
        let ids: Vec<Option<u32>> = values
            .into_iter()
            .map(|v| v.filter(|t| !t.is_empty()).map(|t| dictionary.intern(t)))
            .collect();
        Column::new(name.into(), ids)
    };
    let every_eligible = catalogue.lacks(CatalogueField::OnlineEligible);
    let columns = vec![
        text_column(
            CatalogueField::ProcedureCode.name(),
            rows.iter().map(|r| Some(r.code.as_str())).collect(),
        ),
        text_column(
            CatalogueField::ProcedureName.name(),
            rows.iter().map(|r| r.name.as_deref()).collect(),
        ),
        text_column(
            CatalogueField::Sector.name(),
            rows.iter().map(|_| None).collect(),
        ),
        text_column(
            CatalogueField::Unit.name(),
            rows.iter().map(|r| r.unit.as_deref()).collect(),
        ),
        Column::new(
            CatalogueField::ServiceLevel.name().into(),
            rows.iter()
                .map(|r| r.level.map(|l| i32::from(l.code())))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            CatalogueField::Year.name().into(),
            rows.iter().map(|r| r.year).collect::<Vec<_>>(),
        ),
        Column::new(
            CatalogueField::OnlineEligible.name().into(),
            rows.iter()
                .map(|r| every_eligible || r.online_eligible)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            CatalogueField::NationalPortal.name().into(),
            rows.iter().map(|r| r.national_portal).collect::<Vec<_>>(),
        ),
        Column::new(
            CatalogueField::ProvincialPortal.name().into(),
            rows.iter().map(|r| r.provincial_portal).collect::<Vec<_>>(),
        ),
        Column::new(
            CatalogueField::FeeBearing.name().into(),
            rows.iter().map(|r| r.fee_bearing).collect::<Vec<_>>(),
        ),
        Column::new(
            CatalogueField::OnlinePayment.name().into(),
            rows.iter().map(|r| r.online_payment).collect::<Vec<_>>(),
        ),
        Column::new(
            CatalogueField::ForIndividuals.name().into(),
            rows.iter().map(|r| r.for_individuals).collect::<Vec<_>>(),
        ),
    ];
    let frame = DataFrame::new(rows.len(), columns)?;
    let mut selected = vec![population.to_polars(&texts).alias("population")];
    selected.push(
        numerator
            .map_or(lit(false), |n| n.to_polars(&texts))
            .alias("numerator"),
    );
    let flags = frame.lazy().select(selected).collect()?;
    let bools = |name: &str| -> Result<Vec<bool>> {
        Ok(flags
            .column(name)?
            .bool()?
            .iter()
            .map(|b| b.unwrap_or(false))
            .collect())
    };
    Ok((bools("population")?, bools("numerator")?))
}
