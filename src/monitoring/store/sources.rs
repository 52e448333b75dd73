//! Sources of items (feeds, API, internal, files): their records, polls and watermarks.

use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::monitoring::model::{PollStatus, SourceKind};
use crate::{with_conn, with_db};

/// A source of items.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Source {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: SourceKind,
    /// Name.
    pub name: String,
    /// Owning unit (scoping; the area of items that name none).
    pub unit_id: i64,
    /// Feed address.
    pub url: String,
    /// Last characters of the API token.
    pub token_hint: String,
    /// Minutes between polls of a feed.
    pub poll_minutes: i64,
    /// Last `ETag` of a feed.
    pub etag: String,
    /// Last `Last-Modified` of a feed.
    pub last_modified: String,
    /// Failures in a row.
    pub failures: i64,
    /// Next poll (unix seconds).
    pub next_poll_at: i64,
    /// Last poll.
    pub last_polled_at: Option<i64>,
    /// Outcome of the last poll or sync (`None` before the first).
    pub last_status: Option<PollStatus>,
    /// Error of the last poll.
    pub last_error: String,
    /// Watermark of an internal source.
    pub cursor: i64,
    /// Whether it is used.
    pub active: bool,
    /// Creation time.
    pub created_at: i64,
}

const SOURCE_SELECT: &str = "SELECT id, kind, name, unit_id, url, token_hint, poll_minutes, etag, last_modified, failures,
    next_poll_at, last_polled_at, NULLIF(last_status, '') AS last_status, last_error, cursor, active, created_at
    FROM monitor_sources";

/// A new source.
#[derive(Clone, Debug)]
pub struct NewSource<'a> {
    /// Kind.
    pub kind: SourceKind,
    /// Name.
    pub name: &'a str,
    /// Owning unit.
    pub unit_id: i64,
    /// Feed address.
    pub url: &'a str,
    /// API token hash.
    pub token_hash: Option<&'a str>,
    /// API token hint.
    pub token_hint: &'a str,
    /// Poll interval.
    pub poll_minutes: i64,
    /// Creator.
    pub created_by: Option<i64>,
}

impl NewSource<'_> {
    /// A source of `kind` with every other field empty (callers set what they know).
    pub fn of(kind: SourceKind) -> Self {
        NewSource {
            kind,
            name: "",
            unit_id: 0,
            url: "",
            token_hash: None,
            token_hint: "",
            poll_minutes: 0,
            created_by: None,
        }
    }
}

/// Inserts a source in a transaction of its own (internal sources, the demo); returns its id.
pub async fn insert_source(db: &Db, s: &NewSource<'_>, now: i64) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = insert_source_in(&mut tx, s, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`insert_source`] in the caller's transaction (a source created by a person, with its audit
/// entry).
pub async fn insert_source_in(tx: &mut Tx, s: &NewSource<'_>, now: i64) -> AppResult<i64> {
    let sql = "INSERT INTO monitor_sources (kind, name, unit_id, url, token_hash, token_hint, poll_minutes, next_poll_at, created_by, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8) RETURNING id";
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(sql)
        .bind(s.kind.key())
        .bind(s.name)
        .bind(s.unit_id)
        .bind(s.url)
        .bind(s.token_hash)
        .bind(s.token_hint)
        .bind(s.poll_minutes)
        .bind(now)
        .bind(s.created_by)
        .fetch_one(&mut *conn)
        .await?))
}

/// The first source of a kind (internal sources exist once).
pub async fn find_source_of_kind(db: &Db, kind: SourceKind) -> AppResult<Option<Source>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SOURCE_SELECT} WHERE kind = $1 ORDER BY id LIMIT 1"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(kind.key())
        .fetch_optional(pool)
        .await?))
}

/// One source.
pub async fn find_source(db: &Db, id: i64) -> AppResult<Option<Source>> {
    let sql = sqlx::AssertSqlSafe(format!("{SOURCE_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The active API source holding a token.
pub async fn find_source_by_token(db: &Db, token_hash: &str) -> AppResult<Option<Source>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SOURCE_SELECT} WHERE token_hash = $1 AND active AND kind = 'api'"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(token_hash)
        .fetch_optional(pool)
        .await?))
}

/// Every source, with its number of items.
pub async fn list_sources(db: &Db) -> AppResult<Vec<(Source, i64)>> {
    let sql = sqlx::AssertSqlSafe(format!("{SOURCE_SELECT} ORDER BY kind, name, id"));
    let sources: Vec<Source> = with_db!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
    let counts: Vec<(i64, i64)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT source_id, COUNT(*) FROM monitor_items GROUP BY source_id"
    )
    .fetch_all(pool)
    .await?);
    Ok(sources
        .into_iter()
        .map(|s| {
            let n = counts.iter().find(|c| c.0 == s.id).map_or(0, |c| c.1);
            (s, n)
        })
        .collect())
}

/// Feeds due for a poll.
pub async fn due_feeds(db: &Db, now: i64) -> AppResult<Vec<Source>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SOURCE_SELECT} WHERE kind = 'feed' AND active AND next_poll_at <= $1 ORDER BY next_poll_at LIMIT 20"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(now)
        .fetch_all(pool)
        .await?))
}

/// Records the outcome of a poll.
#[allow(clippy::too_many_arguments)]
pub async fn update_poll(
    db: &Db,
    id: i64,
    etag: &str,
    last_modified: &str,
    failures: i64,
    next_poll_at: i64,
    now: i64,
    status: PollStatus,
    error: &str,
) -> AppResult<()> {
    let sql = "UPDATE monitor_sources SET etag = $1, last_modified = $2, failures = $3, next_poll_at = $4,
               last_polled_at = $5, last_status = $6, last_error = $7 WHERE id = $8";
    with_db!(db, |pool| sqlx::query(sql)
        .bind(etag)
        .bind(last_modified)
        .bind(failures)
        .bind(next_poll_at)
        .bind(now)
        .bind(status.key())
        .bind(error)
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(())
}

/// Moves an internal source's watermark and records its status.
pub async fn set_cursor(
    db: &Db,
    id: i64,
    cursor: i64,
    status: PollStatus,
    now: i64,
) -> AppResult<()> {
    let sql = "UPDATE monitor_sources SET cursor = $1, last_status = $2, last_polled_at = $3 WHERE id = $4";
    with_db!(db, |pool| sqlx::query(sql)
        .bind(cursor)
        .bind(status.key())
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(())
}

/// Turns a source on or off.
pub async fn set_source_active(tx: &mut Tx, id: i64, active: bool) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "UPDATE monitor_sources SET active = $1 WHERE id = $2"
    )
    .bind(active)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}
