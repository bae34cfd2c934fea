//! The dossier row (hồ sơ, DOMAIN.md §1 and §8): the one definition every stage derives from.
//!
//! Each field is one entry of the table below: its canonical name, what its cells are parsed as
//! ([`Kind`]), whether a row means anything without it, and the header names one-stop systems
//! give it. Header mapping ([`crate::input::columns`]), parsing ([`crate::input::read`]), the
//! column table and its polars frame ([`Rows`]), the condition language's field types
//! ([`crate::condition`]), the Parquet dataset ([`crate::dataset`]) and engine SQL all read this
//! table, so a new field is one entry here (and its tests).
//!
//! The coded values (status, level, channel, payment, rating) are enums with their spellings,
//! codes and canonical texts ([`codes`]); days and periods are in [`period`].

pub mod codes;
pub mod period;
pub mod rows;

pub use codes::{Channel, Level, Payment, Rating, Status, Vocabulary};
pub use period::{Day, Granularity, PeriodKey};
pub use rows::{Cell, CodedTexts, DatasetColumn, Dictionary, FieldSet, Rows, Values};

/// What a field's cells are parsed as (DOMAIN.md §1 "parsed as").
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// `dossier_id`: non-empty key text; two rows with the same one are one dossier.
    Id,
    /// Key text that groups dossiers (procedure code, sector, unit): interned.
    Key,
    /// Free text (the procedure's name).
    Text,
    /// A date-time, kept as its calendar day.
    Date,
    /// An amount of đồng.
    Amount,
    /// Yes/no.
    Bool,
    /// One of a vocabulary's coded values.
    Code(&'static Vocabulary),
}

impl Kind {
    /// Text kinds: interned, compared as text in conditions, written as text in datasets.
    pub fn is_text(self) -> bool {
        matches!(self, Kind::Id | Kind::Key | Kind::Text)
    }
}

/// One field's definition.
#[derive(Debug)]
pub struct FieldSpec {
    /// The canonical name, as DOMAIN.md, conditions, datasets and `[columns]` write it.
    pub name: &'static str,
    pub kind: Kind,
    /// Without it a row means nothing: a missing column refuses the file, a blank cell is a
    /// defect.
    pub required: bool,
    /// The header names one-stop systems use for it.
    pub aliases: &'static [&'static str],
}

/// Declares the fields: the enum, its list and each one's [`FieldSpec`], from one table.
macro_rules! dossier_fields {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $kind:expr, $required:literal,
       [$($alias:literal),* $(,)?];)*) => {
        /// A canonical field of a dossier row.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $($(#[$doc])* $variant,)*
        }

        impl Field {
            /// Every field, in DOMAIN.md's order (the dataset's column order).
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            pub fn spec(self) -> &'static FieldSpec {
                &SPECS[self as usize]
            }
        }

        static SPECS: &[FieldSpec] = &[$(FieldSpec {
            name: $name,
            kind: $kind,
            required: $required,
            aliases: &[$($alias),*],
        }),*];
    };
}

