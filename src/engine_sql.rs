//! Engine SQL (DOMAIN.md §7): one query over a table of canonical dataset rows that returns,
//! for every built-in and custom dossier indicator, `period`, `group`, `indicator`, `numerator`
//! and `denominator`, the same numbers `cchc report` computes.
//!
//! The query is generated from the indicator registry, the very definitions the polars stage
//! evaluates: populations and numerators are §6 conditions whose text is embedded unchanged (the
//! dataset's columns carry the §6 names and types), and the keywords `accepted`/`finished` are
//! the dataset's columns of those names. The query mirrors the compute and judge stages step by
//! step: keep each dossier's latest row, flag every row, sum the flags per period and group, give
//! every period every group seen (as the report does, so an empty cell is a 0/0 row), and blank
//! out what the report marks not evaluable.

use std::fmt::Write as _;

use crate::compute::GroupDim;
use crate::dossier::Field;
use crate::dossier::{Granularity, PeriodKey};
use crate::indicators::{Basis, Indicator, Measure, Need, Registry, RowFilter};

/// The SQL engine a query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Duckdb,
    Spark,
}

impl Dialect {
    /// Quotes an identifier that may be a reserved word (`group`).
    fn quote(self, name: &str) -> String {
        match self {
            Dialect::Duckdb => format!("\"{name}\""),
            Dialect::Spark => format!("`{name}`"),
        }
    }
}

/// What the query computes: the report's options.
#[derive(Debug, Clone)]
pub struct SqlOptions {
    pub dialect: Dialect,
    pub table: String,
    pub granularity: Granularity,
    pub group_by: Vec<GroupDim>,
    pub year: Option<i32>,
    /// Inclusive bounds on the date that places a dossier in its period.
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub min_count: u64,
}

/// A population or numerator as a SQL boolean expression over the dataset's columns.
fn rows_sql(rows: &RowFilter) -> String {
    match rows {
        RowFilter::All => "TRUE".into(),
        RowFilter::Accepted => "accepted".into(),
        RowFilter::Finished => "finished".into(),
        // The condition's own text, unchanged: §6's subset runs as it is in every engine.
        RowFilter::Where(condition) => format!("({})", condition.text.trim()),
    }
}

fn dim_column(dim: GroupDim) -> &'static str {
    match dim {
        GroupDim::Unit => Field::Unit.name(),
        GroupDim::Sector => Field::Sector.name(),
        GroupDim::Procedure => Field::ProcedureCode.name(),
    }
}

/// The period label of a date column: `2024`, `2024-Q1` or `2024-03`, as the report writes it.
fn period_sql(column: &str, granularity: Granularity) -> String {
    let year = format!("CAST(EXTRACT(YEAR FROM {column}) AS STRING)");
    match granularity {
        Granularity::Year => year,
        Granularity::Quarter => {
            format!("{year} || '-Q' || CAST(EXTRACT(QUARTER FROM {column}) AS STRING)")
        }
        Granularity::Month => {
            format!("{year} || '-' || LPAD(CAST(EXTRACT(MONTH FROM {column}) AS STRING), 2, '0')")
        }
    }
}

/// 1 when some input lacked what the indicator needs (its `missing_columns` names them).
fn lacking_sql(indicator: &Indicator) -> String {
    let lacks = |field: &Field| format!("missing_columns LIKE '%|{}|%'", field.name());
    let tests: Vec<String> = indicator
        .needs
        .iter()
        .map(|need| match need {
            Need::Field(field) => lacks(field),
            // Met when the input has at least one of them.
            Need::AnyOf(fields) => format!(
                "({})",
                fields.iter().map(lacks).collect::<Vec<_>>().join(" AND ")
            ),
        })
        .collect();
    if tests.is_empty() {
        // An aggregate still, so `lacking` stays one row.
        "MAX(0)".into()
    } else {
        format!("MAX(CASE WHEN {} THEN 1 ELSE 0 END)", tests.join(" OR "))
    }
}

fn date_literal(date: chrono::NaiveDate) -> String {
    format!("DATE '{}'", date.format("%Y-%m-%d"))
}

