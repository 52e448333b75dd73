//! Fuzzes the XLSForm reader: arbitrary bytes (seeded with the corpus) must give a form or
//! errors, never a panic; and a form read must export and read back to itself.
#![no_main]

use duluan_forms::xlsform::{export_xlsx, import_xlsx};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(form) = import_xlsx(data) {
        let bytes = export_xlsx(&form).expect("export");
        assert_eq!(import_xlsx(&bytes).expect("re-import"), form);
    }
});
