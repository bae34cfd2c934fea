//! The read stage: open each input file (CSV or workbook), recognise its headers, parse every
//! value in one pass, and hand the compute stage the dossier rows ([`crate::dossier::Rows`], a
//! chunk at a time) plus what was read and the defects found; the catalogue and facts files are
//! read by their own consumers of the same record source.

pub mod catalogue;
pub mod columns;
pub mod facts;
pub mod memo;
pub mod open;
pub mod ranges;
pub mod read;
pub mod records;
mod sink_thread;
pub mod source;
pub mod values;
pub mod workbook;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dossier::{Field, Rows};
use crate::model::{self, DuplicateColumn, Source, Spelling};

pub use crate::dossier::rows::FastMap;
pub use columns::HeaderMatcher;
pub use read::{read_inputs, ReadOptions};
pub use values::DefectClass;

/// A row that could not be understood and was left out of every indicator.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Defect {
    pub path: String,
    /// 1-based data record, header excluded.
    pub record: u64,
    /// 1-based physical line where the record starts (header = line 1; quoted line breaks count).
    pub line: u64,
    /// The header as written, `None` for a wrong number of fields.
    pub column: Option<String>,
    pub field: Option<&'static str>,
    pub value: Option<String>,
    pub class: DefectClass,
    pub reason: String,
}

/// What was read from one input file.
#[derive(Debug, Clone)]
pub struct InputSummary {
    pub path: String,
    pub kind: Source,
    /// Data records read (header excluded), defective ones included.
    pub rows: u64,
    pub defective: u64,
    /// SHA-256 of the file's bytes, for provenance (`None`: the run does not state it).
    pub sha256: Option<String>,
    /// Empty lines (or lines of only delimiters) skipped; not records.
    pub blank_lines: u64,
    /// How a text file was opened (`None` for a dataset, which has no text).
    pub dialect: Option<open::Dialect>,
    /// Header as written → canonical field name (`None` = ignored column).
    pub header_map: Vec<(String, Option<&'static str>)>,
    /// Columns whose header names a field an earlier column already supplies; they are ignored.
    pub duplicate_columns: Vec<DuplicateColumn>,
    /// `cchc check` only: spellings seen per vocabulary column (header → spelling → rows).
    pub spellings: BTreeMap<String, BTreeMap<String, Spelling>>,
    /// Earliest and latest `received_at` of the valid rows, as day numbers.
    pub received_range: Option<(i32, i32)>,
}

impl InputSummary {
    /// What a record source and a file's header say about one input; the consumer adds its own
    /// findings (spellings, reception dates) after.
    pub fn new<F: columns::SchemaField>(
        path: &str,
        kind: Source,
        source: source::SourceSummary,
        header_map: &columns::HeaderMap<F>,
    ) -> InputSummary {
        InputSummary {
            path: path.to_string(),
            kind,
            rows: source.rows,
            defective: source.defective,
            sha256: source.sha256,
            blank_lines: source.blank_lines,
            dialect: Some(source.dialect),
            header_map: header_map
                .headers
                .iter()
                .cloned()
                .zip(header_map.fields.iter().map(|f| f.map(F::name)))
                .collect(),
            duplicate_columns: read::duplicate_columns(header_map),
            spellings: BTreeMap::new(),
            received_range: None,
        }
    }
}

/// Everything the read stage produces besides the rows it hands over.
#[derive(Debug)]
pub struct ReadOutcome {
    /// The rows kept (none when they were handed to a sink), with the dictionaries and labels
    /// every row's keys refer to.
    pub rows: Rows,
    pub inputs: Vec<InputSummary>,
    pub defects: DefectLog,
    /// Optional fields that some input lacks → the paths lacking them. Indicators needing such a
    /// field are not evaluable.
    pub missing_fields: BTreeMap<Field, Vec<String>>,
    /// Rows replaced by a later row with the same `dossier_id`.
    pub duplicates_merged: u64,
    /// Valid rows read (replaced ones included).
    pub valid_rows: u64,
}

impl ReadOutcome {
    pub fn new(rows: Rows) -> ReadOutcome {
        ReadOutcome {
            rows,
            inputs: Vec::new(),
            defects: DefectLog::default(),
            missing_fields: BTreeMap::new(),
            duplicates_merged: 0,
            valid_rows: 0,
        }
    }
}

/// How many defective rows are kept as samples; the count is always exact.
pub const DEFECT_SAMPLES: usize = 20;

/// Defective rows: the exact count and the first few, in input order.
#[derive(Debug, Default, Clone)]
pub struct DefectLog {
    pub count: u64,
    pub samples: Vec<Defect>,
    /// Keep every defect, not only the first [`DEFECT_SAMPLES`] (`cchc convert` writes them all).
    pub keep_all: bool,
}

impl DefectLog {
    /// Another log's defects after this one's.
    pub fn append(&mut self, other: DefectLog) {
        let count = self.count + other.count;
        for defect in other.samples {
            self.push(defect);
        }
        self.count = count;
    }

    pub fn push(&mut self, defect: Defect) {
        self.count += 1;
        if self.keep_all || self.samples.len() < DEFECT_SAMPLES {
            self.samples.push(defect);
        }
    }
}

impl From<&InputSummary> for model::InputFile {
    fn from(input: &InputSummary) -> model::InputFile {
        model::InputFile {
            path: input.path.clone(),
            kind: input.kind,
            rows: input.rows,
            defective: input.defective,
            sha256: input.sha256.clone(),
        }
    }
}

impl From<&DefectLog> for model::Defects {
    fn from(log: &DefectLog) -> model::Defects {
        model::Defects {
            count: log.count,
            samples: log
                .samples
                .iter()
                .map(|d| model::DefectSample {
                    path: d.path.clone(),
                    record: d.record,
                    line: d.line,
                    column: d.column.clone(),
                    field: d.field,
                    value: d.value.clone(),
                    class: serde_json::to_value(d.class)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    reason: d.reason.clone(),
                })
                .collect(),
        }
    }
}
