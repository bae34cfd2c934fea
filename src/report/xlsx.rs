//! `--format xlsx`: a real Excel workbook (rust_xlsxwriter) for analysts who live in Excel.
//!
//! Sheets: the summary (one row per total result), the breakdown (one row per group result,
//! when there is one), the trend grid (indicator × period), the defects and the provenance.
//! Numbers are numbers (percentages as percentage-formatted fractions, so Excel sums and charts
//! them), pass/fail is coloured by conditional formatting (it follows an edited cell), headers are
//! frozen and filtered.

use anyhow::{Context, Result};
use rust_xlsxwriter::{
    Color, ConditionalFormatCell, ConditionalFormatCellRule, Format, FormatBorder, Workbook,
    Worksheet,
};

use super::Labels;
use crate::model::{Report, ResultRow, Status, Unit};

/// Widest a text column gets, in characters: long names wrap instead.
const MAX_WIDTH: f64 = 60.0;

struct Formats {
    header: Format,
    percent: Format,
    points: Format,
    count: Format,
    text: Format,
    wrapped: Format,
    pass: Format,
    fail: Format,
    na: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x1F4E78))
                .set_font_color(Color::White)
                .set_border_bottom(FormatBorder::Thin)
                .set_text_wrap(),
            percent: Format::new().set_num_format("0.00%"),
            points: Format::new().set_num_format("+0.00;-0.00;0.00"),
            count: Format::new().set_num_format("#,##0.##"),
            text: Format::new(),
            wrapped: Format::new().set_text_wrap(),
            pass: Format::new()
                .set_background_color(Color::RGB(0xC6EFCE))
                .set_font_color(Color::RGB(0x006100)),
            fail: Format::new()
                .set_background_color(Color::RGB(0xFFC7CE))
                .set_font_color(Color::RGB(0x9C0006)),
            na: Format::new().set_font_color(Color::RGB(0x7F7F7F)),
        }
    }
}

/// The Excel workbook.
pub struct Xlsx;

impl super::Exporter for Xlsx {
    fn render(&self, report: &Report, labels: &Labels) -> Result<Vec<u8>> {
        render(report, labels)
    }
}

/// The workbook's bytes.
pub fn render(report: &Report, labels: &Labels) -> Result<Vec<u8>> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let totals: Vec<&ResultRow> = report
        .results
        .iter()
        .filter(|r| r.groups.is_none())
        .collect();
    let groups: Vec<&ResultRow> = report
        .results
        .iter()
        .filter(|r| r.groups.is_some())
        .collect();
    results_sheet(
        workbook.add_worksheet(),
        labels.pick("Tổng hợp", "Summary"),
        &totals,
        false,
        labels,
        &formats,
    )?;
    if !groups.is_empty() {
        results_sheet(
            workbook.add_worksheet(),
            labels.pick("Theo nhóm", "By group"),
            &groups,
            true,
            labels,
            &formats,
        )?;
    }
    trend_sheet(workbook.add_worksheet(), &totals, labels, &formats)?;
    if let Some(estimate) = &report.i766 {
        i766_sheet(workbook.add_worksheet(), estimate, labels, &formats)?;
    }
    defects_sheet(workbook.add_worksheet(), report, labels, &formats)?;
    provenance_sheet(workbook.add_worksheet(), report, labels, &formats)?;
    workbook
        .save_to_buffer()
        .context("writing the Excel workbook")
}

/// A result's value as the number a spreadsheet computes with, and its format.
fn value_cell<'a>(row: &ResultRow, formats: &'a Formats) -> Option<(f64, &'a Format)> {
    let value = row.value?;
    Some(match row.unit {
        Unit::Percent => (value / 100.0, &formats.percent),
        Unit::Points => (value, &formats.points),
        Unit::Count | Unit::Rank => (value, &formats.count),
    })
}

fn header(sheet: &mut Worksheet, columns: &[&str], formats: &Formats) -> Result<()> {
    for (column, title) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *title, &formats.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_row_height(0, 30)?;
    Ok(())
}

/// Fits the columns to their text; the wrapped ones (names, reasons) get [`MAX_WIDTH`].
fn fit(sheet: &mut Worksheet, wrapped: &[u16]) -> Result<()> {
    sheet.autofit();
    for column in wrapped {
        sheet.set_column_width(*column, MAX_WIDTH)?;
    }
    Ok(())
}

