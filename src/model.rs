//! The report model: the one report every renderer sees, and the domain types it is made of
//! (where a result comes from, its unit, its status, its target). Its JSON form is the
//! interface of DOMAIN.md §3. It depends on no stage: the stages fill it in, the renderers read
//! it.

use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Na,
    Info,
}

/// Where an indicator's figures come from (DOMAIN.md v2 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Dossiers,
    Catalogue,
    Facts,
}

impl Source {
    pub fn id(self) -> &'static str {
        match self {
            Source::Dossiers => "dossiers",
            Source::Catalogue => "catalogue",
            Source::Facts => "facts",
        }
    }
}

/// What a value measures: a percentage, percentage points (the growth row), a count or a rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Points,
    Count,
    Rank,
}

impl Unit {
    pub fn id(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::Points => "points",
            Unit::Count => "count",
            Unit::Rank => "rank",
        }
    }
}

/// The threshold a row was judged against, in the row's unit: `{"min": x}`, `{"max": x}`, both,
/// or for the growth row `{"min_points": x, "or_value": y}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RowTarget {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_points: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub or_value: Option<f64>,
}

/// One indicator for one period and group.
#[derive(Debug, Clone, Serialize)]
pub struct ResultRow {
    pub indicator: &'static str,
    pub period: String,
    /// `None` on totals; on grouped rows the group texts joined by ` / ` (a blank group is `""`).
    pub group: Option<String>,
    /// `None` on the growth row and on facts given as a value only.
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// Percentage (points for the growth row; the count or rank for such facts) rounded
    /// half-up to 2 decimals; `None` when `na`.
    pub value: Option<f64>,
    pub target: Option<RowTarget>,
    pub status: Status,
    pub source: Source,
    pub unit: Unit,
    /// `None` on totals; the breakdown fields otherwise, e.g. `["sector", "unit"]`.
    pub by: Option<Vec<&'static str>>,
    /// `None` on totals; the group texts, one per level, so a name holding ` / ` is never
    /// ambiguous.
    pub groups: Option<Vec<String>>,
    /// `--by procedure`: the procedure's name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Facts: the analyst's note on the figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Why the row is `na` (a missing column, no dossiers, no previous year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub na_reason: Option<NaReason>,
    /// `on_time` only: finished dossiers without a due date, left out of the ratio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_due: Option<i64>,
    /// Growth row only: this year's and the previous year's digitized results [num, den].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub this: Option<[i64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<[i64; 2]>,
}

impl ResultRow {
    /// A dossier indicator's row, not yet judged: `na` with nothing filled in.
    pub fn new(indicator: &'static str, period: String, unit: Unit) -> ResultRow {
        ResultRow {
            indicator,
            period,
            group: None,
            numerator: None,
            denominator: None,
            value: None,
            target: None,
            status: Status::Na,
            source: Source::Dossiers,
            unit,
            by: None,
            groups: None,
            group_name: None,
            note: None,
            na_reason: None,
            missing_due: None,
            this: None,
            prev: None,
        }
    }
}

/// Why a row could not be evaluated. JSON and CSV carry the English sentence (the interface the
/// truth files pin); tables and Markdown show it in the report's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NaReason {
    /// The inputs lack a column the indicator needs (any one of `fields`); `only_in` names the
    /// inputs lacking it when some others have it.
    MissingColumn {
        fields: Vec<&'static str>,
        only_in: Vec<String>,
    },
    /// The population (denominator) is empty in this period.
    EmptyPopulation,
    /// Growth row: the previous year has no data.
    NoPreviousYear(i32),
    /// Growth row: one of the two years has no finished dossier.
    NoFinished,
    /// `--min-count`: the group is too small to judge.
    TooFew { count: i64, min: u64 },
    /// Catalogue indicators: no valid catalogue row for that year.
    NoCatalogue,
    /// Catalogue indicators: the catalogue has no column for this field.
    MissingCatalogueColumn(&'static str),
    /// `online_services_used` without a dossier export to see the dossiers in.
    NoDossiers,
    /// Facts indicators: no figure for this year.
    NoFigure,
    /// 766: no figure for the indicator (its facts id).
    NoFigureFor(String),
    /// 766: a unit's score has no catalogue rows of its own.
    NoCatalogueUnits,
    /// 766: no catalogue was given at all.
    NoCatalogueGiven,
}

