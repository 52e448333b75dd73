//! Command-line fronts of the pure engines (`duluan stats`, `duluan forms`, `duluan text`).
//!
//! Each file or folder here parses its arguments with clap, reads and writes files and standard streams,
//! and calls its engine crate under `crates/`; the engines themselves do no IO.

pub mod forms;
pub mod stats;
pub mod text;
