//! All of the hot spots context's SQL: the register with its areas, members, timeline and
//! evidence (this file), tasks with comments and notices (`tasks`), scenarios, their steps and
//! partner organisations (`scenarios`).

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::hotspots::model::{EventKind, EvidenceKind, Severity, Stage};
use crate::{with_conn, with_db};

pub mod scenarios;
pub mod tasks;

/// A hot spot as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Hotspot {
    /// Id.
    pub id: i64,
    /// The unit that keeps it (its subtree's readers see it).
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// Topic (reporting's topics).
    pub topic_id: Option<i64>,
    /// Severity.
    pub severity: Severity,
    /// Stage.
    pub stage: Stage,
    /// What is known.
    pub summary: String,
    /// Readable only by its members.
    pub restricted: bool,
    /// Who opened it.
    pub opened_by: Option<i64>,
    /// When.
    pub opened_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it was closed, if it is.
    pub closed_at: Option<DateTime<Utc>>,
}

const HOTSPOT_SELECT: &str = "SELECT id, unit_id, title, topic_id, severity, stage, summary, \
    restricted, opened_by, opened_at, updated_at, closed_at FROM hotspots";

/// What a new hot spot is.
pub struct NewHotspot<'a> {
    /// Unit.
    pub unit_id: i64,
    /// Title.
    pub title: &'a str,
    /// Topic.
    pub topic_id: Option<i64>,
    /// Severity.
    pub severity: Severity,
    /// Summary.
    pub summary: &'a str,
    /// Restricted to members.
    pub restricted: bool,
}

/// Inserts a hot spot at stage signal; returns its id.
pub async fn insert_hotspot(
    tx: &mut Tx,
    h: &NewHotspot<'_>,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO hotspots (unit_id, title, topic_id, severity, stage, summary, restricted,
                opened_by, opened_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(h.unit_id)
        .bind(h.title)
        .bind(h.topic_id)
        .bind(h.severity.key())
        .bind(Stage::Signal.key())
        .bind(h.summary)
        .bind(h.restricted)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    }))
}

