//! All SQL of paper mode, by sub-resource: here layouts per survey version, print batches and
//! their sheets, and the forms of versions; `scans.rs` the uploads and the pages read from them;
//! `items.rs` the items a verifier resolves and a sheet landing as a response. Each write runs
//! in the caller's transaction.

mod entries;
mod items;
mod scans;

pub use entries::*;
pub use items::*;
pub use scans::*;

use chrono::{DateTime, Utc};

use super::model::SheetStatus;
use crate::db::{Db, Tx};
use crate::error::AppResult;
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

/// Locks a sheet for the caller's transaction (a no-op write: PostgreSQL holds its row until the
/// commit, SQLite's transactions hold the whole database already), so that two transactions
/// changing the same sheet (two uploads, an upload and a verifier, two verifiers resolving its
/// last items) follow one another and the second reads what the first wrote. Take the locks
/// sheet before items, several sheets in key order.
pub async fn lock_sheet(tx: &mut Tx, id: i64) -> AppResult<u64> {
    Ok(with_conn!(tx, |conn| sqlx::query(
        "UPDATE paper_sheets SET id = id WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()))
}

/// [`lock_sheet`] by the sheet's key.
pub async fn lock_sheet_by_key(tx: &mut Tx, survey_id: i64, key: &str) -> AppResult<u64> {
    Ok(with_conn!(tx, |conn| sqlx::query(
        "UPDATE paper_sheets SET id = id WHERE survey_id = $1 AND sheet_key = $2"
    )
    .bind(survey_id)
    .bind(key)
    .execute(&mut *conn)
    .await?
    .rows_affected()))
}

/// Locks the survey's printing for the caller's transaction (a no-op write on its row): two
/// batches printed at once number their sheets one after the other instead of colliding on
/// `UNIQUE (survey_id, sheet_key)`.
pub async fn lock_printing(tx: &mut Tx, survey_id: i64) -> AppResult<u64> {
    Ok(with_conn!(tx, |conn| sqlx::query(
        "UPDATE surveys SET id = id WHERE id = $1"
    )
    .bind(survey_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()))
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
