//! Reading procedure catalogues (DOMAIN.md §4): the department's list of procedures (danh mục
//! TTHC), one row per procedure and year, as the national TTHC database or the provincial portal
//! exports it. Read with every rule of §1 through the record source.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{bail, Context, Result};

use super::columns::{Columns, HeaderMap, HeaderMatcher, SchemaField};
use super::source::{self, Consumer, Record, RowProblem, SourceOptions};
use super::values::{self, DefectClass, ValueError};
use super::{DefectLog, InputSummary, Source, Spelling};
use crate::dossier::codes::LEVEL;
use crate::dossier::period::year_of;
use crate::dossier::rows::{FastMap, NO_KEY};
use crate::dossier::{Field, Level, Rows};
use crate::text::key_text;

/// The columns of a catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CatalogueField {
    ProcedureCode,
    ProcedureName,
    Sector,
    ServiceLevel,
    OnlineEligible,
    NationalPortal,
    ProvincialPortal,
    FeeBearing,
    OnlinePayment,
    Year,
    /// DOMAIN.md §8: the unit that provides the procedure; a row with one is one online
    /// service (DVC) of that unit.
    Unit,
    /// DOMAIN.md §8: the procedure serves individuals (cá nhân, công dân).
    ForIndividuals,
}

impl SchemaField for CatalogueField {
    fn all() -> &'static [Self] {
        use CatalogueField::*;
        &[
            ProcedureCode,
            ProcedureName,
            Sector,
            ServiceLevel,
            OnlineEligible,
            NationalPortal,
            ProvincialPortal,
            FeeBearing,
            OnlinePayment,
            Year,
            Unit,
            ForIndividuals,
        ]
    }

    fn name(self) -> &'static str {
        match self {
            CatalogueField::ProcedureCode => "procedure_code",
            CatalogueField::ProcedureName => "procedure_name",
            CatalogueField::Sector => "sector",
            CatalogueField::ServiceLevel => "service_level",
            CatalogueField::OnlineEligible => "online_eligible",
            CatalogueField::NationalPortal => "national_portal",
            CatalogueField::ProvincialPortal => "provincial_portal",
            CatalogueField::FeeBearing => "fee_bearing",
            CatalogueField::OnlinePayment => "online_payment",
            CatalogueField::Year => "year",
            CatalogueField::Unit => "unit",
            CatalogueField::ForIndividuals => "for_individuals",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        use crate::dossier::Field;
        match self {
            CatalogueField::ProcedureCode => &[
                "Mã TTHC",
                "Mã thủ tục",
                "Mã số TTHC",
                "Mã số",
                "MaTTHC",
                "procedure_code",
            ],
            CatalogueField::ProcedureName => Field::ProcedureName.aliases(),
            CatalogueField::Sector => Field::Sector.aliases(),
            CatalogueField::ServiceLevel => &[
                "Mức độ",
                "Mức độ DVC",
                "Mức độ DVCTT",
                "Mức độ cung cấp DVCTT",
                "MucDo",
                "service_level",
            ],
            CatalogueField::OnlineEligible => &[
                "Đủ điều kiện DVCTT",
                "Đủ điều kiện cung cấp trực tuyến",
                "Đủ điều kiện",
                "online_eligible",
            ],
            CatalogueField::NationalPortal => &[
                "Tích hợp Cổng DVCQG",
                "Cổng DVC quốc gia",
                "Cổng DVCQG",
                "Trên Cổng DVCQG",
                "national_portal",
            ],
            CatalogueField::ProvincialPortal => &[
                "Tích hợp Cổng DVC tỉnh",
                "Cổng DVC tỉnh",
                "Hệ thống một cửa điện tử tỉnh",
                "provincial_portal",
            ],
            CatalogueField::FeeBearing => &[
                "Có phí, lệ phí",
                "Nghĩa vụ tài chính",
                "Có nghĩa vụ tài chính",
                "Phí, lệ phí",
                "fee_bearing",
            ],
            CatalogueField::OnlinePayment => &[
                "Thanh toán trực tuyến",
                "Triển khai thanh toán trực tuyến",
                "Có thanh toán trực tuyến",
                "online_payment",
            ],
            CatalogueField::Year => &["Năm", "Năm đánh giá", "year"],
            CatalogueField::Unit => &[
                "Đơn vị",
                "Đơn vị giải quyết",
                "Đơn vị xử lý",
                "Cơ quan giải quyết",
                "Phòng ban",
                "DonViXuLy",
                "Cơ quan thực hiện",
                "unit",
            ],
            CatalogueField::ForIndividuals => &[
                "Đối tượng cá nhân",
                "Đối tượng thực hiện",
                "Cá nhân",
                "for_individuals",
            ],
        }
    }

    fn is_required(self) -> bool {
        self == CatalogueField::ProcedureCode
    }
}

