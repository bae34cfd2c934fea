//! Workbook exports (`.xlsx`, `.xlsm`, `.xls`, `.ods`; DOMAIN.md v2 §1 "Workbooks"), read with
//! calamine: one sheet becomes rows of text cells that the same consumers parse as CSV records,
//! so every rule (header search, aliases, vocabularies, defects, dedup) holds unchanged.
//!
//! Cells become text as a person reads them: a date cell is its date and time
//! (`yyyy-mm-dd HH:MM:SS`), a number its shortest decimal form (`1500000`, `4`, `0.5`), a boolean
//! `true`/`false`, an error cell its error text (which no parser accepts, so a typed field with
//! one is a defect).

use std::io::Cursor;
use std::path::Path;

use anyhow::{bail, Result};
use calamine::{open_workbook_auto_from_rs, Data, Reader};

/// File name endings read as workbooks.
const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Whether a file is a workbook: by its name, or by its first bytes (a zip or an OLE file, as a
/// workbook saved under a `.csv` name is).
pub fn is_workbook(path: &str, head: &[u8]) -> bool {
    let by_name = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
    by_name || head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// One sheet's rows: the sheet's name and each non-trailing row with its 1-based row number.
pub struct Sheet {
    pub name: String,
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Reads one sheet (the first, or `wanted`) of a workbook held in `bytes`.
pub fn read_sheet(bytes: &[u8], wanted: Option<&str>) -> Result<Sheet> {
    let mut workbook = match open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(e) => bail!(
            "this workbook cannot be read ({e}): it may be encrypted, damaged or not a \
             workbook; open it in Excel or LibreOffice and save it again, or save it as \"CSV UTF-8\""
        ),
    };
    let names = workbook.sheet_names();
    let name = match wanted {
        Some(wanted) => match names.iter().find(|n| n.as_str() == wanted) {
            Some(name) => name.clone(),
            None => bail!(
                "the workbook has no sheet {wanted:?}; its sheets are: {}",
                names
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        None => match names.first() {
            Some(first) => first.clone(),
            None => bail!("the workbook has no sheet"),
        },
    };
    let range = match workbook.worksheet_range(&name) {
        Ok(range) => range,
        Err(e) => bail!("the sheet {name:?} cannot be read: {e}"),
    };
    let first_row = range.start().map_or(0, |(row, _)| u64::from(row));
    let first_column = range.start().map_or(0, |(_, column)| column as usize);
    let rows: Vec<(u64, Vec<String>)> = range
        .rows()
        .enumerate()
        .map(|(index, cells)| {
            // Columns left of the used range are empty cells, so positions match the sheet's.
            let mut texts = vec![String::new(); first_column];
            texts.extend(cells.iter().map(cell_text));
            (first_row + index as u64 + 1, texts)
        })
        .collect();
    if rows
        .iter()
        .all(|(_, cells)| cells.iter().all(|c| c.trim().is_empty()))
    {
        bail!("the sheet {name:?} is empty: expected a header row and one row per record");
    }
    Ok(Sheet { name, rows })
}

/// A cell as text, as DOMAIN.md v2 §1 reads it.
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(number) => number.to_string(),
        Data::Float(number) => number_text(*number),
        Data::Bool(yes) => yes.to_string(),
        Data::DateTime(moment) if moment.is_datetime() => {
            let (year, month, day, hour, minute, second, _) = moment.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
        }
        Data::DateTime(duration) => number_text(duration.as_f64()),
        // ISO text from .ods: drop fractional seconds, which the date parser does not take.
        Data::DateTimeIso(text) => text.split('.').next().unwrap_or_default().to_string(),
        Data::DurationIso(text) => text.clone(),
        Data::Error(error) => format!("#{error:?}"),
    }
}

/// The shortest decimal that reads back as the same number; whole numbers without `.0`.
fn number_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        format!("{number}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_a_person_reads_them() {
        assert_eq!(cell_text(&Data::Float(1_500_000.0)), "1500000");
        assert_eq!(cell_text(&Data::Float(0.5)), "0.5");
        assert_eq!(cell_text(&Data::Int(4)), "4");
        assert_eq!(cell_text(&Data::String("1.001230".into())), "1.001230");
        assert_eq!(cell_text(&Data::Bool(true)), "true");
        assert_eq!(cell_text(&Data::Empty), "");
        assert_eq!(
            cell_text(&Data::DateTimeIso("2024-03-01T08:30:00.000".into())),
            "2024-03-01T08:30:00"
        );
    }

    #[test]
    fn workbooks_are_known_by_name_or_first_bytes() {
        assert!(is_workbook("data.XLSX", b""));
        assert!(is_workbook("data.ods", b""));
        assert!(is_workbook("renamed.csv", b"PK\x03\x04rest"));
        assert!(!is_workbook("data.csv", b"Ma ho so,Ngay"));
    }

    #[test]
    fn a_file_that_is_not_a_workbook_gets_advice() {
        let message = format!(
            "{:#}",
            read_sheet(b"PK\x03\x04 not really", None)
                .err()
                .map_or(String::new(), |e| e.to_string())
        );
        assert!(message.contains("cannot be read"), "{message}");
    }
}
