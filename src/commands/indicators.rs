//! `cchc indicators`: every indicator of a run, built-in and custom, listed from the same
//! definitions the computation uses (the README's indicator table is this command's Markdown).

use anyhow::Result;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use serde::Serialize;

use super::write_stdout;
use crate::cli::{IndicatorsArgs, IndicatorsFormat};
use crate::exit::Outcome;
use crate::indicators::{Indicator, Measure};
use crate::model::RowTarget;
use crate::targets::{Target, Targets};

/// One indicator as listed.
#[derive(Debug, Serialize)]
struct Listed {
    id: &'static str,
    name_vi: &'static str,
    name_en: &'static str,
    source: &'static str,
    unit: &'static str,
    /// `received` or `end` for dossier indicators.
    period_by: Option<&'static str>,
    population: String,
    numerator: String,
    target: Option<ListedTarget>,
    custom: bool,
}

#[derive(Debug, Serialize)]
struct ListedTarget {
    #[serde(flatten)]
    bounds: RowTarget,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    min_by_year: std::collections::BTreeMap<i32, f64>,
}

fn listed(indicator: &Indicator, targets: &Targets) -> Listed {
    let (population, numerator) = match &indicator.measure {
        Measure::Ratio {
            population,
            numerator,
            ..
        } => (population.text().to_string(), numerator.text().to_string()),
        Measure::DistinctProcedures {
            population,
            numerator,
            ..
        } => (
            format!("distinct procedure_code where {}", population.text()),
            format!("of those, with a dossier where {}", numerator.text()),
        ),
        Measure::Growth { of } => (
            "—".to_string(),
            format!("this year's {of} minus last year's, in points"),
        ),
        Measure::Catalogue(measure) => {
            let (p, n) = measure.describe();
            (p.to_string(), n.to_string())
        }
        Measure::Facts => (
            "reported in --facts".to_string(),
            "reported in --facts".to_string(),
        ),
    };
    let target = targets.for_indicator(indicator.id).map(|t| match t {
        Target::Bounds {
            min,
            max,
            min_by_year,
        } => ListedTarget {
            bounds: RowTarget {
                min: *min,
                max: *max,
                ..RowTarget::default()
            },
            min_by_year: min_by_year.clone(),
        },
        Target::Growth {
            min_points,
            or_value,
        } => ListedTarget {
            bounds: RowTarget {
                min_points: Some(*min_points),
                or_value: *or_value,
                ..RowTarget::default()
            },
            min_by_year: Default::default(),
        },
    });
    Listed {
        id: indicator.id,
        name_vi: indicator.name_vi,
        name_en: indicator.name_en,
        source: indicator.source.id(),
        unit: indicator.unit.id(),
        period_by: indicator.basis().map(|b| b.id()),
        population,
        numerator,
        target,
        custom: indicator.custom,
    }
}

/// The target as a reader states it, in the indicator's unit.
fn target_text(listed: &Listed) -> String {
    let Some(target) = &listed.target else {
        return "—".to_string();
    };
    let percent = if listed.unit == "percent" { "%" } else { "" };
    let number = |v: f64| format!("{v}{percent}");
    if let Some(points) = target.bounds.min_points {
        return match target.bounds.or_value {
            Some(v) => format!("≥ +{points} points, or {v}%"),
            None => format!("≥ +{points} points"),
        };
    }
    let mut parts = Vec::new();
    if !target.min_by_year.is_empty() {
        let by_year: Vec<String> = target
            .min_by_year
            .iter()
            .map(|(year, v)| format!("{year}: {}", number(*v)))
            .collect();
        parts.push(format!("≥ {}", by_year.join(", ")));
    }
    if let Some(min) = target.bounds.min {
        parts.push(format!("≥ {}", number(min)));
    }
    if let Some(max) = target.bounds.max {
        parts.push(format!("≤ {}", number(max)));
    }
    parts.join("; ")
}

fn markdown(list: &[Listed], english: bool) -> String {
    let mut out = String::from(
        "| id | name | source | population (denominator) | numerator | period by | unit | target |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let cell = |text: &str| text.replace('|', "\\|");
    for l in list {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
            l.id,
            cell(if english { l.name_en } else { l.name_vi }),
            l.source,
            cell(&code_or_text(&l.population)),
            cell(&code_or_text(&l.numerator)),
            l.period_by.unwrap_or("year"),
            l.unit,
            cell(&target_text(l)),
        ));
    }
    out
}

/// Conditions are shown as code, prose as prose.
fn code_or_text(text: &str) -> String {
    for lead in [
        "distinct procedure_code where ",
        "of those, with a dossier where ",
    ] {
        if let Some(condition) = text.strip_prefix(lead) {
            return format!("{lead}`{condition}`");
        }
    }
    let prose = text.starts_with("procedures")
        || text.starts_with("reported")
        || text.starts_with("this year")
        || text.starts_with("with at least")
        || text.starts_with("fee_bearing procedures")
        || text == "—";
    if prose {
        text.to_string()
    } else {
        format!("`{text}`")
    }
}

/// One 766 indicator as listed.
#[derive(Debug, Serialize)]
struct Listed766 {
    code: String,
    name: String,
    name_en: String,
    group: String,
    source: &'static str,
    pmax: f64,
    /// `null`: linear.
    threshold: Option<f64>,
    population: String,
    numerator: String,
    /// Catalogue: `code` or `row`.
    count: Option<&'static str>,
    zero: &'static str,
}

