//! The column table of dossier rows: one column per field a run reads, built from parsed
//! values, turned into the polars frame the compute stage runs its queries on, and into (and
//! back from) the dataset's Parquet columns. Everything here is generic over [`Field::ALL`]:
//! a field's [`Kind`] decides its storage, its frame type and its dataset type.

use std::borrow::Cow;

use anyhow::{bail, Context, Result};
use polars::prelude::{
    BooleanChunked, ChunkedArray, Column, DataFrame, DataType, Float64Chunked, Int32Type,
    IntoColumn, NewChunkedArray, PlSmallStr, PolarsNumericType, StringChunked, UInt32Type,
};

use super::codes::{self, CodeType, NONE};
use super::period::{month_of, Day, Granularity};
use super::{Field, Kind, END_AT, FIELD_COUNT};
use crate::text::key_text;

/// A blank key (no unit, no code): NULL in frames and datasets.
pub const NO_KEY: u32 = u32::MAX;
/// A blank date.
pub const NO_DAY: Day = Day::MIN;

/// The frame's period columns: each row's period by reception and by end date.
pub const RECEIVED_PERIOD: &str = "received_period";
pub const END_PERIOD: &str = "end_period";

/// One parsed cell. `Blank` means what a blank cell of its kind means (DOMAIN.md §1): no
/// date, no group, 0 đồng, no, and the vocabulary's blank value (direct, not online, none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Blank,
    Key(u32),
    Date(Day),
    Amount(f64),
    Bool(bool),
    Code(i8),
}

/// What a row holds besides its cells, which the parser pushes straight into their columns
/// (see [`Rows::end_row`]).
#[derive(Debug)]
pub struct Values<'r> {
    /// `dossier_id` as key text.
    pub id: Cow<'r, str>,
    /// `procedure_name` as written.
    pub name: Option<&'r str>,
    /// The row's procedure code key ([`NO_KEY`]: none), for its label.
    pub procedure: u32,
    /// `received_at`, when the row has one.
    pub received: Option<Day>,
}

impl Default for Values<'_> {
    fn default() -> Self {
        Values {
            id: Cow::Borrowed(""),
            name: None,
            procedure: NO_KEY,
            received: None,
        }
    }
}

/// A set of fields, e.g. those whose columns a run keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FieldSet(u64);

impl FieldSet {
    pub fn all() -> FieldSet {
        Field::ALL.iter().copied().collect()
    }

    pub fn contains(self, field: Field) -> bool {
        self.0 & (1 << field as u64) != 0
    }

    pub fn insert(&mut self, field: Field) {
        self.0 |= 1 << field as u64;
    }

    pub fn with(mut self, field: Field) -> FieldSet {
        self.insert(field);
        self
    }

    pub fn union(self, other: FieldSet) -> FieldSet {
        FieldSet(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Field> {
        Field::ALL
            .iter()
            .copied()
            .filter(move |f| self.contains(*f))
    }
}

impl FromIterator<Field> for FieldSet {
    fn from_iter<I: IntoIterator<Item = Field>>(fields: I) -> Self {
        let mut set = FieldSet::default();
        for field in fields {
            set.insert(field);
        }
        set
    }
}

/// The read pass looks up every row's id, group names and spellings: polars' hash map (foldhash)
/// is several times faster than std's SipHash for that, and already in the build.
pub type FastMap<K, V> = polars::prelude::PlHashMap<K, V>;

/// Interns texts (unit, sector, procedure code) so rows carry a small id instead of a string;
/// grouping then works on integers and each text is looked up once per result.
#[derive(Debug, Default, Clone)]
pub struct Dictionary {
    ids: FastMap<String, u32>,
    names: Vec<String>,
}

impl Dictionary {
    pub fn intern(&mut self, text: &str) -> u32 {
        if let Some(id) = self.ids.get(text) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(text.to_string());
        self.ids.insert(text.to_string(), id);
        id
    }

    /// The id of a text already interned.
    pub fn id(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Forgets every text.
    pub fn clear(&mut self) {
        self.ids.clear();
        self.names.clear();
    }

    /// Every text, by id.
    pub fn names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }
}

/// One text per row in one buffer: the dossier ids. Nearly every id is new, so a dictionary
/// would cost a hash, two allocations and two frees per row; here a row costs its bytes and an
/// offset, and moving rows between tables is a copy.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    bytes: String,
    /// Where each row's text ends in `bytes`.
    ends: Vec<usize>,
}

impl Texts {
    fn push(&mut self, text: &str) {
        self.bytes.push_str(text);
        self.ends.push(self.bytes.len());
    }

    fn extend(&mut self, other: &Texts) {
        let base = self.bytes.len();
        self.bytes.push_str(&other.bytes);
        self.ends.extend(other.ends.iter().map(|end| base + end));
    }

