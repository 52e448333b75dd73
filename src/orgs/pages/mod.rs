//! Organisation pages, one file per action: browsing the tree, a unit and its roll-up (`tree.rs`),
//! edit, new child and lineage (`edit.rs`), CSV import (all or nothing) and export (`import.rs`),
//! population import (`population.rs`) and unit kinds (`types.rs`). Here: how a unit shows as a
//! line, shared by them.

mod edit;
mod import;
mod population;
mod tree;
mod types;

pub use edit::*;
pub use import::*;
pub use population::*;
pub use tree::*;
pub use types::*;

use chrono::{NaiveDate, Utc};

use crate::orgs::model::{Unit, UnitKind};
use crate::web::i18n::Tr;

/// A unit as a line in lists.
struct UnitLine {
    id: i64,
    code: String,
    name: String,
    kind: String,
    children: i64,
    validity: String,
    former: bool,
    /// The population as the language writes it (`125.000`), empty when unknown.
    population: String,
    /// Its reference.
    population_source: String,
}

/// A whole count grouped by thousands as the language writes it (`1.234.567`, `1,234,567`).
pub fn grouped(n: i64, tr: Tr) -> String {
    let sep = if tr.lang() == crate::web::i18n::Lang::Vi {
        '.'
    } else {
        ','
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

fn validity(tr: Tr, u: &Unit) -> String {
    let d = |d: Option<NaiveDate>| {
        d.map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    match (u.valid_from, u.valid_to) {
        (None, None) => String::new(),
        (from, None) => tr.ta("unit-valid-from", &[("from", d(from))]),
        (from, to) => tr.ta("unit-valid-range", &[("from", d(from)), ("to", d(to))]),
    }
}

fn kind_name(kinds: &[UnitKind], key: &str, tr: Tr) -> String {
    kinds
        .iter()
        .find(|k| k.key == key)
        .map(|k| k.name(tr.lang()).to_string())
        .unwrap_or_else(|| key.to_string())
}

fn line(tr: Tr, kinds: &[UnitKind], u: &Unit, children: i64) -> UnitLine {
    let today = Utc::now().date_naive();
    UnitLine {
        id: u.id,
        code: u.code.clone().unwrap_or_default(),
        name: u.name.clone(),
        kind: kind_name(kinds, &u.kind, tr),
        children,
        validity: validity(tr, u),
        former: !u.valid_on(today),
        population: u.population.map(|n| grouped(n, tr)).unwrap_or_default(),
        population_source: u.population_source.clone(),
    }
}

/// The non-empty file posted in the multipart field `file` of an import form, if any.
async fn file_field(
    multipart: &mut axum::extract::Multipart,
) -> crate::error::AppResult<Option<axum::body::Bytes>> {
    let bad = |_| crate::error::AppError::BadRequest("import-error-upload");
    let mut bytes = None;
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            bytes = Some(field.bytes().await.map_err(bad)?);
        }
    }
    Ok(bytes.filter(|b| !b.is_empty()))
}
