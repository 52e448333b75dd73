//! Organisation tree: domain types, validated inputs and the CSV import parser (no IO).

use std::collections::HashMap;

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

/// One error of a CSV import: where, and what (a message key with its arguments).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    /// Line in the file (the header is line 1), or 0 for the whole file.
    pub line: usize,
    /// Column name, or empty.
    pub column: String,
    /// Message key.
    pub key: &'static str,
    /// The offending value, if any.
    pub value: String,
}

/// Where a CSV row's parent is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParentRef {
    /// No parent: a top-level unit.
    None,
    /// A unit already stored.
    Stored(i64),
    /// Another row of the file (index into the returned rows, always earlier).
    Row(usize),
}

/// A checked CSV row, in an order where parents come first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvUnit {
    /// Line in the file.
    pub line: usize,
    /// The unit (code always present in imports).
    pub input: UnitInput,
    /// Its parent.
    pub parent: ParentRef,
}

const CSV_COLUMNS: [&str; 7] = [
    "code",
    "name",
    "type",
    "parent_code",
    "valid_from",
    "valid_to",
    "note",
];

/// The columns of the unit CSV format, in export order.
pub fn csv_columns() -> &'static [&'static str] {
    &CSV_COLUMNS
}

/// Finds the type key for a CSV `type` cell: a key (`ward`) or a name in either language
/// (`phường`, `Ward`), compared without case and diacritics.
fn resolve_kind(raw: &str, kinds: &[UnitKind]) -> Option<String> {
    let folded = fold(raw.trim());
    kinds
        .iter()
        .find(|k| k.key == raw.trim() || fold(&k.name_vi) == folded || fold(&k.name_en) == folded)
        .map(|k| k.key.clone())
}

