//! `--format html`: one self-contained page to read, send and print (A4): the scorecard with
//! pass/fail colours, a trend chart per indicator (value per period, the target as a dashed line,
//! misses marked), with `--by` a ranked bar chart of the groups for the latest period, then the N/A
//! reasons, defects, warnings and provenance. Inline CSS and SVG only: it opens offline and needs
//! no script. Charts are drawn by plotters' SVG backend; each has a title and its numbers in a
//! table for screen readers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

use super::{blocks, Labels};
use crate::model::{Report, ResultRow, Status, Unit};

const GREEN: RGBColor = RGBColor(0x1a, 0x7f, 0x37);
const RED: RGBColor = RGBColor(0xc0, 0x1c, 0x28);
const GREY: RGBColor = RGBColor(0x77, 0x77, 0x77);
const BLUE: RGBColor = RGBColor(0x1f, 0x4e, 0x78);
const TARGET: RGBColor = RGBColor(0xd9, 0x7b, 0x00);

/// Most groups a ranking chart shows; the rest are counted under it.
const RANKED_GROUPS: usize = 25;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --pass: #1a7f37; --fail: #c01c28; --na: #777; --info: #1f4e78; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; line-height: 1.4; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
     border-bottom: 2px solid #1f4e78; padding-bottom: .2rem; } h3 { font-size: 1.05rem; }
