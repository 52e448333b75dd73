//! Clusters of items (emerging streams): clustering input, runs, members and decisions.

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::monitoring::model::{ClusterStatus, Direction};
use crate::{with_conn, with_db};

use super::EFF_DIR;

/// Items for clustering: `(id, time, unit, text, effective direction)`, newest `limit` since `from`.
/// Only the first item of each near-duplicate group (`dup_of` empty): a post reshared many times
/// is one voice, so it counts once towards a cluster's size (its copies are shown beside it,
/// [`cluster_copies`]). The text is the restored reading where the item was typed without marks.
pub async fn items_for_clustering(
    db: &Db,
    from: i64,
    limit: i64,
) -> AppResult<Vec<(i64, i64, Option<i64>, String, Option<Direction>)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT i.id, i.occurred_at, i.unit_id, COALESCE(i.restored, i.body), {EFF_DIR}
         FROM monitor_items i
         WHERE i.occurred_at >= $1 AND i.dup_of IS NULL
         ORDER BY i.occurred_at DESC LIMIT {limit}"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(from)
        .fetch_all(pool)
        .await?))
}

/// A cluster (an emerging stream).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Cluster {
    /// Id.
    pub id: i64,
    /// Label (terms joined).
    pub label: String,
    /// JSON terms.
    pub terms: String,
    /// Items.
    pub size: i64,
    /// First item time.
    pub first_at: i64,
    /// Last item time.
    pub last_at: i64,
    /// Share of negative items among those with a direction.
    pub negative_share: Option<f64>,
    /// JSON `[[unit id, count], …]`.
    pub areas: String,
    /// JSON example ids.
    pub example_ids: String,
    /// Lowest unit covering every area.
    pub scope_unit_id: i64,
    /// Where it stands.
    pub status: ClusterStatus,
    /// Reporting stream made from it.
    pub stream_id: Option<i64>,
    /// Note of the decision.
    pub note: String,
    /// Last update.
    pub updated_at: i64,
}

const CLUSTER_SELECT: &str = "SELECT id, label, terms, CAST(size AS BIGINT) AS size, first_at, last_at, negative_share, areas,
    example_ids, scope_unit_id, status, stream_id, note, updated_at FROM monitor_clusters";

/// What one clustering run found for one cluster.
#[derive(Clone, Debug)]
pub struct ClusterData {
    /// Label.
    pub label: String,
    /// JSON terms.
    pub terms: String,
    /// First item time.
    pub first_at: i64,
    /// Last item time.
    pub last_at: i64,
    /// Negative share.
    pub negative_share: Option<f64>,
    /// JSON areas.
    pub areas: String,
    /// JSON example ids.
    pub example_ids: String,
    /// Scope unit.
    pub scope_unit_id: i64,
    /// Member item ids.
    pub members: Vec<i64>,
}

/// Clusters with their status and members (to match a new run against): `(cluster, status, item)`.
pub async fn cluster_members(db: &Db) -> AppResult<Vec<(i64, ClusterStatus, i64)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT m.cluster_id, c.status, m.item_id FROM monitor_cluster_items m JOIN monitor_clusters c ON c.id = m.cluster_id"
    )
    .fetch_all(pool)
    .await?
    }))
}

