//! Reading dossier exports: open each file, recognise its headers, parse every value in one pass,
//! and hand the next stage a compact columnar [`Dossiers`] table plus the defects found.

pub mod catalogue;
pub mod columns;
pub mod facts;
pub mod fold;
pub mod open;
pub mod read;
pub mod records;
pub mod source;
pub mod values;
pub mod workbook;

use std::collections::BTreeMap;

use serde::Serialize;

pub use columns::{Field, HeaderMatcher};
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

/// The kinds of input file (DOMAIN.md v2 §3 `inputs[].kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Dossiers,
    Catalogue,
    Facts,
}

/// What was read from one input file.
#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    pub path: String,
    pub kind: InputKind,
    /// Data records read (header excluded), defective ones included.
    pub rows: u64,
    pub defective: u64,
    /// SHA-256 of the file's bytes, for provenance.
    pub sha256: String,
    /// Empty lines (or lines of only delimiters) skipped; not records.
    #[serde(skip)]
    pub blank_lines: u64,
    #[serde(skip)]
    pub dialect: open::Dialect,
    /// Header as written → canonical field name (`None` = ignored column).
    #[serde(skip)]
    pub header_map: Vec<(String, Option<&'static str>)>,
    /// Columns whose header names a field an earlier column already supplies; they are ignored.
    #[serde(skip)]
    pub duplicate_columns: Vec<DuplicateColumn>,
    /// `cchc check` only: spellings seen per vocabulary column (header → spelling → rows).
    #[serde(skip)]
    pub spellings: BTreeMap<String, BTreeMap<String, SpellingCount>>,
    /// Earliest and latest `received_at` of the valid rows, as day numbers.
    #[serde(skip)]
    pub received_range: Option<(i32, i32)>,
}

impl InputSummary {
    /// What a record source and a file's header say about one input; the consumer adds its own
    /// findings (spellings, reception dates) after.
    pub fn new<F: columns::SchemaField>(
        path: &str,
        kind: InputKind,
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
            dialect: source.dialect,
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

/// The read pass looks up every row's id, group names and spellings: polars' hash map (foldhash)
/// is several times faster than std's SipHash for that, and already in the build.
pub type FastMap<K, V> = polars::prelude::PlHashMap<K, V>;

/// How often a spelling occurs in a vocabulary column, and whether cchc understands it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SpellingCount {
    pub rows: u64,
    pub understood: bool,
}

/// Interns text values (unit, sector, procedure code) so rows carry a small id instead of a
/// string; grouping then works on integers and the text is looked up once per result.
#[derive(Debug, Default, Clone)]
pub struct Dictionary {
    ids: FastMap<String, u32>,
    names: Vec<String>,
}

impl Dictionary {
    pub fn intern(&mut self, text: &str) -> u32 {
        if let Some(id) = self.ids.get(text) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(text.to_string());
        self.ids.insert(text.to_string(), id);
        id
    }

    /// The id of a text already interned.
    pub fn id(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every text, by id.
    pub fn names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }
}

/// Status code used when a row has no status (no column, or a blank cell): such a row is
/// accepted, and finished when it has an end date (DOMAIN.md §2).
pub const STATUS_UNKNOWN: i32 = 0;
/// Level code for a blank `Mức độ`: unknown, never counted as 3/4.
pub const LEVEL_UNKNOWN: i32 = 0;
/// Rating codes.
pub const RATING_NONE: i32 = 0;
pub const RATING_SATISFIED: i32 = 1;
pub const RATING_NOT_SATISFIED: i32 = 2;

/// The valid rows of every input, one vector per parsed field, ready for the compute stage.
/// Dates are day numbers (days since 1970-01-01) and months are `yyyy * 100 + mm`.
#[derive(Debug, Default, Clone)]
pub struct Dossiers {
    pub status: Vec<i32>,
    pub channel: Vec<i32>,
    pub level: Vec<i32>,
    pub fee: Vec<f64>,
    pub charge: Vec<f64>,
    pub paid_online: Vec<bool>,
    pub result_digitized: Vec<bool>,
    pub component_reused: Vec<bool>,
    pub interagency: Vec<bool>,
    pub transfer_electronic: Vec<bool>,
    pub vneid_authenticated: Vec<bool>,
    pub rating: Vec<i32>,
    pub received_day: Vec<i32>,
    pub received_month: Vec<i32>,
    pub end_day: Vec<Option<i32>>,
    pub end_month: Vec<Option<i32>>,
    pub due_day: Vec<Option<i32>>,
    pub unit: Vec<Option<u32>>,
    pub sector: Vec<Option<u32>>,
    pub procedure: Vec<Option<u32>>,
    /// False for a row replaced by a later row with the same `dossier_id`.
    pub live: Vec<bool>,
    pub units: Dictionary,
    pub sectors: Dictionary,
    pub procedures: Dictionary,
    /// A procedure's name as the export gives it (the first one seen for its code), for
    /// `--by procedure`.
    pub procedure_labels: FastMap<u32, String>,
    /// Fields only custom conditions read: their columns below are filled only when kept.
    pub kept: std::collections::BTreeSet<Field>,
    pub submitted_day: Vec<Option<i32>>,
    pub finished_day: Vec<Option<i32>>,
    pub returned_day: Vec<Option<i32>>,
    pub dossier_digitized: Vec<bool>,
    pub procedure_name: Vec<Option<u32>>,
    pub procedure_names: Dictionary,
    pub dossier_id: Vec<Option<u32>>,
    pub dossier_ids: Dictionary,
    /// With [`ReadOptions::provenance`]: each row's input (its index in
    /// [`ReadOutcome::inputs`]) and the physical line where its record starts.
    pub source_file: Vec<u32>,
    pub source_line: Vec<u64>,
}

impl Dossiers {
    pub fn len(&self) -> usize {
        self.status.len()
    }

    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
    }

