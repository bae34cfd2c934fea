use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cchc::cli::Cli::parse();
    let result = cchc::run(cli);
    if let Err(error) = &result {
        eprintln!("cchc: {error:#}");
    }
    cchc::exit::exit_code(&result)
}
