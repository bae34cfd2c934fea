//! Splitting a decoded text stream into records: the dialect rules of DOMAIN.md §1 ("Line
//! endings and quotes"), independent of what the records mean.
//!
//! Lines end with LF, CRLF or CR alone, mixed in one file. A quote opens a quoted field only at
//! the start of a field; anywhere else it is an ordinary character (`Phòng "Ba" cũ`). A quoted
//! field may hold delimiters, doubled quotes and, in the columns that allow it, line breaks. A
//! quote left open must not swallow the rows after it: when a quoted field is still open at the
//! end of the input, when its closing quote is followed by anything but a delimiter or a line
//! end, or when it runs past [`FIELD_LIMIT`], the record is defective
//! ([`Problem::UnterminatedQuote`]) and reading resumes at the physical line after the one where
//! the quote opened. A quoted field that closes properly but spans lines in a column whose
//! values never hold a line break (ids, codes, dates, amounts: the consumer says which) is
//! defective too ([`Problem::LineBreakInField`]) with the same resumption, so a stray quote in
//! such a column costs one record even when another quote closes it 500 lines later. An
//! unquoted field over
//! [`FIELD_LIMIT`] makes its record defective ([`Problem::FieldTooLarge`]) and the rest of its
//! line is skipped without being stored, so a file with no line breaks (or `/dev/zero`) never
//! becomes one giant allocation.
//!
//! Records are split out of large buffers without copying: a [`Records`] batch owns the buffer
//! and says where each field lies in it (only a quoted field with doubled quotes is copied,
//! unescaped). A line's delimiters, the quotes that open its fields and its end are found in one
//! pass, 64 bytes at a time as bit masks; quoted fields and long lines use `memchr`'s scans. The
//! same splitter serves a whole stream ([`BatchReader`] over any reader) and a byte range of a
//! file read on its own thread ([`BatchReader::stop_at`]): from a given record start it always
//! finds the same records.
//!
//! The csv crate cannot do this (its quote handling swallows the rest of the file, and it knows
//! no CR-only line ends), hence this small state machine.

use std::io::{self, Read};

use memchr::{memchr2, memchr3};

/// The largest field kept; a larger one makes its record defective.
pub const FIELD_LIMIT: usize = 1 << 20;

/// Bytes read from the stream at a time. A reader holds two buffers of twice this (one being
/// split, one handed over with its records), on every reading thread: at 1 MiB a 10M-row
/// report on 64 threads peaked at 567 MB, at 256 KiB at 328 MB, and the buffers stay in the
/// processor's cache while they are split (1.3% less CPU at 10M rows on 2 cores; 128 KiB was
/// no faster). Beyond 16 threads the ranged read gives each less (see
/// [`BatchReader::with_block`]).
pub const BLOCK: usize = 1 << 18;

/// The smallest read, as near a range's end: smaller reads would make a system call for every
/// few hundred records.
pub const MIN_BLOCK: usize = 1 << 16;

/// Bytes of a defective field kept to show in its defect.
const SHOWN: usize = 200;

/// What is structurally wrong with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A quoted field that never closes properly; `field` is the 0-based field where it opened.
    UnterminatedQuote { field: usize },
    /// A field longer than [`FIELD_LIMIT`]; `field` is 0-based.
    FieldTooLarge { field: usize },
    /// A quoted field that closes properly but spans lines, in a column whose values never
    /// hold a line break (a stray quote that another quote happens to close).
    LineBreakInField { field: usize },
}

/// A span's `start` with this bit set lies in [`Records::scratch`].
const IN_SCRATCH: u32 = 1 << 31;

/// Where one field's bytes are.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: u32,
    end: u32,
}

/// One record of a batch.
#[derive(Debug, Clone, Copy)]
struct Meta {
    /// 1-based physical line where the record starts.
    line: u64,
    /// Its fields are `spans[previous.spans_end..spans_end]`.
    spans_end: u32,
    /// Its bytes in the buffer (delimiters and quotes included), for the UTF-8 check.
    start: u32,
    end: u32,
    problem: Option<Problem>,
    /// Checked to be UTF-8 (the common case), so its fields are text without another check.
    text: bool,
}

/// A batch of records and the buffer they were split from.
#[derive(Debug, Default)]
pub struct Records {
    bytes: Vec<u8>,
    /// Quoted fields with doubled quotes, unescaped; workbook cells.
    scratch: Vec<u8>,
    spans: Vec<Span>,
    metas: Vec<Meta>,
}

impl Records {
    pub fn len(&self) -> usize {
        self.metas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.metas.is_empty()
    }

    pub fn get(&self, index: usize) -> Record<'_> {
        let meta = &self.metas[index];
        let start = match index {
            0 => 0,
            i => self.metas[i - 1].spans_end as usize,
        };
        Record {
            records: self,
            meta,
            spans: &self.spans[start..meta.spans_end as usize],
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Record<'_>> {
        (0..self.metas.len()).map(|index| self.get(index))
    }

    /// Forgets the records; the buffer stays allocated (and initialised) for the next batch.
    pub fn clear(&mut self) {
        self.scratch.clear();
        self.spans.clear();
        self.metas.clear();
    }

    /// A workbook row: its cells are already separate texts.
    pub fn push_cells(&mut self, cells: &[String], line: u64) {
        for cell in cells {
            let start = self.scratch.len() as u32 | IN_SCRATCH;
            self.scratch.extend_from_slice(cell.as_bytes());
            self.spans.push(Span {
                start,
                end: self.scratch.len() as u32,
            });
        }
        self.metas.push(Meta {
            line,
            spans_end: self.spans.len() as u32,
            start: 0,
            end: 0,
            problem: None,
            text: true,
        });
    }

    /// Marks the records whose bytes are UTF-8: all of them at once when the whole buffer is
    /// (validating UTF-8 was a tenth of all the work on a Vietnamese export with std, which
    /// checks non-ASCII text a byte at a time; simdutf8 checks it with SIMD).
    fn check_text(&mut self) {
        let end = self.metas.last().map_or(0, |m| m.end as usize);
        let all = simdutf8::basic::from_utf8(&self.bytes[..end]).is_ok();
        let scratch = simdutf8::basic::from_utf8(&self.scratch).is_ok();
        for meta in &mut self.metas {
            meta.text = if all {
                scratch
            } else {
                simdutf8::basic::from_utf8(&self.bytes[meta.start as usize..meta.end as usize])
                    .is_ok()
                    && scratch
            };
        }
    }

