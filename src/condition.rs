//! Custom indicator conditions (DOMAIN.md §6): a small portable subset of SQL boolean
//! expressions, parsed by `sqlparser` (the parser polars' own SQL support is built on),
//! type-checked against the canonical dossier fields, and turned into polars expressions.
//!
//! The subset is what DuckDB and Spark also run unchanged: column names, literals (`'text'`,
//! numbers, `true`/`false`, `NULL`, `DATE 'yyyy-mm-dd'`), comparisons, `AND`/`OR`/`NOT`,
//! `IN (...)`, `BETWEEN`, `IS [NOT] NULL`, `LIKE`, `+`/`-` and parentheses; no functions.
//!
//! Text fields (ids, codes, names) are interned in the read stage, so a predicate on one is
//! evaluated once per distinct text in Rust and looked up per row by id in polars; everything
//! else is a plain polars expression over the typed columns. SQL's three-valued logic holds:
//! a comparison with a missing value is unknown, and unknown counts as false in the end.

use std::collections::BTreeSet;
use std::fmt;

use polars::prelude::{col, lit, when, DataType, Expr, NamedFrom, Series, NULL};
use sqlparser::ast::{
    BinaryOperator, DataType as SqlType, Expr as SqlExpr, InTarget, UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::indicators as ind;
use crate::input::values::Channel;
use crate::input::{Field, RATING_NONE, RATING_SATISFIED, STATUS_UNKNOWN};

/// A field a condition may name (DOMAIN.md §6), with its SQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CondField {
    /// An input column.
    Input(Field),
    /// Derived, as DOMAIN.md §2 defines them.
    Accepted,
    Finished,
    EndAt,
}

impl CondField {
    pub fn name(self) -> &'static str {
        match self {
            CondField::Input(field) => field.name(),
            CondField::Accepted => "accepted",
            CondField::Finished => "finished",
            CondField::EndAt => "end_at",
        }
    }

    fn by_name(name: &str) -> Option<CondField> {
        match name {
            "accepted" => Some(CondField::Accepted),
            "finished" => Some(CondField::Finished),
            "end_at" => Some(CondField::EndAt),
            other => Field::from_name(other).map(CondField::Input),
        }
    }

    /// Every name a condition may use, for error messages.
    fn all_names() -> Vec<&'static str> {
        let mut names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
        names.extend(["accepted", "finished", "end_at"]);
        names
    }

    fn sql_type(self) -> SqlKind {
        use Field::*;
        match self {
            CondField::Accepted | CondField::Finished => SqlKind::Bool,
            CondField::EndAt => SqlKind::Date,
            CondField::Input(field) => match field {
                DossierId | ProcedureCode | ProcedureName | Sector | Unit => SqlKind::Text,
                ServiceLevel | Status => SqlKind::Int,
                Channel => SqlKind::Enum(&["direct", "online", "postal"]),
                PaymentMethod => SqlKind::Enum(&["online", "not_online"]),
                Satisfaction => SqlKind::Enum(&["satisfied", "not_satisfied"]),
                Fee | Charge => SqlKind::Number,
                SubmittedAt | ReceivedAt | DueAt | FinishedAt | ReturnedAt => SqlKind::Date,
                ResultDigitized | DossierDigitized | ComponentReused | Interagency
                | TransferElectronic | VneidAuthenticated => SqlKind::Bool,
            },
        }
    }

    /// The input columns this field is computed from (for "missing column" and for what the
    /// read stage must keep).
    pub fn input_fields(self) -> Vec<Field> {
        match self {
            CondField::Input(field) => vec![field],
            CondField::Accepted => vec![Field::Status],
            CondField::Finished | CondField::EndAt => vec![Field::FinishedAt, Field::ReturnedAt],
        }
    }
}

/// The SQL type of a value in a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SqlKind {
    Text,
    Int,
    Number,
    Bool,
    Date,
    /// Text with a fixed vocabulary (channel, payment_method, satisfaction).
    Enum(&'static [&'static str]),
}

