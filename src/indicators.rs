//! The indicator catalogue (DOMAIN.md §2): each indicator as data — which rows form its
//! population, which of those count in its numerator, which date places it in a period, and
//! which input fields it cannot do without. The compute stage turns these into one polars query.

use polars::prelude::{col, lit, Expr};

use crate::input::Field;

/// Which date places a dossier in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// `received_at`: indicators about how dossiers come in.
    Received,
    /// End date (`finished_at`, else `returned_at`): indicators about results.
    End,
}

/// How an indicator is measured.
#[derive(Debug, Clone, Copy)]
pub enum Measure {
    /// Rows in the population, and those of them in the numerator.
    Ratio {
        population: fn() -> Expr,
        numerator: fn() -> Expr,
    },
    /// Distinct procedure codes among the population rows, and among the numerator rows.
    DistinctProcedures {
        population: fn() -> Expr,
        numerator: fn() -> Expr,
    },
    /// Year-on-year change of another indicator's percentage, in points.
    Growth { of: &'static str },
}

/// Input fields an indicator needs; `AnyOf` is met by one of them.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    Field(Field),
    AnyOf(&'static [Field]),
}

#[derive(Debug, Clone, Copy)]
pub struct Indicator {
    pub id: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    pub basis: Basis,
    pub measure: Measure,
    pub needs: &'static [Need],
}

impl Indicator {
    pub fn name(&self, english: bool) -> &'static str {
        if english {
            self.name_en
        } else {
            self.name_vi
        }
    }
}

const END_DATE: Need = Need::AnyOf(&[Field::FinishedAt, Field::ReturnedAt]);
const AMOUNT: Need = Need::AnyOf(&[Field::Fee, Field::Charge]);

/// Every indicator, in report order.
pub const CATALOGUE: &[Indicator] = &[
    Indicator {
        id: "online_share",
        name_vi: "Tỷ lệ hồ sơ trực tuyến mức độ 3, 4",
        name_en: "Online dossiers at service level 3/4",
        basis: Basis::Received,
        measure: Measure::Ratio {
            population: accepted,
            numerator: online_at_level_3_or_4,
        },
        needs: &[
            Need::Field(Field::Channel),
            Need::Field(Field::ServiceLevel),
        ],
    },
    Indicator {
        id: "online_payment_rate",
        name_vi: "Tỷ lệ hồ sơ thanh toán trực tuyến",
        name_en: "Fee-bearing dossiers paid online",
        basis: Basis::Received,
        measure: Measure::Ratio {
            population: accepted_fee_bearing,
            numerator: paid_online,
        },
        needs: &[Need::Field(Field::PaymentMethod), AMOUNT],
    },
    Indicator {
        id: "online_payment_procedures",
        name_vi: "Tỷ lệ TTHC có phát sinh thanh toán trực tuyến",
        name_en: "Procedures with online payment",
        basis: Basis::Received,
        measure: Measure::DistinctProcedures {
            population: accepted_fee_bearing,
            numerator: paid_online,
        },
        needs: &[
            Need::Field(Field::PaymentMethod),
            AMOUNT,
            Need::Field(Field::ProcedureCode),
        ],
    },
    Indicator {
        id: "digitized_results",
        name_vi: "Tỷ lệ số hóa kết quả giải quyết TTHC",
        name_en: "Results digitized",
        basis: Basis::End,
        measure: Measure::Ratio {
            population: finished,
            numerator: result_digitized,
        },
        needs: &[Need::Field(Field::ResultDigitized), END_DATE],
    },
    Indicator {
        id: "digitized_results_growth",
        name_vi: "Mức tăng tỷ lệ số hóa kết quả so với năm trước",
        name_en: "Growth of digitized results vs previous year",
        basis: Basis::End,
        measure: Measure::Growth {
            of: "digitized_results",
        },
        needs: &[Need::Field(Field::ResultDigitized), END_DATE],
    },
    Indicator {
        id: "electronic_transfer",
        name_vi: "Tỷ lệ hồ sơ liên thông luân chuyển điện tử",
        name_en: "Inter-agency dossiers transferred electronically",
        basis: Basis::Received,
        measure: Measure::Ratio {
            population: accepted_interagency,
            numerator: transfer_electronic,
        },
        needs: &[
            Need::Field(Field::Interagency),
            Need::Field(Field::TransferElectronic),
        ],
    },
    Indicator {
        id: "data_reuse",
        name_vi: "Tỷ lệ hồ sơ không phải nộp lại giấy tờ đã cung cấp",
        name_en: "Dossiers reusing data already provided",
        basis: Basis::Received,
        measure: Measure::Ratio {
            population: accepted,
            numerator: component_reused,
        },
        needs: &[Need::Field(Field::ComponentReused)],
    },
    Indicator {
        id: "e_authenticated",
        name_vi: "Tỷ lệ hồ sơ trực tuyến được xác thực điện tử",
        name_en: "Online dossiers with electronic authentication",
        basis: Basis::Received,
        measure: Measure::Ratio {
            population: accepted_online,
            numerator: vneid_authenticated,
        },
        needs: &[
            Need::Field(Field::Channel),
            Need::Field(Field::VneidAuthenticated),
        ],
    },
    Indicator {
        id: "satisfaction",
        name_vi: "Mức độ hài lòng",
        name_en: "Satisfaction",
        basis: Basis::End,
        measure: Measure::Ratio {
            population: finished_and_rated,
            numerator: satisfied,
        },
        needs: &[Need::Field(Field::Satisfaction), END_DATE],
    },
    Indicator {
        id: "on_time",
        name_vi: "Tỷ lệ hồ sơ giải quyết đúng hạn (Biểu II.06a)",
        name_en: "Dossiers resolved on time (form II.06a)",
        basis: Basis::End,
        measure: Measure::Ratio {
            population: on_time_population,
            numerator: on_time,
        },
        needs: &[Need::Field(Field::DueAt), END_DATE],
    },
];

