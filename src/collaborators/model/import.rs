//! Reading a collaborator import, CSV or XLSX: headers and every row checked into form fields,
//! each error naming its row and column, within the file limits of an import.

use crate::uploads::table::cell_text;
pub use crate::uploads::table::{column_letter, is_spreadsheet};

use super::fields::CollaboratorFields;

/// The CSV columns of an import, in order (`unit` takes a unit code).
pub const CSV_COLUMNS: [&str; 14] = [
    "unit",
    "full_name",
    "phone",
    "email",
    "consent_date",
    "term_from",
    "term_to",
    "stratum",
    "sector",
    "organisation",
    "age_band",
    "gender",
    "ethnicity",
    "religion",
];

/// One error of an import: row (1 = the header), column, message key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    /// Row number in the file.
    pub row: usize,
    /// Column name.
    pub column: String,
    /// Message key.
    pub key: &'static str,
}

/// The most data rows an import takes.
pub const MAX_IMPORT_ROWS: usize = 50_000;

/// Errors of a header row (unknown columns, missing required ones); `label` names a column.
fn check_headers(headers: &[String], label: impl Fn(usize) -> String) -> Vec<CsvError> {
    let mut errors = vec![];
    for (i, h) in headers.iter().enumerate() {
        if !h.is_empty() && !CSV_COLUMNS.contains(&h.as_str()) {
            errors.push(CsvError {
                row: 1,
                column: label(i),
                key: "collaborators-import-error-column",
            });
        }
    }
    for required in ["unit", "full_name", "consent_date"] {
        if !headers.iter().any(|h| h == required) {
            errors.push(CsvError {
                row: 1,
                column: required.to_string(),
                key: "collaborators-import-error-missing-column",
            });
        }
    }
    errors
}

/// The fields of one data row, by header name.
fn fields_of(headers: &[String], cell: impl Fn(usize) -> String) -> CollaboratorFields {
    let get = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .map(&cell)
            .unwrap_or_default()
    };
    CollaboratorFields {
        unit: get("unit"),
        full_name: get("full_name"),
        phone: get("phone"),
        email: get("email"),
        consent_date: get("consent_date"),
        term_from: get("term_from"),
        term_to: get("term_to"),
        sector: get("sector"),
        organisation: get("organisation"),
        stratum: get("stratum"),
        age_band: get("age_band"),
        gender: get("gender"),
        ethnicity: get("ethnicity"),
        religion: get("religion"),
    }
}

