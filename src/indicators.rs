//! The indicator catalogue (DOMAIN.md §2, §4, §5, §6) as data: for each indicator its id and
//! names, where its figures come from, its unit and how it is measured.
//!
//! A dossier indicator's population and numerator are written as conditions in the portable SQL
//! subset of §6 ([`crate::condition`]), the same language analysts use for their own indicators:
//! one text drives the polars computation, `cchc indicators` and engine SQL, so the definitions
//! cannot drift apart. Custom indicators from the targets file join the built-ins in a
//! [`Registry`].

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use polars::prelude::{lit, Expr};

use crate::condition::{Condition, ConditionError, Scope, TextColumns};
use crate::dossier::{Field, FieldSet};
use crate::model::{Source, Unit};

/// Which date places a dossier in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// `received_at`: indicators about how dossiers come in.
    Received,
    /// End date (`finished_at`, else `returned_at`): indicators about results.
    End,
}

impl Basis {
    pub fn id(self) -> &'static str {
        match self {
            Basis::Received => "received",
            Basis::End => "end",
        }
    }
}

/// Which rows an indicator counts: a keyword of §6 or a condition.
#[derive(Debug, Clone)]
pub enum RowFilter {
    All,
    Accepted,
    Finished,
    Where(Box<Condition>),
}

impl RowFilter {
    /// Parses a population or numerator as the targets file writes it, against the dossier
    /// fields of DOMAIN.md §6.
    pub fn parse(text: &str, scope: &Scope) -> Result<RowFilter, ConditionError> {
        Ok(match text.trim() {
            "all" => RowFilter::All,
            "accepted" => RowFilter::Accepted,
            "finished" => RowFilter::Finished,
            condition => RowFilter::Where(Box::new(Condition::parse(condition, scope)?)),
        })
    }

    /// The text as written: a keyword or the condition.
    pub fn text(&self) -> &str {
        match self {
            RowFilter::All => "all",
            RowFilter::Accepted => "accepted",
            RowFilter::Finished => "finished",
            RowFilter::Where(condition) => &condition.text,
        }
    }

    /// The rows as a polars boolean expression (unknown counts as false).
    pub fn to_polars(&self, texts: &dyn TextColumns) -> Expr {
        match self {
            RowFilter::All => lit(true),
            RowFilter::Where(condition) => condition.to_polars(texts),
            keyword => keyword_condition(keyword).to_polars(texts),
        }
    }

    /// The condition a keyword stands for; a `Where` stands for itself.
    fn condition(&self) -> Option<Condition> {
        match self {
            RowFilter::All => None,
            RowFilter::Where(condition) => Some((**condition).clone()),
            keyword => Some(keyword_condition(keyword)),
        }
    }

    /// The names the text uses (a keyword names itself).
    pub fn names(&self) -> BTreeSet<&'static str> {
        match self {
            RowFilter::All => BTreeSet::new(),
            RowFilter::Accepted => ["accepted"].into(),
            RowFilter::Finished => ["finished"].into(),
            RowFilter::Where(condition) => condition.names.clone(),
        }
    }

    /// The dossier fields it reads.
    pub fn fields(&self) -> FieldSet {
        self.condition()
            .map(|c| c.fields().collect())
            .unwrap_or_default()
    }
}

/// `accepted` and `finished` as the conditions DOMAIN.md §2 defines.
fn keyword_condition(keyword: &RowFilter) -> Condition {
    let text = match keyword {
        RowFilter::Finished => "finished",
        _ => "accepted",
    };
    Condition::parse(text, &Scope::dossier())
        .unwrap_or_else(|e| panic!("the keyword {text} is a built-in condition: {e}"))
}

/// How an indicator is measured.
#[derive(Debug, Clone)]
pub enum Measure {
    /// Dossiers: rows in the population, and those of them in the numerator.
    Ratio {
        basis: Basis,
        population: RowFilter,
        numerator: RowFilter,
    },
    /// Dossiers: distinct procedure codes among the population rows and the numerator rows.
    DistinctProcedures {
        basis: Basis,
        population: RowFilter,
        numerator: RowFilter,
    },
    /// Year-on-year change of another indicator's percentage, in points.
    Growth { of: &'static str },
    /// Procedures of the catalogue (DOMAIN.md §4), one row per year.
    Catalogue(CatalogueMeasure),
    /// A figure the department reports itself (§5).
    Facts,
}

/// The catalogue indicators of DOMAIN.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueMeasure {
    ProceduresOnline,
    NationalPortal,
    BothPortals,
    PaymentEnabled,
    OnlineServicesUsed,
}