dossier_fields! {
    DossierId = "dossier_id", Kind::Id, true,
        ["Mã hồ sơ", "Số hồ sơ", "Mã HS", "MaHoSo", "dossier_id"];
    ProcedureCode = "procedure_code", Kind::Key, false,
        ["Mã TTHC", "Mã thủ tục", "MaTTHC", "procedure_code"];
    ProcedureName = "procedure_name", Kind::Text, false,
        ["Tên thủ tục", "Tên TTHC", "Tên thủ tục hành chính", "TenTTHC", "procedure_name"];
    Sector = "sector", Kind::Key, false,
        ["Lĩnh vực", "Lĩnh vực giải quyết", "TenLinhVuc", "sector"];
    Unit = "unit", Kind::Key, false,
        ["Đơn vị", "Đơn vị giải quyết", "Đơn vị xử lý", "Cơ quan giải quyết", "Phòng ban",
         "DonViXuLy", "unit"];
    ServiceLevel = "service_level", Kind::Code(&codes::LEVEL), false,
        ["Mức độ", "Mức độ DVC", "Mức độ DVCTT", "MucDo", "service_level"];
    Channel = "channel", Kind::Code(&codes::CHANNEL), false,
        ["Hình thức nộp", "Kênh nộp", "Kênh", "Kênh tiếp nhận", "Loại tiếp nhận", "KenhThucHien",
         "channel"];
    SubmittedAt = "submitted_at", Kind::Date, false,
        ["Ngày nộp", "Ngày nộp hồ sơ", "NgayNopHoSo", "submitted_at"];
    ReceivedAt = "received_at", Kind::Date, true,
        ["Ngày tiếp nhận", "Ngày nhận", "NgayTiepNhan", "received_at"];
    DueAt = "due_at", Kind::Date, false,
        ["Ngày hẹn trả", "Hạn xử lý", "Hạn giải quyết", "NgayHenTra", "due_at"];
    FinishedAt = "finished_at", Kind::Date, false,
        ["Ngày có kết quả", "Ngày hoàn thành", "Ngày kết thúc xử lý", "Ngày xử lý xong",
         "NgayKetThucXuLy", "finished_at"];
    ReturnedAt = "returned_at", Kind::Date, false,
        ["Ngày trả kết quả", "Ngày trả", "NgayTra", "returned_at"];
    Status = "status", Kind::Code(&codes::STATUS), false,
        ["Trạng thái", "Trạng thái hồ sơ", "Tình trạng", "TrangThaiHoSo", "status"];
    Fee = "fee", Kind::Amount, false,
        ["Phí", "Phí (VNĐ)", "Phí, lệ phí", "Phí/lệ phí", "Tổng phí", "Số tiền", "Tổng (VNĐ)",
         "fee", "fee_amount"];
    Charge = "charge", Kind::Amount, false,
        ["Lệ phí", "Lệ phí (VNĐ)", "charge"];
    PaymentMethod = "payment_method", Kind::Code(&codes::PAYMENT), false,
        ["Hình thức thanh toán", "Thanh toán", "Phương thức thanh toán", "payment",
         "payment_method"];
    ResultDigitized = "result_digitized", Kind::Bool, false,
        ["Số hóa kết quả", "Kết quả điện tử", "Số hóa kết quả giải quyết", "result_digitized"];
    DossierDigitized = "dossier_digitized", Kind::Bool, false,
        ["Số hóa hồ sơ", "Số hóa thành phần hồ sơ", "Có số hóa TPHS", "dossier_digitized"];
    ComponentReused = "component_reused", Kind::Bool, false,
        ["Tái sử dụng dữ liệu", "Có tái sử dụng thành phần", "Không yêu cầu nộp lại giấy tờ",
         "DuocTaiSuDung", "component_reused", "data_reused"];
    Interagency = "interagency", Kind::Bool, false,
        ["Liên thông", "Hồ sơ liên thông", "interagency"];
    TransferElectronic = "transfer_electronic", Kind::Bool, false,
        ["Luân chuyển điện tử", "Luân chuyển bằng phương thức điện tử", "transfer_electronic"];
    VneidAuthenticated = "vneid_authenticated", Kind::Bool, false,
        ["Xác thực điện tử", "Xác thực VNeID", "Định danh điện tử", "TaiKhoanDuocXacThucVoiVNeID",
         "e_authenticated", "vneid_authenticated"];
    Satisfaction = "satisfaction", Kind::Code(&codes::RATING), false,
        ["Đánh giá", "Mức độ hài lòng", "Kết quả đánh giá", "satisfaction"];
    /// DOMAIN.md §8: data taken from the citizen's personal data store (766 indicator 4.4).
    PersonalStoreUsed = "personal_store_used", Kind::Bool, false,
        ["Lấy từ kho dữ liệu cá nhân", "Kho dữ liệu cá nhân", "Kết nối kho DLCN",
         "DuocLayTuKhoDMQG", "personal_store_used"];
    /// DOMAIN.md §8: the dossier drew feedback or a complaint (phản ánh, kiến nghị).
    Complaint = "complaint", Kind::Bool, false,
        ["Có PAKN", "Phản ánh kiến nghị", "Có phản ánh", "Khiếu nại", "complaint"];
}

/// How many fields a row has.
pub const FIELD_COUNT: usize = Field::ALL.len();

impl Field {
    /// The canonical name, as used in DOMAIN.md, the `[columns]` table and messages.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn kind(self) -> Kind {
        self.spec().kind
    }

    pub fn aliases(self) -> &'static [&'static str] {
        self.spec().aliases
    }

    /// Without these a row means nothing: a missing column is an input error, a blank cell a defect.
    pub fn is_required(self) -> bool {
        self.spec().required
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The vocabulary of a coded field.
    pub fn vocabulary(self) -> Option<&'static Vocabulary> {
        match self.kind() {
            Kind::Code(vocabulary) => Some(vocabulary),
            _ => None,
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The end date of a dossier (DOMAIN.md §2): `finished_at`, else `returned_at`. Not an input
/// column: derived for every row, a column of the frame and of the dataset.
pub const END_AT: &str = "end_at";

/// The derived conditions of DOMAIN.md §2 (and §8's `ended`), written in the condition language
/// over the fields above, from the status codes' own definitions: the one place each is defined.
/// Conditions, the compute stage and engine SQL all take these texts.
pub fn accepted_condition() -> String {
    format!(
        "status IS NULL OR status NOT IN ({})",
        codes_where(|s| !s.is_accepted())
    )
}

/// Finished: a result (status 9 or 10); without a status, an end date.
pub fn finished_condition() -> String {
    format!(
        "status IN ({}) OR (status IS NULL AND {END_AT} IS NOT NULL)",
        codes_where(Status::is_finished)
    )
}

/// Ended (DOMAIN.md §8): no longer in progress (status 7, 8, 9 or 10); without a status, an end
/// date.
pub fn ended_condition() -> String {
    format!(
        "status IN ({}) OR (status IS NULL AND {END_AT} IS NOT NULL)",
        codes_where(Status::is_ended)
    )
}

fn codes_where(keep: impl Fn(Status) -> bool) -> String {
    Status::ALL
        .iter()
        .copied()
        .filter(|s| keep(*s))
        .map(|s| (s as i8).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_named_as_in_the_contract_and_keeps_its_own_name_as_an_alias() {
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(*field));
            assert!(field.aliases().contains(&field.name()), "{field}");
        }
        let required: Vec<&str> = Field::ALL
            .iter()
            .filter(|f| f.is_required())
            .map(|f| f.name())
            .collect();
        assert_eq!(required, ["dossier_id", "received_at"]);
    }

    #[test]
    fn the_derived_conditions_come_from_the_status_codes() {
        assert_eq!(
            accepted_condition(),
            "status IS NULL OR status NOT IN (1, 3)"
        );
        assert_eq!(
            finished_condition(),
            "status IN (9, 10) OR (status IS NULL AND end_at IS NOT NULL)"
        );
        assert_eq!(
            ended_condition(),
            "status IN (7, 8, 9, 10) OR (status IS NULL AND end_at IS NOT NULL)"
        );
    }
}