/// `cchc indicators --i766`: the profile's groups and indicators.
fn list_766(args: &IndicatorsArgs) -> Result<String> {
    use crate::i766::profile::{CatalogueNumerator, Count, Measure, Profile, Zero};
    let profile = Profile::load(args.profile.as_deref())?;
    let english = args.lang.english();
    let list: Vec<Listed766> = profile
        .indicators
        .iter()
        .map(|i| {
            let (population, numerator, count) = match &i.measure {
                Measure::Dossiers {
                    population,
                    numerator,
                    ..
                } => (population.text.clone(), numerator.text.clone(), None),
                Measure::Catalogue {
                    count,
                    population,
                    numerator,
                } => (
                    population.text.clone(),
                    match numerator {
                        CatalogueNumerator::Row(c) => c.text.clone(),
                        CatalogueNumerator::Any(c) => format!("any {}", c.text),
                    },
                    Some(match count {
                        Count::Code => "code",
                        Count::Row => "row",
                    }),
                ),
                Measure::Facts => (
                    format!("--facts {}", i.facts_id()),
                    format!("--facts {}", i.facts_id()),
                    None,
                ),
            };
            Listed766 {
                code: i.code.clone(),
                name: i.name.clone(),
                name_en: i.name_en.clone(),
                group: profile.groups[i.group].code.clone(),
                source: i.source.id(),
                pmax: crate::i766::score::from_cents(i.pmax_cents),
                threshold: i.threshold.map(crate::i766::score::from_cents),
                population,
                numerator,
                count,
                zero: match i.zero {
                    Zero::Zero => "zero",
                    Zero::Full => "full",
                },
            }
        })
        .collect();
    let groups: Vec<String> = profile
        .groups
        .iter()
        .map(|g| {
            format!(
                "{} {} {}",
                g.code,
                if english { &g.name_en } else { &g.name },
                crate::i766::profile::points_text(g.max_cents)
            )
        })
        .collect();
    let threshold = |l: &Listed766| {
        l.threshold
            .map_or("linear".to_string(), |t| format!("{t}%"))
    };
    Ok(match args.format {
        IndicatorsFormat::Json => {
            let value = serde_json::json!({
                "profile": profile.id,
                "name": profile.name,
                "source": profile.source,
                "groups": profile.groups.iter().map(|g| serde_json::json!({
                    "code": g.code, "name": g.name, "name_en": g.name_en,
                    "max": crate::i766::score::from_cents(g.max_cents),
                })).collect::<Vec<_>>(),
                "sets": profile.sets.iter().map(|(n, t)| serde_json::json!({"name": n, "condition": t})).collect::<Vec<_>>(),
                "indicators": list,
            });
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        IndicatorsFormat::Markdown => {
            let mut out = format!(
                "{} ({}): {}\n\n| code | name | group | source | pmax | threshold | population | numerator |\n|---|---|---|---|---|---|---|---|\n",
                profile.id,
                profile.name,
                groups.join(" · ")
            );
            let cell = |text: &str| text.replace('|', "\\|");
            for l in &list {
                out.push_str(&format!(
                    "| {} | {} | {} | {}{} | {} | {} | `{}` | `{}` |\n",
                    l.code,
                    cell(if english { &l.name_en } else { &l.name }),
                    l.group,
                    l.source,
                    l.count.map(|c| format!(" ({c})")).unwrap_or_default(),
                    l.pmax,
                    threshold(l),
                    cell(&l.population),
                    cell(&l.numerator),
                ));
            }
            out
        }
        IndicatorsFormat::Table => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.force_no_tty();
            table.set_header([
                "code",
                "name",
                "group",
                "source",
                "pmax",
                "threshold",
                "population",
                "numerator",
            ]);
            for l in &list {
                table.add_row([
                    l.code.clone(),
                    (if english { &l.name_en } else { &l.name }).clone(),
                    l.group.clone(),
                    format!(
                        "{}{}",
                        l.source,
                        l.count.map(|c| format!(" ({c})")).unwrap_or_default()
                    ),
                    l.pmax.to_string(),
                    threshold(l),
                    l.population.clone(),
                    l.numerator.clone(),
                ]);
            }
            format!(
                "{} — {} ({})\n{}\n{table}\n",
                profile.id,
                profile.name,
                profile.source,
                groups.join(" · ")
            )
        }
    })
}

pub fn run(args: &IndicatorsArgs) -> Result<Outcome> {
    if args.i766 {
        write_stdout(list_766(args)?.as_bytes())?;
        return Ok(Outcome::TargetsMet);
    }
    let targets = match &args.targets {
        Some(path) => Targets::load(path)?,
        None => Targets::built_in()?,
    };
    let registry = targets.registry()?;
    let list: Vec<Listed> = registry.all().iter().map(|i| listed(i, &targets)).collect();
    let english = args.lang.english();
    let text = match args.format {
        IndicatorsFormat::Json => format!("{}\n", serde_json::to_string_pretty(&list)?),
        IndicatorsFormat::Markdown => markdown(&list, english),
        IndicatorsFormat::Table => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.force_no_tty();
            table.set_header([
                "id",
                if english { "name" } else { "tên" },
                "source",
                "population",
                "numerator",
                "period by",
                "unit",
                "target",
            ]);
            for l in &list {
                table.add_row([
                    l.id.to_string(),
                    (if english { l.name_en } else { l.name_vi }).to_string(),
                    l.source.to_string(),
                    l.population.clone(),
                    l.numerator.clone(),
                    l.period_by.unwrap_or("year").to_string(),
                    l.unit.to_string(),
                    target_text(l),
                ]);
            }
            format!("{table}\n")
        }
    };
    write_stdout(text.as_bytes())?;
    Ok(Outcome::TargetsMet)
}