fn results_sheet(
    sheet: &mut Worksheet,
    name: &str,
    rows: &[&ResultRow],
    grouped: bool,
    labels: &Labels,
    formats: &Formats,
) -> Result<()> {
    sheet.set_name(name)?;
    let mut columns: Vec<&str> = vec![labels.pick("Kỳ", "Period"), labels.pick("Phần", "Section")];
    if grouped {
        columns.extend([
            labels.pick("Theo", "By"),
            labels.group_header(),
            labels.pick("Tên TTHC", "Procedure name"),
        ]);
    }
    columns.extend([
        labels.pick("Mã chỉ số", "Indicator id"),
        labels.headers()[0],
        labels.headers()[1],
        labels.headers()[2],
        labels.headers()[3],
        labels.headers()[4],
        labels.headers()[5],
        labels.pick("Đơn vị đo", "Unit"),
        labels.pick("Lý do N/A", "Why N/A"),
        labels.pick("Ghi chú", "Note"),
    ]);
    header(sheet, &columns, formats)?;
    let status_column = columns.len() as u16 - 4;
    let name_column = columns.len() as u16 - 9;
    for (index, row) in rows.iter().enumerate() {
        let r = index as u32 + 1;
        let mut c: u16 = 0;
        let text = |sheet: &mut Worksheet, c: &mut u16, value: &str| -> Result<()> {
            // Text from input files (unit names) is written as text: never run as a formula.
            sheet.write_string_with_format(r, *c, value, &formats.text)?;
            *c += 1;
            Ok(())
        };
        text(sheet, &mut c, &row.period)?;
        text(sheet, &mut c, labels.source_title(row.source))?;
        if grouped {
            text(
                sheet,
                &mut c,
                &row.by.as_ref().map(|b| b.join(" / ")).unwrap_or_default(),
            )?;
            text(sheet, &mut c, &labels.group_text(row))?;
            text(sheet, &mut c, row.group_name.as_deref().unwrap_or_default())?;
        }
        text(sheet, &mut c, row.indicator)?;
        sheet.write_string_with_format(
            r,
            c,
            labels.indicator_name(row.indicator),
            &formats.wrapped,
        )?;
        c += 1;
        for count in [row.numerator, row.denominator] {
            if let Some(count) = count {
                sheet.write_number(r, c, count as f64)?;
            }
            c += 1;
        }
        if let Some((value, format)) = value_cell(row, formats) {
            sheet.write_number_with_format(r, c, value, format)?;
        }
        c += 1;
        text(sheet, &mut c, &labels.target(row))?;
        text(sheet, &mut c, labels.status(row.status))?;
        text(sheet, &mut c, row.unit.id())?;
        text(
            sheet,
            &mut c,
            &row.na_reason
                .as_ref()
                .map(|r| r.text(labels.english))
                .unwrap_or_default(),
        )?;
        text(sheet, &mut c, row.note.as_deref().unwrap_or_default())?;
    }
    let last_row = rows.len().max(1) as u32;
    sheet.autofilter(0, 0, last_row, columns.len() as u16 - 1)?;
    for (status, format) in [
        (Status::Pass, &formats.pass),
        (Status::Fail, &formats.fail),
        (Status::Na, &formats.na),
    ] {
        let rule = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::EqualTo(labels.status(status)))
            .set_format(format);
        sheet.add_conditional_format(1, status_column, last_row, status_column, &rule)?;
    }
    fit(sheet, &[name_column])?;
    Ok(())
}

/// Indicator × period, the totals' values, as the trend grid of the terminal report.
fn trend_sheet(
    sheet: &mut Worksheet,
    totals: &[&ResultRow],
    labels: &Labels,
    formats: &Formats,
) -> Result<()> {
    sheet.set_name(labels.pick("Xu hướng", "Trend"))?;
    let mut periods: Vec<&str> = Vec::new();
    let mut indicators: Vec<&'static str> = Vec::new();
    for row in totals {
        if !periods.contains(&row.period.as_str()) {
            periods.push(&row.period);
        }
        if !indicators.contains(&row.indicator) {
            indicators.push(row.indicator);
        }
    }
    indicators.sort_by_key(|id| labels.order(id));
    let mut columns = vec![
        labels.pick("Mã chỉ số", "Indicator id"),
        labels.headers()[0],
    ];
    columns.extend(periods.iter().copied());
    header(sheet, &columns, formats)?;
    let cells: std::collections::HashMap<(&str, &str), &&ResultRow> = totals
        .iter()
        .map(|r| ((r.indicator, r.period.as_str()), r))
        .collect();
    for (index, id) in indicators.iter().enumerate() {
        let r = index as u32 + 1;
        sheet.write_string(r, 0, *id)?;
        sheet.write_string_with_format(r, 1, labels.indicator_name(id), &formats.wrapped)?;
        for (column, period) in periods.iter().enumerate() {
            let Some(row) = cells.get(&(*id, *period)) else {
                continue;
            };
            let c = column as u16 + 2;
            match value_cell(row, formats) {
                Some((value, format)) => {
                    let format = match row.status {
                        Status::Pass => format.clone().set_font_color(Color::RGB(0x006100)),
                        Status::Fail => format.clone().set_font_color(Color::RGB(0x9C0006)),
                        _ => format.clone(),
                    };
                    sheet.write_number_with_format(r, c, value, &format)?;
                }
                None => {
                    sheet.write_string_with_format(r, c, "N/A", &formats.na)?;
                }
            }
        }
    }
    fit(sheet, &[1])?;
    Ok(())
}

