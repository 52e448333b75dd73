//! A unit's population (*dân số*): a whole count, never negative, with the reference it comes
//! from (*nguồn*, e.g. "Niên giám thống kê 2024"), typed on the unit's form or imported as a
//! table `code,population[,source]` whose every error names its row and column.

use std::collections::HashMap;

use super::{CsvError, FieldError};
use crate::kit::text::one_line;
use crate::uploads::table::Table;

/// The largest population a unit may carry (well above any country's).
pub const MAX_POPULATION: i64 = 2_000_000_000;
/// The longest reference text.
pub const MAX_SOURCE_CHARS: usize = 200;
/// The most rows an import may hold (every commune and hamlet of a large province, with room).
pub const MAX_IMPORT_ROWS: usize = 50_000;
/// The largest import file (bytes).
pub const MAX_IMPORT_BYTES: usize = 4 << 20;
/// What an imported spreadsheet may hold: three narrow columns, many rows.
pub const IMPORT_LIMITS: duluan_filecheck::Limits = duluan_filecheck::Limits {
    max_file_bytes: MAX_IMPORT_BYTES as u64,
    max_entries: 200,
    max_inflated_bytes: 64 << 20,
    max_ratio: 250,
    max_rows: MAX_IMPORT_ROWS as u32 + 100,
    max_cols: 8,
    max_cells: 6 * (MAX_IMPORT_ROWS as u64 + 100),
    max_sheets: 32,
};

/// A unit's population and its reference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Population {
    /// The count; `None` when unknown.
    pub count: Option<i64>,
    /// Where it comes from (year, publication), free text, possibly empty.
    pub source: String,
}

/// Reads a whole count as people write it: `125000`, `125.000`, `125,000`, `125 000`. Empty
/// means unknown (`Ok(None)`); anything else that is not a whole number from 0 to
/// [`MAX_POPULATION`] is an error key.
pub fn parse_population_count(raw: &str) -> Result<Option<i64>, &'static str> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if s.is_empty() {
        return Ok(None);
    }
    // Thousands separated by `.` or `,` (one kind in a number), each group of three digits.
    let digits = match s.chars().find(|c| matches!(c, '.' | ',')) {
        None => s.clone(),
        Some(sep) => {
            let parts: Vec<&str> = s.split(sep).collect();
            let grouped = (1..=3).contains(&parts[0].len())
                && parts[1..].iter().all(|p| p.len() == 3)
                && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()));
            if !grouped {
                return Err("unit-error-population");
            }
            parts.concat()
        }
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("unit-error-population");
    }
    match digits.parse::<i64>() {
        Ok(n) if n <= MAX_POPULATION => Ok(Some(n)),
        _ => Err("unit-error-population-large"),
    }
}

/// Checks a reference text: one line, at most [`MAX_SOURCE_CHARS`] characters.
pub fn parse_population_source(raw: &str) -> Result<String, &'static str> {
    let s = one_line(raw);
    if s.chars().count() > MAX_SOURCE_CHARS {
        return Err("unit-error-population-source-long");
    }
    Ok(s)
}

impl Population {
    /// Validates the form's two fields; every error comes with its field.
    pub fn parse(count: &str, source: &str) -> Result<Population, Vec<FieldError>> {
        let mut errors = Vec::new();
        let count = parse_population_count(count).unwrap_or_else(|e| {
            errors.push(("population", e));
            None
        });
        let source = parse_population_source(source).unwrap_or_else(|e| {
            errors.push(("population_source", e));
            String::new()
        });
        if errors.is_empty() {
            Ok(Population { count, source })
        } else {
            Err(errors)
        }
    }
}

/// One checked row of a population import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopulationRow {
    /// Row in the file (the header is row 1).
    pub line: usize,
    /// The unit's code.
    pub code: String,
    /// Its population (always with a count).
    pub population: Population,
}

