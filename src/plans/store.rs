//! All of the work plans' SQL.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::plans::model::ItemKind;
use crate::{with_conn, with_db};

/// A plan.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Plan {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
}

/// A unit's plan of a year, created empty when missing; returns its id.
pub async fn ensure_plan(
    tx: &mut Tx,
    unit_id: i64,
    year: i32,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO work_plans (unit_id, year, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (unit_id, year) DO NOTHING",
        )
        .bind(unit_id)
        .bind(year)
        .bind(user_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM work_plans WHERE unit_id = $1 AND year = $2"
    )
    .bind(unit_id)
    .bind(year)
    .fetch_one(&mut *conn)
    .await?))
}

/// The plans of `units` for `year`.
pub async fn list_plans(db: &Db, units: &[i64], year: i32) -> AppResult<Vec<Plan>> {
    let mut out = vec![];
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id, unit_id FROM work_plans WHERE year = $1 AND unit_id IN ({})",
            placeholders(2, chunk.len())
        ));
        let rows: Vec<Plan> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql).bind(year);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// An item.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Item {
    /// Id.
    pub id: i64,
    /// Plan.
    pub plan_id: i64,
    /// Kind.
    pub kind: ItemKind,
    /// Title.
    pub title: String,
    /// Month (1–12).
    pub month: i32,
    /// Ticked done on (other activities).
    pub done_on: Option<NaiveDate>,
}

/// Adds an item.
pub async fn insert_item(
    tx: &mut Tx,
    plan_id: i64,
    kind: ItemKind,
    title: &str,
    month: i32,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "INSERT INTO work_plan_items (plan_id, kind, title, month) VALUES ($1, $2, $3, $4)
         RETURNING id"
    )
    .bind(plan_id)
    .bind(kind.key())
    .bind(title)
    .bind(month)
    .fetch_one(&mut *conn)
    .await?))
}

/// How many items a plan has.
pub async fn count_items_in(tx: &mut Tx, plan_id: i64) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "SELECT COUNT(*) FROM work_plan_items WHERE plan_id = $1"
    )
    .bind(plan_id)
    .fetch_one(&mut *conn)
    .await?))
}

/// The items of `plans`, by month.
pub async fn list_items(db: &Db, plans: &[i64]) -> AppResult<Vec<Item>> {
    let mut out: Vec<Item> = vec![];
    for chunk in plans.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id, plan_id, kind, title, month, done_on FROM work_plan_items
             WHERE plan_id IN ({}) ORDER BY month, id",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Item> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for p in chunk {
                q = q.bind(*p);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by(|a, b| a.month.cmp(&b.month).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Removes an item of a plan; whether it existed.
pub async fn delete_item(tx: &mut Tx, plan_id: i64, item_id: i64) -> AppResult<bool> {
    Ok(with_conn!(tx, |conn| sqlx::query(
        "DELETE FROM work_plan_items WHERE plan_id = $1 AND id = $2"
    )
    .bind(plan_id)
    .bind(item_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0))
}

/// Ticks (or unticks) an "other" item of a plan; whether it existed.
pub async fn set_done(
    tx: &mut Tx,
    plan_id: i64,
    item_id: i64,
    done_on: Option<NaiveDate>,
) -> AppResult<bool> {
    Ok(with_conn!(tx, |conn| sqlx::query(
        "UPDATE work_plan_items SET done_on = $1 WHERE plan_id = $2 AND id = $3 AND kind = 'other'"
    )
    .bind(done_on)
    .bind(plan_id)
    .bind(item_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0))
}
