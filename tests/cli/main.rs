//! Integration tests: they run the real `cchc` binary, as users and cron jobs do.

mod common;
mod exit_codes;
mod fixtures;
mod hand_made;
mod outputs;
mod readme;
mod targets_file;
