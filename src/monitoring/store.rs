//! All SQL of monitoring: sources, imports, items and their labels and predictions, models,
//! clusters (emerging streams), thresholds, alerts and their notifications.
//!
//! Times are unix seconds. The effective topic and direction of an item (a person's label, else
//! the source's, else a confident prediction) are computed in SQL by [`EFF_TOPIC`]/[`EFF_DIR`],
//! the same rule as `model::effective`.

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// The effective topic of `i` (a row of `monitor_items`).
pub const EFF_TOPIC: &str = "COALESCE(i.label_topic, i.src_topic, CASE WHEN i.pred_topic_conf >= 0.5 THEN i.pred_topic END)";
/// The effective direction of `i`.
pub const EFF_DIR: &str = "COALESCE(i.label_direction, i.src_direction, CASE WHEN i.pred_direction_conf >= 0.5 THEN i.pred_direction END)";

/// Seconds added to a unix time to get Vietnam's wall clock (UTC+7), for daily buckets.
pub const VN_OFFSET: i64 = 7 * 3600;

// ---------------------------------------------------------------- sources

/// A source of items.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Source {
    /// Id.
    pub id: i64,
    /// Kind (`api`, `file`, `feed`, `reporting`, `surveys`, `manual`).
    pub kind: String,
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
    /// Outcome of the last poll or sync.
    pub last_status: String,
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
    next_poll_at, last_polled_at, last_status, last_error, cursor, active, created_at FROM monitor_sources";

/// A new source.
#[derive(Clone, Debug, Default)]
pub struct NewSource<'a> {
    /// Kind.
    pub kind: &'a str,
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
        .bind(s.kind)
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
pub async fn find_source_of_kind(db: &Db, kind: &str) -> AppResult<Option<Source>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SOURCE_SELECT} WHERE kind = $1 ORDER BY id LIMIT 1"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(kind)
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
    status: &str,
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
        .bind(status)
        .bind(error)
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(())
}

