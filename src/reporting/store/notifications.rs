//! Units' reminder addresses and the in-app notifications of reporting.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// A unit's reminder address and the language its messages are written in.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Contact {
    /// Unit.
    pub unit_id: i64,
    /// E-mail address.
    pub email: String,
    /// Language code (`vi`, `en`).
    pub lang: String,
}

/// Reminder addresses of units.
pub async fn list_contacts(db: &Db) -> AppResult<Vec<Contact>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT unit_id, email, lang FROM report_unit_contacts ORDER BY unit_id"
    )
    .fetch_all(pool)
    .await?))
}

/// Sets reminder addresses, all or nothing.
pub async fn upsert_contacts(tx: &mut Tx, rows: &[Contact], now: DateTime<Utc>) -> AppResult<()> {
    for c in rows {
        with_conn!(tx, |conn| {
            sqlx::query(
            "INSERT INTO report_unit_contacts (unit_id, email, lang, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (unit_id) DO UPDATE SET email = excluded.email, lang = excluded.lang,
               updated_at = excluded.updated_at",
        )
        .bind(c.unit_id)
        .bind(&c.email)
        .bind(&c.lang)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
    }
    Ok(())
}

/// An in-app notification to store: rendered when read, in the reader's language, from its
/// message key and arguments; `message` (Vietnamese) is kept for readers of the raw table.
pub struct NewNotification<'a> {
    /// Idempotency key.
    pub key: &'a str,
    /// Unit whose users see it.
    pub unit_id: i64,
    /// The message in Vietnamese.
    pub message: &'a str,
    /// Fluent message key.
    pub message_key: &'a str,
    /// Its arguments, a JSON object of strings.
    pub args: &'a str,
    /// Where it leads.
    pub link: &'a str,
}

/// Adds an in-app notification for a unit unless one with the same key exists.
pub async fn insert_notification(
    tx: &mut Tx,
    n: &NewNotification<'_>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let added = with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO report_notifications (key, unit_id, message, message_key, args, link, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (key) DO NOTHING"
    )
    .bind(n.key)
    .bind(n.unit_id)
    .bind(n.message)
    .bind(n.message_key)
    .bind(n.args)
    .bind(n.link)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(added == 1)
}

/// A stored notification.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Notification {
    /// The message in Vietnamese (older rows: the only text).
    pub message: String,
    /// Fluent message key, or empty.
    pub message_key: String,
    /// Its arguments (JSON object).
    pub args: String,
    /// Where it leads.
    pub link: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The latest notifications of the given units.
pub async fn list_notifications(db: &Db, units: &[i64]) -> AppResult<Vec<Notification>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT message, message_key, args, link, created_at FROM report_notifications WHERE unit_id IN ({})
         ORDER BY created_at DESC, id DESC LIMIT 20",
        placeholders(1, units.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}
