//! Splitting a decoded text stream into records: the dialect rules of DOMAIN.md §1 ("Line
//! endings and quotes"), independent of what the records mean.
//!
//! Lines end with LF, CRLF or CR alone, mixed in one file. A quote opens a quoted field only at
//! the start of a field; anywhere else it is an ordinary character (`Phòng "Ba" cũ`). A quoted
//! field may hold delimiters, doubled quotes and line breaks. A quote left open must not swallow
//! the rows after it: when a quoted field is still open at the end of the input, when its closing
//! quote is followed by anything but a delimiter or a line end, or when it runs past
//! [`FIELD_LIMIT`], the record is defective ([`Problem::UnterminatedQuote`]) and reading resumes
//! at the physical line after the one where the quote opened. An unquoted field over
//! [`FIELD_LIMIT`] makes its record defective ([`Problem::FieldTooLarge`]) without being stored,
//! so a file with no line breaks (or `/dev/zero`) never becomes one giant allocation.
//!
//! The csv crate cannot do this (its quote handling swallows the rest of the file, and it knows
//! no CR-only line ends), hence this small state machine.

use std::io::{self, Read};

/// The largest field kept; a larger one makes its record defective.
pub const FIELD_LIMIT: usize = 1 << 20;

/// Bytes read from the stream at a time.
const CHUNK: usize = 256 * 1024;

/// What is structurally wrong with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A quoted field that never closes properly; `field` is the 0-based field where it opened.
    UnterminatedQuote { field: usize },
    /// A field longer than [`FIELD_LIMIT`]; `field` is 0-based.
    FieldTooLarge { field: usize },
}

/// One record: its fields' bytes back to back, where each field ends, and where it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRecord {
    pub bytes: Vec<u8>,
    pub ends: Vec<usize>,
    /// 1-based physical line where the record starts.
    pub line: u64,
    pub problem: Option<Problem>,
}

