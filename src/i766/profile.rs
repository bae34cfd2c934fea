//! 766 profiles (DOMAIN.md §8): the groups, sets and indicators of a scoring as data, read from
//! TOML and checked before any data is read. Every mistake names the file, the key and the line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;
use toml::Spanned;

use crate::condition::{Condition, ConditionError, Scope, SqlKind};
use crate::dossier::{self, Field};
use crate::input::catalogue::CatalogueField;
use crate::input::columns::SchemaField;
use crate::model::Source;

/// The profiles built into cchc: `(id, TOML text)`; the first is the default.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("dvcqg-2026", include_str!("../../profiles/dvcqg-2026.toml")),
    ("qd766-2022", include_str!("../../profiles/qd766-2022.toml")),
];

/// A group of indicators and its maximum.
#[derive(Debug, Clone)]
pub struct Group {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// In hundredths of a point.
    pub max_cents: i64,
}

/// What a denominator of 0 scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zero {
    /// No points (the portal shows no value).
    Zero,
    /// Full points: nothing to handle is nothing handled late (5.2, 5.3 without feedback).
    Full,
}

/// How a catalogue indicator counts (DOMAIN.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Procedures: a code's rows of the year as one.
    Code,
    /// Rows: each online service (a code as one unit provides it) on its own.
    Row,
}

/// A catalogue indicator's numerator.
#[derive(Debug, Clone)]
pub enum CatalogueNumerator {
    /// A condition on the catalogue's columns.
    Row(Box<Condition>),
    /// `any <condition>`: at least one dossier of the procedure (and of the row's unit, if it
    /// has one) satisfies this dossier condition in the period.
    Any(Box<Condition>),
}

/// How an indicator's numerator and denominator are found.
#[derive(Debug, Clone)]
pub enum Measure {
    /// Dossiers in the period (conditions over the 766 scope).
    Dossiers {
        population: Box<Condition>,
        numerator: Box<Condition>,
        /// Counted beside the ratio: the dossiers it leaves out (2.1 and 5.4: no due date).
        missing_due: Option<Box<Condition>>,
    },
    Catalogue {
        count: Count,
        population: Box<Condition>,
        numerator: CatalogueNumerator,
    },
    /// A figure of `--facts`: `i766_<code>` (a ratio or a percentage), or its points
    /// (`i766_<code>_points`).
    Facts,
}

/// One indicator of a profile.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// Its group's position in [`Profile::groups`].
    pub group: usize,
    pub source: Source,
    /// In hundredths of a point.
    pub pmax_cents: i64,
    /// The percentage for full points, in hundredths; `None`: linear (100%).
    pub threshold: Option<i64>,
    pub zero: Zero,
    pub measure: Measure,
}

impl Indicator {
    /// The facts id of its figure (`i766_1_1`).
    pub fn facts_id(&self) -> String {
        facts_id(&self.code)
    }

    /// The facts id of its points (`i766_1_1_points`).
    pub fn points_id(&self) -> String {
        format!("{}_points", self.facts_id())
    }
}

/// `i766_` and the code with its dots as underscores, lowercased.
pub fn facts_id(code: &str) -> String {
    format!("i766_{}", code.replace('.', "_").to_lowercase())
}

/// A whole profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: String,
    pub name: String,
    /// The file it came from, or `built-in`.
    pub source: String,
    pub groups: Vec<Group>,
    pub indicators: Vec<Indicator>,
    /// The sets, by name, as written (engine SQL embeds them unchanged), in an order where each
    /// only names those before it.
    pub sets: Vec<(String, String)>,
}

impl Profile {
    /// A built-in profile by id, or a profile file.
    pub fn load(choice: Option<&str>) -> Result<Profile> {
        match choice {
            None => Profile::built_in(BUILT_IN[0].0),
            Some(id) if BUILT_IN.iter().any(|(known, _)| *known == id) => Profile::built_in(id),
            Some(path) => {
                let text = std::fs::read_to_string(Path::new(path)).with_context(|| {
                    let ids: Vec<&str> = BUILT_IN.iter().map(|(id, _)| *id).collect();
                    format!(
                        "cannot read the 766 profile {path}: give a file or one of the built-in profiles ({})",
                        ids.join(", ")
                    )
                })?;
                parse(&text, path)
            }
        }
    }