impl SqlKind {
    fn numeric(self) -> bool {
        matches!(self, SqlKind::Int | SqlKind::Number)
    }

    fn describe(self) -> &'static str {
        match self {
            SqlKind::Text | SqlKind::Enum(_) => "text",
            SqlKind::Int | SqlKind::Number => "a number",
            SqlKind::Bool => "true/false",
            SqlKind::Date => "a date",
        }
    }
}

/// Why a condition was refused: what is wrong and the part of the text at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub message: String,
    /// The offending part, as SQL text.
    pub part: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.part.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{} (at `{}`)", self.message, self.part)
        }
    }
}

fn refuse<T>(part: &SqlExpr, message: impl Into<String>) -> Result<T, ConditionError> {
    Err(ConditionError {
        message: message.into(),
        part: part.to_string(),
    })
}

/// A parsed, type-checked condition.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The text as written in the targets file: embedded unchanged in engine SQL.
    pub text: String,
    expr: SqlExpr,
    /// Every field it names.
    pub fields: BTreeSet<CondField>,
}

impl Condition {
    /// Parses and type-checks `text`.
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        let dialect = GenericDialect {};
        let mut parser = Parser::new(&dialect)
            .try_with_sql(text)
            .map_err(|e| ConditionError {
                message: format!("not a valid condition: {e}"),
                part: String::new(),
            })?;
        let expr = parser.parse_expr().map_err(|e| ConditionError {
            message: format!("not a valid condition: {e}"),
            part: String::new(),
        })?;
        // Anything after the expression (a second statement, a stray word) is refused.
        let rest = parser.peek_token();
        if rest.token != sqlparser::tokenizer::Token::EOF {
            return Err(ConditionError {
                message: "unexpected text after the condition".to_string(),
                part: rest.token.to_string(),
            });
        }
        let mut fields = BTreeSet::new();
        let kind = check(&expr, &mut fields)?;
        if kind != Checked::Bool {
            return refuse(&expr, "a condition must be true or false (a comparison, IN, LIKE, IS NULL, or a yes/no field)");
        }
        Ok(Condition {
            text: text.to_string(),
            expr,
            fields,
        })
    }

    /// The condition as a polars expression over the compute stage's dossier table; `texts`
    /// gives the distinct values of each interned text field.
    pub fn to_polars(&self, texts: &dyn TextColumns) -> Expr {
        translate_bool(&self.expr, texts).fill_null(lit(false))
    }
}

/// What a type check found an expression to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checked {
    Bool,
    Value(SqlKind),
    /// A text literal: fits a text or enum field.
    TextLiteral,
    NumberLiteral,
    DateLiteral,
    Null,
}

fn field_of(expr: &SqlExpr) -> Result<Option<CondField>, ConditionError> {
    let name = match expr {
        SqlExpr::Identifier(ident) => ident.value.to_lowercase(),
        SqlExpr::CompoundIdentifier(_) => {
            return refuse(
                expr,
                "name a field without a table: e.g. `status`, not `t.status`",
            )
        }
        _ => return Ok(None),
    };
    match CondField::by_name(&name) {
        Some(field) => Ok(Some(field)),
        None => {
            let names = CondField::all_names();
            let hint = crate::targets::nearest(&name, &names)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            refuse(
                expr,
                format!(
                    "unknown field `{name}`{hint} The fields are: {}",
                    names.join(", ")
                ),
            )
        }
    }
}

fn date_literal(expr: &SqlExpr) -> Result<Option<i32>, ConditionError> {
    let SqlExpr::TypedString(typed) = expr else {
        return Ok(None);
    };
    if !matches!(typed.data_type, SqlType::Date) {
        return refuse(expr, "only DATE 'yyyy-mm-dd' literals are supported");
    }
    let text = match &typed.value.value {
        Value::SingleQuotedString(s) => s.clone(),
        _ => return refuse(expr, "write a date as DATE 'yyyy-mm-dd'"),
    };
    match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        Ok(date) => Ok(Some(crate::input::read::day_number(date))),
        Err(_) => refuse(expr, format!("'{text}' is not a date yyyy-mm-dd")),
    }
}

