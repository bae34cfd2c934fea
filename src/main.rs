use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cchc::cli::Cli::parse();
    let result = cchc::run(cli);
    if let Err(error) = &result {
        // A closed standard error must not turn an error into a panic.
        let _ = writeln!(std::io::stderr(), "cchc: {error:#}");
    }
    cchc::exit::exit_code(&result)
}
