//! JSON output: the report object of DOMAIN.md §3, pretty-printed.

use anyhow::Result;

use crate::model::Report;

/// DOMAIN.md §3's JSON object.
pub struct Json;

impl super::Exporter for Json {
    fn render(&self, report: &Report, _labels: &super::Labels) -> Result<Vec<u8>> {
        Ok(render(report)?.into())
    }
}

pub fn render(report: &Report) -> Result<String> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}