impl CatalogueMeasure {
    /// Population and numerator in words, for `cchc indicators`.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            CatalogueMeasure::ProceduresOnline => (
                "procedures with online_eligible (every procedure without that column)",
                "service_level 3 or 4",
            ),
            CatalogueMeasure::NationalPortal => ("procedures at level 3 or 4", "national_portal"),
            CatalogueMeasure::BothPortals => (
                "procedures at level 3 or 4",
                "provincial_portal and national_portal",
            ),
            CatalogueMeasure::PaymentEnabled => ("fee_bearing procedures", "online_payment"),
            CatalogueMeasure::OnlineServicesUsed => (
                "procedures at level 3 or 4",
                "with at least one accepted online dossier received that year",
            ),
        }
    }
}

/// Input fields an indicator needs; `AnyOf` is met by one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    Field(Field),
    AnyOf(Vec<Field>),
}

#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    pub source: Source,
    pub unit: Unit,
    pub measure: Measure,
    /// Input columns without which it is `na`.
    pub needs: Vec<Need>,
    /// From the targets file rather than built in.
    pub custom: bool,
    /// Form II.06a's count of finished dossiers without a due date comes with its rows
    /// (`missing_due`): the built-in `on_time`.
    pub counts_missing_due: bool,
}

impl Indicator {
    /// A dossier indicator's population and numerator, and whether it counts distinct
    /// procedure codes instead of rows; `None` for the other measures.
    pub fn dossier_rows(&self) -> Option<(&RowFilter, &RowFilter, bool)> {
        match &self.measure {
            Measure::Ratio {
                population,
                numerator,
                ..
            } => Some((population, numerator, false)),
            Measure::DistinctProcedures {
                population,
                numerator,
                ..
            } => Some((population, numerator, true)),
            _ => None,
        }
    }

    /// Which date places its dossiers in a period (dossier indicators only).
    pub fn basis(&self) -> Option<Basis> {
        match &self.measure {
            Measure::Ratio { basis, .. } | Measure::DistinctProcedures { basis, .. } => {
                Some(*basis)
            }
            Measure::Growth { .. } => Some(Basis::End),
            _ => None,
        }
    }

    /// The dossier fields its conditions read (what the read stage must keep).
    pub fn condition_fields(&self) -> FieldSet {
        match &self.measure {
            Measure::Ratio {
                population,
                numerator,
                ..
            }
            | Measure::DistinctProcedures {
                population,
                numerator,
                ..
            } => population.fields().union(numerator.fields()),
            _ => FieldSet::default(),
        }
    }

    /// The names its conditions use (a keyword names itself), for what it needs.
    pub fn condition_names(&self) -> BTreeSet<&'static str> {
        match self.dossier_rows() {
            Some((population, numerator, _)) => population
                .names()
                .union(&numerator.names())
                .copied()
                .collect(),
            None => BTreeSet::new(),
        }
    }
}

const END_DATE: [Field; 2] = [Field::FinishedAt, Field::ReturnedAt];
const AMOUNT: [Field; 2] = [Field::Fee, Field::Charge];

/// A built-in dossier indicator, as written in DOMAIN.md §2.
struct DossierDefinition {
    id: &'static str,
    name_vi: &'static str,
    name_en: &'static str,
    basis: Basis,
    distinct_procedures: bool,
    population: &'static str,
    numerator: &'static str,
    fields: &'static [Field],
    any_of: &'static [&'static [Field]],
}