/// The 766 estimate: one row per period, unit and indicator, then the groups and the total.
fn i766_sheet(
    sheet: &mut Worksheet,
    estimate: &crate::model::I766,
    labels: &Labels,
    formats: &Formats,
) -> Result<()> {
    sheet.set_name("i766")?;
    let columns = [
        labels.pick("Kỳ", "Period"),
        labels.pick("Đơn vị", "Unit"),
        labels.pick("Hạng", "Rank"),
        labels.pick("Nhóm", "Group"),
        labels.pick("Mã", "Code"),
        labels.headers()[0],
        labels.headers()[1],
        labels.headers()[2],
        labels.pick("Tỷ lệ", "Ratio"),
        labels.pick("Ngưỡng", "Threshold"),
        labels.pick("Điểm", "Points"),
        labels.pick("Tối đa", "Max"),
        labels.pick("Mất", "Lost"),
        labels.pick("Cần thêm", "Need"),
        labels.pick("Tính theo", "Need of"),
        labels.pick("Trạng thái", "Status"),
        labels.pick("Lý do N/A", "Why N/A"),
    ];
    header(sheet, &columns, formats)?;
    let mut r = 1;
    for block in &estimate.blocks {
        for score in &block.scores {
            let unit = labels.unit_name(score).to_string();
            let common = |sheet: &mut Worksheet, r: u32| -> Result<()> {
                sheet.write_string(r, 0, &block.period)?;
                sheet.write_string(r, 1, &unit)?;
                if let Some(rank) = score.rank {
                    sheet.write_number(r, 2, rank as f64)?;
                }
                Ok(())
            };
            for indicator in &score.indicators {
                common(sheet, r)?;
                sheet.write_string(r, 3, &indicator.group)?;
                sheet.write_string(r, 4, &indicator.code)?;
                let name = if labels.english {
                    &indicator.name_en
                } else {
                    &indicator.name
                };
                sheet.write_string_with_format(r, 5, name, &formats.wrapped)?;
                for (column, count) in [(6, indicator.numerator), (7, indicator.denominator)] {
                    if let Some(count) = count {
                        sheet.write_number(r, column, count as f64)?;
                    }
                }
                if let Some(ratio) = indicator.ratio {
                    sheet.write_number_with_format(r, 8, ratio / 100.0, &formats.percent)?;
                }
                if let Some(threshold) = indicator.threshold {
                    sheet.write_number_with_format(r, 9, threshold / 100.0, &formats.percent)?;
                }
                sheet.write_number(r, 10, indicator.points)?;
                sheet.write_number(r, 11, indicator.pmax)?;
                sheet.write_number(r, 12, indicator.gain)?;
                if let Some(need) = indicator.need {
                    sheet.write_number(r, 13, need as f64)?;
                }
                sheet.write_string(r, 14, indicator.need_of.unwrap_or_default())?;
                sheet.write_string(r, 15, super::i766::status_name(indicator.status))?;
                sheet.write_string(
                    r,
                    16,
                    indicator
                        .na_reason
                        .as_ref()
                        .map(|n| n.text(labels.english))
                        .unwrap_or_default(),
                )?;
                r += 1;
            }
            for group in &score.groups {
                common(sheet, r)?;
                sheet.write_string(r, 3, &group.code)?;
                let name = if labels.english {
                    &group.name_en
                } else {
                    &group.name
                };
                sheet.write_string_with_format(r, 5, name, &formats.wrapped)?;
                sheet.write_number(r, 10, group.points)?;
                sheet.write_number(r, 11, group.max)?;
                sheet.write_number(r, 12, group.max - group.points)?;
                r += 1;
            }
            common(sheet, r)?;
            sheet.write_string(r, 5, labels.pick("Tổng điểm", "Total"))?;
            sheet.write_number(r, 10, score.total)?;
            sheet.write_number(r, 11, score.max)?;
            sheet.write_number(r, 12, score.max - score.total)?;
            sheet.write_string(
                r,
                15,
                if score.complete {
                    "complete"
                } else {
                    "incomplete"
                },
            )?;
            r += 1;
        }
    }
    sheet.autofilter(0, 0, r.max(2) - 1, columns.len() as u16 - 1)?;
    fit(sheet, &[5, 16])?;
    Ok(())
}

