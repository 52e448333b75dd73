//! All SQL of paper mode: layouts per survey version, print batches and their sheets, scans and
//! the pages read from them, the items a verifier resolves, and a sheet landing as a response,
//! each write in the caller's transaction.

use chrono::{DateTime, Utc};

use super::model::{ItemKind, PageStatus, SheetStatus};
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::surveys::store::day_of;
use crate::{with_conn, with_db};

/// The stored layout (JSON) of a survey version.
pub async fn layout_of(db: &Db, version_id: i64) -> AppResult<Option<String>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT layout FROM paper_layouts WHERE version_id = $1"
    )
    .bind(version_id)
    .fetch_optional(pool)
    .await?))
}

/// The stored layouts (JSON) of every version of a survey.
pub async fn layouts_of(db: &Db, survey_id: i64) -> AppResult<Vec<String>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT layout FROM paper_layouts WHERE survey_id = $1 ORDER BY version_id"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?))
}

/// Keeps the layout of a version (the first one stored stays: printed sheets refer to it).
pub async fn keep_layout(
    tx: &mut Tx,
    survey_id: i64,
    version_id: i64,
    fingerprint: &str,
    layout: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO paper_layouts (version_id, survey_id, fingerprint, layout, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version_id) DO NOTHING",
        )
        .bind(version_id)
        .bind(survey_id)
        .bind(fingerprint)
        .bind(layout)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// A print batch.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Batch {
    /// Id.
    pub id: i64,
    /// The version printed.
    pub version_id: i64,
    /// The first anonymous sheet's number.
    pub first_number: i64,
    /// Sheets printed.
    pub sheets: i64,
    /// When.
    pub created_at: DateTime<Utc>,
}

const BATCH_COLS: &str =
    "SELECT id, version_id, first_number, sheets, created_at FROM paper_batches ";

/// Adds a batch of `n` anonymous sheets numbered on from the survey's last; returns the batch
/// and its first number.
pub async fn insert_anonymous_batch(
    tx: &mut Tx,
    survey_id: i64,
    version_id: i64,
    n: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<(i64, i64)> {
    with_conn!(tx, |conn| {
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(number) FROM paper_sheets WHERE survey_id = $1")
                .bind(survey_id)
                .fetch_one(&mut *conn)
                .await?;
        let first = last.unwrap_or(0) + 1;
        let batch: i64 = sqlx::query_scalar(
            "INSERT INTO paper_batches (survey_id, version_id, first_number, sheets, user_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(survey_id)
        .bind(version_id)
        .bind(first)
        .bind(n)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        for number in first..first + n {
            sqlx::query(
                "INSERT INTO paper_sheets (survey_id, version_id, batch_id, sheet_key, number, case_id, status, answers, pages_read, response_id, landed_at)
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, '{}', '[]', NULL, NULL)",
            )
            .bind(survey_id)
            .bind(version_id)
            .bind(batch)
            .bind(format!("S{number:06}"))
            .bind(number)
            .bind(SheetStatus::Printed.key())
            .execute(&mut *conn)
            .await?;
        }
        Ok((batch, first))
    })
}

/// Adds a batch of sheets for the survey's cases released to paper mode that have none yet (at
/// most `max`, in case order); returns the batch and its sheets, or `None` when there is none.
pub async fn insert_case_batch(
    tx: &mut Tx,
    survey_id: i64,
    version_id: i64,
    max: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<(i64, i64)>> {
    with_conn!(tx, |conn| {
        let cases: Vec<i64> = sqlx::query_scalar(
            "SELECT k.id FROM survey_cases k
             WHERE k.survey_id = $1 AND k.mode = 'paper' AND k.released_at IS NOT NULL
               AND k.disposition <> '1.1'
               AND NOT EXISTS (SELECT 1 FROM paper_sheets p WHERE p.case_id = k.id)
             ORDER BY k.id LIMIT $2",
        )
        .bind(survey_id)
        .bind(max)
        .fetch_all(&mut *conn)
        .await?;
        if cases.is_empty() {
            return Ok(None);
        }
        let batch: i64 = sqlx::query_scalar(
            "INSERT INTO paper_batches (survey_id, version_id, first_number, sheets, user_id, created_at)
             VALUES ($1, $2, 0, $3, $4, $5) RETURNING id",
        )
        .bind(survey_id)
        .bind(version_id)
        .bind(cases.len() as i64)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        for case_id in &cases {
            sqlx::query(
                "INSERT INTO paper_sheets (survey_id, version_id, batch_id, sheet_key, number, case_id, status, answers, pages_read, response_id, landed_at)
                 VALUES ($1, $2, $3, $4, NULL, $5, $6, '{}', '[]', NULL, NULL)",
            )
            .bind(survey_id)
            .bind(version_id)
            .bind(batch)
            .bind(format!("C{}", super::model::case_code(*case_id)))
            .bind(case_id)
            .bind(SheetStatus::Printed.key())
            .execute(&mut *conn)
            .await?;
        }
        Ok(Some((batch, cases.len() as i64)))
    })
}

/// The sheets of a batch in print order: `(anonymous number, case id)`.
pub async fn sheets_of_batch(db: &Db, batch_id: i64) -> AppResult<Vec<(Option<i64>, Option<i64>)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT number, case_id FROM paper_sheets WHERE batch_id = $1 ORDER BY id"
    )
    .bind(batch_id)
    .fetch_all(pool)
    .await?))
}

