//! `cchc check`: reads exports exactly as `report` does and shows how they were understood —
//! encoding, delimiter, header line, which column feeds which field, what is missing and which
//! indicators that leaves `na`, the spellings seen in each vocabulary column, the defects and
//! the date range — without computing any indicator.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;

use crate::cli::{CheckArgs, CheckFormat};
use crate::exit::Outcome;
use crate::indicators::{Measure, Need, Registry};
use crate::input::catalogue::CatalogueField;
use crate::input::columns::SchemaField;
use crate::input::facts::FactsField;
use crate::input::InputKind;
use unicode_normalization::UnicodeNormalization;

use crate::input::{self, DefectLog, Field, InputSummary, SpellingCount};

#[derive(Debug, Serialize)]
struct CheckReport {
    inputs: Vec<CheckedInput>,
    defects: DefectLog,
    duplicates_merged: u64,
}

#[derive(Debug, Serialize)]
struct CheckedInput {
    kind: InputKind,
    path: String,
    encoding: &'static str,
    encoding_source: &'static str,
    bom: bool,
    delimiter: String,
    header_line: u64,
    /// The sheet read, for a workbook.
    sheet: Option<String>,
    /// How the file was opened, when it needs saying (UTF-16 without a byte-order mark…).
    notes: Vec<String>,
    columns: Vec<MappedColumn>,
    ignored_columns: Vec<String>,
    /// Columns ignored because an earlier column supplies the same field.
    duplicate_columns: Vec<DuplicateOf>,
    missing_fields: Vec<MissingField>,
    rows: u64,
    defective: u64,
    blank_lines: u64,
    received_from: Option<String>,
    received_to: Option<String>,
    spellings: BTreeMap<String, BTreeMap<String, SpellingCount>>,
}

#[derive(Debug, Serialize)]
struct MappedColumn {
    header: String,
    field: &'static str,
}

#[derive(Debug, Serialize)]
struct DuplicateOf {
    header: String,
    field: &'static str,
    /// The earlier column whose values are used.
    used: String,
}

#[derive(Debug, Serialize)]
struct MissingField {
    field: &'static str,
    /// Indicators that are `na` without it.
    indicators: Vec<&'static str>,
}

fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".to_string(),
        other => (other as char).to_string(),
    }
}

fn date_of(day: i32) -> String {
    let date = NaiveDate::default() + chrono::Days::new(day.max(0) as u64);
    date.format("%d/%m/%Y").to_string()
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
        InputKind::Dossiers => {
            let fields: Vec<Field> = present.iter().filter_map(|f| Field::from_name(f)).collect();
            Field::ALL
                .into_iter()
                .filter(|f| !fields.contains(f))
                .map(|field| MissingField {
                    field: field.name(),
                    indicators: indicators_needing(registry, field, &fields),
                })
                .collect()
        }
        InputKind::Catalogue => CatalogueField::all()
            .iter()
            .filter(|f| !present.contains(&f.name()))
            .map(|&field| MissingField {
                field: field.name(),
                indicators: catalogue_indicators_needing(registry, field),
            })
            .collect(),
        InputKind::Facts => FactsField::all()
            .iter()
            .filter(|f| !present.contains(&f.name()))
            .map(|f| MissingField {
                field: f.name(),
                indicators: Vec::new(),
            })
            .collect(),
    };
    CheckedInput {
        kind: summary.kind,
        path: summary.path,
        encoding: summary.dialect.encoding.name(),
        encoding_source: summary.dialect.encoding_source,
        bom: summary.dialect.bom,
        delimiter: delimiter_name(summary.dialect.delimiter),
        header_line: summary.dialect.header_line,
        sheet: summary.dialect.sheet.clone(),
        notes: summary
            .dialect
            .notes
            .iter()
            .map(|n| n.message.clone())
            .collect(),
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
        received_from: summary.received_range.map(|r| date_of(r.0)),
        received_to: summary.received_range.map(|r| date_of(r.1)),
        spellings: summary.spellings,
    }
}

/// A header as written, quoted so padding shows, in NFC so NFD text reads normally, with
/// invisible format characters escaped so two look-alike headers show how they differ.
fn shown_header(header: &str) -> String {
    format!(
        "\"{}\"",
        input::fold::visible(&header.nfc().collect::<String>())
    )
}

