//! Fuzzes the form media file reader: arbitrary bytes read as a CSV, an XML and a GeoJSON file
//! must give a table or an error, never a panic; every row of a table is as long as its header,
//! and a lookup on any two columns answers.
#![no_main]

use duluan_forms::media::parse_media;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["f.csv", "f.xml", "f.geojson"] {
        if let Ok(t) = parse_media(name, data) {
            assert!(t.rows.iter().all(|r| r.len() == t.columns.len()));
            if let (Some(a), Some(b)) = (t.columns.first(), t.columns.last()) {
                let _ = t.lookup(a, b, "x");
                let _ = t.choices("f", a, b);
            }
        }
    }
});