/// The query, with a comment saying what produced it.
pub fn query(registry: &Registry, options: &SqlOptions, provenance: &str) -> String {
    let indicators = crate::compute::dossier_indicators(registry);
    let q = |name: &str| options.dialect.quote(name);
    let mut sql = String::new();
    let _ = writeln!(
        sql,
        "-- cchc {} ({:?} SQL): the dossier indicators of {provenance}",
        env!("CARGO_PKG_VERSION"),
        options.dialect
    );
    let _ = writeln!(
        sql,
        "-- over {}: rows of a dataset written by `cchc convert` (DOMAIN.md §7).",
        options.table
    );
    let _ = writeln!(
        sql,
        "-- Returns period, group (NULL on totals), indicator, numerator, denominator;"
    );
    let _ = writeln!(
        sql,
        "-- NULL numerator and denominator: not evaluable (a column some input lacked{}).",
        if options.min_count > 1 {
            format!(", or fewer than {} dossiers in a group", options.min_count)
        } else {
            String::new()
        }
    );
    let dims: Vec<&str> = options.group_by.iter().map(|d| dim_column(*d)).collect();

    // 1. Each dossier's latest row across datasets: greatest (batch, source_seq).
    let _ = writeln!(sql, "WITH latest AS (");
    let _ = writeln!(sql, "  SELECT * FROM (");
    let _ = writeln!(
        sql,
        "    SELECT t.*, ROW_NUMBER() OVER (PARTITION BY dossier_id ORDER BY batch DESC, source_seq DESC) AS cchc_pick"
    );
    let _ = writeln!(sql, "    FROM {} t", options.table);
    let _ = writeln!(sql, "  ) ranked WHERE cchc_pick = 1");
    let _ = writeln!(sql, "),");

    // 2. Which indicators some input could not supply (over every row, as over every input).
    let _ = writeln!(sql, "lacking AS (");
    let lacking: Vec<String> = indicators
        .iter()
        .enumerate()
        .map(|(k, i)| format!("    {} AS lack_{k}", lacking_sql(i)))
        .collect();
    let _ = writeln!(sql, "  SELECT\n{}", lacking.join(",\n"));
    let _ = writeln!(sql, "  FROM {}", options.table);
    let _ = writeln!(sql, "),");

    // 3. Each dossier twice, once per basis (0: received, 1: end date), with the period and
    //    day of that basis, its groups and a 0/1 flag per population and numerator. Each CTE
    //    is read once, so engines that inline CTEs (Spark) scan the table once.
    let _ = writeln!(sql, "flags AS (");
    let mut select = vec![
        "    b.basis".to_string(),
        format!(
            "    CASE WHEN b.basis = 0 THEN {} WHEN end_at IS NOT NULL THEN {} END AS period",
            period_sql("received_at", options.granularity),
            period_sql("end_at", options.granularity)
        ),
        "    CASE WHEN b.basis = 0 THEN received_at ELSE end_at END AS cchc_day".into(),
        "    procedure_code AS cchc_procedure".into(),
    ];
    for (level, column) in dims.iter().enumerate() {
        // A blank group is "" (DOMAIN.md §3), so NULL is left to mean "totals".
        select.push(format!("    COALESCE({column}, '') AS g{level}"));
    }
    for (k, indicator) in indicators.iter().enumerate() {
        let Some((population, numerator, distinct)) = indicator.dossier_rows() else {
            continue;
        };
        let mut pop = rows_sql(population);
        if distinct {
            pop = format!("{pop} AND procedure_code IS NOT NULL");
        }
        let basis = basis_number(indicator);
        select.push(format!(
            "    CASE WHEN b.basis = {basis} AND {pop} THEN 1 ELSE 0 END AS p_{k}  -- {}",
            indicator.id
        ));
        select.push(format!(
            "    CASE WHEN b.basis = {basis} AND ({pop}) AND {} THEN 1 ELSE 0 END AS n_{k}",
            rows_sql(numerator)
        ));
    }
    let _ = writeln!(sql, "  SELECT\n{}", join_lines(&select));
    let _ = writeln!(
        sql,
        "  FROM latest CROSS JOIN (VALUES (0), (1)) AS b(basis)"
    );
    let _ = writeln!(sql, "),");

    // 4. Sums per period, for the totals and (with --by) per group, in one aggregation.
    let keys: Vec<String> = (0..dims.len()).map(|l| format!("g{l}")).collect();
    let mut filters = vec!["period IS NOT NULL".to_string()];
    if let Some(from) = options.from {
        filters.push(format!("cchc_day >= {}", date_literal(from)));
    }
    if let Some(to) = options.to {
        filters.push(format!("cchc_day <= {}", date_literal(to)));
    }
    let mut sums = vec!["    period".to_string()];
    sums.extend(keys.iter().map(|k| format!("    {k}")));
    for (k, indicator) in indicators.iter().enumerate() {
        if matches!(indicator.measure, Measure::DistinctProcedures { .. }) {
            sums.push(format!(
                "    COUNT(DISTINCT CASE WHEN p_{k} = 1 THEN cchc_procedure END) AS d_{k}"
            ));
            sums.push(format!(
                "    COUNT(DISTINCT CASE WHEN n_{k} = 1 THEN cchc_procedure END) AS n_{k}"
            ));
        } else {
            sums.push(format!("    SUM(p_{k}) AS d_{k}"));
            sums.push(format!("    SUM(n_{k}) AS n_{k}"));
        }
    }
    let _ = writeln!(sql, "sums AS (");
    let _ = writeln!(sql, "  SELECT\n{}", sums.join(",\n"));
    let _ = writeln!(sql, "  FROM flags");
    let _ = writeln!(sql, "  WHERE {}", filters.join(" AND "));
    if keys.is_empty() {
        let _ = writeln!(sql, "  GROUP BY period");
    } else {
        let _ = writeln!(
            sql,
            "  GROUP BY GROUPING SETS ((period), (period, {}))",
            keys.join(", ")
        );
    }
    let _ = writeln!(sql, "),");

    // 5. The report's grid: every period with every group seen in any period, so a group
    //    without dossiers for an indicator still gets its 0/0 row.
    let _ = writeln!(sql, "cells AS (");
    if keys.is_empty() {
        let _ = writeln!(sql, "  SELECT * FROM sums");
    } else {
        let values: Vec<String> = (0..indicators.len())
            .flat_map(|k| {
                [
                    format!("COALESCE(s.d_{k}, 0) AS d_{k}"),
                    format!("COALESCE(s.n_{k}, 0) AS n_{k}"),
                ]
            })
            .collect();
        let _ = writeln!(sql, "  SELECT * FROM sums WHERE g0 IS NULL");
        let _ = writeln!(sql, "  UNION ALL");
        let _ = writeln!(
            sql,
            "  SELECT p.period, k.{}, {}",
            keys.join(", k."),
            values.join(", ")
        );
        let _ = writeln!(sql, "  FROM (SELECT period FROM sums WHERE g0 IS NULL) p");
        let _ = writeln!(
            sql,
            "  CROSS JOIN (SELECT DISTINCT {} FROM sums WHERE g0 IS NOT NULL) k",
            keys.join(", ")
        );
        let on: Vec<String> = keys.iter().map(|k| format!("s.{k} = k.{k}")).collect();
        let _ = writeln!(
            sql,
            "  LEFT JOIN sums s ON s.period = p.period AND {}",
            on.join(" AND ")
        );
    }
    let _ = writeln!(sql, ")");

    // 6. One row per period, group and indicator.
    let group = if keys.is_empty() {
        "CAST(NULL AS STRING)".to_string()
    } else {
        format!(
            "CASE WHEN c.g0 IS NULL THEN NULL ELSE {} END",
            keys.iter()
                .map(|k| format!("c.{k}"))
                .collect::<Vec<_>>()
                .join(" || ' / ' || ")
        )
    };
    let pick = |prefix: &str| -> String {
        let arms: Vec<String> = (0..indicators.len())
            .map(|k| {
                // Not evaluable: a column some input lacked; with --min-count, a small group.
                let mut blank = format!("l.lack_{k} = 1");
                if !keys.is_empty() && options.min_count > 1 {
                    blank = format!(
                        "{blank} OR (c.g0 IS NOT NULL AND c.d_{k} > 0 AND c.d_{k} < {})",
                        options.min_count
                    );
                }
                format!("WHEN {k} THEN CASE WHEN {blank} THEN NULL ELSE c.{prefix}_{k} END")
            })
            .collect();
        format!("CAST(CASE i.k {} END AS BIGINT)", arms.join("\n      "))
    };
    let list: Vec<String> = indicators
        .iter()
        .enumerate()
        .map(|(k, indicator)| format!("({k}, '{}')", indicator.id))
        .collect();
    let _ = writeln!(
        sql,
        "SELECT c.period, {group} AS {grp}, i.indicator,\n    {} AS numerator,\n    {} AS denominator",
        pick("n"),
        pick("d"),
        grp = q("group"),
    );
    let _ = writeln!(sql, "FROM cells c CROSS JOIN lacking l");
    let _ = writeln!(
        sql,
        "CROSS JOIN (VALUES {}) AS i(k, indicator)",
        list.join(", ")
    );
    if let Some(year) = options.year {
        let _ = writeln!(sql, "WHERE SUBSTR(c.period, 1, 4) = '{year}'");
    }
    let _ = writeln!(sql, "ORDER BY c.period, {} NULLS FIRST, i.k;", q("group"));
    sql
}

