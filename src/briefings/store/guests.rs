//! Collaborators invited to a session by e-mail, without an account: their reply link's digest
//! and their reply.

use chrono::{DateTime, Utc};

use crate::briefings::model::Reply;
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// Invites a collaborator (pending) with the digest of their link's token.
pub async fn insert_guest(
    tx: &mut Tx,
    session_id: i64,
    collaborator_id: i64,
    token_sha256: &str,
) -> AppResult<bool> {
    Ok(with_conn!(tx, |conn| sqlx::query(
        "INSERT INTO briefing_guests (session_id, collaborator_id, token_sha256, reply)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
    )
    .bind(session_id)
    .bind(collaborator_id)
    .bind(token_sha256)
    .bind(Reply::Pending.key())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0))
}

/// A session's guests: `(collaborator, reply, replied at)`.
pub async fn list_guests(
    db: &Db,
    session_id: i64,
) -> AppResult<Vec<(i64, Reply, Option<DateTime<Utc>>)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT collaborator_id, reply, replied_at FROM briefing_guests WHERE session_id = $1
         ORDER BY collaborator_id"
    )
    .bind(session_id)
    .fetch_all(pool)
    .await?))
}

/// The invitation a link's digest stands for: `(session, collaborator, reply)`.
pub async fn find_by_token(db: &Db, token_sha256: &str) -> AppResult<Option<(i64, i64, Reply)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT session_id, collaborator_id, reply FROM briefing_guests WHERE token_sha256 = $1"
    )
    .bind(token_sha256)
    .fetch_optional(pool)
    .await?))
}

/// Records a guest's reply.
pub async fn set_guest_reply(
    tx: &mut Tx,
    session_id: i64,
    collaborator_id: i64,
    reply: Reply,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "UPDATE briefing_guests SET reply = $1, replied_at = $2
             WHERE session_id = $3 AND collaborator_id = $4",
        )
        .bind(reply.key())
        .bind(now)
        .bind(session_id)
        .bind(collaborator_id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}
