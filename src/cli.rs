//! Command-line arguments (clap derive). Validation that needs more than clap's types happens
//! in [`crate::run`] before any data is read.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::compute::{Granularity, GroupDim};
use crate::report::{Format, Lang};

#[derive(Debug, Parser)]
#[command(
    name = "cchc",
    version,
    about = "Administrative-reform (CCHC) KPIs from one-stop-shop dossier exports",
    long_about = "Reads dossier exports (hồ sơ TTHC, one row per dossier) as CSV, computes the \
                  indicators of the administrative-reform plan and compares them with targets.\n\n\
                  Exit codes: 0 every evaluated target met, 1 at least one target missed, \
                  2 usage, config or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute every indicator and compare it with the targets.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Dossier exports (CSV, UTF-8; `,` `;` or tab delimited). Several files are read as one.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,

    /// Targets file (TOML). Default: the plan's targets built into cchc (targets.toml).
    #[arg(long, value_name = "PATH")]
    pub targets: Option<PathBuf>,

    /// Report only this year (the growth row still compares with the year before).
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(2000..=2100))]
    pub year: Option<i32>,

    /// Length of the reporting periods.
    #[arg(long, value_enum, default_value_t = Granularity::Year)]
    pub period: Granularity,

    /// Break results down by unit, sector or procedure (repeat for two levels). Totals stay.
    #[arg(long = "by", value_enum, value_name = "DIMENSION")]
    pub by: Vec<GroupDim>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the output to this file instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Language of indicator names and labels in table, Markdown and CSV output.
    #[arg(long, value_enum, default_value_t = Lang::Vi)]
    pub lang: Lang,

    /// Treat any defective row as an error (exit 2) instead of leaving it out.
    #[arg(long)]
    pub strict: bool,

    /// Start CSV output with a byte-order mark, so Excel opens Vietnamese text correctly.
    #[arg(long)]
    pub bom: bool,
}