    /// Keeps the first `len` texts.
    fn truncate(&mut self, len: usize) {
        if len < self.ends.len() {
            self.bytes
                .truncate(len.checked_sub(1).map_or(0, |last| self.ends[last]));
            self.ends.truncate(len);
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Row `row`'s text ("" for a row past the end).
    pub fn get(&self, row: usize) -> &str {
        let start = match row {
            0 => 0,
            _ => self.ends.get(row - 1).copied().unwrap_or(self.bytes.len()),
        };
        let end = self.ends.get(row).copied().unwrap_or(start);
        self.bytes.get(start..end).unwrap_or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    fn gather(&self, rows: &[usize]) -> Texts {
        let mut picked = Texts::default();
        for &row in rows {
            picked.push(self.get(row));
        }
        picked
    }
}

/// Key text as a group key: blank is no group.
pub fn intern_key(dictionary: &mut Dictionary, text: &str) -> u32 {
    let key = key_text(text);
    if key.is_empty() {
        NO_KEY
    } else {
        dictionary.intern(&key)
    }
}

/// One field's values; its [`Kind`] decides which.
#[derive(Debug, Clone)]
enum ColumnValues {
    Absent,
    /// Key ids, interned while parsing.
    Key(Vec<u32>),
    /// One text per row, for the dossier id.
    Texts(Texts),
    Date(Vec<Day>),
    Amount(Vec<f64>),
    Bool(Vec<bool>),
    /// Codes, and the code of a blank cell.
    Code(Vec<i8>, i8),
}

impl ColumnValues {
    fn for_kind(kind: Kind) -> ColumnValues {
        match kind {
            Kind::Id => ColumnValues::Texts(Texts::default()),
            Kind::Text | Kind::Key => ColumnValues::Key(Vec::new()),
            Kind::Date => ColumnValues::Date(Vec::new()),
            Kind::Amount => ColumnValues::Amount(Vec::new()),
            Kind::Bool => ColumnValues::Bool(Vec::new()),
            Kind::Code(vocabulary) => ColumnValues::Code(Vec::new(), vocabulary.blank),
        }
    }

    /// The number of values (`None` when the field is not kept).
    fn len(&self) -> Option<usize> {
        Some(match self {
            ColumnValues::Absent => return None,
            ColumnValues::Key(v) => v.len(),
            ColumnValues::Texts(v) => v.len(),
            ColumnValues::Date(v) => v.len(),
            ColumnValues::Amount(v) => v.len(),
            ColumnValues::Bool(v) => v.len(),
            ColumnValues::Code(v, _) => v.len(),
        })
    }

    /// Keeps the first `len` values.
    fn truncate(&mut self, len: usize) {
        match self {
            ColumnValues::Absent => {}
            ColumnValues::Key(v) => v.truncate(len),
            ColumnValues::Texts(v) => v.truncate(len),
            ColumnValues::Date(v) => v.truncate(len),
            ColumnValues::Amount(v) => v.truncate(len),
            ColumnValues::Bool(v) => v.truncate(len),
            ColumnValues::Code(v, _) => v.truncate(len),
        }
    }

    fn clear(&mut self) {
        self.truncate(0);
    }

    fn gather(&self, rows: &[usize]) -> ColumnValues {
        fn pick<T: Copy>(values: &[T], rows: &[usize]) -> Vec<T> {
            rows.iter().map(|&r| values[r]).collect()
        }
        match self {
            ColumnValues::Absent => ColumnValues::Absent,
            ColumnValues::Key(v) => ColumnValues::Key(pick(v, rows)),
            ColumnValues::Texts(v) => ColumnValues::Texts(v.gather(rows)),
            ColumnValues::Date(v) => ColumnValues::Date(pick(v, rows)),
            ColumnValues::Amount(v) => ColumnValues::Amount(pick(v, rows)),
            ColumnValues::Bool(v) => ColumnValues::Bool(pick(v, rows)),
            ColumnValues::Code(v, blank) => ColumnValues::Code(pick(v, rows), *blank),
        }
    }
}

/// Valid dossier rows, one column per kept field, and the texts their keys stand for.
#[derive(Debug, Clone)]
pub struct Rows {
    kept: FieldSet,
    /// The kept fields' positions in `columns`, for the per-row loops.
    kept_indices: Vec<usize>,
    columns: Vec<ColumnValues>,
    /// The texts of each text field's keys (empty for the others); they outlive [`Rows::clear`],
    /// so every chunk of a read interns into the same ones.
    dictionaries: Vec<Dictionary>,
    /// A procedure's name as the export gives it (the first one seen for its code), for
    /// `--by procedure`.
    pub procedure_labels: FastMap<u32, String>,
    /// Each row's input (its index among the inputs), the physical line where its record
    /// starts and its 1-based order among the run's valid rows, when kept (`cchc convert`
    /// writes them).
    provenance: Option<Provenance>,
    len: usize,
    /// Rows pushed since the table was made, cleared chunks included.
    pushed: u64,
}

/// Where each row came from.
#[derive(Debug, Clone, Default)]
struct Provenance {
    files: Vec<u32>,
    lines: Vec<u64>,
    seqs: Vec<u64>,
}

impl Rows {
    /// An empty table keeping `kept`'s columns; `provenance` keeps each row's file and line.
    pub fn new(kept: FieldSet, provenance: bool) -> Rows {
        let columns = Field::ALL
            .iter()
            .map(|f| {
                if kept.contains(*f) {
                    ColumnValues::for_kind(f.kind())
                } else {
                    ColumnValues::Absent
                }
            })
            .collect();
        Rows {
            kept,
            kept_indices: kept.iter().map(|f| f as usize).collect(),
            columns,
            dictionaries: vec![Dictionary::default(); FIELD_COUNT],
            procedure_labels: FastMap::default(),
            provenance: provenance.then(Default::default),
            len: 0,
            pushed: 0,
        }
    }

    pub fn kept(&self) -> FieldSet {
        self.kept
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn dictionary(&self, field: Field) -> &Dictionary {
        &self.dictionaries[field as usize]
    }

    pub fn dictionary_mut(&mut self, field: Field) -> &mut Dictionary {
        &mut self.dictionaries[field as usize]
    }

    /// Forgets every row, keeping the dictionaries and labels (the next chunk of a read interns
    /// into the same ones). The dossier ids are the rows' own texts, so they go too (a run
    /// keeps no list of every id).
    pub fn clear(&mut self) {
        for column in &mut self.columns {
            column.clear();
        }
        if let Some(provenance) = &mut self.provenance {
            provenance.files.clear();
            provenance.lines.clear();
            provenance.seqs.clear();
        }
        self.len = 0;
    }

    /// Keeps only `rows` (ascending indices), in that order; the dictionaries stay.
    pub fn retain(&mut self, rows: &[usize]) {
        for column in &mut self.columns {
            *column = column.gather(rows);
        }
        if let Some(p) = &mut self.provenance {
            p.files = rows.iter().map(|&r| p.files[r]).collect();
            p.lines = rows.iter().map(|&r| p.lines[r]).collect();
            p.seqs = rows.iter().map(|&r| p.seqs[r]).collect();
        }
        self.len = rows.len();
    }

    /// Appends a row given as cells (a field not given is blank): for tests, which build rows
    /// by hand. The read pushes each cell as it parses it ([`Rows::push_key`] and the others),
    /// then ends the row with [`Rows::end_row`].
    #[cfg(test)]
    pub fn push(&mut self, cells: &[(Field, Cell)], values: &Values<'_>, file: u32, line: u64) {
        for &field in Field::ALL {
            let cell = cells
                .iter()
                .rev()
                .find(|(f, _)| *f == field)
                .map_or(Cell::Blank, |(_, cell)| *cell);
            self.push_cell(field, cell);
        }
        self.end_row(values, file, line);
    }

    /// Pushes one cell of the row being built into `field`'s column (nothing when the field is
    /// not kept). A blank cell takes its kind's meaning: no key, no date, 0 đồng, no, the
    /// vocabulary's blank value.
    pub fn push_cell(&mut self, field: Field, cell: Cell) {
        match (&mut self.columns[field as usize], cell) {
            (ColumnValues::Key(keys), cell) => keys.push(match cell {
                Cell::Key(key) => key,
                _ => NO_KEY,
            }),
            (ColumnValues::Date(days), cell) => days.push(match cell {
                Cell::Date(day) => day,
                _ => NO_DAY,
            }),
            (ColumnValues::Amount(amounts), cell) => amounts.push(match cell {
                Cell::Amount(amount) => amount,
                _ => 0.0,
            }),
            (ColumnValues::Bool(flags), cell) => flags.push(matches!(cell, Cell::Bool(true))),
            (ColumnValues::Code(codes, blank), cell) => codes.push(match cell {
                Cell::Code(code) => code,
                _ => *blank,
            }),
            // The id is the row's own text, pushed by `end_row`.
            (ColumnValues::Absent | ColumnValues::Texts(_), _) => {}
        }
    }

    /// Pushes a key cell of the row being built (the parser knows each field's kind, so it
    /// pushes the value without building a [`Cell`] first: issue 19's profile).
    #[inline]
    pub fn push_key(&mut self, field: Field, key: u32) {
        if let ColumnValues::Key(keys) = &mut self.columns[field as usize] {
            keys.push(key);
        }
    }

    #[inline]
    pub fn push_day(&mut self, field: Field, day: Option<Day>) {
        if let ColumnValues::Date(days) = &mut self.columns[field as usize] {
            days.push(day.unwrap_or(NO_DAY));
        }
    }

    #[inline]
    pub fn push_amount(&mut self, field: Field, amount: f64) {
        if let ColumnValues::Amount(amounts) = &mut self.columns[field as usize] {
            amounts.push(amount);
        }
    }

    #[inline]
    pub fn push_bool(&mut self, field: Field, flag: bool) {
        if let ColumnValues::Bool(flags) = &mut self.columns[field as usize] {
            flags.push(flag);
        }
    }

    #[inline]
    pub fn push_code(&mut self, field: Field, code: i8) {
        if let ColumnValues::Code(codes, _) = &mut self.columns[field as usize] {
            codes.push(code);
        }
    }

    /// Drops the cells pushed for a row that turned out defective, so it leaves no trace.
    pub fn undo_row(&mut self) {
        let len = self.len;
        for column in &mut self.columns {
            column.truncate(len);
        }
    }

    /// Ends the row whose cells were pushed: its id, its procedure's label, its provenance
    /// (`file` and `line`). Every kept column except the id's must have had one cell pushed.
    pub fn end_row(&mut self, values: &Values<'_>, file: u32, line: u64) {
        if let (code, Some(name)) = (values.procedure, values.name) {
            if code != NO_KEY && !self.procedure_labels.contains_key(&code) {
                let label = key_text(name);
                if !label.is_empty() {
                    self.procedure_labels.insert(code, label.into_owned());
                }
            }
        }
        if let ColumnValues::Texts(texts) = &mut self.columns[Field::DossierId as usize] {
            texts.push(&values.id);
        }
        self.pushed += 1;
        if let Some(provenance) = &mut self.provenance {
            provenance.files.push(file);
            provenance.lines.push(line);
            provenance.seqs.push(self.pushed);
        }
        self.len += 1;
        debug_assert!(
            self.columns
                .iter()
                .all(|c| c.len().is_none_or(|n| n == self.len)),
            "a kept column was pushed no cell, or two, for row {}",
            self.len
        );
    }

    /// Moves the rows (and the procedure labels found since the last call) out into a table
    /// of their own, for another thread to merge; this table keeps its dictionaries, so the
    /// ids of later rows go on from the same ones. The moved table's dictionaries are empty:
    /// its ids are this table's (the dossier ids are texts, and go along with their rows).
    pub fn take_rows(&mut self) -> Rows {
        let mut taken = Rows::new(self.kept, self.provenance.is_some());
        std::mem::swap(&mut taken.columns, &mut self.columns);
        std::mem::swap(&mut taken.procedure_labels, &mut self.procedure_labels);
        std::mem::swap(&mut taken.provenance, &mut self.provenance);
        taken.len = self.len;
        taken.pushed = self.len as u64;
        self.len = 0;
        taken
    }

    /// Moves the rows out into a table of their own that carries a copy of the dictionaries and
    /// procedure labels, so a sink on another thread can read its group names; this table keeps
    /// its dictionaries and labels, and later rows go on interning into them. (A few hundred
    /// names per chunk of 128K rows: the copy is a small part of a chunk's work.) The next rows
    /// go into `spare`'s columns when given, a chunk the sink is done with: columns that grew
    /// again from nothing for every chunk cost 5% more CPU in copies and page faults.
    pub fn take_chunk(&mut self, spare: Option<Rows>) -> Rows {
        let mut chunk = self.take_rows();
        // The labels stay here too: the read's outcome names the procedures by them.
        self.procedure_labels.clone_from(&chunk.procedure_labels);
        chunk.dictionaries.clone_from(&self.dictionaries);
        if let Some(mut spare) = spare.filter(|spare| spare.kept == self.kept) {
            spare.clear();
            self.columns = spare.columns;
        }
        chunk
    }

    /// The texts interned for `field` from id `from` on, in id order.
    pub fn names_from(&self, field: Field, from: usize) -> &[String] {
        let names = &self.dictionaries[field as usize].names;
        names.get(from..).unwrap_or_default()
    }

    /// Appends another table's rows, whose key ids are another table's: `remap[field][id]` is
    /// the id in this table. Their lines move down by `line_offset` (a range read on its own
    /// counts lines from its start), and their order in the run follows this table's.
    pub fn append(&mut self, other: &Rows, remap: &[Vec<u32>], line_offset: u64) -> Result<()> {
        for &index in &self.kept_indices {
            let (ours, theirs) = (&mut self.columns[index], &other.columns[index]);
            match (ours, theirs) {
                (ColumnValues::Key(ours), ColumnValues::Key(theirs)) => {
                    let map = remap.get(index).map(Vec::as_slice).unwrap_or_default();
                    for &key in theirs {
                        ours.push(if key == NO_KEY {
                            NO_KEY
                        } else {
                            match map.get(key as usize) {
                                Some(&id) => id,
                                None => bail!("a group id without its text (internal error)"),
                            }
                        });
                    }
                }
                (ColumnValues::Texts(ours), ColumnValues::Texts(theirs)) => ours.extend(theirs),
                (ColumnValues::Date(ours), ColumnValues::Date(theirs)) => {
                    ours.extend_from_slice(theirs)
                }
                (ColumnValues::Amount(ours), ColumnValues::Amount(theirs)) => {
                    ours.extend_from_slice(theirs)
                }
                (ColumnValues::Bool(ours), ColumnValues::Bool(theirs)) => {
                    ours.extend_from_slice(theirs)
                }
                (ColumnValues::Code(ours, _), ColumnValues::Code(theirs, _)) => {
                    ours.extend_from_slice(theirs)
                }
                (ColumnValues::Absent, _) => {}
                _ => bail!("tables with different columns (internal error)"),
            }
        }
        if let (Some(ours), Some(theirs)) = (&mut self.provenance, &other.provenance) {
            ours.files.extend_from_slice(&theirs.files);
            ours.lines
                .extend(theirs.lines.iter().map(|line| line + line_offset));
            let first = self.pushed + 1;
            ours.seqs.extend(first..first + other.len as u64);
        }
        let codes = remap
            .get(Field::ProcedureCode as usize)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (code, label) in &other.procedure_labels {
            if let Some(&code) = codes.get(*code as usize) {
                self.procedure_labels
                    .entry(code)
                    .or_insert_with(|| label.clone());
            }
        }
        self.pushed += other.len as u64;
        self.len += other.len;
        Ok(())
    }

    /// A kept date column (`None` when the run does not keep it).
    pub fn days(&self, field: Field) -> Option<&[Day]> {
        match &self.columns[field as usize] {
            ColumnValues::Date(days) => Some(days),
            _ => None,
        }
    }

    /// A kept column of one text per row (the dossier ids).
    fn texts(&self, field: Field) -> Option<&Texts> {
        match &self.columns[field as usize] {
            ColumnValues::Texts(texts) => Some(texts),
            _ => None,
        }
    }

    /// The texts of a text field's keys, by key: a dictionary's names, or for a column of
    /// one text per row, whose key is the row's position, the rows' texts.
    pub fn texts_of(&self, field: Field) -> Vec<&str> {
        match self.texts(field) {
            Some(texts) => texts.iter().collect(),
            None => self.dictionary(field).names(),
        }
    }

    pub fn keys(&self, field: Field) -> Option<&[u32]> {
        match &self.columns[field as usize] {
            ColumnValues::Key(keys) => Some(keys),
            _ => None,
        }
    }

    pub fn codes(&self, field: Field) -> Option<&[i8]> {
        match &self.columns[field as usize] {
            ColumnValues::Code(codes, _) => Some(codes),
            _ => None,
        }
    }

    pub fn codes_mut(&mut self, field: Field) -> Option<&mut Vec<i8>> {
        match &mut self.columns[field as usize] {
            ColumnValues::Code(codes, _) => Some(codes),
            _ => None,
        }
    }

    /// Each row's end date (DOMAIN.md §2): `finished_at`, else `returned_at`.
    pub fn end_days(&self) -> Vec<Day> {
        let finished = self.days(Field::FinishedAt);
        let returned = self.days(Field::ReturnedAt);
        (0..self.len)
            .map(|row| {
                let finished = finished.map_or(NO_DAY, |d| d[row]);
                if finished != NO_DAY {
                    finished
                } else {
                    returned.map_or(NO_DAY, |d| d[row])
                }
            })
            .collect()
    }

    /// Each row's input index, line and order in the run, when kept.
    pub fn provenance(&self) -> Option<(&[u32], &[u64], &[u64])> {
        self.provenance
            .as_ref()
            .map(|p| (p.files.as_slice(), p.lines.as_slice(), p.seqs.as_slice()))
    }

    /// The frame the compute stage queries: each kept field under its canonical name (text
    /// fields as key ids, dates as day numbers, coded fields as codes; blanks as NULL), the end
    /// date, and each row's period by reception and by end date.
    pub fn to_frame(&self, granularity: Granularity) -> Result<DataFrame> {
        self.frame_of(self.kept, granularity)
    }

    /// [`Rows::to_frame`] with only `fields`' columns (those kept), for a query needing few.
    pub fn frame_of(&self, fields: FieldSet, granularity: Granularity) -> Result<DataFrame> {
        let mut columns = Vec::new();
        for field in self.kept.iter().filter(|f| fields.contains(*f)) {
            columns.push(frame_column(field.name(), &self.columns[field as usize]));
        }
        let end = self.end_days();
        let period = |day: Day| granularity.period_of_month(month_of(day)).key;
        let periods = |days: &[Day]| -> Vec<i32> {
            days.iter()
                .map(|&d| if d == NO_DAY { NO_DAY } else { period(d) })
                .collect()
        };
        let end_periods = periods(&end);
        columns.push(sentinel_column::<Int32Type>(END_AT, end, NO_DAY));
        if let Some(received) = self.days(Field::ReceivedAt) {
            columns.push(sentinel_column::<Int32Type>(
                RECEIVED_PERIOD,
                periods(received),
                NO_DAY,
            ));
        }
        columns.push(sentinel_column::<Int32Type>(
            END_PERIOD,
            end_periods,
            NO_DAY,
        ));
        DataFrame::new(self.len, columns).context("building the dossier table")
    }

    /// The dataset's columns for every canonical field, in [`Field::ALL`] order, typed as
    /// [`dataset_type`] says; a field the run does not keep is NULL. Key columns and text codes
    /// come as [`CodedTexts`]: ids into their distinct texts, as the rows hold them.
    pub fn dataset_columns(&self) -> Result<Vec<DatasetColumn>> {
        Field::ALL
            .iter()
            .map(|&field| {
                let name: PlSmallStr = field.name().into();
                let dictionary = &self.dictionaries[field as usize];
                Ok(match (&self.columns[field as usize], field.kind()) {
                    (ColumnValues::Key(keys), _) => {
                        DatasetColumn::Coded(CodedTexts::of_keys(name, keys, &dictionary.names)?)
                    }
                    (ColumnValues::Texts(texts), _) => {
                        let texts: StringChunked = texts
                            .iter()
                            .map(|text| (!text.is_empty()).then_some(text))
                            .collect();
                        DatasetColumn::Values(texts.with_name(name).into_column())
                    }
                    (ColumnValues::Date(days), _) => DatasetColumn::Values(
                        days_column(field.name(), days)
                            .cast(&DataType::Date)
                            .unwrap_or_else(|_| Column::full_null(name, self.len, &DataType::Date)),
                    ),
                    (ColumnValues::Amount(amounts), _) => DatasetColumn::Values(
                        Float64Chunked::from_slice(name, amounts).into_column(),
                    ),
                    (ColumnValues::Bool(flags), _) => {
                        DatasetColumn::Values(BooleanChunked::from_slice(name, flags).into_column())
                    }
                    (ColumnValues::Code(codes, _), Kind::Code(vocabulary)) => {
                        code_dataset_column(field.name(), codes, vocabulary)
                    }
                    _ => DatasetColumn::Values(Column::full_null(
                        name,
                        self.len,
                        &dataset_type(field),
                    )),
                })
            })
            .collect()
    }

    /// Appends the rows of a dataset frame (the columns [`Rows::dataset_columns`] writes).
    /// The frame's fields are already normalised: text is key text, codes are canonical.
    pub fn push_dataset_frame(&mut self, frame: &DataFrame) -> Result<()> {
        let height = frame.height();
        for field in self.kept.iter() {
            let index = field as usize;
            let name = field.name();
            let Ok(column) = frame.column(name) else {
                // A dataset written before the field existed: as if its exports lacked it.
                push_blank(&mut self.columns[index], height);
                continue;
            };
            let dictionary = &mut self.dictionaries[index];
            match &mut self.columns[index] {
                ColumnValues::Absent => {}
                ColumnValues::Key(keys) => {
                    map_distinct_texts(column, keys, |_, text| {
                        Ok(match text {
                            Some(text) if !text.is_empty() => dictionary.intern(text),
                            _ => NO_KEY,
                        })
                    })?;
                }
                ColumnValues::Texts(texts) => {
                    for text in column.str()?.iter() {
                        texts.push(text.unwrap_or_default());
                    }
                }
                ColumnValues::Date(days) => {
                    let physical = column.cast(&DataType::Int32)?;
                    days.extend(physical.i32()?.iter().map(|d| d.unwrap_or(NO_DAY)));
                }
                ColumnValues::Amount(amounts) => {
                    amounts.extend(column.f64()?.iter().map(|a| a.unwrap_or(0.0)));
                }
                ColumnValues::Bool(flags) => {
                    flags.extend(column.bool()?.iter().map(|b| b.unwrap_or(false)));
                }
                ColumnValues::Code(codes, _) => {
                    let Kind::Code(vocabulary) = field.kind() else {
                        continue;
                    };
                    push_dataset_codes(codes, column, field, vocabulary)?;
                }
            }
        }
        if let (Ok(codes), Ok(names)) = (
            frame.column(Field::ProcedureCode.name()),
            frame.column(Field::ProcedureName.name()),
        ) {
            let procedures = &mut self.dictionaries[Field::ProcedureCode as usize];
            let mut ids = Vec::with_capacity(height);
            map_distinct_texts(codes, &mut ids, |_, code| {
                Ok(match code {
                    Some(code) if !code.is_empty() => procedures.intern(code),
                    _ => NO_KEY,
                })
            })?;
            for (&id, name) in ids.iter().zip(names.str()?.iter()) {
                let Some(name) = name else {
                    continue;
                };
                if id == NO_KEY || name.is_empty() || self.procedure_labels.contains_key(&id) {
                    continue;
                }
                self.procedure_labels.insert(id, name.to_string());
            }
        }
        if let Some(provenance) = &mut self.provenance {
            provenance.files.extend(std::iter::repeat_n(0, height));
            provenance.lines.extend(std::iter::repeat_n(0, height));
            let first = self.pushed + 1;
            provenance.seqs.extend(first..first + height as u64);
        }
        self.pushed += height as u64;
        self.len += height;
        Ok(())
    }
}

fn push_blank(values: &mut ColumnValues, count: usize) {
    match values {
        ColumnValues::Absent => {}
        ColumnValues::Key(v) => v.extend(std::iter::repeat_n(NO_KEY, count)),
        ColumnValues::Texts(v) => (0..count).for_each(|_| v.push("")),
        ColumnValues::Date(v) => v.extend(std::iter::repeat_n(NO_DAY, count)),
        ColumnValues::Amount(v) => v.extend(std::iter::repeat_n(0.0, count)),
        ColumnValues::Bool(v) => v.extend(std::iter::repeat_n(false, count)),
        ColumnValues::Code(v, blank) => v.extend(std::iter::repeat_n(*blank, count)),
    }
}

fn push_dataset_codes(
    codes: &mut Vec<i8>,
    column: &Column,
    field: Field,
    vocabulary: &codes::Vocabulary,
) -> Result<()> {
    match vocabulary.code_type {
        CodeType::Number => {
            for (row, code) in column.i32()?.iter().enumerate() {
                codes.push(match code {
                    None => NONE,
                    Some(code) => match i8::try_from(code).ok().and_then(|c| vocabulary.value(c)) {
                        Some(value) => value.code,
                        None => bail!("row {}: {field} {code} is not a known code", row + 1),
                    },
                });
            }
        }
        CodeType::Text => {
            map_distinct_texts(column, codes, |row, text| {
                Ok(match text {
                    None => vocabulary.blank,
                    Some(text) => match vocabulary.code_of_name(text) {
                        Some(code) => code,
                        None => bail!(
                            "row {}: {field} {text:?} is not one of: {}",
                            row + 1,
                            vocabulary.meanings()
                        ),
                    },
                })
            })?;
        }
    }
    Ok(())
}

/// Pushes `map(row, text)` of each row of a string column onto `out`, calling `map` once per
/// distinct value of each of the column's arrays. A dataset's text columns are dictionary
/// pages, decoded into views of the dictionary's bytes, so the rows of one value share one
/// view (16 bytes: length, prefix, buffer, offset; a short text is all inline) and are known
/// by it without hashing or comparing their text: interning every row's text was a third of
/// the merge thread's time in a report on a dataset.
fn map_distinct_texts<T: Copy>(
    column: &Column,
    out: &mut Vec<T>,
    mut map: impl FnMut(usize, Option<&str>) -> Result<T>,
) -> Result<()> {
    let mut row = 0;
    out.reserve(column.len());
    for array in column.str()?.downcast_iter() {
        // A view names bytes of its own array's buffers: the memo is per array.
        let mut known: FastMap<u128, T> = FastMap::default();
        for (text, view) in array.iter().zip(array.views().iter()) {
            let value = match text {
                None => map(row, None)?,
                Some(text) => match known.get(&view.as_u128()) {
                    Some(&value) => value,
                    None => {
                        let value = map(row, Some(text))?;
                        known.insert(view.as_u128(), value);
                        value
                    }
                },
            };
            out.push(value);
            row += 1;
        }
    }
    Ok(())
}

/// A day column, blank days as NULL.
fn days_column(name: &str, days: &[Day]) -> Column {
    sentinel_column::<Int32Type>(name, days.to_vec(), NO_DAY)
}

/// A column of `values` in which `blank` stands for NULL. The values move in whole, and a
/// validity mask is built only when some value is blank: collecting `Option`s, a value and a
/// bit at a time, was most of the time spent turning a chunk of rows into a frame.
fn sentinel_column<T: PolarsNumericType>(
    name: &str,
    values: Vec<T::Native>,
    blank: T::Native,
) -> Column {
    sentinel_chunked::<T>(name.into(), values, blank).into_column()
}

fn sentinel_chunked<T: PolarsNumericType>(
    name: PlSmallStr,
    values: Vec<T::Native>,
    blank: T::Native,
) -> ChunkedArray<T> {
    if !values.contains(&blank) {
        return ChunkedArray::from_vec(name, values);
    }
    let valid =
        BooleanChunked::from_iter_values(PlSmallStr::EMPTY, values.iter().map(|v| *v != blank));
    let validity = valid
        .downcast_iter()
        .next()
        .map(|mask| mask.values().clone());
    ChunkedArray::from_vec_validity(name, values, validity)
}

fn frame_column(name: &str, values: &ColumnValues) -> Column {
    match values {
        ColumnValues::Absent => Column::full_null(name.into(), 0, &DataType::Null),
        ColumnValues::Key(keys) => sentinel_column::<UInt32Type>(name, keys.clone(), NO_KEY),
        ColumnValues::Texts(texts) => {
            // A row's text is its own: its key is its position (see `Rows::texts_of`).
            let ids: Vec<u32> = texts
                .iter()
                .enumerate()
                .map(|(row, text)| if text.is_empty() { NO_KEY } else { row as u32 })
                .collect();
            sentinel_column::<UInt32Type>(name, ids, NO_KEY)
        }
        ColumnValues::Date(days) => days_column(name, days),
        ColumnValues::Amount(amounts) => {
            Float64Chunked::from_slice(name.into(), amounts).into_column()
        }
        ColumnValues::Bool(flags) => BooleanChunked::from_slice(name.into(), flags).into_column(),
        ColumnValues::Code(codes, _) => {
            let values: Vec<i32> = codes.iter().map(|&c| i32::from(c)).collect();
            sentinel_column::<Int32Type>(name, values, i32::from(NONE))
        }
    }
}

fn code_dataset_column(name: &str, codes: &[i8], vocabulary: &codes::Vocabulary) -> DatasetColumn {
    match vocabulary.code_type {
        CodeType::Number => DatasetColumn::Values(frame_column(
            name,
            &ColumnValues::Code(codes.to_vec(), NONE),
        )),
        CodeType::Text => {
            // Each code's name once, by the code's byte, and every row an id into them (as the
            // key columns are): building a text per row cost 2% of `convert` (issue 19).
            let names: Vec<Option<&str>> = (0..=u8::MAX)
                .map(|byte| vocabulary.name(byte as i8))
                .collect();
            let ids = codes
                .iter()
                .map(|&code| match names[usize::from(code as u8)] {
                    Some(_) => u32::from(code as u8),
                    None => NO_TEXT,
                })
                .collect();
            DatasetColumn::Coded(CodedTexts {
                name: name.into(),
                ids,
                texts: names
                    .iter()
                    .map(|name| name.unwrap_or_default().to_string())
                    .collect(),
            })
        }
    }
}

/// A column of a chunk of the dataset (see [`Rows::dataset_columns`]).
pub enum DatasetColumn {
    /// Typed values.
    Values(Column),
    /// A text column as ids into its distinct texts.
    Coded(CodedTexts),
}

impl DatasetColumn {
    pub fn name(&self) -> &str {
        match self {
            DatasetColumn::Values(column) => column.name(),
            DatasetColumn::Coded(coded) => &coded.name,
        }
    }

    /// The column as a frame column (a text column for coded texts): how the tests read what
    /// the writer is given.
    #[cfg(test)]
    pub fn into_column(self) -> Result<Column> {
        match self {
            DatasetColumn::Values(column) => Ok(column),
            DatasetColumn::Coded(coded) => coded.into_column(),
        }
    }
}

/// NULL among [`CodedTexts::ids`]: a blank key ([`NO_KEY`]) is one, so key columns give their
/// keys as they are.
pub const NO_TEXT: u32 = NO_KEY;

/// A text column as each row's id into a list of texts: the dataset writer turns it into
/// Parquet dictionary pages without hashing every row's text again (issue 19). Texts no row
/// uses may be listed.
pub struct CodedTexts {
    pub name: PlSmallStr,
    /// By row: an index into `texts`, or [`NO_TEXT`] for NULL.
    pub ids: Vec<u32>,
    pub texts: Vec<String>,
}

impl CodedTexts {
    /// A key column of a chunk: its keys as ids into the dictionary's names when the chunk has
    /// at least as many rows as the dictionary names, else into the names the chunk uses. The
    /// dictionary grows over the whole read, so copying it into every chunk would make a
    /// column with a new text in most rows (units written per officer, say) cost the square
    /// of its rows in time and a copy of all its texts in memory per chunk.
    fn of_keys(name: PlSmallStr, keys: &[u32], names: &[String]) -> Result<CodedTexts> {
        if names.len() <= keys.len() {
            return Ok(CodedTexts {
                name,
                ids: keys.to_vec(),
                texts: names.to_vec(),
            });
        }
        let mut chunk_ids: FastMap<u32, u32> = FastMap::default();
        let mut texts = Vec::new();
        let mut ids = Vec::with_capacity(keys.len());
        for &key in keys {
            if key == NO_KEY {
                ids.push(NO_TEXT);
                continue;
            }
            let id = match chunk_ids.get(&key) {
                Some(&id) => id,
                None => {
                    let text = names
                        .get(key as usize)
                        .context("a key without its text (internal error)")?;
                    let id = texts.len() as u32;
                    texts.push(text.clone());
                    chunk_ids.insert(key, id);
                    id
                }
            };
            ids.push(id);
        }
        Ok(CodedTexts { name, ids, texts })
    }
}

/// The tests read what the writer is given as frame columns.
#[cfg(test)]
impl CodedTexts {
    /// Each row's text, gathered from the texts (every row a view of its text, not a copy).
    pub fn into_column(self) -> Result<Column> {
        use polars::prelude::{ChunkTake, IdxCa};
        let texts: StringChunked = self.texts.iter().map(|t| Some(t.as_str())).collect();
        let ids: IdxCa = sentinel_chunked(self.name.clone(), self.ids, NO_TEXT);
        Ok(texts
            .take(&ids)
            .context("a text id past the texts (internal error)")?
            .with_name(self.name)
            .into_column())
    }
}

/// The dataset (Parquet) type of a field: DOMAIN.md §6's types.
pub fn dataset_type(field: Field) -> DataType {
    match field.kind() {
        Kind::Id | Kind::Key | Kind::Text => DataType::String,
        Kind::Date => DataType::Date,
        Kind::Amount => DataType::Float64,
        Kind::Bool => DataType::Boolean,
        Kind::Code(vocabulary) => match vocabulary.code_type {
            CodeType::Number => DataType::Int32,
            CodeType::Text => DataType::String,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dataset columns of `rows` as frame columns.
    fn dataset_frame_columns(rows: &Rows) -> Result<Vec<Column>> {
        rows.dataset_columns()?
            .into_iter()
            .map(DatasetColumn::into_column)
            .collect()
    }

    #[test]
    fn a_chunk_of_a_large_dictionary_carries_only_the_texts_it_uses() -> Result<()> {
        let names: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        // Fewer rows than names: the texts the rows use, first used first.
        let coded = CodedTexts::of_keys("unit".into(), &[3, NO_KEY, 3, 1], &names)?;
        assert_eq!(coded.texts, ["d", "b"]);
        assert_eq!(coded.ids, [0, NO_TEXT, 0, 1]);
        let texts: Vec<Option<String>> = coded
            .into_column()?
            .str()?
            .iter()
            .map(|t| t.map(String::from))
            .collect();
        assert_eq!(
            texts,
            [Some("d".into()), None, Some("d".into()), Some("b".into())]
        );
        // As many rows as names or more: the dictionary as it is.
        let keys = [4, 0, NO_KEY, 4, 2, 2];
        let coded = CodedTexts::of_keys("unit".into(), &keys, &names)?;
        assert_eq!(coded.texts, names);
        assert_eq!(coded.ids, keys);
        // A key past the dictionary is an error, not a panic.
        assert!(CodedTexts::of_keys("unit".into(), &[7], &names).is_err());
        Ok(())
    }

    /// Pushes a row of `cells` (the others blank) with id `id`.
    fn push(rows: &mut Rows, cells: &[(Field, Cell)], id: &str, file: u32, line: u64) {
        let values = Values {
            id: Cow::Borrowed(id),
            ..Values::default()
        };
        rows.push(cells, &values, file, line);
    }

    #[test]
    fn blanks_take_their_kinds_meaning() {
        let mut rows = Rows::new(FieldSet::all(), false);
        push(
            &mut rows,
            &[(Field::ReceivedAt, Cell::Date(19_000))],
            "A",
            0,
            2,
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows.codes(Field::Channel), Some(&[1][..]));
        assert_eq!(rows.codes(Field::PaymentMethod), Some(&[2][..]));
        assert_eq!(rows.codes(Field::Status), Some(&[NONE][..]));
        assert_eq!(rows.days(Field::DueAt), Some(&[NO_DAY][..]));
        assert_eq!(rows.texts_of(Field::DossierId), ["A"]);
        rows.clear();
        assert!(rows.is_empty());
        // The ids are the rows' own texts: they go with the rows, and no dictionary holds them.
        assert!(rows.texts_of(Field::DossierId).is_empty());
        assert!(rows.dictionary(Field::DossierId).is_empty());
    }

    #[test]
    fn ids_are_the_rows_own_texts_through_append_gather_and_the_frame() -> Result<()> {
        let kept = FieldSet::default()
            .with(Field::DossierId)
            .with(Field::ReceivedAt);
        let mut first = Rows::new(kept, false);
        for id in ["HS-1", "HS-2"] {
            push(&mut first, &[], id, 0, 2);
        }
        let mut second = Rows::new(kept, false);
        for id in ["HS-3", "Hồ sơ 4"] {
            push(&mut second, &[], id, 0, 2);
        }
        let taken = second.take_rows();
        assert!(second.is_empty());
        let remap = vec![Vec::new(); FIELD_COUNT];
        first.append(&taken, &remap, 0)?;
        assert_eq!(
            first.texts_of(Field::DossierId),
            ["HS-1", "HS-2", "HS-3", "Hồ sơ 4"]
        );
        // A condition's text lookup is by key, and a row's key is its position.
        let frame = first.to_frame(Granularity::Year)?;
        let keys: Vec<Option<u32>> = frame.column("dossier_id")?.u32()?.iter().collect();
        assert_eq!(keys, [Some(0), Some(1), Some(2), Some(3)]);
        first.retain(&[1, 3]);
        assert_eq!(first.texts_of(Field::DossierId), ["HS-2", "Hồ sơ 4"]);
        let columns = dataset_frame_columns(&first)?;
        let ids: Vec<Option<&str>> = columns[Field::DossierId as usize].str()?.iter().collect();
        assert_eq!(ids, [Some("HS-2"), Some("Hồ sơ 4")]);
        Ok(())
    }

    #[test]
    fn a_chunk_taken_for_another_thread_carries_its_names_and_the_table_goes_on() {
        let kept = FieldSet::default().with(Field::DossierId).with(Field::Unit);
        let mut rows = Rows::new(kept, true);
        let unit = rows.dictionary_mut(Field::Unit).intern("Phòng Một");
        push(&mut rows, &[(Field::Unit, Cell::Key(unit))], "A", 0, 2);
        push(&mut rows, &[], "B", 0, 3);
        let chunk = rows.take_chunk(None);
        assert!(rows.is_empty());
        assert_eq!(chunk.len(), 2);
        assert_eq!(chunk.texts_of(Field::DossierId), ["A", "B"]);
        assert_eq!(chunk.keys(Field::Unit), Some(&[unit, NO_KEY][..]));
        assert_eq!(chunk.dictionary(Field::Unit).name(unit), Some("Phòng Một"));
        assert_eq!(chunk.provenance().map(|p| p.2.to_vec()), Some(vec![1, 2]));
        // The table keeps its names; the next chunk fills the spare's columns, emptied, and
        // its rows go on counting from the first chunk's.
        let second = rows.dictionary_mut(Field::Unit).intern("Phòng Hai");
        push(&mut rows, &[(Field::Unit, Cell::Key(second))], "C", 0, 4);
        let chunk = rows.take_chunk(Some(chunk));
        assert_eq!(chunk.texts_of(Field::DossierId), ["C"]);
        assert_eq!(chunk.keys(Field::Unit), Some(&[second][..]));
        assert_eq!(chunk.dictionary(Field::Unit).len(), 2);
        assert_eq!(chunk.provenance().map(|p| p.2.to_vec()), Some(vec![3]));
        assert_eq!(rows.dictionary(Field::Unit).len(), 2);
        // A spare with other columns is not used.
        let other = Rows::new(FieldSet::default().with(Field::DossierId), false);
        push(&mut rows, &[], "D", 0, 5);
        let chunk = rows.take_chunk(Some(other));
        assert_eq!(chunk.keys(Field::Unit), Some(&[NO_KEY][..]));
        push(&mut rows, &[], "E", 0, 6);
        assert_eq!(rows.take_chunk(None).texts_of(Field::DossierId), ["E"]);
    }

    #[test]
    fn dataset_key_columns_give_each_row_its_text_and_null_for_a_blank() -> Result<()> {
        let mut rows = Rows::new(FieldSet::all(), false);
        let one = rows.dictionary_mut(Field::Unit).intern("Phòng Một");
        let two = rows.dictionary_mut(Field::Unit).intern("Phòng Hai");
        for (id, unit) in [
            ("A", Cell::Key(two)),
            ("B", Cell::Blank),
            ("C", Cell::Key(one)),
        ] {
            push(&mut rows, &[(Field::Unit, unit)], id, 0, 2);
        }
        let columns = dataset_frame_columns(&rows)?;
        let units: Vec<Option<&str>> = columns[Field::Unit as usize].str()?.iter().collect();
        assert_eq!(units, [Some("Phòng Hai"), None, Some("Phòng Một")]);
        Ok(())
    }

    #[test]
    fn dataset_text_codes_are_their_names_and_null_for_no_value() -> Result<()> {
        let mut rows = Rows::new(FieldSet::all(), false);
        for (id, channel, satisfaction) in [
            ("A", Cell::Code(3), Cell::Code(1)),
            ("B", Cell::Blank, Cell::Blank),
            ("C", Cell::Code(2), Cell::Code(NONE)),
            ("D", Cell::Code(1), Cell::Code(2)),
        ] {
            let cells = [
                (Field::Channel, channel),
                (Field::Satisfaction, satisfaction),
            ];
            push(&mut rows, &cells, id, 0, 2);
        }
        let columns = dataset_frame_columns(&rows)?;
        let texts = |field: Field| -> Result<Vec<Option<String>>> {
            Ok(columns[field as usize]
                .str()?
                .iter()
                .map(|t| t.map(String::from))
                .collect())
        };
        let names = |list: &[Option<&str>]| -> Vec<Option<String>> {
            list.iter().map(|t| t.map(String::from)).collect()
        };
        // A blank channel reads as the vocabulary's blank code (direct); a blank or no-value
        // satisfaction is NULL.
        assert_eq!(
            texts(Field::Channel)?,
            names(&[
                Some("postal"),
                Some("direct"),
                Some("online"),
                Some("direct")
            ])
        );
        assert_eq!(
            texts(Field::Satisfaction)?,
            names(&[Some("satisfied"), None, None, Some("not_satisfied")])
        );
        Ok(())
    }

    #[test]
    fn the_frame_names_fields_canonically_with_nulls_for_blanks() -> Result<()> {
        let kept = FieldSet::default()
            .with(Field::ReceivedAt)
            .with(Field::FinishedAt)
            .with(Field::Status);
        let mut rows = Rows::new(kept, false);
        push(
            &mut rows,
            &[
                (Field::ReceivedAt, Cell::Date(19_782)),
                (Field::FinishedAt, Cell::Date(19_800)),
                (Field::Status, Cell::Code(10)),
            ],
            "A",
            0,
            2,
        );
        push(
            &mut rows,
            &[(Field::ReceivedAt, Cell::Date(19_783))],
            "B",
            0,
            3,
        );
        let frame = rows.to_frame(Granularity::Month)?;
        let status: Vec<Option<i32>> = frame.column("status")?.i32()?.iter().collect();
        assert_eq!(status, [Some(10), None]);
        let end: Vec<Option<i32>> = frame.column(END_AT)?.i32()?.iter().collect();
        assert_eq!(end, [Some(19_800), None]);
        let periods: Vec<Option<i32>> = frame.column(RECEIVED_PERIOD)?.i32()?.iter().collect();
        assert_eq!(periods, [Some(202402), Some(202403)]);
        Ok(())
    }

    #[test]
    fn the_dataset_columns_read_back_as_the_same_rows() -> Result<()> {
        let mut rows = Rows::new(FieldSet::all(), false);
        let unit = rows.dictionary_mut(Field::Unit).intern("Phòng Một");
        push(
            &mut rows,
            &[
                (Field::ReceivedAt, Cell::Date(19_782)),
                (Field::Unit, Cell::Key(unit)),
                (Field::Channel, Cell::Code(2)),
                (Field::Satisfaction, Cell::Code(1)),
                (Field::ServiceLevel, Cell::Code(4)),
                (Field::Fee, Cell::Amount(1500.0)),
                (Field::ResultDigitized, Cell::Bool(true)),
            ],
            "HS-1",
            0,
            2,
        );
        let frame = DataFrame::new(1, dataset_frame_columns(&rows)?)?;
        assert_eq!(frame.column("channel")?.str()?.get(0), Some("online"));
        assert_eq!(
            frame.column("payment_method")?.str()?.get(0),
            Some("not_online")
        );
        assert_eq!(frame.column("service_level")?.i32()?.get(0), Some(4));
        let mut back = Rows::new(FieldSet::all(), false);
        back.push_dataset_frame(&frame)?;
        assert_eq!(back.codes(Field::Channel), rows.codes(Field::Channel));
        assert_eq!(back.codes(Field::Satisfaction), Some(&[1][..]));
        assert_eq!(back.days(Field::ReceivedAt), Some(&[19_782][..]));
        assert_eq!(back.dictionary(Field::Unit).names(), ["Phòng Một"]);
        assert_eq!(back.texts_of(Field::DossierId), ["HS-1"]);
        Ok(())
    }
}
