//! `cchc init`: a department starts by filling in files. Writes a commented targets.toml (the
//! plan's targets and one custom indicator as an example), a facts.csv with one blank row per
//! facts indicator for the current year, and a catalogue.csv holding only its header row.

use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::Datelike;

use super::write_file;
use crate::cli::InitArgs;
use crate::exit::Outcome;
use crate::indicators::FACTS_INDICATORS;
use crate::input::catalogue::CatalogueField;
use crate::input::columns::SchemaField;
use crate::input::facts::FactsField;

/// The example custom indicator appended to the plan's targets.
const EXAMPLE: &str = r#"
# ---------------------------------------------------------------------------------------------
# Your own indicators (DOMAIN.md §6). Conditions use a small portable SQL subset over the dossier
# fields: = <> < <= > >=, AND OR NOT, IN (...), BETWEEN, IS [NOT] NULL, LIKE, + -, and literals
# ('text', numbers, true/false, NULL, DATE 'yyyy-mm-dd'). `cchc indicators` lists every field's
# indicators; a mistake is reported with this file's line.
#
# The 2024 national target counts fully online (toàn trình, level 4) dossiers only:
[indicators.full_online_share]
name = "Tỷ lệ hồ sơ trực tuyến toàn trình"
name_en = "Fully online dossiers"
population = "accepted"
numerator = "channel = 'online' AND service_level = 4"
period_by = "received"
# min = 30                      # uncomment to judge it (percent)

# A figure you report yourself in facts.csv:
# [indicators.training_courses]
# name = "Số lớp bồi dưỡng kỹ năng CCHC"
# source = "facts"
# unit = "count"
# min = 4
"#;

/// A CSV line of headers, quoted where a header holds a comma.
fn header_line(headers: &[&str]) -> String {
    headers
        .iter()
        .map(|h| {
            if h.contains(',') {
                format!("\"{h}\"")
            } else {
                h.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub fn run(args: &InitArgs) -> Result<Outcome> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let year = chrono::Local::now().year();
    let facts_headers: Vec<&str> = FactsField::all().iter().map(|f| f.aliases()[0]).collect();
    let mut facts = format!("\u{feff}{}\n", header_line(&facts_headers));
    for (id, ..) in FACTS_INDICATORS {
        facts.push_str(&format!(
            "{id},{year}{}\n",
            ",".repeat(facts_headers.len() - 2)
        ));
    }
    let catalogue_headers: Vec<&str> = CatalogueField::all()
        .iter()
        .map(|f| f.aliases()[0])
        .collect();
    let catalogue = format!("\u{feff}{}\n", header_line(&catalogue_headers));
    let targets = format!("{}{EXAMPLE}", crate::targets::BUILT_IN);
    let files = [
        ("targets.toml", targets),
        ("facts.csv", facts),
        ("catalogue.csv", catalogue),
    ];
    // Nothing is written unless every file may be.
    let existing: Vec<String> = files
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if !existing.is_empty() && !args.force {
        bail!(
            "{} already exist(s): nothing was written. Use --force to replace, or init another folder",
            existing.join(", ")
        );
    }
    for (name, text) in &files {
        write_file(&dir.join(name), text.as_bytes())?;
    }
    let shown = |name: &str| Path::new(dir).join(name).display().to_string();
    super::write_stdout(
        format!(
            "wrote {}, {} and {}\nnext: fill in the figures, then run\n  cchc report --facts {} --catalogue {} --targets {} [dossier exports]\n",
            shown("targets.toml"),
            shown("facts.csv"),
            shown("catalogue.csv"),
            shown("facts.csv"),
            shown("catalogue.csv"),
            shown("targets.toml"),
        )
        .as_bytes(),
    )?;
    Ok(Outcome::TargetsMet)
}
