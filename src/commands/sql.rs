//! `cchc sql`: the dossier indicators as one engine query (DOMAIN.md §7), generated from the
//! registry the report computes with.

use anyhow::{bail, Context, Result};

use super::{write_file, write_stdout};
use crate::cli::SqlArgs;
use crate::engine_sql::{self, SqlOptions};
use crate::exit::Outcome;
use crate::targets::Targets;

pub fn run(args: &SqlArgs) -> Result<Outcome> {
    let targets = match &args.targets {
        Some(path) => Targets::load(path)?,
        None => Targets::built_in()?,
    };
    let registry = targets.registry()?;
    let table = args.table.trim();
    if table.is_empty() || table.contains(';') || table.contains("--") || table.contains('\n') {
        bail!(
            "--table {:?} is not a table name or a table expression",
            args.table
        );
    }
    let mut dims = args.by.clone();
    dims.dedup();
    if dims.len() > 2 {
        bail!("--by takes at most two dimensions (e.g. --by sector --by unit)");
    }
    let date = |flag: &str, text: &Option<String>| -> Result<Option<chrono::NaiveDate>> {
        let Some(text) = text else { return Ok(None) };
        crate::input::values::parse_date(text)
            .map_err(|e| anyhow::anyhow!("--{flag} {text:?}: {}", e.reason))?
            .map(Some)
            .with_context(|| format!("--{flag} needs a date such as 31/12/2024"))
    };
    let from = date("from", &args.from)?;
    let to = date("to", &args.to)?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            bail!("--from is after --to: no day is in that range");
        }
    }
    let provenance = format!("targets {}", targets.source);
    let sql = engine_sql::query(
        &registry,
        &SqlOptions {
            dialect: args.dialect,
            table: table.to_string(),
            granularity: args.period,
            group_by: dims,
            year: args.year,
            from,
            to,
            min_count: args.min_count,
        },
        &provenance,
    );
    match &args.output {
        Some(path) => write_file(path, sql.as_bytes())?,
        None => write_stdout(sql.as_bytes())?,
    }
    Ok(Outcome::TargetsMet)
}
