//! JSON output: the report object of DOMAIN.md §3, pretty-printed.

use anyhow::Result;

use super::model::Report;

pub fn render(report: &Report) -> Result<String> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}
