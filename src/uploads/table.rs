//! A table uploaded as CSV or as the first sheet of a spreadsheet (XLSX, XLS, ODS), read into a
//! header and text rows, with the row numbers and column names a person sees in the file, so
//! that every error can say where. Spreadsheets are bounded by [`duluan_filecheck`] before any
//! cell is read; call [`read`] through [`super::read_blocking`].

use chrono::NaiveDate;
use duluan_filecheck::{Limits, Refusal};

/// A read table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Header cells, trimmed and lower-cased.
    pub headers: Vec<String>,
    /// How errors name each column: `C (email)` in a spreadsheet, `email` in a CSV file.
    pub labels: Vec<String>,
    /// `(row number in the file, cells)`; blank rows are left out.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// The index of the first column whose header is one of `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| names.contains(&h.as_str()))
    }

    /// The cell of `row` at `col` (empty past the row's end).
    pub fn cell(cells: &[String], col: Option<usize>) -> &str {
        col.and_then(|c| cells.get(c)).map_or("", String::as_str)
    }

    /// How errors name column `col`.
    pub fn label(&self, col: usize) -> String {
        self.labels.get(col).cloned().unwrap_or_default()
    }
}

/// Why a table was not read.
#[derive(Clone, Debug)]
pub enum TableError {
    /// The spreadsheet was refused before reading (too large, a zip bomb, a sheet declaring a
    /// million rows): the refusal says what and the limit.
    Refused(Refusal),
    /// Not a CSV file in UTF-8 nor a spreadsheet one can read.
    Unreadable,
    /// No header row.
    Empty,
    /// A CSV record that cannot be read (an unclosed quote), at this row.
    BadRow(usize),
    /// More data rows than allowed; the row where the limit was passed.
    TooManyRows(usize),
}

/// Whether the bytes start as a ZIP (XLSX, ODS) or OLE (XLS) file.
pub fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Reads a CSV file or the first sheet of a spreadsheet, within `limits` and `max_rows` data
/// rows.
pub fn read(bytes: &[u8], limits: &Limits, max_rows: usize) -> Result<Table, TableError> {
    if is_spreadsheet(bytes) {
        read_sheet(bytes, limits, max_rows)
    } else {
        read_csv(bytes, max_rows)
    }
}

fn read_csv(bytes: &[u8], max_rows: usize) -> Result<Table, TableError> {
    let text = std::str::from_utf8(bytes).map_err(|_| TableError::Unreadable)?;
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| TableError::BadRow(1))?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(TableError::Empty);
    }
    let mut rows = vec![];
    let bytes = text.as_bytes();
    let (mut counted_to, mut newlines) = (0usize, 0usize);
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|_| TableError::BadRow(i + 2))?;
        // The line where the record starts, counted from its byte offset (the reader's own
        // line count leaves blank lines out). Offsets only grow: newlines are counted once.
        let row = match record.position() {
            None => i + 2,
            Some(p) => {
                let mut at = (p.byte() as usize).min(bytes.len());
                // The reader counts a record from the blank lines before it.
                while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
                    at += 1;
                }
                if at > counted_to {
                    newlines += bytes[counted_to..at]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count();
                    counted_to = at;
                }
                1 + newlines
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == max_rows {
            return Err(TableError::TooManyRows(row));
        }
        rows.push((
            row,
            record
                .iter()
                .map(|c| crate::kit::csv::read_text_cell(c).to_string())
                .collect(),
        ));
    }
    Ok(Table {
        labels: headers.clone(),
        headers,
        rows,
    })
}

