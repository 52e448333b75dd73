//! The search index's change log (`monitor_index_log`, its head row and each node's position):
//! what every node's index must take, in commit order.
//!
//! A writer logs its changes last in its transaction: it raises `monitor_index_head.last_seq`
//! by the number of entries and writes them under the numbers it got. The raise locks the head
//! row until the transaction ends, so a number is only ever committed after every smaller one
//! (or never, if its transaction rolls back — then the next writer gets it). A node that has
//! applied the log up to N can therefore read `seq > N` and never skip a change.

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::{with_conn, with_db};

use super::items::{ITEM_SELECT, Item};

/// One entry: an item changed (or was deleted), or every item of a unit (its ancestry changed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LogEntry {
    /// Position in the log.
    pub seq: i64,
    /// The item, for an item entry.
    pub item_id: Option<i64>,
    /// The unit, for a unit entry.
    pub unit_id: Option<i64>,
}

/// Rows per multi-row insert (three parameters each: under both backends' limits).
const CHUNK: usize = 300;

/// Takes `n` numbers from the head (locking it until the transaction ends); returns the first.
async fn claim(tx: &mut Tx, n: usize) -> AppResult<i64> {
    let last: i64 = with_conn!(tx, |conn| sqlx::query_scalar(
        "UPDATE monitor_index_head SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq"
    )
    .bind(n as i64)
    .fetch_one(&mut *conn)
    .await?);
    Ok(last - n as i64 + 1)
}

/// Logs entries of one kind (`column`: `item_id` or `unit_id`).
async fn log(tx: &mut Tx, column: &str, ids: &[i64], now: i64) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut seq = claim(tx, ids.len()).await?;
    for chunk in ids.chunks(CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|k| format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3))
            .collect();
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO monitor_index_log (seq, {column}, at) VALUES {}",
            values.join(", ")
        ));
        with_conn!(tx, |conn| {
            let mut q = sqlx::query(sql);
            for (k, id) in chunk.iter().enumerate() {
                q = q.bind(seq + k as i64).bind(*id).bind(now);
            }
            q.execute(&mut *conn).await?.rows_affected()
        });
        seq += chunk.len() as i64;
    }
    Ok(())
}

/// Logs that these items were stored, changed or deleted. Call it last in the transaction.
pub async fn log_items(tx: &mut Tx, ids: &[i64], now: i64) -> AppResult<()> {
    log(tx, "item_id", ids, now).await
}

/// Logs that every item of these units must be indexed again (their ancestry changed). Call
/// it last in the transaction.
pub async fn log_units(tx: &mut Tx, units: &[i64], now: i64) -> AppResult<()> {
    log(tx, "unit_id", units, now).await
}

/// The head: the last number given, and the number up to which entries were pruned.
pub async fn index_head(db: &Db) -> AppResult<(i64, i64)> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT last_seq, pruned_through FROM monitor_index_head WHERE id = 1"
    )
    .fetch_one(pool)
    .await?))
}

/// Up to `limit` entries after `after`, in order.
pub async fn log_after(db: &Db, after: i64, limit: i64) -> AppResult<Vec<LogEntry>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT seq, item_id, unit_id FROM monitor_index_log WHERE seq > $1 ORDER BY seq LIMIT $2"
    )
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?))
}

/// Entries after `after` (what a node at that position has yet to apply).
pub async fn log_backlog(db: &Db, after: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM monitor_index_log WHERE seq > $1"
    )
    .bind(after)
    .fetch_one(pool)
    .await?))
}

/// Items with an id above `after_id`, in id order (a rebuild's pages).
pub async fn items_after(db: &Db, after_id: i64, limit: i64) -> AppResult<Vec<Item>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{ITEM_SELECT} WHERE i.id > $1 ORDER BY i.id LIMIT $2"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Items of the given units with an id above `after_id`, in id order.
pub async fn items_of_units_after(
    db: &Db,
    units: &[i64],
    after_id: i64,
    limit: i64,
) -> AppResult<Vec<Item>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{ITEM_SELECT} WHERE i.id > $1 AND i.unit_id IN ({}) ORDER BY i.id LIMIT $2",
        placeholders(3, units.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(after_id).bind(limit);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// Records a node's position (and that it is alive).
pub async fn record_node(db: &Db, node: &str, position: i64, now: i64) -> AppResult<()> {
    with_db!(db, |pool| sqlx::query(
        "INSERT INTO monitor_index_nodes (node, position, seen_at) VALUES ($1, $2, $3)
         ON CONFLICT (node) DO UPDATE SET position = excluded.position, seen_at = excluded.seen_at"
    )
    .bind(node)
    .bind(position)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// Forgets nodes not seen since `gone_before`, then deletes the entries every remaining node
/// has applied (all of them when no node is left: a node that comes back rebuilds). Returns
/// the entries deleted.
pub async fn prune_log(db: &Db, gone_before: i64) -> AppResult<u64> {
    let mut tx = db.begin().await?;
    let deleted = with_conn!(&mut tx, |conn| {
        sqlx::query("DELETE FROM monitor_index_nodes WHERE seen_at < $1")
            .bind(gone_before)
            .execute(&mut *conn)
            .await?;
        let (bound,): (Option<i64>,) =
            sqlx::query_as("SELECT MIN(position) FROM monitor_index_nodes")
                .fetch_one(&mut *conn)
                .await?;
        // The head row is locked from here to the commit: no entry can be given meanwhile.
        let (last, pruned): (i64, i64) = sqlx::query_as(
            "UPDATE monitor_index_head SET last_seq = last_seq WHERE id = 1
             RETURNING last_seq, pruned_through",
        )
        .fetch_one(&mut *conn)
        .await?;
        let bound = bound.unwrap_or(last).min(last);
        if bound <= pruned {
            0
        } else {
            let n = sqlx::query("DELETE FROM monitor_index_log WHERE seq <= $1")
                .bind(bound)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            sqlx::query("UPDATE monitor_index_head SET pruned_through = $1 WHERE id = 1")
                .bind(bound)
                .execute(&mut *conn)
                .await?;
            n
        }
    });
    tx.commit().await?;
    Ok(deleted)
}

/// Every node following the log: its name, position and when it was last seen.
pub async fn index_nodes(db: &Db) -> AppResult<Vec<(String, i64, i64)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT node, position, seen_at FROM monitor_index_nodes ORDER BY node"
    )
    .fetch_all(pool)
    .await?))
}