pub fn find(id: &str) -> Option<&'static Indicator> {
    CATALOGUE.iter().find(|i| i.id == id)
}

pub fn ids() -> impl Iterator<Item = &'static str> {
    CATALOGUE.iter().map(|i| i.id)
}

// Column names of the table the compute stage builds from the read stage's `Dossiers`.
pub const STATUS: &str = "status";
pub const CHANNEL: &str = "channel";
pub const LEVEL: &str = "level";
pub const FEE_TOTAL: &str = "fee_total";
pub const PAID_ONLINE: &str = "paid_online";
pub const RESULT_DIGITIZED: &str = "result_digitized";
pub const COMPONENT_REUSED: &str = "component_reused";
pub const INTERAGENCY: &str = "interagency";
pub const TRANSFER_ELECTRONIC: &str = "transfer_electronic";
pub const VNEID_AUTHENTICATED: &str = "vneid_authenticated";
pub const RATING: &str = "rating";
pub const RECEIVED_DAY: &str = "received_day";
pub const END_DAY: &str = "end_day";
pub const DUE_DAY: &str = "due_day";
pub const UNIT: &str = "unit";
pub const SECTOR: &str = "sector";
pub const PROCEDURE: &str = "procedure";

fn status_is(codes: &[i32]) -> Expr {
    codes
        .iter()
        .map(|code| col(STATUS).eq(lit(*code)))
        .reduce(Expr::or)
        .unwrap_or(lit(false))
}

/// Accepted at intake: every status but 1 (new) and 3 (refused). No status counts as accepted.
pub fn accepted() -> Expr {
    col(STATUS).neq(lit(1)).and(col(STATUS).neq(lit(3)))
}

/// Finished: status 9 or 10; a row without a status is finished when it has an end date.
pub fn finished() -> Expr {
    status_is(&[9, 10]).or(col(STATUS)
        .eq(lit(crate::input::STATUS_UNKNOWN))
        .and(col(END_DAY).is_not_null()))
}

/// Withdrawn (7) or stopped (8): closed without a result, counted on time by form II.06a.
fn closed_without_result() -> Expr {
    status_is(&[7, 8])
}

fn online() -> Expr {
    col(CHANNEL).eq(lit(crate::input::values::Channel::Online as i32))
}

fn online_at_level_3_or_4() -> Expr {
    online().and(col(LEVEL).eq(lit(3)).or(col(LEVEL).eq(lit(4))))
}

fn accepted_fee_bearing() -> Expr {
    accepted().and(col(FEE_TOTAL).gt(lit(0.0)))
}

fn paid_online() -> Expr {
    col(PAID_ONLINE)
}

fn result_digitized() -> Expr {
    col(RESULT_DIGITIZED)
}

fn accepted_interagency() -> Expr {
    accepted().and(col(INTERAGENCY))
}

fn transfer_electronic() -> Expr {
    col(TRANSFER_ELECTRONIC)
}

fn component_reused() -> Expr {
    col(COMPONENT_REUSED)
}

fn accepted_online() -> Expr {
    accepted().and(online())
}

fn vneid_authenticated() -> Expr {
    col(VNEID_AUTHENTICATED)
}

fn finished_and_rated() -> Expr {
    finished().and(col(RATING).neq(lit(crate::input::RATING_NONE)))
}

fn satisfied() -> Expr {
    col(RATING).eq(lit(crate::input::RATING_SATISFIED))
}

/// Form II.06a: withdrawn/stopped dossiers, and finished ones that have a due date, each with an
/// end date. A finished dossier without `due_at` cannot be judged and is counted apart.
fn on_time_population() -> Expr {
    closed_without_result()
        .or(finished().and(col(DUE_DAY).is_not_null()))
        .and(col(END_DAY).is_not_null())
}

/// Dates, not times, are compared: a result on the due date after the due hour is on time.
fn on_time() -> Expr {
    closed_without_result().or(col(END_DAY).lt_eq(col(DUE_DAY)).fill_null(lit(false)))
}

/// Finished dossiers without a due date: left out of `on_time`, reported as a warning.
pub fn missing_due() -> Expr {
    finished()
        .and(closed_without_result().not())
        .and(col(DUE_DAY).is_null())
        .and(col(END_DAY).is_not_null())
}
