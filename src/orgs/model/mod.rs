//! Organisation tree domain types (no IO): unit kinds, units, lineage events and links, and the
//! validated unit form; the CSV import parser is in `import.rs`, a unit's population and its
//! import in `population.rs`. Callers use `model::Name` as before.

mod import;
mod population;

pub use import::*;
pub use population::*;

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use crate::kit::text::one_line;

/// A type of unit (province, ward, hamlet, Fatherland Front, …), listed per deployment.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UnitKind {
    /// Stable key (`ward`, `hamlet`, `front`, …).
    pub key: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Territorial (an area) or not (an organisation).
    pub territorial: bool,
}

impl UnitKind {
    /// The name in `lang`.
    pub fn name(&self, lang: crate::web::i18n::Lang) -> &str {
        match lang {
            crate::web::i18n::Lang::Vi => &self.name_vi,
            crate::web::i18n::Lang::En => &self.name_en,
        }
    }
}

impl UnitKind {
    /// Validates a new type from form fields; errors come with their field.
    pub fn parse(
        key: &str,
        name_vi: &str,
        name_en: &str,
        territorial: bool,
    ) -> Result<UnitKind, Vec<FieldError>> {
        let mut errors = Vec::new();
        let key = key.trim().to_string();
        if key.len() < 2
            || key.len() > 32
            || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            errors.push(("key", "kind-error-key"));
        }
        let name_vi = one_line(name_vi);
        let name_en = one_line(name_en);
        if name_vi.is_empty() || name_vi.chars().count() > 100 {
            errors.push(("name_vi", "kind-error-name"));
        }
        if name_en.is_empty() || name_en.chars().count() > 100 {
            errors.push(("name_en", "kind-error-name"));
        }
        if errors.is_empty() {
            Ok(UnitKind {
                key,
                name_vi,
                name_en,
                territorial,
            })
        } else {
            Err(errors)
        }
    }
}

/// A unit of the tree.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Unit {
    /// Id.
    pub id: i64,
    /// Official code (2-digit province, 5-digit commune) or a local code.
    pub code: Option<String>,
    /// Name (NFC).
    pub name: String,
    /// Unit type key.
    pub kind: String,
    /// Parent unit.
    pub parent_id: Option<i64>,
    /// First day of validity.
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity (inclusive).
    pub valid_to: Option<NaiveDate>,
    /// Free note.
    pub note: String,
    /// Population (*dân số*), when known.
    pub population: Option<i64>,
    /// Where the population comes from (year, publication), possibly empty.
    pub population_source: String,
}

impl Unit {
    /// Whether the unit exists on `date`.
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= date) && self.valid_to.is_none_or(|to| to >= date)
    }
}

/// What happened between a predecessor and a successor unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineageEvent {
    /// Several units merged into one (*sáp nhập*).
    Merge,
    /// One unit split into several (*chia tách*).
    Split,
    /// Renamed or re-coded (*đổi tên*).
    Rename,
    /// Part of an area transferred (*điều chỉnh địa giới*).
    Transfer,
}

impl LineageEvent {
    /// Every event.
    pub const ALL: [LineageEvent; 4] = [
        LineageEvent::Merge,
        LineageEvent::Split,
        LineageEvent::Rename,
        LineageEvent::Transfer,
    ];

    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            LineageEvent::Merge => "merge",
            LineageEvent::Split => "split",
            LineageEvent::Rename => "rename",
            LineageEvent::Transfer => "transfer",
        }
    }

    /// Parses a stored key.
    pub fn parse(key: &str) -> Option<LineageEvent> {
        LineageEvent::ALL
            .into_iter()
            .find(|e| e.key() == key.trim())
    }
}

/// A lineage link as stored, with the other unit's name.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LineageLink {
    /// Link id.
    pub id: i64,
    /// The other unit (predecessor or successor).
    pub other_id: i64,
    /// Its name.
    pub other_name: String,
    /// Event key.
    pub event: String,
    /// When it took effect.
    pub effective_date: NaiveDate,
}

