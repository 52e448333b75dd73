//! Fuzz target: any bytes, under every file name, through `extract` (OCR off): never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 7] = [
    "a.csv", "a.jsonl", "a.txt", "a.docx", "a.pdf", "a.png", "noext",
];

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let options = duluan_extract::Options {
        ocr: false,
        ..Default::default()
    };
    let name = NAMES[which as usize % NAMES.len()];
    let _ = duluan_extract::sniff(name, bytes);
    let _ = duluan_extract::extract(name, bytes, &options);
});
