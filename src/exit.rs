//! The one place that turns an outcome into the process exit code (DOMAIN.md §3).

use std::process::ExitCode;

/// How a run that produced a report ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every evaluated target met (`na` and `info` rows never fail).
    TargetsMet,
    /// At least one target missed.
    TargetMissed,
    /// The reader of standard output went away (`cchc report … | head`): not an error.
    OutputClosed,
}

/// Usage, config or input error, including `--strict` with defective rows.
pub const ERROR: u8 = 2;

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::TargetsMet | Outcome::OutputClosed => 0,
            Outcome::TargetMissed => 1,
        }
    }
}

/// The exit code of a whole run.
pub fn exit_code(result: &anyhow::Result<Outcome>) -> ExitCode {
    match result {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(_) => ExitCode::from(ERROR),
    }
}