impl NaReason {
    pub fn text(&self, english: bool) -> String {
        let pick = |vi: &'static str, en: &'static str| if english { en } else { vi };
        match self {
            NaReason::MissingColumn { fields, only_in } => {
                let names = fields.join(pick(" hoặc ", " or "));
                if only_in.is_empty() {
                    format!("{} {names}", pick("thiếu cột", "missing column"))
                } else {
                    format!(
                        "{} {names} {} {}",
                        pick("thiếu cột", "missing column"),
                        pick("trong", "in"),
                        only_in.join(", ")
                    )
                }
            }
            NaReason::EmptyPopulation => pick(
                "không có hồ sơ nào thuộc diện tính trong kỳ",
                "no dossiers in the population for this period",
            )
            .to_string(),
            NaReason::NoPreviousYear(year) => {
                if english {
                    format!("no data for {year} to compare with")
                } else {
                    format!("không có số liệu năm {year} để so sánh")
                }
            }
            NaReason::NoFinished => pick(
                "không có hồ sơ hoàn thành trong năm này hoặc năm trước",
                "no finished dossiers in this year or the previous one",
            )
            .to_string(),
            NaReason::TooFew { count, min } => {
                if english {
                    format!("too few dossiers ({count} < {min})")
                } else {
                    format!("quá ít hồ sơ ({count} < {min})")
                }
            }
            NaReason::NoCatalogue => pick(
                "danh mục TTHC không có năm này",
                "no catalogue for that year",
            )
            .to_string(),
            NaReason::MissingCatalogueColumn(field) => {
                if english {
                    format!("missing column {field} in the catalogue")
                } else {
                    format!("danh mục TTHC thiếu cột {field}")
                }
            }
            NaReason::NoDossiers => {
                pick("không có tệp hồ sơ để đối chiếu", "no dossier export given").to_string()
            }
            NaReason::NoFigure => pick("chưa báo cáo số liệu", "no figure reported").to_string(),
            NaReason::NoFigureFor(id) => {
                format!(
                    "{} ({id})",
                    pick("chưa báo cáo số liệu", "no figure reported")
                )
            }
            NaReason::NoCatalogueGiven => pick(
                "chưa có danh mục TTHC (--catalogue)",
                "no catalogue given (--catalogue)",
            )
            .to_string(),
            NaReason::NoCatalogueUnits => pick(
                "danh mục TTHC không có cột đơn vị",
                "catalogue has no unit column",
            )
            .to_string(),
        }
    }
}

impl Serialize for NaReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text(true))
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub pass: u64,
    pub fail: u64,
    pub na: u64,
    pub info: u64,
}

impl Summary {
    pub fn of(results: &[ResultRow]) -> Summary {
        let mut summary = Summary::default();
        for row in results {
            match row.status {
                Status::Pass => summary.pass += 1,
                Status::Fail => summary.fail += 1,
                Status::Na => summary.na += 1,
                Status::Info => summary.info += 1,
            }
        }
        summary
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// A note about the input that did not make a row defective but that a reader should know.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    pub kind: &'static str,
    pub message: String,
    /// `procedure_not_in_catalogue`: each code with its number of valid dossier rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codes: Option<std::collections::BTreeMap<String, u64>>,
}

/// Which targets were applied.
#[derive(Debug, Clone, Serialize)]
pub struct TargetsUsed {
    /// The targets file's path, or `built-in`.
    pub source: String,
    pub sha256: String,
}

/// One input file, as the report's provenance states it.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub path: String,
    /// Which kind of input: a dossier export, a catalogue or a facts file.
    pub kind: Source,
    /// Data records read, defective ones included.
    pub rows: u64,
    pub defective: u64,
    /// `None` when the output does not state it (a CSV report): every other format shows it,
    /// and JSON always has it.
    pub sha256: Option<String>,
}

