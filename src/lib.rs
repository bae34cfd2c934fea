//! cchc computes the administrative-reform (cải cách hành chính) indicators of a provincial
//! plan from one-stop-shop dossier exports and judges them against targets.
//!
//! [`dossier`] defines the dossier row once: its fields, their kinds and aliases, the coded
//! values, and the column table every stage passes rows in. Data flows one way: [`input`] reads
//! and normalizes the exports (handing rows on a chunk at a time), [`compute`] counts every
//! numerator and denominator (conditions evaluated by polars), [`judge`] compares values with [`targets`], the
//! command builds the [`model`] (the one report), and [`report`] renders it through one
//! exporter per format. [`exit`] decides the exit code. [`commands`] holds one module per
//! subcommand, each wiring those stages together; [`condition`] is the language populations and
//! numerators are written in, and [`dataset`] and [`engine_sql`] take the same rows and
//! definitions past one machine.

pub mod allocator;
pub mod cli;
pub mod commands;
pub mod compute;
pub mod condition;
pub mod dataset;
pub mod dossier;
pub mod engine_sql;
pub mod exit;
pub mod i766;
pub mod indicators;
pub mod input;
pub mod judge;
pub mod model;
pub mod report;
pub mod scorecard;
pub mod targets;
pub mod text;

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
