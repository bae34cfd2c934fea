//! The subcommands (`report`, `check`) and what they share: validated input options, the
//! defect summary on stderr, and the two ways output leaves the process.

pub mod check;
pub mod report;

use std::io::Write;
use std::path::Path;

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

/// Writes to standard output; `Ok(false)` when the reader has gone away (broken pipe).
pub fn write_stdout(bytes: &[u8]) -> Result<bool> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e).context("writing to standard output"),
    }
}

/// Writes beside the target and renames, so a reader never sees half a report.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let directory = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("--output {} names no file", path.display()))?;
    let temporary = directory.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(e).with_context(|| format!("cannot write the output file {}", path.display()));
    }
    Ok(())
}
