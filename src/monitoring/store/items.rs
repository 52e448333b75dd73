//! Items and their file imports: insertion, lookup, search-index marks and the listings
//! of the monitoring pages (items, daily volume, breakdowns).

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::monitoring::model::{Direction, Quality, SourceKind};
use crate::{with_conn, with_db};

use super::{EFF_DIR, EFF_TOPIC, VN_OFFSET};

/// An item to insert.
#[derive(Clone, Debug, Default)]
pub struct NewItem {
    /// The sender's id (or a content hash).
    pub external_id: String,
    /// Area.
    pub unit_id: i64,
    /// When it was said.
    pub occurred_at: i64,
    /// Language.
    pub lang: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Quality.
    pub quality: Quality,
    /// Read by OCR.
    pub via_ocr: bool,
    /// Legacy encoding repaired.
    pub legacy_encoding: String,
    /// Link.
    pub url: String,
    /// Topic given by the source.
    pub src_topic: Option<String>,
    /// Direction given by the source.
    pub src_direction: Option<Direction>,
    /// Predicted topic and confidence.
    pub pred_topic: Option<(String, f64)>,
    /// Predicted direction and confidence.
    pub pred_direction: Option<(Direction, f64)>,
    /// Not for the search index (benchmarks only).
    pub skip_index: bool,
    /// SimHash fingerprint of title and text (`None`: not computed, never grouped).
    pub simhash: Option<i64>,
    /// The near-duplicate group it joins.
    pub dup: Dup,
    /// The machine's reading with marks restored, for a text typed without them.
    pub restored: Option<String>,
}

/// The near-duplicate group an item joins as it is stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dup {
    /// An original (or grouping is off).
    #[default]
    None,
    /// A copy of this stored item (the first of its group).
    Stored(i64),
    /// A copy of the item at this position of the same batch (itself an original).
    Batch(usize),
}

/// A file import to record with its items.
#[derive(Clone, Debug)]
pub struct NewImport<'a> {
    /// File name.
    pub file_name: &'a str,
    /// Format.
    pub format: &'a str,
    /// SHA-256 of the bytes.
    pub sha256: &'a str,
    /// Pages read by OCR.
    pub ocr_pages: i64,
    /// Warnings, one per line.
    pub warnings: &'a str,
    /// Who.
    pub created_by: Option<i64>,
}

/// Inserts items of one source in one transaction (all or nothing); an item whose external id
/// the source already has is skipped. Returns the ids of the new items (and the import's id).
pub async fn insert_items(
    db: &Db,
    source_id: i64,
    import: Option<&NewImport<'_>>,
    items: &[NewItem],
    now: i64,
) -> AppResult<(Vec<i64>, Option<i64>)> {
    let mut tx = db.begin().await?;
    let out = insert_items_in(&mut tx, source_id, import, items, now).await?;
    tx.commit().await?;
    Ok(out)
}

