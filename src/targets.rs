//! The targets file: plan thresholds per indicator and the `[columns]` header overrides, read
//! into typed, validated values before any data is read. Every mistake names the file, the key
//! and the line.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;
use toml::Spanned;

use crate::indicators::{self, Measure};
use crate::input::values::Spellings;
use crate::input::Field;
use crate::report::model::RowTarget;

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
    pub by_indicator: BTreeMap<&'static str, Target>,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    targets: BTreeMap<Spanned<String>, Spanned<RawTarget>>,
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, OneOrMany>,
    #[serde(default)]
    values: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, OneOrMany>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    min: Option<Spanned<f64>>,
    min_by_year: Option<BTreeMap<Spanned<String>, Spanned<f64>>>,
    min_points: Option<Spanned<f64>>,
    or_value: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
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
    let error = |span: std::ops::Range<usize>, message: String| {
        anyhow::anyhow!("{source}, line {}: {message}", line_of(text, span.start))
    };

    let mut by_indicator = BTreeMap::new();
    for (id, target) in raw.targets {
        let Some(indicator) = indicators::find(id.get_ref()) else {
            return Err(error(
                id.span(),
                format!(
                    "unknown indicator `{}` in [targets]; the indicators are: {}",
                    id.get_ref(),
                    indicators::ids().collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        let key = |name: &str| format!("targets.{}.{name}", indicator.id);
        let span = target.span();
        let target = target.into_inner();
        let percent = |value: &Spanned<f64>, name: &str| -> Result<f64> {
            let v = *value.get_ref();
            if !(0.0..=100.0).contains(&v) {
                return Err(error(
                    value.span(),
                    format!(
                        "`{}` = {v} is not a percentage: expected a number from 0 to 100",
                        key(name)
                    ),
                ));
            }
            Ok(v)
        };
        let validated = match indicator.measure {
            Measure::Growth { .. } => {
                for (present, name) in [
                    (target.min.as_ref().map(|m| m.span()), "min"),
                    (
                        target.min_by_year.as_ref().map(|_| span.clone()),
                        "min_by_year",
                    ),
                ] {
                    if let Some(at) = present {
                        return Err(error(
                            at,
                            format!("`{}` does not apply to the growth row: use min_points and or_value", key(name)),
                        ));
                    }
                }
                let Some(points) = target.min_points else {
                    return Err(error(
                        span,
                        format!(
                            "`{}` is missing: the growth row needs min_points (percentage points)",
                            key("min_points")
                        ),
                    ));
                };
                let min_points = *points.get_ref();
                if !(-100.0..=100.0).contains(&min_points) {
                    return Err(error(
                        points.span(),
                        format!(
                            "`{}` = {min_points} is outside -100 to 100 points",
                            key("min_points")
                        ),
                    ));
                }
                let or_value = target
                    .or_value
                    .as_ref()
                    .map(|v| percent(v, "or_value"))
                    .transpose()?;
                Some(Target::Growth {
                    min_points,
                    or_value,
                })
            }
            _ => {
                for (present, name) in [
                    (target.min_points.as_ref().map(|m| m.span()), "min_points"),
                    (target.or_value.as_ref().map(|m| m.span()), "or_value"),
                ] {
                    if let Some(at) = present {
                        return Err(error(
                            at,
                            format!("`{}` applies only to digitized_results_growth: use min or min_by_year", key(name)),
                        ));
                    }
                }
                let min = target.min.as_ref().map(|m| percent(m, "min")).transpose()?;
                let mut by_year = BTreeMap::new();
                for (year, value) in target.min_by_year.iter().flatten() {
                    let parsed = year
                        .get_ref()
                        .parse::<i32>()
                        .ok()
                        .filter(|y| (2000..=2100).contains(y));
                    let Some(parsed) = parsed else {
                        return Err(error(
                            year.span(),
                            format!(
                                "`{}` has the key \"{}\", which is not a year from 2000 to 2100",
                                key("min_by_year"),
                                year.get_ref()
                            ),
                        ));
                    };
                    by_year.insert(parsed, percent(value, &format!("min_by_year.{parsed}"))?);
                }
                // An indicator listed without thresholds is information only, like on_time.
                (min.is_some() || !by_year.is_empty()).then_some(Target::Bounds {
                    min,
                    max: None,
                    min_by_year: by_year,
                })
            }
        };
        if let Some(validated) = validated {
            by_indicator.insert(indicator.id, validated);
        }
    }

    let mut columns = Vec::new();
    for (name, headers) in raw.columns {
        let Some(field) = Field::from_name(name.get_ref()) else {
            return Err(error(
                name.span(),
                format!(
                    "unknown field `{}` in [columns]; the fields are: {}",
                    name.get_ref(),
                    Field::ALL.map(Field::name).join(", ")
                ),
            ));
        };
        let headers = match headers {
            OneOrMany::One(h) => vec![h],
            OneOrMany::Many(hs) => hs,
        };
        for header in headers {
            if header.trim().is_empty() {
                return Err(error(
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
            return Err(error(
                name.span(),
                format!("unknown field `{}` in [values]", name.get_ref()),
            ));
        };
        for (meaning, words) in meanings {
            let words = match words {
                OneOrMany::One(w) => vec![w],
                OneOrMany::Many(ws) => ws,
            };
            for word in words {
                spellings
                    .add(field, meaning.get_ref(), &word)
                    .map_err(|m| {
                        error(
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
        columns,
        spellings,
        sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
    })
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
