//! All SQL of the organisation tree: units, the closure table of the tree, lineage, unit types.
//!
//! The closure table `unit_closure` holds one row per (ancestor, descendant) pair, the unit itself
//! included at depth 0, so that "is X under Y" is one primary-key lookup and a subtree is one
//! indexed range on both backends.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::{AppError, AppResult};
use crate::orgs::model::{
    CsvUnit, LineageEvent, LineageLink, ParentRef, Unit, UnitInput, UnitKind, fold,
};
use crate::{with_conn, with_db};

macro_rules! unit_select {
    ($rest:literal) => {
        concat!(
            "SELECT u.id, u.code, u.name, u.kind, u.parent_id, u.valid_from, u.valid_to, u.note FROM units u ",
            $rest
        )
    };
}

/// The deployment's unit types, in display order.
pub async fn list_kinds(db: &Db) -> AppResult<Vec<UnitKind>> {
    let sql = "SELECT key, name_vi, name_en, territorial FROM unit_types ORDER BY sort_order, key";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await?))
}

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
async fn move_unit(tx: &mut Tx, id: i64, new_parent: Option<i64>) -> AppResult<()> {
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

/// A unit with the number of its direct children, for lists.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UnitWithCount {
    /// The unit.
    #[sqlx(flatten)]
    pub unit: Unit,
    /// Direct children.
    pub children: i64,
}

/// Direct children of a unit, by name (Vietnamese order of the folded name, then the name).
pub async fn list_children(db: &Db, id: i64) -> AppResult<Vec<UnitWithCount>> {
    let sql = "SELECT u.id, u.code, u.name, u.kind, u.parent_id, u.valid_from, u.valid_to, u.note,
               (SELECT COUNT(*) FROM units c WHERE c.parent_id = u.id) AS children
               FROM units u WHERE u.parent_id = $1 ORDER BY u.name_folded, u.name";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_all(pool)
        .await?))
}

/// The ancestors of a unit from the top down, the unit itself excluded.
pub async fn list_ancestors(db: &Db, id: i64) -> AppResult<Vec<Unit>> {
    let sql = unit_select!(
        "JOIN unit_closure c ON c.ancestor_id = u.id WHERE c.descendant_id = $1 AND c.depth > 0 ORDER BY c.depth DESC"
    );
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_all(pool)
        .await?))
}

/// Whether `unit_id` is one of `roots` or lies under one of them.
pub async fn is_within(db: &Db, roots: &[i64], unit_id: i64) -> AppResult<bool> {
    if roots.is_empty() {
        return Ok(false);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT 1 FROM unit_closure WHERE descendant_id = $1 AND ancestor_id IN ({}) LIMIT 1",
        placeholders(2, roots.len())
    ));
    let found: Option<i32> = with_db!(db, |pool| {
        let mut q = sqlx::query_scalar(sql).bind(unit_id);
        for r in roots {
            q = q.bind(*r);
        }
        q.fetch_optional(pool).await?
    });
    Ok(found.is_some())
}

/// Which of `unit_ids` lie under one of `roots` (themselves included).
pub async fn filter_within(db: &Db, roots: &[i64], unit_ids: &[i64]) -> AppResult<Vec<i64>> {
    if roots.is_empty() || unit_ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT descendant_id FROM unit_closure WHERE ancestor_id IN ({}) AND descendant_id IN ({})",
        placeholders(1, roots.len()),
        placeholders(roots.len() + 1, unit_ids.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_scalar(sql);
        for r in roots.iter().chain(unit_ids) {
            q = q.bind(*r);
        }
        q.fetch_all(pool).await?
    }))
}

/// How many units lie under `root` (itself included).
pub async fn count_subtree(db: &Db, root: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM unit_closure WHERE ancestor_id = $1"
    )
    .bind(root)
    .fetch_one(pool)
    .await?))
}

/// Searches units under `roots` whose folded name or code contains the folded query.
pub async fn search_units(db: &Db, roots: &[i64], query: &str, limit: i64) -> AppResult<Vec<Unit>> {
    if roots.is_empty() {
        return Ok(vec![]);
    }
    let pattern = format!("%{}%", fold(query).replace(['%', '_'], ""));
    let sql = sqlx::AssertSqlSafe(format!(
        "{} WHERE (u.name_folded LIKE $1 OR u.code LIKE $1) AND EXISTS (
             SELECT 1 FROM unit_closure c WHERE c.descendant_id = u.id AND c.ancestor_id IN ({}))
         ORDER BY u.name_folded, u.id LIMIT {}",
        unit_select!(""),
        placeholders(2, roots.len()),
        limit.clamp(1, 1000)
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(&pattern);
        for r in roots {
            q = q.bind(*r);
        }
        q.fetch_all(pool).await?
    }))
}

/// Every unit that rolls up to `root` as of `date`: the units of its current subtree and, through
/// merge/split lineage, every former unit (and its former subtree) that became part of it,
/// restricted to the units valid on `date`. Ordered by depth-first name.
pub async fn list_rollup(db: &Db, root: i64, date: NaiveDate) -> AppResult<Vec<Unit>> {
    // `r` holds the root and, recursively, every predecessor of a unit under something in `r`;
    // the answer is everything under anything in `r`, valid on the date.
    let sql = concat!(
        "WITH RECURSIVE r(id) AS (
             SELECT CAST($1 AS BIGINT)
             UNION
             SELECT l.predecessor_id FROM r
               JOIN unit_closure c ON c.ancestor_id = r.id
               JOIN unit_lineage l ON l.successor_id = c.descendant_id
         ) ",
        unit_select!(
            "WHERE u.id IN (SELECT c.descendant_id FROM unit_closure c WHERE c.ancestor_id IN (SELECT id FROM r))
               AND (u.valid_from IS NULL OR u.valid_from <= $2) AND (u.valid_to IS NULL OR u.valid_to >= $2)
             ORDER BY u.name_folded, u.id"
        )
    );
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(root)
        .bind(date)
        .fetch_all(pool)
        .await?))
}

