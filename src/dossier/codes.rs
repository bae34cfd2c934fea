//! The coded values of a dossier (DOMAIN.md §1 "Value vocabularies"): status, service level,
//! channel, payment and rating, each an enum with its national code, its canonical text and
//! every spelling exports use.
//!
//! A [`Vocabulary`] is the data behind one enum: what each code is called in conditions,
//! datasets and the targets file's `[values]` tables, and the folded spellings that mean it.
//! Parsing folds the cell (DOMAIN.md §1's matching rule) and looks the spelling up.

use crate::text::fold;

/// One coded value of a vocabulary.
#[derive(Debug)]
pub struct CodeValue {
    /// The code the row carries (the national code for status and level).
    pub code: i8,
    /// Its canonical text: the value in conditions and datasets for text-coded fields, and a
    /// meaning's name in `[values.<field>]`.
    pub name: &'static str,
    /// Spellings in exports, already folded.
    pub spellings: &'static [&'static str],
}

/// How conditions and datasets see a coded field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeType {
    /// A number (status 1–10, level 2/3/4), NULL when unknown.
    Number,
    /// A text from a fixed list (`'online'`, `'satisfied'`).
    Text,
}

/// The vocabulary of one coded field.
#[derive(Debug)]
pub struct Vocabulary {
    /// What the value is, in messages ("unknown status \"x\"").
    pub noun: &'static str,
    pub values: &'static [CodeValue],
    /// What a blank cell (or a missing column) means: a code, or [`NONE`] for no value (NULL).
    pub blank: i8,
    pub code_type: CodeType,
    /// The `[values]` meaning that maps a spelling to no value (NULL).
    pub none_meaning: Option<&'static str>,
}

/// The code of "no value": SQL's NULL in conditions and datasets.
pub const NONE: i8 = 0;

/// Why a cell is not one of the vocabulary's spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSpelling {
    pub reason: String,
}

impl Vocabulary {
    /// The code of a cell as written, or why it is not understood. Blank is [`Vocabulary::blank`].
    pub fn parse(&self, text: &str) -> Result<i8, UnknownSpelling> {
        self.parse_folded(&fold(text))
            .ok_or_else(|| UnknownSpelling {
                reason: format!("unknown {} {:?}", self.noun, text.trim()),
            })
    }

    /// The code of an already folded spelling.
    pub fn parse_folded(&self, folded: &str) -> Option<i8> {
        if folded.is_empty() {
            return Some(self.blank);
        }
        self.values
            .iter()
            .find(|v| v.spellings.contains(&folded))
            .map(|v| v.code)
    }

    pub fn value(&self, code: i8) -> Option<&'static CodeValue> {
        self.values.iter().find(|v| v.code == code)
    }

    /// The canonical text of a code (`None` for [`NONE`]).
    pub fn name(&self, code: i8) -> Option<&'static str> {
        self.value(code).map(|v| v.name)
    }

    /// The code a canonical text names (`'online'` in a condition, a dataset cell).
    pub fn code_of_name(&self, name: &str) -> Option<i8> {
        self.values.iter().find(|v| v.name == name).map(|v| v.code)
    }

    /// The code a `[values.<field>]` meaning names: a canonical text, a number for numeric
    /// vocabularies, or the no-value meaning. The error lists the meanings.
    pub fn meaning(&self, meaning: &str) -> Result<i8, String> {
        if Some(meaning) == self.none_meaning {
            return Ok(NONE);
        }
        if let Some(code) = self.code_of_name(meaning) {
            return Ok(code);
        }
        if self.code_type == CodeType::Number {
            if let Some(value) = meaning.parse::<i8>().ok().and_then(|code| self.value(code)) {
                return Ok(value.code);
            }
        }
        Err(self.meanings())
    }

    /// The meanings a `[values.<field>]` table takes, for messages.
    pub fn meanings(&self) -> String {
        let mut names: Vec<String> = self
            .values
            .iter()
            .map(|v| match self.code_type {
                CodeType::Number => format!("{} ({})", v.name, v.code),
                CodeType::Text => v.name.to_string(),
            })
            .collect();
        names.extend(self.none_meaning.map(String::from));
        names.join(", ")
    }
}