/// Creates (`id` None) or refreshes a cluster with its members, in one transaction.
pub async fn save_cluster(db: &Db, id: Option<i64>, c: &ClusterData, now: i64) -> AppResult<i64> {
    let mut txn = db.begin().await?;
    let tx = &mut txn;
    let id: i64 = match id {
        Some(id) => {
            with_conn!(&mut *tx, |conn| {
                sqlx::query(
                "UPDATE monitor_clusters SET label = $1, terms = $2, size = $3, first_at = $4, last_at = $5,
                   negative_share = $6, areas = $7, example_ids = $8, scope_unit_id = $9, updated_at = $10
                 WHERE id = $11",
            )
            .bind(&c.label)
            .bind(&c.terms)
            .bind(c.members.len() as i64)
            .bind(c.first_at)
            .bind(c.last_at)
            .bind(c.negative_share)
            .bind(&c.areas)
            .bind(&c.example_ids)
            .bind(c.scope_unit_id)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            });
            with_conn!(&mut *tx, |conn| sqlx::query(
                "DELETE FROM monitor_cluster_items WHERE cluster_id = $1"
            )
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected());
            id
        }
        None => with_conn!(&mut *tx, |conn| {
            sqlx::query_scalar(
            "INSERT INTO monitor_clusters (label, terms, size, first_at, last_at, negative_share, areas, example_ids,
               scope_unit_id, status, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'candidate', $10) RETURNING id",
        )
        .bind(&c.label)
        .bind(&c.terms)
        .bind(c.members.len() as i64)
        .bind(c.first_at)
        .bind(c.last_at)
        .bind(c.negative_share)
        .bind(&c.areas)
        .bind(&c.example_ids)
        .bind(c.scope_unit_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
        }),
    };
    for m in &c.members {
        with_conn!(&mut *tx, |conn| sqlx::query(
            "INSERT INTO monitor_cluster_items (cluster_id, item_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(m)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    }
    txn.commit().await?;
    Ok(id)
}

/// Candidate clusters not seen in the latest run are dropped (decided ones stay as records).
pub async fn drop_candidates(db: &Db, ids: &[i64]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let list = placeholders(1, ids.len());
    let del_items = sqlx::AssertSqlSafe(format!(
        "DELETE FROM monitor_cluster_items WHERE cluster_id IN ({list})"
    ));
    let del = sqlx::AssertSqlSafe(format!(
        "DELETE FROM monitor_clusters WHERE status = 'candidate' AND id IN ({list})
         AND id NOT IN (SELECT cluster_id FROM monitor_alerts WHERE cluster_id IS NOT NULL)"
    ));
    let mut tx = db.begin().await?;
    for sql in [del_items, del] {
        with_conn!(&mut tx, |conn| {
            let mut q = sqlx::query(sql);
            for id in ids {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?.rows_affected()
        });
    }
    tx.commit().await?;
    Ok(())
}

/// Clusters of a status whose scope lies in the given units, largest first.
pub async fn list_clusters(
    db: &Db,
    status: ClusterStatus,
    units: &[i64],
    limit: i64,
) -> AppResult<Vec<Cluster>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{CLUSTER_SELECT} WHERE status = $1 AND scope_unit_id IN ({}) ORDER BY size DESC, last_at DESC LIMIT {limit}",
        placeholders(2, units.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(status.key());
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// One cluster.
pub async fn find_cluster(db: &Db, id: i64) -> AppResult<Option<Cluster>> {
    let sql = sqlx::AssertSqlSafe(format!("{CLUSTER_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Member item ids of a cluster.
pub async fn cluster_member_ids(db: &Db, id: i64, limit: i64) -> AppResult<Vec<i64>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar(
        "SELECT item_id FROM monitor_cluster_items WHERE cluster_id = $1 ORDER BY item_id DESC LIMIT $2"
    )
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await?
    }))
}

/// Records an analyst's decision on a candidate; false when it was already decided.
pub async fn decide_cluster(
    tx: &mut Tx,
    id: i64,
    status: ClusterStatus,
    stream_id: Option<i64>,
    user_id: i64,
    note: &str,
    now: i64,
) -> AppResult<bool> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE monitor_clusters SET status = $1, stream_id = $2, decided_by = $3, decided_at = $4, note = $5
         WHERE id = $6 AND status = 'candidate'"
    )
    .bind(status.key())
    .bind(stream_id)
    .bind(user_id)
    .bind(now)
    .bind(note)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    }) == 1)
}

/// How many near-duplicate copies the members of each cluster have, for the clusters given
/// (only those with copies): `(cluster, copies)`.
pub async fn cluster_copies(db: &Db, clusters: &[i64]) -> AppResult<Vec<(i64, i64)>> {
    let mut out = vec![];
    for chunk in clusters.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT m.cluster_id, CAST(COUNT(d.id) AS BIGINT)
             FROM monitor_cluster_items m JOIN monitor_items d ON d.dup_of = m.item_id
             WHERE m.cluster_id IN ({}) GROUP BY m.cluster_id",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<(i64, i64)> = with_db!(db, |pool| {
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

/// The texts (title and body) of the items said since `from` that are the first of their
/// near-duplicate group, newest first, at most `limit`.
pub async fn texts_since(db: &Db, from: i64, limit: i64) -> AppResult<Vec<String>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT body FROM monitor_items WHERE occurred_at >= $1 AND dup_of IS NULL
         ORDER BY occurred_at DESC LIMIT $2"
    )
    .bind(from)
    .bind(limit)
    .fetch_all(pool)
    .await?))
}