/// One valid catalogue row: a procedure as it stood in a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    pub code: String,
    pub name: Option<String>,
    /// Information only, partly or fully online; `None` when blank.
    pub level: Option<Level>,
    pub online_eligible: bool,
    pub national_portal: bool,
    pub provincial_portal: bool,
    pub fee_bearing: bool,
    pub online_payment: bool,
    /// Serves individuals (DOMAIN.md §8 indicator 4.5a).
    pub for_individuals: bool,
    /// The unit providing it (key text), when the catalogue lists procedures per unit.
    pub unit: Option<String>,
    /// `None`: the row describes the report's latest year.
    pub year: Option<i32>,
}

impl Procedure {
    pub fn online(&self) -> bool {
        self.level.is_some_and(Level::is_online)
    }

    /// A code's rows of one year as one procedure (DOMAIN.md §8 `count = code`): yes/no
    /// columns true when any row says so, the highest level, the last name given.
    fn absorb(&mut self, other: &Procedure) {
        self.level = match (self.level, other.level) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.online_eligible |= other.online_eligible;
        self.national_portal |= other.national_portal;
        self.provincial_portal |= other.provincial_portal;
        self.fee_bearing |= other.fee_bearing;
        self.online_payment |= other.online_payment;
        self.for_individuals |= other.for_individuals;
        if other.name.is_some() {
            self.name = other.name.clone();
        }
        self.unit = None;
    }
}

/// The catalogue's valid rows of one year, one per (code, unit): the later row of a key wins.
pub type Services<'a> = BTreeMap<(String, Option<String>), &'a Procedure>;

/// Every valid row of the catalogue files, in reading order.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub rows: Vec<Procedure>,
    pub inputs: Vec<InputSummary>,
    /// Fields some catalogue file has no column for, with the files lacking it.
    pub missing: BTreeMap<CatalogueField, Vec<String>>,
}

impl Catalogue {
    pub fn is_given(&self) -> bool {
        !self.inputs.is_empty()
    }

    pub fn lacks(&self, field: CatalogueField) -> bool {
        self.missing.contains_key(&field)
    }

    /// The rows by year and (code, unit), undated rows placed in `latest_year`; for one key
    /// and year the later row wins. Also says how many rows a later one replaced.
    pub fn services_by_year(&self, latest_year: i32) -> (BTreeMap<i32, Services<'_>>, u64) {
        let mut years: BTreeMap<i32, Services<'_>> = BTreeMap::new();
        let mut replaced = 0;
        for row in &self.rows {
            let year = row.year.unwrap_or(latest_year);
            let key = (row.code.clone(), row.unit.clone());
            if years.entry(year).or_default().insert(key, row).is_some() {
                replaced += 1;
            }
        }
        (years, replaced)
    }

