//! Briefing sessions, their invitations with replies, and the streams raised at them.

use chrono::{DateTime, Utc};

use crate::briefings::model::{Reply, SessionStatus};
use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// A session as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Session {
    /// Id.
    pub id: i64,
    /// The unit that holds it.
    pub unit_id: i64,
    /// Topic.
    pub title: String,
    /// When it begins.
    pub starts_at: DateTime<Utc>,
    /// Place.
    pub place: String,
    /// Online link.
    pub link: String,
    /// Agenda.
    pub agenda: String,
    /// Held every month.
    pub monthly: bool,
    /// Status.
    pub status: SessionStatus,
    /// Minutes (*biên bản*).
    pub minutes: String,
    /// The attendance record in the collaborators context, once held.
    pub collaborator_briefing_id: Option<i64>,
    /// The session it follows (a monthly one).
    pub previous_id: Option<i64>,
}

const SESSION_SELECT: &str = "SELECT id, unit_id, title, starts_at, place, link, agenda, monthly, \
    status, minutes, collaborator_briefing_id, previous_id FROM briefing_sessions";

/// A new session.
pub struct NewSession<'a> {
    /// Unit.
    pub unit_id: i64,
    /// Topic.
    pub title: &'a str,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// Place.
    pub place: &'a str,
    /// Link.
    pub link: &'a str,
    /// Agenda.
    pub agenda: &'a str,
    /// Monthly.
    pub monthly: bool,
    /// The session it follows.
    pub previous_id: Option<i64>,
}

/// Inserts a scheduled session; `None` when `previous_id` already has its next one.
pub async fn insert_session(
    tx: &mut Tx,
    s: &NewSession<'_>,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO briefing_sessions (unit_id, title, starts_at, place, link, agenda, monthly,
                status, minutes, previous_id, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10, $11, $11)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(s.unit_id)
        .bind(s.title)
        .bind(s.starts_at)
        .bind(s.place)
        .bind(s.link)
        .bind(s.agenda)
        .bind(s.monthly)
        .bind(SessionStatus::Scheduled.key())
        .bind(s.previous_id)
        .bind(user_id)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
    }))
}

/// One session.
pub async fn find_session(db: &Db, id: i64) -> AppResult<Option<Session>> {
    let sql = sqlx::AssertSqlSafe(format!("{SESSION_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// One session, inside a transaction.
pub async fn find_session_in(tx: &mut Tx, id: i64) -> AppResult<Option<Session>> {
    let sql = sqlx::AssertSqlSafe(format!("{SESSION_SELECT} WHERE id = $1"));
    Ok(with_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?))
}

/// The sessions of `units`, latest start first (at most 200).
pub async fn list_sessions(db: &Db, units: &[i64]) -> AppResult<Vec<Session>> {
    let mut out: Vec<Session> = vec![];
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "{SESSION_SELECT} WHERE unit_id IN ({}) ORDER BY starts_at DESC, id DESC LIMIT 200",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Session> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by(|a, b| b.starts_at.cmp(&a.starts_at).then(b.id.cmp(&a.id)));
    out.truncate(200);
    Ok(out)
}

/// The sessions `user_id` is invited to, with their reply, latest first (at most 50).
pub async fn list_invited(db: &Db, user_id: i64) -> AppResult<Vec<(i64, Reply)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT i.session_id, i.reply FROM briefing_invitations i
         JOIN briefing_sessions s ON s.id = i.session_id
         WHERE i.user_id = $1 ORDER BY s.starts_at DESC LIMIT 50"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?))
}

/// Sessions by id.
pub async fn sessions_by_ids(db: &Db, ids: &[i64]) -> AppResult<Vec<Session>> {
    let mut out: Vec<Session> = vec![];
    for chunk in ids.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "{SESSION_SELECT} WHERE id IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Session> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// Marks a session held with its attendance record and minutes.
pub async fn set_held(
    tx: &mut Tx,
    id: i64,
    collaborator_briefing_id: i64,
    minutes: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "UPDATE briefing_sessions SET status = $1, collaborator_briefing_id = $2, minutes = $3,
                updated_at = $4 WHERE id = $5",
        )
        .bind(SessionStatus::Held.key())
        .bind(collaborator_briefing_id)
        .bind(minutes)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// Sets the minutes.
pub async fn set_minutes(tx: &mut Tx, id: i64, minutes: &str, now: DateTime<Utc>) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query("UPDATE briefing_sessions SET minutes = $1, updated_at = $2 WHERE id = $3")
            .bind(minutes)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// Cancels a session.
pub async fn set_cancelled(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query("UPDATE briefing_sessions SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(SessionStatus::Cancelled.key())
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// Invites a user (pending).
pub async fn insert_invitation(tx: &mut Tx, session_id: i64, user_id: i64) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO briefing_invitations (session_id, user_id, reply) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(session_id)
        .bind(user_id)
        .bind(Reply::Pending.key())
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// A session's invitations: `(user, reply, replied at)`.
pub async fn list_invitations(
    db: &Db,
    session_id: i64,
) -> AppResult<Vec<(i64, Reply, Option<DateTime<Utc>>)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT user_id, reply, replied_at FROM briefing_invitations WHERE session_id = $1
         ORDER BY user_id"
    )
    .bind(session_id)
    .fetch_all(pool)
    .await?))
}

/// Records a reply; whether the user was invited.
pub async fn set_reply(
    tx: &mut Tx,
    session_id: i64,
    user_id: i64,
    reply: Reply,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    Ok(with_conn!(tx, |conn| sqlx::query(
        "UPDATE briefing_invitations SET reply = $1, replied_at = $2
         WHERE session_id = $3 AND user_id = $4"
    )
    .bind(reply.key())
    .bind(now)
    .bind(session_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0))
}

/// Links a stream raised at a session.
pub async fn insert_stream_link(tx: &mut Tx, session_id: i64, stream_id: i64) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query("INSERT INTO briefing_streams (session_id, stream_id) VALUES ($1, $2)")
            .bind(session_id)
            .bind(stream_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// The streams raised at a session, in order.
pub async fn list_stream_links(db: &Db, session_id: i64) -> AppResult<Vec<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT stream_id FROM briefing_streams WHERE session_id = $1 ORDER BY stream_id"
    )
    .bind(session_id)
    .fetch_all(pool)
    .await?))
}

/// The session that follows `id`, if scheduled.
pub async fn find_next(db: &Db, id: i64) -> AppResult<Option<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM briefing_sessions WHERE previous_id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?))
}

/// The session whose attendance is the collaborators' record `record` (old addresses of records).
pub async fn find_by_record(db: &Db, record: i64) -> AppResult<Option<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM briefing_sessions WHERE collaborator_briefing_id = $1"
    )
    .bind(record)
    .fetch_optional(pool)
    .await?))
}
