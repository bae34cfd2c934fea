//! Opening an export: its encoding, its delimiter and which line holds the header.
//!
//! Everything is decided from the first 64 KiB, then the whole file is streamed: a non-UTF-8
//! file is transcoded on the fly (encoding_rs), never loaded whole.

use std::io::{Cursor, Read};

use anyhow::{bail, Result};
use encoding_rs::{
    Decoder, DecoderResult, Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, WINDOWS_1258,
};

use super::records::split_text;

/// Bytes looked at to detect the encoding, delimiter and header line.
pub const HEAD_BYTES: usize = 64 * 1024;
/// The header is looked for within this many lines (title rows above it are common in Excel).
pub const HEADER_SEARCH_LINES: usize = 20;
/// Delimiters recognised by sniffing.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Something about how a file was opened that its reader should know (a report warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenNote {
    pub kind: &'static str,
    pub message: String,
}

/// What was detected about one input, reported by `cchc check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    pub encoding: &'static Encoding,
    /// How the encoding was chosen: "byte-order mark", "detected", "forced".
    pub encoding_source: &'static str,
    pub bom: bool,
    pub delimiter: u8,
    /// 1-based physical line of the header.
    pub header_line: u64,
    /// Warnings about the encoding (UTF-16 without a byte-order mark, `--encoding` against one).
    pub notes: Vec<OpenNote>,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
}

/// Encoding names accepted by `--encoding`.
pub fn encoding_by_name(name: &str) -> Option<&'static Encoding> {
    match name.to_ascii_lowercase().replace('_', "-").as_str() {
        "utf-8" | "utf8" => Some(UTF_8),
        "utf-16le" | "utf16le" => Some(UTF_16LE),
        "utf-16be" | "utf16be" => Some(UTF_16BE),
        "windows-1258" | "cp1258" | "1258" => Some(WINDOWS_1258),
        "windows-1252" | "cp1252" | "1252" | "latin1" => Some(WINDOWS_1252),
        _ => None,
    }
}

/// Reads up to `buf.len()` bytes, fewer only at the end of the stream.
pub fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Chooses the encoding from the raw head: a byte-order mark, else UTF-8 when the head is valid
/// UTF-8, else Windows-1258 when the head decodes to Vietnamese, else Windows-1252.
pub fn detect_encoding(head: &[u8]) -> (&'static Encoding, &'static str, bool) {
    if let Some((encoding, _)) = Encoding::for_bom(head) {
        return (encoding, "byte-order mark", true);
    }
    if let Some(encoding) = utf16_without_bom(head) {
        return (encoding, UTF16_GUESSED, false);
    }
    // UTF-8 unless invalid sequences outnumber the valid multi-byte characters: a UTF-8 export
    // with a few bad bytes stays UTF-8 (those rows become defects), while a legacy 8-bit file
    // has almost no valid multi-byte sequences. A character cut at the end of the head is fine.
    let mut multibyte = 0usize;
    let mut invalid = 0usize;
    let chunks: Vec<_> = head.utf8_chunks().collect();
    for (i, chunk) in chunks.iter().enumerate() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        let cut_at_end = i + 1 == chunks.len() && chunk.invalid().len() < 4;
        if !chunk.invalid().is_empty() && !cut_at_end {
            invalid += 1;
        }
    }
    if invalid == 0 || multibyte > invalid {
        return (UTF_8, "detected", false);
    }
    let (text, _) = WINDOWS_1258.decode_without_bom_handling(head);
    let vietnamese = text.chars().any(|c| {
        matches!(c, 'đ' | 'Đ' | 'ơ' | 'Ơ' | 'ư' | 'Ư' | 'ă' | 'Ă')
            || ('\u{300}'..='\u{323}').contains(&c)
    });
    if vietnamese {
        (WINDOWS_1258, "detected", false)
    } else {
        (WINDOWS_1252, "detected", false)
    }
}

/// How [`detect_encoding`] says it recognised UTF-16 from its zero bytes.
pub const UTF16_GUESSED: &str = "detected from zero bytes (no byte-order mark)";