.summary { font-size: 1.1rem; margin: .5rem 0 1.5rem; }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: .3rem; color: #fff; font-weight: bold; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.na { background: var(--na); } .badge.info { background: var(--info); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; vertical-align: top; }
th { background: #1f4e78; color: #fff; text-align: left; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.status { white-space: nowrap; }
tr.pass td.status { color: var(--pass); font-weight: bold; }
tr.fail td.status { color: var(--fail); font-weight: bold; } tr.fail { background: #fff1f1; }
tr.na td { color: var(--na); } tr.info td.status { color: var(--info); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1rem; }
figure.chart { margin: 0; border: 1px solid #ddd; border-radius: .4rem; padding: .5rem; break-inside: avoid; }
figure.chart figcaption { font-weight: bold; margin-bottom: .3rem; }
figure.chart svg { width: 100%; height: auto; }
details { font-size: .85rem; } details table { font-size: .85rem; }
.legend span { margin-right: 1rem; } .muted { color: #666; font-size: .9rem; }
code { font-size: .85rem; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { margin: 0; max-width: none; font-size: 10pt; }
  .charts { grid-template-columns: 1fr 1fr; }
  h2 { break-after: avoid; } table, figure { break-inside: avoid; }
  details { display: none; }
}
"#;

/// The self-contained page.
pub struct Html;

impl super::Exporter for Html {
    fn render(&self, report: &Report, labels: &Labels) -> Result<Vec<u8>> {
        Ok(render(report, labels)?.into())
    }
}

/// The page.
pub fn render(report: &Report, labels: &Labels) -> Result<String> {
    let lang = if labels.english { "en" } else { "vi" };
    let title = labels.pick(
        "Báo cáo kết quả thực hiện chỉ tiêu cải cách hành chính",
        "Administrative reform scorecard",
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(title),
        escape(title)
    );
    let s = &report.summary;
    let _ = writeln!(
        out,
        "<p class=\"summary\"><span class=\"badge pass\">{} {}</span> \
         <span class=\"badge fail\">{} {}</span> <span class=\"badge na\">{} N/A</span> \
         <span class=\"badge info\">{} {}</span></p>",
        s.pass,
        escape(labels.status(Status::Pass)),
        s.fail,
        escape(labels.status(Status::Fail)),
        s.na,
        s.info,
        escape(labels.status(Status::Info)),
    );
    scorecard(&mut out, report, labels, false);
    trend_charts(&mut out, report, labels)?;
    ranking_charts(&mut out, report, labels)?;
    if let Some(estimate) = &report.i766 {
        i766_cards(&mut out, estimate, labels)?;
    }
    if report.results.iter().any(|r| r.groups.is_some()) {
        scorecard(&mut out, report, labels, true);
    }
    notes(&mut out, report, labels);
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Na => "na",
        Status::Info => "info",
    }
}

/// The tables of results: the totals (`groups` false) or the group rows.
fn scorecard(out: &mut String, report: &Report, labels: &Labels, groups: bool) {
    let grouped = groups;
    let class = if groups { "groups" } else { "scorecard" };
    if groups {
        let _ = writeln!(
            out,
            "<h2>{}</h2>",
            escape(labels.pick("Chi tiết theo nhóm", "Details by group"))
        );
    }
    let _ = writeln!(out, "<section class=\"{class}\">");
    for (title, rows) in blocks(report, labels) {
        let rows: Vec<&ResultRow> = rows
            .into_iter()
            .filter(|r| r.groups.is_some() == groups)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let heading = if groups { "h3" } else { "h2" };
        let _ = writeln!(
            out,
            "<{heading}>{}</{heading}>\n<table>\n<thead><tr>",
            escape(&title)
        );
        if grouped {
            let _ = write!(out, "<th>{}</th>", escape(labels.group_header()));
        }
        for header in labels.headers() {
            let _ = write!(out, "<th>{}</th>", escape(header));
        }
        let _ = writeln!(out, "</tr></thead>\n<tbody>");
        for row in rows {
            let _ = write!(out, "<tr class=\"{}\">", status_class(row.status));
            if grouped {
                let _ = write!(out, "<td>{}</td>", escape(&labels.group_text(row)));
            }
            let _ = writeln!(
                out,
                "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td>{}</td><td class=\"status\">{}</td></tr>",
                escape(labels.indicator_name(row.indicator)),
                escape(&labels.count(row.numerator)),
                escape(&labels.count(row.denominator)),
                escape(&labels.value(row)),
                escape(&labels.target(row)),
                escape(labels.status(row.status)),
            );
        }
        let _ = writeln!(out, "</tbody>\n</table>");
    }
    let _ = writeln!(out, "</section>");
}

/// The value axis of a unit: percentages 0–100, points around zero, counts and ranks from 0.
fn axis(unit: Unit, values: &[f64]) -> (f64, f64) {
    let high = values.iter().copied().fold(f64::MIN, f64::max);
    let low = values.iter().copied().fold(f64::MAX, f64::min);
    match unit {
        Unit::Percent => (0.0, 100.0),
        Unit::Points => {
            let reach = low.abs().max(high.abs()).max(25.0) * 1.15;
            (-reach, reach)
        }
        Unit::Count | Unit::Rank => (0.0, (high.max(1.0) * 1.2).ceil()),
    }
}

/// One chart per indicator with a total value in at least one period (in report order).
fn trend_charts(out: &mut String, report: &Report, labels: &Labels) -> Result<()> {
    let mut by_indicator: BTreeMap<usize, (&'static str, Vec<&ResultRow>)> = BTreeMap::new();
    for row in report.results.iter().filter(|r| r.groups.is_none()) {
        by_indicator
            .entry(labels.order(row.indicator))
            .or_insert((row.indicator, Vec::new()))
            .1
            .push(row);
    }
    by_indicator.retain(|_, (_, rows)| rows.iter().any(|r| r.value.is_some()));
    if by_indicator.is_empty() {
        return Ok(());
    }
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<p class=\"legend muted\"><span style=\"color:#1a7f37\">● {}</span><span style=\"color:#c01c28\">● {}</span>\
         <span style=\"color:#d97b00\">- - {}</span></p>\n<section class=\"charts\">",
        escape(labels.pick("Diễn biến theo kỳ", "Trend by period")),
        escape(labels.status(Status::Pass)),
        escape(labels.status(Status::Fail)),
        escape(labels.pick("chỉ tiêu", "target")),
    );
    for (index, (id, rows)) in by_indicator.values().enumerate() {
        let name = labels.indicator_name(id);
        let svg = trend_svg(rows, labels, name)?;
        let _ = writeln!(
            out,
            "<figure class=\"chart trend\" role=\"group\" aria-labelledby=\"trend-{index}\">\n\
             <figcaption id=\"trend-{index}\">{}</figcaption>\n{svg}",
            escape(name)
        );
        data_table(out, rows, labels, false);
        let _ = writeln!(out, "</figure>");
    }
    let _ = writeln!(out, "</section>");
    Ok(())
}

/// The numbers behind a chart, for screen readers and for copying.
fn data_table(out: &mut String, rows: &[&ResultRow], labels: &Labels, by_group: bool) {
    let first = if by_group {
        labels.group_header()
    } else {
        labels.pick("Kỳ", "Period")
    };
    let _ = write!(
        out,
        "<details><summary>{}</summary><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        escape(labels.pick("Bảng số liệu", "Data table")),
        escape(first),
        escape(labels.headers()[3]),
        escape(labels.headers()[4]),
        escape(labels.headers()[5]),
    );
    for row in rows {
        let key = if by_group {
            labels.group_text(row)
        } else {
            row.period.clone()
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&key),
            escape(&labels.value(row)),
            escape(&labels.target(row)),
            escape(labels.status(row.status)),
        );
    }
    let _ = writeln!(out, "</tbody></table></details>");
}

fn point_colour(status: Status) -> RGBColor {
    match status {
        Status::Pass => GREEN,
        Status::Fail => RED,
        Status::Na => GREY,
        Status::Info => BLUE,
    }
}

/// The target a value is held to, in the chart's units.
fn target_level(row: &ResultRow) -> Option<f64> {
    let target = row.target.as_ref()?;
    target.min_points.or(target.min).or(target.max)
}

fn trend_svg(rows: &[&ResultRow], labels: &Labels, name: &str) -> Result<String> {
    let unit = rows.first().map_or(Unit::Percent, |r| r.unit);
    let mut values: Vec<f64> = rows.iter().filter_map(|r| r.value).collect();
    values.extend(rows.iter().filter_map(|r| target_level(r)));
    let (low, high) = axis(unit, &values);
    let periods: Vec<String> = rows.iter().map(|r| r.period.clone()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 260)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        let count = rows.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(45)
            .build_cartesian_2d(-0.5..count - 0.5, low..high)
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        let suffix = if unit == Unit::Percent { "%" } else { "" };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(rows.len().clamp(1, 12))
            .x_label_formatter(&|x| {
                let index = x.round();
                if (x - index).abs() > 0.01 || index < 0.0 {
                    return String::new();
                }
                periods.get(index as usize).cloned().unwrap_or_default()
            })
            .y_label_formatter(&|y| format!("{y:.0}{suffix}"))
            .draw()
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        // The target, period by period (it may change by year), dashed.
        let targets: Vec<(f64, f64)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| target_level(r).map(|t| (i as f64, t)))
            .collect();
        if !targets.is_empty() {
            let mut line = targets.clone();
            if line.len() == 1 {
                line = vec![(-0.4, line[0].1), (0.4, line[0].1)];
            }
            chart
                .draw_series(DashedLineSeries::new(line, 6, 4, TARGET.stroke_width(2)))
                .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        }
        // The values; a period without one breaks the line.
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let mut segments = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            match row.value {
                Some(v) => segment.push((i as f64, v)),
                None => segments.push(std::mem::take(&mut segment)),
            }
        }
        segments.push(segment);
        for segment in segments.into_iter().filter(|s| s.len() > 1) {
            chart
                .draw_series(LineSeries::new(segment, BLUE.stroke_width(2)))
                .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        }
        chart
            .draw_series(rows.iter().enumerate().filter_map(|(i, row)| {
                row.value
                    .map(|v| Circle::new((i as f64, v), 5, point_colour(row.status).filled()))
            }))
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        root.present()
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
    }
    Ok(accessible(svg, name, labels))
}

