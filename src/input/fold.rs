//! The folding rule of DOMAIN.md §1, used to match headers and vocabulary values.
//!
//! Exports spell the same header or word in many ways: NFC or NFD Unicode, upper or lower case,
//! padded, with `_`/`-`/`.` instead of spaces, with `đ` or `d`. Folding maps all of them to one key.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folds `text` for comparison: NFD, combining marks dropped, `đ/Đ` → `d`, lowercase, trimmed,
/// and every run of spaces, `_`, `-` and `.` collapsed into one space.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.nfd() {
        // A byte-order mark can survive at the start of a header or of a concatenated file.
        if is_combining_mark(ch) || ch == '\u{feff}' {
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
            ("", ""),
            ("   ", ""),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), want, "fold({input:?})");
        }
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