fn check(expr: &SqlExpr, fields: &mut BTreeSet<CondField>) -> Result<Checked, ConditionError> {
    if let Some(field) = field_of(expr)? {
        fields.insert(field);
        return Ok(match field.sql_type() {
            SqlKind::Bool => Checked::Bool,
            kind => Checked::Value(kind),
        });
    }
    if date_literal(expr)?.is_some() {
        return Ok(Checked::DateLiteral);
    }
    match expr {
        SqlExpr::Nested(inner) => check(inner, fields),
        SqlExpr::Value(value) => match &value.value {
            Value::SingleQuotedString(_) => Ok(Checked::TextLiteral),
            Value::Number(_, _) => Ok(Checked::NumberLiteral),
            Value::Boolean(_) => Ok(Checked::Bool),
            Value::Null => Ok(Checked::Null),
            _ => refuse(expr, "unsupported literal: use 'text', a number, true/false, NULL or DATE 'yyyy-mm-dd'"),
        },
        SqlExpr::UnaryOp { op, expr: inner } => match op {
            UnaryOperator::Not => expect_bool(inner, fields).map(|()| Checked::Bool),
            UnaryOperator::Minus | UnaryOperator::Plus => match check(inner, fields)? {
                Checked::NumberLiteral => Ok(Checked::NumberLiteral),
                Checked::Value(kind) if kind.numeric() => Ok(Checked::Value(kind)),
                _ => refuse(expr, "a sign goes before a number"),
            },
            _ => refuse(expr, "unsupported operator"),
        },
        SqlExpr::BinaryOp { left, op, right } => match op {
            BinaryOperator::And | BinaryOperator::Or => {
                expect_bool(left, fields)?;
                expect_bool(right, fields)?;
                Ok(Checked::Bool)
            }
            BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq => {
                let (l, r) = (check(left, fields)?, check(right, fields)?);
                comparable(expr, l, r, !matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq))?;
                Ok(Checked::Bool)
            }
            BinaryOperator::Plus | BinaryOperator::Minus => {
                let (l, r) = (check(left, fields)?, check(right, fields)?);
                arithmetic(expr, l, r, matches!(op, BinaryOperator::Minus))
            }
            _ => refuse(expr, "unsupported operator: use = <> < <= > >= AND OR + -"),
        },
        SqlExpr::IsNull(inner) | SqlExpr::IsNotNull(inner) => {
            check(inner, fields)?;
            Ok(Checked::Bool)
        }
        SqlExpr::In {
            expr: inner,
            target,
            global,
            ..
        } => {
            let InTarget::List(list) = target else {
                return refuse(expr, "IN takes a list of values: IN ('a', 'b')");
            };
            if *global {
                return refuse(expr, "GLOBAL IN is not portable");
            }
            let left = check(inner, fields)?;
            for item in list {
                let right = check(item, fields)?;
                if !is_literal(right) {
                    return refuse(item, "IN lists hold literal values only");
                }
                comparable(expr, left, right, false)?;
            }
            Ok(Checked::Bool)
        }
        SqlExpr::Between {
            expr: inner,
            low,
            high,
            ..
        } => {
            let value = check(inner, fields)?;
            comparable(expr, value, check(low, fields)?, true)?;
            comparable(expr, value, check(high, fields)?, true)?;
            Ok(Checked::Bool)
        }
        SqlExpr::Like {
            expr: inner,
            pattern,
            escape_char,
            any,
            ..
        } => {
            if escape_char.is_some() || *any {
                return refuse(expr, "LIKE takes a plain pattern here (no ESCAPE, no ANY)");
            }
            match (check(inner, fields)?, check(pattern, fields)?) {
                (Checked::Value(SqlKind::Text), Checked::TextLiteral) => Ok(Checked::Bool),
                _ => refuse(expr, "LIKE compares a text field with a 'pattern' (% and _)"),
            }
        }
        SqlExpr::Function(_) => refuse(
            expr,
            "functions are not in the portable subset (DOMAIN.md §6): use comparisons, IN, BETWEEN, LIKE, IS NULL",
        ),
        _ => refuse(expr, "not in the portable subset of DOMAIN.md §6"),
    }
}