/// Gives a plotters SVG a role, a label and a title for assistive technology.
fn accessible(svg: String, name: &str, labels: &Labels) -> String {
    let label = format!("{}: {name}", labels.pick("Biểu đồ", "Chart"));
    svg.replacen(
        "<svg ",
        &format!(
            "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" ",
            escape(&label)
        ),
        1,
    )
    .replacen("\">", &format!("\">\n<title>{}</title>", escape(&label)), 1)
}

/// With `--by`: per indicator, the groups of the latest period ranked by value, target line.
fn ranking_charts(out: &mut String, report: &Report, labels: &Labels) -> Result<()> {
    let grouped: Vec<&ResultRow> = report
        .results
        .iter()
        .filter(|r| {
            r.groups.is_some() && r.value.is_some() && r.source == crate::model::Source::Dossiers
        })
        .collect();
    let Some(latest) = grouped.iter().map(|r| r.period.as_str()).max() else {
        return Ok(());
    };
    let mut by_indicator: BTreeMap<usize, (&'static str, Vec<&ResultRow>)> = BTreeMap::new();
    for row in grouped.iter().filter(|r| r.period == latest) {
        by_indicator
            .entry(labels.order(row.indicator))
            .or_insert((row.indicator, Vec::new()))
            .1
            .push(row);
    }
    let _ = writeln!(
        out,
        "<h2>{} {}</h2>\n<section class=\"charts\">",
        escape(labels.pick("Xếp hạng theo nhóm, kỳ", "Groups ranked, period")),
        escape(latest)
    );
    for (index, (id, mut rows)) in by_indicator.into_values().enumerate() {
        rows.sort_by(|a, b| {
            b.value
                .unwrap_or(0.0)
                .total_cmp(&a.value.unwrap_or(0.0))
                .then_with(|| a.group.cmp(&b.group))
        });
        let name = labels.indicator_name(id);
        let shown: Vec<&ResultRow> = rows.iter().copied().take(RANKED_GROUPS).collect();
        let svg = ranking_svg(&shown, labels, name)?;
        let _ = writeln!(
            out,
            "<figure class=\"chart ranking\" role=\"group\" aria-labelledby=\"rank-{index}\">\n\
             <figcaption id=\"rank-{index}\">{} — {}</figcaption>\n{svg}",
            escape(name),
            escape(latest)
        );
        if rows.len() > shown.len() {
            let _ = writeln!(
                out,
                "<p class=\"muted\">{} {}</p>",
                rows.len() - shown.len(),
                escape(labels.pick(
                    "nhóm khác trong bảng số liệu",
                    "more groups in the data table"
                ))
            );
        }
        data_table(out, &rows, labels, true);
        let _ = writeln!(out, "</figure>");
    }
    let _ = writeln!(out, "</section>");
    Ok(())
}

fn ranking_svg(rows: &[&ResultRow], labels: &Labels, name: &str) -> Result<String> {
    let unit = rows.first().map_or(Unit::Percent, |r| r.unit);
    let mut values: Vec<f64> = rows.iter().filter_map(|r| r.value).collect();
    values.extend(rows.iter().filter_map(|r| target_level(r)));
    let (low, high) = axis(unit, &values);
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            let text = labels.group_text(r);
            let short: String = text.chars().take(28).collect();
            if short.len() < text.len() {
                format!("{short}…")
            } else {
                short
            }
        })
        .collect();
    let height = 50 + 22 * rows.len().max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        let count = rows.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(25)
            .y_label_area_size(190)
            .build_cartesian_2d(low.min(0.0)..high, count - 0.5..-0.5)
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows.len().clamp(1, RANKED_GROUPS))
            .y_label_formatter(&|y| {
                let index = y.round();
                if (y - index).abs() > 0.01 || index < 0.0 {
                    return String::new();
                }
                names.get(index as usize).cloned().unwrap_or_default()
            })
            .draw()
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        chart
            .draw_series(rows.iter().enumerate().filter_map(|(i, row)| {
                row.value.map(|v| {
                    let y = i as f64;
                    Rectangle::new(
                        [(0.0, y - 0.35), (v, y + 0.35)],
                        point_colour(row.status).filled(),
                    )
                })
            }))
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        if let Some(target) = rows.iter().find_map(|r| target_level(r)) {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(target, -0.5), (target, count - 0.5)],
                    6,
                    4,
                    TARGET.stroke_width(2),
                ))
                .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        }
        root.present()
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
    }
    Ok(accessible(svg, name, labels))
}

