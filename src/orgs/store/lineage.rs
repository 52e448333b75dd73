//! Lineage between units (merge, split, rename, transfer) and the roll-up of a unit as of a date,
//! which follows merge/split lineage to the former units that became part of it.

use chrono::NaiveDate;

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::orgs::model::{LineageEvent, LineageLink, Unit};
use crate::{with_conn, with_db};

/// Every unit that rolls up to `root` as of `date`: the units of its current subtree and, through
/// merge/split lineage, every former unit (and its former subtree) that became part of it,
/// restricted to the units valid on `date`. Ordered by depth-first name.
pub async fn list_rollup(db: &Db, root: i64, date: NaiveDate) -> AppResult<Vec<Unit>> {
    list_rollup_many(db, &[root], date).await
}

/// [`list_rollup`] of several roots at once, in one query: each unit once, ordered by name.
pub async fn list_rollup_many(db: &Db, roots: &[i64], date: NaiveDate) -> AppResult<Vec<Unit>> {
    if roots.is_empty() {
        return Ok(vec![]);
    }
    // `r` holds the roots and, recursively, every predecessor of a unit under something in `r`;
    // the answer is everything under anything in `r`, valid on the date.
    let sql = sqlx::AssertSqlSafe(format!(
        "WITH RECURSIVE r(id) AS (
             SELECT id FROM units WHERE id IN ({roots})
             UNION
             SELECT l.predecessor_id FROM r
               JOIN unit_closure c ON c.ancestor_id = r.id
               JOIN unit_lineage l ON l.successor_id = c.descendant_id
         ) {select}",
        roots = placeholders(2, roots.len()),
        select = unit_select!(
            "WHERE u.id IN (SELECT c.descendant_id FROM unit_closure c WHERE c.ancestor_id IN (SELECT id FROM r))
               AND (u.valid_from IS NULL OR u.valid_from <= $1) AND (u.valid_to IS NULL OR u.valid_to >= $1)
             ORDER BY u.name_folded, u.id"
        )
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(date);
        for r in roots {
            q = q.bind(*r);
        }
        q.fetch_all(pool).await?
    }))
}

/// Records that `predecessor` became (part of) `successor`.
pub async fn insert_lineage(
    tx: &mut Tx,
    predecessor: i64,
    successor: i64,
    event: LineageEvent,
    effective_date: NaiveDate,
    note: &str,
) -> AppResult<i64> {
    let sql = "INSERT INTO unit_lineage (predecessor_id, successor_id, event, effective_date, note)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (predecessor_id, successor_id) DO UPDATE SET event = excluded.event,
                   effective_date = excluded.effective_date, note = excluded.note
               RETURNING id";
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(sql)
        .bind(predecessor)
        .bind(successor)
        .bind(event.key())
        .bind(effective_date)
        .bind(note)
        .fetch_one(&mut *conn)
        .await?))
}

/// The predecessors of a unit (units that became part of it).
pub async fn list_predecessors(db: &Db, id: i64) -> AppResult<Vec<LineageLink>> {
    let sql = "SELECT l.id, u.id AS other_id, u.name AS other_name, l.event, l.effective_date
               FROM unit_lineage l JOIN units u ON u.id = l.predecessor_id
               WHERE l.successor_id = $1 ORDER BY l.effective_date, u.name_folded";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_all(pool)
        .await?))
}

/// The successors of a unit (units it became part of).
pub async fn list_successors(db: &Db, id: i64) -> AppResult<Vec<LineageLink>> {
    let sql = "SELECT l.id, u.id AS other_id, u.name AS other_name, l.event, l.effective_date
               FROM unit_lineage l JOIN units u ON u.id = l.successor_id
               WHERE l.predecessor_id = $1 ORDER BY l.effective_date, u.name_folded";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_all(pool)
        .await?))
}
