//! The canonical dataset of DOMAIN.md §7: the dossiers after every §1 rule, as Parquet, so that
//! a roll-up reads each export once and DuckDB, Spark or `cchc report` compute the indicators
//! from the same typed rows.
//!
//! A dataset is a folder:
//!
//! ```text
//! DIR/manifest.json                  cchc version, inputs (SHA-256, rows, defects, columns)
//! DIR/dossiers/part-00000.parquet    the rows, at most ROWS_PER_FILE per file
//! DIR/defects.parquet                every defective row: file, record, line, column, reason
//! ```
//!
//! The dossier columns are the canonical fields of §1 typed as §6 types them for conditions, so
//! a condition's text runs unchanged on them, plus the derived `accepted`, `finished`, `end_at`
//! and the provenance `source_file`, `source_seq`, `source_line`, `batch`. One more column,
//! `missing_columns` (`|fee|charge|`: the canonical columns the row's input lacked, after the
//! catalogue join), carries what the manifest says into the rows themselves, so that engine SQL
//! over any union of datasets knows which indicators are not evaluable.

pub mod read;
pub mod row_group;
pub mod write;

use polars::prelude::DataType;

use crate::dossier::rows::dataset_type;
use crate::dossier::Field;

/// The dossier rows' folder inside a dataset.
pub const DOSSIER_DIR: &str = "dossiers";
pub const DEFECTS_FILE: &str = "defects.parquet";
pub const MANIFEST_FILE: &str = "manifest.json";
/// Identifies a cchc manifest and its layout.
pub const FORMAT: &str = "cchc-dataset";
pub const FORMAT_VERSION: u32 = 1;

/// Rows per Parquet file (default of `--rows-per-file`) and per row group: large inputs become
/// several files and row groups, so engines split the work between cores and machines.
pub const ROWS_PER_FILE: usize = 1 << 20;
pub const ROWS_PER_GROUP: usize = 1 << 16;

pub const ACCEPTED: &str = "accepted";
pub const FINISHED: &str = "finished";
pub const END_AT: &str = "end_at";
pub const SOURCE_FILE: &str = "source_file";
pub const SOURCE_SEQ: &str = "source_seq";
pub const SOURCE_LINE: &str = "source_line";
pub const BATCH: &str = "batch";
pub const MISSING_COLUMNS: &str = "missing_columns";

/// Every dossier column of a dataset, in file order, with its type.
pub fn columns() -> Vec<(&'static str, DataType)> {
    let mut columns: Vec<(&'static str, DataType)> = Field::ALL
        .iter()
        .map(|f| (f.name(), dataset_type(*f)))
        .collect();
    columns.extend([
        (ACCEPTED, DataType::Boolean),
        (FINISHED, DataType::Boolean),
        (END_AT, DataType::Date),
        (SOURCE_FILE, DataType::String),
        (SOURCE_SEQ, DataType::Int64),
        (SOURCE_LINE, DataType::Int64),
        (BATCH, DataType::Int64),
        (MISSING_COLUMNS, DataType::String),
    ]);
    columns
}

/// `|fee|charge|` for the fields an input lacked; `""` when it had them all.
pub fn missing_text(fields: &[Field]) -> String {
    if fields.is_empty() {
        return String::new();
    }
    let mut text = String::from("|");
    for field in fields {
        text.push_str(field.name());
        text.push('|');
    }
    text
}

/// The fields a `missing_columns` text names (unknown names are ignored).
pub fn parse_missing(text: &str) -> Vec<Field> {
    text.split('|').filter_map(Field::from_name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_columns_round_trip() {
        let fields = [Field::Fee, Field::Charge];
        let text = missing_text(&fields);
        assert_eq!(text, "|fee|charge|");
        assert_eq!(parse_missing(&text), fields);
        assert_eq!(missing_text(&[]), "");
        assert!(parse_missing("").is_empty());
    }

    #[test]
    fn every_canonical_field_has_a_column_named_as_in_the_contract() {
        let names: Vec<&str> = columns().iter().map(|(n, _)| *n).collect();
        for field in Field::ALL {
            assert!(names.contains(&field.name()));
        }
        assert!(names.contains(&"source_seq") && names.contains(&"batch"));
    }
}