impl RawRecord {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of field `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        self.bytes.get(start..end)
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.ends.len()).filter_map(|i| self.get(i))
    }

    /// An empty line, or one of only delimiters and spaces as spreadsheets leave below the data.
    pub fn is_blank(&self) -> bool {
        self.problem.is_none() && self.bytes.iter().all(u8::is_ascii_whitespace)
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.problem = None;
    }

    fn end_field(&mut self) {
        self.ends.push(self.bytes.len());
    }
}

/// Splits a stream of text into [`RawRecord`]s.
pub struct Splitter<R> {
    reader: R,
    delimiter: u8,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// 1-based physical line of the next unread byte.
    line: u64,
}

/// How a field ended.
enum FieldEnd {
    Delimiter,
    LineEnd,
    Eof,
}

impl<R: Read> Splitter<R> {
    pub fn new(reader: R, delimiter: u8) -> Self {
        Splitter {
            reader,
            delimiter,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            line: 1,
        }
    }

    /// 1-based physical line of the next unread byte.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Makes sure an unread byte is buffered; `false` at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.pos < self.buf.len() {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.buf.clear();
        self.pos = 0;
        self.buf.resize(CHUNK, 0);
        let n = loop {
            match self.reader.read(&mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.clear();
                    return Err(e);
                }
            }
        };
        self.buf.truncate(n);
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(if self.fill()? {
            Some(self.buf[self.pos])
        } else {
            None
        })
    }

    /// Consumes the line end that starts with `first` (CR, LF or CRLF); the CR or LF itself is
    /// already consumed. True when it was CRLF.
    fn finish_line_end(&mut self, first: u8) -> io::Result<bool> {
        self.line += 1;
        if first == b'\r' && self.peek()? == Some(b'\n') {
            self.pos += 1;
            return Ok(true);
        }
        Ok(false)
    }

    /// Skips to the start of the next physical line.
    fn skip_line(&mut self) -> io::Result<()> {
        while self.fill()? {
            let chunk = &self.buf[self.pos..];
            match chunk.iter().position(|b| matches!(b, b'\r' | b'\n')) {
                Some(at) => {
                    let first = chunk[at];
                    self.pos += at + 1;
                    return self.finish_line_end(first).map(drop);
                }
                None => self.pos = self.buf.len(),
            }
        }
        Ok(())
    }

    /// Puts `bytes` back in front of the unread input, to be read again from line `line`.
    fn replay(&mut self, bytes: &[u8], line: u64) {
        let mut rest = Vec::with_capacity(bytes.len() + self.buf.len() - self.pos);
        rest.extend_from_slice(bytes);
        rest.extend_from_slice(&self.buf[self.pos..]);
        self.buf = rest;
        self.pos = 0;
        self.line = line;
    }

    /// Reads the next record into `record`; `false` at the end of the input.
    pub fn read_record(&mut self, record: &mut RawRecord) -> io::Result<bool> {
        record.clear();
        if !self.fill()? {
            return Ok(false);
        }
        record.line = self.line;
        loop {
            let field = record.ends.len();
            let end = if self.peek()? == Some(b'"') {
                self.pos += 1;
                match self.quoted_field(record, field)? {
                    Some(end) => end,
                    // Defective: the reader is already placed where reading resumes.
                    None => return Ok(true),
                }
            } else {
                self.unquoted_field(record, field)?
            };
            record.end_field();
            match end {
                FieldEnd::Delimiter => {}
                FieldEnd::LineEnd | FieldEnd::Eof => return Ok(true),
            }
        }
    }

    fn unquoted_field(&mut self, record: &mut RawRecord, field: usize) -> io::Result<FieldEnd> {
        let start = record.bytes.len();
        let delimiter = self.delimiter;
        while self.fill()? {
            let chunk = &self.buf[self.pos..];
            let stop = chunk
                .iter()
                .position(|&b| b == delimiter || b == b'\n' || b == b'\r');
            let take = stop.unwrap_or(chunk.len());
            let room = FIELD_LIMIT.saturating_sub(record.bytes.len() - start);
            if take > room {
                record
                    .problem
                    .get_or_insert(Problem::FieldTooLarge { field });
            }
            if record.problem.is_none() {
                record.bytes.extend_from_slice(&chunk[..take]);
            }
            self.pos += take;
            if let Some(at) = stop {
                let byte = chunk[at];
                self.pos += 1;
                if byte == delimiter {
                    return Ok(FieldEnd::Delimiter);
                }
                self.finish_line_end(byte)?;
                return Ok(FieldEnd::LineEnd);
            }
        }
        Ok(FieldEnd::Eof)
    }

    /// A field that began with a quote (already consumed). `None` when the quote never closes
    /// properly: the record is then marked and the reader placed on the line after the quote's.
    fn quoted_field(
        &mut self,
        record: &mut RawRecord,
        field: usize,
    ) -> io::Result<Option<FieldEnd>> {
        let start = record.bytes.len();
        let opened_on = self.line;
        // The raw bytes after the first line break inside the quotes: where reading resumes if
        // the quote turns out to be a stray one.
        let mut capture: Option<Vec<u8>> = None;
        loop {
            if !self.fill()? {
                return Ok(self.stray_quote(record, field, opened_on, capture));
            }
            if record.bytes.len() - start > FIELD_LIMIT {
                if capture.is_none() {
                    // Still on the line where it opened: one long field, closed or not.
                    record.problem = Some(Problem::FieldTooLarge { field });
                }
                return Ok(self.stray_quote(record, field, opened_on, capture));
            }
            let chunk = &self.buf[self.pos..];
            let stop = chunk
                .iter()
                .position(|&b| b == b'"' || b == b'\n' || b == b'\r');
            let take = stop.unwrap_or(chunk.len());
            record.bytes.extend_from_slice(&chunk[..take]);
            if let Some(capture) = capture.as_mut() {
                capture.extend_from_slice(&chunk[..take]);
            }
            self.pos += take;
            let Some(at) = stop else { continue };
            let byte = chunk[at];
            self.pos += 1;
            if byte == b'"' {
                if let Some(capture) = capture.as_mut() {
                    capture.push(b'"');
                }
                match self.peek()? {
                    Some(b'"') => {
                        self.pos += 1;
                        record.bytes.push(b'"');
                        if let Some(capture) = capture.as_mut() {
                            capture.push(b'"');
                        }
                    }
                    None => return Ok(Some(FieldEnd::Eof)),
                    Some(next) if next == self.delimiter => {
                        self.pos += 1;
                        return Ok(Some(FieldEnd::Delimiter));
                    }
                    Some(next @ (b'\n' | b'\r')) => {
                        self.pos += 1;
                        self.finish_line_end(next)?;
                        return Ok(Some(FieldEnd::LineEnd));
                    }
                    Some(_) => return Ok(self.stray_quote(record, field, opened_on, capture)),
                }
            } else {
                // A line break inside the quotes belongs to the field.
                let crlf = self.finish_line_end(byte)?;
                let line_end: &[u8] = if crlf { b"\r\n" } else { &[byte] };
                record.bytes.extend_from_slice(line_end);
                match capture.as_mut() {
                    Some(capture) => capture.extend_from_slice(line_end),
                    // Reading resumes here if the quote turns out to be a stray one.
                    None => capture = Some(Vec::new()),
                }
            }
        }
    }

    /// Marks the record defective and places the reader on the line after `opened_on`.
    fn stray_quote(
        &mut self,
        record: &mut RawRecord,
        field: usize,
        opened_on: u64,
        capture: Option<Vec<u8>>,
    ) -> Option<FieldEnd> {
        record
            .problem
            .get_or_insert(Problem::UnterminatedQuote { field });
        // Keep only the start of the field, for the defect's value.
        let keep = record.ends.last().copied().unwrap_or(0) + 200;
        record.bytes.truncate(keep.min(record.bytes.len()));
        record.end_field();
        match capture {
            Some(rest) => self.replay(&rest, opened_on + 1),
            None => {
                // The quote opened on this line: resume at the next one.
                if self.skip_line().is_err() {
                    self.eof = true;
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, delimiter: u8) -> Vec<(u64, Vec<String>, Option<Problem>)> {
        let mut splitter = Splitter::new(text.as_bytes(), delimiter);
        let mut record = RawRecord::default();
        let mut out = Vec::new();
        while splitter.read_record(&mut record).expect("in-memory read") {
            let fields = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((record.line, fields, record.problem));
        }
        out
    }

    fn fields(text: &str) -> Vec<Vec<String>> {
        split(text, b',').into_iter().map(|(_, f, _)| f).collect()
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
    fn a_huge_field_is_not_stored() {
        let mut text = "a,".to_string();
        text.push_str(&"x".repeat(FIELD_LIMIT + 10));
        text.push_str(",b\nc,d\n");
        let records = split(&text, b',');
        assert_eq!(records[0].2, Some(Problem::FieldTooLarge { field: 1 }));
        assert_eq!(records[1], (2, vec!["c".into(), "d".into()], None));
        let mut text = "\"".to_string();
        text.push_str(&"y\n".repeat(FIELD_LIMIT / 2 + 10));
        let records = split(&text, b',');
        assert_eq!(records[0].2, Some(Problem::UnterminatedQuote { field: 0 }));
        assert!(records[0].1[0].len() < 1000);
        assert_eq!(records.len(), 1 + FIELD_LIMIT / 2 + 9);
    }

    #[test]
    fn blank_lines_and_a_missing_final_line_end() {
        let records = split("a\n\n;\nb", b';');
        assert_eq!(records.len(), 4);
        assert_eq!(records[3], (4, vec!["b".into()], None));
        assert!(split("", b',').is_empty());
    }
}
