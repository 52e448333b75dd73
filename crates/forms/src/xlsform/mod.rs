//! XLSForm import and export.
//!
//! [`import_xlsx`] reads an `.xlsx` (also `.xls`, `.ods`) XLSForm from bytes: the `survey`,
//! `choices` and `settings` sheets, pyxform's column and type aliases (`select one x`,
//! `begin group`, `relevance`, `jr:count`, …) and translation columns such as
//! `label::Tiếng Việt (vi)`. It reports every error at once, each with its sheet, row and column
//! and a message in Vietnamese and English, and produces no form if there is any error; the
//! form is also run through [`crate::check_form`]. [`export_xlsx`] writes any form back;
//! `import(export(form)) == form`.
//!
//! Duluan's own columns, ignored by pyxform: `interviewer_label` (wording read by an
//! interviewer, translatable) on the survey sheet and `published` on the settings sheet.

mod sheets;

pub use sheets::{Sheet, export_sheets, import_sheets};

use crate::diag::{DiagKind, Diagnostic, Place};
use crate::model::Form;
use std::io::Cursor;

/// Reads an XLSForm from the bytes of a spreadsheet file.
pub fn import_xlsx(bytes: &[u8]) -> Result<Form, Vec<Diagnostic>> {
    import_sheets(&read_sheets(bytes)?)
}

/// Reads every sheet of a spreadsheet (xlsx, xls, xlsb, ods) as text cells.
pub fn read_sheets(bytes: &[u8]) -> Result<Vec<Sheet>, Vec<Diagnostic>> {
    use calamine::{Data, Reader};
    let file_error = |en: String, vi: String| {
        vec![Diagnostic {
            kind: DiagKind::File,
            place: Place::default(),
            message_en: en,
            message_vi: vi,
        }]
    };
    if bytes.is_empty() {
        return Err(file_error("the file is empty".into(), "tệp rỗng".into()));
    }
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        file_error(
            format!("the file is not a spreadsheet (xlsx, xls or ods): {e}"),
            format!("tệp không phải là bảng tính (xlsx, xls hoặc ods): {e}"),
        )
    })?;
    let mut sheets = Vec::new();
    let mut errors = Vec::new();
    for name in book.sheet_names() {
        match book.worksheet_range(&name) {
            Ok(range) => {
                let (r0, c0) = range.start().unwrap_or((0, 0));
                let mut rows: Vec<Vec<String>> = vec![Vec::new(); r0 as usize];
                for row in range.rows() {
                    let mut cells = vec![String::new(); c0 as usize];
                    cells.extend(row.iter().map(|d| match d {
                        Data::Empty => String::new(),
                        Data::String(s) => s.clone(),
                        Data::Int(i) => i.to_string(),
                        Data::Float(f) => crate::value::format_number(*f),
                        Data::Bool(b) => b.to_string(),
                        Data::DateTime(dt) => excel_date(dt.as_f64()),
                        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                        Data::Error(e) => format!("#{e:?}"),
                    }));
                    rows.push(cells);
                }
                sheets.push(Sheet { name, rows });
            }
            Err(e) => errors.push(Diagnostic {
                kind: DiagKind::File,
                place: Place {
                    sheet: Some(name.clone()),
                    ..Place::default()
                },
                message_en: format!("the sheet cannot be read: {e}"),
                message_vi: format!("không đọc được trang tính: {e}"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(sheets)
    } else {
        Err(errors)
    }
}

/// An Excel date serial (days since 1899-12-30) as `YYYY-MM-DD` (with a time when it has one).
fn excel_date(serial: f64) -> String {
    if !serial.is_finite() || serial.abs() > 3.0e6 {
        return crate::value::format_number(serial);
    }
    let days = serial.floor() as i64 - 25_569;
    let ms = ((serial - serial.floor()) * 86_400_000.0).round() as i64;
    if ms == 0 {
        crate::value::format_date(days)
    } else {
        crate::value::DateTime {
            epoch_ms: days * 86_400_000 + ms,
            offset_minutes: 0,
        }
        .to_iso()
    }
}

/// Writes a form as an `.xlsx` XLSForm.
pub fn export_xlsx(form: &Form) -> Result<Vec<u8>, String> {
    write_sheets(&export_sheets(form))
}

/// Writes sheets of text cells as an `.xlsx` file (empty cells are left blank).
pub fn write_sheets(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(&sheet.name).map_err(|e| e.to_string())?;
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    ws.write_string(r as u32, c as u16, cell)
                        .map_err(|e| e.to_string())?;
                }
            }
        }
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}
