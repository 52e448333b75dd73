//! Fuzz target: any bytes through `feeds::parse_feed`: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = duluan_extract::feeds::parse_feed(data, None);
    let _ = duluan_extract::feeds::parse_feed(data, Some("text/html"));
});
