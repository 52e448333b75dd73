//! Integration tests of duluan-stats against numbers computed by R's survey package
//! (`tests/fixtures/make_fixtures.R` wrote the data and `expected.csv`).

// Numeric checks index parallel columns by row.
#![allow(clippy::needless_range_loop)]

mod aapor;
mod errors;
mod fixtures;
mod props;
mod replicate;
mod sampling;
mod taylor;
mod weighting;

fn main() {}