    #[inline]
    fn span_bytes(&self, span: Span) -> &[u8] {
        let (source, start) = if span.start & IN_SCRATCH != 0 {
            (&self.scratch, (span.start & !IN_SCRATCH) as usize)
        } else {
            (&self.bytes, span.start as usize)
        };
        source.get(start..span.end as usize).unwrap_or_default()
    }
}

/// One record, as a consumer reads it.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    records: &'a Records,
    meta: &'a Meta,
    spans: &'a [Span],
}

impl<'a> Record<'a> {
    fn meta(&self) -> &'a Meta {
        self.meta
    }

    fn spans(&self) -> &'a [Span] {
        self.spans
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.spans().len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans().is_empty()
    }

    /// 1-based physical line where the record starts.
    pub fn line(&self) -> u64 {
        self.meta().line
    }

    /// What is structurally wrong with it, if anything.
    pub fn problem(&self) -> Option<Problem> {
        self.meta().problem
    }

    /// The raw bytes of a field (empty when there is no such field).
    #[inline]
    pub fn bytes(&self, index: usize) -> &'a [u8] {
        self.spans()
            .get(index)
            .map(|span| self.records.span_bytes(*span))
            .unwrap_or_default()
    }

    /// A field as text, or the UTF-8 error that makes it an `invalid_encoding` defect.
    #[inline]
    pub fn text(&self, index: usize) -> Result<&'a str, std::str::Utf8Error> {
        let bytes = self.bytes(index);
        if self.meta().text && self.meta().problem.is_none() {
            // SAFETY: check_text validated the record's bytes (and the scratch) as UTF-8, and
            // a field is a range of them that starts and ends at ASCII delimiters or quotes.
            Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
        } else {
            std::str::from_utf8(bytes)
        }
    }

    pub fn fields(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(|i| self.bytes(i))
    }

    /// An empty line, or one of only delimiters and spaces as spreadsheets leave below the data.
    pub fn is_blank(&self) -> bool {
        self.problem().is_none()
            && self
                .fields()
                .all(|field| field.iter().all(u8::is_ascii_whitespace))
    }
}

/// What splitting at one position gave.
enum Step {
    /// A record was added; the next one starts here.
    Record(usize),
    /// Bytes of a skipped line end were consumed, up to here.
    Skipped(usize),
    /// The record does not end in the buffer: more input is needed.
    Incomplete,
}

/// How a quoted field ended.
enum Quoted {
    /// At a delimiter: the next field starts here.
    Field(usize),
    /// At a line end or the end of the input: the next record starts here.
    Record(usize),
    /// Defective: the record is done.
    Defective {
        problem: Problem,
        resume: Resume,
    },
    Incomplete,
}

/// Where reading resumes after a defective quoted field.
enum Resume {
    /// At this byte, which starts this physical line.
    At { next: usize, line: u64 },
    /// After the line end that follows this byte (the quote opened on the current line).
    SkipLineFrom(usize),
}

/// A record over this many bytes is defective (a line of millions of empty fields), so no
/// record grows without bound.
const RECORD_LIMIT: usize = 16 * FIELD_LIMIT;

/// The record-splitting state machine.
#[derive(Debug, Clone)]
pub struct Splitter {
    delimiter: u8,
    /// By column position: whether a quoted value may hold a line break (columns beyond it
    /// may).
    multiline: Vec<bool>,
    /// 1-based physical line of the next unsplit byte.
    line: u64,
    /// Discarding the rest of a physical line (after a field over the limit).
    skipping: bool,
    /// The last byte consumed was a CR at the end of the buffer: an LF that follows is part of
    /// the same line end.
    after_cr: bool,
}

impl Splitter {
    pub fn new(delimiter: u8) -> Self {
        Splitter {
            delimiter,
            multiline: Vec::new(),
            line: 1,
            skipping: false,
            after_cr: false,
        }
    }

    /// Starts at physical line `line` (for a range of a file that does not begin at its start).
    pub fn starting_at_line(mut self, line: u64) -> Self {
        self.line = line;
        self
    }

    /// Which columns' quoted values may hold line breaks, by position.
    pub fn set_multiline(&mut self, multiline: Vec<bool>) {
        self.multiline = multiline;
    }

    /// 1-based physical line of the next unsplit byte.
    pub fn line(&self) -> u64 {
        self.line
    }

    fn allows_line_break(&self, field: usize) -> bool {
        self.multiline.get(field).copied().unwrap_or(true)
    }

    /// Where the line end at `at` (a CR or LF) ends; `None` when a CR is the buffer's last byte
    /// and more input may follow.
    fn after_line_end(buf: &[u8], at: usize, eof: bool) -> Option<usize> {
        if buf[at] == b'\n' {
            return Some(at + 1);
        }
        match buf.get(at + 1) {
            Some(b'\n') => Some(at + 2),
            Some(_) => Some(at + 1),
            None if eof => Some(at + 1),
            None => None,
        }
    }

    /// Consumes the rest of the line from `from`: where the next line starts, or the end of the
    /// buffer with `skipping` set when the line goes on past it.
    fn skip_line(&mut self, buf: &[u8], from: usize, eof: bool) -> usize {
        let from = from.min(buf.len());
        match memchr2(b'\n', b'\r', &buf[from..]) {
            Some(k) => {
                let at = from + k;
                self.line += 1;
                match Self::after_line_end(buf, at, eof) {
                    Some(next) => next,
                    None => {
                        self.after_cr = true;
                        buf.len()
                    }
                }
            }
            None => {
                self.skipping = !eof;
                buf.len()
            }
        }
    }