/// Online service level after Decree 42/2022: 2 = information only (levels 1–2),
/// 3 = một phần (partly online), 4 = toàn trình (fully online). Blank is unknown, never 3/4.
pub static LEVEL: Vocabulary = Vocabulary {
    noun: "service level",
    values: &[
        CodeValue {
            code: 2,
            name: "info",
            spellings: &[
                "1",
                "2",
                "muc 1",
                "muc 2",
                "muc do 1",
                "muc do 2",
                "dich vu cung cap thong tin",
                "dvc thong tin",
                "dvc cung cap thong tin",
            ],
        },
        CodeValue {
            code: 3,
            name: "partial",
            spellings: &[
                "3",
                "muc 3",
                "muc do 3",
                "mot phan",
                "dvctt mot phan",
                "dvc truc tuyen mot phan",
                "dich vu cong truc tuyen mot phan",
            ],
        },
        CodeValue {
            code: 4,
            name: "full",
            spellings: &[
                "4",
                "muc 4",
                "muc do 4",
                "toan trinh",
                "dvctt toan trinh",
                "dvc truc tuyen toan trinh",
                "dich vu cong truc tuyen toan trinh",
            ],
        },
    ],
    blank: NONE,
    code_type: CodeType::Number,
    none_meaning: Some("unknown"),
};

/// Submission channel, numbered by the national codes. Blank means the dossier was handed in at
/// the counter (Decision 766 rule).
pub static CHANNEL: Vocabulary = Vocabulary {
    noun: "channel",
    values: &[
        CodeValue {
            code: 1,
            name: "direct",
            spellings: &[
                "1",
                "truc tiep",
                "tai quay",
                "nop truc tiep",
                "in person",
                "direct",
            ],
        },
        CodeValue {
            code: 2,
            name: "online",
            spellings: &[
                "2",
                "truc tuyen",
                "online",
                "qua mang",
                "dich vu cong truc tuyen",
                "cong dich vu cong",
                "nop truc tuyen",
            ],
        },
        CodeValue {
            code: 3,
            name: "postal",
            spellings: &[
                "3",
                "buu chinh",
                "buu chinh cong ich",
                "bcci",
                "qua buu dien",
                "postal",
            ],
        },
    ],
    blank: 1,
    code_type: CodeType::Text,
    none_meaning: None,
};

/// The national 10-code dossier status list, its Vietnamese words and English names. Blank is no
/// status: the row is then treated as if the export had no status column.
pub static STATUS: Vocabulary = Vocabulary {
    noun: "status",
    values: &[
        CodeValue {
            code: 1,
            name: "new",
            spellings: &["1", "moi dang ky", "new"],
        },
        CodeValue {
            code: 2,
            name: "received",
            spellings: &["2", "duoc tiep nhan", "da tiep nhan", "received"],
        },
        CodeValue {
            code: 3,
            name: "refused",
            spellings: &["3", "khong duoc tiep nhan", "tu choi tiep nhan", "refused"],
        },
        CodeValue {
            code: 4,
            name: "processing",
            spellings: &["4", "dang xu ly", "dang giai quyet", "processing"],
        },
        CodeValue {
            code: 5,
            name: "awaiting_supplement",
            spellings: &["5", "yeu cau bo sung", "cho bo sung", "awaiting supplement"],
        },
        CodeValue {
            code: 6,
            name: "awaiting_payment",
            spellings: &[
                "6",
                "yeu cau thuc hien nghia vu tai chinh",
                "cho thuc hien nghia vu tai chinh",
                "awaiting payment",
            ],
        },
        CodeValue {
            code: 7,
            name: "withdrawn",
            spellings: &[
                "7",
                "cong dan yeu cau rut ho so",
                "rut ho so",
                "da rut",
                "withdrawn",
            ],
        },
        CodeValue {
            code: 8,
            name: "stopped",
            spellings: &[
                "8",
                "dung xu ly",
                "tra lai",
                "tu choi giai quyet",
                "stopped",
            ],
        },
        CodeValue {
            code: 9,
            name: "resolved",
            spellings: &[
                "9",
                "da xu ly xong",
                "da co ket qua",
                "hoan thanh",
                "resolved",
            ],
        },
        CodeValue {
            code: 10,
            name: "returned",
            spellings: &["10", "da tra ket qua", "returned"],
        },
    ],
    blank: NONE,
    code_type: CodeType::Number,
    none_meaning: None,
};