/// Moves an internal source's watermark and records its status.
pub async fn set_cursor(db: &Db, id: i64, cursor: i64, status: &str, now: i64) -> AppResult<()> {
    let sql = "UPDATE monitor_sources SET cursor = $1, last_status = $2, last_polled_at = $3 WHERE id = $4";
    with_db!(db, |pool| sqlx::query(sql)
        .bind(cursor)
        .bind(status)
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

// ---------------------------------------------------------------- items

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
    /// Quality key.
    pub quality: &'static str,
    /// Read by OCR.
    pub via_ocr: bool,
    /// Legacy encoding repaired.
    pub legacy_encoding: String,
    /// Link.
    pub url: String,
    /// Topic given by the source.
    pub src_topic: Option<String>,
    /// Direction given by the source.
    pub src_direction: Option<String>,
    /// Predicted topic and confidence.
    pub pred_topic: Option<(String, f64)>,
    /// Predicted direction and confidence.
    pub pred_direction: Option<(String, f64)>,
    /// Not for the search index (benchmarks only).
    pub skip_index: bool,
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
    for it in items {
        let id: Option<i64> = with_conn!(tx, |conn| {
            sqlx::query_scalar(
            "INSERT INTO monitor_items (source_id, external_id, unit_id, occurred_at, ingested_at, lang, title, body,
               quality, via_ocr, legacy_encoding, url, import_id, src_topic, src_direction,
               pred_topic, pred_topic_conf, pred_direction, pred_direction_conf, rev, needs_index)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 0, $20)
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
        .bind(it.quality)
        .bind(it.via_ocr)
        .bind(&it.legacy_encoding)
        .bind(&it.url)
        .bind(import_id)
        .bind(&it.src_topic)
        .bind(&it.src_direction)
        .bind(it.pred_topic.as_ref().map(|p| p.0.as_str()))
        .bind(it.pred_topic.as_ref().map(|p| p.1))
        .bind(it.pred_direction.as_ref().map(|p| p.0.as_str()))
        .bind(it.pred_direction.as_ref().map(|p| p.1))
        .bind(!it.skip_index)
        .fetch_optional(&mut *conn)
        .await?
        });
        if let Some(id) = id {
            ids.push(id);
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
    pub source_kind: String,
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
    /// Quality key.
    pub quality: String,
    /// Read by OCR.
    pub via_ocr: bool,
    /// Legacy encoding repaired.
    pub legacy_encoding: String,
    /// Link.
    pub url: String,
    /// Topic given by the source.
    pub src_topic: Option<String>,
    /// Direction given by the source.
    pub src_direction: Option<String>,
    /// Topic labelled by a person.
    pub label_topic: Option<String>,
    /// Direction labelled by a person.
    pub label_direction: Option<String>,
    /// Predicted topic.
    pub pred_topic: Option<String>,
    /// Its confidence.
    pub pred_topic_conf: Option<f64>,
    /// Predicted direction.
    pub pred_direction: Option<String>,
    /// Its confidence.
    pub pred_direction_conf: Option<f64>,
    /// Revision (changes with labels and predictions).
    pub rev: i64,
}

impl Item {
    /// Effective topic.
    pub fn topic(&self) -> Option<&str> {
        super::model::effective(
            self.label_topic.as_deref(),
            self.src_topic.as_deref(),
            self.pred_topic.as_deref().zip(self.pred_topic_conf),
        )
    }
    /// Effective direction.
    pub fn direction(&self) -> Option<&str> {
        super::model::effective(
            self.label_direction.as_deref(),
            self.src_direction.as_deref(),
            self.pred_direction.as_deref().zip(self.pred_direction_conf),
        )
    }
}

const ITEM_SELECT: &str = "SELECT i.id, i.source_id, s.kind AS source_kind, s.name AS source_name, i.external_id, i.unit_id,
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

/// Items waiting for the search index, oldest first.
pub async fn items_to_index(db: &Db, limit: i64) -> AppResult<Vec<Item>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{ITEM_SELECT} WHERE i.needs_index ORDER BY i.id LIMIT $1"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Marks items as indexed, unless they changed since they were read (`rev`).
pub async fn mark_indexed(db: &Db, done: &[(i64, i64)]) -> AppResult<()> {
    if done.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for (id, rev) in done {
        with_conn!(&mut tx, |conn| sqlx::query(
            "UPDATE monitor_items SET needs_index = FALSE WHERE id = $1 AND rev = $2"
        )
        .bind(id)
        .bind(rev)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    }
    tx.commit().await?;
    Ok(())
}

/// Marks every item for indexing (after the index was cleared).
pub async fn mark_all_for_index(db: &Db) -> AppResult<u64> {
    Ok(with_db!(db, |pool| sqlx::query(
        "UPDATE monitor_items SET needs_index = TRUE WHERE NOT needs_index"
    )
    .execute(pool)
    .await?
    .rows_affected()))
}

/// Marks every item of the given units for indexing again (a new revision, so an indexer that
/// read the old state does not mark it done): their units' ancestry changed (a unit moved) and
/// the index holds the old one. Returns the items marked.
pub async fn mark_units_for_index(tx: &mut Tx, units: &[i64]) -> AppResult<u64> {
    let mut marked = 0;
    // Chunks keep every statement under both backends' parameter limits.
    for chunk in units.chunks(1000) {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE monitor_items SET rev = rev + 1, needs_index = TRUE WHERE unit_id IN ({})",
            placeholders(1, chunk.len())
        ));
        marked += with_conn!(tx, |conn| {
            let mut q = sqlx::query(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.execute(&mut *conn).await?.rows_affected()
        });
    }
    Ok(marked)
}

/// Number of items, and of items waiting for the index.
pub async fn count_items(db: &Db) -> AppResult<(i64, i64)> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN needs_index THEN 1 ELSE 0 END), 0) FROM monitor_items"
    )
    .fetch_one(pool)
    .await?
    }))
}

