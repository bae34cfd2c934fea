//! `cchc check`: reads exports exactly as `report` does and shows how they were understood —
//! encoding, delimiter, header line, which column feeds which field, what is missing and which
//! indicators that leaves `na`, the spellings seen in each vocabulary column, the defects and
//! the date range — without computing any indicator.

use anyhow::Result;

use crate::cli::{CheckArgs, CheckFormat};
use crate::dossier::period::date_of;
use crate::dossier::Field;
use crate::exit::Outcome;
use crate::indicators::{Measure, Need, Registry};
use crate::input::catalogue::CatalogueField;
use crate::input::columns::SchemaField;
use crate::input::facts::FactsField;
use crate::input::InputSummary;
use crate::model::{CheckReport, CheckedInput, DuplicateOf, MappedColumn, MissingField, Source};

fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".to_string(),
        other => (other as char).to_string(),
    }
}

fn shown_date(day: i32) -> String {
    date_of(day).format("%d/%m/%Y").to_string()
}

/// The indicators that cannot be computed without `field`.
fn indicators_needing(registry: &Registry, field: Field, present: &[Field]) -> Vec<&'static str> {
    registry
        .all()
        .iter()
        .filter(|i| {
            i.needs.iter().any(|need| match need {
                Need::Field(f) => *f == field,
                Need::AnyOf(fields) => {
                    fields.contains(&field) && !fields.iter().any(|f| present.contains(f))
                }
            })
        })
        .map(|i| i.id)
        .collect()
}

/// The catalogue indicators that cannot be computed without `field`.
fn catalogue_indicators_needing(registry: &Registry, field: CatalogueField) -> Vec<&'static str> {
    registry
        .all()
        .iter()
        .filter(|i| match i.measure {
            Measure::Catalogue(measure) => crate::scorecard::needs(measure).contains(&field),
            _ => false,
        })
        .map(|i| i.id)
        .collect()
}

fn checked(summary: InputSummary, registry: &Registry) -> CheckedInput {
    let present: Vec<&str> = summary.header_map.iter().filter_map(|(_, f)| *f).collect();
    let missing_fields = match summary.kind {
        Source::Dossiers => {
            let fields: Vec<Field> = present.iter().filter_map(|f| Field::from_name(f)).collect();
            Field::ALL
                .iter()
                .copied()
                .filter(|f| !fields.contains(f))
                .map(|field| MissingField {
                    field: field.name(),
                    indicators: indicators_needing(registry, field, &fields),
                })
                .collect()
        }
        Source::Catalogue => CatalogueField::all()
            .iter()
            .filter(|f| !present.contains(&f.name()))
            .map(|&field| MissingField {
                field: field.name(),
                indicators: catalogue_indicators_needing(registry, field),
            })
            .collect(),
        Source::Facts => FactsField::all()
            .iter()
            .filter(|f| !present.contains(&f.name()))
            .map(|f| MissingField {
                field: f.name(),
                indicators: Vec::new(),
            })
            .collect(),
    };
    let dialect = summary.dialect.as_ref();
    CheckedInput {
        kind: summary.kind,
        path: summary.path,
        // A dataset has no text to decode: its columns are typed.
        encoding: dialect.map_or("parquet", |d| d.encoding.name()),
        encoding_source: dialect.map_or("dataset", |d| d.encoding_source),
        bom: dialect.is_some_and(|d| d.bom),
        delimiter: dialect.map_or(String::new(), |d| delimiter_name(d.delimiter)),
        header_line: dialect.map_or(0, |d| d.header_line),
        sheet: dialect.and_then(|d| d.sheet.clone()),
        notes: dialect
            .map(|d| d.notes.iter().map(|n| n.message.clone()).collect())
            .unwrap_or_default(),
        columns: summary
            .header_map
            .iter()
            .filter_map(|(h, f)| {
                f.map(|f| MappedColumn {
                    header: h.clone(),
                    field: f,
                })
            })
            .collect(),
        ignored_columns: summary
            .header_map
            .iter()
            .enumerate()
            .filter(|(i, (_, f))| {
                f.is_none()
                    && !summary
                        .duplicate_columns
                        .iter()
                        .any(|d| d.position == i + 1)
            })
            .map(|(_, (h, _))| h.clone())
            .collect(),
        duplicate_columns: summary
            .duplicate_columns
            .iter()
            .map(|d| DuplicateOf {
                header: d.header.clone(),
                field: d.field,
                used: d.used_header.clone(),
            })
            .collect(),
        missing_fields,
        rows: summary.rows,
        defective: summary.defective,
        blank_lines: summary.blank_lines,
        received_from: summary.received_range.map(|r| shown_date(r.0)),
        received_to: summary.received_range.map(|r| shown_date(r.1)),
        spellings: summary.spellings,
    }
}

pub fn run(args: &CheckArgs) -> Result<Outcome> {
    let (targets, mut options) = super::prepare_input(&args.input)?;
    // --targets makes custom facts ids known (DOMAIN.md §4).
    let registry = targets.registry()?;
    options.tally_spellings = true;
    let paths = super::InputPaths::of(&args.input)?;
    // Nothing is computed: the rows are read, counted and let go.
    let inputs = super::read_all(
        &paths,
        &options,
        &registry,
        Some(&mut crate::input::read::Discard),
    )?;
    let report = CheckReport {
        inputs: inputs
            .summaries()
            .into_iter()
            .map(|i| checked(i, &registry))
            .collect(),
        defects: (&inputs.dossiers.defects).into(),
        duplicates_merged: inputs.dossiers.duplicates_merged,
    };
    let text = match args.format {
        CheckFormat::Text => crate::report::check::render(&report),
        CheckFormat::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
    };
    // Decided before writing, so a closed pipe (`cchc check … | head`) keeps the code.
    let outcome = if report.defects.count > 0 {
        Outcome::DefectsFound
    } else {
        Outcome::Clean
    };
    super::write_stdout(text.as_bytes())?;
    Ok(outcome)
}
