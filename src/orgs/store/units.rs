//! Units one by one: inserting a unit with its closure rows, changing it (and moving its subtree),
//! and finding units by id or code.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::{AppError, AppResult};
use crate::orgs::model::{Unit, UnitInput, fold};
use crate::{with_conn, with_db};

/// Inserts a unit under `parent` (or at the top) with its closure rows; returns its id.
pub async fn insert_unit(
    tx: &mut Tx,
    input: &UnitInput,
    parent: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let id: i64 = with_conn!(tx, |conn| {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO units (code, name, name_folded, kind, parent_id, valid_from, valid_to, note, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(&input.code)
        .bind(&input.name)
        .bind(fold(&input.name))
        .bind(&input.kind)
        .bind(parent)
        .bind(input.valid_from)
        .bind(input.valid_to)
        .bind(&input.note)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO unit_closure (ancestor_id, descendant_id, depth)
             SELECT ancestor_id, $1, depth + 1 FROM unit_closure WHERE descendant_id = $2
             UNION ALL SELECT $1, $1, 0",
        )
        .bind(id)
        .bind(parent.unwrap_or(-1))
        .execute(&mut *conn)
        .await?;
        id
    });
    Ok(id)
}

/// Moves a unit (and its subtree) under a new parent (or to the top); a conflict when the new
/// parent lies inside the unit's own subtree.
pub(super) async fn move_unit(tx: &mut Tx, id: i64, new_parent: Option<i64>) -> AppResult<()> {
    with_conn!(tx, |conn| {
        if let Some(p) = new_parent {
            let cycle: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM unit_closure WHERE ancestor_id = $1 AND descendant_id = $2",
            )
            .bind(id)
            .bind(p)
            .fetch_optional(&mut *conn)
            .await?;
            if cycle.is_some() {
                return Err(AppError::Conflict("unit-error-cycle"));
            }
        }
        sqlx::query(
            "DELETE FROM unit_closure
             WHERE descendant_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1)
               AND ancestor_id IN (SELECT ancestor_id FROM unit_closure WHERE descendant_id = $1 AND ancestor_id <> $1)",
        )
        .bind(id)
        .execute(&mut *conn)
        .await?;
        if let Some(p) = new_parent {
            sqlx::query(
                "INSERT INTO unit_closure (ancestor_id, descendant_id, depth)
                 SELECT sup.ancestor_id, sub.descendant_id, sup.depth + sub.depth + 1
                 FROM unit_closure sup CROSS JOIN unit_closure sub
                 WHERE sup.descendant_id = $1 AND sub.ancestor_id = $2",
            )
            .bind(p)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query("UPDATE units SET parent_id = $1 WHERE id = $2")
            .bind(new_parent)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Changes a unit's fields and, when `new_parent` differs, moves it with its subtree. Returns
/// whether the unit moved.
pub async fn update_unit(
    tx: &mut Tx,
    id: i64,
    input: &UnitInput,
    new_parent: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let current: Option<Option<i64>> = with_conn!(tx, |conn| {
        let current: Option<Option<i64>> =
            sqlx::query_scalar("SELECT parent_id FROM units WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        if current.is_some() {
            sqlx::query(
                "UPDATE units SET code = $1, name = $2, name_folded = $3, kind = $4, valid_from = $5, valid_to = $6,
                 note = $7, updated_at = $8 WHERE id = $9",
            )
            .bind(&input.code)
            .bind(&input.name)
            .bind(fold(&input.name))
            .bind(&input.kind)
            .bind(input.valid_from)
            .bind(input.valid_to)
            .bind(&input.note)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        current
    });
    let Some(current_parent) = current else {
        return Err(AppError::NotFound);
    };
    let moved = current_parent != new_parent;
    if moved {
        move_unit(tx, id, new_parent).await?;
    }
    Ok(moved)
}

/// One unit.
pub async fn find_unit(db: &Db, id: i64) -> AppResult<Option<Unit>> {
    Ok(with_db!(db, |pool| sqlx::query_as(unit_select!(
        "WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?))
}

/// One unit by code.
pub async fn find_unit_by_code(db: &Db, code: &str) -> AppResult<Option<Unit>> {
    Ok(with_db!(db, |pool| sqlx::query_as(unit_select!(
        "WHERE u.code = $1"
    ))
    .bind(code)
    .fetch_optional(pool)
    .await?))
}

/// Several units by id, in id order.
pub async fn list_units_by_ids(db: &Db, ids: &[i64]) -> AppResult<Vec<Unit>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{} WHERE u.id IN ({}) ORDER BY u.id",
        unit_select!(""),
        placeholders(1, ids.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(pool).await?
    }))
}

/// How many units exist.
pub async fn count_units(db: &Db) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM units"
    )
    .fetch_one(pool)
    .await?))
}

/// The id of the unit with `code`, inside a transaction (sees its uncommitted units).
pub async fn find_unit_id_in(tx: &mut Tx, code: &str) -> AppResult<Option<i64>> {
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM units WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?))
}