/// A person's label on an item: the history row, the item's column, a new revision.
pub async fn set_label(
    tx: &mut Tx,
    item_id: i64,
    kind: &str,
    value: &str,
    user_id: i64,
    now: i64,
) -> AppResult<()> {
    let update = if kind == "topic" {
        "UPDATE monitor_items SET label_topic = $1, rev = rev + 1, needs_index = TRUE WHERE id = $2"
    } else {
        "UPDATE monitor_items SET label_direction = $1, rev = rev + 1, needs_index = TRUE WHERE id = $2"
    };
    with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO monitor_labels (item_id, kind, value, user_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(item_id)
    .bind(kind)
    .bind(value)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    with_conn!(tx, |conn| sqlx::query(update)
        .bind(value)
        .bind(item_id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Labelled examples for a model: `(label, text)`, people's labels first, then sources' labels.
pub async fn training_examples(
    db: &Db,
    kind: &str,
    limit: i64,
) -> AppResult<Vec<(String, String)>> {
    let sql = if kind == "topic" {
        "SELECT COALESCE(label_topic, src_topic), body FROM monitor_items
         WHERE label_topic IS NOT NULL OR src_topic IS NOT NULL
         ORDER BY CASE WHEN label_topic IS NOT NULL THEN 0 ELSE 1 END, id DESC LIMIT $1"
    } else {
        "SELECT COALESCE(label_direction, src_direction), body FROM monitor_items
         WHERE label_direction IS NOT NULL OR src_direction IS NOT NULL
         ORDER BY CASE WHEN label_direction IS NOT NULL THEN 0 ELSE 1 END, id DESC LIMIT $1"
    };
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Number of labelled examples of a kind (people's or sources' labels).
pub async fn count_examples(db: &Db, kind: &str) -> AppResult<i64> {
    let sql = if kind == "topic" {
        "SELECT COUNT(*) FROM monitor_items WHERE label_topic IS NOT NULL OR src_topic IS NOT NULL"
    } else {
        "SELECT COUNT(*) FROM monitor_items WHERE label_direction IS NOT NULL OR src_direction IS NOT NULL"
    };
    Ok(with_db!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await?))
}

/// Number of people's labels of a kind.
pub async fn count_labels(db: &Db, kind: &str) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM monitor_labels WHERE kind = $1"
    )
    .bind(kind)
    .fetch_one(pool)
    .await?))
}

/// Recent items without a person's or a source's label of `kind` in the given units: the pool
/// the active-learning queue picks from.
pub async fn unlabelled_pool(
    db: &Db,
    kind: &str,
    units: &[i64],
    limit: i64,
) -> AppResult<Vec<Item>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let cond = if kind == "topic" {
        "i.label_topic IS NULL AND i.src_topic IS NULL"
    } else {
        "i.label_direction IS NULL AND i.src_direction IS NULL"
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "{ITEM_SELECT} WHERE {cond} AND i.unit_id IN ({}) ORDER BY i.id DESC LIMIT {limit}",
        placeholders(1, units.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// A page of `(id, body)` after `after_id`, for predictions.
pub async fn bodies_after(db: &Db, after_id: i64, limit: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, body FROM monitor_items WHERE id > $1 ORDER BY id LIMIT $2"
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?))
}