    /// Forgets every row, keeping the dictionaries (a streamed read's next chunk interns into
    /// the same ones).
    pub fn clear_rows(&mut self) {
        // Listed in full so that a new column cannot be forgotten here.
        let Dossiers {
            status,
            channel,
            level,
            fee,
            charge,
            paid_online,
            result_digitized,
            component_reused,
            interagency,
            transfer_electronic,
            vneid_authenticated,
            rating,
            received_day,
            received_month,
            end_day,
            end_month,
            due_day,
            unit,
            sector,
            procedure,
            live,
            units: _,
            sectors: _,
            procedures: _,
            procedure_labels: _,
            kept: _,
            submitted_day,
            finished_day,
            returned_day,
            dossier_digitized,
            procedure_name,
            procedure_names: _,
            dossier_id,
            dossier_ids: _,
            source_file,
            source_line,
        } = self;
        status.clear();
        channel.clear();
        level.clear();
        fee.clear();
        charge.clear();
        paid_online.clear();
        result_digitized.clear();
        component_reused.clear();
        interagency.clear();
        transfer_electronic.clear();
        vneid_authenticated.clear();
        rating.clear();
        received_day.clear();
        received_month.clear();
        end_day.clear();
        end_month.clear();
        due_day.clear();
        unit.clear();
        sector.clear();
        procedure.clear();
        live.clear();
        submitted_day.clear();
        finished_day.clear();
        returned_day.clear();
        dossier_digitized.clear();
        procedure_name.clear();
        dossier_id.clear();
        source_file.clear();
        source_line.clear();
    }
}

/// Everything the read stage produces.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    pub dossiers: Dossiers,
    pub inputs: Vec<InputSummary>,
    pub defects: DefectLog,
    /// Optional fields that some input lacks → the paths lacking them. Indicators needing such a
    /// field are not evaluable.
    pub missing_fields: BTreeMap<Field, Vec<String>>,
    /// Rows replaced by a later row with the same `dossier_id`.
    pub duplicates_merged: u64,
    /// Valid rows handed to a [`read::RowSink`] instead of kept in `dossiers`.
    pub streamed_rows: u64,
}

impl ReadOutcome {
    /// Valid rows read, kept or streamed (replaced ones included).
    pub fn valid_rows(&self) -> u64 {
        self.dossiers.len() as u64 + self.streamed_rows
    }
}

/// How many defective rows are kept as samples; the count is always exact.
pub const DEFECT_SAMPLES: usize = 20;

/// Defective rows: the exact count and the first few, in input order.
#[derive(Debug, Default, Clone, Serialize)]
pub struct DefectLog {
    pub count: u64,
    pub samples: Vec<Defect>,
    /// Keep every defect, not only the first [`DEFECT_SAMPLES`] (`cchc convert` writes them all).
    #[serde(skip)]
    pub keep_all: bool,
}

impl DefectLog {
    pub fn push(&mut self, defect: Defect) {
        self.count += 1;
        if self.keep_all || self.samples.len() < DEFECT_SAMPLES {
            self.samples.push(defect);
        }
    }
}