fn is_literal(checked: Checked) -> bool {
    matches!(
        checked,
        Checked::TextLiteral | Checked::NumberLiteral | Checked::DateLiteral | Checked::Null
    )
}

fn expect_bool(expr: &SqlExpr, fields: &mut BTreeSet<CondField>) -> Result<(), ConditionError> {
    match check(expr, fields)? {
        Checked::Bool => Ok(()),
        _ => refuse(expr, "expected a condition (true or false) here"),
    }
}

/// Whether two sides may be compared; `ordered` for < <= > >= and BETWEEN.
fn comparable(
    whole: &SqlExpr,
    left: Checked,
    right: Checked,
    ordered: bool,
) -> Result<(), ConditionError> {
    use Checked::*;
    let ok = match (left, right) {
        (Null, _) | (_, Null) => {
            return refuse(
                whole,
                "a comparison with NULL is never true: use IS NULL or IS NOT NULL",
            )
        }
        (Value(a), Value(b)) if a.numeric() && b.numeric() => true,
        (Value(k), NumberLiteral) | (NumberLiteral, Value(k)) => k.numeric(),
        (NumberLiteral, NumberLiteral) => true,
        (Value(SqlKind::Date), Value(SqlKind::Date))
        | (Value(SqlKind::Date), DateLiteral)
        | (DateLiteral, Value(SqlKind::Date)) => true,
        (Value(SqlKind::Text), TextLiteral) | (TextLiteral, Value(SqlKind::Text)) => true,
        (Value(SqlKind::Text), Value(SqlKind::Text)) => {
            return refuse(
                whole,
                "comparing two text fields is not supported: compare a field with a 'literal'",
            )
        }
        (Value(SqlKind::Enum(_)), TextLiteral) | (TextLiteral, Value(SqlKind::Enum(_))) => {
            if ordered {
                return refuse(
                    whole,
                    "channel, payment_method and satisfaction are compared with = or IN only",
                );
            }
            true
        }
        (Bool, Bool) => !ordered,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        refuse(
            whole,
            format!("compares {} with {}", describe(left), describe(right)),
        )
    }
}

fn describe(checked: Checked) -> &'static str {
    match checked {
        Checked::Bool => "true/false",
        Checked::Value(kind) => kind.describe(),
        Checked::TextLiteral => "text",
        Checked::NumberLiteral => "a number",
        Checked::DateLiteral => "a date",
        Checked::Null => "NULL",
    }
}

fn arithmetic(
    whole: &SqlExpr,
    left: Checked,
    right: Checked,
    minus: bool,
) -> Result<Checked, ConditionError> {
    use Checked::*;
    let numeric = |c: Checked| matches!(c, NumberLiteral) || matches!(c, Value(k) if k.numeric());
    let date = |c: Checked| matches!(c, DateLiteral | Value(SqlKind::Date));
    if numeric(left) && numeric(right) {
        return Ok(Value(SqlKind::Number));
    }
    // A date plus or minus a whole number of days; both engines read it the same way.
    if date(left) && matches!(right, NumberLiteral) {
        return Ok(Value(SqlKind::Date));
    }
    if date(right) && matches!(left, NumberLiteral) && !minus {
        return Ok(Value(SqlKind::Date));
    }
    refuse(
        whole,
        "+ and - apply to numbers, or add days to a date (date - date is not portable)",
    )
}