/// Stores predictions of one kind: `(item id, label, confidence)`.
pub async fn set_predictions(db: &Db, kind: &str, preds: &[(i64, String, f64)]) -> AppResult<()> {
    let sql = if kind == "topic" {
        "UPDATE monitor_items SET pred_topic = $1, pred_topic_conf = $2, rev = rev + 1, needs_index = TRUE WHERE id = $3"
    } else {
        "UPDATE monitor_items SET pred_direction = $1, pred_direction_conf = $2, rev = rev + 1, needs_index = TRUE WHERE id = $3"
    };
    let mut tx = db.begin().await?;
    for (id, label, conf) in preds {
        with_conn!(&mut tx, |conn| sqlx::query(sql)
            .bind(label)
            .bind(conf)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected());
    }
    tx.commit().await?;
    Ok(())
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
) -> AppResult<Vec<(i64, Option<String>, i64)>> {
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

// ---------------------------------------------------------------- spikes

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
pub type SeriesItem = (i64, i64, String, Option<String>);

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

// ---------------------------------------------------------------- alerts

/// A new alert.
#[derive(Clone, Debug)]
pub struct NewAlert {
    /// Unique per spike: a second detection of the same spike creates nothing.
    pub dedup_key: String,
    /// `topic_area` or `cluster`.
    pub kind: &'static str,
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
    /// `volume`, `negative` or `both`.
    pub spike_kind: &'static str,
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
    .bind(a.kind)
    .bind(&a.topic)
    .bind(a.unit_id)
    .bind(a.cluster_id)
    .bind(a.bucket_start)
    .bind(a.bucket_end)
    .bind(a.count)
    .bind(a.baseline)
    .bind(a.z)
    .bind(a.spike_kind)
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
    pub kind: String,
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
    pub spike_kind: String,
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
    /// `open`, `acknowledged`, `closed`.
    pub status: String,
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

/// Alerts about the given units, newest first (`status`: one status, or every one when empty).
pub async fn list_alerts(
    db: &Db,
    units: &[i64],
    status: &str,
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
        let mut q = sqlx::query_as(sql).bind(status);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// Acknowledges (`acknowledged`) or closes (`closed`) an alert with a note; false when the
/// alert is already in that state or closed.
pub async fn set_alert_status(
    tx: &mut Tx,
    id: i64,
    status: &str,
    user_id: i64,
    note: &str,
    now: i64,
) -> AppResult<bool> {
    let sql = if status == "acknowledged" {
        "UPDATE monitor_alerts SET status = 'acknowledged', acked_by = $1, acked_at = $2, ack_note = $3
         WHERE id = $4 AND status = 'open'"
    } else {
        "UPDATE monitor_alerts SET status = 'closed', closed_by = $1, closed_at = $2, close_note = $3
         WHERE id = $4 AND status <> 'closed'"
    };
    Ok(with_conn!(tx, |conn| sqlx::query(sql)
        .bind(user_id)
        .bind(now)
        .bind(note)
        .bind(id)
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

// ---------------------------------------------------------------- clusters

/// Items for clustering: `(id, time, unit, text, effective direction)`, newest `limit` since `from`.
pub async fn items_for_clustering(
    db: &Db,
    from: i64,
    limit: i64,
) -> AppResult<Vec<(i64, i64, Option<i64>, String, Option<String>)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT i.id, i.occurred_at, i.unit_id, i.body, {EFF_DIR} FROM monitor_items i
         WHERE i.occurred_at >= $1 ORDER BY i.occurred_at DESC LIMIT {limit}"
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
    /// `candidate`, `promoted`, `dismissed`.
    pub status: String,
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
pub async fn cluster_members(db: &Db) -> AppResult<Vec<(i64, String, i64)>> {
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
    status: &str,
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
        let mut q = sqlx::query_as(sql).bind(status);
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
    status: &str,
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
    .bind(status)
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

// ---------------------------------------------------------------- models

/// A trained model's record (without its bytes).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ModelRow {
    /// Id.
    pub id: i64,
    /// `topic` or `direction`.
    pub kind: String,
    /// Training examples.
    pub examples: i64,
    /// JSON labels.
    pub labels: String,
    /// Cross-validated macro-F1.
    pub macro_f1: f64,
    /// Cross-validated accuracy.
    pub accuracy: f64,
    /// Folds.
    pub folds: i64,
    /// JSON per-class scores.
    pub report: String,
    /// In use.
    pub active: bool,
    /// Trained at.
    pub created_at: i64,
}

const MODEL_SELECT: &str =
    "SELECT id, kind, CAST(examples AS BIGINT) AS examples, labels, macro_f1, accuracy,
    CAST(folds AS BIGINT) AS folds, report, active, created_at FROM monitor_models";

/// Stores a model and makes it the active one of its kind.
#[allow(clippy::too_many_arguments)]
pub async fn insert_model(
    tx: &mut Tx,
    kind: &str,
    examples: i64,
    labels: &str,
    macro_f1: f64,
    accuracy: f64,
    folds: i64,
    report: &str,
    bytes: &[u8],
    now: i64,
) -> AppResult<i64> {
    with_conn!(tx, |conn| sqlx::query(
        "UPDATE monitor_models SET active = FALSE WHERE kind = $1"
    )
    .bind(kind)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO monitor_models (kind, examples, labels, macro_f1, accuracy, folds, report, model, active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9) RETURNING id",
    )
    .bind(kind)
    .bind(examples)
    .bind(labels)
    .bind(macro_f1)
    .bind(accuracy)
    .bind(folds)
    .bind(report)
    .bind(bytes)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?
    }))
}

/// The active model of a kind, with its bytes.
pub async fn active_model(db: &Db, kind: &str) -> AppResult<Option<(ModelRow, Vec<u8>)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{MODEL_SELECT} WHERE kind = $1 AND active ORDER BY id DESC LIMIT 1"
    ));
    let row: Option<ModelRow> = with_db!(db, |pool| sqlx::query_as(sql)
        .bind(kind)
        .fetch_optional(pool)
        .await?);
    let Some(row) = row else {
        return Ok(None);
    };
    let bytes: Vec<u8> = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT model FROM monitor_models WHERE id = $1"
    )
    .bind(row.id)
    .fetch_one(pool)
    .await?);
    Ok(Some((row, bytes)))
}

/// The latest models, newest first.
pub async fn list_models(db: &Db, limit: i64) -> AppResult<Vec<ModelRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{MODEL_SELECT} ORDER BY id DESC LIMIT {limit}"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await?))
}

// ---------------------------------------------------------------- imports

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