fn defects_sheet(
    sheet: &mut Worksheet,
    report: &Report,
    labels: &Labels,
    formats: &Formats,
) -> Result<()> {
    sheet.set_name(labels.pick("Dòng lỗi", "Defects"))?;
    let columns = [
        labels.pick("Tệp", "File"),
        labels.pick("Bản ghi", "Record"),
        labels.pick("Dòng", "Line"),
        labels.pick("Cột", "Column"),
        labels.pick("Trường", "Field"),
        labels.pick("Giá trị", "Value"),
        labels.pick("Loại", "Class"),
        labels.pick("Lý do", "Reason"),
    ];
    header(sheet, &columns, formats)?;
    for (index, defect) in report.defects.samples.iter().enumerate() {
        let r = index as u32 + 1;
        sheet.write_string(r, 0, &defect.path)?;
        sheet.write_number(r, 1, defect.record as f64)?;
        sheet.write_number(r, 2, defect.line as f64)?;
        sheet.write_string(r, 3, defect.column.as_deref().unwrap_or_default())?;
        sheet.write_string(r, 4, defect.field.unwrap_or_default())?;
        sheet.write_string(r, 5, defect.value.as_deref().unwrap_or_default())?;
        sheet.write_string(r, 6, &defect.class)?;
        sheet.write_string_with_format(r, 7, &defect.reason, &formats.wrapped)?;
    }
    let after = report.defects.samples.len() as u32 + 2;
    sheet.write_string(
        after,
        0,
        format!(
            "{} {}",
            report.defects.count,
            labels.pick(
                "dòng lỗi, bị loại khỏi mọi chỉ số (liệt kê tối đa 20 dòng đầu)",
                "defective row(s), left out of every indicator (the first 20 listed)"
            )
        ),
    )?;
    sheet.autofilter(0, 0, report.defects.samples.len().max(1) as u32, 7)?;
    fit(sheet, &[7])?;
    Ok(())
}

fn provenance_sheet(
    sheet: &mut Worksheet,
    report: &Report,
    labels: &Labels,
    formats: &Formats,
) -> Result<()> {
    sheet.set_name(labels.pick("Nguồn", "Provenance"))?;
    header(
        sheet,
        &[
            labels.pick("Mục", "Item"),
            labels.pick("Giá trị", "Value"),
            labels.pick("Dòng", "Rows"),
            labels.pick("Dòng lỗi", "Defective"),
            "SHA-256",
        ],
        formats,
    )?;
    let mut r = 1;
    let mut line = |sheet: &mut Worksheet, item: &str, value: &str| -> Result<()> {
        sheet.write_string(r, 0, item)?;
        sheet.write_string(r, 1, value)?;
        r += 1;
        Ok(())
    };
    line(sheet, "cchc", report.tool.version)?;
    line(
        sheet,
        labels.pick("Thời điểm lập", "Generated at"),
        report.generated_at.as_deref().unwrap_or("—"),
    )?;
    line(
        sheet,
        labels.pick("Chỉ tiêu", "Targets"),
        &format!(
            "{} (sha256 {})",
            report.targets.source, report.targets.sha256
        ),
    )?;
    let summary = labels.summary_line(&report.summary);
    line(sheet, labels.pick("Kết quả", "Summary"), &summary)?;
    for input in &report.inputs {
        sheet.write_string(r, 0, labels.source_title(input.kind))?;
        sheet.write_string(r, 1, &input.path)?;
        sheet.write_number(r, 2, input.rows as f64)?;
        sheet.write_number(r, 3, input.defective as f64)?;
        if let Some(sha256) = &input.sha256 {
            sheet.write_string(r, 4, sha256)?;
        }
        r += 1;
    }
    for warning in &report.warnings {
        sheet.write_string(r, 0, labels.pick("Cảnh báo", "Warning"))?;
        sheet.write_string_with_format(r, 1, &warning.message, &formats.wrapped)?;
        r += 1;
    }
    fit(sheet, &[1])?;
    Ok(())
}
