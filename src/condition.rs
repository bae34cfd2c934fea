//! Conditions (DOMAIN.md §6, §8): a small portable subset of SQL boolean expressions, parsed by
//! `sqlparser` (the parser polars' own SQL support is built on), type-checked against the names
//! a [`Scope`] defines, and turned into polars expressions.
//!
//! The subset is what DuckDB and Spark also run unchanged: column names, literals (`'text'`,
//! numbers, `true`/`false`, `NULL`, `DATE 'yyyy-mm-dd'`), comparisons, `AND`/`OR`/`NOT`,
//! `IN (...)`, `BETWEEN`, `IS [NOT] NULL`, `LIKE`, `+`/`-` and parentheses; no functions.
//!
//! A name is a column of the frame the condition runs on, typed by the dossier table
//! ([`crate::dossier`]) or by whoever defines the scope (the catalogue, the 766 profile), or a
//! named condition of its own (`accepted`, `finished`, a profile's sets), which is two-valued
//! like the dataset's `accepted` column. Text columns hold interned key ids, so a predicate on
//! one is evaluated once per distinct text in Rust and looked up per row by id in polars. SQL's
//! three-valued logic holds otherwise: a comparison with a missing value is unknown, and unknown
//! counts as false in the end.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use polars::prelude::{col, lit, DataType, Expr, NamedFrom, Series, NULL};
use sqlparser::ast::{
    BinaryOperator, DataType as SqlType, Expr as SqlExpr, InTarget, UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::dossier::codes::{CodeType, Vocabulary};
use crate::dossier::{self, Field, Kind};

/// The SQL type of a value in a condition.
#[derive(Debug, Clone, Copy)]
pub enum SqlKind {
    Text,
    Int,
    Number,
    Bool,
    Date,
    /// Text with a fixed vocabulary (channel, payment_method, satisfaction): a code column.
    Enum(&'static Vocabulary),
}

impl PartialEq for SqlKind {
    fn eq(&self, other: &SqlKind) -> bool {
        match (self, other) {
            (SqlKind::Enum(a), SqlKind::Enum(b)) => std::ptr::eq(*a, *b),
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl SqlKind {
    /// The condition type of a dossier field's values.
    pub fn of_kind(kind: Kind) -> SqlKind {
        match kind {
            Kind::Id | Kind::Key | Kind::Text => SqlKind::Text,
            Kind::Date => SqlKind::Date,
            Kind::Amount => SqlKind::Number,
            Kind::Bool => SqlKind::Bool,
            Kind::Code(vocabulary) => match vocabulary.code_type {
                CodeType::Number => SqlKind::Int,
                CodeType::Text => SqlKind::Enum(vocabulary),
            },
        }
    }

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

/// What a name in a condition stands for.
#[derive(Debug, Clone)]
pub enum Named {
    /// A column of the frame the condition runs on.
    Column(SqlKind),
    /// A condition of its own: true or false for every row (never NULL).
    Condition(Arc<Condition>),
}

/// The names conditions may use, with what each stands for.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    names: BTreeMap<&'static str, Named>,
}

impl Scope {
    /// DOMAIN.md §6: every dossier field, `end_at`, and `accepted` and `finished` as §2 defines
    /// them.
    pub fn dossier() -> Scope {
        let mut scope = Scope::default();
        for field in Field::ALL {
            scope = scope.with_column(field.name(), SqlKind::of_kind(field.kind()));
        }
        scope = scope.with_column(dossier::END_AT, SqlKind::Date);
        for (name, text) in [
            ("accepted", dossier::accepted_condition()),
            ("finished", dossier::finished_condition()),
        ] {
            scope = scope
                .with_condition(name, &text)
                .unwrap_or_else(|e| panic!("the built-in condition {name} is invalid: {e}"));
        }
        scope
    }

    pub fn with_column(mut self, name: &'static str, kind: SqlKind) -> Scope {
        self.names.insert(name, Named::Column(kind));
        self
    }

    /// Adds a named condition written over the names already in the scope.
    pub fn with_condition(
        mut self,
        name: &'static str,
        text: &str,
    ) -> Result<Scope, ConditionError> {
        let condition = Condition::parse(text, &self)?;
        self.names
            .insert(name, Named::Condition(Arc::new(condition)));
        Ok(self)
    }

    pub fn get(&self, name: &str) -> Option<(&'static str, &Named)> {
        self.names.get_key_value(name).map(|(k, v)| (*k, v))
    }

    /// Every name, for error messages.
    pub fn names(&self) -> Vec<&'static str> {
        self.names.keys().copied().collect()
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
    /// The text as written: embedded unchanged in engine SQL.
    pub text: String,
    expr: SqlExpr,
    /// The names the text itself uses.
    pub names: BTreeSet<&'static str>,
    /// The columns it reads, through the named conditions it uses too.
    pub columns: BTreeSet<&'static str>,
    /// What each name it uses stands for.
    refs: BTreeMap<&'static str, Named>,
}

impl Condition {
    /// Parses and type-checks `text` against `scope`.
    pub fn parse(text: &str, scope: &Scope) -> Result<Condition, ConditionError> {
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
        let mut checker = Checker {
            scope,
            refs: BTreeMap::new(),
        };
        let kind = checker.check(&expr)?;
        if kind != Checked::Bool {
            return refuse(&expr, "a condition must be true or false (a comparison, IN, LIKE, IS NULL, or a yes/no field)");
        }
        let refs = checker.refs;
        let mut columns = BTreeSet::new();
        for (name, named) in &refs {
            match named {
                Named::Column(_) => {
                    columns.insert(*name);
                }
                Named::Condition(inner) => columns.extend(inner.columns.iter().copied()),
            }
        }
        Ok(Condition {
            text: text.to_string(),
            expr,
            names: refs.keys().copied().collect(),
            columns,
            refs,
        })
    }

    /// The condition as a polars boolean expression (never NULL: unknown is false); `texts`
    /// gives the distinct values of each text column.
    pub fn to_polars(&self, texts: &dyn TextColumns) -> Expr {
        Translator {
            refs: &self.refs,
            texts,
        }
        .boolean(&self.expr)
        .fill_null(lit(false))
    }

    /// The dates it compares with, when its truth can only change where a date column or a
    /// date literal crosses another date: the literals (as day numbers). `None` when it adds a
    /// number to something (perhaps days to a date, which moves where it changes) or uses a
    /// construct this walk does not know.
    pub fn compared_dates(&self) -> Option<Vec<i32>> {
        let mut days = Vec::new();
        self.collect_dates(&self.expr, &mut days).then_some(days)
    }

    fn collect_dates(&self, expr: &SqlExpr, days: &mut Vec<i32>) -> bool {
        let is_number = |e: &SqlExpr| {
            let mut e = e;
            loop {
                match e {
                    SqlExpr::Nested(inner) | SqlExpr::UnaryOp { expr: inner, .. } => e = inner,
                    SqlExpr::Value(v) => return matches!(v.value, Value::Number(..)),
                    _ => return false,
                }
            }
        };
        match expr {
            SqlExpr::TypedString(_) => match date_literal(expr) {
                Ok(Some(day)) => {
                    days.push(day);
                    true
                }
                _ => false,
            },
            SqlExpr::Identifier(_) => match identifier(expr).ok().flatten() {
                Some(name) => match self.refs.get(name.as_str()) {
                    Some(Named::Condition(inner)) => match inner.compared_dates() {
                        Some(inner_days) => {
                            days.extend(inner_days);
                            true
                        }
                        None => false,
                    },
                    _ => true,
                },
                None => false,
            },
            SqlExpr::Value(_) => true,
            SqlExpr::Nested(inner)
            | SqlExpr::UnaryOp { expr: inner, .. }
            | SqlExpr::IsNull(inner)
            | SqlExpr::IsNotNull(inner) => self.collect_dates(inner, days),
            SqlExpr::BinaryOp { left, op, right } => {
                if matches!(op, BinaryOperator::Plus | BinaryOperator::Minus)
                    && (is_number(left) || is_number(right))
                {
                    return false;
                }
                self.collect_dates(left, days) && self.collect_dates(right, days)
            }
            SqlExpr::In {
                expr: inner,
                target: InTarget::List(list),
                ..
            } => {
                self.collect_dates(inner, days)
                    && list.iter().all(|item| self.collect_dates(item, days))
            }
            SqlExpr::Between {
                expr: inner,
                low,
                high,
                ..
            } => {
                self.collect_dates(inner, days)
                    && self.collect_dates(low, days)
                    && self.collect_dates(high, days)
            }
            SqlExpr::Like { expr: inner, .. } => self.collect_dates(inner, days),
            _ => false,
        }
    }

    /// The dossier fields it reads (what the read stage must keep).
    pub fn fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.columns
            .iter()
            .filter_map(|name| Field::from_name(name))
    }
}

/// What a type check found an expression to be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Checked {
    Bool,
    Value(SqlKind),
    /// A text literal: fits a text or enum field.
    TextLiteral,
    NumberLiteral,
    DateLiteral,
    Null,
}

/// The name an identifier gives, lowercased; `None` for anything else.
fn identifier(expr: &SqlExpr) -> Result<Option<String>, ConditionError> {
    match expr {
        SqlExpr::Identifier(ident) => Ok(Some(ident.value.to_lowercase())),
        SqlExpr::CompoundIdentifier(_) => refuse(
            expr,
            "name a field without a table: e.g. `status`, not `t.status`",
        ),
        _ => Ok(None),
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
        Ok(date) => Ok(Some(dossier::period::day_of(date))),
        Err(_) => refuse(expr, format!("'{text}' is not a date yyyy-mm-dd")),
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

/// Type-checks a condition, noting the names it uses.
struct Checker<'s> {
    scope: &'s Scope,
    refs: BTreeMap<&'static str, Named>,
}

impl Checker<'_> {
    fn name(&mut self, expr: &SqlExpr) -> Result<Option<Named>, ConditionError> {
        let Some(name) = identifier(expr)? else {
            return Ok(None);
        };
        match self.scope.get(&name) {
            Some((name, named)) => {
                self.refs.insert(name, named.clone());
                Ok(Some(named.clone()))
            }
            None => {
                let names = self.scope.names();
                let hint = crate::text::nearest(&name, &names)
                    .map_or_else(|| ".".to_string(), |n| format!("; did you mean `{n}`?"));
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

    fn check(&mut self, expr: &SqlExpr) -> Result<Checked, ConditionError> {
        if let Some(named) = self.name(expr)? {
            return Ok(match named {
                Named::Condition(_) | Named::Column(SqlKind::Bool) => Checked::Bool,
                Named::Column(kind) => Checked::Value(kind),
            });
        }
        if date_literal(expr)?.is_some() {
            return Ok(Checked::DateLiteral);
        }
        match expr {
            SqlExpr::Nested(inner) => self.check(inner),
            SqlExpr::Value(value) => match &value.value {
                Value::SingleQuotedString(_) => Ok(Checked::TextLiteral),
                Value::Number(_, _) => Ok(Checked::NumberLiteral),
                Value::Boolean(_) => Ok(Checked::Bool),
                Value::Null => Ok(Checked::Null),
                _ => refuse(expr, "unsupported literal: use 'text', a number, true/false, NULL or DATE 'yyyy-mm-dd'"),
            },
            SqlExpr::UnaryOp { op, expr: inner } => match op {
                UnaryOperator::Not => self.expect_bool(inner).map(|()| Checked::Bool),
                UnaryOperator::Minus | UnaryOperator::Plus => match self.check(inner)? {
                    Checked::NumberLiteral => Ok(Checked::NumberLiteral),
                    Checked::Value(kind) if kind.numeric() => Ok(Checked::Value(kind)),
                    _ => refuse(expr, "a sign goes before a number"),
                },
                _ => refuse(expr, "unsupported operator"),
            },
            SqlExpr::BinaryOp { left, op, right } => match op {
                BinaryOperator::And | BinaryOperator::Or => {
                    self.expect_bool(left)?;
                    self.expect_bool(right)?;
                    Ok(Checked::Bool)
                }
                BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq => {
                    let (l, r) = (self.check(left)?, self.check(right)?);
                    let ordered = !matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq);
                    comparable(expr, (l, left), (r, right), ordered)?;
                    Ok(Checked::Bool)
                }
                BinaryOperator::Plus | BinaryOperator::Minus => {
                    let (l, r) = (self.check(left)?, self.check(right)?);
                    arithmetic(expr, l, r, matches!(op, BinaryOperator::Minus))
                }
                _ => refuse(expr, "unsupported operator: use = <> < <= > >= AND OR + -"),
            },
            SqlExpr::IsNull(inner) | SqlExpr::IsNotNull(inner) => {
                self.check(inner)?;
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
                let left = self.check(inner)?;
                for item in list {
                    let right = self.check(item)?;
                    if !is_literal(right) {
                        return refuse(item, "IN lists hold literal values only");
                    }
                    comparable(expr, (left, inner), (right, item), false)?;
                }
                Ok(Checked::Bool)
            }
            SqlExpr::Between {
                expr: inner,
                low,
                high,
                ..
            } => {
                let value = self.check(inner)?;
                let (l, h) = (self.check(low)?, self.check(high)?);
                comparable(expr, (value, inner), (l, low), true)?;
                comparable(expr, (value, inner), (h, high), true)?;
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
                match (self.check(inner)?, self.check(pattern)?) {
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

    fn expect_bool(&mut self, expr: &SqlExpr) -> Result<(), ConditionError> {
        match self.check(expr)? {
            Checked::Bool => Ok(()),
            _ => refuse(expr, "expected a condition (true or false) here"),
        }
    }
}

fn is_literal(checked: Checked) -> bool {
    matches!(
        checked,
        Checked::TextLiteral | Checked::NumberLiteral | Checked::DateLiteral | Checked::Null
    )
}

/// Whether two sides may be compared; `ordered` for < <= > >= and BETWEEN. A text literal
/// compared with a vocabulary field must be one of its values.
fn comparable(
    whole: &SqlExpr,
    (left, left_expr): (Checked, &SqlExpr),
    (right, right_expr): (Checked, &SqlExpr),
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
        (Value(SqlKind::Enum(vocabulary)), TextLiteral)
        | (TextLiteral, Value(SqlKind::Enum(vocabulary))) => {
            if ordered {
                return refuse(
                    whole,
                    "channel, payment_method and satisfaction are compared with = or IN only",
                );
            }
            let literal = if left == TextLiteral {
                left_expr
            } else {
                right_expr
            };
            let value = text_literal(literal).unwrap_or_default();
            if vocabulary.code_of_name(&value).is_none() {
                return refuse(
                    literal,
                    format!(
                        "'{value}' is not a {} value: use one of {}",
                        vocabulary.noun,
                        vocabulary.meanings()
                    ),
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

/// The distinct values of the text columns, to evaluate text predicates per value.
pub trait TextColumns {
    /// The texts of a text column's key ids, by id.
    fn texts(&self, column: &str) -> Option<Vec<&str>>;
}

/// Turns a checked condition into polars, with the names it was checked against.
struct Translator<'a> {
    refs: &'a BTreeMap<&'static str, Named>,
    texts: &'a dyn TextColumns,
}

impl Translator<'_> {
    fn named(&self, expr: &SqlExpr) -> Option<(&'static str, &Named)> {
        let name = identifier(expr).ok().flatten()?;
        self.refs.get_key_value(name.as_str()).map(|(k, v)| (*k, v))
    }

    fn boolean(&self, expr: &SqlExpr) -> Expr {
        if let Some((name, named)) = self.named(expr) {
            return match named {
                Named::Column(_) => col(name),
                Named::Condition(inner) => inner.to_polars(self.texts),
            };
        }
        match expr {
            SqlExpr::Nested(inner) => self.boolean(inner),
            SqlExpr::Value(v) => match v.value {
                Value::Boolean(b) => lit(b),
                _ => lit(NULL).cast(DataType::Boolean),
            },
            SqlExpr::UnaryOp { expr: inner, .. } => self.boolean(inner).not(),
            SqlExpr::BinaryOp { left, op, right } => match op {
                BinaryOperator::And => self.boolean(left).and(self.boolean(right)),
                BinaryOperator::Or => self.boolean(left).or(self.boolean(right)),
                _ => self.compare(left, op, right),
            },
            SqlExpr::IsNull(inner) => self.is_null(inner),
            SqlExpr::IsNotNull(inner) => self.is_null(inner).not(),
            SqlExpr::In {
                expr: inner,
                target: InTarget::List(list),
                negated,
                ..
            } => {
                let any = list
                    .iter()
                    .map(|item| self.compare(inner, &BinaryOperator::Eq, item))
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
                let inside = self
                    .compare(inner, &BinaryOperator::GtEq, low)
                    .and(self.compare(inner, &BinaryOperator::LtEq, high));
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
                let matched = self.text_predicate(inner, |text| like(text, &pattern));
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

    /// A predicate on a text column: evaluated once per distinct text, then looked up by each
    /// row's id (a blank cell has no id: unknown, as SQL's NULL).
    fn text_predicate(&self, column: &SqlExpr, test: impl Fn(&str) -> bool) -> Expr {
        let Some((name, _)) = self.named(column) else {
            return lit(false);
        };
        let Some(values) = self.texts.texts(name) else {
            return lit(NULL).cast(DataType::Boolean);
        };
        let table: Vec<bool> = values.iter().map(|v| test(v)).collect();
        lit(Series::new("lookup".into(), table)).gather(col(name), true)
    }

    fn is_null(&self, expr: &SqlExpr) -> Expr {
        match self.named(expr) {
            Some((name, Named::Column(_))) => col(name).is_null(),
            _ => self.operand(expr).is_null(),
        }
    }

    fn compare(&self, left: &SqlExpr, op: &BinaryOperator, right: &SqlExpr) -> Expr {
        // Text: one side is a text column, the other a literal.
        for (column, literal, flipped) in [(left, right, false), (right, left, true)] {
            let Some((name, Named::Column(kind))) = self.named(column) else {
                continue;
            };
            let Some(value) = text_literal(literal) else {
                continue;
            };
            match kind {
                SqlKind::Text => {
                    let op = if flipped { flip(op) } else { op.clone() };
                    return self.text_predicate(column, move |text| {
                        ordering_holds(&op, text.cmp(value.as_str()))
                    });
                }
                SqlKind::Enum(vocabulary) => {
                    let code = vocabulary.code_of_name(&value).map_or(-1, i32::from);
                    let equal = col(name).eq(lit(code));
                    return if matches!(op, BinaryOperator::NotEq) {
                        equal.not()
                    } else {
                        equal
                    };
                }
                _ => {}
            }
        }
        let (l, r) = (self.operand(left), self.operand(right));
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

    /// A non-text operand as a polars value: numbers as f64, dates as day numbers.
    fn operand(&self, expr: &SqlExpr) -> Expr {
        if let Ok(Some(day)) = date_literal(expr) {
            return lit(day);
        }
        if self.named(expr).is_some() {
            return self.boolean(expr);
        }
        match expr {
            SqlExpr::Nested(inner) => self.operand(inner),
            SqlExpr::Value(v) => match &v.value {
                // A whole number that fits is an i32, the type of the code columns, so that
                // `status IN (5, 6)` compares codes as they are instead of casting the column
                // to f64 for every comparison (an amount compares with it as f64 all the same).
                Value::Number(n, _) => match n.parse::<i32>() {
                    Ok(whole) => lit(whole),
                    Err(_) => lit(n.parse::<f64>().unwrap_or(f64::NAN)),
                },
                Value::Boolean(b) => lit(*b),
                _ => lit(NULL),
            },
            SqlExpr::UnaryOp {
                op: UnaryOperator::Minus,
                expr: inner,
            } => lit(0.0) - self.operand(inner).cast(DataType::Float64),
            SqlExpr::UnaryOp { expr: inner, .. } => self.operand(inner),
            SqlExpr::BinaryOp { left, op, right } => {
                let (l, r) = (self.operand(left), self.operand(right));
                match op {
                    BinaryOperator::Plus => l + r,
                    BinaryOperator::Minus => l - r,
                    _ => self.boolean(expr),
                }
            }
            _ => self.boolean(expr),
        }
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

/// SQL LIKE: `%` any run of characters, `_` one character; everything else literal.
pub fn like(text: &str, pattern: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let (mut star, mut resume) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '_' || (pattern[p] != '%' && pattern[p] == text[t]))
        {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '%' {
            star = Some(p);
            resume = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            resume += 1;
            t = resume;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '%')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Condition, ConditionError> {
        Condition::parse(text, &Scope::dossier())
    }

    fn error(text: &str) -> String {
        parse(text).map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn the_portable_subset_parses_and_names_its_fields() {
        let condition = parse(
            "channel = 'online' AND service_level = 4 AND received_at >= DATE '2024-07-01' \
             AND unit IN ('A', 'B') AND fee + charge > 0 AND NOT (status BETWEEN 7 AND 8) \
             AND satisfaction IS NOT NULL AND procedure_name LIKE 'Cấp%' AND accepted",
        )
        .expect("a valid condition");
        let names: Vec<&str> = condition.names.iter().copied().collect();
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
        // `accepted` reads the status: the read stage keeps that column.
        let accepted = parse("accepted").expect("valid");
        assert!(accepted.columns.contains("status"));
        assert!(!accepted.names.contains("status"));
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
        assert!(error("channel = 'onlin'").contains("not a channel value"));
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