    pub fn built_in(id: &str) -> Result<Profile> {
        let (_, text) = BUILT_IN
            .iter()
            .find(|(known, _)| *known == id)
            .with_context(|| format!("no built-in 766 profile {id}"))?;
        parse(text, "built-in")
    }

    /// The dossier fields its conditions read.
    pub fn fields_read(&self) -> dossier::FieldSet {
        let mut fields = dossier::FieldSet::default();
        for indicator in &self.indicators {
            let conditions: Vec<&Condition> = match &indicator.measure {
                Measure::Dossiers {
                    population,
                    numerator,
                    missing_due,
                } => [Some(population), Some(numerator), missing_due.as_ref()]
                    .into_iter()
                    .flatten()
                    .map(|c| &**c)
                    .collect(),
                Measure::Catalogue {
                    numerator: CatalogueNumerator::Any(any),
                    ..
                } => vec![&**any],
                _ => Vec::new(),
            };
            for condition in conditions {
                fields = fields.union(condition.fields().collect());
            }
        }
        fields
    }

    /// The facts ids its figures come as: each facts indicator's ratio, and every indicator's
    /// points.
    pub fn facts_ids(&self) -> BTreeMap<String, (usize, bool)> {
        let mut ids = BTreeMap::new();
        for (index, indicator) in self.indicators.iter().enumerate() {
            if indicator.source == Source::Facts {
                ids.insert(indicator.facts_id(), (index, false));
            }
            ids.insert(indicator.points_id(), (index, true));
        }
        ids
    }
}

/// The 766 scope of dossier conditions: DOMAIN.md §6's, plus `ended`, the period's
/// `period_start` and `cutoff`.
pub fn dossier_scope() -> Result<Scope, ConditionError> {
    Scope::dossier()
        .with_condition("ended", &dossier::ended_condition())
        .map(|scope| {
            scope
                .with_column(PERIOD_START, SqlKind::Date)
                .with_column(CUTOFF, SqlKind::Date)
        })
}

/// The columns of the expanded frame: each dossier's period's first day and cutoff.
pub const PERIOD_START: &str = "period_start";
pub const CUTOFF: &str = "cutoff";

/// The scope of catalogue conditions: DOMAIN.md §4's fields (and §8's `unit`,
/// `for_individuals`).
pub fn catalogue_scope() -> Scope {
    let mut scope = Scope::default();
    for &field in CatalogueField::all() {
        let kind = match field {
            CatalogueField::ProcedureCode
            | CatalogueField::ProcedureName
            | CatalogueField::Sector
            | CatalogueField::Unit => SqlKind::Text,
            CatalogueField::ServiceLevel | CatalogueField::Year => SqlKind::Int,
            _ => SqlKind::Bool,
        };
        scope = scope.with_column(field.name(), kind);
    }
    scope
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    id: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
    #[serde(default)]
    sets: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    indicator: BTreeMap<Spanned<String>, Spanned<RawIndicator>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    code: Spanned<String>,
    name: Spanned<String>,
    name_en: Option<Spanned<String>>,
    max: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    name: Spanned<String>,
    name_en: Option<Spanned<String>>,
    group: Spanned<String>,
    source: Spanned<String>,
    pmax: Spanned<f64>,
    threshold: Option<Spanned<f64>>,
    population: Option<Spanned<String>>,
    numerator: Option<Spanned<String>>,
    count: Option<Spanned<String>>,
    zero: Option<Spanned<String>>,
    missing_due: Option<Spanned<String>>,
}

/// Says where in the file a mistake is.
struct Place<'a> {
    text: &'a str,
    source: &'a str,
}

impl Place<'_> {
    fn error(&self, span: std::ops::Range<usize>, message: String) -> anyhow::Error {
        let line = self
            .text
            .get(..span.start)
            .unwrap_or(self.text)
            .matches('\n')
            .count()
            + 1;
        anyhow::anyhow!("{}, line {line}: {message}", self.source)
    }
}

