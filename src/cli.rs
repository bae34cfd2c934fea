//! Command-line arguments (clap derive). Validation that needs more than clap's types happens
//! in each command's plan, before any data is read.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::compute::GroupDim;
use crate::dossier::Granularity;
use crate::report::{Format, Lang};

#[derive(Debug, Parser)]
#[command(
    name = "cchc",
    version,
    about = "Administrative-reform (CCHC) KPIs from one-stop-shop dossier exports",
    long_about = "Reads dossier exports (hồ sơ TTHC, one row per dossier) as CSV or Excel/ODS \
                  workbooks, the procedure catalogue and the department's own figures, computes \
                  the indicators of the administrative-reform plan and compares them with \
                  targets.\n\n\
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
    /// Read exports without computing: encoding, delimiter, header mapping, spellings, defects.
    Check(CheckArgs),
    /// List every indicator, built-in and custom: source, population, numerator, unit, target.
    Indicators(IndicatorsArgs),
    /// Write the exports as a canonical Parquet dataset (DOMAIN.md §7), read once, for
    /// `cchc report DIR`, DuckDB or Spark.
    Convert(ConvertArgs),
    /// Print the dossier indicators as one SQL query over a converted dataset, for DuckDB or
    /// Spark (DOMAIN.md §7).
    Sql(SqlArgs),
    /// Start a department's folder: a commented targets.toml, a facts.csv template and an empty
    /// catalogue.csv to fill in.
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct IndicatorsArgs {
    /// Targets file whose custom indicators and targets to list (default: the built-in plan).
    #[arg(long, value_name = "PATH")]
    pub targets: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = IndicatorsFormat::Table)]
    pub format: IndicatorsFormat,

    /// Language of the names in the table.
    #[arg(long, value_enum, default_value_t = Lang::Vi)]
    pub lang: Lang,

    /// List the 766 profile's groups and indicators instead (DOMAIN.md §8).
    #[arg(long = "i766")]
    pub i766: bool,

    /// With --i766: a built-in profile (dvcqg-2026, qd766-2022) or a TOML file.
    #[arg(long, value_name = "ID|FILE", requires = "i766")]
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IndicatorsFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The dataset folder to write: dossiers/part-*.parquet, defects.parquet, manifest.json.
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Batch number written with every row: across datasets converted separately, a
    /// dossier_id keeps its row of the greatest batch (then the latest in its run).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub batch: i64,
    /// Rows per Parquet file (files are split further into row groups of at most 131,072
    /// rows): smaller files spread the work over more engine tasks.
    #[arg(long, value_name = "N", default_value_t = crate::dataset::ROWS_PER_FILE as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub rows_per_file: u64,
    /// Replace a dataset already in DIR (other files there are left alone).
    #[arg(long)]
    pub force: bool,
    /// Treat any defective row as an error (exit 2) instead of writing it to defects.parquet.
    #[arg(long)]
    pub strict: bool,
}

/// Which dossiers, periods and groups a report or an engine query covers.
#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Only this year (the report's growth row still compares with the year before).
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(2000..=2100))]
    pub year: Option<i32>,

    /// Length of the reporting periods.
    #[arg(long, value_enum, default_value_t = Granularity::Year)]
    pub period: Granularity,

    /// Break results down by unit, sector or procedure (repeat for two levels). Totals stay.
    #[arg(long = "by", value_enum, value_name = "DIMENSION")]
    pub by: Vec<GroupDim>,

    /// With --by: a group whose denominator is below N is N/A ("too few dossiers"; NULL
    /// numbers in engine SQL).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_count: u64,

    /// Only dossiers whose period date (received, or end date for result indicators) is on or
    /// after this day: dd/mm/yyyy or yyyy-mm-dd.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,

    /// Only dossiers whose period date is on or before this day (inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The engine to write SQL for.
    #[arg(long, value_enum)]
    pub dialect: crate::engine_sql::Dialect,
    /// Targets file whose custom indicators to include (default: the built-in plan).
    #[arg(long, value_name = "PATH")]
    pub targets: Option<PathBuf>,
    /// The table (or view) of dataset rows the query reads, inserted as written: a name, or
    /// for DuckDB `read_parquet('DIR/dossiers/*.parquet')`.
    #[arg(long, value_name = "NAME", default_value = "cchc_dossiers")]
    pub table: String,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Write the query to this file instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// The 766 profile's dossier indicators instead of the plan's (DOMAIN.md §8).
    #[command(flatten)]
    pub i766: I766Args,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to write into (created when missing; default: the current folder).
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Replace files that already exist.
    #[arg(long)]
    pub force: bool,
}

/// How to read the inputs; shared by every command.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Dossier exports (CSV, or .xlsx/.xlsm/.xls/.ods workbooks), or datasets written by
    /// `cchc convert` (a folder or .parquet files). Several files (or a quoted pattern such as "data/*.csv") are read
    /// as one data set; a dossier_id seen twice keeps its later row. May be left out when
    /// --catalogue or --facts is given.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,

    /// Procedure catalogue (danh mục TTHC, DOMAIN.md §4): which procedures are online at level
    /// 3/4, on the portals, fee-bearing with online payment. Repeatable.
    #[arg(long = "catalogue", value_name = "FILE")]
    pub catalogue: Vec<String>,

    /// Figures the department reports itself (DOMAIN.md §5): indicator, period, numerator and
    /// denominator or value. Repeatable. `cchc init` writes a template.
    #[arg(long = "facts", value_name = "FILE")]
    pub facts: Vec<String>,

    /// Targets file (TOML) with thresholds, `[columns]` and `[values.<field>]` tables.
    /// Default: the plan's targets built into cchc (targets.toml).
    #[arg(long, value_name = "PATH")]
    pub targets: Option<PathBuf>,

    /// Character encoding instead of detecting it: utf-8, utf-16le, utf-16be, windows-1258,
    /// windows-1252.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,

    /// Field delimiter instead of sniffing it: `,` `;` `|` or `tab`.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,

    /// The sheet to read in every workbook input (.xlsx, .xlsm, .xls, .ods); default: the first.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format: text or json.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub selection: SelectionArgs,

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

    /// One row per indicator and one column per period (table and Markdown); JSON and CSV keep
    /// their long format.
    #[arg(long)]
    pub trend: bool,

    /// Print only a one-line summary; the exit code is unchanged.
    #[arg(long, short)]
    pub quiet: bool,

    /// `miss`: exit 1 when a target is missed; `never`: exit 0 even then (still 2 on errors).
    #[arg(long, value_enum, default_value_t = FailOn::Miss)]
    pub fail_on: FailOn,

    /// Leave the generation time out of the provenance, for reproducible output.
    #[arg(long)]
    pub no_timestamp: bool,

    #[command(flatten)]
    pub i766: I766Args,
}

/// The national 766 index estimate (DOMAIN.md §8).
#[derive(Debug, Args)]
pub struct I766Args {
    /// Add the estimate of the national 766 index (Bộ chỉ số 766) per period (--period) and,
    /// with --by unit, per unit, ranked: information only, it never changes the exit code.
    #[arg(long = "i766")]
    pub enabled: bool,

    /// The 766 profile: a built-in one (dvcqg-2026, the default; qd766-2022) or a TOML file
    /// that replaces it.
    #[arg(long, value_name = "ID|FILE", requires = "enabled")]
    pub profile: Option<String>,

    /// The day the estimate is as of: dd/mm/yyyy or yyyy-mm-dd (default: the latest
    /// reception, result or return date in the exports).
    #[arg(long, value_name = "DATE", requires = "enabled")]
    pub as_of: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Miss,
    Never,
}