    /// The procedures by year and code (a code's rows of a year as one, see
    /// `Procedure::absorb`), undated rows placed in `latest_year`. Also says how many rows a
    /// later row of the same code, unit and year replaced.
    pub fn by_year(&self, latest_year: i32) -> (BTreeMap<i32, BTreeMap<String, Procedure>>, u64) {
        let (services, replaced) = self.services_by_year(latest_year);
        let years = services
            .into_iter()
            .map(|(year, rows)| {
                let mut codes: BTreeMap<String, Procedure> = BTreeMap::new();
                for ((code, _), row) in rows {
                    match codes.get_mut(&code) {
                        Some(procedure) => procedure.absorb(row),
                        None => {
                            codes.insert(
                                code,
                                Procedure {
                                    unit: None,
                                    ..row.clone()
                                },
                            );
                        }
                    }
                }
                (year, codes)
            })
            .collect();
        (years, replaced)
    }
}

/// Reads every catalogue file.
pub fn read_catalogues(
    paths: &[String],
    options: &SourceOptions,
    defects: &mut DefectLog,
    tally_spellings: bool,
) -> Result<Catalogue> {
    let mut catalogue = Catalogue::default();
    for path in paths {
        read_catalogue_with(
            path,
            defects,
            &mut catalogue,
            tally_spellings,
            |reader, defects| source::read_path(path, options, reader, defects, "procedure"),
        )
        .with_context(|| format!("reading the catalogue {path}"))?;
    }
    Ok(catalogue)
}

fn read_catalogue_with(
    path: &str,
    defects: &mut DefectLog,
    catalogue: &mut Catalogue,
    tally_spellings: bool,
    source: impl FnOnce(&mut CatalogueReader, &mut DefectLog) -> Result<source::SourceSummary>,
) -> Result<()> {
    let mut reader = CatalogueReader {
        columns: Columns::new(HeaderMatcher::new(&[])),
        rows: Vec::new(),
        spellings: tally_spellings.then(BTreeMap::new),
    };
    let summary = source(&mut reader, defects)?;
    let Some(header_map) = reader.columns.map.take() else {
        bail!("the file has no header line");
    };
    for &field in CatalogueField::all() {
        if !header_map.has(field) {
            catalogue
                .missing
                .entry(field)
                .or_default()
                .push(path.to_string());
        }
    }
    catalogue.rows.extend(reader.rows);
    catalogue.inputs.push(InputSummary {
        spellings: reader.spellings.unwrap_or_default(),
        ..InputSummary::new(path, Source::Catalogue, summary, &header_map)
    });
    Ok(())
}

struct CatalogueReader {
    columns: Columns<CatalogueField>,
    rows: Vec<Procedure>,
    /// `cchc check`: spellings seen per vocabulary column (header → spelling → rows).
    spellings: Option<BTreeMap<String, BTreeMap<String, Spelling>>>,
}

/// A yes/no cell of the catalogue; blank is no.
fn yes_no(text: &str) -> Result<bool, ValueError> {
    values::parse_bool(text)
}

/// `fee_bearing`: a yes/no, or an amount (> 0 is yes), as catalogues write either.
fn fee_bearing(text: &str) -> Result<bool, ValueError> {
    yes_no(text).or_else(|e| values::parse_amount(text).map(|a| a > 0.0).map_err(|_| e))
}

/// `for_individuals` (DOMAIN.md §8): a yes/no, or the text of who may use the procedure, true
/// when it names individuals or citizens (`Cá nhân, Tổ chức`), false for any other text.
fn serves_individuals(text: &str) -> Result<bool, ValueError> {
    yes_no(text).or_else(|_| {
        let folded = crate::text::fold(text);
        Ok(folded.contains("ca nhan") || folded.contains("cong dan"))
    })
}

fn year(text: &str) -> Result<Option<i32>, ValueError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .map(Some)
        .ok_or_else(|| ValueError {
            class: DefectClass::UnknownValue,
            reason: "not a year from 2000 to 2100".to_string(),
        })
}

impl Consumer for CatalogueReader {
    fn is_header(&self, cell: &str) -> bool {
        self.columns.is_header(cell)
    }

    fn allows_line_break(&self, position: usize) -> bool {
        use CatalogueField::*;
        let field = self
            .columns
            .map
            .as_ref()
            .and_then(|m| m.fields.get(position).copied().flatten());
        !matches!(field, Some(ProcedureCode | Year | Unit | Sector))
    }

