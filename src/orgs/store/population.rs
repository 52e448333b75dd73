//! Units' populations: setting one (inside the caller's transaction, returning what it was),
//! finding the units an import names by code, and finding the current units under a unit that
//! a survey question's choices may stand for.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::orgs::model::{Population, Unit};
use crate::{with_conn, with_db};

/// Values bound per query when a list is looked up in pieces (well under both backends' limits).
const CHUNK: usize = 500;

/// Sets a unit's population; returns what it was, or `None` when there is no such unit.
pub async fn update_population(
    tx: &mut Tx,
    id: i64,
    population: &Population,
    now: DateTime<Utc>,
) -> AppResult<Option<Population>> {
    let before: Option<(Option<i64>, String)> = with_conn!(tx, |conn| {
        let before: Option<(Option<i64>, String)> =
            sqlx::query_as("SELECT population, population_source FROM units WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        let changed = before
            .as_ref()
            .is_some_and(|(c, s)| *c != population.count || *s != population.source);
        if changed {
            sqlx::query(
                "UPDATE units SET population = $1, population_source = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(population.count)
            .bind(&population.source)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        before
    });
    Ok(before.map(|(count, source)| Population { count, source }))
}

/// The ids of the units with the given codes (codes of no unit are left out).
pub async fn map_codes_of(db: &Db, codes: &[String]) -> AppResult<HashMap<String, i64>> {
    let mut out = HashMap::with_capacity(codes.len());
    for chunk in codes.chunks(CHUNK) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT code, id FROM units WHERE code IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<(String, i64)> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for c in chunk {
                q = q.bind(c);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// The units strictly under `root`, valid on `date`, whose code is one of `codes` or whose folded
/// name is one of `folded_names` (indexed look-ups: the subtree is never read whole).
pub async fn list_descendants_matching(
    db: &Db,
    root: i64,
    date: NaiveDate,
    codes: &[String],
    folded_names: &[String],
) -> AppResult<Vec<Unit>> {
    let mut out: Vec<Unit> = Vec::new();
    for (column, values) in [("u.code", codes), ("u.name_folded", folded_names)] {
        for chunk in values.chunks(CHUNK) {
            let sql = sqlx::AssertSqlSafe(format!(
                "{} JOIN unit_closure c ON c.descendant_id = u.id
                 WHERE c.ancestor_id = $1 AND c.depth > 0
                   AND (u.valid_from IS NULL OR u.valid_from <= $2) AND (u.valid_to IS NULL OR u.valid_to >= $2)
                   AND {column} IN ({})",
                unit_select!(""),
                placeholders(3, chunk.len())
            ));
            let rows: Vec<Unit> = with_db!(db, |pool| {
                let mut q = sqlx::query_as(sql).bind(root).bind(date);
                for v in chunk {
                    q = q.bind(v);
                }
                q.fetch_all(pool).await?
            });
            out.extend(rows);
        }
    }
    out.sort_by_key(|u| u.id);
    out.dedup_by_key(|u| u.id);
    Ok(out)
}