fn render_text(report: &CheckReport) -> String {
    let mut out = String::new();
    for input in &report.inputs {
        let kind = match input.kind {
            InputKind::Dossiers => "dossier export",
            InputKind::Catalogue => "procedure catalogue",
            InputKind::Facts => "facts file",
        };
        out.push_str(&format!("{} ({kind})\n", input.path));
        if let Some(sheet) = &input.sheet {
            out.push_str(&format!("  sheet      {sheet:?} (workbook)\n"));
            out.push_str(&format!("  header     row {}\n", input.header_line));
        } else {
            out.push_str(&format!(
                "  encoding   {} ({}{})\n",
                input.encoding,
                input.encoding_source,
                if input.bom && input.encoding_source != "byte-order mark" {
                    ", with byte-order mark"
                } else {
                    ""
                }
            ));
            out.push_str(&format!("  delimiter  {}\n", input.delimiter));
            out.push_str(&format!("  header     line {}\n", input.header_line));
        }
        for note in &input.notes {
            out.push_str(&format!("  note       {note}\n"));
        }
        out.push_str(&format!(
            "  rows       {} ({} valid, {} defective{})\n",
            input.rows,
            input.rows - input.defective,
            input.defective,
            if input.blank_lines > 0 {
                format!(", {} blank lines skipped", input.blank_lines)
            } else {
                String::new()
            }
        ));
        if let (Some(from), Some(to)) = (&input.received_from, &input.received_to) {
            out.push_str(&format!("  received   {from} – {to}\n"));
        }
        out.push_str("  columns\n");
        for column in &input.columns {
            out.push_str(&format!(
                "    {} → {}\n",
                shown_header(&column.header),
                column.field
            ));
        }
        for header in &input.ignored_columns {
            out.push_str(&format!("    {} (ignored)\n", shown_header(header)));
        }
        for duplicate in &input.duplicate_columns {
            out.push_str(&format!(
                "    {} (ignored: {} already comes from {})\n",
                shown_header(&duplicate.header),
                duplicate.field,
                shown_header(&duplicate.used)
            ));
        }
        let missing: Vec<&MissingField> = input.missing_fields.iter().collect();
        if !missing.is_empty() {
            out.push_str("  missing fields\n");
            for m in missing {
                if m.indicators.is_empty() {
                    out.push_str(&format!("    {}\n", m.field));
                } else {
                    out.push_str(&format!(
                        "    {} → N/A: {}\n",
                        m.field,
                        m.indicators.join(", ")
                    ));
                }
            }
        }
        if !input.spellings.is_empty() {
            out.push_str("  spellings\n");
            for (header, seen) in &input.spellings {
                let mut by_count: Vec<(&String, &SpellingCount)> = seen.iter().collect();
                by_count.sort_by(|a, b| b.1.rows.cmp(&a.1.rows).then(a.0.cmp(b.0)));
                let listed: Vec<String> = by_count
                    .iter()
                    .map(|(spelling, count)| {
                        let shown = if spelling.is_empty() {
                            "(blank)"
                        } else {
                            spelling.as_str()
                        };
                        let flag = if count.understood {
                            ""
                        } else {
                            " NOT UNDERSTOOD"
                        };
                        format!("{shown} ×{}{flag}", count.rows)
                    })
                    .collect();
                out.push_str(&format!(
                    "    {}: {}\n",
                    shown_header(header),
                    listed.join(", ")
                ));
            }
        }
        out.push('\n');
    }
    if report.duplicates_merged > 0 {
        out.push_str(&format!(
            "{} duplicate dossier row(s): the later row of each dossier_id is kept\n",
            report.duplicates_merged
        ));
    }
    if report.defects.count == 0 {
        out.push_str("no defective rows\n");
    } else {
        out.push_str(&super::defect_summary(&(&report.defects).into()));
    }
    out
}

pub fn run(args: &CheckArgs) -> Result<Outcome> {
    let (targets, mut options) = super::prepare_input(&args.input)?;
    // --targets makes custom facts ids known (DOMAIN.md §4).
    let registry = targets.registry()?;
    options.tally_spellings = true;
    let paths = super::InputPaths::of(&args.input)?;
    let inputs = super::read_all(&paths, &options, &registry, None)?;
    let report = CheckReport {
        inputs: inputs
            .summaries()
            .into_iter()
            .map(|i| checked(i, &registry))
            .collect(),
        defects: inputs.dossiers.defects,
        duplicates_merged: inputs.dossiers.duplicates_merged,
    };
    let text = match args.format {
        CheckFormat::Text => render_text(&report),
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
