//! The items a verifier resolves, and a sheet landing as a response (on its case, if it has one).

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::surveys::paper::model::{ItemKind, SheetStatus};
use crate::surveys::store::day_of;
use crate::{with_conn, with_db};

/// Opens an item for a verifier.
#[allow(clippy::too_many_arguments)]
pub async fn insert_item(
    tx: &mut Tx,
    sheet_id: i64,
    page_id: Option<i64>,
    question: &str,
    kind: ItemKind,
    read_as: &str,
    crop: Option<&[u8]>,
    message: &str,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO paper_items (sheet_id, page_id, question, kind, read_as, crop, value, message, resolved_by, resolved_at)
         VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, NULL, NULL) RETURNING id"
    )
    .bind(sheet_id)
    .bind(page_id)
    .bind(question)
    .bind(kind.key())
    .bind(read_as)
    .bind(crop)
    .bind(message)
    .fetch_one(&mut *conn)
    .await?
    }))
}

/// Items of a sheet still open.
pub async fn open_items(tx: &mut Tx, sheet_id: i64) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "SELECT COUNT(*) FROM paper_items WHERE sheet_id = $1 AND resolved_at IS NULL"
    )
    .bind(sheet_id)
    .fetch_one(&mut *conn)
    .await?))
}

/// The values verifiers gave a sheet's questions, oldest first (a later one wins).
pub async fn resolved_values(tx: &mut Tx, sheet_id: i64) -> AppResult<Vec<(String, String)>> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_as(
        "SELECT question, value FROM paper_items
         WHERE sheet_id = $1 AND resolved_at IS NOT NULL AND value IS NOT NULL ORDER BY resolved_at, id"
    )
    .bind(sheet_id)
    .fetch_all(&mut *conn)
    .await?
    }))
}

/// Reopens the latest item of a question with the engine's message; false when it has none.
pub async fn reopen_item(
    tx: &mut Tx,
    sheet_id: i64,
    question: &str,
    message: &str,
) -> AppResult<bool> {
    Ok(with_conn!(tx, |conn| sqlx::query(
        "UPDATE paper_items SET resolved_at = NULL, resolved_by = NULL, message = $1
         WHERE id = (SELECT MAX(id) FROM paper_items WHERE sheet_id = $2 AND question = $3)"
    )
    .bind(message)
    .bind(sheet_id)
    .bind(question)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0))
}

/// An item as the verifier sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Item {
    /// Id.
    pub id: i64,
    /// Its sheet.
    pub sheet_id: i64,
    /// The sheet's key.
    pub sheet_key: String,
    /// The sheet's version.
    pub version_id: i64,
    /// The question.
    pub question: String,
    /// Why.
    pub kind: ItemKind,
    /// What the reader saw.
    pub read_as: String,
    /// The engine's refusal of the last value, if any.
    pub message: String,
    /// Has a crop.
    pub has_crop: bool,
}

const ITEM_COLS: &str =
    "SELECT i.id, i.sheet_id, s.sheet_key, s.version_id, i.question, i.kind, i.read_as, i.message,
        (i.crop IS NOT NULL) AS has_crop
 FROM paper_items i JOIN paper_sheets s ON s.id = i.sheet_id ";

/// The oldest open item of a survey; with `keyer`, none that user keyed already (double entry).
pub async fn next_item(db: &Db, survey_id: i64, keyer: Option<i64>) -> AppResult<Option<Item>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{ITEM_COLS} WHERE s.survey_id = $1 AND i.resolved_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM paper_entries e WHERE e.item_id = i.id AND e.user_id = $2)
         ORDER BY i.id LIMIT 1"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(survey_id)
        .bind(keyer.unwrap_or(0))
        .fetch_optional(pool)
        .await?))
}

/// Open items of a survey.
pub async fn count_open(db: &Db, survey_id: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM paper_items i JOIN paper_sheets s ON s.id = i.sheet_id
         WHERE s.survey_id = $1 AND i.resolved_at IS NULL"
    )
    .bind(survey_id)
    .fetch_one(pool)
    .await?))
}

