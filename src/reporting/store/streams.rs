//! Opinion streams of reports: insertion, lookup, the listings of the synthesis,
//! and the feed read by opinion monitoring.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::reporting::model::{Direction, StreamInput};
use crate::{with_conn, with_db};

/// A stored opinion stream.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Stream {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Month.
    pub period: String,
    /// Topic.
    pub topic_id: i64,
    /// Summary.
    pub summary: String,
    /// Scope key.
    pub scope: String,
    /// Breadth key.
    pub breadth: String,
    /// Direction.
    pub direction: Direction,
    /// Intensity key.
    pub intensity: String,
    /// Strata.
    pub strata: String,
    /// Areas.
    pub areas: String,
    /// Causes.
    pub causes: String,
    /// Forecast.
    pub forecast: String,
    /// Recommendation.
    pub recommendation: String,
    /// Evidence links.
    pub evidence: String,
    /// Report it is in.
    pub report_id: Option<i64>,
    /// City stream it is merged into.
    pub city_stream_id: Option<i64>,
}

const STREAM_SELECT: &str = "SELECT s.id, s.unit_id, s.period, s.topic_id, s.summary, s.scope, s.breadth, s.direction,
    s.intensity, s.strata, s.areas, s.causes, s.forecast, s.recommendation, s.evidence, s.report_id, s.city_stream_id
    FROM streams s";

/// Inserts a stream; a second call with the same client id returns the first stream's id.
pub async fn insert_stream(
    tx: &mut Tx,
    s: &StreamInput,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<(i64, bool)> {
    let created: Option<i64> = with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO streams (client_id, unit_id, period, topic_id, summary, scope, breadth, direction, intensity,
           strata, areas, causes, forecast, recommendation, evidence, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
         ON CONFLICT (client_id) DO NOTHING RETURNING id"
    )
    .bind(&s.client_id)
    .bind(s.unit_id)
    .bind(&s.period)
    .bind(s.topic_id)
    .bind(&s.summary)
    .bind(&s.scope)
    .bind(&s.breadth)
    .bind(s.direction.key())
    .bind(&s.intensity)
    .bind(&s.strata)
    .bind(&s.areas)
    .bind(&s.causes)
    .bind(&s.forecast)
    .bind(&s.recommendation)
    .bind(&s.evidence)
    .bind(user_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?
    });
    if let Some(id) = created {
        return Ok((id, true));
    }
    let id: i64 = with_conn!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM streams WHERE client_id = $1"
    )
    .bind(&s.client_id)
    .fetch_one(&mut *conn)
    .await?);
    Ok((id, false))
}

/// One stream.
pub async fn find_stream(db: &Db, id: i64) -> AppResult<Option<Stream>> {
    let sql = sqlx::AssertSqlSafe(format!("{STREAM_SELECT} WHERE s.id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Streams of the given units, of one month or all months (`period` empty), newest first.
pub async fn list_streams_of_units(
    db: &Db,
    units: &[i64],
    period: &str,
    limit: i64,
) -> AppResult<Vec<Stream>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{STREAM_SELECT} WHERE ($1 = '' OR s.period = $1) AND s.unit_id IN ({}) ORDER BY s.period DESC, s.id DESC LIMIT {}",
        placeholders(2, units.len()),
        limit.clamp(1, 20000)
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(period);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// Streams of a report.
pub async fn list_report_streams(db: &Db, report_id: i64) -> AppResult<Vec<Stream>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{STREAM_SELECT} WHERE s.report_id = $1 ORDER BY s.scope, s.topic_id, s.id"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(report_id)
        .fetch_all(pool)
        .await?))
}

/// Every stream of a month that is in a submitted or accepted report, or merged already.
pub async fn list_period_streams(db: &Db, period: &str) -> AppResult<Vec<Stream>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{STREAM_SELECT} LEFT JOIN reports r ON r.id = s.report_id
         WHERE s.period = $1 AND (s.city_stream_id IS NOT NULL OR r.status IN ('submitted', 'accepted'))
         ORDER BY s.topic_id, s.city_stream_id, s.id"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(period)
        .fetch_all(pool)
        .await?))
}

/// A stream of the synthesis as integers only.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct StreamKey {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Topic.
    pub topic_id: i64,
    /// City stream it is merged into.
    pub city_stream_id: Option<i64>,
}

/// The streams of [`list_period_streams`] as integers only, in the same order.
pub async fn list_period_stream_keys(db: &Db, period: &str) -> AppResult<Vec<StreamKey>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT s.id, s.unit_id, s.topic_id, s.city_stream_id FROM streams s LEFT JOIN reports r ON r.id = s.report_id
         WHERE s.period = $1 AND (s.city_stream_id IS NOT NULL OR r.status IN ('submitted', 'accepted'))
         ORDER BY s.topic_id, s.city_stream_id, s.id"
    )
    .bind(period)
    .fetch_all(pool)
    .await?
    }))
}

/// The given streams, ordered by topic, city stream and id.
pub async fn list_streams_by_ids(db: &Db, ids: &[i64]) -> AppResult<Vec<Stream>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let sql = sqlx::AssertSqlSafe(format!(
            "{STREAM_SELECT} WHERE s.id IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Stream> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by_key(|s| (s.topic_id, s.city_stream_id, s.id));
    Ok(out)
}

/// Streams after `after_id` for opinion monitoring: `(id, unit, topic key, direction, summary,
/// causes, forecast, created at)`.
#[allow(clippy::type_complexity)]
pub async fn list_streams_after(
    db: &Db,
    after_id: i64,
    limit: i64,
) -> AppResult<
    Vec<(
        i64,
        i64,
        String,
        Direction,
        String,
        String,
        String,
        DateTime<Utc>,
    )>,
> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT s.id, s.unit_id, t.key, s.direction, s.summary, s.causes, s.forecast, s.created_at
         FROM streams s JOIN report_topics t ON t.id = s.topic_id WHERE s.id > $1 ORDER BY s.id LIMIT $2"
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?
    }))
}
