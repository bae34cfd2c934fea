//! cchc computes the administrative-reform (cải cách hành chính) indicators of a provincial
//! plan from one-stop-shop dossier exports and judges them against targets.
//!
//! Data flows one way: [`input`] reads and normalizes the exports (handing rows on a chunk at a
//! time), [`compute`] sums every numerator and denominator with polars, [`judge`] compares values
//! with [`targets`], and
//! [`report`] renders the result. [`exit`] decides the exit code. [`commands`] holds one module
//! per subcommand, each wiring those stages together.

pub mod cli;
pub mod commands;
pub mod compute;
pub mod condition;
pub mod dataset;
pub mod engine_sql;
pub mod exit;
pub mod indicators;
pub mod input;
pub mod judge;
pub mod report;
pub mod scorecard;
pub mod targets;

use anyhow::Result;

use cli::{Cli, Command};
use exit::Outcome;

/// Runs one command and says how it ended; errors are for `main` to print.
pub fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Report(args) => commands::report::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Indicators(args) => commands::indicators::run(&args),
        Command::Init(args) => commands::init::run(&args),
        Command::Convert(args) => commands::convert::run(&args),
        Command::Sql(args) => commands::sql::run(&args),
    }
}
