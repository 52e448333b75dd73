//! The writes of a CSV import of units (update by code, else insert; all or nothing with the
//! caller's transaction) and what checking an import reads.

use chrono::{DateTime, Utc};

use super::units::{insert_unit, move_unit};
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::orgs::model::{CsvUnit, ParentRef, fold};
use crate::{with_conn, with_db};

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Units created.
    pub created: usize,
    /// Units updated (matched by code).
    pub updated: usize,
    /// Units that moved under another parent (their subtrees' ancestry changed).
    pub moved: Vec<i64>,
}

/// Writes checked CSV rows: rows whose code exists update that unit (and move it if its parent
/// changed), others are inserted. All or nothing with the caller's transaction; a large import
/// should be followed by [`refresh_statistics`] after the commit.
pub async fn import_units(
    tx: &mut Tx,
    rows: &[CsvUnit],
    now: DateTime<Utc>,
) -> AppResult<ImportSummary> {
    let mut summary = ImportSummary::default();
    let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
    for row in rows {
        let parent = match row.parent {
            ParentRef::None => None,
            ParentRef::Stored(id) => Some(id),
            ParentRef::Row(i) => Some(ids[i]),
        };
        let existing: Option<(i64, Option<i64>)> = with_conn!(tx, |conn| sqlx::query_as(
            "SELECT id, parent_id FROM units WHERE code = $1"
        )
        .bind(&row.input.code)
        .fetch_optional(&mut *conn)
        .await?);
        let id = match existing {
            Some((id, current_parent)) => {
                with_conn!(tx, |conn| {
                    sqlx::query(
                    "UPDATE units SET name = $1, name_folded = $2, kind = $3, valid_from = $4, valid_to = $5,
                     note = $6, updated_at = $7 WHERE id = $8",
                )
                .bind(&row.input.name)
                .bind(fold(&row.input.name))
                .bind(&row.input.kind)
                .bind(row.input.valid_from)
                .bind(row.input.valid_to)
                .bind(&row.input.note)
                .bind(now)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
                });
                if current_parent != parent {
                    move_unit(tx, id, parent).await?;
                    summary.moved.push(id);
                }
                summary.updated += 1;
                id
            }
            None => {
                summary.created += 1;
                insert_unit(tx, &row.input, parent, now).await?
            }
        };
        ids.push(id);
    }
    Ok(summary)
}

/// Refreshes the query planner's statistics of the tree tables.
pub async fn refresh_statistics(db: &Db) -> AppResult<()> {
    with_db!(db, |pool| {
        sqlx::query("ANALYZE units").execute(pool).await?;
        sqlx::query("ANALYZE unit_closure").execute(pool).await?;
    });
    Ok(())
}

/// Every stored code with its unit id (for checking an import).
pub async fn map_codes(db: &Db) -> AppResult<std::collections::HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT code, id FROM units WHERE code IS NOT NULL"
    )
    .fetch_all(pool)
    .await?);
    Ok(rows.into_iter().collect())
}
