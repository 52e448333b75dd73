//! Alerts raised by spikes and streams, their status, and their in-app notifications.

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::monitoring::model::{AlertKind, AlertStatus, SpikeKind};
use crate::{with_conn, with_db};

/// A new alert.
#[derive(Clone, Debug)]
pub struct NewAlert {
    /// Unique per spike: a second detection of the same spike creates nothing.
    pub dedup_key: String,
    /// A topic in an area, or an emerging stream.
    pub kind: AlertKind,
    /// Topic.
    pub topic: Option<String>,
    /// Affected unit.
    pub unit_id: i64,
    /// Cluster.
    pub cluster_id: Option<i64>,
    /// Bucket start.
    pub bucket_start: i64,
    /// Bucket end.
    pub bucket_end: i64,
    /// Items in the bucket.
    pub count: i64,
    /// Baseline mean.
    pub baseline: f64,
    /// z-score.
    pub z: f64,
    /// What rose.
    pub spike_kind: SpikeKind,
    /// Negative share now.
    pub negative_now: Option<f64>,
    /// Negative share before.
    pub negative_before: Option<f64>,
    /// JSON list of terms.
    pub terms: String,
    /// JSON list of example item ids.
    pub example_ids: String,
    /// JSON list of `[unit id, count]`.
    pub areas: String,
}

/// Whether an alert with this key (series and hour) exists.
pub async fn alert_key_exists(db: &Db, dedup_key: &str) -> AppResult<bool> {
    let n: i64 = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM monitor_alerts WHERE dedup_key = $1"
    )
    .bind(dedup_key)
    .fetch_one(pool)
    .await?);
    Ok(n > 0)
}

/// Inserts an alert unless the same spike has one; returns the new id.
pub async fn insert_alert(tx: &mut Tx, a: &NewAlert, now: i64) -> AppResult<Option<i64>> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO monitor_alerts (dedup_key, kind, topic, unit_id, cluster_id, bucket_start, bucket_end, count, baseline, z,
           spike_kind, negative_now, negative_before, terms, example_ids, areas, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'open', $17)
         ON CONFLICT (dedup_key) DO NOTHING RETURNING id"
    )
    .bind(&a.dedup_key)
    .bind(a.kind.key())
    .bind(&a.topic)
    .bind(a.unit_id)
    .bind(a.cluster_id)
    .bind(a.bucket_start)
    .bind(a.bucket_end)
    .bind(a.count)
    .bind(a.baseline)
    .bind(a.z)
    .bind(a.spike_kind.key())
    .bind(a.negative_now)
    .bind(a.negative_before)
    .bind(&a.terms)
    .bind(&a.example_ids)
    .bind(&a.areas)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?
    }))
}

/// An alert.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Alert {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: AlertKind,
    /// Topic.
    pub topic: Option<String>,
    /// Affected unit.
    pub unit_id: i64,
    /// Cluster.
    pub cluster_id: Option<i64>,
    /// Bucket start.
    pub bucket_start: i64,
    /// Bucket end.
    pub bucket_end: i64,
    /// Items in the bucket.
    pub count: i64,
    /// Baseline mean.
    pub baseline: f64,
    /// z-score.
    pub z: f64,
    /// What rose.
    pub spike_kind: SpikeKind,
    /// Negative share now.
    pub negative_now: Option<f64>,
    /// Negative share before.
    pub negative_before: Option<f64>,
    /// JSON terms.
    pub terms: String,
    /// JSON example ids.
    pub example_ids: String,
    /// JSON areas.
    pub areas: String,
    /// Where it stands.
    pub status: AlertStatus,
    /// Raised at.
    pub created_at: i64,
    /// Acknowledged by.
    pub acked_by: Option<i64>,
    /// Acknowledged at.
    pub acked_at: Option<i64>,
    /// Acknowledgement note.
    pub ack_note: String,
    /// Closed by.
    pub closed_by: Option<i64>,
    /// Closed at.
    pub closed_at: Option<i64>,
    /// Closing note.
    pub close_note: String,
}