    fn begin(&mut self, headers: &[String]) -> Result<()> {
        self.columns.begin(headers)
    }

    fn record(&mut self, record: &Record<'_>) -> Result<(), RowProblem> {
        let Some(map) = self.columns.map.as_ref() else {
            return Ok(());
        };
        let cells = source::mapped_cells(map, record)?;
        let spellings = &mut self.spellings;
        let mut parse = |field: CatalogueField,
                         parser: fn(&str) -> Result<bool, ValueError>|
         -> Result<bool, RowProblem> {
            let Some(&(position, text)) = cells.get(&field) else {
                return Ok(false);
            };
            let parsed = parser(text);
            tally(spellings, &map.headers[position], text, parsed.is_ok());
            parsed.map_err(|e| cell_problem(map, position, field, text, e))
        };
        let online_eligible = parse(CatalogueField::OnlineEligible, yes_no)?;
        let national_portal = parse(CatalogueField::NationalPortal, yes_no)?;
        let provincial_portal = parse(CatalogueField::ProvincialPortal, yes_no)?;
        let fee = parse(CatalogueField::FeeBearing, fee_bearing)?;
        let online_payment = parse(CatalogueField::OnlinePayment, yes_no)?;
        let for_individuals = parse(CatalogueField::ForIndividuals, serves_individuals)?;
        let level = match cells.get(&CatalogueField::ServiceLevel) {
            Some(&(position, text)) => {
                let parsed = LEVEL
                    .parse(text)
                    .map(Level::from_code)
                    .map_err(|e| ValueError {
                        class: DefectClass::UnknownValue,
                        reason: e.reason,
                    });
                tally(
                    &mut self.spellings,
                    &map.headers[position],
                    text,
                    parsed.is_ok(),
                );
                parsed.map_err(|e| {
                    cell_problem(map, position, CatalogueField::ServiceLevel, text, e)
                })?
            }
            None => None,
        };
        let year = match cells.get(&CatalogueField::Year) {
            Some(&(position, text)) => year(text)
                .map_err(|e| cell_problem(map, position, CatalogueField::Year, text, e))?,
            None => None,
        };
        let text_of = |field| cells.get(&field).map(|&(_, t)| key_text(t).into_owned());
        let code = text_of(CatalogueField::ProcedureCode).unwrap_or_default();
        if code.is_empty() {
            let position = map.position(CatalogueField::ProcedureCode).unwrap_or(0);
            return Err(RowProblem {
                column: map.headers.get(position).cloned(),
                field: Some("procedure_code"),
                value: Some(String::new()),
                class: DefectClass::MissingRequired,
                reason: "required field procedure_code is blank".to_string(),
            });
        }
        self.rows.push(Procedure {
            code,
            name: text_of(CatalogueField::ProcedureName).filter(|n| !n.is_empty()),
            level,
            online_eligible,
            national_portal,
            provincial_portal,
            fee_bearing: fee,
            online_payment,
            for_individuals,
            unit: text_of(CatalogueField::Unit).filter(|u| !u.is_empty()),
            year,
        });
        Ok(())
    }

    fn field_at(&self, position: usize) -> Option<&'static str> {
        self.columns.field_at(position)
    }
}

fn cell_problem(
    map: &HeaderMap<CatalogueField>,
    position: usize,
    field: CatalogueField,
    text: &str,
    error: ValueError,
) -> RowProblem {
    RowProblem {
        column: Some(map.headers[position].clone()),
        field: Some(field.name()),
        value: Some(text.to_string()),
        class: error.class,
        reason: error.reason,
    }
}

/// Counts a spelling of a vocabulary column for `cchc check`.
fn tally(
    spellings: &mut Option<BTreeMap<String, BTreeMap<String, Spelling>>>,
    header: &str,
    text: &str,
    understood: bool,
) {
    let Some(spellings) = spellings else { return };
    let column = spellings.entry(header.to_string()).or_default();
    let key = key_text(text).into_owned();
    if column.len() >= 200 && !column.contains_key(&key) {
        return;
    }
    column
        .entry(key)
        .or_insert(Spelling {
            rows: 0,
            understood,
        })
        .rows += 1;
}

