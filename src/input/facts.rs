//! Reading facts files (DOMAIN.md §5): the figures a department reports itself (documents,
//! staff, inspections, rankings), typed by an analyst in a spreadsheet, one row per indicator,
//! period and optional group. Read with every rule of §1 through the record source.

use std::collections::{BTreeMap, HashMap};

use anyhow::{bail, Context, Result};

use super::columns::{Columns, HeaderMatcher, SchemaField};
use super::source::{self, Consumer, Record, RowProblem, SourceOptions};
use super::values::DefectClass;
use super::{DefectLog, InputSummary, Source};
use crate::dossier::{Granularity, PeriodKey};
use crate::indicators::{Measure, Registry};
use crate::model::Unit;
use crate::text::key_text;

/// The columns of a facts file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FactsField {
    Indicator,
    Period,
    Numerator,
    Denominator,
    Value,
    Group,
    Note,
}

impl SchemaField for FactsField {
    fn all() -> &'static [Self] {
        use FactsField::*;
        &[
            Indicator,
            Period,
            Numerator,
            Denominator,
            Value,
            Group,
            Note,
        ]
    }

    fn name(self) -> &'static str {
        match self {
            FactsField::Indicator => "indicator",
            FactsField::Period => "period",
            FactsField::Numerator => "numerator",
            FactsField::Denominator => "denominator",
            FactsField::Value => "value",
            FactsField::Group => "group",
            FactsField::Note => "note",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            FactsField::Indicator => &["Chỉ số", "Mã chỉ số", "indicator"],
            FactsField::Period => &["Kỳ", "Năm", "Kỳ báo cáo", "period"],
            FactsField::Numerator => &["Tử số", "Số đạt", "numerator"],
            FactsField::Denominator => &["Mẫu số", "Tổng số", "denominator"],
            FactsField::Value => &["Giá trị", "Kết quả", "value"],
            FactsField::Group => &["Đơn vị", "Phòng ban", "group"],
            FactsField::Note => &["Ghi chú", "Nguồn", "note"],
        }
    }

    fn is_required(self) -> bool {
        matches!(self, FactsField::Indicator | FactsField::Period)
    }
}

/// What a row reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// Numerator and denominator: the value is their exact ratio.
    Ratio { numerator: i64, denominator: i64 },
    /// A value alone (a count, a rank, or a percentage typed as such).
    Value(f64),
    /// Nothing yet (a template row): the indicator stays `na` for that period.
    Nothing,
}

/// One figure, where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub indicator: &'static str,
    pub unit: Unit,
    pub period: PeriodKey,
    /// `None` = the department as a whole.
    pub group: Option<String>,
    pub figure: Figure,
    pub note: Option<String>,
    pub path: String,
    pub line: u64,
}

/// The facts ids of the 766 profile (DOMAIN.md §8): `i766_<code>` for a figure of a facts
/// indicator, `i766_<code>_points` for any indicator's points.
#[derive(Debug, Default, Clone)]
pub struct ScoreIds {
    pub ids: BTreeMap<String, ScoreId>,
}

/// What a 766 facts id gives.
#[derive(Debug, Clone, Copy)]
pub struct ScoreId {
    /// Points (0 to Pmax), not a ratio.
    pub points: bool,
    /// The indicator's maximum, in hundredths.
    pub pmax_cents: i64,
}

