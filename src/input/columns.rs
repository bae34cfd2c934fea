//! Matching headers to fields (DOMAIN.md §1, and §4–§5 for the catalogue and facts files).
//!
//! A header matches a field when its folded form equals the folded form of one of the field's
//! aliases, or of a name the user gave in the targets file's `[columns]` table. Each kind of
//! input file has its own field type ([`SchemaField`]); matching works the same for all.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use anyhow::{bail, Result};

use crate::dossier::Field;
use crate::text::{fold, visible};

/// The fields of one kind of input file, each with the header names that mean it.
pub trait SchemaField: Copy + Eq + Ord + Hash + fmt::Debug + Send + Sync + 'static {
    /// Every field, in the order messages list them.
    fn all() -> &'static [Self];
    /// The canonical name, as DOMAIN.md writes it.
    fn name(self) -> &'static str;
    /// Header names that mean this field.
    fn aliases(self) -> &'static [&'static str];
    /// Without it a row means nothing: a missing column refuses the file.
    fn is_required(self) -> bool;
}

/// A dossier export's fields are the dossier table's.
impl SchemaField for Field {
    fn all() -> &'static [Self] {
        Field::ALL
    }
    fn name(self) -> &'static str {
        Field::name(self)
    }
    fn aliases(self) -> &'static [&'static str] {
        Field::aliases(self)
    }
    fn is_required(self) -> bool {
        Field::is_required(self)
    }
}

/// Folded header name → field, built from the aliases and the user's `[columns]` overrides.
#[derive(Debug, Clone)]
pub struct HeaderMatcher<F = Field> {
    by_folded: HashMap<String, F>,
}

impl<F: SchemaField> HeaderMatcher<F> {
    /// `overrides` are (field, header name) pairs from the targets file; they win over the aliases.
    pub fn new(overrides: &[(F, String)]) -> Self {
        let mut by_folded = HashMap::new();
        for &field in F::all() {
            for alias in field.aliases() {
                by_folded.insert(fold(alias), field);
            }
        }
        for (field, name) in overrides {
            by_folded.insert(fold(name), *field);
        }
        HeaderMatcher { by_folded }
    }

    pub fn field_of(&self, header: &str) -> Option<F> {
        self.by_folded.get(&fold(header)).copied()
    }

    /// Maps each header position to its field. When two headers name the same field, the first
    /// one is used and the later ones are listed as duplicates so the user can see it.
    pub fn map_headers(&self, headers: &[String]) -> HeaderMap<F> {
        let mut fields = Vec::with_capacity(headers.len());
        let mut duplicates = Vec::new();
        let mut seen = HashMap::new();
        for (index, header) in headers.iter().enumerate() {
            let field = self.field_of(header);
            match field {
                Some(f) if seen.contains_key(&f) => {
                    duplicates.push((index, f));
                    fields.push(None);
                }
                Some(f) => {
                    seen.insert(f, index);
                    fields.push(Some(f));
                }
                None => fields.push(None),
            }
        }
        HeaderMap {
            headers: headers.to_vec(),
            fields,
            duplicates,
        }
    }
}

/// A consumer's view of its file's columns: the matcher for its schema and, once the header is
/// read, which position carries which field. The header half of every [`super::source::Consumer`].
#[derive(Debug, Clone)]
pub struct Columns<F> {
    matcher: HeaderMatcher<F>,
    pub map: Option<HeaderMap<F>>,
}

impl<F: SchemaField> Columns<F> {
    pub fn new(matcher: HeaderMatcher<F>) -> Self {
        Columns { matcher, map: None }
    }

    pub fn is_header(&self, cell: &str) -> bool {
        self.matcher.field_of(cell).is_some()
    }

    /// Maps the header, refusing a file without a required column.
    pub fn begin(&mut self, headers: &[String]) -> Result<()> {
        let map = self.matcher.map_headers(headers);
        map.check_required()?;
        self.map = Some(map);
        Ok(())
    }