/// Reads an import file into raw rows (header checked); the caller resolves units and parses each.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<(usize, CollaboratorFields)>, Vec<CsvError>> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(_) => {
            return Err(vec![CsvError {
                row: 1,
                column: String::new(),
                key: "collaborators-import-error-header",
            }]);
        }
    };
    let mut errors = check_headers(&headers, |i| headers[i].clone());
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = vec![];
    for (i, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                let row = i + 2;
                errors.push(CsvError {
                    row,
                    column: String::new(),
                    key: "collaborators-import-error-row",
                });
                continue;
            }
        };
        // The record's line in the file, as the csv reader counts it.
        let row = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(i + 2);
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows.push((
            row,
            fields_of(&headers, |i| record.get(i).unwrap_or("").to_string()),
        ));
        if rows.len() > MAX_IMPORT_ROWS {
            errors.push(CsvError {
                row,
                column: String::new(),
                key: "collaborators-import-error-too-many",
            });
            break;
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// What a collaborator import spreadsheet may hold: one sheet of at most
/// [`MAX_IMPORT_ROWS`] people (plus the header and some blank rows) in the [`CSV_COLUMNS`]
/// (plus a few columns of the unit's own notes). Everything past these is refused before it is
/// read, with what the file declares.
pub const IMPORT_LIMITS: duluan_filecheck::Limits = duluan_filecheck::Limits {
    // Uploads are capped by the server's body limit long before this.
    max_file_bytes: 20 << 20,
    // An .xlsx has about ten parts; 1,000 leaves room for images and custom XML.
    max_entries: 1_000,
    // 50,000 rows of 14 short cells inflate to about 30 MiB of sheet XML.
    max_inflated_bytes: 64 << 20,
    // Spreadsheet XML deflates 5–30 times; deflate's own maximum is about 1,000.
    max_ratio: 250,
    // MAX_IMPORT_ROWS people, the header, and room for blank rows between groups.
    max_rows: MAX_IMPORT_ROWS as u32 + 10_000,
    // The 14 import columns and some notes columns; nobody keeps 16,384.
    max_cols: 64,
    // The rectangle from A1 to the last cell: the rows above at 20 columns.
    max_cells: 1_200_000,
    // Only the first sheet is read, but every sheet name is listed when the workbook opens.
    max_sheets: 100,
};

/// Reads a spreadsheet import (XLSX, also XLS or ODS) within [`IMPORT_LIMITS`]: the first
/// sheet, its first row the header, the same columns and checks as CSV. Rows are the sheet's
/// row numbers; columns are named by letter and header (`C (consent_date)`).
pub fn read_xlsx(bytes: &[u8]) -> Result<ImportFile, ImportError> {
    let file_error = || {
        ImportError::Rows(vec![CsvError {
            row: 1,
            column: String::new(),
            key: "collaborators-import-error-spreadsheet",
        }])
    };
    let sheets = duluan_filecheck::sheets::read(
        bytes,
        &IMPORT_LIMITS,
        duluan_filecheck::sheets::Which::First,
    )
    .map_err(|e| match e {
        // A file that is no spreadsheet keeps the import's own message.
        duluan_filecheck::Refusal::NotSpreadsheet(_) | duluan_filecheck::Refusal::Damaged(_) => {
            file_error()
        }
        e => ImportError::Refused(e),
    })?;
    let Some(first) = sheets.into_iter().next() else {
        return Err(file_error());
    };
    let grid = first.rows();
    // The header is the first row with a value; columns start at the first used column.
    let Some(r0) = grid
        .iter()
        .position(|r| r.iter().any(|d| !cell_text(d).is_empty()))
    else {
        return Err(file_error());
    };
    let c0 = grid
        .iter()
        .filter_map(|r| r.iter().position(|d| !cell_text(d).is_empty()))
        .min()
        .unwrap_or(0);
    let cells =
        |r: &Vec<calamine::Data>| -> Vec<String> { r.iter().skip(c0).map(cell_text).collect() };
    let headers: Vec<String> = cells(&grid[r0]).iter().map(|h| h.to_lowercase()).collect();
    let label = |i: usize| {
        let h = headers.get(i).cloned().unwrap_or_default();
        format!("{} ({h})", column_letter(c0 + i))
    };
    let mut errors = check_headers(&headers, label);
    for e in &mut errors {
        e.row = r0 + 1;
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let mut rows = vec![];
    for (i, line) in grid.iter().enumerate().skip(r0 + 1) {
        let row = i + 1;
        let texts = cells(line);
        if texts.iter().all(String::is_empty) {
            continue;
        }
        rows.push((
            row,
            fields_of(&headers, |i| texts.get(i).cloned().unwrap_or_default()),
        ));
        if rows.len() > MAX_IMPORT_ROWS {
            return Err(ImportError::Rows(vec![CsvError {
                row,
                column: String::new(),
                key: "collaborators-import-error-too-many",
            }]));
        }
    }
    let labels = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.is_empty())
        .map(|(i, h)| (h.clone(), label(i)))
        .collect();
    Ok(ImportFile { rows, labels })
}

/// Why an import file was not read.
#[derive(Clone, Debug)]
pub enum ImportError {
    /// Errors with their row and column.
    Rows(Vec<CsvError>),
    /// The spreadsheet was refused before reading (too large, a zip bomb, a sheet declaring a
    /// million rows): the refusal says what and the limit.
    Refused(duluan_filecheck::Refusal),
}

/// A read import: its rows, and how its columns are named in errors.
#[derive(Clone, Debug, Default)]
pub struct ImportFile {
    /// `(row number in the file, raw fields)`.
    pub rows: Vec<(usize, CollaboratorFields)>,
    /// `(field, label)` for spreadsheets (`C (consent_date)`); empty for CSV.
    pub labels: Vec<(String, String)>,
}

impl ImportFile {
    /// How errors name the column of `field`.
    pub fn column(&self, field: &str) -> String {
        self.labels
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| field.to_string())
    }
}

/// Reads an import file, CSV or spreadsheet (told apart by the file's first bytes).
pub fn read_import(bytes: &[u8]) -> Result<ImportFile, ImportError> {
    if is_spreadsheet(bytes) {
        read_xlsx(bytes)
    } else {
        Ok(ImportFile {
            rows: read_csv(bytes).map_err(ImportError::Rows)?,
            labels: vec![],
        })
    }
}
