//! All SQL of mail: the settings row and the outbox.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::mail::model::{OutboxStatus, Settings};
use crate::{with_conn, with_db};

/// The SMTP settings.
pub async fn find_settings(db: &Db) -> AppResult<Settings> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT host, port, security, username, password, from_address, from_name, enabled FROM mail_settings WHERE id = 1"
    )
    .fetch_one(pool)
    .await?
    }))
}

/// Saves the SMTP settings.
pub async fn update_settings(tx: &mut Tx, s: &Settings, now: DateTime<Utc>) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE mail_settings SET host = $1, port = $2, security = $3, username = $4, password = $5,
           from_address = $6, from_name = $7, enabled = $8, updated_at = $9 WHERE id = 1"
    )
    .bind(&s.host)
    .bind(s.port)
    .bind(s.security.key())
    .bind(&s.username)
    .bind(&s.password)
    .bind(&s.from_address)
    .bind(&s.from_name)
    .bind(s.enabled)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(())
}

/// A message of the outbox.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Queued {
    /// Id.
    pub id: i64,
    /// Idempotency key.
    pub idempotency_key: String,
    /// Recipient address.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// HTML body (empty: plain text only).
    pub body_html: String,
    /// Which context queued it (`reporting.reminder`, …).
    pub context: String,
    /// Unit the message concerns.
    pub unit_id: Option<i64>,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Attempts made.
    pub attempts: i32,
    /// Next attempt.
    pub next_attempt_at: DateTime<Utc>,
    /// Last error.
    pub last_error: String,
    /// Queued at.
    pub created_at: DateTime<Utc>,
    /// Sent at.
    pub sent_at: Option<DateTime<Utc>>,
}

const QUEUED_SELECT: &str =
    "SELECT id, idempotency_key, recipient, subject, body, body_html, context, unit_id, status, attempts,
    next_attempt_at, last_error, created_at, sent_at FROM mail_outbox";

/// Queues a message unless one with the same key exists; returns the new id, or `None`.
#[allow(clippy::too_many_arguments)]
pub async fn insert_message(
    tx: &mut Tx,
    key: &str,
    recipient: &str,
    subject: &str,
    body: &str,
    body_html: &str,
    context: &str,
    unit_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO mail_outbox (idempotency_key, recipient, subject, body, body_html, context, unit_id, status, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
    )
    .bind(key)
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(body_html)
    .bind(context)
    .bind(unit_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?
    }))
}

/// Pending messages whose time has come, oldest first.
pub async fn list_due(db: &Db, now: DateTime<Utc>, limit: i64) -> AppResult<Vec<Queued>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{QUEUED_SELECT} WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT {}",
        limit.clamp(1, 1000)
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(now)
        .fetch_all(pool)
        .await?))
}

/// Claims a pending message for one attempt (pushes its next attempt away so that no other
/// worker takes it); `false` when another worker was faster.
pub async fn claim(db: &Db, id: i64, until: DateTime<Utc>, now: DateTime<Utc>) -> AppResult<bool> {
    let n = with_db!(db, |pool| {
        sqlx::query(
        "UPDATE mail_outbox SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3"
    )
    .bind(until)
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected()
    });
    Ok(n == 1)
}

/// Records a delivered message.
pub async fn mark_sent(db: &Db, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    with_db!(db, |pool| {
        sqlx::query(
        "UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, sent_at = $1, last_error = '' WHERE id = $2"
    )
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected()
    });
    Ok(())
}

/// Records a failed attempt: retried at `next`, or given up (`failed`) when `give_up`.
pub async fn mark_failed(
    db: &Db,
    id: i64,
    error: &str,
    next: DateTime<Utc>,
    give_up: bool,
) -> AppResult<()> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2,
           status = $3 WHERE id = $4"
    )
    .bind(error)
    .bind(next)
    .bind(if give_up {
        OutboxStatus::Failed.key()
    } else {
        OutboxStatus::Pending.key()
    })
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// Puts a failed or pending message back in the queue now.
pub async fn update_retry(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> AppResult<bool> {
    let n = with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = $1 WHERE id = $2 AND status <> 'sent'"
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(n == 1)
}

/// Messages for the administrator's page: failed and pending first, then the latest sent.
pub async fn list_recent(db: &Db, limit: i64) -> AppResult<Vec<Queued>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{QUEUED_SELECT} ORDER BY CASE status WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, id DESC LIMIT {}",
        limit.clamp(1, 1000)
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await?))
}

/// Counts by status: `(pending, sent, failed)`.
pub async fn count_by_status(db: &Db) -> AppResult<(i64, i64, i64)> {
    let rows: Vec<(OutboxStatus, i64)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT status, COUNT(*) FROM mail_outbox GROUP BY status"
    )
    .fetch_all(pool)
    .await?);
    let get = |s: OutboxStatus| rows.iter().find(|r| r.0 == s).map(|r| r.1).unwrap_or(0);
    Ok((
        get(OutboxStatus::Pending),
        get(OutboxStatus::Sent),
        get(OutboxStatus::Failed),
    ))
}

/// Messages with the given key prefix (for the contexts that queued them).
pub async fn list_by_key_prefix(db: &Db, prefix: &str) -> AppResult<Vec<Queued>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{QUEUED_SELECT} WHERE SUBSTR(idempotency_key, 1, $2) = $1 ORDER BY id"
    ));
    let len = prefix.chars().count() as i32;
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(prefix)
        .bind(len)
        .fetch_all(pool)
        .await?))
}

/// `(id, key, last error)` of the failed messages with the key prefix and an id above `after`.
pub async fn list_failed_by_key_prefix(
    db: &Db,
    prefix: &str,
    after: i64,
    limit: i64,
) -> AppResult<Vec<(i64, String, String)>> {
    let len = prefix.chars().count() as i32;
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, idempotency_key, last_error FROM mail_outbox
         WHERE status = 'failed' AND id > $3 AND SUBSTR(idempotency_key, 1, $2) = $1
         ORDER BY id LIMIT $4"
    )
    .bind(prefix)
    .bind(len)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?))
}

/// Messages still to be delivered (queued or waiting for a retry).
pub async fn pending_count(db: &Db) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM mail_outbox WHERE status = 'pending'"
    )
    .fetch_one(pool)
    .await?))
}