/// The batches of a survey, newest first.
pub async fn list_batches(db: &Db, survey_id: i64) -> AppResult<Vec<Batch>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{BATCH_COLS} WHERE survey_id = $1 ORDER BY id DESC LIMIT 200"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(survey_id)
        .fetch_all(pool)
        .await?))
}

/// One batch of a survey.
pub async fn find_batch(db: &Db, survey_id: i64, id: i64) -> AppResult<Option<Batch>> {
    let sql = sqlx::AssertSqlSafe(format!("{BATCH_COLS} WHERE survey_id = $1 AND id = $2"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(survey_id)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Sheets of a survey by status.
pub async fn sheet_counts(db: &Db, survey_id: i64) -> AppResult<Vec<(SheetStatus, i64)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT status, COUNT(*) FROM paper_sheets WHERE survey_id = $1 GROUP BY status ORDER BY status"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?
    }))
}

/// A printed sheet.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Sheet {
    /// Id.
    pub id: i64,
    /// Its version.
    pub version_id: i64,
    /// Its case, if printed for one.
    pub case_id: Option<i64>,
    /// Status.
    pub status: SheetStatus,
    /// Answers read so far (JSON object).
    pub answers: String,
    /// Page numbers read (JSON array).
    pub pages_read: String,
}

const SHEET_COLS: &str =
    "SELECT id, version_id, case_id, status, answers, pages_read FROM paper_sheets ";

/// A sheet by its key, in the caller's transaction.
pub async fn sheet_by_key(tx: &mut Tx, survey_id: i64, key: &str) -> AppResult<Option<Sheet>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SHEET_COLS} WHERE survey_id = $1 AND sheet_key = $2"
    ));
    Ok(with_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(survey_id)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?))
}

/// A sheet by id, in the caller's transaction.
pub async fn sheet_by_id(tx: &mut Tx, id: i64) -> AppResult<Option<Sheet>> {
    let sql = sqlx::AssertSqlSafe(format!("{SHEET_COLS} WHERE id = $1"));
    Ok(with_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?))
}

/// A sheet's status, answers and pages read.
pub async fn update_sheet(
    tx: &mut Tx,
    id: i64,
    status: SheetStatus,
    answers: &str,
    pages_read: &str,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "UPDATE paper_sheets SET status = $1, answers = $2, pages_read = $3 WHERE id = $4",
        )
        .bind(status.key())
        .bind(answers)
        .bind(pages_read)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Records an upload; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_scan(
    tx: &mut Tx,
    survey_id: i64,
    file_name: &str,
    size: i64,
    sha256: &str,
    pages: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "INSERT INTO paper_scans (survey_id, file_name, size, sha256, pages, user_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(survey_id)
    .bind(file_name)
    .bind(size)
    .bind(sha256)
    .bind(pages)
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?))
}

/// A page of an upload as read.
pub struct NewPage<'a> {
    /// 0-based in the file.
    pub index: i64,
    /// Its sheet, when known.
    pub sheet_id: Option<i64>,
    /// Its page number on the sheet.
    pub page_number: Option<i64>,
    /// What became of it.
    pub status: PageStatus,
    /// The message shown for it.
    pub message: &'a str,
    /// The reading (JSON, crops left out).
    pub reading: Option<&'a str>,
}

/// Records a page; returns its id.
pub async fn insert_page(tx: &mut Tx, scan_id: i64, p: &NewPage<'_>) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO paper_pages (scan_id, page_index, sheet_id, page_number, status, message, reading)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(scan_id)
    .bind(p.index)
    .bind(p.sheet_id)
    .bind(p.page_number)
    .bind(p.status.key())
    .bind(p.message)
    .bind(p.reading)
    .fetch_one(&mut *conn)
    .await?
    }))
}

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

/// The oldest open item of a survey.
pub async fn next_item(db: &Db, survey_id: i64) -> AppResult<Option<Item>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{ITEM_COLS} WHERE s.survey_id = $1 AND i.resolved_at IS NULL ORDER BY i.id LIMIT 1"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(survey_id)
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

/// The form (JSON) of a survey version.
pub async fn form_of_version(tx: &mut Tx, version_id: i64) -> AppResult<String> {
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "SELECT form_json FROM survey_versions WHERE id = $1"
    )
    .bind(version_id)
    .fetch_one(&mut *conn)
    .await?))
}

/// The form (JSON) of a survey version, outside a transaction.
pub async fn form_json(db: &Db, version_id: i64) -> AppResult<String> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT form_json FROM survey_versions WHERE id = $1"
    )
    .bind(version_id)
    .fetch_one(pool)
    .await?))
}