/// Every unit under `roots`, parents before children (for export).
pub async fn list_subtrees(db: &Db, roots: &[i64]) -> AppResult<Vec<(Unit, Option<String>)>> {
    if roots.is_empty() {
        return Ok(vec![]);
    }
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        unit: Unit,
        parent_code: Option<String>,
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT u.id, u.code, u.name, u.kind, u.parent_id, u.valid_from, u.valid_to, u.note, p.code AS parent_code
         FROM units u LEFT JOIN units p ON p.id = u.parent_id
         WHERE u.id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id IN ({}))
         ORDER BY (SELECT MAX(depth) FROM unit_closure c3 WHERE c3.descendant_id = u.id), u.name_folded, u.id",
        placeholders(1, roots.len())
    ));
    let rows: Vec<Row> = with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for r in roots {
            q = q.bind(*r);
        }
        q.fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(|r| (r.unit, r.parent_code)).collect())
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

/// The ids from the top of the tree down to `id`, as a path `/1/5/23/` (empty for no unit).
pub async fn path_of(db: &Db, id: i64) -> AppResult<String> {
    let ids: Vec<i64> = with_db!(db, |pool| sqlx::query_scalar(PATH_OF_SQL)
        .bind(id)
        .fetch_all(pool)
        .await?);
    Ok(path_from_ids(&ids))
}

/// [`path_of`] inside a transaction (the audit entry of a write reads it there).
pub async fn path_of_in(tx: &mut Tx, id: i64) -> AppResult<String> {
    let ids: Vec<i64> = with_conn!(tx, |conn| sqlx::query_scalar(PATH_OF_SQL)
        .bind(id)
        .fetch_all(&mut *conn)
        .await?);
    Ok(path_from_ids(&ids))
}

const PATH_OF_SQL: &str =
    "SELECT ancestor_id FROM unit_closure WHERE descendant_id = $1 ORDER BY depth DESC";

fn path_from_ids(ids: &[i64]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let mut path = String::from("/");
    for i in ids {
        path.push_str(&i.to_string());
        path.push('/');
    }
    path
}

/// Units at most `max_depth` levels under `roots` (roots included), by depth then name.
pub async fn list_near(db: &Db, roots: &[i64], max_depth: i64) -> AppResult<Vec<Unit>> {
    if roots.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{} JOIN (SELECT descendant_id, MIN(depth) AS depth FROM unit_closure
                  WHERE ancestor_id IN ({}) AND depth <= {} GROUP BY descendant_id) d ON d.descendant_id = u.id
         ORDER BY d.depth, u.name_folded, u.id LIMIT 2000",
        unit_select!(""),
        placeholders(1, roots.len()),
        max_depth.max(0)
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for r in roots {
            q = q.bind(*r);
        }
        q.fetch_all(pool).await?
    }))
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

/// How many direct children a unit has.
pub async fn count_children(db: &Db, id: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM units WHERE parent_id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await?))
}

/// For each of `ids`, its ancestors from the top down, the unit itself last.
pub async fn ancestor_map(db: &Db, ids: &[i64]) -> AppResult<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for chunk in ids.chunks(5000) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT descendant_id, ancestor_id, CAST(depth AS BIGINT) FROM unit_closure WHERE descendant_id IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<(i64, i64, i64)> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        let mut by: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
        for (d, a, depth) in rows {
            by.entry(d).or_default().push((depth, a));
        }
        for (d, mut v) in by {
            v.sort_by_key(|x| std::cmp::Reverse(x.0));
            out.insert(d, v.into_iter().map(|x| x.1).collect());
        }
    }
    Ok(out)
}

/// [`subtree_ids`] inside a transaction (the units of a subtree just moved), in any order.
pub async fn subtree_ids_in(tx: &mut Tx, roots: &[i64]) -> AppResult<Vec<i64>> {
    let mut out = Vec::new();
    // Chunks keep every statement under both backends' parameter limits (an import may move
    // thousands of units).
    for chunk in roots.chunks(1000) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT descendant_id FROM unit_closure WHERE ancestor_id IN ({})",
            placeholders(1, chunk.len())
        ));
        let ids: Vec<i64> = with_conn!(tx, |conn| {
            let mut q = sqlx::query_scalar(sql);
            for r in chunk {
                q = q.bind(*r);
            }
            q.fetch_all(&mut *conn).await?
        });
        out.extend(ids);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Every unit under one of `roots`, the roots included.
pub async fn subtree_ids(db: &Db, roots: &[i64]) -> AppResult<Vec<i64>> {
    if roots.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT descendant_id FROM unit_closure WHERE ancestor_id IN ({}) ORDER BY descendant_id",
        placeholders(1, roots.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_scalar(sql);
        for r in roots {
            q = q.bind(*r);
        }
        q.fetch_all(pool).await?
    }))
}

/// Ids of every top-level unit (no parent), in id order.
pub async fn list_root_ids(db: &Db) -> AppResult<Vec<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM units WHERE parent_id IS NULL ORDER BY id"
    )
    .fetch_all(pool)
    .await?))
}