    /// Splits the record that starts at `pos` (< `buf.len()`) into `out`. `eof`: no input
    /// follows `buf`.
    fn split(&mut self, buf: &[u8], mut pos: usize, eof: bool, out: &mut Records) -> Step {
        if self.after_cr {
            self.after_cr = false;
            if buf[pos] == b'\n' {
                pos += 1;
                return Step::Skipped(pos);
            }
        }
        if self.skipping {
            self.skipping = false;
            return Step::Skipped(self.skip_line(buf, pos, eof));
        }
        let spans_start = out.spans.len();
        let scratch_start = out.scratch.len();
        let start_line = self.line;
        let mut line = self.line;
        let mut i = pos;
        let mut field = 0;
        // Where the current line ends, once looked for.
        let mut line_end: Option<usize> = None;
        let finish = |out: &mut Records, next: usize, problem: Option<Problem>| {
            out.metas.push(Meta {
                line: start_line,
                spans_end: out.spans.len() as u32,
                start: pos as u32,
                end: next as u32,
                problem,
                text: false,
            });
            Step::Record(next)
        };
        let incomplete = |out: &mut Records| {
            out.spans.truncate(spans_start);
            out.scratch.truncate(scratch_start);
            Step::Incomplete
        };
        loop {
            if buf.get(i) == Some(&b'"') {
                match self.quoted(buf, i, eof, field, &mut line, out) {
                    Quoted::Field(next) => {
                        i = next;
                        field += 1;
                        continue;
                    }
                    Quoted::Record(next) => {
                        self.line = line;
                        return finish(out, next, None);
                    }
                    Quoted::Defective { problem, resume } => {
                        let next = match resume {
                            Resume::At { next, line } => {
                                self.line = line;
                                next
                            }
                            Resume::SkipLineFrom(from) => {
                                self.line = line;
                                self.skip_line(buf, from, eof)
                            }
                        };
                        return finish(out, next, Some(problem));
                    }
                    Quoted::Incomplete => return incomplete(out),
                }
            }
            // The common case: the line ends within a field's limit, and one scan finds its
            // delimiters, its end and any quote that opens a field.
            if line_end.is_none_or(|end| end < i) {
                let window_end = buf.len().min(i + FIELD_LIMIT + 1);
                let (next, fields, stop) =
                    split_line(buf, i, window_end, self.delimiter, &mut out.spans);
                i = next;
                field += fields;
                match stop {
                    LineStop::Quote => continue,
                    LineStop::End(end) => {
                        let Some(next) = Self::after_line_end(buf, end, eof) else {
                            return incomplete(out);
                        };
                        out.spans.push(span(i, end));
                        self.line = line + 1;
                        return finish(out, next, None);
                    }
                    LineStop::Window => {}
                }
                if i - pos > RECORD_LIMIT {
                    out.spans.push(span(i, i));
                    self.line = line;
                    let next = self.skip_line(buf, i, eof);
                    return finish(out, next, Some(Problem::FieldTooLarge { field }));
                }
                // A long line, or one that does not end in the buffer: its end is searched
                // for further on.
                let window = &buf[i..buf.len().min(i + RECORD_LIMIT)];
                line_end = memchr2(b'\n', b'\r', window).map(|k| i + k);
            }
            if let Some(end) = line_end {
                // Every field of the line but its last, as long as none opens with a quote
                // (which the top of the loop reads); a line within the limit holds no field
                // over it.
                if end - i <= FIELD_LIMIT {
                    let (next, fields, stop) =
                        split_line(buf, i, end, self.delimiter, &mut out.spans);
                    i = next;
                    field += fields;
                    if stop == LineStop::Quote {
                        continue;
                    }
                }
                let (at, last) = match find_byte(&buf[i..end], self.delimiter) {
                    Some(k) => (i + k, false),
                    None => (end, true),
                };
                if at - i > FIELD_LIMIT {
                    out.spans.push(shown_span(buf, i, i + SHOWN));
                    self.line = line;
                    let next = self.skip_line(buf, end, eof);
                    return finish(out, next, Some(Problem::FieldTooLarge { field }));
                }
                if !last {
                    out.spans.push(span(i, at));
                    i = at + 1;
                    field += 1;
                    continue;
                }
                let Some(next) = Self::after_line_end(buf, end, eof) else {
                    return incomplete(out);
                };
                out.spans.push(span(i, end));
                self.line = line + 1;
                return finish(out, next, None);
            }
            let window_end = buf.len().min(i + FIELD_LIMIT + 1);
            match memchr3(self.delimiter, b'\n', b'\r', &buf[i..window_end]) {
                Some(k) => {
                    let at = i + k;
                    if buf[at] == self.delimiter {
                        out.spans.push(span(i, at));
                        i = at + 1;
                        field += 1;
                        if i - pos > RECORD_LIMIT {
                            out.spans.push(span(i, i));
                            self.line = line;
                            let next = self.skip_line(buf, i, eof);
                            return finish(out, next, Some(Problem::FieldTooLarge { field }));
                        }
                        continue;
                    }
                    let Some(next) = Self::after_line_end(buf, at, eof) else {
                        return incomplete(out);
                    };
                    out.spans.push(span(i, at));
                    self.line = line + 1;
                    return finish(out, next, None);
                }
                None if window_end - i > FIELD_LIMIT => {
                    out.spans.push(shown_span(buf, i, i + SHOWN));
                    self.line = line;
                    let next = self.skip_line(buf, window_end, eof);
                    return finish(out, next, Some(Problem::FieldTooLarge { field }));
                }
                None if eof => {
                    out.spans.push(span(i, buf.len()));
                    self.line = line;
                    return finish(out, buf.len(), None);
                }
                None => return incomplete(out),
            }
        }
    }