/// Hundredths of a number with at most two decimals.
fn cents(value: f64) -> Option<i64> {
    let scaled = value * 100.0;
    (scaled.is_finite() && (scaled - scaled.round()).abs() < 1e-6).then(|| scaled.round() as i64)
}

/// Parses and validates a profile's text; `source` names it in messages.
pub fn parse(text: &str, source: &str) -> Result<Profile> {
    let raw: RawProfile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text.get(..s.start).unwrap_or(text).matches('\n').count() + 1);
        let message = e.message().trim_end();
        match line {
            Some(line) => anyhow::anyhow!("{source}, line {line}: {message}"),
            None => anyhow::anyhow!("{source}: {message}"),
        }
    })?;
    let place = Place { text, source };
    let mut groups: Vec<Group> = Vec::new();
    let mut group_spans = Vec::new();
    for group in &raw.group {
        let group_span = group.span();
        let g = group.get_ref();
        let code = g.code.get_ref().trim().to_string();
        if code.is_empty() || groups.iter().any(|known| known.code == code) {
            return Err(place.error(
                g.code.span(),
                format!("`group.code` = {code:?}: each group needs its own, non-empty code"),
            ));
        }
        let max_cents = cents(*g.max.get_ref()).filter(|c| *c > 0).ok_or_else(|| {
            place.error(
                g.max.span(),
                format!(
                    "`group.{code}.max` = {} is not a positive number of points (at most two decimals)",
                    g.max.get_ref()
                ),
            )
        })?;
        group_spans.push((group_span, g.max.span()));
        groups.push(Group {
            name_en: g
                .name_en
                .as_ref()
                .map_or_else(|| g.name.get_ref().clone(), |n| n.get_ref().clone()),
            name: g.name.get_ref().clone(),
            code,
            max_cents,
        });
    }
    if groups.is_empty() {
        return Err(place.error(
            raw.id.span(),
            "the profile has no [[group]]: give each group its code, name and max".to_string(),
        ));
    }

    let (scope, sets) = parse_sets(&place, &raw.sets)?;
    let catalogue = catalogue_scope();
    let mut indicators = Vec::new();
    let mut codes = BTreeSet::new();
    // Indicators in the file's order.
    let mut raw_indicators: Vec<(&Spanned<String>, &Spanned<RawIndicator>)> =
        raw.indicator.iter().collect();
    raw_indicators.sort_by_key(|(code, _)| code.span().start);
    for (code, definition) in raw_indicators {
        let indicator = parse_indicator(&place, code, definition, &groups, &scope, &catalogue)?;
        codes.insert(facts_id(&indicator.code));
        indicators.push(indicator);
    }
    if codes.len() != indicators.len() {
        return Err(place.error(
            raw.id.span(),
            "two indicator codes differ only by case or dots: their facts ids would be the same"
                .to_string(),
        ));
    }
    for (index, group) in groups.iter().enumerate() {
        let members: Vec<&Indicator> = indicators.iter().filter(|i| i.group == index).collect();
        let sum: i64 = members.iter().map(|i| i.pmax_cents).sum();
        if sum != group.max_cents {
            let listed: Vec<String> = members
                .iter()
                .map(|i| format!("{} {}", i.code, points_text(i.pmax_cents)))
                .collect();
            return Err(place.error(
                group_spans[index].1.clone(),
                format!(
                    "`group.{}.max` = {} but its indicators' pmax add up to {} ({}): a group's max is the sum of its indicators' pmax",
                    group.code,
                    points_text(group.max_cents),
                    points_text(sum),
                    if listed.is_empty() { "no indicator".to_string() } else { listed.join(", ") }
                ),
            ));
        }
    }
    Ok(Profile {
        id: raw.id.get_ref().clone(),
        name: raw.name.get_ref().clone(),
        source: source.to_string(),
        groups,
        indicators,
        sets,
    })
}

/// Points in hundredths as a reader writes them (`6`, `2.5`).
pub fn points_text(cents: i64) -> String {
    if cents % 100 == 0 {
        format!("{}", cents / 100)
    } else {
        format!("{:.2}", cents as f64 / 100.0)
            .trim_end_matches('0')
            .to_string()
    }
}