    /// The canonical name of the field a column carries.
    pub fn field_at(&self, position: usize) -> Option<&'static str> {
        let map = self.map.as_ref()?;
        map.fields.get(position).copied().flatten().map(F::name)
    }
}

/// Which header position carries which field, for one input file.
#[derive(Debug, Clone)]
pub struct HeaderMap<F = Field> {
    pub headers: Vec<String>,
    pub fields: Vec<Option<F>>,
    /// Headers that named a field already taken by an earlier header: (position, field).
    pub duplicates: Vec<(usize, F)>,
}

impl<F: SchemaField> HeaderMap<F> {
    pub fn position(&self, field: F) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    pub fn has(&self, field: F) -> bool {
        self.position(field).is_some()
    }

    /// Refuses a file without a column for a required field, listing the headers it has (with
    /// invisible characters shown) and the names each missing field goes by.
    pub fn check_required(&self) -> Result<()> {
        let missing: Vec<F> = F::all()
            .iter()
            .copied()
            .filter(|f| f.is_required() && !self.has(*f))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let expected: Vec<String> = missing
            .iter()
            .map(|f| format!("{} (one of: {})", f.name(), f.aliases().join(", ")))
            .collect();
        bail!(
            "no column for the required field(s) {}.\n  headers found: {}\n  expected: {}\n  \
             If the export names the column differently, map it in the targets file, e.g. \
             [columns] {} = \"your header\"",
            missing
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", "),
            self.headers
                .iter()
                .map(|h| visible(h).into_owned())
                .collect::<Vec<_>>()
                .join(" | "),
            expected.join("; "),
            missing[0].name(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alias_maps_to_its_field() {
        let matcher = HeaderMatcher::new(&[]);
        for &field in Field::ALL {
            for alias in field.aliases() {
                assert_eq!(matcher.field_of(alias), Some(field), "{alias}");
            }
        }
    }

    #[test]
    fn mangled_headers_from_the_messy_fixture() {
        let matcher = HeaderMatcher::new(&[]);
        let nfd_upper: String = {
            use unicode_normalization::UnicodeNormalization;
            "KHÔNG YÊU CẦU NỘP LẠI GIẤY TỜ".nfd().collect()
        };
        let cases = [
            ("Lĩnh  vực", Some(Field::Sector)),
            ("đơn vị", Some(Field::Unit)),
            ("MỨC ĐỘ", Some(Field::ServiceLevel)),
            ("  Ngày tiếp nhận  ", Some(Field::ReceivedAt)),
            (" số hóa kết quả giải quyết  ", Some(Field::ResultDigitized)),
            ("Số hoá kết quả", Some(Field::ResultDigitized)),
            (nfd_upper.as_str(), Some(Field::ComponentReused)),
            ("ngay_tiep_nhan", Some(Field::ReceivedAt)),
            ("STT", None),
            ("Ghi chú", None),
        ];
        for (header, want) in cases {
            assert_eq!(matcher.field_of(header), want, "{header:?}");
        }
    }

    #[test]
    fn overrides_add_and_replace_names() {
        let matcher = HeaderMatcher::new(&[
            (Field::DossierId, "Mã biên nhận".to_string()),
            (Field::Unit, "Kênh".to_string()),
        ]);
        assert_eq!(matcher.field_of("MÃ BIÊN NHẬN"), Some(Field::DossierId));
        assert_eq!(matcher.field_of("Kênh"), Some(Field::Unit));
        assert_eq!(matcher.field_of("Mã hồ sơ"), Some(Field::DossierId));
    }

    #[test]
    fn a_second_header_for_the_same_field_is_reported_not_used() {
        let matcher = HeaderMatcher::new(&[]);
        let headers: Vec<String> = ["Mã hồ sơ", "Phí", "Tổng phí"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let map = matcher.map_headers(&headers);
        assert_eq!(
            map.fields,
            vec![Some(Field::DossierId), Some(Field::Fee), None]
        );
        assert_eq!(map.duplicates, vec![(2, Field::Fee)]);
    }
}