/// UTF-16 saved without a byte-order mark: text that is mostly ASCII has a zero byte in every
/// other position, odd positions for little-endian and even ones for big-endian.
fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let sample = &head[..head.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zero_at = |parity: usize| sample.iter().skip(parity).step_by(2).filter(|b| **b == 0);
    let (even, odd) = (zero_at(0).count(), zero_at(1).count());
    // At least a third of the characters ASCII, and (almost) no zero on the other side.
    if odd * 3 >= pairs && even * 20 <= odd {
        Some(UTF_16LE)
    } else if even * 3 >= pairs && odd * 20 <= even {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// A stream of UTF-8 bytes. UTF-8 input is passed through untouched, so an invalid byte stays
/// in its row and becomes that row's defect instead of failing the file. Other encodings are
/// transcoded; a malformed sequence (a lone UTF-16 surrogate) becomes the invalid byte 0xFF
/// rather than U+FFFD, so it too makes its row defective instead of being replaced silently.
pub fn decoded<R: Read + Send + 'static>(
    raw: R,
    encoding: &'static Encoding,
) -> Box<dyn Read + Send> {
    if encoding == UTF_8 {
        Box::new(raw)
    } else {
        Box::new(Transcoder {
            inner: raw,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; 64 * 1024],
            input_start: 0,
            input_end: 0,
            input_done: false,
            output: Vec::with_capacity(256 * 1024),
            output_start: 0,
            finished: false,
        })
    }
}

/// Transcodes to UTF-8 while streaming, marking malformed input instead of replacing it.
struct Transcoder<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    input_start: usize,
    input_end: usize,
    input_done: bool,
    output: Vec<u8>,
    output_start: usize,
    finished: bool,
}

/// Stands for a malformed sequence in the UTF-8 output: never valid UTF-8.
const MALFORMED: u8 = 0xFF;

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.output_start < self.output.len() {
                let n = buf.len().min(self.output.len() - self.output_start);
                buf[..n].copy_from_slice(&self.output[self.output_start..self.output_start + n]);
                self.output_start += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            if self.input_start == self.input_end && !self.input_done {
                let n = read_up_to(&mut self.inner, &mut self.input)?;
                self.input_start = 0;
                self.input_end = n;
                self.input_done = n < self.input.len();
            }
            self.output.clear();
            self.output
                .resize(self.output.capacity().max(256 * 1024), 0);
            self.output_start = 0;
            let last = self.input_done;
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.input_start..self.input_end],
                &mut self.output,
                last,
            );
            self.input_start += read;
            self.output.truncate(written);
            match result {
                DecoderResult::InputEmpty => self.finished = last,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(_, _) => self.output.push(MALFORMED),
            }
        }
    }
}

/// Refuses files that are clearly not CSV, with what to do instead.
pub fn refuse_non_csv(head: &[u8]) -> Result<()> {
    if head.iter().all(u8::is_ascii_whitespace) {
        bail!("the file is empty: expected a header line and data rows");
    }

    if head.starts_with(b"PK\x03\x04") {
        bail!("this is an Excel workbook (.xlsx), not CSV: open it in Excel or LibreOffice and save it as \"CSV UTF-8\"");
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        bail!("this is an old Excel workbook (.xls), not CSV: open it in Excel or LibreOffice and save it as \"CSV UTF-8\"");
    }
    if head.starts_with(b"%PDF") {
        bail!("this is a PDF document, not CSV: export the dossier list from the one-stop system as CSV or Excel");
    }
    let text_like = Encoding::for_bom(head).is_some() || utf16_without_bom(head).is_some();
    if !text_like && head.contains(&0) {
        bail!("this file holds binary data (zero bytes), not CSV text: export the dossier list from the one-stop system as CSV or Excel");
    }
    Ok(())
}

/// Finds the header line and delimiter in the decoded head: among the first lines, the one
/// whose cells match the most known header names, under the delimiter that matches most.
/// Without any match, the first line is the header and the delimiter is the most frequent.
pub fn detect_layout(
    head: &[u8],
    forced: Option<u8>,
    is_header: &dyn Fn(&str) -> bool,
) -> (u8, u64) {
    let candidates: Vec<u8> = match forced {
        Some(d) => vec![d],
        None => DELIMITERS.to_vec(),
    };
    let mut best: Option<(usize, u8, u64)> = None;
    for &delimiter in &candidates {
        for record in split_text(head, delimiter, HEADER_SEARCH_LINES).iter() {
            let matches = record
                .fields()
                .filter(|cell| is_header(&String::from_utf8_lossy(cell)))
                .count();
            let line = record.line();
            if matches > 0 && best.is_none_or(|(m, _, _)| matches > m) {
                best = Some((matches, delimiter, line));
            }
        }
    }
    match best {
        Some((_, delimiter, line)) => (delimiter, line),
        None => (forced.unwrap_or_else(|| most_frequent_delimiter(head)), 1),
    }
}

