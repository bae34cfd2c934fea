//! The targets file: plan thresholds per indicator, custom indicators (DOMAIN.md §6), and the
//! `[columns]` and `[values]` tables, read into typed, validated values before any data is
//! read. Every mistake names the file, the key and the line.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;
use toml::Spanned;

use crate::condition::Scope;
use crate::dossier::Field;
use crate::indicators::{Basis, Indicator, Measure, Need, Registry, RowFilter};
use crate::input::values::Spellings;
use crate::model::{RowTarget, Source, Unit};

/// The plan's targets, shipped in the repository and built into the binary.
pub const BUILT_IN: &str = include_str!("../targets.toml");

/// What an indicator is held to, in its unit (percent, count or rank). Bounds are inclusive.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// At least `min` and/or at most `max`; `min_by_year` overrides `min` for the years it names.
    Bounds {
        min: Option<f64>,
        max: Option<f64>,
        min_by_year: BTreeMap<i32, f64>,
    },
    /// The growth row: at least `min_points` more than the previous year, or already at
    /// `or_value` percent.
    Growth {
        min_points: f64,
        or_value: Option<f64>,
    },
}

impl Target {
    /// The lower threshold that applies in `year`, if any.
    pub fn min_for_year(&self, year: i32) -> Option<f64> {
        match self {
            Target::Bounds {
                min, min_by_year, ..
            } => min_by_year.get(&year).copied().or(*min),
            Target::Growth { .. } => None,
        }
    }

    /// The thresholds that apply in `year`, as a result row states them; `None` when none does
    /// (the row is then information only).
    pub fn for_year(&self, year: i32) -> Option<RowTarget> {
        match self {
            Target::Bounds { max, .. } => {
                let min = self.min_for_year(year);
                (min.is_some() || max.is_some()).then_some(RowTarget {
                    min,
                    max: *max,
                    ..RowTarget::default()
                })
            }
            Target::Growth {
                min_points,
                or_value,
            } => Some(RowTarget {
                min_points: Some(*min_points),
                or_value: *or_value,
                ..RowTarget::default()
            }),
        }
    }
}

/// The whole targets file, validated.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Where the targets came from: a path, or `built-in`.
    pub source: String,
    pub by_indicator: BTreeMap<String, Target>,
    /// `[indicators.<id>]`: the analyst's own indicators.
    pub custom: Vec<Indicator>,
    /// `[columns]`: extra header names for canonical fields.
    pub columns: Vec<(Field, String)>,
    /// `[values.<field>]`: extra spellings of vocabulary values.
    pub spellings: Spellings,
    /// SHA-256 of the file's text, for provenance.
    pub sha256: String,
}

impl Targets {
    pub fn built_in() -> Result<Targets> {
        parse(BUILT_IN, "built-in")
    }

    pub fn load(path: &Path) -> Result<Targets> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the targets file {}", path.display()))?;
        parse(&text, &path.display().to_string())
    }

    pub fn for_indicator(&self, id: &str) -> Option<&Target> {
        self.by_indicator.get(id)
    }

    /// Every indicator of this run: the built-ins and the custom ones.
    pub fn registry(&self) -> Result<Registry> {
        Registry::new(self.custom.clone())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    targets: BTreeMap<Spanned<String>, Spanned<RawTarget>>,
    #[serde(default)]
    indicators: BTreeMap<Spanned<String>, Spanned<RawIndicator>>,
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, OneOrMany>,
    #[serde(default)]
    values: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, OneOrMany>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    min: Option<Spanned<f64>>,
    max: Option<Spanned<f64>>,
    min_by_year: Option<Spanned<BTreeMap<Spanned<String>, Spanned<f64>>>>,
    min_points: Option<Spanned<f64>>,
    or_value: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    name: Option<Spanned<String>>,
    name_en: Option<Spanned<String>>,
    source: Option<Spanned<String>>,
    unit: Option<Spanned<String>>,
    population: Option<Spanned<String>>,
    numerator: Option<Spanned<String>>,
    period_by: Option<Spanned<String>>,
    min: Option<Spanned<f64>>,
    max: Option<Spanned<f64>>,
    min_by_year: Option<Spanned<BTreeMap<Spanned<String>, Spanned<f64>>>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

/// Says where in the file a mistake is.
struct Place<'a> {
    text: &'a str,
    source: &'a str,
}

