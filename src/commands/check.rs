//! `cchc check`: reads exports exactly as `report` does and shows how they were understood —
//! encoding, delimiter, header line, which column feeds which field, what is missing and which
//! indicators that leaves `na`, the spellings seen in each vocabulary column, the defects and
//! the date range — without computing any indicator.

use anyhow::Result;

use crate::cli::{CheckArgs, CheckFormat};
use crate::dossier::period::date_of;
use crate::dossier::Field;
use crate::exit::Outcome;
use crate::i766::{self, profile::Profile};
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

/// The indicators that cannot be computed without `field`: the plan's, then the 766 profile's
/// (as `i766:<code>`).
fn indicators_needing(
    registry: &Registry,
    profile: &Profile,
    field: Field,
    present: &[Field],
) -> Vec<String> {
    let mut ids: Vec<String> = registry
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
        .map(|i| i.id.to_string())
        .collect();
    for indicator in &profile.indicators {
        if let i766::profile::Measure::Dossiers {
            population,
            numerator,
            ..
        } = &indicator.measure
        {
            let named = i766::profile::named_fields(population)
                .into_iter()
                .chain(i766::profile::named_fields(numerator));
            if named.into_iter().any(|f| f == field) {
                ids.push(format!("i766:{}", indicator.code));
            }
        }
    }
    ids
}

/// The catalogue indicators that cannot be computed without `field`: the plan's, then the 766
/// profile's.
fn catalogue_indicators_needing(
    registry: &Registry,
    profile: &Profile,
    field: CatalogueField,
) -> Vec<String> {
    let mut ids: Vec<String> = registry
        .all()
        .iter()
        .filter(|i| match i.measure {
            Measure::Catalogue(measure) => crate::scorecard::needs(measure).contains(&field),
            _ => false,
        })
        .map(|i| i.id.to_string())
        .collect();
    for indicator in &profile.indicators {
        if let i766::profile::Measure::Catalogue {
            population,
            numerator,
            ..
        } = &indicator.measure
        {
            let mut names = population.names.clone();
            if let i766::profile::CatalogueNumerator::Row(condition) = numerator {
                names.extend(condition.names.iter().copied());
            }
            // Without online_eligible every procedure is eligible (DOMAIN.md §4).
            if names.contains(field.name()) && field != CatalogueField::OnlineEligible {
                ids.push(format!("i766:{}", indicator.code));
            }
        }
    }
    ids
}

fn checked(summary: InputSummary, registry: &Registry, profile: &Profile) -> CheckedInput {
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
                    indicators: indicators_needing(registry, profile, field, &fields),
                })
                .collect()
        }
        Source::Catalogue => CatalogueField::all()
            .iter()
            .filter(|f| !present.contains(&f.name()))
            .map(|&field| MissingField {
                field: field.name(),
                indicators: catalogue_indicators_needing(registry, profile, field),
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
    // Nothing is computed: the rows are read, counted and let go, so no column is kept (every
    // mapped column is still parsed: a value that cannot be understood is a defect).
    options.keep = crate::dossier::FieldSet::default();
    // The check states no SHA-256, so it computes none (a fifth of the time of a read).
    options.sha256 = false;
    let paths = super::InputPaths::of(&args.input)?;
    // The 766 figures of a facts file are known by the default profile's ids.
    let profile = Profile::load(None)?;
    let scores = i766::score_ids(&profile);
    let inputs = super::read_all(
        &paths,
        &options,
        &registry,
        &scores,
        Some(&mut crate::input::read::Discard),
    )?;
    let report = CheckReport {
        inputs: inputs
            .summaries()
            .into_iter()
            .map(|i| checked(i, &registry, &profile))
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