/// Without recognisable headers: the candidate that splits the most of the first lines into the
/// same number (> 1) of fields as the first line; ties go to the one most frequent on it.
fn most_frequent_delimiter(head: &[u8]) -> u8 {
    let score = |delimiter: u8| -> (usize, usize) {
        let mut first = None;
        let mut consistent = 0;
        for record in split_text(head, delimiter, HEADER_SEARCH_LINES).iter() {
            let fields = record.len();
            let first = *first.get_or_insert(fields);
            if fields > 1 && fields == first {
                consistent += 1;
            }
        }
        (consistent, first.unwrap_or(0))
    };
    let mut best = (DELIMITERS[0], (0, 0));
    for delimiter in DELIMITERS {
        let s = score(delimiter);
        if s > best.1 {
            best = (delimiter, s);
        }
    }
    best.0
}

/// Opens a raw byte stream: detects the encoding (unless forced), decodes, and reads the decoded
/// head for the layout. Returns the dialect and a UTF-8 stream from the start of the file.
pub fn open<R: Read + Send + 'static>(
    mut raw: R,
    forced_encoding: Option<&'static Encoding>,
    forced_delimiter: Option<u8>,
    is_header: &dyn Fn(&str) -> bool,
) -> Result<(Dialect, Box<dyn Read + Send>)> {
    let mut head = vec![0u8; HEAD_BYTES];
    let len = read_up_to(&mut raw, &mut head)?;
    head.truncate(len);
    refuse_non_csv(&head)?;
    let mut notes = Vec::new();
    let bom_encoding = Encoding::for_bom(&head).map(|(e, _)| e);
    let (encoding, encoding_source, bom) = match forced_encoding {
        Some(e) => {
            if let Some(marked) = bom_encoding.filter(|m| *m != e) {
                notes.push(OpenNote {
                    kind: "encoding_overrides_bom",
                    message: format!(
                        "the file starts with a {} byte-order mark, but --encoding {} was given: read as {}",
                        marked.name(),
                        e.name(),
                        e.name()
                    ),
                });
            }
            (e, "forced", bom_encoding.is_some())
        }
        None => detect_encoding(&head),
    };
    if encoding_source == UTF16_GUESSED {
        notes.push(OpenNote {
            kind: "utf16_without_bom",
            message: format!(
                "the file has no byte-order mark, but its zero bytes show {}: read as {}",
                encoding.name(),
                encoding.name()
            ),
        });
    }
    // The decoder below handles no byte-order mark: strip one that matches the encoding.
    let bom_length = match bom_encoding {
        Some(marked) if marked == encoding && encoding != UTF_8 => 2,
        _ => 0,
    };
    let head = head.split_off(bom_length.min(head.len()));
    let mut stream = decoded(Cursor::new(head).chain(raw), encoding);
    let mut decoded_head = vec![0u8; HEAD_BYTES];
    let len = read_up_to(&mut stream, &mut decoded_head)?;
    decoded_head.truncate(len);
    // A UTF-8 byte-order mark passes through undecoded; it is not part of the first header.
    let skip = if decoded_head.starts_with("\u{feff}".as_bytes()) {
        3
    } else {
        0
    };
    let body = decoded_head.split_off(skip);
    if body.iter().all(u8::is_ascii_whitespace) {
        bail!("the file is empty: expected a header line and data rows");
    }
    // The header is looked for in a bounded prefix: a "file" with no line break in it (a dump,
    // /dev/urandom) is refused instead of being read for ever in search of one.
    if body.len() + skip >= HEAD_BYTES && !body.iter().any(|b| matches!(b, b'\n' | b'\r')) {
        bail!(
            "no line break in the first {} KiB: this is not a CSV export with a header line",
            HEAD_BYTES / 1024
        );
    }
    let (delimiter, header_line) = detect_layout(&body, forced_delimiter, is_header);
    let dialect = Dialect {
        encoding,
        encoding_source,
        bom: bom || skip > 0,
        delimiter,
        header_line,
        notes,
        sheet: None,
    };
    Ok((dialect, Box::new(Cursor::new(body).chain(stream))))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::input::HeaderMatcher;

    fn is_dossier_header(cell: &str) -> bool {
        HeaderMatcher::<crate::input::Field>::new(&[])
            .field_of(cell)
            .is_some()
    }

    fn matcher() -> &'static dyn Fn(&str) -> bool {
        &is_dossier_header
    }

    #[test]
    fn layout_finds_the_header_below_title_rows() {
        let head = "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH\n\nDANH SÁCH HỒ SƠ;;\nSTT;Mã hồ sơ;Ngày tiếp nhận;Trạng thái\n1;A;01/01/2024;2\n";
        assert_eq!(detect_layout(head.as_bytes(), None, matcher()), (b';', 4));
    }

    #[test]
    fn layout_sniffs_every_delimiter() {
        for delimiter in DELIMITERS {
            let d = delimiter as char;
            let head = format!("Mã hồ sơ{d}Ngày tiếp nhận{d}Phí\nA{d}01/01/2024{d}\"1,500\"\n");
            assert_eq!(
                detect_layout(head.as_bytes(), None, matcher()),
                (delimiter, 1),
                "{d:?}"
            );
        }
    }

    #[test]
    fn without_known_headers_the_first_line_and_most_frequent_delimiter_win() {
        assert_eq!(detect_layout(b"a;b;c\n1;2;3", None, matcher()), (b';', 1));
        assert_eq!(detect_layout(b"a|b|c,d\n", None, matcher()), (b'|', 1));
        // The data lines decide when the first line alone is ambiguous.
        assert_eq!(
            detect_layout(b"a,b;c\n1,2;3\n4,5;6\n", None, matcher()).0,
            b','
        );
        assert_eq!(
            detect_layout(b"a;b,c;d\n1;2,5;3\n4;5;6\n", None, matcher()).0,
            b';'
        );
        assert_eq!(detect_layout(b"a;b\n", Some(b','), matcher()), (b',', 1));
    }

    #[test]
    fn encodings_are_detected() {
        assert_eq!(detect_encoding("Mã hồ sơ".as_bytes()).0, UTF_8);
        assert_eq!(
            detect_encoding(b"\xEF\xBB\xBFabc"),
            (UTF_8, "byte-order mark", true)
        );
        assert_eq!(detect_encoding(b"\xFF\xFEa\x00").0, UTF_16LE);
        assert_eq!(detect_encoding(b"\xFE\xFF\x00a").0, UTF_16BE);
        let (cp1258, _, _) = WINDOWS_1258.encode("Mã hồ sơ,Đơn vị");
        assert_eq!(detect_encoding(&cp1258).0, WINDOWS_1258);
        let (cp1252, _, _) = WINDOWS_1252.encode("Café,Größe");
        assert_eq!(detect_encoding(&cp1252).0, WINDOWS_1252);
        // A character cut at the end of the head does not make UTF-8 look invalid.
        let cut = &"Mã hồ".as_bytes()[..6];
        assert_eq!(detect_encoding(cut).0, UTF_8);
        // A UTF-8 export with one bad byte is still UTF-8: the bad row becomes a defect.
        let mut one_bad = "Mã hồ sơ,Ngày tiếp nhận\nA,Bình thường\n"
            .as_bytes()
            .to_vec();
        one_bad.push(0xEC);
        one_bad.extend_from_slice("\nB,Hài lòng\n".as_bytes());
        assert_eq!(detect_encoding(&one_bad).0, UTF_8);
    }

    #[test]
    fn non_csv_files_are_refused_with_advice() {
        let message = refuse_non_csv(b"PK\x03\x04rest").unwrap_err().to_string();
        assert!(message.contains("save it as"), "{message}");
        assert!(refuse_non_csv(b"  \n").is_err());
        assert!(refuse_non_csv(b"%PDF-1.7").is_err());
        assert!(refuse_non_csv(b"a,b\n").is_ok());
    }
}