/// One hot spot.
pub async fn find_hotspot(db: &Db, id: i64) -> AppResult<Option<Hotspot>> {
    let sql = sqlx::AssertSqlSafe(format!("{HOTSPOT_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// One hot spot, inside a transaction.
pub async fn find_hotspot_in(tx: &mut Tx, id: i64) -> AppResult<Option<Hotspot>> {
    let sql = sqlx::AssertSqlSafe(format!("{HOTSPOT_SELECT} WHERE id = $1"));
    Ok(with_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?))
}

/// The hot spots kept by `units`, most recently changed first (at most `limit`).
pub async fn list_hotspots(db: &Db, units: &[i64], limit: i64) -> AppResult<Vec<Hotspot>> {
    let mut out: Vec<Hotspot> = Vec::new();
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "{HOTSPOT_SELECT} WHERE unit_id IN ({}) ORDER BY updated_at DESC, id DESC LIMIT {limit}",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Hotspot> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// Hot spots by id (those that exist).
pub async fn hotspots_by_ids(db: &Db, ids: &[i64]) -> AppResult<Vec<Hotspot>> {
    let mut out: Vec<Hotspot> = Vec::new();
    for chunk in ids.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "{HOTSPOT_SELECT} WHERE id IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Hotspot> = with_db!(db, |pool| {
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

/// Sets the stage (and the closing time: set when closed, cleared when reopened).
pub async fn set_stage(tx: &mut Tx, id: i64, stage: Stage, now: DateTime<Utc>) -> AppResult<()> {
    let closed: Option<DateTime<Utc>> = (stage == Stage::Closed).then_some(now);
    with_conn!(tx, |conn| {
        sqlx::query("UPDATE hotspots SET stage = $1, closed_at = $2, updated_at = $3 WHERE id = $4")
            .bind(stage.key())
            .bind(closed)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// What an edit of a hot spot's description sets.
pub struct HotspotEdit<'a> {
    /// Title.
    pub title: &'a str,
    /// Topic.
    pub topic_id: Option<i64>,
    /// Severity.
    pub severity: Severity,
    /// Summary.
    pub summary: &'a str,
    /// Restricted.
    pub restricted: bool,
}

/// Updates a hot spot's description.
pub async fn update_hotspot(
    tx: &mut Tx,
    id: i64,
    e: &HotspotEdit<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "UPDATE hotspots SET title = $1, topic_id = $2, severity = $3, summary = $4,
                restricted = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(e.title)
        .bind(e.topic_id)
        .bind(e.severity.key())
        .bind(e.summary)
        .bind(e.restricted)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// Marks a hot spot changed now.
pub async fn touch(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query("UPDATE hotspots SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// Replaces a hot spot's areas.
pub async fn set_areas(tx: &mut Tx, id: i64, units: &[i64]) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query("DELETE FROM hotspot_areas WHERE hotspot_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    for u in units {
        with_conn!(tx, |conn| {
            sqlx::query(
                "INSERT INTO hotspot_areas (hotspot_id, unit_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(*u)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
    }
    Ok(())
}

/// A hot spot's areas.
pub async fn list_areas(db: &Db, id: i64) -> AppResult<Vec<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT unit_id FROM hotspot_areas WHERE hotspot_id = $1 ORDER BY unit_id"
    )
    .bind(id)
    .fetch_all(pool)
    .await?))
}

/// Replaces a hot spot's members.
pub async fn set_members(tx: &mut Tx, id: i64, users: &[i64]) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query("DELETE FROM hotspot_members WHERE hotspot_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    for u in users {
        with_conn!(tx, |conn| {
            sqlx::query(
                "INSERT INTO hotspot_members (hotspot_id, user_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(*u)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
    }
    Ok(())
}

/// A hot spot's members.
pub async fn list_members(db: &Db, id: i64) -> AppResult<Vec<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT user_id FROM hotspot_members WHERE hotspot_id = $1 ORDER BY user_id"
    )
    .bind(id)
    .fetch_all(pool)
    .await?))
}

/// The hot spots `user_id` is a member of.
pub async fn member_of(db: &Db, user_id: i64) -> AppResult<Vec<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT hotspot_id FROM hotspot_members WHERE user_id = $1"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?))
}

/// A timeline entry.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Event {
    /// Kind.
    pub kind: EventKind,
    /// Stage before, for a move.
    pub from_stage: Option<Stage>,
    /// Stage after, for a move.
    pub to_stage: Option<Stage>,
    /// Reason or what changed.
    pub note: String,
    /// Who.
    pub user_id: Option<i64>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Adds a timeline entry.
#[allow(clippy::too_many_arguments)]
pub async fn insert_event(
    tx: &mut Tx,
    hotspot_id: i64,
    kind: EventKind,
    from: Option<Stage>,
    to: Option<Stage>,
    note: &str,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO hotspot_events (hotspot_id, kind, from_stage, to_stage, note, user_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(hotspot_id)
        .bind(kind.key())
        .bind(from.map(Stage::key))
        .bind(to.map(Stage::key))
        .bind(note)
        .bind(user_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// A hot spot's timeline, oldest first.
pub async fn list_events(db: &Db, hotspot_id: i64) -> AppResult<Vec<Event>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT kind, from_stage, to_stage, note, user_id, at FROM hotspot_events
         WHERE hotspot_id = $1 ORDER BY id"
    )
    .bind(hotspot_id)
    .fetch_all(pool)
    .await?))
}

/// A piece of evidence.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Evidence {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: EvidenceKind,
    /// The object's id.
    pub ref_id: i64,
    /// The survey question, or empty.
    pub ref_key: String,
    /// What it says (kept as it was when attached).
    pub label: String,
    /// The analyst's note.
    pub note: String,
    /// Who attached it.
    pub added_by: Option<i64>,
    /// When.
    pub added_at: DateTime<Utc>,
}

/// New evidence.
pub struct NewEvidence<'a> {
    /// Kind.
    pub kind: EvidenceKind,
    /// Object id.
    pub ref_id: i64,
    /// Question or empty.
    pub ref_key: &'a str,
    /// Object's unit.
    pub unit_id: Option<i64>,
    /// Label.
    pub label: &'a str,
    /// Note.
    pub note: &'a str,
}

/// Attaches evidence; `None` when the same object is already attached.
pub async fn insert_evidence(
    tx: &mut Tx,
    hotspot_id: i64,
    e: &NewEvidence<'_>,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO hotspot_evidence (hotspot_id, kind, ref_id, ref_key, unit_id, label, note,
                added_by, added_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (hotspot_id, kind, ref_id, ref_key) DO NOTHING RETURNING id",
        )
        .bind(hotspot_id)
        .bind(e.kind.key())
        .bind(e.ref_id)
        .bind(e.ref_key)
        .bind(e.unit_id)
        .bind(e.label)
        .bind(e.note)
        .bind(user_id)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
    }))
}

/// How many pieces of evidence a hot spot has.
pub async fn count_evidence_in(tx: &mut Tx, hotspot_id: i64) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "SELECT COUNT(*) FROM hotspot_evidence WHERE hotspot_id = $1"
    )
    .bind(hotspot_id)
    .fetch_one(&mut *conn)
    .await?))
}

/// A hot spot's evidence, in the order attached.
pub async fn list_evidence(db: &Db, hotspot_id: i64) -> AppResult<Vec<Evidence>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, kind, ref_id, ref_key, label, note, added_by, added_at
         FROM hotspot_evidence WHERE hotspot_id = $1 ORDER BY id"
    )
    .bind(hotspot_id)
    .fetch_all(pool)
    .await?))
}

/// Removes one piece of evidence of a hot spot; returns what was removed.
pub async fn delete_evidence(
    tx: &mut Tx,
    hotspot_id: i64,
    evidence_id: i64,
) -> AppResult<Option<(EvidenceKind, i64)>> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_as(
            "DELETE FROM hotspot_evidence WHERE hotspot_id = $1 AND id = $2 RETURNING kind, ref_id",
        )
        .bind(hotspot_id)
        .bind(evidence_id)
        .fetch_optional(&mut *conn)
        .await?
    }))
}

/// The hot spots that cite an object as evidence.
pub async fn citing(db: &Db, kind: EvidenceKind, ref_id: i64) -> AppResult<Vec<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT DISTINCT hotspot_id FROM hotspot_evidence WHERE kind = $1 AND ref_id = $2
         ORDER BY hotspot_id"
    )
    .bind(kind.key())
    .bind(ref_id)
    .fetch_all(pool)
    .await?))
}
