//! Fuzzes the bounded spreadsheet reader with small limits: arbitrary bytes (seed it with
//! `.xlsx`, `.ods` and `.xls` files) must give sheets that fit the limits, or an error; never a
//! panic, an abort or an allocation larger than the limits allow.
#![no_main]

use duluan_forms::xlsform::read_sheets_within;
use libfuzzer_sys::fuzz_target;

const LIMITS: duluan_filecheck::Limits = duluan_filecheck::Limits {
    max_file_bytes: 1 << 20,
    max_entries: 64,
    max_inflated_bytes: 4 << 20,
    max_ratio: 250,
    max_rows: 1_000,
    max_cols: 50,
    max_cells: 20_000,
    max_sheets: 8,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(sheets) = read_sheets_within(data, &LIMITS) {
        assert!(sheets.len() <= LIMITS.max_sheets);
        for sheet in sheets {
            assert!(sheet.rows.len() <= LIMITS.max_rows as usize);
            let cells: usize = sheet.rows.iter().map(Vec::len).sum();
            assert!(cells as u64 <= LIMITS.max_cells);
            assert!(sheet.rows.iter().all(|r| r.len() <= LIMITS.max_cols as usize));
        }
    }
});