    /// The field whose opening quote is at `open`; `line` follows the line breaks inside it.
    fn quoted(
        &self,
        buf: &[u8],
        open: usize,
        eof: bool,
        field: usize,
        line: &mut u64,
        out: &mut Records,
    ) -> Quoted {
        let content = open + 1;
        let mut j = content;
        let mut doubled = false;
        let multiline = self.allows_line_break(field);
        // Where the line after the first line break inside the quotes starts, and its number:
        // reading resumes there if the quote turns out to be a stray one.
        let mut first_break: Option<(usize, u64)> = None;
        let shown = |out: &mut Records, end: usize| {
            out.spans.push(shown_span(buf, content, end));
        };
        let stray = |problem: Problem, first_break: Option<(usize, u64)>, scanned: usize| {
            let resume = match first_break {
                Some((next, line)) => Resume::At { next, line },
                None => Resume::SkipLineFrom(scanned),
            };
            Quoted::Defective { problem, resume }
        };
        loop {
            if j - content > FIELD_LIMIT {
                shown(out, j);
                let problem = match first_break {
                    // Still on the line where it opened: one long field, closed or not.
                    None => Problem::FieldTooLarge { field },
                    Some(_) => Problem::UnterminatedQuote { field },
                };
                return stray(problem, first_break, j);
            }
            let window_end = buf.len().min(content + FIELD_LIMIT + 1);
            let Some(k) = memchr3(b'"', b'\n', b'\r', &buf[j..window_end]) else {
                if window_end - content > FIELD_LIMIT {
                    j = window_end;
                    continue;
                }
                if !eof {
                    return Quoted::Incomplete;
                }
                shown(out, buf.len());
                return stray(Problem::UnterminatedQuote { field }, first_break, buf.len());
            };
            let at = j + k;
            if buf[at] == b'"' {
                let Some(&next) = buf.get(at + 1) else {
                    if !eof {
                        return Quoted::Incomplete;
                    }
                    push_quoted(out, buf, content, at, doubled);
                    return Quoted::Record(buf.len());
                };
                if next == b'"' {
                    doubled = true;
                    j = at + 2;
                    continue;
                }
                if next == self.delimiter || next == b'\n' || next == b'\r' {
                    if let Some((resume, resume_line)) = first_break.filter(|_| !multiline) {
                        // Closed properly, but across lines where no value has a line break.
                        shown(out, at);
                        return Quoted::Defective {
                            problem: Problem::LineBreakInField { field },
                            resume: Resume::At {
                                next: resume,
                                line: resume_line,
                            },
                        };
                    }
                }
                if next == self.delimiter {
                    push_quoted(out, buf, content, at, doubled);
                    return Quoted::Field(at + 2);
                }
                if next == b'\n' || next == b'\r' {
                    let Some(after) = Self::after_line_end(buf, at + 1, eof) else {
                        return Quoted::Incomplete;
                    };
                    push_quoted(out, buf, content, at, doubled);
                    *line += 1;
                    return Quoted::Record(after);
                }
                shown(out, at);
                return stray(Problem::UnterminatedQuote { field }, first_break, at + 1);
            }
            // A line break inside the quotes.
            let Some(after) = Self::after_line_end(buf, at, eof) else {
                return Quoted::Incomplete;
            };
            *line += 1;
            first_break.get_or_insert((after, *line));
            j = after;
        }
    }
}

fn span(start: usize, end: usize) -> Span {
    Span {
        start: start as u32,
        end: end as u32,
    }
}

/// Where [`split_line`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineStop {
    /// At a quote that opens a field (right after a delimiter).
    Quote,
    /// At the line end at this byte (a CR or LF).
    End(usize),
    /// At the end of the window, with neither found.
    Window,
}

/// Pushes the span of every field of the line from `start` (whose first byte is not a quote)
/// that a delimiter ends, until the line's end, a quote that opens a field, or `window_end`,
/// finding delimiters, quotes and line ends in one pass 64 bytes at a time: a search for the
/// line's end before the search for its delimiters read every line twice, and a field's first
/// byte was loaded again to see whether it opens a quote. Gives where the first field not
/// pushed starts, how many were pushed, and where the scan stopped.
#[inline]
fn split_line(
    buf: &[u8],
    start: usize,
    window_end: usize,
    delimiter: u8,
    spans: &mut Vec<Span>,
) -> (usize, usize, LineStop) {
    let mut field_start = start;
    let mut fields = 0;
    let mut block = start;
    // Bit 0: the previous block ended with a delimiter, so a quote first in this one opens a
    // field.
    let mut carry = 0u64;
    while block < window_end {
        let len = (window_end - block).min(64);
        let masks = if block + 64 <= buf.len() {
            line_masks(&buf[block..block + 64], delimiter).within(len)
        } else {
            LineMasks::of_bytes(&buf[block..block + len], delimiter)
        };
        let opens = masks.quote & ((masks.delimiter << 1) | carry);
        carry = masks.delimiter >> 63;
        let stops = masks.line_end | opens;
        let mut delimiters = match stops {
            0 => masks.delimiter,
            _ => masks.delimiter & ((1u64 << stops.trailing_zeros()) - 1),
        };
        while delimiters != 0 {
            let at = block + delimiters.trailing_zeros() as usize;
            spans.push(span(field_start, at));
            fields += 1;
            field_start = at + 1;
            delimiters &= delimiters - 1;
        }
        if stops != 0 {
            let at = block + stops.trailing_zeros() as usize;
            let stop = match masks.line_end & (stops & stops.wrapping_neg()) {
                0 => LineStop::Quote,
                _ => LineStop::End(at),
            };
            return (field_start, fields, stop);
        }
        block += len;
    }
    (field_start, fields, LineStop::Window)
}

/// Bit `k` set where byte `k` of a block (at most 64 bytes) is the delimiter, a quote, a line
/// end (CR or LF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LineMasks {
    delimiter: u64,
    quote: u64,
    line_end: u64,
}

impl LineMasks {
    /// Byte by byte, for a block at the end of the buffer.
    fn of_bytes(bytes: &[u8], delimiter: u8) -> LineMasks {
        let mut masks = LineMasks {
            delimiter: 0,
            quote: 0,
            line_end: 0,
        };
        for (k, &b) in bytes.iter().enumerate().take(64) {
            masks.delimiter |= u64::from(b == delimiter) << k;
            masks.quote |= u64::from(b == b'"') << k;
            masks.line_end |= u64::from(b == b'\n' || b == b'\r') << k;
        }
        masks
    }

    /// Only the first `len` (1 to 64) bytes.
    #[inline]
    fn within(self, len: usize) -> LineMasks {
        let keep = u64::MAX >> (64 - len);
        LineMasks {
            delimiter: self.delimiter & keep,
            quote: self.quote & keep,
            line_end: self.line_end & keep,
        }
    }
}

/// [`LineMasks`] of the first 64 bytes of `bytes` (at least 64).
#[inline]
fn line_masks(bytes: &[u8], delimiter: u8) -> LineMasks {
    #[cfg(target_arch = "x86_64")]
    {
        line_masks_sse2(bytes, delimiter)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        LineMasks::of_bytes(&bytes[..64], delimiter)
    }
}

