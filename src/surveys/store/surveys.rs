//! Surveys and their questionnaire versions: a published version never changes.

use chrono::{DateTime, Utc};

use super::{SURVEY_COLS, VERSION_COLS};
use crate::db::{Db, Tx, placeholders};
use crate::error::{AppError, AppResult};
use crate::surveys::model::{Survey, SurveyInput, SurveyStatus, Version};
use crate::{with_conn, with_db};

/// Creates a survey and its first draft questionnaire version; returns the survey id.
pub async fn insert_survey(
    tx: &mut Tx,
    unit_id: i64,
    input: &SurveyInput,
    series: &str,
    form_json: &str,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    with_conn!(tx, |conn| {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO surveys (unit_id, title, purpose, series, wave, field_start, field_end, anonymous, public_key, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, 'draft', $9, $9) RETURNING id",
        )
        .bind(unit_id)
        .bind(&input.title)
        .bind(input.purpose.key())
        .bind(series)
        .bind(input.wave)
        .bind(input.field_start)
        .bind(input.field_end)
        .bind(input.anonymous)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO survey_versions (survey_id, version, form_json, published_at, created_at, updated_at)
             VALUES ($1, '1', $2, NULL, $3, $3)",
        )
        .bind(id)
        .bind(form_json)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok::<i64, AppError>(id)
    })
}

/// Changes a survey's fields. Its anonymity can change only while it has no response at all
/// (`Conflict` otherwise): checked by the `UPDATE` itself, so a response stored in between
/// cannot slip past a separate check.
pub async fn update_survey(
    tx: &mut Tx,
    id: i64,
    input: &SurveyInput,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let changed = with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE surveys SET title = $1, purpose = $2, wave = $3, field_start = $4, field_end = $5, anonymous = $6, updated_at = $7
         WHERE id = $8 AND (anonymous = $6 OR NOT EXISTS (SELECT 1 FROM survey_responses WHERE survey_id = $8))"
    )
    .bind(&input.title)
    .bind(input.purpose.key())
    .bind(input.wave)
    .bind(input.field_start)
    .bind(input.field_end)
    .bind(input.anonymous)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    crate::surveys::invalidate_live();
    if changed == 0 {
        return Err(AppError::Conflict("surveys-error-anonymous-locked"));
    }
    Ok(())
}

/// Sets a survey's status and public link key.
pub async fn update_survey_status(
    tx: &mut Tx,
    id: i64,
    status: SurveyStatus,
    public_key: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "UPDATE surveys SET status = $1, public_key = $2, updated_at = $3 WHERE id = $4"
    )
    .bind(status.key())
    .bind(public_key)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map(|_| ())?);
    crate::surveys::invalidate_live();
    Ok(())
}

/// One survey.
pub async fn find_survey(db: &Db, id: i64) -> AppResult<Option<Survey>> {
    let sql = sqlx::AssertSqlSafe(format!("{SURVEY_COLS} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The survey of a public link key.
pub async fn find_survey_by_key(db: &Db, key: &str) -> AppResult<Option<Survey>> {
    let sql = sqlx::AssertSqlSafe(format!("{SURVEY_COLS} WHERE public_key = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(key)
        .fetch_optional(pool)
        .await?))
}

/// Units that own at least one survey.
pub async fn list_survey_units(db: &Db) -> AppResult<Vec<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT DISTINCT unit_id FROM surveys"
    )
    .fetch_all(pool)
    .await?))
}

/// Surveys of the given units, newest first.
pub async fn list_surveys(db: &Db, unit_ids: &[i64]) -> AppResult<Vec<Survey>> {
    if unit_ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{SURVEY_COLS} WHERE unit_id IN ({}) ORDER BY id DESC",
        placeholders(1, unit_ids.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for id in unit_ids {
            q = q.bind(*id);
        }
        q.fetch_all(pool).await?
    }))
}

/// Other waves of a series.
pub async fn list_series(db: &Db, series: &str) -> AppResult<Vec<Survey>> {
    let sql = sqlx::AssertSqlSafe(format!("{SURVEY_COLS} WHERE series = $1 ORDER BY wave, id"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(series)
        .fetch_all(pool)
        .await?))
}

/// Every version of a survey, oldest first.
pub async fn list_versions(db: &Db, survey_id: i64) -> AppResult<Vec<Version>> {
    let sql = sqlx::AssertSqlSafe(format!("{VERSION_COLS} WHERE survey_id = $1 ORDER BY id"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(survey_id)
        .fetch_all(pool)
        .await?))
}

/// One version.
pub async fn find_version(db: &Db, id: i64) -> AppResult<Option<Version>> {
    let sql = sqlx::AssertSqlSafe(format!("{VERSION_COLS} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Replaces the questionnaire of an unpublished version; a published one never changes
/// (`Conflict`).
pub async fn update_draft(
    tx: &mut Tx,
    version_id: i64,
    version: &str,
    form_json: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let changed = with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE survey_versions SET version = $1, form_json = $2, updated_at = $3 WHERE id = $4 AND published_at IS NULL"
    )
    .bind(version)
    .bind(form_json)
    .bind(now)
    .bind(version_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    if changed == 0 {
        return Err(AppError::Conflict("surveys-error-published"));
    }
    Ok(())
}

/// Adds a draft version (after the last one was published).
pub async fn insert_draft(
    tx: &mut Tx,
    survey_id: i64,
    version: &str,
    form_json: &str,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let id = with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO survey_versions (survey_id, version, form_json, published_at, created_at, updated_at)
         VALUES ($1, $2, $3, NULL, $4, $4) ON CONFLICT (survey_id, version) DO NOTHING RETURNING id"
    )
    .bind(survey_id)
    .bind(version)
    .bind(form_json)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?
    });
    id.ok_or(AppError::Conflict("surveys-error-version-exists"))
}

/// Publishes a draft version with its final questionnaire.
pub async fn publish_version(
    tx: &mut Tx,
    version_id: i64,
    form_json: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let changed = with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE survey_versions SET form_json = $1, published_at = $2, updated_at = $2 WHERE id = $3 AND published_at IS NULL"
    )
    .bind(form_json)
    .bind(now)
    .bind(version_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    crate::surveys::invalidate_live();
    if changed == 0 {
        return Err(AppError::Conflict("surveys-error-published"));
    }
    Ok(())
}

/// When the surveys of `units` created within `[from, to)` were created.
pub async fn list_created_between(
    db: &Db,
    units: &[i64],
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<chrono::DateTime<chrono::Utc>>> {
    let mut out = vec![];
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT created_at FROM surveys WHERE created_at >= $1 AND created_at < $2
               AND unit_id IN ({})",
            placeholders(3, chunk.len())
        ));
        let rows: Vec<chrono::DateTime<chrono::Utc>> = with_db!(db, |pool| {
            let mut q = sqlx::query_scalar(sql).bind(from).bind(to);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}