/// [`insert_items`] in the caller's transaction (a file import with its audit entry).
pub async fn insert_items_in(
    tx: &mut Tx,
    source_id: i64,
    import: Option<&NewImport<'_>>,
    items: &[NewItem],
    now: i64,
) -> AppResult<(Vec<i64>, Option<i64>)> {
    let import_id: Option<i64> = match import {
        Some(imp) => Some(with_conn!(tx, |conn| {
            sqlx::query_scalar(
            "INSERT INTO monitor_imports (source_id, file_name, format, sha256, items, created, ocr_pages, warnings, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9) RETURNING id",
        )
        .bind(source_id)
        .bind(imp.file_name)
        .bind(imp.format)
        .bind(imp.sha256)
        .bind(items.len() as i64)
        .bind(imp.ocr_pages)
        .bind(imp.warnings)
        .bind(imp.created_by)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
        })),
        None => None,
    };
    let mut ids = Vec::with_capacity(items.len());
    let mut to_index = Vec::with_capacity(items.len());
    // The id each position got (`None`: already stored).
    let mut stored: Vec<Option<i64>> = Vec::with_capacity(items.len());
    for it in items {
        let id: Option<i64> = with_conn!(tx, |conn| {
            sqlx::query_scalar(
            "INSERT INTO monitor_items (source_id, external_id, unit_id, occurred_at, ingested_at, lang, title, body,
               quality, via_ocr, legacy_encoding, url, import_id, src_topic, src_direction,
               pred_topic, pred_topic_conf, pred_direction, pred_direction_conf, rev, simhash, dup_of, restored)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 0,
               $20, $21, $22)
             ON CONFLICT (source_id, external_id) DO NOTHING RETURNING id",
        )
        .bind(source_id)
        .bind(&it.external_id)
        .bind(it.unit_id)
        .bind(it.occurred_at)
        .bind(now)
        .bind(&it.lang)
        .bind(&it.title)
        .bind(&it.body)
        .bind(it.quality.key())
        .bind(it.via_ocr)
        .bind(&it.legacy_encoding)
        .bind(&it.url)
        .bind(import_id)
        .bind(&it.src_topic)
        .bind(it.src_direction.map(Direction::key))
        .bind(it.pred_topic.as_ref().map(|p| p.0.as_str()))
        .bind(it.pred_topic.as_ref().map(|p| p.1))
        .bind(it.pred_direction.map(|p| p.0.key()))
        .bind(it.pred_direction.as_ref().map(|p| p.1))
        .bind(it.simhash)
        .bind(match it.dup {
            Dup::None => None,
            Dup::Stored(root) => Some(root),
            // An original of the batch that was not stored (already there) groups nothing.
            Dup::Batch(k) => stored.get(k).copied().flatten(),
        })
        .bind(it.restored.as_deref())
        .fetch_optional(&mut *conn)
        .await?
        });
        stored.push(id);
        if let Some(id) = id {
            ids.push(id);
            if !it.skip_index {
                to_index.push(id);
            }
        }
    }
    if let Some(import_id) = import_id {
        with_conn!(tx, |conn| sqlx::query(
            "UPDATE monitor_imports SET created = $1 WHERE id = $2"
        )
        .bind(ids.len() as i64)
        .bind(import_id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    }
    super::log_items(tx, &to_index, now).await?;
    Ok((ids, import_id))
}

/// An item as pages and jobs see it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Item {
    /// Id.
    pub id: i64,
    /// Source.
    pub source_id: i64,
    /// Source kind.
    pub source_kind: SourceKind,
    /// Source name.
    pub source_name: String,
    /// The sender's id.
    pub external_id: String,
    /// Area.
    pub unit_id: Option<i64>,
    /// When it was said.
    pub occurred_at: i64,
    /// When it arrived.
    pub ingested_at: i64,
    /// Language.
    pub lang: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Quality.
    pub quality: Quality,
    /// Read by OCR.
    pub via_ocr: bool,
    /// Legacy encoding repaired.
    pub legacy_encoding: String,
    /// Link.
    pub url: String,
    /// Topic given by the source.
    pub src_topic: Option<String>,
    /// Direction given by the source.
    pub src_direction: Option<Direction>,
    /// Topic labelled by a person.
    pub label_topic: Option<String>,
    /// Direction labelled by a person.
    pub label_direction: Option<Direction>,
    /// Predicted topic.
    pub pred_topic: Option<String>,
    /// Its confidence.
    pub pred_topic_conf: Option<f64>,
    /// Predicted direction.
    pub pred_direction: Option<Direction>,
    /// Its confidence.
    pub pred_direction_conf: Option<f64>,
    /// Revision (changes with labels and predictions).
    pub rev: i64,
}

impl Item {
    /// Effective topic.
    pub fn topic(&self) -> Option<&str> {
        crate::monitoring::model::effective(
            self.label_topic.as_deref(),
            self.src_topic.as_deref(),
            self.pred_topic.as_deref().zip(self.pred_topic_conf),
        )
    }
    /// Effective direction.
    pub fn direction(&self) -> Option<Direction> {
        crate::monitoring::model::effective(
            self.label_direction,
            self.src_direction,
            self.pred_direction.zip(self.pred_direction_conf),
        )
    }
}

pub(super) const ITEM_SELECT: &str = "SELECT i.id, i.source_id, s.kind AS source_kind, s.name AS source_name, i.external_id, i.unit_id,
    i.occurred_at, i.ingested_at, i.lang, i.title, i.body, i.quality, i.via_ocr, i.legacy_encoding, i.url,
    i.src_topic, i.src_direction, i.label_topic, i.label_direction, i.pred_topic, i.pred_topic_conf,
    i.pred_direction, i.pred_direction_conf, CAST(i.rev AS BIGINT) AS rev
    FROM monitor_items i JOIN monitor_sources s ON s.id = i.source_id";