/// [`line_masks`] with SSE2, which every x86-64 processor has.
#[cfg(target_arch = "x86_64")]
#[inline]
fn line_masks_sse2(bytes: &[u8], delimiter: u8) -> LineMasks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let bytes = &bytes[..64];
    let mut masks = LineMasks {
        delimiter: 0,
        quote: 0,
        line_end: 0,
    };
    // SAFETY: SSE2 is part of every x86-64 processor (the intrinsics are unsafe only for
    // lacking a `#[target_feature]` on this function), and each load reads the 16 bytes of
    // `quarter`, with no alignment needed.
    unsafe {
        let delimiters = _mm_set1_epi8(delimiter as i8);
        let quotes = _mm_set1_epi8(b'"' as i8);
        let line_feeds = _mm_set1_epi8(b'\n' as i8);
        let returns = _mm_set1_epi8(b'\r' as i8);
        for (k, quarter) in bytes.chunks_exact(16).enumerate() {
            let lanes = _mm_loadu_si128(quarter.as_ptr().cast::<__m128i>());
            let bits = |pattern| _mm_movemask_epi8(_mm_cmpeq_epi8(lanes, pattern)) as u16;
            let ends = _mm_or_si128(
                _mm_cmpeq_epi8(lanes, line_feeds),
                _mm_cmpeq_epi8(lanes, returns),
            );
            masks.delimiter |= u64::from(bits(delimiters)) << (16 * k);
            masks.quote |= u64::from(bits(quotes)) << (16 * k);
            masks.line_end |= u64::from(_mm_movemask_epi8(ends) as u16) << (16 * k);
        }
    }
    masks
}

