//! Fuzz target: the normaliser (both tone styles) never panics, returns NFC text, and is
//! idempotent when legacy repair is off.
#![no_main]

use duluan_vitext::normalize::{Options, normalize, normalize_with};
use duluan_vitext::syllable::ToneStyle;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = normalize(s);
        for tone_style in [ToneStyle::Old, ToneStyle::New] {
            let o = Options { tone_style, repair_legacy: false };
            let once = normalize_with(s, &o);
            assert_eq!(normalize_with(&once, &o), once);
        }
        let _ = duluan_vitext::syllable::quality(s);
        let _ = duluan_vitext::pii::detect(s);
    }
});