/// The defective rows: the exact count and the first few with where and why.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Defects {
    pub count: u64,
    pub samples: Vec<DefectSample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DefectSample {
    pub path: String,
    pub record: u64,
    pub line: u64,
    pub column: Option<String>,
    pub field: Option<&'static str>,
    pub value: Option<String>,
    pub class: String,
    pub reason: String,
}

/// The 766 index estimate (DOMAIN.md §8): one block per period, each with the pooled score and,
/// with `--by unit`, one per unit.
#[derive(Debug, Clone, Serialize)]
pub struct I766 {
    /// The profile's id.
    pub profile: String,
    /// The profile's name, and where it came from (a path or `built-in`).
    pub profile_name: String,
    /// `yyyy-mm-dd`.
    pub as_of: String,
    pub blocks: Vec<I766Block>,
}

#[derive(Debug, Clone, Serialize)]
pub struct I766Block {
    pub period: String,
    /// `yyyy-mm-dd`: the period's first day and its cutoff (its last day, or the as-of date).
    pub period_start: String,
    pub cutoff: String,
    /// The period is not over at the as-of date.
    pub partial: bool,
    /// The total first, then each unit by rank (a blank unit last, not ranked).
    pub scores: Vec<I766Score>,
}

/// One score: the pooled total (`unit` null) or one unit's.
#[derive(Debug, Clone, Serialize)]
pub struct I766Score {
    pub unit: Option<String>,
    pub rank: Option<usize>,
    pub total: f64,
    pub max: f64,
    /// No indicator is `na`.
    pub complete: bool,
    /// The codes of the indicators that are `na`.
    pub na: Vec<String>,
    pub groups: Vec<I766Group>,
    pub indicators: Vec<I766Indicator>,
}

#[derive(Debug, Clone, Serialize)]
pub struct I766Group {
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub name_en: String,
    pub max: f64,
    pub points: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum I766Status {
    /// Points from a ratio (or given as points).
    Scored,
    /// A denominator of 0: no points, or full points where the profile says so.
    Empty,
    /// An input or a column it needs is missing: 0 points, the score is not complete.
    Na,
}

#[derive(Debug, Clone, Serialize)]
pub struct I766Indicator {
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub name_en: String,
    /// The group's code.
    pub group: String,
    pub source: Source,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// 100·num/den rounded half-up to 2 decimals.
    pub ratio: Option<f64>,
    /// The percentage for full points; `null` = linear.
    pub threshold: Option<f64>,
    pub pmax: f64,
    pub points: f64,
    pub status: I766Status,
    pub na_reason: Option<NaReason>,
    /// The fewest extra numerator rows (dossiers, procedures, services) for full points.
    pub need: Option<i64>,
    pub need_of: Option<&'static str>,
    /// Pmax − points.
    pub gain: f64,
    /// Rows left out of the population (2.1 and 5.4: no due date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_due: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// Local time the report was made (RFC 3339); `None` with `--no-timestamp`.
    pub generated_at: Option<String>,
    pub targets: TargetsUsed,
    pub inputs: Vec<InputFile>,
    pub defects: Defects,
    pub warnings: Vec<Warning>,
    pub results: Vec<ResultRow>,
    pub summary: Summary,
    /// With `--i766`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub i766: Option<I766>,
}

/// What a report's warnings are made of: facts about the inputs that did not make a row
/// defective but that a reader should know ([`crate::report::warnings`] words them).
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// Rows replaced by a later row with the same `dossier_id`.
    pub duplicates_merged: u64,
    /// Per input (path): the header line, when titles stood above it.
    pub header_lines: Vec<(String, u64)>,
    /// Per input (path): columns ignored because an earlier one names the same field.
    pub duplicate_columns: Vec<(String, DuplicateColumn)>,
    /// Per input (path): how it was opened, when that needs saying (kind, message).
    pub open_notes: Vec<(String, &'static str, String)>,
    /// Blank lines skipped, every input together.
    pub blank_lines: u64,
    /// Finished dossiers without a due date, left out of `on_time`.
    pub missing_due: i64,
    /// Finished dossiers with no end date, in no result-based indicator.
    pub finished_without_end: i64,
    /// Dossier procedure codes without a valid catalogue row, with their valid rows.
    pub not_in_catalogue: std::collections::BTreeMap<String, u64>,
    /// Catalogue rows a later row of the same code and year replaced.
    pub catalogue_replaced: u64,
    /// Figures given twice: which one was kept.
    pub facts_replaced: Vec<String>,
    /// 766: ended dossiers without an end date, in no period.
    pub i766_ended_without_end: i64,
    /// 766: columns a set reads that some inputs lack (the sets count them as false), with
    /// those inputs.
    pub i766_false_columns: Vec<(&'static str, Vec<String>)>,
}

/// A column ignored because an earlier column of the same file maps to the same field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateColumn {
    /// 1-based positions, as a spreadsheet user counts columns.
    pub position: usize,
    pub header: String,
    pub field: &'static str,
    pub used_position: usize,
    pub used_header: String,
}

/// What `cchc check` found in each input, without computing any indicator.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub inputs: Vec<CheckedInput>,
    pub defects: Defects,
    pub duplicates_merged: u64,
}

