//! The CSV import parser of units: every row checked (kind, code, parent, dates), errors with
//! line and column, and parents ordered before their children whatever the file order.

use std::collections::HashMap;

use super::{UnitInput, UnitKind, fold, parse_code, parse_date};
use crate::kit::text::one_line;

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
