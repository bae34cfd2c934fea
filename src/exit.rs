//! The one place that turns an outcome into the process exit code (DOMAIN.md §3).

use std::process::ExitCode;

/// How a run that produced a report ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every evaluated target met (`na` and `info` rows never fail).
    TargetsMet,
    /// At least one target missed.
    TargetMissed,
    /// `cchc check`: every row was understood.
    Clean,
    /// `cchc check`: some rows are defective.
    DefectsFound,
}

/// Usage, config or input error, including `--strict` with defective rows.
pub const ERROR: u8 = 2;

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::TargetsMet | Outcome::Clean => 0,
            Outcome::TargetMissed | Outcome::DefectsFound => 1,
        }
    }
}

/// How a report ends: a missed target fails the run unless `--fail-on never`.
pub fn report_outcome(failed_targets: u64, fail_on: crate::cli::FailOn) -> Outcome {
    if failed_targets > 0 && fail_on == crate::cli::FailOn::Miss {
        Outcome::TargetMissed
    } else {
        Outcome::TargetsMet
    }
}

/// The exit code of a whole run.
pub fn exit_code(result: &anyhow::Result<Outcome>) -> ExitCode {
    match result {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(_) => ExitCode::from(ERROR),
    }
}