fn read_sheet(bytes: &[u8], limits: &Limits, max_rows: usize) -> Result<Table, TableError> {
    let sheets =
        duluan_filecheck::sheets::read(bytes, limits, duluan_filecheck::sheets::Which::First)
            .map_err(|e| match e {
                Refusal::NotSpreadsheet(_) | Refusal::Damaged(_) => TableError::Unreadable,
                e => TableError::Refused(e),
            })?;
    let first = sheets.into_iter().next().ok_or(TableError::Empty)?;
    let grid = first.rows();
    // The header is the first row with a value; columns start at the first used column.
    let r0 = grid
        .iter()
        .position(|r| r.iter().any(|d| !cell_text(d).is_empty()))
        .ok_or(TableError::Empty)?;
    let c0 = grid
        .iter()
        .filter_map(|r| r.iter().position(|d| !cell_text(d).is_empty()))
        .min()
        .unwrap_or(0);
    let cells =
        |r: &Vec<calamine::Data>| -> Vec<String> { r.iter().skip(c0).map(cell_text).collect() };
    let headers: Vec<String> = cells(&grid[r0]).iter().map(|h| h.to_lowercase()).collect();
    let labels = headers
        .iter()
        .enumerate()
        .map(|(i, h)| format!("{} ({h})", column_letter(c0 + i)))
        .collect();
    let mut rows = vec![];
    for (i, line) in grid.iter().enumerate().skip(r0 + 1) {
        let texts = cells(line);
        if texts.iter().all(String::is_empty) {
            continue;
        }
        if rows.len() == max_rows {
            return Err(TableError::TooManyRows(i + 1));
        }
        rows.push((i + 1, texts));
    }
    Ok(Table {
        headers,
        labels,
        rows,
    })
}

/// The spreadsheet name of a 0-based column: `A`, `B`, … `Z`, `AA` …
pub fn column_letter(mut i: usize) -> String {
    let mut out = vec![];
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// A spreadsheet cell as text: whole numbers without a decimal point, dates as `YYYY-MM-DD`.
pub fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            if serial.is_finite() && (1.0..3.0e6).contains(&serial) {
                let base = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
                (base + chrono::Duration::days(serial.floor() as i64)).to_string()
            } else {
                serial.to_string()
            }
        }
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The message of a table that was not read, in the user's language.
pub fn error_text(tr: crate::web::i18n::Tr, e: &TableError) -> String {
    match e {
        TableError::Refused(r) => super::refusal_text(tr, r),
        TableError::Unreadable => tr.t("upload-table-unreadable"),
        TableError::Empty => tr.t("upload-table-empty"),
        TableError::BadRow(row) => tr.ta("upload-table-bad-row", &[("row", row.to_string())]),
        TableError::TooManyRows(row) => tr.ta("upload-table-too-many", &[("row", row.to_string())]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_file_bytes: 1 << 20,
        max_entries: 100,
        max_inflated_bytes: 8 << 20,
        max_ratio: 250,
        max_rows: 1_000,
        max_cols: 32,
        max_cells: 20_000,
        max_sheets: 4,
    };

    #[test]
    fn csv_rows_keep_their_line_numbers_and_skip_blank_lines() {
        let t = read(
            b"\xEF\xBB\xBFID, Email\n a1 ,x@y.vn\n\n a2,'=cmd\n",
            &LIMITS,
            10,
        )
        .unwrap();
        assert_eq!(t.headers, ["id", "email"]);
        assert_eq!(t.labels, ["id", "email"]);
        assert_eq!(t.rows[0], (2, vec!["a1".to_string(), "x@y.vn".to_string()]));
        // A neutralised formula cell reads back as it was written.
        assert_eq!(t.rows[1], (4, vec!["a2".to_string(), "=cmd".to_string()]));
        assert_eq!(t.column(&["email", "thu_dien_tu"]), Some(1));
    }

    #[test]
    fn bad_csv_is_an_error_with_its_place() {
        assert!(matches!(
            read(b"\xff\xfe", &LIMITS, 10),
            Err(TableError::Unreadable)
        ));
        assert!(matches!(read(b"", &LIMITS, 10), Err(TableError::Empty)));
        assert!(matches!(
            read(b"id\n1\n2\n3\n", &LIMITS, 2),
            Err(TableError::TooManyRows(4))
        ));
    }

    #[test]
    fn a_large_csv_is_read_in_linear_time_with_its_line_numbers() {
        let mut csv = String::from("id,email\n");
        for i in 0..200_000 {
            csv.push_str(&format!("h{i},ho{i}@example.vn\n"));
            if i % 1000 == 0 {
                csv.push('\n');
            }
        }
        // Line numbers are counted once over the file (counting from the start for each
        // record made this read take minutes).
        let t = read(csv.as_bytes(), &LIMITS, 300_000).unwrap();
        assert_eq!(t.rows.len(), 200_000);
        // Row 1,001 (h1000) comes after one blank line (after h0), 1,003 lines in.
        assert_eq!(t.rows[1000].0, 1003);
        assert_eq!(t.rows[1001].0, 1005);
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16_383), "XFD");
    }
}