/// One item.
pub async fn find_item(db: &Db, id: i64) -> AppResult<Option<Item>> {
    let sql = sqlx::AssertSqlSafe(format!("{ITEM_SELECT} WHERE i.id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Items by id (in no particular order).
pub async fn items_by_ids(db: &Db, ids: &[i64]) -> AppResult<Vec<Item>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let sql = sqlx::AssertSqlSafe(format!(
            "{ITEM_SELECT} WHERE i.id IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Item> = with_db!(db, |pool| {
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

/// Number of items.
pub async fn count_items(db: &Db) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM monitor_items"
    )
    .fetch_one(pool)
    .await?))
}

/// Items of the given units between two times, newest first (`topic`: effective topic).
pub async fn list_items(
    db: &Db,
    units: &[i64],
    topic: Option<&str>,
    from: i64,
    to: i64,
    limit: i64,
) -> AppResult<Vec<Item>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let topic_cond = if topic.is_some() {
        format!("AND {EFF_TOPIC} = ${}", units.len() + 3)
    } else {
        String::new()
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "{ITEM_SELECT} WHERE i.occurred_at >= $1 AND i.occurred_at < $2 AND i.unit_id IN ({}) {topic_cond}
         ORDER BY i.occurred_at DESC, i.id DESC LIMIT {limit}",
        placeholders(3, units.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(from).bind(to);
        for u in units {
            q = q.bind(*u);
        }
        if let Some(t) = topic {
            q = q.bind(t);
        }
        q.fetch_all(pool).await?
    }))
}

/// Daily counts per effective direction in the given units: `(day number in Vietnam time,
/// direction or None, count)`.
pub async fn daily_volume(
    db: &Db,
    units: &[i64],
    topic: Option<&str>,
    from: i64,
    to: i64,
) -> AppResult<Vec<(i64, Option<Direction>, i64)>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let topic_cond = if topic.is_some() {
        format!("AND {EFF_TOPIC} = ${}", units.len() + 3)
    } else {
        String::new()
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT (i.occurred_at + {VN_OFFSET}) / 86400 AS day, {EFF_DIR} AS dir, COUNT(*) AS n
         FROM monitor_items i
         WHERE i.occurred_at >= $1 AND i.occurred_at < $2 AND i.unit_id IN ({}) {topic_cond}
         GROUP BY 1, 2 ORDER BY 1",
        placeholders(3, units.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(from).bind(to);
        for u in units {
            q = q.bind(*u);
        }
        if let Some(t) = topic {
            q = q.bind(t);
        }
        q.fetch_all(pool).await?
    }))
}

/// Counts per effective topic and per area in the given units: `(topic, count)`, `(unit, count)`.
pub async fn breakdowns(
    db: &Db,
    units: &[i64],
    from: i64,
    to: i64,
) -> AppResult<(Vec<(Option<String>, i64)>, Vec<(i64, i64)>)> {
    if units.is_empty() {
        return Ok((vec![], vec![]));
    }
    let list = placeholders(3, units.len());
    let by_topic = sqlx::AssertSqlSafe(format!(
        "SELECT {EFF_TOPIC} AS topic, COUNT(*) FROM monitor_items i
         WHERE i.occurred_at >= $1 AND i.occurred_at < $2 AND i.unit_id IN ({list})
         GROUP BY 1 ORDER BY 2 DESC"
    ));
    let by_unit = sqlx::AssertSqlSafe(format!(
        "SELECT i.unit_id, COUNT(*) FROM monitor_items i
         WHERE i.occurred_at >= $1 AND i.occurred_at < $2 AND i.unit_id IN ({list})
         GROUP BY 1 ORDER BY 2 DESC LIMIT 15"
    ));
    let topics: Vec<(Option<String>, i64)> = with_db!(db, |pool| {
        let mut q = sqlx::query_as(by_topic).bind(from).bind(to);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    });
    let areas: Vec<(i64, i64)> = with_db!(db, |pool| {
        let mut q = sqlx::query_as(by_unit).bind(from).bind(to);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    });
    Ok((topics, areas))
}

/// A recorded file import.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Import {
    /// Id.
    pub id: i64,
    /// Source.
    pub source_id: i64,
    /// File name.
    pub file_name: String,
    /// Format.
    pub format: String,
    /// Items in the file.
    pub items: i64,
    /// Items new to the store.
    pub created: i64,
    /// Pages read by OCR.
    pub ocr_pages: i64,
    /// Warnings.
    pub warnings: String,
    /// When.
    pub created_at: i64,
}

