//! Labels and predictions of items, the training examples they give, and the trained models.

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::monitoring::model::LabelKind;
use crate::{with_conn, with_db};

use super::items::{ITEM_SELECT, Item};

/// A person's label on an item: the history row, the item's column, a new revision, and its
/// entry in the search index's log.
pub async fn set_label(
    tx: &mut Tx,
    item_id: i64,
    kind: LabelKind,
    value: &str,
    user_id: i64,
    now: i64,
) -> AppResult<()> {
    let update = if kind == LabelKind::Topic {
        "UPDATE monitor_items SET label_topic = $1, rev = rev + 1 WHERE id = $2"
    } else {
        "UPDATE monitor_items SET label_direction = $1, rev = rev + 1 WHERE id = $2"
    };
    with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO monitor_labels (item_id, kind, value, user_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(item_id)
    .bind(kind.key())
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
    super::log_items(tx, &[item_id], now).await
}

/// Labelled examples for a model: `(label, text)`, people's labels first, then sources' labels.
pub async fn training_examples(
    db: &Db,
    kind: LabelKind,
    limit: i64,
) -> AppResult<Vec<(String, String)>> {
    let sql = if kind == LabelKind::Topic {
        "SELECT COALESCE(label_topic, src_topic), COALESCE(restored, body) FROM monitor_items
         WHERE label_topic IS NOT NULL OR src_topic IS NOT NULL
         ORDER BY CASE WHEN label_topic IS NOT NULL THEN 0 ELSE 1 END, id DESC LIMIT $1"
    } else {
        "SELECT COALESCE(label_direction, src_direction), COALESCE(restored, body) FROM monitor_items
         WHERE label_direction IS NOT NULL OR src_direction IS NOT NULL
         ORDER BY CASE WHEN label_direction IS NOT NULL THEN 0 ELSE 1 END, id DESC LIMIT $1"
    };
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Number of labelled examples of a kind (people's or sources' labels).
pub async fn count_examples(db: &Db, kind: LabelKind) -> AppResult<i64> {
    let sql = if kind == LabelKind::Topic {
        "SELECT COUNT(*) FROM monitor_items WHERE label_topic IS NOT NULL OR src_topic IS NOT NULL"
    } else {
        "SELECT COUNT(*) FROM monitor_items WHERE label_direction IS NOT NULL OR src_direction IS NOT NULL"
    };
    Ok(with_db!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await?))
}

/// Number of people's labels of a kind.
pub async fn count_labels(db: &Db, kind: LabelKind) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM monitor_labels WHERE kind = $1"
    )
    .bind(kind.key())
    .fetch_one(pool)
    .await?))
}

/// Recent items without a person's or a source's label of `kind` in the given units: the pool
/// the active-learning queue picks from.
pub async fn unlabelled_pool(
    db: &Db,
    kind: LabelKind,
    units: &[i64],
    limit: i64,
) -> AppResult<Vec<Item>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let cond = if kind == LabelKind::Topic {
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

/// A page of `(id, text the models read)` after `after_id`, for predictions: the restored
/// reading of a text typed without marks, else the text.
pub async fn bodies_after(db: &Db, after_id: i64, limit: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, COALESCE(restored, body) FROM monitor_items WHERE id > $1 ORDER BY id LIMIT $2"
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?))
}

/// Stores predictions of one kind: `(item id, label, confidence)`.
pub async fn set_predictions(
    db: &Db,
    kind: LabelKind,
    preds: &[(i64, String, f64)],
) -> AppResult<()> {
    let sql = if kind == LabelKind::Topic {
        "UPDATE monitor_items SET pred_topic = $1, pred_topic_conf = $2, rev = rev + 1 WHERE id = $3"
    } else {
        "UPDATE monitor_items SET pred_direction = $1, pred_direction_conf = $2, rev = rev + 1 WHERE id = $3"
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
    let ids: Vec<i64> = preds.iter().map(|p| p.0).collect();
    super::log_items(&mut tx, &ids, chrono::Utc::now().timestamp()).await?;
    tx.commit().await?;
    Ok(())
}

/// A trained model's record (without its bytes).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ModelRow {
    /// Id.
    pub id: i64,
    /// What it predicts.
    pub kind: LabelKind,
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
    kind: LabelKind,
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
    .bind(kind.key())
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO monitor_models (kind, examples, labels, macro_f1, accuracy, folds, report, model, active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9) RETURNING id",
    )
    .bind(kind.key())
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
pub async fn active_model(db: &Db, kind: LabelKind) -> AppResult<Option<(ModelRow, Vec<u8>)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{MODEL_SELECT} WHERE kind = $1 AND active ORDER BY id DESC LIMIT 1"
    ));
    let row: Option<ModelRow> = with_db!(db, |pool| sqlx::query_as(sql)
        .bind(kind.key())
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