/// The first `needle` in `hay`, eight bytes at a time: fields are short, so a search without a
/// call or a dispatch beats a SIMD one here. A byte equal to the needle becomes a zero byte,
/// and the high bit of each zero byte is found exactly (no false positive past the first).
#[inline]
fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let pattern = LOW * u64::from(needle);
    let mut chunks = hay.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes) ^ pattern;
        let zeros = !(((word & SEVEN).wrapping_add(SEVEN)) | word | SEVEN);
        if zeros != 0 {
            return Some(offset + (zeros.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == needle)
        .map(|k| offset + k)
}

/// The start of a defective field, at most [`SHOWN`] bytes, cut at a character boundary.
fn shown_span(buf: &[u8], start: usize, end: usize) -> Span {
    let mut end = end.min(start + SHOWN).min(buf.len());
    while end > start && end < buf.len() && (buf[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    span(start, end)
}

/// A closed quoted field's content: in place, or unescaped into the scratch when it holds
/// doubled quotes.
fn push_quoted(out: &mut Records, buf: &[u8], content: usize, close: usize, doubled: bool) {
    if !doubled {
        out.spans.push(span(content, close));
        return;
    }
    let start = out.scratch.len();
    let mut rest = &buf[content..close];
    while let Some(at) = memchr::memchr(b'"', rest) {
        // Inside a closed field every quote is doubled.
        out.scratch.extend_from_slice(&rest[..=at]);
        rest = rest.get(at + 2..).unwrap_or_default();
    }
    out.scratch.extend_from_slice(rest);
    out.spans.push(Span {
        start: start as u32 | IN_SCRATCH,
        end: out.scratch.len() as u32,
    });
}

/// Splits a stream into batches of records, a buffer at a time.
pub struct BatchReader<R> {
    reader: R,
    splitter: Splitter,
    /// Initialised once to its whole length, so reading into it never zeroes memory again;
    /// the bytes read are `buf[..filled]`.
    buf: Vec<u8>,
    filled: usize,
    /// The next unsplit byte of `buf`.
    pos: usize,
    eof: bool,
    /// The stream offset of `buf[0]`.
    base: u64,
    /// Records that start at or after this offset are left alone (another range's).
    stop: u64,
    /// Bytes read at a time ([`BLOCK`] unless [`BatchReader::with_block`] says less).
    block: usize,
}

impl<R: Read> BatchReader<R> {
    pub fn new(reader: R, splitter: Splitter) -> Self {
        BatchReader {
            reader,
            splitter,
            buf: Vec::new(),
            filled: 0,
            pos: 0,
            eof: false,
            base: 0,
            stop: u64::MAX,
            block: BLOCK,
        }
    }

    /// Reads `block` bytes at a time (at least 64 KiB), not [`BLOCK`]: the many threads of a
    /// large machine each hold four blocks.
    pub fn with_block(mut self, block: usize) -> Self {
        self.block = block.clamp(MIN_BLOCK, BLOCK);
        self
    }

    /// Reads into `buffer` (a previous reader's, from [`BatchReader::into_buffer`]), so a
    /// thread reading range after range allocates its memory once.
    pub fn with_buffer(mut self, buffer: Vec<u8>) -> Self {
        self.buf = buffer;
        self
    }

    /// The reader's buffer, for the next reader.
    pub fn into_buffer(self) -> Vec<u8> {
        self.buf
    }

    /// The reader starts at this offset of the file (a range).
    pub fn at_offset(mut self, offset: u64) -> Self {
        self.base = offset;
        self
    }

    /// Stops before a record that starts at or after `offset`.
    pub fn stop_at(mut self, offset: u64) -> Self {
        self.stop = offset;
        self
    }

    pub fn splitter_mut(&mut self) -> &mut Splitter {
        &mut self.splitter
    }

    /// Where the next record starts, in the stream.
    pub fn position(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// 1-based physical line of the next record.
    pub fn line(&self) -> u64 {
        self.splitter.line()
    }

    /// Splits the next records, at most `max`, into `out` (emptied first); `false` when no
    /// record is left before the end of the input or the stop offset.
    pub fn next_batch(&mut self, out: &mut Records, max: usize) -> io::Result<bool> {
        out.clear();
        loop {
            while out.metas.len() < max && self.pos < self.filled && self.position() < self.stop {
                let text = &self.buf[..self.filled];
                match self.splitter.split(text, self.pos, self.eof, out) {
                    Step::Record(next) | Step::Skipped(next) => self.pos = next,
                    Step::Incomplete => break,
                }
            }
            if !out.metas.is_empty() {
                self.hand_over(out);
                return Ok(true);
            }
            // Nothing is incomplete at the end of the input, so this never loops on it.
            if self.position() >= self.stop || self.eof {
                return Ok(false);
            }
            self.fill()?;
        }
    }

    /// Gives `out` the buffer its records lie in, keeping the unsplit rest for the next batch
    /// in `out`'s old buffer.
    fn hand_over(&mut self, out: &mut Records) {
        let rest = self.filled - self.pos;
        let mut next = std::mem::take(&mut out.bytes);
        let size = (rest + self.block).max(next.len()).max(2 * self.block);
        if next.len() < size {
            next.resize(size, 0);
        }
        next[..rest].copy_from_slice(&self.buf[self.pos..self.filled]);
        out.bytes = std::mem::replace(&mut self.buf, next);
        self.base += self.pos as u64;
        self.pos = 0;
        self.filled = rest;
        out.check_text();
    }

    /// Reads at least one more byte behind what is left unsplit, or sets `eof`.
    fn fill(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.base += self.pos as u64;
            self.pos = 0;
        }
        if self.buf.len() < self.filled + self.block {
            let size = (2 * self.buf.len())
                .max(self.filled + self.block)
                .max(2 * self.block);
            self.buf.resize(size, 0);
        }
        // Near the stop offset only what the last record needs is read, not a whole block.
        let wanted = match self.stop {
            u64::MAX => self.buf.len(),
            stop => {
                let left = stop.saturating_sub(self.base + self.filled as u64) as usize;
                self.filled + left.clamp(MIN_BLOCK, self.block)
            }
        }
        .min(self.buf.len());
        loop {
            match self.reader.read(&mut self.buf[self.filled..wanted]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.filled += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Splits the records of an in-memory text (the head of a file, for the layout search), at
/// most `max`.
pub fn split_text(text: &[u8], delimiter: u8, max: usize) -> Records {
    let mut out = Records::default();
    let mut splitter = Splitter::new(delimiter);
    let mut pos = 0;
    while pos < text.len() && out.metas.len() < max {
        match splitter.split(text, pos, true, &mut out) {
            Step::Record(next) | Step::Skipped(next) => pos = next,
            Step::Incomplete => break,
        }
    }
    out.bytes = text.to_vec();
    out.check_text();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    type Split = Vec<(u64, Vec<String>, Option<Problem>)>;

    /// Splits `text` through a reader that hands out `step` bytes at a time, so records cross
    /// buffer ends everywhere.
    fn split_in_steps(text: &[u8], delimiter: u8, multiline: Vec<bool>, step: usize) -> Split {
        split_in_blocks(text, delimiter, multiline, step, BLOCK)
    }

    /// [`split_in_steps`] with a reader that reads `block` bytes at a time.
    fn split_in_blocks(
        text: &[u8],
        delimiter: u8,
        multiline: Vec<bool>,
        step: usize,
        block: usize,
    ) -> Split {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut splitter = Splitter::new(delimiter);
        splitter.set_multiline(multiline);
        let mut reader = BatchReader::new(Trickle(text, step), splitter).with_block(block);
        let mut records = Records::default();
        let mut out = Vec::new();
        while reader
            .next_batch(&mut records, usize::MAX)
            .expect("in-memory read")
        {
            for record in records.iter() {
                let fields = record
                    .fields()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                out.push((record.line(), fields, record.problem()));
            }
        }
        out
    }

    /// Splits `text` whole and in tiny steps, and checks both give the same records.
    fn split_with(text: &str, delimiter: u8, multiline: Vec<bool>) -> Split {
        let whole = split_in_steps(text.as_bytes(), delimiter, multiline.clone(), usize::MAX);
        for step in [1, 2, 3, 7] {
            let stepped = split_in_steps(text.as_bytes(), delimiter, multiline.clone(), step);
            assert_eq!(stepped, whole, "{text:?} read {step} bytes at a time");
        }
        whole
    }

    fn split(text: &str, delimiter: u8) -> Split {
        split_with(text, delimiter, Vec::new())
    }

    fn fields(text: &str) -> Vec<Vec<String>> {
        split(text, b',').into_iter().map(|(_, f, _)| f).collect()
    }

    #[test]
    fn one_scan_finds_the_fields_of_a_line_as_a_byte_by_byte_search() {
        // The reference: byte by byte from `start`, every field a delimiter ends, until a line
        // end, a quote right after a delimiter (within the window), or the window's end.
        fn reference(
            buf: &[u8],
            start: usize,
            window_end: usize,
            delimiter: u8,
        ) -> (usize, Vec<(u32, u32)>, LineStop) {
            let (mut field_start, mut spans) = (start, Vec::new());
            for k in start..window_end {
                match buf[k] {
                    b'\n' | b'\r' => return (field_start, spans, LineStop::End(k)),
                    b if b == delimiter => {
                        spans.push((field_start as u32, k as u32));
                        field_start = k + 1;
                        if field_start < window_end && buf[field_start] == b'"' {
                            return (field_start, spans, LineStop::Quote);
                        }
                    }
                    _ => {}
                }
            }
            (field_start, spans, LineStop::Window)
        }
        let mut text = Vec::new();
        for k in 0..300u32 {
            let bytes = [
                b',', b',', b'a', 0xC3, b'"', b'\n', b'a', b'\r', b';', b'a', b'a',
            ];
            // Line ends are rarer than the rest, so most scans cross several blocks.
            let pick = (k * 7 + k * k / 3) as usize % bytes.len();
            text.push(match bytes[pick] {
                b'\n' | b'\r' if k % 5 != 0 => b'b',
                b => b,
            });
        }
        let mut stops = [0; 3];
        for delimiter in [b',', b';'] {
            for start in 0..140 {
                if text[start] == b'"' {
                    continue;
                }
                for window in [0, 1, 63, 64, 65, 127, 128, 200] {
                    for len in [text.len(), start + window + 5, start + window + 70] {
                        let buf = &text[..len.min(text.len())];
                        let window_end = buf.len().min(start + window);
                        let mut spans = Vec::new();
                        let (next, fields, stop) =
                            split_line(buf, start, window_end, delimiter, &mut spans);
                        let found: Vec<(u32, u32)> =
                            spans.iter().map(|s| (s.start, s.end)).collect();
                        let (want_next, want_spans, want_stop) =
                            reference(buf, start, window_end, delimiter);
                        let at = format!("start {start}, window {window}, buffer {len}");
                        assert_eq!(
                            (next, &found, stop),
                            (want_next, &want_spans, want_stop),
                            "{at}"
                        );
                        assert_eq!(fields, found.len(), "{at}");
                        stops[match stop {
                            LineStop::Quote => 0,
                            LineStop::End(_) => 1,
                            LineStop::Window => 2,
                        }] += 1;
                    }
                }
            }
        }
        // Every way a scan stops was tried, many times.
        assert!(stops.iter().all(|&n| n > 100), "{stops:?}");
    }

    #[test]
    fn fields_of_a_line_stop_before_a_quote_that_opens_one() {
        let texts = |line: &[u8], spans: &[Span]| -> Vec<String> {
            spans
                .iter()
                .map(|s| String::from_utf8_lossy(&line[s.start as usize..s.end as usize]).into())
                .collect()
        };
        let line = b"a,,bb,\"q,x\"y,z\n";
        let mut spans = Vec::new();
        let found = split_line(line, 0, line.len(), b',', &mut spans);
        assert_eq!(found, (6, 3, LineStop::Quote));
        assert_eq!(texts(line, &spans), ["a", "", "bb"]);
        // A quote inside a field is an ordinary character; fields cross 64-byte blocks; the
        // last field (no delimiter after it) is left to the caller.
        let line = "ab\"c,dòng,".repeat(20) + "last\n";
        let line = line.as_bytes();
        let mut spans = Vec::new();
        let (next, fields, stop) = split_line(line, 0, line.len(), b',', &mut spans);
        assert_eq!((fields, stop), (40, LineStop::End(line.len() - 1)));
        assert_eq!(&line[next..], b"last\n");
        let want: Vec<String> = (0..20)
            .flat_map(|_| ["ab\"c".to_string(), "dòng".into()])
            .collect();
        assert_eq!(texts(line, &spans), want);
    }

    #[test]
    fn every_line_ending_ends_a_record() {
        let want = vec![
            vec!["a", "b"],
            vec!["c", "d"],
            vec!["e", "f"],
            vec!["g", "h"],
        ];
        for text in [
            "a,b\nc,d\ne,f\ng,h\n",
            "a,b\r\nc,d\r\ne,f\r\ng,h",
            "a,b\rc,d\re,f\rg,h\r",
            "a,b\rc,d\r\ne,f\ng,h",
        ] {
            assert_eq!(fields(text), want, "{text:?}");
            let lines: Vec<u64> = split(text, b',').iter().map(|r| r.0).collect();
            assert_eq!(lines, vec![1, 2, 3, 4], "{text:?}");
        }
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_line_breaks() {
        let records = split("id,name\n1,\"a, \"\"b\"\"\nc\"\n2,x\n", b',');
        assert_eq!(records[1].1, vec!["1", "a, \"b\"\nc"]);
        assert_eq!(records[1].0, 2);
        assert_eq!(records[2], (4, vec!["2".into(), "x".into()], None));
        // CR-only line ends inside quotes count as lines too.
        let records = split("1,\"a\rb\"\r2,x\r", b',');
        assert_eq!(records[1].0, 3);
        // CRLF inside quotes is one line break, kept as written.
        let records = split("1,\"a\r\nb\"\r\n2,x\r\n", b',');
        assert_eq!(records[0].1, vec!["1", "a\r\nb"]);
        assert_eq!(records[1].0, 3);
    }

    #[test]
    fn a_quote_inside_a_field_is_an_ordinary_character() {
        assert_eq!(
            fields("1,Phòng \"Ba\" cũ,x\n2,y,z\n"),
            vec![vec!["1", "Phòng \"Ba\" cũ", "x"], vec!["2", "y", "z"]]
        );
    }

    #[test]
    fn a_quote_left_open_costs_one_record() {
        let text = "1,\"Phòng Hai,x\n2,b,y\n3,c,z\n";
        let records = split(text, b',');
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].0, 1);
        assert_eq!(records[0].2, Some(Problem::UnterminatedQuote { field: 1 }));
        assert_eq!(
            records[1],
            (2, vec!["2".into(), "b".into(), "y".into()], None)
        );
        assert_eq!(
            records[2],
            (3, vec!["3".into(), "c".into(), "z".into()], None)
        );
    }

    #[test]
    fn a_closing_quote_followed_by_text_is_a_stray_quote() {
        // The quote "closes" on line 3 but is followed by text: lines 2 and 3 are read again.
        let text = "h1,h2\n\"a,b\nc,d\"x\ne,f\n";
        let records = split(text, b',');
        assert_eq!(records[1].0, 2);
        assert_eq!(records[1].2, Some(Problem::UnterminatedQuote { field: 0 }));
        assert_eq!(records[2], (3, vec!["c".into(), "d\"x".into()], None));
        assert_eq!(records[3], (4, vec!["e".into(), "f".into()], None));
        // On one line: the rest of that line is skipped.
        let records = split("\"ab\"cd,e\nf,g\n", b',');
        assert_eq!(records[0].2, Some(Problem::UnterminatedQuote { field: 0 }));
        assert_eq!(records[1], (2, vec!["f".into(), "g".into()], None));
    }

    #[test]
    fn a_line_break_in_a_one_line_column_costs_one_record() {
        // Column 0 (an id) never holds a line break; column 1 (a name) may.
        let multiline = vec![false, true];
        let text = "\"1\nstill open\",a\n2,b\n3,\"c\nd\"\n4,x\n";
        let records = split_with(text, b',', multiline.clone());
        assert_eq!(records[0].0, 1);
        assert_eq!(records[0].2, Some(Problem::LineBreakInField { field: 0 }));
        // Reading resumes on the line after the quote opened, which is read on its own.
        assert_eq!(
            records[1],
            (2, vec!["still open\"".into(), "a".into()], None)
        );
        assert_eq!(records[2], (3, vec!["2".into(), "b".into()], None));
        assert_eq!(records[3], (4, vec!["3".into(), "c\nd".into()], None));
        assert_eq!(records[4], (6, vec!["4".into(), "x".into()], None));
        // A quote that never closes properly stays an unterminated quote (DOMAIN.md §1).
        let records = split_with("\"1\n2,b\n", b',', multiline);
        assert_eq!(records[0].2, Some(Problem::UnterminatedQuote { field: 0 }));
        assert_eq!(records[1], (2, vec!["2".into(), "b".into()], None));
    }

    #[test]
    fn a_field_longer_than_the_read_blocks_is_kept_whole() {
        // Fields over several read blocks, plain and quoted with a line break, both under the
        // field limit.
        let long = "x".repeat(3 * BLOCK + 5);
        let half = "y".repeat(BLOCK + 5);
        assert!(long.len() < FIELD_LIMIT && 2 * half.len() < FIELD_LIMIT);
        let text = format!("a,{long},b\nc,\"{half}\n{half}\",d\ne,f,g\n");
        // The blocks of a reader on few threads, and of one on many.
        let reads =
            [BLOCK, MIN_BLOCK].map(|block| [usize::MAX, 100_000, 4096].map(|step| (block, step)));
        for (block, step) in reads.into_iter().flatten() {
            let multiline = vec![false, true, false];
            let records = split_in_blocks(text.as_bytes(), b',', multiline, step, block);
            assert_eq!(
                records.len(),
                3,
                "read {step} bytes at a time, in blocks of {block}"
            );
            assert_eq!(
                records[0],
                (1, vec!["a".into(), long.clone(), "b".into()], None)
            );
            assert_eq!(
                records[1],
                (
                    2,
                    vec!["c".into(), format!("{half}\n{half}"), "d".into()],
                    None
                )
            );
            assert_eq!(
                records[2],
                (4, vec!["e".into(), "f".into(), "g".into()], None)
            );
        }
    }

    #[test]
    fn a_line_longer_than_a_field_s_limit_keeps_its_many_fields() {
        // 1.6 MB of short fields on one line, a quoted one among them, then a plain line: the
        // one-pass scan stops at the field limit and the search for the line's end goes on.
        let fields = 200_000;
        let mut line: Vec<String> = (0..fields).map(|k| format!("f{k:06}")).collect();
        line[150_000] = "\"q,1\"".into();
        let text = format!("{}\nlast,line\n", line.join(","));
        assert!(text.len() > FIELD_LIMIT + 100);
        for step in [usize::MAX, 100_000] {
            let records = split_in_steps(text.as_bytes(), b',', Vec::new(), step);
            assert_eq!(records.len(), 2, "read {step} bytes at a time");
            assert_eq!(records[0].2, None);
            assert_eq!(records[0].1.len(), fields);
            assert_eq!(records[0].1[150_000], "q,1");
            assert_eq!(records[0].1[fields - 1], format!("f{:06}", fields - 1));
            assert_eq!(records[1], (2, vec!["last".into(), "line".into()], None));
        }
    }

    #[test]
    fn a_huge_field_is_not_stored() {
        let mut text = "a,".to_string();
        text.push_str(&"x".repeat(FIELD_LIMIT + 10));
        text.push_str(",b\nc,d\n");
        let records = split_in_steps(text.as_bytes(), b',', Vec::new(), usize::MAX);
        assert_eq!(records[0].2, Some(Problem::FieldTooLarge { field: 1 }));
        assert!(records[0].1[1].len() <= SHOWN);
        assert_eq!(records[1], (2, vec!["c".into(), "d".into()], None));
        let mut text = "\"".to_string();
        text.push_str(&"y\n".repeat(FIELD_LIMIT / 2 + 10));
        let records = split_in_steps(text.as_bytes(), b',', Vec::new(), 4096);
        assert_eq!(records[0].2, Some(Problem::UnterminatedQuote { field: 0 }));
        assert!(records[0].1[0].len() < 1000);
        assert_eq!(records.len(), 1 + FIELD_LIMIT / 2 + 9);
    }

    #[test]
    fn a_line_without_end_is_skipped_without_being_kept() {
        // 3 MiB without a line break, then a record: skipped in steps, never held whole.
        let mut text = vec![b'z'; 3 * FIELD_LIMIT];
        text.extend_from_slice(b"\nok,1\n");
        let records = split_in_steps(&text, b',', Vec::new(), 64 * 1024);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].2, Some(Problem::FieldTooLarge { field: 0 }));
        assert_eq!(records[1], (2, vec!["ok".into(), "1".into()], None));
    }

    #[test]
    fn blank_lines_and_a_missing_final_line_end() {
        let records = split("a\n\n;\nb", b';');
        assert_eq!(records.len(), 4);
        assert_eq!(records[3], (4, vec!["b".into()], None));
        assert!(split("", b',').is_empty());
        let records = split("a,\n,\r\nb,", b',');
        assert_eq!(records[2], (3, vec!["b".into(), String::new()], None));
    }

    #[test]
    fn a_range_stops_before_the_record_at_its_end_and_the_next_starts_there() {
        let text = b"h\n1,\"x\ny\"\n2,z\n3,w\n";
        // A stop inside the quoted field of record 1: that record is the first range's.
        let stop = 7;
        let mut first = BatchReader::new(&text[..], Splitter::new(b',')).stop_at(stop);
        let mut records = Records::default();
        let mut lines = Vec::new();
        while first.next_batch(&mut records, usize::MAX).unwrap() {
            lines.extend(records.iter().map(|r| r.line()));
        }
        assert_eq!(lines, vec![1, 2]);
        assert_eq!(first.position(), 10);
        assert_eq!(first.line(), 4);
        let rest = &text[10..];
        let second = BatchReader::new(rest, Splitter::new(b',').starting_at_line(4)).at_offset(10);
        let mut second = second;
        let mut lines = Vec::new();
        while second.next_batch(&mut records, usize::MAX).unwrap() {
            lines.extend(records.iter().map(|r| r.line()));
        }
        assert_eq!(lines, vec![4, 5]);
    }

    #[test]
    fn the_byte_search_finds_the_first_needle_anywhere() {
        for len in 0..40 {
            for at in 0..=len {
                let mut hay = vec![b'x'; len];
                // Bytes around the needle that trip naive word tricks.
                for (i, byte) in hay.iter_mut().enumerate() {
                    *byte = [b'x', 0x2D, 0x80, 0xFF, 0x01, 0x2B][i % 6];
                }
                if at < len {
                    hay[at] = b',';
                    if at + 1 < len {
                        hay[at + 1] = b',';
                    }
                }
                let want = hay.iter().position(|&b| b == b',');
                assert_eq!(find_byte(&hay, b','), want, "{hay:?}");
            }
        }
    }

    #[test]
    fn records_know_whether_they_are_text() {
        let records = split_text(b"a,b\n\xff,c\n", b',', 10);
        assert!(records.get(0).text(0).is_ok());
        assert!(records.get(1).text(0).is_err());
        assert_eq!(records.get(1).text(1).ok(), Some("c"));
    }
}
