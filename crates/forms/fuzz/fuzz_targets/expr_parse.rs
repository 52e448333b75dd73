//! Fuzzes the expression parser: never panics; error positions stay inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        match duluan_forms::parse_expression(src) {
            Ok(e) => {
                let s = e.span();
                assert!(s.start <= s.end && s.end <= src.len());
            }
            Err(err) => {
                assert!(err.position.offset <= src.len());
                assert!(err.position.line >= 1 && err.position.column >= 1);
            }
        }
    }
});