/// The 766 query's options beyond the report's.
#[derive(Debug, Clone)]
pub struct I766Options {
    /// `--as-of`: else the latest reception, result or return date in the table.
    pub as_of: Option<chrono::NaiveDate>,
}

/// The dossier-based indicators of a 766 profile (DOMAIN.md §8) as one query: per period (and
/// unit, with `--by unit`) each indicator's `numerator`, `denominator` and `missing_due`, the
/// same numbers as `cchc report --i766`. Each dossier is seen in every period from its reception
/// to its end (to the as-of date while open), as the report counts it; the profile's sets are
/// computed in order, each as a column of its own, with their texts embedded unchanged.
pub fn query_766(
    profile: &crate::i766::profile::Profile,
    options: &SqlOptions,
    i766: &I766Options,
    provenance: &str,
) -> String {
    use crate::i766::profile::Measure;
    let q = |name: &str| options.dialect.quote(name);
    let indicators: Vec<(
        &str,
        &crate::condition::Condition,
        &crate::condition::Condition,
        Option<&crate::condition::Condition>,
    )> = profile
        .indicators
        .iter()
        .filter_map(|i| match &i.measure {
            Measure::Dossiers {
                population,
                numerator,
                missing_due,
            } => Some((
                i.code.as_str(),
                &**population,
                &**numerator,
                missing_due.as_deref(),
            )),
            _ => None,
        })
        .collect();
    let by_unit = options.group_by.contains(&GroupDim::Unit);
    let mut sql = String::new();
    let _ = writeln!(
        sql,
        "-- cchc {} ({:?} SQL): the dossier indicators of the 766 profile {} ({provenance})",
        env!("CARGO_PKG_VERSION"),
        options.dialect,
        profile.id
    );
    let _ = writeln!(
        sql,
        "-- over {}: rows of a dataset written by `cchc convert` (DOMAIN.md §7, §8).",
        options.table
    );
    let _ = writeln!(
        sql,
        "-- Returns period, group (the unit; NULL on totals), indicator, numerator, denominator, missing_due;"
    );
    let _ = writeln!(
        sql,
        "-- NULL numbers: not evaluable (a column some input lacked)."
    );
    let _ = writeln!(sql, "WITH latest AS (");
    let _ = writeln!(sql, "  SELECT * FROM (");
    let _ = writeln!(
        sql,
        "    SELECT t.*, ROW_NUMBER() OVER (PARTITION BY dossier_id ORDER BY batch DESC, source_seq DESC) AS cchc_pick"
    );
    let _ = writeln!(sql, "    FROM {} t", options.table);
    let _ = writeln!(sql, "  ) ranked WHERE cchc_pick = 1");
    let _ = writeln!(sql, "),");
    // The as-of date: the latest date of any row, unless given.
    let _ = writeln!(sql, "bounds AS (");
    match i766.as_of {
        Some(date) => {
            let _ = writeln!(sql, "  SELECT {} AS as_of", date_literal(date));
        }
        None => {
            let _ = writeln!(
                sql,
                "  SELECT GREATEST(MAX(received_at), MAX(finished_at), MAX(returned_at)) AS as_of FROM {}",
                options.table
            );
        }
    }
    let _ = writeln!(sql, "),");
    // The periods a dossier can be seen in: every one of the granularity from 2000 to 2100
    // (or the selection's years), as literals both engines read the same way.
    let years = match options.year {
        Some(year) => year..=year,
        None => {
            let from = options.from.map_or(2000, |d| chrono::Datelike::year(&d));
            let to = options.to.map_or(2100, |d| chrono::Datelike::year(&d));
            from..=to
        }
    };
    let mut periods = Vec::new();
    for year in years {
        let mut period = PeriodKey::new(Granularity::Year, year);
        period = options.granularity.period_of_day(period.first_day());
        while period.year() == year {
            let (start, end) = (period.first_day(), period.last_day());
            let keep = options
                .from
                .is_none_or(|f| end >= crate::dossier::period::day_of(f))
                && options
                    .to
                    .is_none_or(|t| start <= crate::dossier::period::day_of(t));
            if keep {
                periods.push(format!(
                    "('{}', {}, {})",
                    period.label(),
                    date_literal(crate::dossier::period::date_of(start)),
                    date_literal(crate::dossier::period::date_of(end))
                ));
            }
            period = period.next();
        }
    }
    let _ = writeln!(sql, "periods AS (");
    let _ = writeln!(
        sql,
        "  SELECT * FROM (VALUES
    {}
  ) AS p(period, period_start, period_end)",
        periods.join(
            ",
    "
        )
    );
    let _ = writeln!(sql, "),");
    // Each dossier in each period of its window, with the period's start and cutoff.
    let _ = writeln!(sql, "pairs AS (");
    let _ = writeln!(
        sql,
        "  SELECT l.*, p.period AS cchc_period, p.period_start, LEAST(p.period_end, b.as_of) AS cutoff,"
    );
    let _ = writeln!(sql, "    ({}) AS ended", crate::dossier::ended_condition());
    let _ = writeln!(sql, "  FROM latest l CROSS JOIN bounds b");
    let _ = writeln!(
        sql,
        "  JOIN periods p ON p.period_end >= l.received_at AND p.period_start <= b.as_of"
    );
    let _ = writeln!(sql, "),");
    // An ended dossier is seen up to its end; one without an end date is left out.
    let _ = writeln!(sql, "seen AS (");
    let _ = writeln!(
        sql,
        "  SELECT * FROM pairs WHERE (ended IS NOT TRUE) OR (end_at IS NOT NULL AND period_start <= end_at)"
    );
    let _ = writeln!(sql, "),");
    let mut last = "seen".to_string();
    for (k, (name, text)) in profile.sets.iter().enumerate() {
        let _ = writeln!(sql, "set_{k} AS (");
        let _ = writeln!(
            sql,
            "  SELECT *, COALESCE(({}), FALSE) AS {name} FROM {last}",
            text.trim()
        );
        let _ = writeln!(sql, "),");
        last = format!("set_{k}");
    }
    // The lack of a column the indicator's own conditions name.
    let lacking: Vec<String> = indicators
        .iter()
        .enumerate()
        .map(|(k, (_, population, numerator, _))| {
            let fields: Vec<Field> = crate::i766::profile::named_fields(population)
                .into_iter()
                .chain(crate::i766::profile::named_fields(numerator))
                .collect();
            let tests: Vec<String> = fields
                .iter()
                .map(|f| format!("missing_columns LIKE '%|{}|%'", f.name()))
                .collect();
            if tests.is_empty() {
                format!("    MAX(0) AS lack_{k}")
            } else {
                format!(
                    "    MAX(CASE WHEN {} THEN 1 ELSE 0 END) AS lack_{k}",
                    tests.join(" OR ")
                )
            }
        })
        .collect();
    let _ = writeln!(sql, "lacking AS (");
    let _ = writeln!(
        sql,
        "  SELECT
{}",
        lacking.join(
            ",
"
        )
    );
    let _ = writeln!(sql, "  FROM {}", options.table);
    let _ = writeln!(sql, "),");
    let mut flags = vec![
        "    cchc_period".to_string(),
        "    COALESCE(unit, '') AS cchc_unit".to_string(),
    ];
    for (k, (code, population, numerator, missing)) in indicators.iter().enumerate() {
        let pop = format!("({})", population.text.trim());
        flags.push(format!(
            "    CASE WHEN {pop} THEN 1 ELSE 0 END AS p_{k}  -- {code}"
        ));
        flags.push(format!(
            "    CASE WHEN {pop} AND ({}) THEN 1 ELSE 0 END AS n_{k}",
            numerator.text.trim()
        ));
        flags.push(format!(
            "    CASE WHEN {} THEN 1 ELSE 0 END AS m_{k}",
            missing.map_or("FALSE".to_string(), |m| format!("({})", m.text.trim()))
        ));
    }
    let _ = writeln!(sql, "flags AS (");
    let _ = writeln!(
        sql,
        "  SELECT
{}",
        join_lines(&flags)
    );
    let _ = writeln!(sql, "  FROM {last}");
    let _ = writeln!(sql, "),");
    let mut sums = vec!["    cchc_period".to_string()];
    sums.push(if by_unit {
        "    CASE WHEN GROUPING(cchc_unit) = 1 THEN NULL ELSE cchc_unit END AS cchc_unit"
            .to_string()
    } else {
        "    CAST(NULL AS STRING) AS cchc_unit".to_string()
    });
    for k in 0..indicators.len() {
        sums.push(format!("    SUM(p_{k}) AS d_{k}"));
        sums.push(format!("    SUM(n_{k}) AS n_{k}"));
        sums.push(format!("    SUM(m_{k}) AS m_{k}"));
    }
    let _ = writeln!(sql, "sums AS (");
    let _ = writeln!(
        sql,
        "  SELECT
{}",
        sums.join(
            ",
"
        )
    );
    let _ = writeln!(sql, "  FROM flags");
    if by_unit {
        let _ = writeln!(
            sql,
            "  GROUP BY GROUPING SETS ((cchc_period), (cchc_period, cchc_unit))"
        );
    } else {
        let _ = writeln!(sql, "  GROUP BY cchc_period");
    }
    let _ = writeln!(sql, ")");
    let pick = |prefix: &str| -> String {
        let arms: Vec<String> = (0..indicators.len())
            .map(|k| {
                format!("WHEN {k} THEN CASE WHEN l.lack_{k} = 1 THEN NULL ELSE s.{prefix}_{k} END")
            })
            .collect();
        format!(
            "CAST(CASE i.k {} END AS BIGINT)",
            arms.join(
                "
      "
            )
        )
    };
    let list: Vec<String> = indicators
        .iter()
        .enumerate()
        .map(|(k, (code, ..))| format!("({k}, 'i766:{code}')"))
        .collect();
    let _ = writeln!(
        sql,
        "SELECT s.cchc_period AS period, s.cchc_unit AS {grp}, i.indicator,
    {} AS numerator,
    {} AS denominator,
    {} AS missing_due",
        pick("n"),
        pick("d"),
        pick("m"),
        grp = q("group"),
    );
    let _ = writeln!(sql, "FROM sums s CROSS JOIN lacking l");
    let _ = writeln!(
        sql,
        "CROSS JOIN (VALUES {}) AS i(k, indicator)",
        list.join(", ")
    );
    let _ = writeln!(sql, "ORDER BY period, {} NULLS FIRST, i.k;", q("group"));
    sql
}