/// Parses and checks a whole unit CSV file. `stored` maps codes already in the database to
/// unit ids. Returns every error at once, or rows ordered parents-first.
pub fn parse_units_csv(
    bytes: &[u8],
    kinds: &[UnitKind],
    stored: &HashMap<String, i64>,
) -> Result<Vec<CsvUnit>, Vec<CsvError>> {
    let err = |line: usize, column: &str, key: &'static str, value: &str| CsvError {
        line,
        column: column.to_string(),
        key,
        value: value.to_string(),
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_err() {
        return Err(vec![err(0, "", "csv-error-not-utf8", "")]);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(_) => return Err(vec![err(1, "", "csv-error-malformed", "")]),
    };
    let mut errors = Vec::new();
    for h in &headers {
        if !CSV_COLUMNS.contains(&h.as_str()) {
            errors.push(err(1, h, "csv-error-unknown-column", h));
        }
    }
    for required in ["code", "name", "type"] {
        if !headers.iter().any(|h| h == required) {
            errors.push(err(1, required, "csv-error-missing-column", required));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (c_code, c_name, c_type) = (col("code"), col("name"), col("type"));
    let (c_parent, c_from, c_to, c_note) = (
        col("parent_code"),
        col("valid_from"),
        col("valid_to"),
        col("note"),
    );

    struct Raw {
        line: usize,
        input: UnitInput,
        parent_code: Option<String>,
    }
    let mut raws: Vec<Raw> = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                errors.push(err(line, "", "csv-error-malformed", ""));
                continue;
            }
        };
        // An exported cell may carry the quote that neutralises formulas (`kit::csv`): read it
        // back as it was typed.
        let cell = |c: Option<usize>| {
            crate::kit::csv::read_text_cell(c.and_then(|c| record.get(c)).unwrap_or("").trim())
                .trim()
        };
        let code = match parse_code(cell(c_code)) {
            Ok(Some(code)) => code,
            Ok(None) => {
                errors.push(err(line, "code", "csv-error-required", ""));
                continue;
            }
            Err(_) => {
                errors.push(err(line, "code", "csv-error-code", cell(c_code)));
                continue;
            }
        };
        if let Some(first) = first_line.get(&code) {
            errors.push(err(
                line,
                "code",
                "csv-error-duplicate-code",
                &format!("{code} ({first})"),
            ));
            continue;
        }
        first_line.insert(code.clone(), line);
        let name = one_line(cell(c_name));
        if name.is_empty() {
            errors.push(err(line, "name", "csv-error-required", ""));
        } else if name.chars().count() > 200 {
            errors.push(err(line, "name", "unit-error-name-long", ""));
        }
        let kind = match resolve_kind(cell(c_type), kinds) {
            Some(k) => k,
            None => {
                errors.push(err(line, "type", "csv-error-unknown-type", cell(c_type)));
                String::new()
            }
        };
        let mut dates = [None, None];
        for (slot, (column, c)) in [("valid_from", c_from), ("valid_to", c_to)]
            .into_iter()
            .enumerate()
        {
            match parse_date(cell(c)) {
                Ok(d) => dates[slot] = d,
                Err(_) => errors.push(err(line, column, "csv-error-bad-date", cell(c))),
            }
        }
        if let [Some(from), Some(to)] = dates
            && from > to
        {
            errors.push(err(line, "valid_to", "unit-error-date-order", cell(c_to)));
        }
        let parent_code = match parse_code(cell(c_parent)) {
            Ok(p) => p,
            Err(_) => {
                errors.push(err(line, "parent_code", "csv-error-code", cell(c_parent)));
                None
            }
        };
        if parent_code.as_deref() == Some(code.as_str()) {
            errors.push(err(line, "parent_code", "csv-error-cycle", &code));
        }
        raws.push(Raw {
            line,
            input: UnitInput {
                code: Some(code),
                name,
                kind,
                valid_from: dates[0],
                valid_to: dates[1],
                note: one_line(cell(c_note)),
            },
            parent_code,
        });
    }
    if raws.is_empty() && errors.is_empty() {
        errors.push(err(0, "", "csv-error-empty", ""));
    }
    // Resolve parents: a row of the file wins over a stored unit with the same code.
    let in_file: HashMap<&str, usize> = raws
        .iter()
        .enumerate()
        .map(|(i, r)| (r.input.code.as_deref().unwrap_or(""), i))
        .collect();
    for r in &raws {
        if let Some(p) = &r.parent_code
            && !in_file.contains_key(p.as_str())
            && !stored.contains_key(p)
        {
            errors.push(err(r.line, "parent_code", "csv-error-unknown-parent", p));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Order parents first (depth-first from the roots of the file), detecting cycles.
    let n = raws.len();
    let parent_index: Vec<Option<usize>> = raws
        .iter()
        .map(|r| {
            r.parent_code
                .as_deref()
                .and_then(|p| in_file.get(p).copied())
        })
        .collect();
    let mut order: Vec<usize> = Vec::with_capacity(n);
    let mut state = vec![0u8; n]; // 0 new, 1 visiting, 2 done
    for start in 0..n {
        let mut chain = Vec::new();
        let mut cur = Some(start);
        while let Some(i) = cur {
            match state[i] {
                2 => break,
                1 => {
                    errors.push(err(raws[i].line, "parent_code", "csv-error-cycle", ""));
                    break;
                }
                _ => {
                    state[i] = 1;
                    chain.push(i);
                    cur = parent_index[i];
                }
            }
        }
        for &i in chain.iter().rev() {
            state[i] = 2;
            order.push(i);
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        errors.dedup();
        return Err(errors);
    }
    let mut position = vec![0usize; n];
    for (pos, &i) in order.iter().enumerate() {
        position[i] = pos;
    }
    let mut out = Vec::with_capacity(n);
    for &i in &order {
        let r = &raws[i];
        let parent = match (&r.parent_code, parent_index[i]) {
            (None, _) => ParentRef::None,
            (Some(_), Some(p)) => ParentRef::Row(position[p]),
            (Some(code), None) => ParentRef::Stored(stored[code]),
        };
        out.push(CsvUnit {
            line: r.line,
            input: r.input.clone(),
            parent,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
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