/// The latest imports.
pub async fn list_imports(db: &Db, limit: i64) -> AppResult<Vec<Import>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id, source_id, file_name, format, CAST(items AS BIGINT) AS items, CAST(created AS BIGINT) AS created,
           CAST(ocr_pages AS BIGINT) AS ocr_pages, warnings, created_at
         FROM monitor_imports ORDER BY id DESC LIMIT {limit}"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await?))
}

/// Deletes up to `limit` items that occurred before `before` (unix seconds) with their labels
/// and stream memberships, in one transaction with their entries in the search index's log;
/// returns their ids.
pub async fn delete_items_before(db: &Db, before: i64, limit: i64) -> AppResult<Vec<i64>> {
    let mut tx = db.begin().await?;
    let ids: Vec<i64> = with_conn!(&mut tx, |conn| {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM monitor_items WHERE occurred_at < $1 ORDER BY id LIMIT $2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        if !ids.is_empty() {
            let list = placeholders(1, ids.len());
            for table in ["monitor_labels", "monitor_cluster_items"] {
                let sql = format!("DELETE FROM {table} WHERE item_id IN ({list})");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for id in &ids {
                    q = q.bind(id);
                }
                q.execute(&mut *conn).await?;
            }
            let sql = format!("DELETE FROM monitor_items WHERE id IN ({list})");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(id);
            }
            q.execute(&mut *conn).await?;
        }
        Ok::<_, crate::error::AppError>(ids)
    })?;
    super::log_items(&mut tx, &ids, chrono::Utc::now().timestamp()).await?;
    tx.commit().await?;
    Ok(ids)
}

/// Deletes the alert notifications created before `before` (unix seconds); returns how many.
pub async fn delete_notifications_before(db: &Db, before: i64) -> AppResult<u64> {
    Ok(with_db!(db, |pool| sqlx::query(
        "DELETE FROM monitor_notifications WHERE created_at < $1"
    )
    .bind(before)
    .execute(pool)
    .await?
    .rows_affected()))
}

/// Fingerprints of the items said in `[from, to]`: `(id, simhash, first of its group)`, at most
/// `limit` (the newest); items without a fingerprint are left out.
pub async fn prints_between(
    db: &Db,
    from: i64,
    to: i64,
    limit: i64,
) -> AppResult<Vec<(i64, i64, Option<i64>)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, simhash, dup_of FROM monitor_items
         WHERE occurred_at >= $1 AND occurred_at <= $2 AND simhash IS NOT NULL
         ORDER BY occurred_at DESC LIMIT $3"
    )
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(pool)
    .await?))
}

/// `(id, title, body)` of the given items.
pub async fn texts_of(db: &Db, ids: &[i64]) -> AppResult<Vec<(i64, String, String)>> {
    let mut out = vec![];
    for chunk in ids.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id, title, body FROM monitor_items WHERE id IN ({})",
            crate::db::placeholders(1, chunk.len())
        ));
        let rows: Vec<(i64, String, String)> = with_db!(db, |pool| {
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

/// How many copies each of the given items has (only those with copies).
pub async fn copy_counts(db: &Db, ids: &[i64]) -> AppResult<Vec<(i64, i64)>> {
    let mut out = vec![];
    for chunk in ids.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT dup_of, CAST(COUNT(*) AS BIGINT) FROM monitor_items WHERE dup_of IN ({})
             GROUP BY dup_of",
            crate::db::placeholders(1, chunk.len())
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

/// The item an item is a copy of, if any.
pub async fn copy_of(db: &Db, id: i64) -> AppResult<Option<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT dup_of FROM monitor_items WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
    .flatten())
}

/// The deployment's resemblance from which two texts are the same post (0: grouping off).
pub async fn dedup_resemblance(db: &Db) -> AppResult<f64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT dedup_resemblance FROM monitor_settings WHERE id = 1"
    )
    .fetch_optional(pool)
    .await?)
    .unwrap_or(0.0))
}

/// Sets the resemblance.
pub async fn set_dedup_resemblance(tx: &mut Tx, value: f64, user: i64, now: i64) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "UPDATE monitor_settings SET dedup_resemblance = $1, updated_by = $2, updated_at = $3
         WHERE id = 1"
    )
    .bind(value)
    .bind(user)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// The stored machine reading of an item with its marks restored, if any.
pub async fn restored_of(db: &Db, id: i64) -> AppResult<Option<String>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT restored FROM monitor_items WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
    .flatten())
}