/// The distinct values of the interned text fields, to evaluate text predicates per value.
pub trait TextColumns {
    /// The column of the compute stage's table holding the field's ids, and its texts by id.
    fn texts(&self, field: Field) -> Option<(&'static str, Vec<&str>)>;
}

fn translate_bool(expr: &SqlExpr, texts: &dyn TextColumns) -> Expr {
    if let Ok(Some(field)) = field_of(expr) {
        return field_column(field);
    }
    match expr {
        SqlExpr::Nested(inner) => translate_bool(inner, texts),
        SqlExpr::Value(v) => match v.value {
            Value::Boolean(b) => lit(b),
            _ => lit(NULL).cast(DataType::Boolean),
        },
        SqlExpr::UnaryOp { expr: inner, .. } => translate_bool(inner, texts).not(),
        SqlExpr::BinaryOp { left, op, right } => match op {
            BinaryOperator::And => translate_bool(left, texts).and(translate_bool(right, texts)),
            BinaryOperator::Or => translate_bool(left, texts).or(translate_bool(right, texts)),
            _ => compare(left, op, right, texts),
        },
        SqlExpr::IsNull(inner) => operand_is_null(inner, texts),
        SqlExpr::IsNotNull(inner) => operand_is_null(inner, texts).not(),
        SqlExpr::In {
            expr: inner,
            target: InTarget::List(list),
            negated,
            ..
        } => {
            let any = list
                .iter()
                .map(|item| compare(inner, &BinaryOperator::Eq, item, texts))
                .reduce(Expr::or)
                .unwrap_or(lit(false));
            if *negated {
                any.not()
            } else {
                any
            }
        }
        SqlExpr::Between {
            expr: inner,
            negated,
            low,
            high,
        } => {
            let inside = compare(inner, &BinaryOperator::GtEq, low, texts).and(compare(
                inner,
                &BinaryOperator::LtEq,
                high,
                texts,
            ));
            if *negated {
                inside.not()
            } else {
                inside
            }
        }
        SqlExpr::Like {
            negated,
            expr: inner,
            pattern,
            ..
        } => {
            let pattern = text_literal(pattern).unwrap_or_default();
            let matched = text_predicate(inner, texts, |text| like(text, &pattern));
            if *negated {
                matched.not()
            } else {
                matched
            }
        }
        // The type check has refused everything else.
        _ => lit(false),
    }
}

fn text_literal(expr: &SqlExpr) -> Option<String> {
    match expr {
        SqlExpr::Nested(inner) => text_literal(inner),
        SqlExpr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A predicate on an interned text field: evaluated once per distinct text, then looked up by
/// each row's id (a blank cell has no id: unknown, as SQL's NULL).
fn text_predicate(field: &SqlExpr, texts: &dyn TextColumns, test: impl Fn(&str) -> bool) -> Expr {
    let Ok(Some(CondField::Input(field))) = field_of(field) else {
        return lit(false);
    };
    let Some((column, values)) = texts.texts(field) else {
        return lit(NULL).cast(DataType::Boolean);
    };
    let table: Vec<bool> = values.iter().map(|v| test(v)).collect();
    lit(Series::new("lookup".into(), table)).gather(col(column), true)
}

fn operand_is_null(expr: &SqlExpr, texts: &dyn TextColumns) -> Expr {
    match field_of(expr) {
        Ok(Some(CondField::Input(field))) if field.sql_kind_is_text() => {
            let Some((column, _)) = texts.texts(field) else {
                return lit(true);
            };
            col(column).is_null()
        }
        _ => operand(expr, texts).is_null(),
    }
}

fn compare(left: &SqlExpr, op: &BinaryOperator, right: &SqlExpr, texts: &dyn TextColumns) -> Expr {
    // Text: one side is a text field, the other a literal.
    for (field, literal, flipped) in [(left, right, false), (right, left, true)] {
        let Ok(Some(cond)) = field_of(field) else {
            continue;
        };
        let Some(value) = text_literal(literal) else {
            continue;
        };
        match cond.sql_type() {
            SqlKind::Text => {
                let op = if flipped { flip(op) } else { op.clone() };
                return text_predicate(field, texts, move |text| {
                    ordering_holds(&op, text.cmp(value.as_str()))
                });
            }
            SqlKind::Enum(_) => {
                let CondField::Input(input) = cond else {
                    continue;
                };
                let equal = enum_equals(input, &value);
                return if matches!(op, BinaryOperator::NotEq) {
                    equal.not()
                } else {
                    equal
                };
            }
            _ => {}
        }
    }
    let (l, r) = (operand(left, texts), operand(right, texts));
    match op {
        BinaryOperator::Eq => l.eq(r),
        BinaryOperator::NotEq => l.neq(r),
        BinaryOperator::Lt => l.lt(r),
        BinaryOperator::LtEq => l.lt_eq(r),
        BinaryOperator::Gt => l.gt(r),
        BinaryOperator::GtEq => l.gt_eq(r),
        _ => lit(false),
    }
}

fn flip(op: &BinaryOperator) -> BinaryOperator {
    match op {
        BinaryOperator::Lt => BinaryOperator::Gt,
        BinaryOperator::LtEq => BinaryOperator::GtEq,
        BinaryOperator::Gt => BinaryOperator::Lt,
        BinaryOperator::GtEq => BinaryOperator::LtEq,
        other => other.clone(),
    }
}

fn ordering_holds(op: &BinaryOperator, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        BinaryOperator::Eq => ordering == Equal,
        BinaryOperator::NotEq => ordering != Equal,
        BinaryOperator::Lt => ordering == Less,
        BinaryOperator::LtEq => ordering != Greater,
        BinaryOperator::Gt => ordering == Greater,
        BinaryOperator::GtEq => ordering != Less,
        _ => false,
    }
}

/// `channel = 'online'` and the like, on the coded columns.
fn enum_equals(field: Field, value: &str) -> Expr {
    match (field, value) {
        (Field::Channel, "direct") => col(ind::CHANNEL).eq(lit(Channel::Direct as i32)),
        (Field::Channel, "online") => col(ind::CHANNEL).eq(lit(Channel::Online as i32)),
        (Field::Channel, "postal") => col(ind::CHANNEL).eq(lit(Channel::Postal as i32)),
        (Field::PaymentMethod, "online") => col(ind::PAID_ONLINE),
        (Field::PaymentMethod, "not_online") => col(ind::PAID_ONLINE).not(),
        (Field::Satisfaction, "satisfied") => {
            nullable(ind::RATING, RATING_NONE).eq(lit(RATING_SATISFIED))
        }
        (Field::Satisfaction, "not_satisfied") => {
            nullable(ind::RATING, RATING_NONE).neq(lit(RATING_SATISFIED))
        }
        // Not one of the field's values: never true (the type check names the values).
        _ => lit(false),
    }
}

/// A coded column whose "unknown" code is SQL's NULL for conditions.
fn nullable(column: &str, unknown: i32) -> Expr {
    when(col(column).eq(lit(unknown)))
        .then(lit(NULL).cast(DataType::Int32))
        .otherwise(col(column))
}

/// A yes/no field as a boolean column.
fn field_column(field: CondField) -> Expr {
    match field {
        CondField::Accepted => ind::accepted(),
        CondField::Finished => ind::finished(),
        CondField::EndAt => col(ind::END_DAY),
        CondField::Input(field) => match ind::condition_column(field) {
            Some(column) => col(column),
            None => lit(NULL).cast(DataType::Boolean),
        },
    }
}

/// A non-text operand as a polars value: numbers as f64, dates as day numbers.
fn operand(expr: &SqlExpr, texts: &dyn TextColumns) -> Expr {
    if let Ok(Some(day)) = date_literal(expr) {
        return lit(day);
    }
    if let Ok(Some(field)) = field_of(expr) {
        return match field {
            CondField::Input(Field::ServiceLevel) => {
                nullable(ind::LEVEL, crate::input::LEVEL_UNKNOWN)
            }
            CondField::Input(Field::Status) => nullable(ind::STATUS, STATUS_UNKNOWN),
            // The coded columns behind the text vocabularies (only IS [NOT] NULL reaches here).
            CondField::Input(Field::Satisfaction) => nullable(ind::RATING, RATING_NONE),
            CondField::Input(Field::Channel) => col(ind::CHANNEL),
            CondField::Input(Field::PaymentMethod) => col(ind::PAID_ONLINE),
            other => field_column(other),
        };
    }
    match expr {
        SqlExpr::Nested(inner) => operand(inner, texts),
        SqlExpr::Value(v) => match &v.value {
            Value::Number(n, _) => lit(n.parse::<f64>().unwrap_or(f64::NAN)),
            Value::Boolean(b) => lit(*b),
            _ => lit(NULL),
        },
        SqlExpr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: inner,
        } => lit(0.0) - operand(inner, texts).cast(DataType::Float64),
        SqlExpr::UnaryOp { expr: inner, .. } => operand(inner, texts),
        SqlExpr::BinaryOp { left, op, right } => {
            let (l, r) = (operand(left, texts), operand(right, texts));
            match op {
                BinaryOperator::Plus => l + r,
                BinaryOperator::Minus => l - r,
                _ => translate_bool(expr, texts),
            }
        }
        _ => translate_bool(expr, texts),
    }
}

impl Field {
    fn sql_kind_is_text(self) -> bool {
        CondField::Input(self).sql_type() == SqlKind::Text
    }
}

/// SQL LIKE: `%` any run of characters, `_` one character; everything else literal.
pub fn like(text: &str, pattern: &str) -> bool {
    crate::input::fold::wildcard_match(pattern, text, '%', '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        Condition::parse(text).map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn the_portable_subset_parses_and_names_its_fields() {
        let condition = Condition::parse(
            "channel = 'online' AND service_level = 4 AND received_at >= DATE '2024-07-01' \
             AND unit IN ('A', 'B') AND fee + charge > 0 AND NOT (status BETWEEN 7 AND 8) \
             AND satisfaction IS NOT NULL AND procedure_name LIKE 'Cấp%' AND accepted",
        )
        .expect("a valid condition");
        let names: Vec<&str> = condition.fields.iter().map(|f| f.name()).collect();
        for name in [
            "channel",
            "service_level",
            "received_at",
            "unit",
            "fee",
            "charge",
            "status",
            "satisfaction",
            "procedure_name",
            "accepted",
        ] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
    }

    #[test]
    fn mistakes_name_the_offending_part() {
        assert!(error("chanel = 'online'").contains("did you mean `channel`"));
        assert!(error("chanel = 'online'").contains("(at `chanel`)"));
        assert!(error("status = 'done'").contains("compares a number with text"));
        assert!(error("unit = 4").contains("compares text with a number"));
        assert!(error("upper(unit) = 'A'").contains("functions are not in the portable subset"));
        assert!(error("status = NULL").contains("IS NULL"));
        assert!(error("status = ").contains("not a valid condition"));
        assert!(error("status").contains("must be true or false"));
        assert!(error("status = 1; DROP TABLE x").contains("unexpected text"));
        assert!(error("received_at - submitted_at > 3").contains("date - date"));
        assert!(error("unit = sector").contains("two text fields"));
    }

    #[test]
    fn like_matches_sql() {
        assert!(like("Phòng Văn hóa", "Phòng%"));
        assert!(like("Phòng Văn hóa", "%hóa"));
        assert!(like("abc", "a_c"));
        assert!(!like("abc", "a_"));
        assert!(like("", "%"));
        assert!(!like("abc", "b%"));
        assert!(like("a%c", "a%c"));
    }
}