/// The key of a figure: indicator id, period, group (`None` = the whole department).
pub type FactKey = (&'static str, PeriodKey, Option<String>);

/// Every figure of the facts files, the later one for each indicator, period and group.
#[derive(Debug, Default)]
pub struct Facts {
    pub facts: BTreeMap<FactKey, Fact>,
    /// The 766 figures (`i766_*` ids), apart from the plan's.
    pub i766: BTreeMap<FactKey, Fact>,
    pub inputs: Vec<InputSummary>,
    /// A figure given twice: which one was kept, for the report's warnings.
    pub replaced: Vec<String>,
}

/// Reads every facts file; `registry` says which ids are facts indicators, `scores` which are
/// the 766 profile's.
pub fn read_facts(
    paths: &[String],
    options: &SourceOptions,
    registry: &Registry,
    scores: &ScoreIds,
    defects: &mut DefectLog,
) -> Result<Facts> {
    let mut facts = Facts::default();
    for path in paths {
        read_facts_with(
            path,
            registry,
            scores,
            defects,
            &mut facts,
            |reader, defects| source::read_path(path, options, reader, defects, "figure"),
        )
        .with_context(|| format!("reading the facts file {path}"))?;
    }
    Ok(facts)
}

fn read_facts_with(
    path: &str,
    registry: &Registry,
    scores: &ScoreIds,
    defects: &mut DefectLog,
    facts: &mut Facts,
    source: impl FnOnce(&mut FactsReader, &mut DefectLog) -> Result<source::SourceSummary>,
) -> Result<()> {
    let mut reader = FactsReader {
        path: path.to_string(),
        registry,
        scores,
        columns: Columns::new(HeaderMatcher::new(&[])),
        read: Vec::new(),
    };
    let summary = source(&mut reader, defects)?;
    let Some(header_map) = reader.columns.map.take() else {
        bail!("the file has no header line");
    };
    for fact in reader.read {
        let key = (fact.indicator, fact.period, fact.group.clone());
        let figures = if scores.ids.contains_key(fact.indicator) {
            &mut facts.i766
        } else {
            &mut facts.facts
        };
        match figures.get(&key) {
            // A row without a figure never replaces one.
            Some(_) if fact.figure == Figure::Nothing => {}
            Some(earlier) if earlier.figure != Figure::Nothing => {
                facts.replaced.push(format!(
                    "{} {}{} is given twice ({}:{} and {}:{}): the later figure is used",
                    fact.indicator,
                    fact.period.label(),
                    fact.group
                        .as_deref()
                        .map(|g| format!(" for {g}"))
                        .unwrap_or_default(),
                    earlier.path,
                    earlier.line,
                    fact.path,
                    fact.line
                ));
                figures.insert(key, fact);
            }
            _ => {
                figures.insert(key, fact);
            }
        }
    }
    facts
        .inputs
        .push(InputSummary::new(path, Source::Facts, summary, &header_map));
    Ok(())
}

struct FactsReader<'a> {
    path: String,
    registry: &'a Registry,
    scores: &'a ScoreIds,
    columns: Columns<FactsField>,
    read: Vec<Fact>,
}