const DOSSIER_INDICATORS: &[DossierDefinition] = &[
    DossierDefinition {
        id: "online_share",
        name_vi: "Tỷ lệ hồ sơ trực tuyến mức độ 3, 4",
        name_en: "Online dossiers at service level 3/4",
        basis: Basis::Received,
        distinct_procedures: false,
        population: "accepted",
        numerator: "channel = 'online' AND service_level IN (3, 4)",
        fields: &[Field::Channel, Field::ServiceLevel],
        any_of: &[],
    },
    DossierDefinition {
        id: "online_payment_rate",
        name_vi: "Tỷ lệ hồ sơ thanh toán trực tuyến",
        name_en: "Fee-bearing dossiers paid online",
        basis: Basis::Received,
        distinct_procedures: false,
        population: "accepted AND fee + charge > 0",
        numerator: "payment_method = 'online'",
        fields: &[Field::PaymentMethod],
        any_of: &[&AMOUNT],
    },
    DossierDefinition {
        id: "online_payment_procedures",
        name_vi: "Tỷ lệ TTHC có phát sinh thanh toán trực tuyến",
        name_en: "Procedures with online payment",
        basis: Basis::Received,
        distinct_procedures: true,
        population: "accepted AND fee + charge > 0",
        numerator: "payment_method = 'online'",
        fields: &[Field::PaymentMethod, Field::ProcedureCode],
        any_of: &[&AMOUNT],
    },
    DossierDefinition {
        id: "digitized_results",
        name_vi: "Tỷ lệ số hóa kết quả giải quyết TTHC",
        name_en: "Results digitized",
        basis: Basis::End,
        distinct_procedures: false,
        population: "finished",
        numerator: "result_digitized",
        fields: &[Field::ResultDigitized],
        any_of: &[&END_DATE],
    },
    DossierDefinition {
        id: "electronic_transfer",
        name_vi: "Tỷ lệ hồ sơ liên thông luân chuyển điện tử",
        name_en: "Inter-agency dossiers transferred electronically",
        basis: Basis::Received,
        distinct_procedures: false,
        population: "accepted AND interagency",
        numerator: "transfer_electronic",
        fields: &[Field::Interagency, Field::TransferElectronic],
        any_of: &[],
    },
    DossierDefinition {
        id: "data_reuse",
        name_vi: "Tỷ lệ hồ sơ không phải nộp lại giấy tờ đã cung cấp",
        name_en: "Dossiers reusing data already provided",
        basis: Basis::Received,
        distinct_procedures: false,
        population: "accepted",
        numerator: "component_reused",
        fields: &[Field::ComponentReused],
        any_of: &[],
    },
    DossierDefinition {
        id: "e_authenticated",
        name_vi: "Tỷ lệ hồ sơ trực tuyến được xác thực điện tử",
        name_en: "Online dossiers with electronic authentication",
        basis: Basis::Received,
        distinct_procedures: false,
        population: "accepted AND channel = 'online'",
        numerator: "vneid_authenticated",
        fields: &[Field::Channel, Field::VneidAuthenticated],
        any_of: &[],
    },
    DossierDefinition {
        id: "satisfaction",
        name_vi: "Mức độ hài lòng",
        name_en: "Satisfaction",
        basis: Basis::End,
        distinct_procedures: false,
        population: "finished AND satisfaction IS NOT NULL",
        numerator: "satisfaction = 'satisfied'",
        fields: &[Field::Satisfaction],
        any_of: &[&END_DATE],
    },
    // Form II.06a: withdrawn (7) and stopped (8) dossiers count as on time; a finished dossier
    // without a due date cannot be judged and is counted apart (missing_due). Dates, not times,
    // are compared: a result on the due date after the due hour is on time.
    DossierDefinition {
        id: ON_TIME,
        name_vi: "Tỷ lệ hồ sơ giải quyết đúng hạn (Biểu II.06a)",
        name_en: "Dossiers resolved on time (form II.06a)",
        basis: Basis::End,
        distinct_procedures: false,
        population:
            "(status IN (7, 8) OR (finished AND due_at IS NOT NULL)) AND end_at IS NOT NULL",
        numerator: "status IN (7, 8) OR end_at <= due_at",
        fields: &[Field::DueAt],
        any_of: &[&END_DATE],
    },
];

/// Form II.06a's indicator, whose rows also count the finished dossiers without a due date.
const ON_TIME: &str = "on_time";

/// Where the growth row sits: right after the indicator it follows.
const GROWTH: (&str, &str, &str, &str) = (
    "digitized_results_growth",
    "Mức tăng tỷ lệ số hóa kết quả so với năm trước",
    "Growth of digitized results vs previous year",
    "digitized_results",
);

const CATALOGUE_INDICATORS: &[(&str, &str, &str, CatalogueMeasure)] = &[
    (
        "procedures_online",
        "Tỷ lệ TTHC đủ điều kiện được cung cấp trực tuyến mức độ 3, 4",
        "Eligible procedures offered online at level 3/4",
        CatalogueMeasure::ProceduresOnline,
    ),
    (
        "online_procedures_national_portal",
        "Tỷ lệ TTHC trực tuyến mức độ 3, 4 được tích hợp trên Cổng DVCQG",
        "Online procedures (level 3/4) on the national public-service portal",
        CatalogueMeasure::NationalPortal,
    ),
    (
        "online_procedures_both_portals",
        "Tỷ lệ DVCTT mức độ 3, 4 tích hợp lên Cổng DVC tỉnh và Cổng DVCQG",
        "Online services (level 3/4) on both the provincial and national portals",
        CatalogueMeasure::BothPortals,
    ),
    (
        "payment_enabled_procedures",
        "Tỷ lệ TTHC có nghĩa vụ tài chính được triển khai thanh toán trực tuyến",
        "Fee-bearing procedures with online payment deployed",
        CatalogueMeasure::PaymentEnabled,
    ),
    (
        "online_services_used",
        "Tỷ lệ DVCTT có phát sinh hồ sơ trực tuyến (766 chỉ số 3.2)",
        "Online services that received online dossiers (Decision 766, 3.2)",
        CatalogueMeasure::OnlineServicesUsed,
    ),
];

