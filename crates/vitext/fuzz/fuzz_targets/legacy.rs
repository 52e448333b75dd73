//! Fuzz target: the legacy-encoding detector and decoders never panic on any bytes.
#![no_main]

use duluan_vitext::legacy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, _) = legacy::decode_bytes(data);
    let _ = legacy::detect(&text);
    let _ = legacy::decode_tcvn3(&text);
    let _ = legacy::decode_vni(&text);
    let _ = legacy::decode_utf8_mojibake(&text);
});