impl Consumer for FactsReader<'_> {
    fn is_header(&self, cell: &str) -> bool {
        self.columns.is_header(cell)
    }

    fn allows_line_break(&self, position: usize) -> bool {
        // A note may run over lines; ids, periods, numbers and unit names never do.
        let field = self
            .columns
            .map
            .as_ref()
            .and_then(|m| m.fields.get(position).copied().flatten());
        matches!(field, None | Some(FactsField::Note))
    }

    fn begin(&mut self, headers: &[String]) -> Result<()> {
        self.columns.begin(headers)
    }

    fn record(&mut self, record: &Record<'_>) -> Result<(), RowProblem> {
        let Some(map) = self.columns.map.as_ref() else {
            return Ok(());
        };
        let cells: HashMap<FactsField, &str> = source::mapped_cells(map, record)?
            .into_iter()
            .map(|(field, (_, text))| (field, text.trim()))
            .collect();
        let problem = |field: FactsField, class: DefectClass, reason: String| RowProblem {
            column: map.position(field).map(|p| map.headers[p].clone()),
            field: Some(field.name()),
            value: cells.get(&field).map(|v| v.to_string()),
            class,
            reason,
        };
        let cell = |field: FactsField| cells.get(&field).copied().unwrap_or("");

        let id = key_text(cell(FactsField::Indicator)).to_lowercase();
        if id.is_empty() {
            return Err(problem(
                FactsField::Indicator,
                DefectClass::MissingRequired,
                "required field indicator is blank".to_string(),
            ));
        }
        let kind = match (self.registry.find(&id), self.scores.ids.get(&id)) {
            (Some(indicator), _) => {
                if !matches!(indicator.measure, Measure::Facts) {
                    return Err(problem(
                        FactsField::Indicator,
                        DefectClass::NotAFactsIndicator,
                        format!(
                            "`{id}` is computed from the {}, not reported in a facts file",
                            indicator.source.id()
                        ),
                    ));
                }
                FigureOf::Plan(indicator.id, indicator.unit)
            }
            (None, Some(score)) => FigureOf::Score(leak(&id), *score),
            (None, None) => {
                let mut facts_ids: Vec<&str> = self
                    .registry
                    .all()
                    .iter()
                    .filter(|i| matches!(i.measure, Measure::Facts))
                    .map(|i| i.id)
                    .collect();
                facts_ids.extend(self.scores.ids.keys().map(String::as_str));
                let hint = crate::text::nearest(&id, &facts_ids)
                    .map(|n| format!(": did you mean `{n}`?"))
                    .unwrap_or_else(|| {
                        format!("; the facts indicators are: {}", facts_ids.join(", "))
                    });
                return Err(problem(
                    FactsField::Indicator,
                    DefectClass::UnknownIndicator,
                    format!("unknown indicator `{id}`{hint}"),
                ));
            }
        };
        let unit = match kind {
            FigureOf::Plan(_, unit) => unit,
            FigureOf::Score(_, score) if score.points => Unit::Points,
            FigureOf::Score(..) => Unit::Percent,
        };
        // 766: a unit with nothing to count reports 0/0 (DOMAIN.md §8).
        let zero_ratio_allowed = matches!(kind, FigureOf::Score(_, score) if !score.points);
        let period = parse_period(cell(FactsField::Period)).ok_or_else(|| {
            problem(
                FactsField::Period,
                DefectClass::InvalidPeriod,
                "not a period: write 2024, 2024-Q1 or 2024-03".to_string(),
            )
        })?;
        let integer = |field: FactsField| -> Result<Option<i64>, RowProblem> {
            let text = cell(field);
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(Some)
                .ok_or_else(|| {
                    problem(
                        field,
                        DefectClass::InvalidAmount,
                        format!(
                            "{} is a whole number of 0 or more, without separators",
                            field.name()
                        ),
                    )
                })
        };
        let numerator = integer(FactsField::Numerator)?;
        let denominator = integer(FactsField::Denominator)?;
        let value = match cell(FactsField::Value) {
            "" => None,
            text => Some(parse_value(text).ok_or_else(|| {
                problem(
                    FactsField::Value,
                    DefectClass::InvalidAmount,
                    "not a number: one decimal mark (, or .), no thousands separator, e.g. 97,5"
                        .to_string(),
                )
            })?),
        };
        let figure = match (numerator, denominator, value) {
            (None, None, None) => Figure::Nothing,
            (Some(_), None, _) | (None, Some(_), _) => {
                let missing = if numerator.is_none() {
                    FactsField::Numerator
                } else {
                    FactsField::Denominator
                };
                return Err(problem(
                    missing,
                    DefectClass::IncompleteRatio,
                    "a ratio needs both a numerator and a denominator".to_string(),
                ));
            }
            (Some(n), Some(d), typed) => {
                if unit != Unit::Percent {
                    return Err(problem(
                        FactsField::Numerator,
                        DefectClass::InconsistentValue,
                        format!("{id} is a {}: give its value only", unit.id()),
                    ));
                }
                if d == 0 && n == 0 && zero_ratio_allowed {
                    // Nothing to count: the profile says what that scores.
                } else if d == 0 {
                    return Err(problem(
                        FactsField::Denominator,
                        DefectClass::InvalidAmount,
                        "the denominator must be above 0".to_string(),
                    ));
                }
                if n > d {
                    return Err(problem(
                        FactsField::Numerator,
                        DefectClass::NumeratorAboveDenominator,
                        format!("numerator {n} is above denominator {d}: a percentage over 100%"),
                    ));
                }
                if let Some((typed, decimals)) = typed.filter(|_| d > 0) {
                    let exact = 100.0 * n as f64 / d as f64;
                    // The typed value may be rounded to the decimals it shows.
                    let tolerance = 0.01 + 0.5 * 10f64.powi(-(decimals as i32));
                    if (typed - exact).abs() > tolerance + 1e-9 {
                        return Err(problem(
                            FactsField::Value,
                            DefectClass::InconsistentValue,
                            format!("value {typed} disagrees with {n}/{d} = {exact:.2}%"),
                        ));
                    }
                }
                Figure::Ratio {
                    numerator: n,
                    denominator: d,
                }
            }
            (None, None, Some((v, _))) => {
                if let FigureOf::Score(_, score) = kind {
                    let most = if score.points {
                        score.pmax_cents as f64 / 100.0
                    } else {
                        100.0
                    };
                    if !(0.0..=most).contains(&v) {
                        return Err(problem(
                            FactsField::Value,
                            DefectClass::InconsistentValue,
                            format!(
                                "{id} is {} from 0 to {most}: {v} is outside",
                                if score.points {
                                    "points"
                                } else {
                                    "a percentage"
                                }
                            ),
                        ));
                    }
                }
                Figure::Value(v)
            }
        };
        let group = Some(key_text(cell(FactsField::Group)).into_owned()).filter(|g| !g.is_empty());
        let note = Some(cell(FactsField::Note).to_string()).filter(|n| !n.is_empty());
        let indicator = match kind {
            FigureOf::Plan(id, _) | FigureOf::Score(id, _) => id,
        };
        self.read.push(Fact {
            indicator,
            unit,
            period,
            group,
            figure,
            note,
            path: self.path.clone(),
            line: record.line(),
        });
        Ok(())
    }

    fn field_at(&self, position: usize) -> Option<&'static str> {
        self.columns.field_at(position)
    }
}