/// The plan's other quantified targets (DOMAIN.md §5): figures the department reports itself.
pub const FACTS_INDICATORS: &[(&str, &str, &str, Unit)] = &[
    (
        "legal_docs_compliant",
        "Tỷ lệ VBQPPL tham mưu ban hành đúng quy định, phù hợp thực tiễn",
        "Legal documents drafted in due form and fit for practice",
        Unit::Percent,
    ),
    (
        "legal_review_issues_handled",
        "Tỷ lệ vấn đề phát hiện qua kiểm tra, rà soát VBQPPL được xử lý kịp thời",
        "Issues found in legal-document reviews handled in time",
        Unit::Percent,
    ),
    (
        "regulations_cut",
        "Tỷ lệ quy định liên quan đến hoạt động kinh doanh được cắt giảm, đơn giản hóa",
        "Business regulations cut or simplified",
        Unit::Percent,
    ),
    (
        "compliance_cost_cut",
        "Tỷ lệ cắt giảm chi phí tuân thủ quy định liên quan đến hoạt động kinh doanh",
        "Cut in the cost of complying with business regulations",
        Unit::Percent,
    ),
    (
        "internal_procedures_published",
        "Tỷ lệ TTHC nội bộ được công bố, công khai và cập nhật kịp thời",
        "Internal procedures published and kept up to date",
        Unit::Percent,
    ),
    (
        "units_functions_defined",
        "Tỷ lệ phòng, đơn vị được quy định đầy đủ chức năng, nhiệm vụ, quyền hạn",
        "Units with functions, tasks and powers fully defined",
        Unit::Percent,
    ),
    (
        "units_deputies_compliant",
        "Tỷ lệ phòng, đơn vị có cơ cấu, số lượng cấp phó đúng quy định",
        "Units whose deputies comply with the rules",
        Unit::Percent,
    ),
    (
        "audit_recommendations_done",
        "Tỷ lệ kiến nghị sau thanh tra, kiểm tra, kiểm toán về tài chính được thực hiện",
        "Financial inspection and audit recommendations carried out",
        Unit::Percent,
    ),
    (
        "budget_violations",
        "Số sai phạm trong sử dụng kinh phí quản lý hành chính",
        "Violations in the use of administrative budgets",
        Unit::Count,
    ),
    (
        "documents_electronic",
        "Tỷ lệ văn bản trao đổi giữa các phòng, đơn vị trên môi trường điện tử (trừ văn bản mật)",
        "Documents exchanged between units electronically (classified excepted)",
        Unit::Percent,
    ),
    (
        "officials_digital_skills",
        "Tỷ lệ công chức sử dụng thành thạo hồ sơ công việc, ký số, xử lý văn bản điện tử",
        "Officials proficient with electronic work records, digital signatures and documents",
        Unit::Percent,
    ),
    (
        "inspections_digital",
        "Tỷ lệ hoạt động kiểm tra, thanh tra thực hiện qua môi trường số",
        "Inspections carried out digitally",
        Unit::Percent,
    ),
    (
        "work_records_electronic",
        "Tỷ lệ hồ sơ công việc được xử lý trên môi trường điện tử (trừ hồ sơ mật)",
        "Work records processed electronically (classified excepted)",
        Unit::Percent,
    ),
    (
        "egov_rank",
        "Thứ hạng của Sở về Chính quyền điện tử trong các sở, ban, ngành của tỉnh",
        "The department's e-government rank among the province's departments",
        Unit::Rank,
    ),
];

