//! Fuzz target: the ZIP central-directory check that runs before any archive is opened. Any
//! bytes give a directory within the limits or a refusal; never a panic, and never more
//! entries or declared bytes than the limits allow.
#![no_main]

use libfuzzer_sys::fuzz_target;

const LIMITS: duluan_filecheck::Limits = duluan_filecheck::Limits {
    max_file_bytes: 1 << 20,
    max_entries: 64,
    max_inflated_bytes: 4 << 20,
    max_ratio: 250,
    max_rows: 0,
    max_cols: 0,
    max_cells: 0,
    max_sheets: 0,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(dir) = duluan_filecheck::zip::check_directory(data, &LIMITS) {
        assert!(dir.entries.len() as u64 <= LIMITS.max_entries);
        assert!(dir.declared_total() <= LIMITS.max_inflated_bytes);
        // What passed the directory may still be inflated only within the cap.
        let _ = duluan_filecheck::zip::check_inflated(data, &LIMITS);
    }
});