impl Place<'_> {
    fn error(&self, span: std::ops::Range<usize>, message: String) -> anyhow::Error {
        anyhow::anyhow!(
            "{}, line {}: {message}",
            self.source,
            line_of(self.text, span.start)
        )
    }
}

/// Parses and validates a targets file's text; `source` names it in messages.
pub fn parse(text: &str, source: &str) -> Result<Targets> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        let message = e.message().trim_end();
        match line {
            Some(line) => anyhow::anyhow!("{source}, line {line}: {message}"),
            None => anyhow::anyhow!("{source}: {message}"),
        }
    })?;
    let place = Place { text, source };
    let built_in = crate::indicators::built_in()?;
    let mut by_indicator = BTreeMap::new();
    let mut custom = Vec::new();
    for (id, definition) in raw.indicators {
        let (indicator, target) = parse_indicator(&place, &id, definition, &built_in)?;
        if let Some(target) = target {
            by_indicator.insert(indicator.id.to_string(), target);
        }
        custom.push(indicator);
    }
    for (id, target) in raw.targets {
        let indicator = custom
            .iter()
            .chain(built_in.iter())
            .find(|i| i.id == id.get_ref());
        let Some(indicator) = indicator else {
            let known: Vec<&str> = built_in.iter().chain(custom.iter()).map(|i| i.id).collect();
            let hint = crate::text::nearest(id.get_ref(), &known)
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            return Err(place.error(
                id.span(),
                format!(
                    "unknown indicator `{}` in [targets]; {hint}the indicators are: {}",
                    id.get_ref(),
                    known.join(", ")
                ),
            ));
        };
        if indicator.custom && by_indicator.contains_key(indicator.id) {
            return Err(place.error(
                id.span(),
                format!(
                    "`{0}` has a target twice: in [targets.{0}] and inline in [indicators.{0}]; keep one",
                    indicator.id
                ),
            ));
        }
        let span = target.span();
        let key = format!("targets.{}", indicator.id);
        if let Some(validated) = parse_target(&place, &key, span, target.into_inner(), indicator)? {
            by_indicator.insert(indicator.id.to_string(), validated);
        }
    }

    let mut columns = Vec::new();
    for (name, headers) in raw.columns {
        let Some(field) = Field::from_name(name.get_ref()) else {
            return Err(place.error(
                name.span(),
                format!(
                    "unknown field `{}` in [columns]; the fields are: {}",
                    name.get_ref(),
                    Field::ALL
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        for header in headers.into_vec() {
            if header.trim().is_empty() {
                return Err(place.error(
                    name.span(),
                    format!("`columns.{field}` has an empty header name"),
                ));
            }
            columns.push((field, header));
        }
    }

    let mut spellings = Spellings::default();
    for (name, meanings) in raw.values {
        let Some(field) = Field::from_name(name.get_ref()) else {
            return Err(place.error(
                name.span(),
                format!("unknown field `{}` in [values]", name.get_ref()),
            ));
        };
        for (meaning, words) in meanings {
            for word in words.into_vec() {
                spellings
                    .add(field, meaning.get_ref(), &word)
                    .map_err(|m| {
                        place.error(
                            meaning.span(),
                            format!("`values.{field}.{}`: {m}", meaning.get_ref()),
                        )
                    })?;
            }
        }
    }

    let digest = <sha2::Sha256 as sha2::Digest>::digest(text.as_bytes());
    Ok(Targets {
        source: source.to_string(),
        by_indicator,
        custom,
        columns,
        spellings,
        sha256: crate::input::source::hex(&digest),
    })
}

/// Validates one `[targets.<id>]` table (or the inline thresholds of a custom indicator) in the
/// indicator's unit. `None`: listed without thresholds, so information only.
fn parse_target(
    place: &Place,
    key: &str,
    span: std::ops::Range<usize>,
    target: RawTarget,
    indicator: &Indicator,
) -> Result<Option<Target>> {
    let in_unit = |value: &Spanned<f64>, name: &str| -> Result<f64> {
        let v = *value.get_ref();
        let ok = match indicator.unit {
            Unit::Percent => (0.0..=100.0).contains(&v),
            Unit::Points => (-100.0..=100.0).contains(&v),
            Unit::Count | Unit::Rank => v >= 0.0 && v.is_finite(),
        };
        if ok {
            return Ok(v);
        }
        let expected = match indicator.unit {
            Unit::Percent => "is not a percentage: expected a number from 0 to 100",
            Unit::Points => "is outside -100 to 100 points",
            Unit::Count => "is not a count: expected a number of 0 or more",
            Unit::Rank => "is not a rank: expected a number of 0 or more",
        };
        Err(place.error(value.span(), format!("`{key}.{name}` = {v} {expected}")))
    };
    if let Measure::Growth { .. } = indicator.measure {
        let misplaced = [
            (target.min.as_ref().map(|m| m.span()), "min"),
            (target.max.as_ref().map(|m| m.span()), "max"),
            (target.min_by_year.as_ref().map(|m| m.span()), "min_by_year"),
        ];
        if let Some((Some(at), name)) = misplaced.into_iter().find(|(at, _)| at.is_some()) {
            return Err(place.error(
                at,
                format!(
                    "`{key}.{name}` does not apply to the growth row: use min_points and or_value"
                ),
            ));
        }
        let Some(points) = target.min_points else {
            return Err(place.error(
                span,
                format!("`{key}.min_points` is missing: the growth row needs min_points (percentage points)"),
            ));
        };
        let min_points = in_unit(&points, "min_points")?;
        let or_value = match &target.or_value {
            Some(v) if (0.0..=100.0).contains(v.get_ref()) => Some(*v.get_ref()),
            Some(v) => {
                return Err(place.error(
                    v.span(),
                    format!(
                    "`{key}.or_value` = {} is not a percentage: expected a number from 0 to 100",
                    v.get_ref()
                ),
                ))
            }
            None => None,
        };
        return Ok(Some(Target::Growth {
            min_points,
            or_value,
        }));
    }
    for (present, name) in [
        (target.min_points.as_ref().map(|m| m.span()), "min_points"),
        (target.or_value.as_ref().map(|m| m.span()), "or_value"),
    ] {
        if let Some(at) = present {
            return Err(place.error(
                at,
                format!("`{key}.{name}` applies only to digitized_results_growth: use min, max or min_by_year"),
            ));
        }
    }
    let min = target.min.as_ref().map(|m| in_unit(m, "min")).transpose()?;
    let max = target.max.as_ref().map(|m| in_unit(m, "max")).transpose()?;
    if let (Some(low), Some(high), Some(at)) = (min, max, target.max.as_ref()) {
        if low > high {
            return Err(place.error(
                at.span(),
                format!("`{key}.max` = {high} is below `{key}.min` = {low}: no value could pass"),
            ));
        }
    }
    let mut min_by_year = BTreeMap::new();
    for (year, value) in target.min_by_year.iter().flat_map(|m| m.get_ref()) {
        let parsed = year
            .get_ref()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y));
        let Some(parsed) = parsed else {
            return Err(place.error(
                year.span(),
                format!(
                    "`{key}.min_by_year` has the key \"{}\", which is not a year from 2000 to 2100",
                    year.get_ref()
                ),
            ));
        };
        min_by_year.insert(parsed, in_unit(value, &format!("min_by_year.{parsed}"))?);
    }
    // An indicator listed without thresholds is information only, like on_time.
    Ok(
        (min.is_some() || max.is_some() || !min_by_year.is_empty()).then_some(Target::Bounds {
            min,
            max,
            min_by_year,
        }),
    )
}

/// Validates one `[indicators.<id>]` table (DOMAIN.md §6).
fn parse_indicator(
    place: &Place,
    id: &Spanned<String>,
    definition: Spanned<RawIndicator>,
    built_in: &[Indicator],
) -> Result<(Indicator, Option<Target>)> {
    let name_of_id = id.get_ref();
    let key = |name: &str| format!("indicators.{name_of_id}.{name}");
    let valid_id = !name_of_id.is_empty()
        && name_of_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_id {
        return Err(place.error(
            id.span(),
            format!("`indicators.{name_of_id}`: an indicator id is lowercase letters, digits and _ (e.g. full_online_share)"),
        ));
    }
    let span = definition.span();
    let raw = definition.into_inner();
    let text = |value: &Option<Spanned<String>>| value.as_ref().map(|v| v.get_ref().clone());
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let replaced = built_in.iter().find(|i| i.id == name_of_id);
    if replaced.is_some_and(|i| matches!(i.measure, Measure::Growth { .. })) {
        return Err(place.error(
            id.span(),
            format!("`indicators.{name_of_id}`: the growth row always follows digitized_results; redefine digitized_results instead"),
        ));
    }
    let source = match raw.source.as_ref().map(|s| s.get_ref().as_str()) {
        None | Some("dossiers") => Source::Dossiers,
        Some("facts") => Source::Facts,
        Some(other) => {
            return Err(place.error(
                raw.source.as_ref().map_or(span.clone(), |s| s.span()),
                format!(
                    "`{}` = \"{other}\": expected \"dossiers\" or \"facts\"",
                    key("source")
                ),
            ))
        }
    };
    let unit = match raw.unit.as_ref().map(|s| s.get_ref().as_str()) {
        None | Some("percent") => Unit::Percent,
        Some("count") if source == Source::Facts => Unit::Count,
        Some("rank") if source == Source::Facts => Unit::Rank,
        Some(other) => {
            let at = raw.unit.as_ref().map_or(span.clone(), |s| s.span());
            let expected = if source == Source::Facts {
                "expected \"percent\", \"count\" or \"rank\""
            } else {
                "a dossier indicator is a percentage; count and rank are for source = \"facts\""
            };
            return Err(place.error(at, format!("`{}` = \"{other}\": {expected}", key("unit"))));
        }
    };
    let name_vi = text(&raw.name)
        .or_else(|| replaced.map(|i| i.name_vi.to_string()))
        .unwrap_or_else(|| name_of_id.clone());
    let name_en = text(&raw.name_en).unwrap_or_else(|| name_vi.clone());
    let measure = match source {
        Source::Facts => {
            for (present, name) in [
                (&raw.population, "population"),
                (&raw.numerator, "numerator"),
                (&raw.period_by, "period_by"),
            ] {
                if let Some(value) = present {
                    return Err(place.error(
                        value.span(),
                        format!("`{}` applies to dossier indicators; a facts indicator takes its figures from --facts", key(name)),
                    ));
                }
            }
            Measure::Facts
        }
        _ => {
            let scope = Scope::dossier();
            let condition = |value: &Option<Spanned<String>>, name: &str, default: Option<&str>| {
                let (text, at) = match value {
                    Some(v) => (v.get_ref().as_str(), v.span()),
                    None => match default {
                        Some(d) => (d, span.clone()),
                        None => {
                            return Err(place.error(
                                span.clone(),
                                format!("`{}` is missing: say which dossiers count, e.g. numerator = \"channel = 'online' AND service_level = 4\"", key(name)),
                            ))
                        }
                    },
                };
                RowFilter::parse(text, &scope)
                    .map_err(|e| place.error(at.clone(), format!("`{}`: {e}", key(name))))
            };
            let population = condition(&raw.population, "population", Some("accepted"))?;
            let numerator = condition(&raw.numerator, "numerator", None)?;
            let basis = match raw.period_by.as_ref().map(|s| s.get_ref().as_str()) {
                None | Some("received") => Basis::Received,
                Some("end") => Basis::End,
                Some(other) => {
                    return Err(place.error(
                        raw.period_by.as_ref().map_or(span.clone(), |s| s.span()),
                        format!(
                            "`{}` = \"{other}\": expected \"received\" or \"end\"",
                            key("period_by")
                        ),
                    ))
                }
            };
            Measure::Ratio {
                basis,
                population,
                numerator,
            }
        }
    };
    let mut indicator = Indicator {
        id: leak(name_of_id.clone()),
        name_vi: leak(name_vi),
        name_en: leak(name_en),
        source,
        unit,
        measure,
        needs: Vec::new(),
        custom: true,
        counts_missing_due: false,
    };
    indicator.needs = custom_needs(&indicator);
    let inline = RawTarget {
        min: raw.min,
        max: raw.max,
        min_by_year: raw.min_by_year,
        ..RawTarget::default()
    };
    let target = parse_target(
        place,
        &format!("indicators.{name_of_id}"),
        span,
        inline,
        &indicator,
    )?;
    Ok((indicator, target))
}

/// The input columns a custom dossier indicator cannot do without: every field its conditions
/// name (DOMAIN.md §6: a condition on a missing column makes it `na`), and an end date when its
/// periods are by end date.
fn custom_needs(indicator: &Indicator) -> Vec<Need> {
    let mut needs = Vec::new();
    let end_date = Need::AnyOf(vec![Field::FinishedAt, Field::ReturnedAt]);
    let names = indicator.condition_names();
    // In the dossier table's order, so that the first missing column a reason names is stable.
    // `accepted` and `finished` are defined without their columns (DOMAIN.md §2): every row
    // accepted; finished by end date.
    let fields = Field::ALL
        .iter()
        .filter(|f| names.contains(f.name()) && !f.is_required())
        .map(|f| Need::Field(*f));
    let end = names
        .contains(crate::dossier::END_AT)
        .then(|| end_date.clone());
    for need in fields.chain(end) {
        if !needs.contains(&need) {
            needs.push(need);
        }
    }
    if indicator.basis() == Some(Basis::End) && !needs.contains(&end_date) {
        needs.push(end_date);
    }
    needs
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_targets_are_the_plans() {
        let targets = Targets::built_in().unwrap();
        let min =
            |id: &str, year: i32| targets.for_indicator(id).and_then(|t| t.min_for_year(year));
        assert_eq!(min("online_share", 2024), Some(50.0));
        assert_eq!(min("online_payment_rate", 2024), Some(30.0));
        assert_eq!(min("online_payment_procedures", 2024), Some(80.0));
        assert_eq!(min("digitized_results", 2021), Some(30.0));
        assert_eq!(min("digitized_results", 2022), Some(50.0));
        assert_eq!(min("digitized_results", 2023), Some(70.0));
        assert_eq!(min("digitized_results", 2024), Some(90.0));
        assert_eq!(min("digitized_results", 2025), Some(100.0));
        assert_eq!(min("electronic_transfer", 2024), Some(80.0));
        assert_eq!(min("data_reuse", 2024), Some(80.0));
        assert_eq!(min("e_authenticated", 2024), Some(100.0));
        assert_eq!(min("satisfaction", 2024), Some(90.0));
        assert_eq!(targets.for_indicator("on_time"), None);
        assert_eq!(
            targets.for_indicator("digitized_results_growth"),
            Some(&Target::Growth {
                min_points: 20.0,
                or_value: Some(100.0)
            })
        );
    }

    fn error_of(text: &str) -> String {
        format!("{:#}", parse(text, "my.toml").unwrap_err())
    }

    #[test]
    fn mistakes_name_the_file_key_and_line() {
        let cases = [
            (
                "[targets.online_share]\nmin = 150\n",
                "my.toml, line 2",
                "targets.online_share.min",
            ),
            (
                "[targets.onlin_share]\nmin = 50\n",
                "my.toml, line 1",
                "unknown indicator `onlin_share`",
            ),
            (
                "[targets.online_share]\nmn = 50\n",
                "my.toml, line 2",
                "unknown field `mn`",
            ),
            (
                "[target.online_share]\nmin = 50\n",
                "my.toml, line 1",
                "unknown field `target`",
            ),
            (
                "[targets.data_reuse]\nmin = -1\n",
                "my.toml, line 2",
                "not a percentage",
            ),
            (
                "\n[targets.digitized_results]\nmin_by_year = { \"20x4\" = 90 }\n",
                "my.toml, line 3",
                "not a year",
            ),
            (
                "[targets.digitized_results_growth]\nmin = 20\n",
                "my.toml, line 2",
                "does not apply to the growth row",
            ),
            (
                "[targets.online_share]\nmin_points = 20\n",
                "my.toml, line 2",
                "applies only to digitized_results_growth",
            ),
            (
                "[columns]\ndosier_id = \"Mã\"\n",
                "my.toml, line 2",
                "unknown field `dosier_id`",
            ),
            (
                "[targets.online_share]\nmin = \"50%\"\n",
                "my.toml, line 2",
                "invalid type",
            ),
        ];
        for (text, place, what) in cases {
            let message = error_of(text);
            assert!(message.contains(place), "{text:?} gave {message}");
            assert!(message.contains(what), "{text:?} gave {message}");
        }
    }

    #[test]
    fn columns_take_one_name_or_a_list() {
        let targets = parse(
            "[columns]\ndossier_id = \"Mã biên nhận\"\nunit = [\"Phòng\", \"Bộ phận\"]\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(
            targets.columns,
            vec![
                (Field::DossierId, "Mã biên nhận".to_string()),
                (Field::Unit, "Phòng".to_string()),
                (Field::Unit, "Bộ phận".to_string()),
            ]
        );
        assert!(targets.by_indicator.is_empty());
    }
}
