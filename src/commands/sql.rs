//! `cchc sql`: the dossier indicators as one engine query (DOMAIN.md §7), generated from the
//! registry the report computes with.

use anyhow::{bail, Result};

use super::{check_selection, write_file, write_stdout};
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
    let selection = check_selection(&args.selection)?;
    let options = SqlOptions {
        dialect: args.dialect,
        table: table.to_string(),
        granularity: args.selection.period,
        group_by: selection.dims,
        year: args.selection.year,
        from: selection.from,
        to: selection.to,
        min_count: args.selection.min_count,
    };
    let sql = if args.i766.enabled {
        let profile = crate::i766::profile::Profile::load(args.i766.profile.as_deref())?;
        let as_of = match &args.i766.as_of {
            None => None,
            Some(text) => Some(
                crate::input::values::parse_date(text)
                    .map_err(|e| anyhow::anyhow!("--as-of {text:?}: {}", e.reason))?
                    .ok_or_else(|| anyhow::anyhow!("--as-of needs a date such as 31/08/2026"))?,
            ),
        };
        engine_sql::query_766(
            &profile,
            &options,
            &engine_sql::I766Options { as_of },
            &format!("profile {}", profile.source),
        )
    } else {
        engine_sql::query(&registry, &options, &format!("targets {}", targets.source))
    };
    match &args.output {
        Some(path) => write_file(path, sql.as_bytes())?,
        None => write_stdout(sql.as_bytes())?,
    }
    Ok(Outcome::TargetsMet)
}