/// Payment: online only through the national payment platform or a provincial gateway
/// (`1`, `2`). A bank transfer at the counter (`Chuyển khoản`) is not online payment; blank is
/// not online.
pub static PAYMENT: Vocabulary = Vocabulary {
    noun: "payment method",
    values: &[
        CodeValue {
            code: 1,
            name: "online",
            spellings: &[
                "truc tuyen",
                "thanh toan truc tuyen",
                "online",
                "cong thanh toan",
                "nen tang thanh toan",
                "1",
                "2",
            ],
        },
        CodeValue {
            code: 2,
            name: "not_online",
            spellings: &[
                "tien mat",
                "chuyen khoan",
                "truc tiep",
                "khong",
                "0",
                "cash",
                "bank transfer",
            ],
        },
    ],
    blank: 2,
    code_type: CodeType::Text,
    none_meaning: None,
};

/// `Đánh giá`: satisfied or rated but not satisfied (neutral counts as not satisfied); blank is
/// not rated (NULL).
pub static RATING: Vocabulary = Vocabulary {
    noun: "rating",
    values: &[
        CodeValue {
            code: 1,
            name: "satisfied",
            spellings: &["rat hai long", "hai long", "very satisfied", "satisfied"],
        },
        CodeValue {
            code: 2,
            name: "not_satisfied",
            spellings: &[
                "binh thuong",
                "khong hai long",
                "rat khong hai long",
                "neutral",
                "dissatisfied",
                "very dissatisfied",
            ],
        },
    ],
    blank: NONE,
    code_type: CodeType::Text,
    none_meaning: Some("not_rated"),
};

/// Declares a vocabulary's enum: its variants carry the vocabulary's codes.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident, $vocabulary:path, { $($variant:ident = $code:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(i8)]
        pub enum $name {
            $($variant = $code,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub const VOCABULARY: &'static Vocabulary = &$vocabulary;

            /// The value a row's code stands for (`None`: no value).
            pub fn from_code(code: i8) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| *v as i8 == code)
            }

            pub fn code(self) -> i8 {
                self as i8
            }

            /// The canonical text (`'online'`, `'satisfied'`; the meaning name for numbers).
            pub fn name(self) -> &'static str {
                Self::VOCABULARY.name(self as i8).unwrap_or_default()
            }
        }
    };
}

code_enum!(
    /// National dossier status.
    Status, STATUS, {
        New = 1, Received = 2, Refused = 3, Processing = 4, AwaitingSupplement = 5,
        AwaitingPayment = 6, Withdrawn = 7, Stopped = 8, Resolved = 9, Returned = 10,
    }
);
code_enum!(
    /// Online service level (Decree 42/2022).
    Level, LEVEL, { Info = 2, Partial = 3, Full = 4 }
);
code_enum!(
    /// Submission channel.
    Channel, CHANNEL, { Direct = 1, Online = 2, Postal = 3 }
);
code_enum!(
    /// Payment method, as the indicators see it.
    Payment, PAYMENT, { Online = 1, NotOnline = 2 }
);
code_enum!(
    /// A citizen's rating of the result.
    Rating, RATING, { Satisfied = 1, NotSatisfied = 2 }
);

impl Status {
    /// Accepted at intake (DOMAIN.md §2): every status but 1 (new) and 3 (refused at intake).
    /// A row without a status is accepted.
    pub fn is_accepted(self) -> bool {
        !matches!(self, Status::New | Status::Refused)
    }

    /// Finished: a result was reached (9) and possibly returned (10).
    pub fn is_finished(self) -> bool {
        matches!(self, Status::Resolved | Status::Returned)
    }

    /// Ended (DOMAIN.md §8): withdrawn, stopped or finished; no longer in progress.
    pub fn is_ended(self) -> bool {
        matches!(self, Status::Withdrawn | Status::Stopped) || self.is_finished()
    }
}