/// Which indicator a row's id names.
#[derive(Clone, Copy)]
enum FigureOf {
    /// One of the plan's facts indicators (§5).
    Plan(&'static str, Unit),
    /// A figure of the 766 profile (§8).
    Score(&'static str, ScoreId),
}

/// A 766 id, kept for the run (a profile names a few dozen).
fn leak(id: &str) -> &'static str {
    Box::leak(id.to_string().into_boxed_str())
}

/// `2024`, `2024-Q1` or `2024-03` (years 2000–2100).
pub fn parse_period(text: &str) -> Option<PeriodKey> {
    let text = text.trim();
    let year_of = |y: &str| {
        (y.len() == 4)
            .then(|| y.parse::<i32>().ok())
            .flatten()
            .filter(|y| (2000..=2100).contains(y))
    };
    if let Some(year) = year_of(text) {
        return Some(PeriodKey::new(Granularity::Year, year));
    }
    let (year, rest) = text.split_once('-')?;
    let year = year_of(year)?;
    if let Some(quarter) = rest.strip_prefix(['Q', 'q']) {
        let q: i32 = quarter.parse().ok().filter(|q| (1..=4).contains(q))?;
        return Some(PeriodKey::new(Granularity::Quarter, year * 10 + q));
    }
    let month: i32 = (rest.len() == 2)
        .then(|| rest.parse().ok())
        .flatten()
        .filter(|m| (1..=12).contains(m))?;
    Some(PeriodKey::new(Granularity::Month, year * 100 + month))
}

/// A typed value: one decimal mark (`,` or `.`), no thousands separator, optional `%`; with the
/// number of decimals typed (`78,7` → 78.7 with 1).
pub fn parse_value(text: &str) -> Option<(f64, usize)> {
    let number = text.trim().trim_end_matches('%').trim();
    let digits = number.strip_prefix('-').unwrap_or(number);
    let (whole, fraction) = match digits.split_once([',', '.']) {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if digits.contains('.') && digits.contains(',') {
        return None;
    }
    let value: f64 = number.replace(',', ".").parse().ok()?;
    value.is_finite().then_some((value, fraction.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        assert_eq!(parse_period("2024").map(|p| p.label()), Some("2024".into()));
        assert_eq!(
            parse_period("2024-Q1").map(|p| p.label()),
            Some("2024-Q1".into())
        );
        assert_eq!(
            parse_period("2024-q4").map(|p| p.label()),
            Some("2024-Q4".into())
        );
        assert_eq!(
            parse_period("2024-03").map(|p| p.label()),
            Some("2024-03".into())
        );
        for bad in [
            "2024-13",
            "2024-Q5",
            "24",
            "1999",
            "2024-3",
            "Q1/2024",
            "",
            "năm 2024",
        ] {
            assert_eq!(parse_period(bad), None, "{bad}");
        }
    }

    #[test]
    fn values() {
        assert_eq!(parse_value("70,31"), Some((70.31, 2)));
        assert_eq!(parse_value("78.7"), Some((78.7, 1)));
        assert_eq!(parse_value("97,5%"), Some((97.5, 1)));
        assert_eq!(parse_value("13"), Some((13.0, 0)));
        // No thousands separator: 1.500 is one and a half.
        assert_eq!(parse_value("1.500"), Some((1.5, 3)));
        for bad in ["1.500,5", "abc", "", "1,2,3", "12 %x"] {
            assert_eq!(parse_value(bad), None, "{bad}");
        }
    }
}