/// The 766 estimate: per period a score card with the groups' bars against their maxima, the
/// points lost per indicator (largest first, with what full points need) and the units ranked.
fn i766_cards(out: &mut String, estimate: &crate::model::I766, labels: &Labels) -> Result<()> {
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<p class=\"muted\">{} · {} {}</p>",
        escape(labels.pick("Bộ chỉ số 766 (ước tính)", "766 index (estimate)")),
        escape(&estimate.profile_name),
        escape(labels.pick("tính đến", "as of")),
        escape(&estimate.as_of),
    );
    for (index, block) in estimate.blocks.iter().enumerate() {
        let Some(total) = block.scores.first() else {
            continue;
        };
        let title = labels.i766_title(block);
        let _ = writeln!(
            out,
            "<section class=\"i766\" aria-labelledby=\"i766-{index}\">\n<h3 id=\"i766-{index}\">{}</h3>\n\
             <p class=\"summary\"><span class=\"badge {}\">{} / {}</span> {}</p>",
            escape(&title),
            if total.complete { "info" } else { "na" },
            escape(&labels.points(total.total)),
            escape(&labels.number(total.max)),
            escape(if total.complete {
                ""
            } else {
                labels.pick(
                    "chưa đủ dữ liệu: các chỉ số N/A được tính 0 điểm",
                    "incomplete: N/A indicators count 0 points",
                )
            }),
        );
        let name = format!(
            "{} — {}",
            labels.pick("Điểm theo nhóm", "Points by group"),
            block.period
        );
        let svg = group_bars_svg(total, labels, &name)?;
        let _ = writeln!(
            out,
            "<figure class=\"chart i766-groups\" role=\"group\" aria-label=\"{}\">\n{svg}</figure>",
            escape(&name)
        );
        let mut lost: Vec<&crate::model::I766Indicator> =
            total.indicators.iter().filter(|i| i.gain > 0.0).collect();
        lost.sort_by(|a, b| b.gain.total_cmp(&a.gain).then_with(|| a.code.cmp(&b.code)));
        let headers = labels.i766_headers();
        let _ = writeln!(
            out,
            "<table class=\"i766-lost\"><caption>{}</caption><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            escape(labels.pick("Điểm bị mất, nhiều nhất trước", "Points lost, largest first")),
            escape(headers[0]),
            escape(headers[3]),
            escape(headers[5]),
            escape(labels.pick("Mất", "Lost")),
            escape(headers[7]),
            escape(labels.pick("Lý do N/A", "Why N/A")),
        );
        for indicator in lost {
            let cells = labels.i766_cells(indicator);
            let _ = writeln!(
                out,
                "<tr class=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} / {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                if indicator.status == crate::model::I766Status::Na { "na" } else { "fail" },
                escape(&labels.i766_indicator_name(indicator)),
                escape(&cells[2]),
                escape(&cells[4]),
                escape(&cells[5]),
                escape(&labels.points(indicator.gain)),
                escape(&cells[6]),
                escape(
                    &indicator
                        .na_reason
                        .as_ref()
                        .map(|r| r.text(labels.english))
                        .unwrap_or_default()
                ),
            );
        }
        let _ = writeln!(out, "</tbody></table>");
        let units: Vec<&crate::model::I766Score> =
            block.scores.iter().filter(|s| s.unit.is_some()).collect();
        if !units.is_empty() {
            let _ = write!(
                out,
                "<table class=\"i766-units\"><caption>{}</caption><thead><tr><th>{}</th><th>{}</th><th>{}</th>",
                escape(labels.pick("Xếp hạng đơn vị", "Units ranked")),
                escape(labels.pick("Hạng", "Rank")),
                escape(labels.pick("Đơn vị", "Unit")),
                escape(labels.pick("Tổng điểm", "Total")),
            );
            for group in &total.groups {
                let _ = write!(out, "<th>{}</th>", escape(&group.code));
            }
            let _ = writeln!(out, "</tr></thead><tbody>");
            for score in units {
                let _ = write!(
                    out,
                    "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td>",
                    score.rank.map_or("—".to_string(), |r| r.to_string()),
                    escape(labels.unit_name(score)),
                    escape(&labels.points(score.total)),
                );
                for group in &score.groups {
                    let _ = write!(
                        out,
                        "<td class=\"num\">{}</td>",
                        escape(&labels.points(group.points))
                    );
                }
                let _ = writeln!(out, "</tr>");
            }
            let _ = writeln!(out, "</tbody></table>");
        }
        let _ = writeln!(out, "</section>");
    }
    Ok(())
}

