//! All of the briefings context's SQL: orientation messages and their recipients (this file),
//! briefing sessions with their invitations and streams (`sessions`), collaborators invited by
//! e-mail (`guests`).

use chrono::{DateTime, Utc};

use crate::briefings::model::Audience;
use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::{with_conn, with_db};

pub mod guests;
pub mod sessions;

/// An orientation message as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Message {
    /// Id.
    pub id: i64,
    /// The sending unit (its subtree received it).
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// The message.
    pub body: String,
    /// Key facts, one per line.
    pub key_facts: String,
    /// What to say.
    pub talking_points: String,
    /// Who it went to.
    pub audience: Audience,
    /// The hot spot it concerns.
    pub hotspot_id: Option<i64>,
    /// Sender.
    pub sent_by: Option<i64>,
    /// When.
    pub sent_at: DateTime<Utc>,
}

const MESSAGE_SELECT: &str = "SELECT id, unit_id, title, body, key_facts, talking_points, \
    audience, hotspot_id, sent_by, sent_at FROM orientation_messages";

/// A new message.
pub struct NewMessage<'a> {
    /// Unit.
    pub unit_id: i64,
    /// Title.
    pub title: &'a str,
    /// Body.
    pub body: &'a str,
    /// Key facts.
    pub key_facts: &'a str,
    /// Talking points.
    pub talking_points: &'a str,
    /// Audience.
    pub audience: Audience,
    /// Hot spot.
    pub hotspot_id: Option<i64>,
}

/// Inserts a message; returns its id.
pub async fn insert_message(
    tx: &mut Tx,
    m: &NewMessage<'_>,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO orientation_messages (unit_id, title, body, key_facts, talking_points,
                audience, hotspot_id, sent_by, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(m.unit_id)
        .bind(m.title)
        .bind(m.body)
        .bind(m.key_facts)
        .bind(m.talking_points)
        .bind(m.audience.key())
        .bind(m.hotspot_id)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    }))
}

/// Adds a recipient.
pub async fn insert_recipient(
    tx: &mut Tx,
    message_id: i64,
    user_id: i64,
    unit_id: i64,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO orientation_recipients (message_id, user_id, unit_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(message_id)
        .bind(user_id)
        .bind(unit_id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// One message.
pub async fn find_message(db: &Db, id: i64) -> AppResult<Option<Message>> {
    let sql = sqlx::AssertSqlSafe(format!("{MESSAGE_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The messages sent by `units`, newest first (at most 200).
pub async fn list_sent(db: &Db, units: &[i64]) -> AppResult<Vec<Message>> {
    let mut out: Vec<Message> = vec![];
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "{MESSAGE_SELECT} WHERE unit_id IN ({}) ORDER BY sent_at DESC, id DESC LIMIT 200",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Message> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by(|a, b| b.sent_at.cmp(&a.sent_at).then(b.id.cmp(&a.id)));
    out.truncate(200);
    Ok(out)
}

/// The messages linked to a hot spot, newest first.
pub async fn list_for_hotspot(db: &Db, hotspot_id: i64) -> AppResult<Vec<Message>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{MESSAGE_SELECT} WHERE hotspot_id = $1 ORDER BY sent_at DESC, id DESC"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(hotspot_id)
        .fetch_all(pool)
        .await?))
}

/// A message received: the message and when the user read it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Received {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// When sent.
    pub sent_at: DateTime<Utc>,
    /// When read.
    pub read_at: Option<DateTime<Utc>>,
}

/// The messages `user_id` received, unread first then newest (at most 100).
pub async fn list_received(db: &Db, user_id: i64) -> AppResult<Vec<Received>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT m.id, m.title, m.sent_at, r.read_at FROM orientation_recipients r
         JOIN orientation_messages m ON m.id = r.message_id
         WHERE r.user_id = $1
         ORDER BY CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END, m.sent_at DESC, m.id DESC
         LIMIT 100"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?))
}

/// Whether `user_id` received message `id`, and when they read it.
pub async fn receipt(
    db: &Db,
    message_id: i64,
    user_id: i64,
) -> AppResult<Option<Option<DateTime<Utc>>>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT read_at FROM orientation_recipients WHERE message_id = $1 AND user_id = $2"
    )
    .bind(message_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?))
}

/// Marks a message read by `user_id` (the first time only); whether it was unread.
pub async fn mark_read(
    db: &Db,
    message_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    Ok(with_db!(db, |pool| sqlx::query(
        "UPDATE orientation_recipients SET read_at = $1
         WHERE message_id = $2 AND user_id = $3 AND read_at IS NULL"
    )
    .bind(now)
    .bind(message_id)
    .bind(user_id)
    .execute(pool)
    .await?
    .rows_affected()
        > 0))
}

/// A message's recipients: `(user, unit, read at)`.
pub async fn list_recipients(
    db: &Db,
    message_id: i64,
) -> AppResult<Vec<(i64, i64, Option<DateTime<Utc>>)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT user_id, unit_id, read_at FROM orientation_recipients WHERE message_id = $1
         ORDER BY unit_id, user_id"
    )
    .bind(message_id)
    .fetch_all(pool)
    .await?))
}

/// Read and total recipients of each message among `ids`: `(message, read, total)`.
pub async fn counts(db: &Db, ids: &[i64]) -> AppResult<Vec<(i64, i64, i64)>> {
    let mut out = vec![];
    for chunk in ids.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT message_id, COUNT(read_at), COUNT(*) FROM orientation_recipients
             WHERE message_id IN ({}) GROUP BY message_id",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<(i64, i64, i64)> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}
