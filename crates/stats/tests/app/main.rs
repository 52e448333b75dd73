//! Integration tests of duluan-stats against numbers computed by R's survey package
//! (`tests/fixtures/make_fixtures.R` wrote the data and `expected.csv`).

mod errors;
mod fixtures;
mod replicate;
mod taylor;
mod weighting;

fn main() {}
