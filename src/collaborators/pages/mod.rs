//! Collaborator pages, one file per sub-resource: the registry with one collaborator, its
//! activity and replacement (`registry.rs`), CSV import, all or nothing (`import.rs`), and coverage
//! against representation targets (`coverage.rs`). Here: the helpers they and the briefings share.

mod coverage;
mod import;
mod registry;

pub use coverage::*;
pub use import::*;
pub use registry::*;

use chrono::Datelike as _;
use chrono::{Duration, Utc};

use crate::collaborators::model::{AttributeValue, Dimension};
use crate::web::i18n::{Lang, Tr};

pub fn value_name(tr: Tr, values: &[AttributeValue], d: Dimension, key: &str) -> String {
    values
        .iter()
        .find(|v| v.dimension == d && v.key == key)
        .map(|v| match tr.lang() {
            Lang::Vi => v.name_vi.clone(),
            Lang::En => v.name_en.clone(),
        })
        .unwrap_or_else(|| key.to_string())
}

/// The last `n` months, most recent first (`YYYY-MM`).
pub fn last_months(n: usize) -> Vec<String> {
    let mut d = Utc::now().date_naive();
    let mut out = vec![];
    for _ in 0..n {
        out.push(d.format("%Y-%m").to_string());
        d = d.with_day0(0).expect("valid day") - Duration::days(1);
    }
    out
}