/// Folds a name for search: NFC, lower case, no diacritics, `đ` → `d`.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// The key under which two names are the same name: NFC, white space collapsed, lower case
/// (diacritics kept: "Phú" and "Phù" are different places; [`fold`] is for search).
pub fn name_key(text: &str) -> String {
    one_line(&one_line(text).to_lowercase())
}

/// A validated unit, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitInput {
    /// Code, if any.
    pub code: Option<String>,
    /// Name.
    pub name: String,
    /// Type key (checked against the deployment's list).
    pub kind: String,
    /// First day.
    pub valid_from: Option<NaiveDate>,
    /// Last day.
    pub valid_to: Option<NaiveDate>,
    /// Note.
    pub note: String,
}

/// A field error: the field and the message key.
pub type FieldError = (&'static str, &'static str);

/// Checks a code: empty means none; otherwise 1–32 characters of letters, digits, `. _ -`.
pub fn parse_code(raw: &str) -> Result<Option<String>, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.len() > 32
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("unit-error-code");
    }
    Ok(Some(s.to_string()))
}

/// Parses an optional ISO date (`2025-07-01`); also accepts `01/07/2025`.
pub fn parse_date(raw: &str) -> Result<Option<NaiveDate>, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| "unit-error-date")
}

impl UnitInput {
    /// Validates raw form fields; every error is returned with its field.
    pub fn parse(
        code: &str,
        name: &str,
        kind: &str,
        valid_from: &str,
        valid_to: &str,
        note: &str,
        kinds: &[UnitKind],
    ) -> Result<UnitInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let code = parse_code(code).unwrap_or_else(|e| {
            errors.push(("code", e));
            None
        });
        let name = one_line(name);
        if name.is_empty() {
            errors.push(("name", "unit-error-name-required"));
        } else if name.chars().count() > 200 {
            errors.push(("name", "unit-error-name-long"));
        }
        let kind = kind.trim().to_string();
        if !kinds.iter().any(|k| k.key == kind) {
            errors.push(("kind", "unit-error-kind"));
        }
        let valid_from = parse_date(valid_from).unwrap_or_else(|e| {
            errors.push(("valid_from", e));
            None
        });
        let valid_to = parse_date(valid_to).unwrap_or_else(|e| {
            errors.push(("valid_to", e));
            None
        });
        if let (Some(from), Some(to)) = (valid_from, valid_to)
            && from > to
        {
            errors.push(("valid_to", "unit-error-date-order"));
        }
        let note = crate::kit::text::free_text(note);
        if note.chars().count() > 2000 {
            errors.push(("note", "unit-error-note-long"));
        }
        if errors.is_empty() {
            Ok(UnitInput {
                code,
                name,
                kind,
                valid_from,
                valid_to,
                note,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn kinds() -> Vec<UnitKind> {
        [
            ("city", "Thành phố trung ương", "Centrally governed city"),
            ("ward", "Phường", "Ward"),
            ("commune", "Xã", "Commune"),
            ("hamlet", "Ấp", "Hamlet"),
        ]
        .into_iter()
        .map(|(k, vi, en)| UnitKind {
            key: k.into(),
            name_vi: vi.into(),
            name_en: en.into(),
            territorial: true,
        })
        .collect()
    }

    fn errors(csv: &str) -> Vec<(usize, String, &'static str)> {
        let stored = HashMap::from([("92".to_string(), 1)]);
        match parse_units_csv(csv.as_bytes(), &kinds(), &stored) {
            Ok(_) => vec![],
            Err(e) => e.into_iter().map(|e| (e.line, e.column, e.key)).collect(),
        }
    }

    #[test]
    fn name_keys_ignore_case_and_normalisation_but_keep_diacritics() {
        let nfd: String = "Phường Ninh Kiều".nfd().collect();
        assert_eq!(name_key(&nfd), name_key("PHƯỜNG  NINH KIỀU "));
        assert_eq!(name_key("Xã Phú Hữu"), "xã phú hữu");
        assert_ne!(name_key("Xã Phú Hữu"), name_key("Xã Phù Hữu"));
    }

    #[test]
    fn folding_removes_marks_and_cases() {
        assert_eq!(fold("Phường Ninh Kiều"), "phuong ninh kieu");
        assert_eq!(fold("ĐẶC KHU Côn Đảo"), "dac khu con dao");
        assert_eq!(fold("Thủy"), fold("Thuỷ"));
    }

    #[test]
    fn the_national_list_format_imports() {
        let csv =
            "code,name,type,parent_code\n31117,Phường Cái Khế,phường,92\n31120,Xã Mỹ Thạnh,xã,92\n";
        let rows =
            parse_units_csv(csv.as_bytes(), &kinds(), &HashMap::from([("92".into(), 7)])).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].parent, ParentRef::Stored(7));
        assert_eq!(rows[0].input.kind, "ward");
        assert_eq!(rows[1].input.kind, "commune");
    }

    #[test]
    fn parents_come_before_children_in_any_file_order() {
        let csv = "code,name,type,parent_code\nKV1,Khu vực 1,Ấp,W1\nW1,Phường A,ward,\n";
        let rows = parse_units_csv(csv.as_bytes(), &kinds(), &HashMap::new()).unwrap();
        assert_eq!(rows[0].input.code.as_deref(), Some("W1"));
        assert_eq!(rows[1].parent, ParentRef::Row(0));
    }

    #[test]
    fn every_error_is_reported_with_line_and_column() {
        let check = |csv: &str, expected: &[(usize, &str, &str)]| {
            let got = errors(csv);
            let got: Vec<(usize, &str, &str)> =
                got.iter().map(|(l, c, k)| (*l, c.as_str(), *k)).collect();
            assert_eq!(got, expected, "{csv}");
        };
        check(
            "",
            &[
                (1, "code", "csv-error-missing-column"),
                (1, "name", "csv-error-missing-column"),
                (1, "type", "csv-error-missing-column"),
            ],
        );
        check("code,name,type\n", &[(0, "", "csv-error-empty")]);
        check(
            "code,name,type,colour\nA,B,ward,red\n",
            &[(1, "colour", "csv-error-unknown-column")],
        );
        check(
            "code,name,type\n,Phường A,ward\n",
            &[(2, "code", "csv-error-required")],
        );
        check(
            "code,name,type\nA,,ward\n",
            &[(2, "name", "csv-error-required")],
        );
        check(
            "code,name,type\nA,Phường A,castle\n",
            &[(2, "type", "csv-error-unknown-type")],
        );
        check(
            "code,name,type\nA,P,ward\nA,Q,ward\n",
            &[(3, "code", "csv-error-duplicate-code")],
        );
        check(
            "code,name,type,parent_code\nA,P,ward,ZZ\n",
            &[(2, "parent_code", "csv-error-unknown-parent")],
        );
        check(
            "code,name,type,valid_from\nA,P,ward,31/02/2025\n",
            &[(2, "valid_from", "csv-error-bad-date")],
        );
        check(
            "code,name,type,valid_from,valid_to\nA,P,ward,2025-07-01,2024-01-01\n",
            &[(2, "valid_to", "unit-error-date-order")],
        );
        check(
            "code,name,type,parent_code\nA,P,ward,B\nB,Q,ward,A\n",
            &[(2, "parent_code", "csv-error-cycle")],
        );
        check(
            "code,name,type\nA,P,ward,extra\n",
            &[(2, "", "csv-error-malformed")],
        );
        check(
            "code,name,type\nA B,P,ward\n",
            &[(2, "code", "csv-error-code")],
        );
        assert_eq!(
            parse_units_csv(b"code,name\n\xff\xfe", &kinds(), &HashMap::new()).unwrap_err()[0].key,
            "csv-error-not-utf8"
        );
    }

    #[test]
    fn form_input_is_validated_field_by_field() {
        let err =
            UnitInput::parse("a b", "  ", "castle", "2025-13-01", "", "", &kinds()).unwrap_err();
        let fields: Vec<_> = err.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["code", "name", "kind", "valid_from"]);
        let ok = UnitInput::parse(
            "",
            " Ấp  Mỹ  Phú ",
            "hamlet",
            "01/07/2025",
            "",
            "",
            &kinds(),
        )
        .unwrap();
        assert_eq!(ok.name, "Ấp Mỹ Phú");
        assert_eq!(ok.code, None);
        assert_eq!(ok.valid_from, NaiveDate::from_ymd_opt(2025, 7, 1));
    }
}
