//! Text rules of DOMAIN.md §1: folding (to match headers and vocabulary values), key text (ids,
//! codes and group names) and showing invisible characters in messages.
//!
//! Exports spell the same header or word in many ways: NFC or NFD Unicode, upper or lower case,
//! padded, with `_`/`-`/`.` instead of spaces, with `đ` or `d`. Folding maps all of them to one key.

use std::borrow::Cow;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Unicode general category Cf (format characters): zero-width space and joiners, direction
/// marks, the soft hyphen, a stray byte-order mark… Invisible, so a header or a code holding one
/// looks identical to one without; DOMAIN.md §1 drops them before matching.
pub fn is_format_char(ch: char) -> bool {
    matches!(ch,
        '\u{ad}'
        | '\u{600}'..='\u{605}'
        | '\u{61c}'
        | '\u{6dd}'
        | '\u{70f}'
        | '\u{890}'..='\u{891}'
        | '\u{8e2}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}'
        | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0001}'
        | '\u{e0020}'..='\u{e007f}')
}

/// Key text (ids, codes, unit and sector names; DOMAIN.md §1): trimmed, without format
/// characters, in NFC, so the same name typed or exported differently is one key. Inner spaces
/// are kept. Borrows in the common case of clean NFC text.
pub fn key_text(text: &str) -> Cow<'_, str> {
    // Ids and codes are ASCII, which holds no format character and is always NFC.
    if text.is_ascii() {
        return Cow::Borrowed(text.trim());
    }
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || is_format_char(c));
    let clean = !trimmed.chars().any(is_format_char);
    if clean && is_nfc_quick(trimmed.chars()) == IsNormalized::Yes {
        return Cow::Borrowed(trimmed);
    }
    let without: String = trimmed.chars().filter(|c| !is_format_char(*c)).collect();
    Cow::Owned(without.trim().nfc().collect())
}

/// Text as it may safely appear in a message: format and control characters, which a terminal
/// would hide, are written as escapes (`\u{200b}`), so two headers that look the same show how
/// they differ.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_format_char(c) || c.is_control()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if is_format_char(ch) || ch.is_control() {
            out.push_str(&ch.escape_unicode().to_string());
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// Folds `text` for comparison: NFD, combining marks and format characters dropped, `đ/Đ` → `d`,
/// lowercase, trimmed, and every run of spaces, `_`, `-` and `.` collapsed into one space.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.nfd() {
        if is_combining_mark(ch) || is_format_char(ch) {
            continue;
        }
        if ch.is_whitespace() || matches!(ch, '_' | '-' | '.') {
            pending_space = true;
            continue;
        }
        if pending_space && !folded.is_empty() {
            folded.push(' ');
        }
        pending_space = false;
        match ch {
            'đ' | 'Đ' => folded.push('d'),
            _ => folded.extend(ch.to_lowercase()),
        }
    }
    folded
}

/// The known name closest to `name` (at most a third of its letters off), to suggest it.
pub fn nearest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let distance = |a: &str, b: &str| -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut previous: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut current = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let substitution = previous[j] + usize::from(ca != *cb);
                current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
            }
            previous = current;
        }
        previous[b.len()]
    };
    known
        .iter()
        .map(|k| (distance(name, k), *k))
        .filter(|(d, _)| *d <= name.chars().count().max(3) / 3)
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_every_spelling_of_a_header_to_one_key() {
        let nfd = "Ngày tiếp nhận".nfd_string();
        let cases = [
            ("Ngày tiếp nhận", "ngay tiep nhan"),
            ("NGAY TIEP NHAN", "ngay tiep nhan"),
            ("ngay_tiep_nhan", "ngay tiep nhan"),
            (nfd.as_str(), "ngay tiep nhan"),
            ("  Ngày  tiếp nhận  ", "ngay tiep nhan"),
            ("Ngày - tiếp . nhận", "ngay tiep nhan"),
            ("Đơn vị", "don vi"),
            ("ĐƠN VỊ", "don vi"),
            ("Số hoá kết quả", "so hoa ket qua"),
            ("Phí (VNĐ)", "phi (vnd)"),
            ("Phí, lệ phí", "phi, le phi"),
            ("truc-tuyen", "truc tuyen"),
            ("awaiting_supplement", "awaiting supplement"),
            ("\u{feff}Mã hồ sơ", "ma ho so"),
            ("Mã\u{200b} hồ sơ", "ma ho so"),
            ("\u{200e}Ngày\u{200c} tiếp nhận\u{2060}", "ngay tiep nhan"),
            ("Mã\u{a0}hồ\u{2003}sơ", "ma ho so"),
            ("", ""),
            ("   ", ""),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), want, "fold({input:?})");
        }
    }

    #[test]
    fn key_text_drops_format_characters_and_composes() {
        use super::key_text;
        let nfd: String = "Phòng Văn hóa".nfd_string();
        assert_eq!(key_text("  Phòng Văn hóa "), "Phòng Văn hóa");
        assert_eq!(key_text(&nfd), "Phòng Văn hóa");
        assert_eq!(key_text("\u{200b}1.001230\u{feff}"), "1.001230");
        assert_eq!(key_text("Phòng\u{200d}  Hai"), "Phòng  Hai");
        assert_eq!(key_text(" \u{200b} "), "");
    }

    #[test]
    fn visible_escapes_what_a_terminal_hides() {
        use super::visible;
        assert_eq!(visible("Mã hồ sơ"), "Mã hồ sơ");
        assert_eq!(visible("Mã\u{200b} hồ sơ"), "Mã\\u{200b} hồ sơ");
        assert_eq!(visible("a\tb"), "a\\u{9}b");
    }

    trait NfdString {
        fn nfd_string(&self) -> String;
    }
    impl NfdString for str {
        fn nfd_string(&self) -> String {
            use unicode_normalization::UnicodeNormalization;
            self.nfd().collect()
        }
    }
}
