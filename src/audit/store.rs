//! All SQL of the audit log. The application only ever inserts and reads; the database refuses
//! updates and deletes with triggers.

use chrono::{DateTime, Duration, Utc};

use crate::audit::model::{Actor, AuditEntry, AuditFilter};
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// Appends one entry.
#[allow(clippy::too_many_arguments)]
pub async fn insert_entry(
    tx: &mut Tx,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: &str,
    unit_id: Option<i64>,
    unit_path: &str,
    detail: &str,
) -> AppResult<()> {
    let sql = "INSERT INTO audit_log (at, user_id, username, action, object_type, object_id, unit_id, unit_path, ip, detail)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    with_conn!(tx, |conn| sqlx::query(sql)
        .bind(at)
        .bind(actor.user_id)
        .bind(&actor.username)
        .bind(action)
        .bind(object_type)
        .bind(object_id)
        .bind(unit_id)
        .bind(unit_path)
        .bind(&actor.ip)
        .bind(detail)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Entries whose unit path starts with one of `path_prefixes`, newest first, filtered.
pub async fn list_entries(
    db: &Db,
    path_prefixes: &[String],
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<AuditEntry>> {
    if path_prefixes.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = String::from(
        "SELECT id, at, username, action, object_type, object_id, unit_id, ip, detail FROM audit_log WHERE (",
    );
    let mut n = 0;
    for (i, _) in path_prefixes.iter().enumerate() {
        if i > 0 {
            sql.push_str(" OR ");
        }
        n += 1;
        sql.push_str(&format!("unit_path LIKE ${n}"));
    }
    sql.push(')');
    let (from, to) = filter.days();
    let user = filter.user.trim();
    let action = filter.action.trim();
    if !user.is_empty() {
        n += 1;
        sql.push_str(&format!(" AND username = ${n}"));
    }
    if !action.is_empty() {
        n += 1;
        sql.push_str(&format!(" AND action = ${n}"));
    }
    if from.is_some() {
        n += 1;
        sql.push_str(&format!(" AND at >= ${n}"));
    }
    if to.is_some() {
        n += 1;
        sql.push_str(&format!(" AND at < ${n}"));
    }
    sql.push_str(&format!(
        " ORDER BY at DESC, id DESC LIMIT {} OFFSET {}",
        limit.clamp(1, 1000),
        offset.max(0)
    ));
    let day_start = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let sql = sqlx::AssertSqlSafe(sql);
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for p in path_prefixes {
            q = q.bind(format!("{p}%"));
        }
        if !user.is_empty() {
            q = q.bind(user);
        }
        if !action.is_empty() {
            q = q.bind(action);
        }
        if let Some(d) = from {
            q = q.bind(day_start(d));
        }
        if let Some(d) = to {
            q = q.bind(day_start(d) + Duration::days(1));
        }
        q.fetch_all(pool).await?
    }))
}

/// How many entries there are with this action (for tests and health checks).
pub async fn count_action(db: &Db, action: &str) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = $1"
    )
    .bind(action)
    .fetch_one(pool)
    .await?))
}

/// How many entries with `action` were recorded for `username` since `since`.
pub async fn count_recent(
    db: &Db,
    action: &str,
    username: &str,
    since: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND username = $2 AND at >= $3"
    )
    .bind(action)
    .bind(username)
    .bind(since)
    .fetch_one(pool)
    .await?))
}

/// Deletes the entries older than `before` (the deployment's retention); returns how many. The
/// log refuses deletes except below a bound written in `audit_purge`, which exists only inside
/// this transaction.
pub async fn delete_before(db: &Db, before: DateTime<Utc>) -> AppResult<u64> {
    let mut tx = db.begin().await?;
    let n = with_conn!(&mut tx, |conn| {
        sqlx::query("INSERT INTO audit_purge (before) VALUES ($1)")
            .bind(before)
            .execute(&mut *conn)
            .await?;
        let n = sqlx::query("DELETE FROM audit_log WHERE at < $1")
            .bind(before)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM audit_purge")
            .execute(&mut *conn)
            .await?;
        Ok::<u64, crate::error::AppError>(n)
    })?;
    tx.commit().await?;
    Ok(n)
}
