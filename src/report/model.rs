//! The one report every renderer sees. Its JSON form is the interface of DOMAIN.md §3.

use serde::Serialize;

use crate::input::{DefectLog, InputSummary};
use crate::targets::Target;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Na,
    Info,
}

/// One indicator for one period and group.
#[derive(Debug, Clone, Serialize)]
pub struct ResultRow {
    pub indicator: &'static str,
    pub period: String,
    /// `None` on totals; the group's text on grouped rows.
    pub group: Option<String>,
    /// `None` on the growth row.
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// Percentage (points for the growth row) rounded half-up to 2 decimals; `None` when `na`.
    pub value: Option<f64>,
    pub target: Option<Target>,
    pub status: Status,
    /// Why the row is `na` (a missing column, no dossiers, no previous year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub na_reason: Option<String>,
    /// `on_time` only: finished dossiers without a due date, left out of the ratio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_due: Option<i64>,
    /// Growth row only: this year's and the previous year's digitized results [num, den].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub this: Option<[i64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<[i64; 2]>,
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
}

/// Which targets were applied.
#[derive(Debug, Clone, Serialize)]
pub struct TargetsUsed {
    /// The targets file's path, or `built-in`.
    pub source: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// Local time the report was made (RFC 3339); `None` with `--no-timestamp`.
    pub generated_at: Option<String>,
    pub targets: TargetsUsed,
    pub inputs: Vec<InputSummary>,
    pub defects: DefectLog,
    pub warnings: Vec<Warning>,
    pub results: Vec<ResultRow>,
    pub summary: Summary,
}