/// Each group's points as a bar over its maximum.
fn group_bars_svg(score: &crate::model::I766Score, labels: &Labels, name: &str) -> Result<String> {
    let names: Vec<String> = score
        .groups
        .iter()
        .map(|g| format!("{} {}", g.code, labels.points(g.points)))
        .collect();
    let high = score.groups.iter().map(|g| g.max).fold(1.0, f64::max);
    let height = 50 + 26 * score.groups.len().max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        let count = score.groups.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(25)
            .y_label_area_size(120)
            .build_cartesian_2d(0.0..high * 1.05, count - 0.5..-0.5)
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(score.groups.len().max(1))
            .y_label_formatter(&|y| {
                let index = y.round();
                if (y - index).abs() > 0.01 || index < 0.0 {
                    return String::new();
                }
                names.get(index as usize).cloned().unwrap_or_default()
            })
            .draw()
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        chart
            .draw_series(score.groups.iter().enumerate().map(|(i, g)| {
                let y = i as f64;
                Rectangle::new(
                    [(0.0, y - 0.35), (g.max, y + 0.35)],
                    GREY.mix(0.25).filled(),
                )
            }))
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        chart
            .draw_series(score.groups.iter().enumerate().map(|(i, g)| {
                let y = i as f64;
                Rectangle::new([(0.0, y - 0.35), (g.points, y + 0.35)], BLUE.filled())
            }))
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
        root.present()
            .map_err(|e| anyhow!("drawing a chart: {e}"))?;
    }
    Ok(accessible(svg, name, labels))
}

