//! Reads of the tree through the closure table: children, ancestors, subtrees, scope checks
//! (`is_within`, `filter_within`), search, paths and near levels.

use std::collections::HashMap;

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::orgs::model::{Unit, fold};
use crate::{with_conn, with_db};

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
    let sql = "SELECT u.id, u.code, u.name, u.kind, u.parent_id, u.valid_from, u.valid_to, u.note, u.population, u.population_source,
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
        "SELECT u.id, u.code, u.name, u.kind, u.parent_id, u.valid_from, u.valid_to, u.note, u.population, u.population_source, p.code AS parent_code
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
