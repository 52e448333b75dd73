//! The crate's one integration-test binary.
//!
//! `api` checks the public functions on their own (texts in the DOCX XML, bounds, determinism);
//! `tools` reads the outputs back with the programs people use (poppler, LibreOffice,
//! python-docx) and renders first pages to `tests/out/` for a person to look at. Those tests
//! print `skipped: …` when a program is missing, and fail instead when
//! `DULUAN_TEST_DOCS_TOOLS=1`.

mod api;
mod sample;
mod tools;