/// Codes a catalogue lists, for the join (by code: year → procedure).
pub type CodeYears<'a> = BTreeMap<&'a str, BTreeMap<i32, &'a Procedure>>;

/// Indexes the resolved rows by code for the join.
pub fn by_code(years: &BTreeMap<i32, BTreeMap<String, Procedure>>) -> CodeYears<'_> {
    let mut codes: CodeYears = BTreeMap::new();
    for (year, rows) in years {
        for (code, row) in rows {
            codes.entry(code.as_str()).or_default().insert(*year, row);
        }
    }
    codes
}

/// A dossier's procedure row: that year's, else the nearest earlier year's, else the nearest
/// later year's (DOMAIN.md §4).
pub fn row_for_year<'a>(years: &BTreeMap<i32, &'a Procedure>, year: i32) -> Option<&'a Procedure> {
    years
        .range(..=year)
        .next_back()
        .or_else(|| years.range(year..).next())
        .map(|(_, row)| *row)
}

/// Gives each dossier without a service level its procedure's level from the catalogue: the row
/// of its received year, else the nearest earlier, else the nearest later (DOMAIN.md §4).
/// Applied to rows as they stream by (or to all rows at once); counts, with each chunk's weight,
/// the valid dossier rows of codes the catalogue does not list.
pub struct LevelJoin {
    /// Each code's level by catalogue year.
    codes: HashMap<String, BTreeMap<i32, i8>>,
    /// The level found per (procedure id of the rows, received year).
    found: FastMap<(u32, i32), i8>,
    /// Per procedure id of the rows: whether the catalogue lists its code (`None`: not yet
    /// looked up). A lookup hashes the code's text, which every row did before.
    listed: Vec<Option<bool>>,
    missing: BTreeMap<String, i64>,
}

impl LevelJoin {
    pub fn new(by_year: &BTreeMap<i32, BTreeMap<String, Procedure>>) -> LevelJoin {
        let codes = by_code(by_year)
            .into_iter()
            .map(|(code, years)| {
                let levels = years
                    .into_iter()
                    .map(|(year, row)| {
                        let level = row.level.map_or(crate::dossier::codes::NONE, Level::code);
                        (year, level)
                    })
                    .collect();
                (code.to_string(), levels)
            })
            .collect();
        LevelJoin {
            codes,
            found: FastMap::default(),
            listed: Vec::new(),
            missing: BTreeMap::new(),
        }
    }

    /// Fills the blank levels of `rows` (read with `weight` 1, or taken back with −1).
    pub fn apply(&mut self, rows: &mut Rows, weight: i64) {
        let (Some(procedures), Some(received), Some(levels)) = (
            rows.keys(Field::ProcedureCode),
            rows.days(Field::ReceivedAt),
            rows.codes(Field::ServiceLevel),
        ) else {
            return;
        };
        let dictionary = rows.dictionary(Field::ProcedureCode);
        let code_of = |procedure: u32| dictionary.name(procedure).unwrap_or_default();
        let mut joined: Vec<(usize, i8)> = Vec::new();
        let mut missing: FastMap<u32, i64> = FastMap::default();
        for row in 0..procedures.len() {
            let procedure = procedures[row];
            if procedure == NO_KEY {
                continue;
            }
            let at = procedure as usize;
            if self.listed.len() <= at {
                self.listed.resize(at + 1, None);
            }
            let listed =
                *self.listed[at].get_or_insert_with(|| self.codes.contains_key(code_of(procedure)));
            if !listed {
                *missing.entry(procedure).or_default() += weight;
                continue;
            }
            if levels[row] != crate::dossier::codes::NONE {
                continue;
            }
            let year = year_of(received[row]);
            let codes = &self.codes;
            let level = *self.found.entry((procedure, year)).or_insert_with(|| {
                codes
                    .get(code_of(procedure))
                    .and_then(|years| {
                        years
                            .range(..=year)
                            .next_back()
                            .or_else(|| years.range(year..).next())
                    })
                    .map_or(crate::dossier::codes::NONE, |(_, level)| *level)
            });
            joined.push((row, level));
        }
        for (procedure, rows) in missing {
            *self
                .missing
                .entry(code_of(procedure).to_string())
                .or_default() += rows;
        }
        if let Some(levels) = rows.codes_mut(Field::ServiceLevel) {
            for (row, level) in joined {
                levels[row] = level;
            }
        }
    }