/// The sets, each parsed over the 766 scope and the sets it names, in an order where each only
/// names earlier ones; a set naming an unknown field, or sets naming each other, are errors.
fn parse_sets(
    place: &Place,
    raw: &BTreeMap<Spanned<String>, Spanned<String>>,
) -> Result<(Scope, Vec<(String, String)>)> {
    let mut scope = dossier_scope()
        .map_err(|e| anyhow::anyhow!("the built-in condition ended is invalid: {e}"))?;
    let mut pending: Vec<(&Spanned<String>, &Spanned<String>)> = raw.iter().collect();
    pending.sort_by_key(|(name, _)| name.span().start);
    let set_names: BTreeSet<String> = raw.keys().map(|k| k.get_ref().to_lowercase()).collect();
    let mut sets = Vec::new();
    while !pending.is_empty() {
        let mut progress = false;
        let mut waiting = Vec::new();
        let mut last_error = None;
        for (name, text) in pending {
            let key = name.get_ref().to_lowercase();
            if scope.get(&key).is_some() {
                return Err(place.error(
                    name.span(),
                    format!("`sets.{key}`: {key} is already a field or a built-in condition; name the set otherwise"),
                ));
            }
            match Condition::parse(text.get_ref(), &scope) {
                Ok(_) => {
                    let leaked: &'static str = Box::leak(key.clone().into_boxed_str());
                    scope = scope
                        .with_condition(leaked, text.get_ref())
                        .map_err(|e| place.error(text.span(), format!("`sets.{key}`: {e}")))?;
                    sets.push((key, text.get_ref().clone()));
                    progress = true;
                }
                Err(error) => {
                    // A set that names a set not parsed yet waits for it.
                    let names_a_set = set_names
                        .iter()
                        .any(|s| *s != key && error.part.to_lowercase() == *s);
                    if !names_a_set {
                        return Err(place.error(text.span(), format!("`sets.{key}`: {error}")));
                    }
                    last_error = Some((text.span(), key.clone(), error));
                    waiting.push((name, text));
                }
            }
        }
        if !progress {
            let (span, key, error) = last_error.unwrap_or_else(|| {
                (
                    0..0,
                    String::new(),
                    ConditionError {
                        message: "sets name each other".into(),
                        part: String::new(),
                    },
                )
            });
            return Err(place.error(
                span,
                format!("`sets.{key}`: {error}; sets may not name each other in a circle"),
            ));
        }
        pending = waiting;
    }
    Ok((scope, sets))
}

