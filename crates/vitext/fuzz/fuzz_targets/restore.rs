//! Fuzz target: diacritic restoration never panics and only changes marks and letter case;
//! model deserialisation never panics on any bytes.
#![no_main]

use duluan_vitext::{chars, restore::Model};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let r = Model::default_model().restore(s);
        assert_eq!(chars::fold(&r).to_lowercase(), chars::fold(s).to_lowercase());
    }
    let _ = Model::from_bytes(data);
    let _ = duluan_vitext::classify::Classifier::from_bytes(data);
});