    /// The codes the catalogue does not list, with their valid dossier rows.
    pub fn not_listed(&self) -> BTreeMap<String, u64> {
        self.missing
            .iter()
            .filter(|(_, rows)| **rows > 0)
            .map(|(code, rows)| (code.clone(), *rows as u64))
            .collect()
    }
}

impl Catalogue {
    /// Whether the join's levels depend on the report's latest year: when a code has rows of
    /// given years and an undated one, which describes the latest year. Otherwise a dossier's
    /// level is known as soon as it is read.
    pub fn join_depends_on_latest_year(&self) -> bool {
        let mut dated = HashSet::new();
        let mut undated = HashSet::new();
        for row in &self.rows {
            match row.year {
                Some(_) => dated.insert(row.code.as_str()),
                None => undated.insert(row.code.as_str()),
            };
        }
        dated.intersection(&undated).next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn procedure(year: i32, level: Level) -> Procedure {
        Procedure {
            code: "1.001".into(),
            name: None,
            level: Some(level),
            online_eligible: true,
            national_portal: false,
            provincial_portal: false,
            fee_bearing: false,
            online_payment: false,
            for_individuals: false,
            unit: None,
            year: Some(year),
        }
    }

    #[test]
    fn the_join_takes_that_year_else_earlier_else_later() {
        let (a, b) = (
            procedure(2022, Level::Partial),
            procedure(2024, Level::Full),
        );
        let years: BTreeMap<i32, &Procedure> = [(2022, &a), (2024, &b)].into();
        let level = |y| row_for_year(&years, y).and_then(|p| p.level);
        assert_eq!(level(2022), Some(Level::Partial));
        assert_eq!(level(2023), Some(Level::Partial));
        assert_eq!(level(2024), Some(Level::Full));
        assert_eq!(level(2025), Some(Level::Full));
        assert_eq!(level(2021), Some(Level::Partial));
    }

    #[test]
    fn a_codes_rows_of_a_year_are_one_procedure() {
        let mut first = procedure(2024, Level::Partial);
        first.unit = Some("Phòng 1".into());
        let mut second = procedure(2024, Level::Full);
        second.unit = Some("Phòng 2".into());
        second.fee_bearing = true;
        let catalogue = Catalogue {
            rows: vec![first, second],
            ..Catalogue::default()
        };
        let (services, replaced) = catalogue.services_by_year(2024);
        assert_eq!((services[&2024].len(), replaced), (2, 0));
        let (codes, _) = catalogue.by_year(2024);
        let one = &codes[&2024]["1.001"];
        assert_eq!(one.level, Some(Level::Full));
        assert!(one.fee_bearing && one.online_eligible && one.unit.is_none());
    }

    #[test]
    fn who_a_procedure_serves() {
        for (text, want) in [
            ("Cá nhân", true),
            ("Cá nhân, Tổ chức", true),
            ("Công dân Việt Nam", true),
            ("Tổ chức, doanh nghiệp", false),
            ("Có", true),
            ("Không", false),
            ("", false),
        ] {
            assert_eq!(serves_individuals(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn fee_bearing_is_a_yes_no_or_an_amount() {
        assert_eq!(fee_bearing("Có"), Ok(true));
        assert_eq!(fee_bearing("Không"), Ok(false));
        assert_eq!(fee_bearing("3.000.000 đ"), Ok(true));
        assert_eq!(fee_bearing("0 đ"), Ok(false));
        assert_eq!(fee_bearing(""), Ok(false));
        assert!(fee_bearing("?").is_err());
    }
}