/// How one input was read.
#[derive(Debug, Serialize)]
pub struct CheckedInput {
    pub kind: Source,
    pub path: String,
    pub encoding: &'static str,
    pub encoding_source: &'static str,
    pub bom: bool,
    pub delimiter: String,
    pub header_line: u64,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// How the file was opened, when it needs saying (UTF-16 without a byte-order mark…).
    pub notes: Vec<String>,
    pub columns: Vec<MappedColumn>,
    pub ignored_columns: Vec<String>,
    /// Columns ignored because an earlier column supplies the same field.
    pub duplicate_columns: Vec<DuplicateOf>,
    pub missing_fields: Vec<MissingField>,
    pub rows: u64,
    pub defective: u64,
    pub blank_lines: u64,
    pub received_from: Option<String>,
    pub received_to: Option<String>,
    pub spellings: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Spelling>>,
}

#[derive(Debug, Serialize)]
pub struct MappedColumn {
    pub header: String,
    pub field: &'static str,
}

#[derive(Debug, Serialize)]
pub struct DuplicateOf {
    pub header: String,
    pub field: &'static str,
    /// The earlier column whose values are used.
    pub used: String,
}

#[derive(Debug, Serialize)]
pub struct MissingField {
    pub field: &'static str,
    /// Indicators that are `na` without it (the 766 profile's as `i766:<code>`).
    pub indicators: Vec<String>,
}

/// How often a spelling occurs in a vocabulary column, and whether cchc understands it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Spelling {
    pub rows: u64,
    pub understood: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn na_reasons_in_both_languages_and_in_json() {
        let cases = [
            (
                NaReason::MissingColumn {
                    fields: vec!["finished_at", "returned_at"],
                    only_in: vec![],
                },
                "missing column finished_at or returned_at",
                "thiếu cột finished_at hoặc returned_at",
            ),
            (
                NaReason::MissingColumn {
                    fields: vec!["channel"],
                    only_in: vec!["jan.csv".into(), "feb.csv".into()],
                },
                "missing column channel in jan.csv, feb.csv",
                "thiếu cột channel trong jan.csv, feb.csv",
            ),
            (
                NaReason::EmptyPopulation,
                "no dossiers in the population for this period",
                "không có hồ sơ nào thuộc diện tính trong kỳ",
            ),
            (
                NaReason::NoPreviousYear(2023),
                "no data for 2023 to compare with",
                "không có số liệu năm 2023 để so sánh",
            ),
            (
                NaReason::NoFinished,
                "no finished dossiers in this year or the previous one",
                "không có hồ sơ hoàn thành trong năm này hoặc năm trước",
            ),
            (
                NaReason::TooFew { count: 3, min: 10 },
                "too few dossiers (3 < 10)",
                "quá ít hồ sơ (3 < 10)",
            ),
        ];
        for (reason, english, vietnamese) in cases {
            assert_eq!(reason.text(true), english);
            assert_eq!(reason.text(false), vietnamese);
            // JSON keeps the English sentence: it is what scripts and the truth files match.
            assert_eq!(
                serde_json::to_string(&reason).ok(),
                Some(format!("\"{english}\""))
            );
        }
    }
}
