//! The case list, a case's history, and the one read of a contact.

use crate::surveys::fieldwork::model::Contact;
use crate::surveys::model::{CollectionMode, Disposition};
use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::error::AppResult;
use crate::with_db;

/// The contact of a case (through its frame row), if it has one.
pub async fn find_contact(db: &Db, case_id: i64) -> AppResult<Option<Contact>> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = with_db!(db, |pool| sqlx::query_as(
        "SELECT c.email, c.phone, c.address, c.lang FROM survey_cases k
             JOIN survey_contacts c ON c.frame_row_id = k.frame_row_id WHERE k.id = $1"
    )
    .bind(case_id)
    .fetch_optional(pool)
    .await?);
    Ok(row.map(|(email, phone, address, lang)| Contact {
        email,
        phone,
        address,
        lang,
    }))
}

/// A case as listed for staff (no contact data).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseLine {
    /// Case id.
    pub id: i64,
    /// The member's id in the frame.
    pub ext_id: Option<String>,
    /// Stratum.
    pub stratum: Option<String>,
    /// Release batch.
    pub replicate: Option<i64>,
    /// Mode.
    pub mode: CollectionMode,
    /// Disposition.
    pub disposition: Disposition,
    /// Attempts.
    pub attempts: i64,
    /// Design weight.
    pub weight: Option<f64>,
    /// When released.
    pub released_at: Option<DateTime<Utc>>,
}

const CASE_COLS: &str =
    "SELECT k.id, r.ext_id, r.stratum, k.replicate, k.mode, k.disposition, k.attempts, k.weight,
        k.released_at
 FROM survey_cases k LEFT JOIN survey_frame_rows r ON r.id = k.frame_row_id ";

/// A page of a survey's sampled cases, by id.
pub async fn list_cases(
    db: &Db,
    survey_id: i64,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<CaseLine>, i64)> {
    let sql = format!(
        "{CASE_COLS} WHERE k.survey_id = $1 AND k.sample_id IS NOT NULL ORDER BY k.id LIMIT $2 OFFSET $3"
    );
    let lines = with_db!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(survey_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?);
    let total: i64 = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND sample_id IS NOT NULL"
    )
    .bind(survey_id)
    .fetch_one(pool)
    .await?);
    Ok((lines, total))
}

/// One sampled case of a survey.
pub async fn find_case(db: &Db, survey_id: i64, case_id: i64) -> AppResult<Option<CaseLine>> {
    let sql =
        format!("{CASE_COLS} WHERE k.survey_id = $1 AND k.id = $2 AND k.sample_id IS NOT NULL");
    Ok(with_db!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(survey_id)
    .bind(case_id)
    .fetch_optional(pool)
    .await?))
}

/// An event of a case's history.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// What (`released`, `attempt`, `mode`, `disposition`, …).
    pub kind: String,
    /// Mode at the time.
    pub mode: CollectionMode,
    /// Outcome of an attempt.
    pub outcome: Option<String>,
    /// Disposition set.
    pub disposition: Option<Disposition>,
    /// Note.
    pub note: String,
}

/// The history of a case, oldest first.
pub async fn list_events(db: &Db, case_id: i64) -> AppResult<Vec<CaseEvent>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT at, kind, mode, outcome, disposition, note FROM survey_case_events
         WHERE case_id = $1 ORDER BY at, id"
    )
    .bind(case_id)
    .fetch_all(pool)
    .await?))
}
