//! Hostile spreadsheets given to the XLSForm reader: each gets one clear error that says what
//! the file declares and what is read, never an abort or a huge allocation.

use duluan_forms::DiagKind;
use duluan_forms::xlsform::{XLSFORM_LIMITS, import_xlsx, read_sheets};

/// A two-cell workbook: `type` in A1 of `survey`, and one more cell at XFD1048576.
fn two_cells_far_apart() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("survey").unwrap();
    ws.write_string(0, 0, "type").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_cell_at_xfd1048576_is_a_clear_error() {
    let errors = import_xlsx(&two_cells_far_apart()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind, DiagKind::File);
    assert_eq!(
        errors[0].message_en,
        "the sheet \"survey\" declares 1,048,576 rows × 16,384 columns; at most 100,000 rows × 1,000 columns are read"
    );
    assert!(errors[0].message_vi.contains("1.048.576 hàng × 16.384 cột"));
}

#[test]
fn a_zip_bomb_is_a_clear_error() {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("xl/workbook.xml", opts).unwrap();
    w.write_all(&vec![b' '; 60 << 20]).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let errors = read_sheets(&bytes).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message_en.contains("inflates to at least")
            || errors[0].message_en.contains("is compressed"),
        "{}",
        errors[0].message_en
    );
}

#[test]
fn a_form_at_the_edge_of_the_limits_still_reads() {
    // A choice list as long and a sheet as wide as the limits allow, laid out within the cells.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("choices").unwrap();
    ws.write_string(XLSFORM_LIMITS.max_rows - 1, 0, "last")
        .unwrap();
    ws.write_string(0, (XLSFORM_LIMITS.max_cols - 1) as u16, "wide")
        .unwrap();
    let err = read_sheets(&book.save_to_buffer().unwrap()).unwrap_err();
    // 100,000 rows × 1,000 columns is more cells than are laid out: refused as such.
    assert!(err[0].message_en.contains("cells"), "{}", err[0].message_en);
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("choices").unwrap();
    ws.write_string(XLSFORM_LIMITS.max_rows - 1, 0, "last")
        .unwrap();
    ws.write_string(0, 10, "wide").unwrap();
    let sheets = read_sheets(&book.save_to_buffer().unwrap()).unwrap();
    assert_eq!(sheets[0].rows.len(), XLSFORM_LIMITS.max_rows as usize);
}
