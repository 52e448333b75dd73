//! A survey's paper settings, the entries of keyed fields under double entry, the rows of the
//! disagreement report, and the retention of landed sheets' crops.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::surveys::paper::model::{DEFAULT_RETENTION_DAYS, Settings};
use crate::{with_conn, with_db};

/// A survey's paper settings (the defaults when never saved).
pub async fn settings(db: &Db, survey_id: i64) -> AppResult<Settings> {
    let row: Option<(bool, i64)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT double_entry, retention_days FROM paper_settings WHERE survey_id = $1"
    )
    .bind(survey_id)
    .fetch_optional(pool)
    .await?);
    Ok(row
        .map(|(double_entry, retention_days)| Settings {
            double_entry,
            retention_days,
        })
        .unwrap_or_default())
}

/// A survey's paper settings, in the caller's transaction (read where they decide a write).
pub async fn settings_in(tx: &mut Tx, survey_id: i64) -> AppResult<Settings> {
    let row: Option<(bool, i64)> = with_conn!(tx, |conn| sqlx::query_as(
        "SELECT double_entry, retention_days FROM paper_settings WHERE survey_id = $1"
    )
    .bind(survey_id)
    .fetch_optional(&mut *conn)
    .await?);
    Ok(row
        .map(|(double_entry, retention_days)| Settings {
            double_entry,
            retention_days,
        })
        .unwrap_or_default())
}

/// Saves a survey's paper settings.
pub async fn save_settings(
    tx: &mut Tx,
    survey_id: i64,
    s: &Settings,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO paper_settings (survey_id, double_entry, retention_days, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (survey_id) DO UPDATE SET double_entry = excluded.double_entry,
           retention_days = excluded.retention_days, updated_by = excluded.updated_by,
           updated_at = excluded.updated_at"
    )
    .bind(survey_id)
    .bind(s.double_entry)
    .bind(s.retention_days)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    }))
}

/// An entry of a keyed field.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Entry {
    /// 1 or 2.
    pub entry_no: i64,
    /// Who keyed it.
    pub user_id: Option<i64>,
    /// What was keyed.
    pub value: String,
}

/// The entries of an item, first first, in the caller's transaction.
pub async fn entries_of(tx: &mut Tx, item_id: i64) -> AppResult<Vec<Entry>> {
    Ok(with_conn!(tx, |conn| sqlx::query_as(
        "SELECT entry_no, user_id, value FROM paper_entries WHERE item_id = $1 ORDER BY entry_no"
    )
    .bind(item_id)
    .fetch_all(&mut *conn)
    .await?))
}

/// The entries of an item, outside a transaction (for the page shown).
pub async fn entries_of_item(db: &Db, item_id: i64) -> AppResult<Vec<Entry>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT entry_no, user_id, value FROM paper_entries WHERE item_id = $1 ORDER BY entry_no"
    )
    .bind(item_id)
    .fetch_all(pool)
    .await?))
}

/// Stores an entry; false when the item already has entry `entry_no` or one by this user (a
/// verifier racing another: the unique indexes decide, nothing is half-stored).
pub async fn insert_entry(
    tx: &mut Tx,
    item_id: i64,
    entry_no: i64,
    user_id: i64,
    value: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    Ok(with_conn!(tx, |conn| sqlx::query(
        "INSERT INTO paper_entries (item_id, entry_no, user_id, value, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
    )
    .bind(item_id)
    .bind(entry_no)
    .bind(user_id)
    .bind(value)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0))
}

/// An entry as the disagreement report reads it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EntryRow {
    /// The item.
    pub item_id: i64,
    /// Its sheet's key.
    pub sheet_key: String,
    /// The question.
    pub question: String,
    /// Who keyed it.
    pub user_id: Option<i64>,
    /// Their name.
    pub user_name: Option<String>,
    /// What they keyed.
    pub value: String,
    /// The item's final value, once resolved.
    pub final_value: Option<String>,
}

/// The entries of keyed fields of a survey (the latest 20,000), by item.
pub async fn entry_rows(db: &Db, survey_id: i64) -> AppResult<Vec<EntryRow>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT e.item_id, s.sheet_key, i.question, e.user_id, u.display_name AS user_name,
                e.value, CASE WHEN i.resolved_at IS NULL THEN NULL ELSE i.value END AS final_value
         FROM paper_entries e
         JOIN paper_items i ON i.id = e.item_id
         JOIN paper_sheets s ON s.id = i.sheet_id
         LEFT JOIN users u ON u.id = e.user_id
         WHERE s.survey_id = $1
         ORDER BY e.item_id DESC, e.entry_no LIMIT 20000"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?))
}

/// The surveys with crops of landed sheets, and the days their crops are kept.
pub async fn surveys_with_landed_crops(db: &Db) -> AppResult<Vec<(i64, i64)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT v.survey_id, COALESCE(t.retention_days, $1) FROM (
            SELECT DISTINCT s.survey_id FROM paper_sheets s
            WHERE s.status = 'landed' AND EXISTS (
              SELECT 1 FROM paper_items i WHERE i.sheet_id = s.id AND i.crop IS NOT NULL)
         ) v LEFT JOIN paper_settings t ON t.survey_id = v.survey_id
         ORDER BY v.survey_id"
    )
    .bind(DEFAULT_RETENTION_DAYS)
    .fetch_all(pool)
    .await?))
}

/// Deletes the crops of a survey's sheets landed before `before`; returns how many.
pub async fn delete_landed_crops(db: &Db, survey_id: i64, before: DateTime<Utc>) -> AppResult<u64> {
    Ok(with_db!(db, |pool| sqlx::query(
        "UPDATE paper_items SET crop = NULL
         WHERE crop IS NOT NULL AND sheet_id IN (
           SELECT id FROM paper_sheets
           WHERE survey_id = $1 AND status = 'landed' AND landed_at < $2)"
    )
    .bind(survey_id)
    .bind(before)
    .execute(pool)
    .await?
    .rows_affected()))
}