impl Level {
    /// Offered online at level 3 or 4 (một phần, toàn trình).
    pub fn is_online(self) -> bool {
        matches!(self, Level::Partial | Level::Full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabularies() -> [&'static Vocabulary; 5] {
        [&LEVEL, &CHANNEL, &STATUS, &PAYMENT, &RATING]
    }

    #[test]
    fn spellings_are_stored_folded_and_belong_to_one_code() {
        for vocabulary in vocabularies() {
            let mut seen = std::collections::HashSet::new();
            for value in vocabulary.values {
                assert_ne!(value.code, NONE, "{}", vocabulary.noun);
                for spelling in value.spellings {
                    assert_eq!(fold(spelling), *spelling, "{}", vocabulary.noun);
                    assert!(seen.insert(*spelling), "{spelling} twice");
                }
            }
        }
    }

    #[test]
    fn the_enums_carry_the_vocabularies_codes() {
        for status in Status::ALL {
            assert_eq!(Status::from_code(status.code()), Some(*status));
        }
        assert_eq!(Status::AwaitingSupplement.name(), "awaiting_supplement");
        assert_eq!(Channel::Online.name(), "online");
        assert_eq!(Payment::NotOnline.name(), "not_online");
        assert_eq!(Rating::Satisfied.name(), "satisfied");
        assert_eq!(Level::Full.code(), 4);
        assert_eq!(Level::ALL.len(), LEVEL.values.len());
        assert_eq!(Status::ALL.len(), STATUS.values.len());
        assert_eq!(Status::from_code(NONE), None);
    }

    #[test]
    fn accepted_finished_and_ended() {
        let accepted: Vec<i8> = Status::ALL
            .iter()
            .filter(|s| !s.is_accepted())
            .map(|s| s.code())
            .collect();
        assert_eq!(accepted, [1, 3]);
        let ended: Vec<i8> = Status::ALL
            .iter()
            .filter(|s| s.is_ended())
            .map(|s| s.code())
            .collect();
        assert_eq!(ended, [7, 8, 9, 10]);
        assert!(Level::Partial.is_online() && !Level::Info.is_online());
    }

    #[test]
    fn levels() {
        let cases = [
            ("1", 2),
            ("2", 2),
            ("Mức 2", 2),
            ("Mức độ 2", 2),
            ("Dịch vụ cung cấp thông tin", 2),
            ("DVC thông tin", 2),
            ("3", 3),
            ("Mức 3", 3),
            ("MỨC ĐỘ 3", 3),
            ("Một phần", 3),
            ("DVCTT một phần", 3),
            ("4", 4),
            ("Mức 4", 4),
            ("Mức độ 4", 4),
            ("Toàn trình", 4),
            ("DVCTT toàn trình", 4),
            ("  toàn   trình ", 4),
            ("", NONE),
        ];
        for (text, want) in cases {
            assert_eq!(LEVEL.parse(text), Ok(want), "{text:?}");
        }
        assert_eq!(
            LEVEL.parse("Mức 5").unwrap_err().reason,
            "unknown service level \"Mức 5\""
        );
    }

    #[test]
    fn channels_with_blank_as_direct() {
        let cases = [
            ("", Channel::Direct),
            ("1", Channel::Direct),
            ("Trực tiếp", Channel::Direct),
            ("Tại quầy", Channel::Direct),
            ("Nộp trực tiếp", Channel::Direct),
            ("in_person", Channel::Direct),
            ("2", Channel::Online),
            ("Trực tuyến", Channel::Online),
            ("Online", Channel::Online),
            ("Qua mạng", Channel::Online),
            ("Dịch vụ công trực tuyến", Channel::Online),
            ("Cổng dịch vụ công", Channel::Online),
            ("3", Channel::Postal),
            ("Bưu chính", Channel::Postal),
            ("Bưu chính công ích", Channel::Postal),
            ("BCCI", Channel::Postal),
            ("Qua bưu điện", Channel::Postal),
            ("postal", Channel::Postal),
        ];
        for (text, want) in cases {
            assert_eq!(CHANNEL.parse(text), Ok(want.code()), "{text:?}");
        }
        assert!(CHANNEL.parse("Fax").is_err());
    }

    #[test]
    fn statuses_by_code_word_and_english_name() {
        let cases = [
            ("1", 1),
            ("Mới đăng ký", 1),
            ("Được tiếp nhận", 2),
            ("Đã tiếp nhận", 2),
            ("Không được tiếp nhận", 3),
            ("Từ chối tiếp nhận", 3),
            ("Đang xử lý", 4),
            ("Đang giải quyết", 4),
            ("Yêu cầu bổ sung", 5),
            ("Chờ bổ sung", 5),
            ("Yêu cầu thực hiện nghĩa vụ tài chính", 6),
            ("Chờ thực hiện nghĩa vụ tài chính", 6),
            ("Công dân yêu cầu rút hồ sơ", 7),
            ("Rút hồ sơ", 7),
            ("Đã rút", 7),
            ("Dừng xử lý", 8),
            ("Trả lại", 8),
            ("Từ chối giải quyết", 8),
            ("Đã xử lý xong", 9),
            ("Đã có kết quả", 9),
            ("Hoàn thành", 9),
            ("Đã trả kết quả", 10),
            ("ĐÃ TRẢ KẾT QUẢ", 10),
            ("10", 10),
            ("new", 1),
            ("received", 2),
            ("refused", 3),
            ("processing", 4),
            ("awaiting_supplement", 5),
            ("awaiting_payment", 6),
            ("withdrawn", 7),
            ("stopped", 8),
            ("resolved", 9),
            ("returned", 10),
            ("", NONE),
        ];
        for (text, want) in cases {
            assert_eq!(STATUS.parse(text), Ok(want), "{text:?}");
        }
        for text in ["11", "Quá hạn", "0"] {
            assert!(STATUS.parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn payment_methods_where_bank_transfer_is_not_online() {
        let online = Payment::Online.code();
        let not_online = Payment::NotOnline.code();
        let cases = [
            ("Trực tuyến", online),
            ("Thanh toán trực tuyến", online),
            ("truc-tuyen", online),
            ("Online", online),
            ("Cổng thanh toán", online),
            ("Nền tảng thanh toán", online),
            ("1", online),
            ("2", online),
            ("Tiền mặt", not_online),
            ("tien-mat", not_online),
            ("Chuyển khoản", not_online),
            ("chuyen-khoan", not_online),
            ("Trực tiếp", not_online),
            ("truc-tiep", not_online),
            ("Không", not_online),
            ("0", not_online),
            ("", not_online),
        ];
        for (text, want) in cases {
            assert_eq!(PAYMENT.parse(text), Ok(want), "{text:?}");
        }
        assert!(PAYMENT.parse("Séc").is_err());
    }

    #[test]
    fn ratings() {
        let cases = [
            ("Rất hài lòng", 1),
            ("Hài lòng", 1),
            ("very_satisfied", 1),
            ("satisfied", 1),
            ("Bình thường", 2),
            ("Không hài lòng", 2),
            ("Rất không hài lòng", 2),
            ("neutral", 2),
            ("dissatisfied", 2),
            ("", NONE),
        ];
        for (text, want) in cases {
            assert_eq!(RATING.parse(text), Ok(want), "{text:?}");
        }
        assert!(RATING.parse("5 sao").is_err());
    }

    #[test]
    fn meanings_of_the_targets_files_values_tables() {
        assert_eq!(LEVEL.meaning("partial"), Ok(3));
        assert_eq!(LEVEL.meaning("4"), Ok(4));
        assert_eq!(LEVEL.meaning("unknown"), Ok(NONE));
        assert_eq!(STATUS.meaning("7"), Ok(7));
        assert_eq!(STATUS.meaning("awaiting_payment"), Ok(6));
        assert_eq!(RATING.meaning("not_rated"), Ok(NONE));
        assert_eq!(
            CHANNEL.meaning("onlne"),
            Err("direct, online, postal".to_string())
        );
        assert!(STATUS.meaning("11").is_err());
    }
}
