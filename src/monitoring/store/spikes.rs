//! Hourly counts and series items read by spike detection, and the per-topic thresholds.

use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::monitoring::model::Direction;
use crate::{with_conn, with_db};

use super::{EFF_DIR, EFF_TOPIC};

/// Hourly counts of one hour range: `(effective topic, unit, hour, items, negative, known)`,
/// where the hour is unix seconds / 3600, `negative` counts items whose effective direction is
/// negative and `known` those with a direction.
pub type HourCount = (Option<String>, i64, i64, i64, i64, i64);

/// Hourly counts per effective topic and unit of the items in `[from, to)` (only items with an
/// area). Spike detection reads counts, never texts, except for the hours that spike.
pub async fn hour_counts(db: &Db, from: i64, to: i64) -> AppResult<Vec<HourCount>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {EFF_TOPIC} AS topic, i.unit_id, CAST(i.occurred_at / 3600 AS BIGINT) AS hour,
                CAST(COUNT(*) AS BIGINT),
                CAST(SUM(CASE WHEN {EFF_DIR} = 'negative' THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN {EFF_DIR} IS NULL THEN 0 ELSE 1 END) AS BIGINT)
         FROM monitor_items i
         WHERE i.occurred_at >= $1 AND i.occurred_at < $2 AND i.unit_id IS NOT NULL
               AND i.dup_of IS NULL
         GROUP BY 1, 2, 3"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?))
}

/// Time of the first item of a unit at or after `from` (the start of its known history).
pub async fn first_item_time(db: &Db, unit_id: i64, from: i64) -> AppResult<Option<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT MIN(occurred_at) FROM monitor_items WHERE unit_id = $1 AND occurred_at >= $2"
    )
    .bind(unit_id)
    .bind(from)
    .fetch_one(pool)
    .await?))
}

/// An item of a series: `(id, time, text, effective direction)`.
pub type SeriesItem = (i64, i64, String, Option<Direction>);

/// The items of one series (a unit, and a topic unless `None`) in `[from, to)`, at most `limit`
/// (the newest).
pub async fn series_items(
    db: &Db,
    unit_id: i64,
    topic: Option<&str>,
    from: i64,
    to: i64,
    limit: i64,
) -> AppResult<Vec<SeriesItem>> {
    let topic_cond = if topic.is_some() {
        format!("AND {EFF_TOPIC} = $4")
    } else {
        String::new()
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT i.id, i.occurred_at, i.body, {EFF_DIR} FROM monitor_items i
         WHERE i.unit_id = $1 AND i.occurred_at >= $2 AND i.occurred_at < $3 {topic_cond}
         ORDER BY i.occurred_at DESC LIMIT {limit}"
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(unit_id).bind(from).bind(to);
        if let Some(t) = topic {
            q = q.bind(t);
        }
        q.fetch_all(pool).await?
    }))
}

/// A per-topic threshold (`*`: every topic without its own).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ThresholdRow {
    /// Topic key or `*`.
    pub topic: String,
    /// Minimum items in the hour.
    pub min_volume: i64,
    /// Minimum z-score.
    pub z: f64,
}

/// Every threshold.
pub async fn list_thresholds(db: &Db) -> AppResult<Vec<ThresholdRow>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT topic, CAST(min_volume AS BIGINT) AS min_volume, z FROM monitor_thresholds ORDER BY topic"
    )
    .fetch_all(pool)
    .await?
    }))
}

/// Sets a topic's threshold.
pub async fn upsert_threshold(
    tx: &mut Tx,
    topic: &str,
    min_volume: i64,
    z: f64,
    user_id: i64,
    now: i64,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO monitor_thresholds (topic, min_volume, z, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (topic) DO UPDATE SET min_volume = excluded.min_volume, z = excluded.z,
           updated_by = excluded.updated_by, updated_at = excluded.updated_at"
    )
    .bind(topic)
    .bind(min_volume)
    .bind(z)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(())
}

/// Removes a topic's own threshold (the default applies again).
pub async fn delete_threshold(tx: &mut Tx, topic: &str) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "DELETE FROM monitor_thresholds WHERE topic = $1 AND topic <> '*'"
    )
    .bind(topic)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}