fn parse_indicator(
    place: &Place,
    code: &Spanned<String>,
    definition: &Spanned<RawIndicator>,
    groups: &[Group],
    scope: &Scope,
    catalogue: &Scope,
) -> Result<Indicator> {
    let code_text = code.get_ref().trim().to_string();
    let raw = definition.get_ref();
    let key = |name: &str| format!("indicator.\"{code_text}\".{name}");
    if code_text.is_empty()
        || !code_text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
    {
        return Err(place.error(
            code.span(),
            format!("`indicator.\"{code_text}\"`: a code is letters, digits and dots (e.g. 3.5a)"),
        ));
    }
    let group = groups
        .iter()
        .position(|g| g.code == raw.group.get_ref().trim())
        .ok_or_else(|| {
            let known: Vec<&str> = groups.iter().map(|g| g.code.as_str()).collect();
            place.error(
                raw.group.span(),
                format!(
                    "`{}` = {:?} is not a group of this profile: use one of {}",
                    key("group"),
                    raw.group.get_ref(),
                    known.join(", ")
                ),
            )
        })?;
    let source = match raw.source.get_ref().as_str() {
        "dossiers" => Source::Dossiers,
        "catalogue" => Source::Catalogue,
        "facts" => Source::Facts,
        other => {
            return Err(place.error(
                raw.source.span(),
                format!(
                    "`{}` = {other:?}: expected \"dossiers\", \"catalogue\" or \"facts\"",
                    key("source")
                ),
            ))
        }
    };
    let pmax_cents = cents(*raw.pmax.get_ref())
        .filter(|c| *c > 0)
        .ok_or_else(|| {
            place.error(
                raw.pmax.span(),
                format!(
                    "`{}` = {} is not a positive number of points (at most two decimals)",
                    key("pmax"),
                    raw.pmax.get_ref()
                ),
            )
        })?;
    let threshold = match &raw.threshold {
        None => None,
        Some(t) => Some(
            cents(*t.get_ref())
                .filter(|c| *c > 0 && *c <= 10_000)
                .ok_or_else(|| {
                    place.error(
                        t.span(),
                        format!(
                            "`{}` = {} is not a percentage above 0 and at most 100 (leave it out for linear points)",
                            key("threshold"),
                            t.get_ref()
                        ),
                    )
                })?,
        ),
    };
    let zero = match raw.zero.as_ref().map(|z| z.get_ref().as_str()) {
        None | Some("zero") => Zero::Zero,
        Some("full") => Zero::Full,
        Some(other) => {
            let span = raw.zero.as_ref().map_or(definition.span(), |z| z.span());
            return Err(place.error(
                span,
                format!(
                    "`{}` = {other:?}: expected \"zero\" or \"full\"",
                    key("zero")
                ),
            ));
        }
    };
    let condition =
        |value: &Option<Spanned<String>>, name: &str, scope: &Scope| -> Result<Condition> {
            let Some(value) = value else {
                return Err(place.error(
                    definition.span(),
                    format!(
                        "`{}` is missing: a {} indicator says which rows count",
                        key(name),
                        source.id()
                    ),
                ));
            };
            Condition::parse(value.get_ref(), scope)
                .map_err(|e| place.error(value.span(), format!("`{}`: {e}", key(name))))
        };
    let refuse_keys = |keys: &[(&Option<Spanned<String>>, &str)], why: &str| -> Result<()> {
        for (value, name) in keys {
            if let Some(value) = value {
                return Err(place.error(value.span(), format!("`{}` {why}", key(name))));
            }
        }
        Ok(())
    };
    let measure = match source {
        Source::Dossiers => {
            refuse_keys(&[(&raw.count, "count")], "applies to catalogue indicators")?;
            Measure::Dossiers {
                population: Box::new(condition(&raw.population, "population", scope)?),
                numerator: Box::new(condition(&raw.numerator, "numerator", scope)?),
                missing_due: match &raw.missing_due {
                    Some(_) => Some(Box::new(condition(&raw.missing_due, "missing_due", scope)?)),
                    None => None,
                },
            }
        }
        Source::Catalogue => {
            refuse_keys(
                &[(&raw.missing_due, "missing_due")],
                "applies to dossier indicators",
            )?;
            let count = match raw.count.as_ref().map(|c| c.get_ref().as_str()) {
                None | Some("code") => Count::Code,
                Some("row") => Count::Row,
                Some(other) => {
                    let span = raw.count.as_ref().map_or(definition.span(), |c| c.span());
                    return Err(place.error(
                        span,
                        format!(
                            "`{}` = {other:?}: expected \"code\" or \"row\"",
                            key("count")
                        ),
                    ));
                }
            };
            let Some(text) = &raw.numerator else {
                return Err(place.error(
                    definition.span(),
                    format!(
                        "`{}` is missing: a catalogue indicator says which rows count",
                        key("numerator")
                    ),
                ));
            };
            let in_numerator = |e: ConditionError| {
                place.error(text.span(), format!("`{}`: {e}", key("numerator")))
            };
            let numerator = match text.get_ref().trim().strip_prefix("any ") {
                Some(any) => CatalogueNumerator::Any(Box::new(
                    Condition::parse(any, scope).map_err(in_numerator)?,
                )),
                None => CatalogueNumerator::Row(Box::new(
                    Condition::parse(text.get_ref(), catalogue).map_err(in_numerator)?,
                )),
            };
            Measure::Catalogue {
                count,
                population: Box::new(condition(&raw.population, "population", catalogue)?),
                numerator,
            }
        }
        Source::Facts => {
            refuse_keys(
                &[
                    (&raw.population, "population"),
                    (&raw.numerator, "numerator"),
                    (&raw.count, "count"),
                    (&raw.missing_due, "missing_due"),
                ],
                "does not apply: a facts indicator takes its figure from --facts",
            )?;
            Measure::Facts
        }
    };
    Ok(Indicator {
        name_en: raw
            .name_en
            .as_ref()
            .map_or_else(|| raw.name.get_ref().clone(), |n| n.get_ref().clone()),
        name: raw.name.get_ref().clone(),
        code: code_text,
        group,
        source,
        pmax_cents,
        threshold,
        zero,
        measure,
    })
}