/// N/A reasons, defects, warnings and provenance, as the terminal report ends.
fn notes(out: &mut String, report: &Report, labels: &Labels) {
    let reasons = super::na_notes(report, labels);
    if !reasons.is_empty() {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<ul>",
            escape(labels.pick("Không đánh giá được (N/A)", "Not evaluable (N/A)"))
        );
        for reason in reasons {
            let _ = writeln!(out, "<li>{}</li>", escape(&reason));
        }
        let _ = writeln!(out, "</ul>");
    }
    if report.defects.count > 0 {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<p>{} {}</p>\n<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            escape(labels.pick("Dòng lỗi", "Defective rows")),
            report.defects.count,
            escape(labels.pick(
                "dòng lỗi, bị loại khỏi mọi chỉ số:",
                "row(s) left out of every indicator:"
            )),
            escape(labels.pick("Tệp", "File")),
            escape(labels.pick("Dòng", "Line")),
            escape(labels.pick("Bản ghi", "Record")),
            escape(labels.pick("Cột", "Column")),
            escape(labels.pick("Giá trị", "Value")),
            escape(labels.pick("Lý do", "Reason")),
        );
        for d in &report.defects.samples {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&d.path),
                d.line,
                d.record,
                escape(d.column.as_deref().unwrap_or_default()),
                escape(d.value.as_deref().unwrap_or_default()),
                escape(&d.reason),
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<ul>",
            escape(labels.pick("Cảnh báo", "Warnings"))
        );
        for warning in &report.warnings {
            let _ = writeln!(out, "<li>{}</li>", escape(&warning.message));
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<p class=\"muted\">{} {}{}</p>\n<ul class=\"muted\">",
        escape(labels.pick("Nguồn số liệu", "Provenance")),
        escape(report.tool.name),
        escape(report.tool.version),
        report
            .generated_at
            .as_deref()
            .map(|at| format!(" · {}", escape(at)))
            .unwrap_or_default()
    );
    for input in &report.inputs {
        let _ = writeln!(
            out,
            "<li>{}: {} ({} {}{})</li>",
            escape(labels.source_title(input.kind)),
            escape(&input.path),
            input.rows,
            escape(labels.pick("dòng", "rows")),
            input
                .sha256
                .as_deref()
                .map(|sha256| format!(", sha256 <code>{}</code>", escape(sha256)))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        out,
        "<li>{}: {} (sha256 <code>{}</code>)</li>\n</ul>",
        escape(labels.pick("Chỉ tiêu", "Targets")),
        escape(&report.targets.source),
        escape(&report.targets.sha256)
    );
}
