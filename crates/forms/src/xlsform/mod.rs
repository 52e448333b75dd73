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
//! It accepts what pyxform 4.x accepts and refuses what it refuses, at the same sheet, row and
//! column: labels only in translated columns, `or_other` (a choice `other` and a question
//! `NAME_other`, as pyxform adds them), a note without a name, Excel date and time cells, the
//! audit named `audit`, pyxform's checks of media, audit and geo `parameters`.
//! [`import_xlsx_with_warnings`] also returns what pyxform only warns about (a choice without a
//! label, a photo without `max-pixels`, `or_other` with translations) and what duluan ignores
//! (`public_key`, `submission_url`, media columns). Not supported yet, refused with an error
//! saying so: `select_one_from_file`, `select_multiple_from_file`, external selects and
//! `pulldata()` (they need form media files).
//!
//! Duluan's own columns, ignored by pyxform: `interviewer_label` (wording read by an
//! interviewer, translatable) on the survey sheet and `published` on the settings sheet.

mod sheets;

pub use sheets::{Sheet, export_sheets, import_sheets, import_sheets_with_warnings};

use crate::diag::{DiagKind, Diagnostic, Place};
use crate::model::Form;

/// Reads an XLSForm from the bytes of a spreadsheet file.
pub fn import_xlsx(bytes: &[u8]) -> Result<Form, Vec<Diagnostic>> {
    import_sheets(&read_sheets(bytes)?)
}

/// [`import_xlsx`], also returning the warnings (kind [`DiagKind::Warning`]): what pyxform
/// accepts with a warning (a choice without a label, a photo without `max-pixels`, `or_other`
/// with translations) and settings duluan does not keep (`public_key`, `submission_url`).
pub fn import_xlsx_with_warnings(bytes: &[u8]) -> Result<(Form, Vec<Diagnostic>), Vec<Diagnostic>> {
    import_sheets_with_warnings(&read_sheets(bytes)?)
}

/// What an XLSForm upload may hold. A questionnaire is a few hundred rows and a few dozen
/// columns; a choice list of every village of a province is tens of thousands of rows. The
/// limits leave room for that and refuse, before anything large is allocated, what only a
/// broken or hostile file declares (a sheet of 1,048,576 rows × 16,384 columns, a zip bomb).
pub const XLSFORM_LIMITS: duluan_filecheck::Limits = duluan_filecheck::Limits {
    // The server accepts uploads of a few MiB; a real XLSForm is under 1 MiB.
    max_file_bytes: 10 << 20,
    // An .xlsx has about ten parts; 1,000 leaves room for images and custom XML.
    max_entries: 1_000,
    // Inflated XML, all parts together: 50 MiB holds a million short cells.
    max_inflated_bytes: 50 << 20,
    // Spreadsheet XML deflates 5–30 times; deflate's own maximum is about 1,000.
    max_ratio: 250,
    // Tens of thousands of choices fit; a million-row sheet is not a questionnaire.
    max_rows: 100_000,
    // type, name, label and hint per language, media, extra choice columns: well under 1,000.
    max_cols: 1_000,
    // The rectangle the sheet is laid out in (rows × columns from A1), about 50 MiB of cells.
    max_cells: 2_000_000,
    // survey, choices, settings, and a few of the designer's own notes.
    max_sheets: 50,
};

/// Reads every sheet of a spreadsheet (xlsx, xls, xlsb, ods) as text cells, within
/// [`XLSFORM_LIMITS`]: the container and every sheet are checked before anything large is
/// allocated, and a file past a limit gets one error that says what it declares and the limit.
pub fn read_sheets(bytes: &[u8]) -> Result<Vec<Sheet>, Vec<Diagnostic>> {
    read_sheets_within(bytes, &XLSFORM_LIMITS)
}

/// [`read_sheets`] with other limits.
pub fn read_sheets_within(
    bytes: &[u8],
    limits: &duluan_filecheck::Limits,
) -> Result<Vec<Sheet>, Vec<Diagnostic>> {
    use calamine::Data;
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
    let read = duluan_filecheck::sheets::read(bytes, limits, duluan_filecheck::sheets::Which::All)
        .map_err(|e| match e {
            duluan_filecheck::Refusal::NotSpreadsheet(_) => file_error(
                "the file is not a spreadsheet (xlsx, xls or ods)".into(),
                "tệp không phải là bảng tính (xlsx, xls hoặc ods)".into(),
            ),
            e => file_error(e.to_string(), e.message_vi()),
        })?;
    let text = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => crate::value::format_number(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    };
    Ok(read
        .into_iter()
        .map(|sheet| Sheet {
            rows: sheet
                .rows()
                .iter()
                .map(|row| row.iter().map(text).collect())
                .collect(),
            name: sheet.name,
        })
        .collect())
}

/// An Excel date serial (days since 1899-12-30) as XLSForm values are written: a date as
/// `YYYY-MM-DD`, a time alone (a serial below 1) as `HH:MM:SS`, a date and time as
/// `YYYY-MM-DDTHH:MM:SS` (no time zone: the device's local time, as ODK reads a default).
pub(crate) fn excel_date(serial: f64) -> String {
    if !serial.is_finite() || !(0.0..=3.0e6).contains(&serial) {
        return crate::value::format_number(serial);
    }
    let mut days = serial.floor() as i64;
    let mut secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    if secs == 86_400 {
        days += 1;
        secs = 0;
    }
    let time = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if days == 0 {
        return time;
    }
    let date = crate::value::format_date(days - 25_569);
    if secs == 0 {
        date
    } else {
        format!("{date}T{time}")
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

#[cfg(test)]
mod tests {
    #[test]
    fn excel_dates_and_times() {
        assert_eq!(super::excel_date(45_296.0), "2024-01-05");
        assert_eq!(super::excel_date(0.354_166_666_666_666_7), "08:30:00");
        assert_eq!(
            super::excel_date(45_296.354_166_666_67),
            "2024-01-05T08:30:00"
        );
    }
}
