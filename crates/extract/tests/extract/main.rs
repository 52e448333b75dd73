//! Integration tests of duluan-extract: one binary, one module per concern.

mod bad_input;
mod bounds;
mod documents;
mod encodings;
mod feeds;
mod ocr;
mod records;

use duluan_extract::{Extracted, FileError, Options, extract};

/// Options with OCR off (tests that need OCR turn it on).
pub fn no_ocr() -> Options {
    Options {
        ocr: false,
        ..Options::default()
    }
}

/// Extracts and expects success.
pub fn ok(name: &str, bytes: &[u8]) -> Extracted {
    match extract(name, bytes, &no_ocr()) {
        Ok(x) => x,
        Err(e) => panic!("{name}: unexpected errors: {}", show(&e)),
    }
}

/// Extracts and expects errors.
pub fn errs(name: &str, bytes: &[u8]) -> Vec<FileError> {
    match extract(name, bytes, &no_ocr()) {
        Ok(x) => panic!("{name}: expected errors, got {x:?}"),
        Err(e) => e,
    }
}

/// The errors as one line each.
pub fn show(errors: &[FileError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A fixture file's bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Vietnamese folded to ASCII lower case (`Người` → `nguoi`), to compare OCR output.
pub fn fold(s: &str) -> String {
    duluan_vitext::chars::fold(s).to_lowercase()
}