const ALERT_SELECT: &str = "SELECT id, kind, topic, unit_id, cluster_id, bucket_start, bucket_end, CAST(count AS BIGINT) AS count,
    baseline, z, spike_kind, negative_now, negative_before, terms, example_ids, areas, status, created_at,
    acked_by, acked_at, ack_note, closed_by, closed_at, close_note FROM monitor_alerts";

/// Alerts already raised for a unit's hour (any series).
pub async fn alerts_at(db: &Db, unit_id: i64, bucket_start: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM monitor_alerts WHERE unit_id = $1 AND bucket_start = $2"
    )
    .bind(unit_id)
    .bind(bucket_start)
    .fetch_one(pool)
    .await?))
}

/// One alert.
pub async fn find_alert(db: &Db, id: i64) -> AppResult<Option<Alert>> {
    let sql = sqlx::AssertSqlSafe(format!("{ALERT_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// [`find_alert`] inside a transaction (an alert just raised, not yet committed).
pub async fn find_alert_in(tx: &mut Tx, id: i64) -> AppResult<Option<Alert>> {
    let sql = sqlx::AssertSqlSafe(format!("{ALERT_SELECT} WHERE id = $1"));
    Ok(with_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?))
}

/// Alerts about the given units, newest first (`status`: one status, or every one when `None`).
pub async fn list_alerts(
    db: &Db,
    units: &[i64],
    status: Option<AlertStatus>,
    limit: i64,
) -> AppResult<Vec<Alert>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{ALERT_SELECT} WHERE ($1 = '' OR status = $1) AND unit_id IN ({}) ORDER BY created_at DESC, id DESC LIMIT {limit}",
        placeholders(2, units.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(status.map_or("", AlertStatus::key));
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// Acknowledges or closes an alert with a note; false when the alert is already in that state
/// or closed (or when asked to reopen it: no step does).
pub async fn set_alert_status(
    tx: &mut Tx,
    id: i64,
    status: AlertStatus,
    user_id: i64,
    note: &str,
    now: i64,
) -> AppResult<bool> {
    let sql = match status {
        AlertStatus::Acknowledged => {
            "UPDATE monitor_alerts SET status = $5, acked_by = $1, acked_at = $2, ack_note = $3
             WHERE id = $4 AND status = 'open'"
        }
        AlertStatus::Closed => {
            "UPDATE monitor_alerts SET status = $5, closed_by = $1, closed_at = $2, close_note = $3
             WHERE id = $4 AND status <> 'closed'"
        }
        AlertStatus::Open => return Ok(false),
    };
    Ok(with_conn!(tx, |conn| sqlx::query(sql)
        .bind(user_id)
        .bind(now)
        .bind(note)
        .bind(id)
        .bind(status.key())
        .execute(&mut *conn)
        .await?
        .rows_affected())
        == 1)
}

/// Adds an in-app notification once per key.
pub async fn insert_notification(
    tx: &mut Tx,
    key: &str,
    user_id: i64,
    alert_id: i64,
    now: i64,
) -> AppResult<bool> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO monitor_notifications (key, user_id, alert_id, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO NOTHING"
    )
    .bind(key)
    .bind(user_id)
    .bind(alert_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    }) == 1)
}

/// A user's unread notifications: `(alert id, created at)`.
pub async fn unread_notifications(db: &Db, user_id: i64) -> AppResult<Vec<(i64, i64)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT alert_id, created_at FROM monitor_notifications WHERE user_id = $1 AND read_at IS NULL
         ORDER BY created_at DESC LIMIT 50"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?
    }))
}

/// Marks a user's notifications of an alert as read.
pub async fn mark_notifications_read(
    db: &Db,
    user_id: i64,
    alert_id: i64,
    now: i64,
) -> AppResult<()> {
    with_db!(db, |pool| {
        sqlx::query(
        "UPDATE monitor_notifications SET read_at = $1 WHERE user_id = $2 AND alert_id = $3 AND read_at IS NULL"
    )
    .bind(now)
    .bind(user_id)
    .bind(alert_id)
    .execute(pool)
    .await?
    .rows_affected()
    });
    Ok(())
}
