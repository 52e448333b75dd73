//! All SQL of the organisation tree, one file per sub-resource: units and their writes
//! (`units.rs`), reads of the tree through its closure table (`tree.rs`), lineage and the roll-up
//! it drives (`lineage.rs`), CSV import writes (`import.rs`), populations (`population.rs`); unit
//! types here. Callers use `store::name` as before.
//!
//! The closure table `unit_closure` holds one row per (ancestor, descendant) pair, the unit itself
//! included at depth 0, so that "is X under Y" is one primary-key lookup and a subtree is one
//! indexed range on both backends.

/// The columns of a `Unit`, read from `units u`; the rest of the query follows.
macro_rules! unit_select {
    ($rest:literal) => {
        concat!(
            "SELECT u.id, u.code, u.name, u.kind, u.parent_id, u.valid_from, u.valid_to, u.note, u.population, u.population_source FROM units u ",
            $rest
        )
    };
}

mod import;
mod lineage;
mod population;
mod tree;
mod units;

pub use import::*;
pub use lineage::*;
pub use population::*;
pub use tree::*;
pub use units::*;

use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::orgs::model::UnitKind;
use crate::{with_conn, with_db};

/// The deployment's unit types, in display order.
pub async fn list_kinds(db: &Db) -> AppResult<Vec<UnitKind>> {
    let sql = "SELECT key, name_vi, name_en, territorial FROM unit_types ORDER BY sort_order, key";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await?))
}

/// Adds a unit type at the end of the list.
pub async fn insert_kind(tx: &mut Tx, kind: &UnitKind) -> AppResult<()> {
    let sql = "INSERT INTO unit_types (key, name_vi, name_en, territorial, sort_order)
               VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM unit_types))";
    with_conn!(tx, |conn| sqlx::query(sql)
        .bind(&kind.key)
        .bind(&kind.name_vi)
        .bind(&kind.name_en)
        .bind(kind.territorial)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}