/// A checked population import: its rows, and how errors name the code column (for the
/// checks against the stored tree that follow).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopulationSheet {
    /// The code column as the file names it (`A (code)`, `code`).
    pub code_column: String,
    /// The rows, in file order.
    pub rows: Vec<PopulationRow>,
}

/// Headers of the code column.
const CODE_HEADERS: &[&str] = &["code", "mã", "ma", "ma_don_vi", "mã đơn vị"];
/// Headers of the count column.
const COUNT_HEADERS: &[&str] = &["population", "dân số", "dan_so", "dan so", "so_nguoi"];
/// Headers of the reference column.
const SOURCE_HEADERS: &[&str] = &[
    "source",
    "year",
    "year/source",
    "reference",
    "nguồn",
    "nguon",
    "năm",
    "nam",
    "năm/nguồn",
];

/// The columns of the population import, as the import page lists them.
pub fn population_columns() -> &'static str {
    "code,population,source"
}

/// Reads a population table (already bounded and read into `t`): a code column, a count
/// column, an optional reference column. Every error at once, each with its row and column;
/// codes are checked against the tree by the caller.
pub fn parse_population_table(t: &Table) -> Result<PopulationSheet, Vec<CsvError>> {
    let err = |line: usize, column: String, key: &'static str, value: &str| CsvError {
        line,
        column,
        key,
        value: value.to_string(),
    };
    let mut errors = Vec::new();
    let known = |h: &str| {
        CODE_HEADERS.contains(&h) || COUNT_HEADERS.contains(&h) || SOURCE_HEADERS.contains(&h)
    };
    for (c, h) in t.headers.iter().enumerate() {
        if !h.is_empty() && !known(h) {
            errors.push(err(1, t.label(c), "csv-error-unknown-column", h));
        }
    }
    let (code, count, source) = (
        t.column(CODE_HEADERS),
        t.column(COUNT_HEADERS),
        t.column(SOURCE_HEADERS),
    );
    if code.is_none() {
        errors.push(err(1, "code".into(), "csv-error-missing-column", "code"));
    }
    if count.is_none() {
        errors.push(err(
            1,
            "population".into(),
            "csv-error-missing-column",
            "population",
        ));
    }
    let (Some(code), Some(count)) = (code, count) else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::with_capacity(t.rows.len());
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (line, cells) in &t.rows {
        let line = *line;
        let raw_code = Table::cell(cells, Some(code)).trim();
        let unit_code = match super::parse_code(raw_code) {
            Ok(Some(c)) => Some(c),
            Ok(None) => {
                errors.push(err(line, t.label(code), "csv-error-required", ""));
                None
            }
            Err(_) => {
                errors.push(err(line, t.label(code), "csv-error-code", raw_code));
                None
            }
        };
        if let Some(c) = &unit_code
            && let Some(first) = first_line.insert(c.clone(), line)
        {
            errors.push(err(
                line,
                t.label(code),
                "csv-error-duplicate-code",
                &format!("{c} ({first})"),
            ));
        }
        let raw_count = Table::cell(cells, Some(count));
        let n = match parse_population_count(raw_count) {
            Ok(Some(n)) => Some(n),
            Ok(None) => {
                errors.push(err(line, t.label(count), "csv-error-required", ""));
                None
            }
            Err(key) => {
                errors.push(err(line, t.label(count), key, raw_count.trim()));
                None
            }
        };
        let reference = match source {
            None => Some(String::new()),
            Some(s) => parse_population_source(Table::cell(cells, Some(s)))
                .map_err(|key| errors.push(err(line, t.label(s), key, "")))
                .ok(),
        };
        if let (Some(code), Some(n), Some(reference)) = (unit_code, n, reference) {
            rows.push(PopulationRow {
                line,
                code,
                population: Population {
                    count: Some(n),
                    source: reference,
                },
            });
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(err(0, String::new(), "csv-error-empty", ""));
    }
    if errors.is_empty() {
        Ok(PopulationSheet {
            code_column: t.label(code),
            rows,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv: &str) -> Table {
        crate::uploads::table::read(csv.as_bytes(), &IMPORT_LIMITS, 100).unwrap()
    }

    fn errors(csv: &str) -> Vec<(usize, String, &'static str, String)> {
        match parse_population_table(&table(csv)) {
            Ok(_) => vec![],
            Err(e) => e
                .into_iter()
                .map(|e| (e.line, e.column, e.key, e.value))
                .collect(),
        }
    }

    #[test]
    fn counts_as_people_write_them() {
        let check = |raw: &str, expected: Result<Option<i64>, &str>| {
            assert_eq!(parse_population_count(raw), expected, "{raw}");
        };
        check("", Ok(None));
        check("  ", Ok(None));
        check("0", Ok(Some(0)));
        check("125000", Ok(Some(125_000)));
        check("125.000", Ok(Some(125_000)));
        check("1,234,567", Ok(Some(1_234_567)));
        check("1 234 567", Ok(Some(1_234_567)));
        check("12.5", Err("unit-error-population"));
        check("12,50", Err("unit-error-population"));
        check("1.234,567", Err("unit-error-population"));
        check("-3", Err("unit-error-population"));
        check("một trăm", Err("unit-error-population"));
        check("3000000000", Err("unit-error-population-large"));
        check(
            "99999999999999999999999",
            Err("unit-error-population-large"),
        );
    }

    #[test]
    fn the_form_names_each_bad_field() {
        let long = "x".repeat(MAX_SOURCE_CHARS + 1);
        let e = Population::parse("abc", &long).unwrap_err();
        assert_eq!(
            e,
            [
                ("population", "unit-error-population"),
                ("population_source", "unit-error-population-source-long")
            ]
        );
        assert_eq!(
            Population::parse(" 1.200 ", "  Niên giám   2024 ").unwrap(),
            Population {
                count: Some(1200),
                source: "Niên giám 2024".into()
            }
        );
        assert_eq!(Population::parse("", "").unwrap(), Population::default());
    }

    #[test]
    fn an_import_reads_codes_counts_and_references() {
        let sheet = parse_population_table(&table(
            "code,dân số,năm\n31117,\"12.345\",NGTK 2024\n31120,7\n",
        ))
        .unwrap();
        assert_eq!(sheet.code_column, "code");
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[0].line, 2);
        assert_eq!(sheet.rows[0].population.count, Some(12_345));
        assert_eq!(sheet.rows[0].population.source, "NGTK 2024");
        assert_eq!(sheet.rows[1].population.source, "");
    }

    #[test]
    fn every_import_error_has_its_row_and_column() {
        let check = |csv: &str, expected: &[(usize, &str, &str, &str)]| {
            let got = errors(csv);
            let got: Vec<(usize, &str, &str, &str)> = got
                .iter()
                .map(|(l, c, k, v)| (*l, c.as_str(), *k, v.as_str()))
                .collect();
            assert_eq!(got, expected, "{csv}");
        };
        check(
            "code,colour\nA,red\n",
            &[
                (1, "colour", "csv-error-unknown-column", "colour"),
                (1, "population", "csv-error-missing-column", "population"),
            ],
        );
        check(
            "population\n12\n",
            &[(1, "code", "csv-error-missing-column", "code")],
        );
        check("code,population\n", &[(0, "", "csv-error-empty", "")]);
        check(
            "code,population\nA,12\n,5\nB C,1\nA,3\nD,\nE,-4\n",
            &[
                (3, "code", "csv-error-required", ""),
                (4, "code", "csv-error-code", "B C"),
                (5, "code", "csv-error-duplicate-code", "A (2)"),
                (6, "population", "csv-error-required", ""),
                (7, "population", "unit-error-population", "-4"),
            ],
        );
    }
}
