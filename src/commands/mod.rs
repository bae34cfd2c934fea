//! The subcommands (`report`, `check`) and what they share: validated input options, the
//! defect summary on stderr, and the two ways output leaves the process.

pub mod check;
pub mod output;
pub mod report;

pub use output::{diagnostic, write_file, write_stdout};

use anyhow::{bail, Context, Result};

use crate::cli;
use crate::input::{self, HeaderMatcher, ReadOptions};
use crate::targets::Targets;

/// The targets file and read options an input-reading command starts from, all validated
/// before any data is read.
pub fn prepare_input(args: &cli::InputArgs) -> Result<(Targets, ReadOptions)> {
    let targets = match &args.targets {
        Some(path) => Targets::load(path)?,
        None => Targets::built_in()?,
    };
    let mut options = ReadOptions::new(HeaderMatcher::new(&targets.columns));
    options.spellings = targets.spellings.clone();
    if let Some(name) = &args.encoding {
        options.encoding = Some(input::open::encoding_by_name(name).with_context(|| {
            format!("--encoding {name} is not supported: use utf-8, utf-16le, utf-16be, windows-1258 or windows-1252")
        })?);
    }
    if let Some(text) = &args.delimiter {
        options.delimiter = Some(match text.as_str() {
            "tab" | "\\t" | "\t" => b'\t',
            "," | ";" | "|" => text.as_bytes()[0],
            other => bail!("--delimiter {other:?} is not supported: use , ; | or tab"),
        });
    }
    Ok((targets, options))
}

pub fn defect_summary(defects: &input::DefectLog) -> String {
    let mut text = format!(
        "cchc: {} defective row(s) left out of every indicator{}:\n",
        defects.count,
        if defects.count > defects.samples.len() as u64 {
            format!(" (first {} shown)", defects.samples.len())
        } else {
            String::new()
        }
    );
    for d in &defects.samples {
        let place = match &d.column {
            Some(column) => format!(
                ", column {column:?}, value {:?}",
                d.value.as_deref().unwrap_or("")
            ),
            None => String::new(),
        };
        text.push_str(&format!(
            "  {}:{} (record {}){place}: {}\n",
            d.path, d.line, d.record, d.reason
        ));
    }
    text
}