/// An open item of a survey.
pub async fn find_open_item(db: &Db, survey_id: i64, id: i64) -> AppResult<Option<Item>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{ITEM_COLS} WHERE s.survey_id = $1 AND i.id = $2 AND i.resolved_at IS NULL"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(survey_id)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The crop of an item of a survey.
pub async fn item_crop(db: &Db, survey_id: i64, id: i64) -> AppResult<Option<Vec<u8>>> {
    let crop: Option<Option<Vec<u8>>> = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT i.crop FROM paper_items i JOIN paper_sheets s ON s.id = i.sheet_id
         WHERE s.survey_id = $1 AND i.id = $2"
    )
    .bind(survey_id)
    .bind(id)
    .fetch_optional(pool)
    .await?);
    Ok(crop.flatten())
}

/// Stores a verifier's value; false when the item was resolved meanwhile.
pub async fn resolve_item(
    tx: &mut Tx,
    id: i64,
    value: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    Ok(with_conn!(tx, |conn| sqlx::query(
        "UPDATE paper_items SET value = $1, resolved_by = $2, resolved_at = $3, message = ''
         WHERE id = $4 AND resolved_at IS NULL"
    )
    .bind(value)
    .bind(user_id)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0))
}

/// A sheet's answers becoming a response.
pub struct Landing<'a> {
    /// The sheet.
    pub sheet_id: i64,
    /// Its case, if printed for one.
    pub case_id: Option<i64>,
    /// Who landed it (the clerk or the verifier).
    pub user_id: i64,
    /// Its survey.
    pub survey_id: i64,
    /// Its version.
    pub version_id: i64,
    /// The record (JSON).
    pub data: &'a str,
    /// Its digest.
    pub digest: &'a str,
    /// The survey's unit.
    pub unit_id: i64,
    /// An anonymous survey: day-precision times.
    pub anonymous: bool,
}

/// Stores a sheet's response (mode `paper`, complete) and marks the sheet landed; a case's sheet
/// completes its case (1.1, with a case event; a response started in another mode gives way),
/// unless the case was completed meanwhile in another mode. Returns the response id.
pub async fn land_sheet(tx: &mut Tx, l: &Landing<'_>, now: DateTime<Utc>) -> AppResult<String> {
    let stamp = if l.anonymous { day_of(now) } else { now };
    let response_id = uuid::Uuid::new_v4().to_string();
    with_conn!(tx, |conn| {
        let mut case_id = None;
        if let Some(case) = l.case_id {
            let claimed = sqlx::query(
                "UPDATE survey_cases SET disposition = '1.1', updated_at = $1
                 WHERE id = $2 AND survey_id = $3 AND disposition <> '1.1'",
            )
            .bind(now)
            .bind(case)
            .bind(l.survey_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if claimed > 0 {
                case_id = Some(case);
                sqlx::query(
                    "DELETE FROM survey_responses WHERE case_id = $1 AND status = 'partial'",
                )
                .bind(case)
                .execute(&mut *conn)
                .await?;
                sqlx::query(
                    "INSERT INTO survey_case_events (case_id, at, kind, mode, outcome, disposition, user_id, note)
                     VALUES ($1, $2, 'received', 'paper', NULL, '1.1', $3, '')",
                )
                .bind(case)
                .bind(now)
                .bind(l.user_id)
                .execute(&mut *conn)
                .await?;
            }
        }
        sqlx::query(
            "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
             VALUES ($1, $2, $3, $4, NULL, 'paper', 'complete', '', $5, $6, $7, $8, $8, $8)",
        )
        .bind(&response_id)
        .bind(l.survey_id)
        .bind(l.version_id)
        .bind(if l.anonymous { None } else { case_id })
        .bind(l.data)
        .bind(l.digest)
        .bind(l.unit_id)
        .bind(stamp)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE paper_sheets SET status = $1, response_id = $2, landed_at = $3 WHERE id = $4",
        )
        .bind(SheetStatus::Landed.key())
        .bind(&response_id)
        .bind(stamp)
        .bind(l.sheet_id)
        .execute(&mut *conn)
        .await?;
    });
    Ok(response_id)
}

/// Surveys with open items and how many, most first (at most 200).
pub async fn open_by_survey(db: &Db) -> AppResult<Vec<(i64, i64)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT s.survey_id, COUNT(*) AS n FROM paper_items i JOIN paper_sheets s ON s.id = i.sheet_id
         WHERE i.resolved_at IS NULL GROUP BY s.survey_id ORDER BY n DESC, s.survey_id LIMIT 200"
    )
    .fetch_all(pool)
    .await?
    }))
}
