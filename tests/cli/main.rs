//! Integration tests: they run the real `cchc` binary, as users and cron jobs do.

mod check;
mod common;
mod datasets;
mod exit_codes;
mod fixtures;
mod hand_made;
mod hostile;
mod i766;
mod outputs;
mod periods_groups;
mod quirks;
mod ranges;
mod readme;
mod reports;
mod scorecard;
mod streaming;
mod targets_file;
mod workbooks;