/// Every built-in indicator, in report order: dossiers (§2), catalogue (§4), facts (§5).
pub fn built_in() -> Result<Vec<Indicator>> {
    let mut all = Vec::new();
    let scope = Scope::dossier();
    for d in DOSSIER_INDICATORS {
        let rows = |text: &str| {
            RowFilter::parse(text, &scope)
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(|| format!("built-in indicator {}", d.id))
        };
        let (population, numerator) = (rows(d.population)?, rows(d.numerator)?);
        let measure = if d.distinct_procedures {
            Measure::DistinctProcedures {
                basis: d.basis,
                population,
                numerator,
            }
        } else {
            Measure::Ratio {
                basis: d.basis,
                population,
                numerator,
            }
        };
        let mut needs: Vec<Need> = d.fields.iter().map(|f| Need::Field(*f)).collect();
        needs.extend(d.any_of.iter().map(|fields| Need::AnyOf(fields.to_vec())));
        all.push(Indicator {
            id: d.id,
            name_vi: d.name_vi,
            name_en: d.name_en,
            source: Source::Dossiers,
            unit: Unit::Percent,
            measure,
            needs: needs.clone(),
            custom: false,
            counts_missing_due: d.id == ON_TIME,
        });
        if d.id == GROWTH.3 {
            all.push(Indicator {
                id: GROWTH.0,
                name_vi: GROWTH.1,
                name_en: GROWTH.2,
                source: Source::Dossiers,
                unit: Unit::Points,
                measure: Measure::Growth { of: GROWTH.3 },
                needs,
                custom: false,
                counts_missing_due: false,
            });
        }
    }
    for (id, name_vi, name_en, measure) in CATALOGUE_INDICATORS {
        all.push(Indicator {
            id,
            name_vi,
            name_en,
            source: Source::Catalogue,
            unit: Unit::Percent,
            measure: Measure::Catalogue(*measure),
            needs: Vec::new(),
            custom: false,
            counts_missing_due: false,
        });
    }
    for (id, name_vi, name_en, unit) in FACTS_INDICATORS {
        all.push(Indicator {
            id,
            name_vi,
            name_en,
            source: Source::Facts,
            unit: *unit,
            measure: Measure::Facts,
            needs: Vec::new(),
            custom: false,
            counts_missing_due: false,
        });
    }
    Ok(all)
}

/// Every indicator of a run: the built-ins, with the targets file's custom indicators replacing
/// a built-in of the same id or added after the built-ins of their source.
#[derive(Debug, Clone)]
pub struct Registry {
    indicators: Vec<&'static Indicator>,
}

impl Registry {
    /// Built from definitions that live for the whole run (a command line tool reads its
    /// configuration once, so the few custom definitions are simply kept).
    pub fn new(custom: Vec<Indicator>) -> Result<Registry> {
        let mut all: Vec<Indicator> = built_in()?;
        for indicator in custom {
            match all.iter().position(|i| i.id == indicator.id) {
                Some(at) => all[at] = indicator,
                None => {
                    let after = all
                        .iter()
                        .rposition(|i| i.source == indicator.source)
                        .map_or(all.len(), |p| p + 1);
                    all.insert(after, indicator);
                }
            }
        }
        let leaked: &'static [Indicator] = Box::leak(all.into_boxed_slice());
        Ok(Registry {
            indicators: leaked.iter().collect(),
        })
    }

    pub fn all(&self) -> &[&'static Indicator] {
        &self.indicators
    }

    pub fn find(&self, id: &str) -> Option<&'static Indicator> {
        self.indicators.iter().copied().find(|i| i.id == id)
    }

    pub fn of_source(&self, source: Source) -> impl Iterator<Item = &'static Indicator> + '_ {
        self.indicators
            .iter()
            .copied()
            .filter(move |i| i.source == source)
    }

    /// Position in report order, for sorting rows.
    pub fn position(&self, id: &str) -> usize {
        self.indicators
            .iter()
            .position(|i| i.id == id)
            .unwrap_or(usize::MAX)
    }

    /// Every dossier field a condition reads (the read stage keeps their columns).
    pub fn condition_fields(&self) -> FieldSet {
        self.indicators.iter().fold(FieldSet::default(), |set, i| {
            set.union(i.condition_fields())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_definition_parses() {
        let all = built_in().expect("the built-in definitions parse");
        let ids: Vec<&str> = all.iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), 10 + 5 + 14);
        assert_eq!(ids[3..5], ["digitized_results", "digitized_results_growth"]);
        assert_eq!(ids[10], "procedures_online");
        assert_eq!(ids[15], "legal_docs_compliant");
    }

    #[test]
    fn a_custom_indicator_replaces_a_built_in_or_follows_its_source() {
        let custom = |id: &'static str, source| Indicator {
            id,
            name_vi: id,
            name_en: id,
            source,
            unit: Unit::Percent,
            measure: Measure::Facts,
            needs: Vec::new(),
            custom: true,
            counts_missing_due: false,
        };
        let registry = Registry::new(vec![
            custom("full_online_share", Source::Dossiers),
            custom("on_time", Source::Dossiers),
            custom("training_courses", Source::Facts),
        ])
        .expect("a registry");
        assert_eq!(registry.position("full_online_share"), 10);
        assert!(registry.find("on_time").is_some_and(|i| i.custom));
        assert_eq!(
            registry.all().last().map(|i| i.id),
            Some("training_courses")
        );
    }
}
