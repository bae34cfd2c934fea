//! `cchc check`'s text: how each input was read (encoding, delimiter, header line, which
//! column feeds which field, what is missing, the spellings seen) and the defects.

use unicode_normalization::UnicodeNormalization;

use crate::model::{CheckReport, MissingField, Source, Spelling};

/// A header as written, quoted so padding shows, in NFC so NFD text reads normally, with
/// invisible format characters escaped so two look-alike headers show how they differ.
fn shown_header(header: &str) -> String {
    format!(
        "\"{}\"",
        crate::text::visible(&header.nfc().collect::<String>())
    )
}

/// The check report as text, one block per input.
pub fn render(report: &CheckReport) -> String {
    let mut out = String::new();
    for input in &report.inputs {
        let kind = match input.kind {
            Source::Dossiers => "dossier export",
            Source::Catalogue => "procedure catalogue",
            Source::Facts => "facts file",
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
                let mut by_count: Vec<(&String, &Spelling)> = seen.iter().collect();
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
        out.push_str(&super::defects::summary(&report.defects));
    }
    out
}