/// 0 for indicators placed by the received date, 1 for those placed by the end date.
fn basis_number(indicator: &Indicator) -> u8 {
    match indicator.basis() {
        Some(Basis::End) => 1,
        _ => 0,
    }
}

fn join_lines(lines: &[String]) -> String {
    // A trailing `-- comment` must stay after its comma.
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let last = i + 1 == lines.len();
            match line.split_once("  -- ") {
                Some((code, comment)) if !last => format!("{code},  -- {comment}"),
                _ if !last => format!("{line},"),
                _ => line.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> SqlOptions {
        SqlOptions {
            dialect: Dialect::Duckdb,
            table: "cchc_dossiers".into(),
            granularity: Granularity::Year,
            group_by: vec![],
            year: None,
            from: None,
            to: None,
            min_count: 1,
        }
    }

    #[test]
    fn every_indicator_is_queried_with_its_condition_text() {
        let registry = crate::targets::Targets::built_in()
            .and_then(|t| t.registry())
            .expect("built-in registry");
        let sql = query(&registry, &options(), "the built-in plan");
        for indicator in crate::compute::dossier_indicators(&registry) {
            assert!(sql.contains(&format!("'{}')", indicator.id)));
        }
        assert!(sql.contains("(channel = 'online' AND service_level IN (3, 4))"));
        assert!(sql.contains("(status IN (7, 8) OR end_at <= due_at)"));
        assert!(!sql.contains("digitized_results_growth"));
        assert!(sql.contains("\"group\""));
    }

    #[test]
    fn spark_quotes_with_backticks_and_periods_follow_the_granularity() {
        let registry = crate::targets::Targets::built_in()
            .and_then(|t| t.registry())
            .expect("built-in registry");
        let sql = query(
            &registry,
            &SqlOptions {
                dialect: Dialect::Spark,
                granularity: Granularity::Quarter,
                group_by: vec![GroupDim::Sector, GroupDim::Unit],
                year: Some(2024),
                min_count: 5,
                ..options()
            },
            "x",
        );
        assert!(sql.contains("`group`") && !sql.contains("\"group\""));
        assert!(sql.contains("EXTRACT(QUARTER FROM received_at)"));
        assert!(sql.contains("c.g0 || ' / ' || c.g1"));
        assert!(sql.contains("GROUPING SETS ((period), (period, g0, g1))"));
        assert!(sql.contains("WHERE SUBSTR(c.period, 1, 4) = '2024'"));
        assert!(sql.contains("c.d_0 < 5"));
        assert!(sql.contains("(VALUES (0), (1)) AS b(basis)"));
    }
}