/// The dossier fields a dossier condition names directly (what makes an indicator `na` when an
/// export lacks its column).
pub fn named_fields(condition: &Condition) -> Vec<Field> {
    Field::ALL
        .iter()
        .copied()
        .filter(|f| condition.names.contains(f.name()) && !f.is_required())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_profiles_parse_and_add_up() -> Result<()> {
        for (id, _) in BUILT_IN {
            let profile = Profile::built_in(id)?;
            assert_eq!(&profile.id, id);
            let total: i64 = profile.groups.iter().map(|g| g.max_cents).sum();
            assert_eq!(total, 10_000, "{id}");
        }
        let profile = Profile::built_in("dvcqg-2026")?;
        assert_eq!(profile.indicators.len(), 21);
        let codes: Vec<&str> = profile.groups.iter().map(|g| g.code.as_str()).collect();
        assert_eq!(codes, ["CKMB", "TDGQ", "DVCTT", "TTTT", "MDSH", "MDHL"]);
        let sets: Vec<&str> = profile.sets.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            sets,
            ["received", "base", "on_time", "fee_paid", "disliked"]
        );
        let old = Profile::built_in("qd766-2022")?;
        assert_eq!(old.groups.len(), 5);
        Ok(())
    }

    fn error_of(text: &str) -> String {
        format!("{:#}", parse(text, "p.toml").unwrap_err())
    }

    const HEAD: &str =
        "id = \"x\"\nname = \"x\"\n[[group]]\ncode = \"A\"\nname = \"A\"\nmax = 10\n";

    #[test]
    fn a_group_whose_max_is_not_its_indicators_pmax_is_refused() {
        let message = error_of(&format!(
            "{HEAD}[indicator.\"1\"]\nname = \"a\"\ngroup = \"A\"\nsource = \"facts\"\npmax = 6\n"
        ));
        assert!(message.contains("p.toml, line 6"), "{message}");
        assert!(
            message.contains("`group.A.max` = 10 but its indicators' pmax add up to 6 (1 6)"),
            "{message}"
        );
    }

    #[test]
    fn mistakes_name_the_file_key_and_line() {
        let cases = [
            (
                format!("{HEAD}[indicator.\"1\"]\nname = \"a\"\ngroup = \"B\"\nsource = \"facts\"\npmax = 10\n"),
                "line 9",
                "is not a group of this profile",
            ),
            (
                format!("{HEAD}[indicator.\"1\"]\nname = \"a\"\ngroup = \"A\"\nsource = \"dossiers\"\npmax = 10\npopulation = \"base\"\nnumerator = \"x\"\n"),
                "line 12",
                "unknown field `base`",
            ),
            (
                format!("{HEAD}[indicator.\"1\"]\nname = \"a\"\ngroup = \"A\"\nsource = \"facts\"\npmax = 10\nthreshold = 150\n"),
                "line 12",
                "not a percentage",
            ),
            (
                format!("{HEAD}[sets]\nbase = \"received\"\nreceived = \"base\"\n"),
                "",
                "in a circle",
            ),
            (
                format!("{HEAD}[indicatr.\"1\"]\nname = \"a\"\n"),
                "line 7",
                "unknown field `indicatr`",
            ),
        ];
        for (text, place, what) in cases {
            let message = error_of(&text);
            assert!(message.contains(place), "{text:?} gave {message}");
            assert!(message.contains(what), "{text:?} gave {message}");
        }
    }

    #[test]
    fn facts_ids_and_points() {
        assert_eq!(facts_id("1.1"), "i766_1_1");
        assert_eq!(facts_id("4.c"), "i766_4_c");
        assert_eq!(points_text(1653), "16.53");
        assert_eq!(points_text(600), "6");
        assert_eq!(points_text(250), "2.5");
    }
}
