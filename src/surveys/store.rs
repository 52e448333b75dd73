//! All SQL of the surveys context: surveys, questionnaire versions, cases and responses.
//!
//! Responses never hold contact data; an anonymous survey's complete response keeps no case
//! link, no resume hash and only the day of its timestamps (see [`complete_response`]).

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, placeholders};
use crate::error::{AppError, AppResult};
use crate::surveys::model::{Survey, SurveyInput, Version};
use crate::{with_db, with_tx};

const SURVEY_COLS: &str = "SELECT id, unit_id, title, purpose, series, wave, field_start, field_end, anonymous, public_key, status FROM surveys ";
const VERSION_COLS: &str =
    "SELECT id, survey_id, version, form_json, published_at FROM survey_versions ";
const RESPONSE_COLS: &str = "SELECT id, survey_id, version_id, case_id, mode, status, page, data, unit_id, started_at, updated_at, completed_at FROM survey_responses ";

/// Which database a pool is (SQLite file or PostgreSQL host and database), to key in-memory
/// caches and writers shared by every pool of the process.
pub fn db_key(db: &Db) -> String {
    match db {
        Db::Sqlite(pool) => format!("sqlite:{}", pool.connect_options().get_filename().display()),
        Db::Pg(pool) => {
            let o = pool.connect_options();
            format!(
                "pg:{}:{}/{}",
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or_default()
            )
        }
    }
}

/// Midnight UTC of the instant's day: what an anonymous response keeps of its times.
pub fn day_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc()
}

/// Creates a survey and its first draft questionnaire version; returns the survey id.
pub async fn insert_survey(
    db: &Db,
    unit_id: i64,
    input: &SurveyInput,
    series: &str,
    form_json: &str,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    with_tx!(db, |tx| {
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
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO survey_versions (survey_id, version, form_json, published_at, created_at, updated_at)
             VALUES ($1, '1', $2, NULL, $3, $3)",
        )
        .bind(id)
        .bind(form_json)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok::<i64, AppError>(id)
    })
}

/// Changes a survey's fields. Its anonymity can change only while it has no response at all
/// (`Conflict` otherwise): checked by the `UPDATE` itself, so a response stored in between
/// cannot slip past a separate check.
pub async fn update_survey(
    db: &Db,
    id: i64,
    input: &SurveyInput,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let changed = with_db!(db, |pool| {
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
    .execute(pool)
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
    db: &Db,
    id: i64,
    status: &str,
    public_key: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE surveys SET status = $1, public_key = $2, updated_at = $3 WHERE id = $4"
    )
    .bind(status)
    .bind(public_key)
    .bind(now)
    .bind(id)
    .execute(pool)
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
    db: &Db,
    version_id: i64,
    version: &str,
    form_json: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let changed = with_db!(db, |pool| {
        sqlx::query(
        "UPDATE survey_versions SET version = $1, form_json = $2, updated_at = $3 WHERE id = $4 AND published_at IS NULL"
    )
    .bind(version)
    .bind(form_json)
    .bind(now)
    .bind(version_id)
    .execute(pool)
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
    db: &Db,
    survey_id: i64,
    version: &str,
    form_json: &str,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let id = with_db!(db, |pool| {
        sqlx::query_scalar(
        "INSERT INTO survey_versions (survey_id, version, form_json, published_at, created_at, updated_at)
         VALUES ($1, $2, $3, NULL, $4, $4) ON CONFLICT (survey_id, version) DO NOTHING RETURNING id"
    )
    .bind(survey_id)
    .bind(version)
    .bind(form_json)
    .bind(now)
    .fetch_optional(pool)
    .await?
    });
    id.ok_or(AppError::Conflict("surveys-error-version-exists"))
}

/// Publishes a draft version with its final questionnaire.
pub async fn publish_version(
    db: &Db,
    version_id: i64,
    form_json: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let changed = with_db!(db, |pool| {
        sqlx::query(
        "UPDATE survey_versions SET form_json = $1, published_at = $2, updated_at = $2 WHERE id = $3 AND published_at IS NULL"
    )
    .bind(form_json)
    .bind(now)
    .bind(version_id)
    .execute(pool)
    .await?
    .rows_affected()
    });
    crate::surveys::invalidate_live();
    if changed == 0 {
        return Err(AppError::Conflict("surveys-error-published"));
    }
    Ok(())
}

/// Creates one-time token cases (only the tokens' hashes are stored).
pub async fn insert_token_cases(
    db: &Db,
    survey_id: i64,
    mode: &str,
    hashes: &[String],
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_tx!(db, |tx| {
        for h in hashes {
            sqlx::query(
                "INSERT INTO survey_cases (survey_id, mode, token_hash, unit_id, disposition, contact_ref, created_at, updated_at)
                 VALUES ($1, $2, $3, NULL, '3.19', NULL, $4, $4)",
            )
            .bind(survey_id)
            .bind(mode)
            .bind(h)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Ok::<(), AppError>(())
    })
}

/// A case found by its token: `(case id, survey id, disposition)`.
pub async fn find_case_by_token(
    db: &Db,
    token_hash: &str,
) -> AppResult<Option<(i64, i64, String)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, survey_id, disposition FROM survey_cases WHERE token_hash = $1"
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?))
}

/// Cases per disposition code.
pub async fn count_cases(db: &Db, survey_id: i64) -> AppResult<Vec<(String, i64)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT disposition, COUNT(*) FROM survey_cases WHERE survey_id = $1 GROUP BY disposition ORDER BY disposition"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?
    }))
}

/// A stored response.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ResponseRow {
    /// Client- or server-generated UUID.
    pub id: String,
    /// Survey.
    pub survey_id: i64,
    /// Questionnaire version answered.
    pub version_id: i64,
    /// Case (token or sample member); none for anonymous-link and complete anonymous responses.
    pub case_id: Option<i64>,
    /// Collection mode key.
    pub mode: String,
    /// `partial` or `complete`.
    pub status: String,
    /// Current page id while in progress.
    pub page: String,
    /// The answers (forms-engine record as JSON).
    pub data: String,
    /// Unit the response counts for.
    pub unit_id: Option<i64>,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Completion.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A response by id.
pub async fn find_response(db: &Db, id: &str) -> AppResult<Option<ResponseRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{RESPONSE_COLS} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The partial response resumed by a device's cookie.
pub async fn find_response_by_resume(
    db: &Db,
    survey_id: i64,
    resume_hash: &str,
) -> AppResult<Option<ResponseRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{RESPONSE_COLS} WHERE resume_hash = $1 AND survey_id = $2 AND status = 'partial'"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(resume_hash)
        .bind(survey_id)
        .fetch_optional(pool)
        .await?))
}

/// The partial response of a case.
pub async fn find_partial_for_case(db: &Db, case_id: i64) -> AppResult<Option<ResponseRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{RESPONSE_COLS} WHERE case_id = $1 AND status = 'partial'"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(case_id)
        .fetch_optional(pool)
        .await?))
}

/// A new partial response.
pub struct NewResponse<'a> {
    /// UUID.
    pub id: &'a str,
    /// Survey.
    pub survey_id: i64,
    /// Version.
    pub version_id: i64,
    /// Case, for tokens.
    pub case_id: Option<i64>,
    /// Hash of the device's resume cookie, for anonymous links.
    pub resume_hash: Option<&'a str>,
    /// Mode key.
    pub mode: &'a str,
    /// Unit it counts for.
    pub unit_id: Option<i64>,
}

/// Stores a new partial response with its first answers.
pub async fn insert_partial(
    db: &Db,
    r: &NewResponse<'_>,
    page: &str,
    data: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let digest = crate::surveys::model::digest_record(data);
    with_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'partial', $7, $8, $9, $10, $11, $11, NULL)"
    )
    .bind(r.id)
    .bind(r.survey_id)
    .bind(r.version_id)
    .bind(r.case_id)
    .bind(r.resume_hash)
    .bind(r.mode)
    .bind(page)
    .bind(data)
    .bind(digest)
    .bind(r.unit_id)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ())?
    });
    Ok(())
}

/// Starts the response of a token case: the case's disposition "partially answered" and the
/// partial response, in one transaction. `false` when nothing was inserted: the case is complete
/// already, or has its response (the unique index on `case_id`: of concurrent first steps on
/// one token, one inserts, the others continue with its response). The case row is written
/// first, as in [`complete_response`], so that the two lock the same rows in the same order.
pub async fn insert_case_partial(
    db: &Db,
    r: &NewResponse<'_>,
    page: &str,
    data: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let digest = crate::surveys::model::digest_record(data);
    with_tx!(db, |tx| {
        let open = sqlx::query(
            "UPDATE survey_cases SET disposition = '1.2', updated_at = $1 WHERE id = $2 AND disposition <> '1.1'",
        )
        .bind(now)
        .bind(r.case_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if open == 0 {
            return Ok(false);
        }
        let inserted: Option<String> = sqlx::query_scalar(
            "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
             VALUES ($1, $2, $3, $4, NULL, $5, 'partial', $6, $7, $8, $9, $10, $10, NULL)
             ON CONFLICT (case_id) DO NOTHING RETURNING id",
        )
        .bind(r.id)
        .bind(r.survey_id)
        .bind(r.version_id)
        .bind(r.case_id)
        .bind(r.mode)
        .bind(page)
        .bind(data)
        .bind(&digest)
        .bind(r.unit_id)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        Ok::<bool, AppError>(inserted.is_some())
    })
}

/// Stores a response complete from the start (an anonymous link answered in one step): an
/// anonymous survey's row is written anonymous (fresh id, no case or device link, only the day).
pub async fn insert_complete(
    db: &Db,
    r: &NewResponse<'_>,
    data: &str,
    anonymous: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let digest = crate::surveys::model::digest_record(data);
    let stamp = if anonymous { day_of(now) } else { now };
    with_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
         VALUES ($1, $2, $3, $4, NULL, $5, 'complete', '', $6, $7, $8, $9, $9, $9)"
    )
    .bind(r.id)
    .bind(r.survey_id)
    .bind(r.version_id)
    .bind(if anonymous { None } else { r.case_id })
    .bind(r.mode)
    .bind(data)
    .bind(&digest)
    .bind(r.unit_id)
    .bind(stamp)
    .execute(pool)
    .await
    .map(|_| ())?
    });
    Ok(())
}

/// Deletes the unfinished responses of anonymous surveys last changed before `before` (an
/// abandoned response still links its answers to a token or a device); returns how many.
pub async fn delete_abandoned_partials(db: &Db, before: DateTime<Utc>) -> AppResult<u64> {
    Ok(with_db!(db, |pool| sqlx::query(
        "DELETE FROM survey_responses WHERE status = 'partial' AND updated_at < $1
         AND survey_id IN (SELECT id FROM surveys WHERE anonymous)"
    )
    .bind(before)
    .execute(pool)
    .await?
    .rows_affected()))
}

/// Saves the answers and page of a partial response.
pub async fn update_partial(
    db: &Db,
    id: &str,
    page: &str,
    data: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let digest = crate::surveys::model::digest_record(data);
    with_db!(db, |pool| {
        sqlx::query(
        "UPDATE survey_responses SET page = $1, data = $2, digest = $3, updated_at = $4 WHERE id = $5 AND status = 'partial'"
    )
    .bind(page)
    .bind(data)
    .bind(digest)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await
    .map(|_| ())?
    });
    Ok(())
}

/// Completes the partial response `id`, and its case, once: in one transaction, the response
/// leaves the `partial` state by a conditional statement and the case goes to "complete" (1.1)
/// only from another disposition, so of concurrent completions exactly one succeeds and the
/// others get `Conflict` (on both backends, with no read-then-write).
///
/// For an anonymous survey the in-progress row (which carries the token's case or the
/// device's resume hash, exact times, and an id staff may have seen) is deleted and the answers
/// are written as a new row: a fresh random id, no case or device link, only the day. The
/// deleted row's bytes are zeroed on SQLite (`secure_delete`, `db.rs`); PostgreSQL keeps a dead
/// row version until vacuum. Returns the id the complete response has.
pub async fn complete_response(
    db: &Db,
    id: &str,
    data: &str,
    anonymous: bool,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let digest = crate::surveys::model::digest_record(data);
    let stamp = if anonymous { day_of(now) } else { now };
    let new_id = if anonymous {
        uuid::Uuid::new_v4().to_string()
    } else {
        id.to_string()
    };
    let case_id = with_tx!(db, |tx| {
        // The case first (the same order as `insert_case_partial`): it goes to "complete" only
        // from another disposition, which is the once-only gate of a token.
        let case_id: Option<i64> = sqlx::query_scalar(
            "SELECT case_id FROM survey_responses WHERE id = $1 AND status = 'partial'",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .flatten();
        if let Some(case_id) = case_id {
            let claimed = sqlx::query(
                "UPDATE survey_cases SET disposition = '1.1', updated_at = $1 WHERE id = $2 AND disposition <> '1.1'",
            )
            .bind(stamp)
            .bind(case_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                return Err(AppError::Conflict("surveys-error-already-complete"));
            }
        }
        // Then the response leaves `partial` by a conditional statement: of two completions of
        // one response (two tabs of a device), one does.
        if anonymous {
            let gone: Option<(i64, i64, String, Option<i64>)> = sqlx::query_as(
                "DELETE FROM survey_responses WHERE id = $1 AND status = 'partial'
                 RETURNING survey_id, version_id, mode, unit_id",
            )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some((survey_id, version_id, mode, unit_id)) = gone else {
                return Err(AppError::Conflict("surveys-error-already-complete"));
            };
            sqlx::query(
                "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
                 VALUES ($1, $2, $3, NULL, NULL, $4, 'complete', '', $5, $6, $7, $8, $8, $8)",
            )
            .bind(&new_id)
            .bind(survey_id)
            .bind(version_id)
            .bind(&mode)
            .bind(data)
            .bind(&digest)
            .bind(unit_id)
            .bind(stamp)
            .execute(&mut **tx)
            .await?;
        } else {
            let done = sqlx::query(
                "UPDATE survey_responses SET status = 'complete', page = '', data = $1, digest = $2, resume_hash = NULL,
                 updated_at = $3, completed_at = $3 WHERE id = $4 AND status = 'partial'",
            )
            .bind(data)
            .bind(&digest)
            .bind(stamp)
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(AppError::Conflict("surveys-error-already-complete"));
            }
        }
        Ok::<Option<i64>, AppError>(case_id)
    })?;
    // PostgreSQL stamps each row version with the transaction that wrote it (`xmin`): the new
    // response and its case would carry the same one. A second write gives the case another.
    if anonymous && let (Some(case_id), Db::Pg(pool)) = (case_id, db) {
        sqlx::query("UPDATE survey_cases SET updated_at = updated_at WHERE id = $1")
            .bind(case_id)
            .execute(pool)
            .await?;
    }
    Ok(new_id)
}

/// What storing a submission did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Newly stored.
    New,
    /// The same submission was stored before (a retry): nothing changed.
    Retry,
    /// Another submission with the same id exists (a replay): refused.
    Replay,
}

/// A submission waiting to be stored.
#[derive(Clone, Debug)]
pub struct NewSubmission {
    /// Client id.
    pub id: String,
    /// Survey.
    pub survey_id: i64,
    /// Version answered.
    pub version_id: i64,
    /// Complete or partial.
    pub complete: bool,
    /// The record as JSON.
    pub data: String,
    /// Keep only the day of its times.
    pub anonymous: bool,
    /// Unit it counts for.
    pub unit_id: i64,
}

/// Stores one submission inside an open transaction (`ON CONFLICT (id) DO NOTHING`, then the
/// digest tells a retry from a replay).
macro_rules! insert_submission_in_tx {
    ($tx:expr, $s:expr, $now:expr) => {{
        let s: &NewSubmission = $s;
        let digest = crate::surveys::model::digest_record(&s.data);
        let stamp = if s.anonymous { day_of($now) } else { $now };
        let status = if s.complete { "complete" } else { "partial" };
        let inserted: Option<String> = sqlx::query_scalar(
            "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
             VALUES ($1, $2, $3, NULL, NULL, 'web', $4, '', $5, $6, $7, $8, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .bind(&s.id)
        .bind(s.survey_id)
        .bind(s.version_id)
        .bind(status)
        .bind(&s.data)
        .bind(&digest)
        .bind(s.unit_id)
        .bind(stamp)
        .bind(s.complete.then_some(stamp))
        .fetch_optional(&mut **$tx)
        .await?;
        if inserted.is_some() {
            Stored::New
        } else {
            let existing: Option<(i64, String)> =
                sqlx::query_as("SELECT survey_id, digest FROM survey_responses WHERE id = $1")
                    .bind(&s.id)
                    .fetch_optional(&mut **$tx)
                    .await?;
            match existing {
                Some((sid, d)) if sid == s.survey_id && d == digest => Stored::Retry,
                _ => Stored::Replay,
            }
        }
    }};
}

/// Submissions the SQLite writer takes at once (one transaction).
const WRITER_BATCH: usize = 1024;

/// Most rows in one multi-row `INSERT` (10 parameters each: 2,560, far under SQLite's 32,766)
/// or ids in one `IN` lookup. A batch is cut into pieces of 256 rows, then powers of two, so
/// that only nine statement shapes of each exist and all stay in the prepared-statement cache.
/// The parameters are anonymous (`?`): SQLite looks a numbered parameter up by scanning the
/// statement's list of names, so binding `$1 … $2304` would cost more than inserting.
const ROWS_PER_STATEMENT: usize = 256;

/// Sizes of the statements for `n` rows: 256 as often as possible, then powers of two.
fn statement_sizes(mut n: usize) -> Vec<usize> {
    let mut out = vec![ROWS_PER_STATEMENT; n / ROWS_PER_STATEMENT];
    n %= ROWS_PER_STATEMENT;
    let mut p = ROWS_PER_STATEMENT / 2;
    while n > 0 {
        if n >= p {
            out.push(p);
            n -= p;
        }
        p /= 2;
    }
    out
}

/// A submission waiting for the SQLite writer: the submission, its digest (computed by the
/// request's task, not by the writer) and where to send the answer.
struct Job {
    s: NewSubmission,
    digest: String,
    reply: tokio::sync::oneshot::Sender<Result<Stored, String>>,
}

/// `?, ?, …` for `n` anonymous parameters.
fn anonymous_params(n: usize) -> String {
    let mut out = String::with_capacity(n * 3);
    for k in 0..n {
        if k > 0 {
            out.push_str(", ");
        }
        out.push('?');
    }
    out
}

/// Stores a batch of submissions in an open `IMMEDIATE` transaction of the writer's own
/// connection, with multi-row statements. First the ids of the batch that are already stored
/// are read (a few `IN` lookups, usually finding nothing); then the new ones are inserted. The
/// transaction holds the write lock, so nothing can come in between. Returns what happened to
/// each, in order: the first of the batch with a new id is [`Stored::New`]; a submission whose
/// id exists (stored before, or earlier in this batch) is a [`Stored::Retry`] when its survey
/// and digest match, else a [`Stored::Replay`].
fn insert_batch_sqlite(
    tx: &rusqlite::Transaction<'_>,
    jobs: &[Job],
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<Stored>> {
    use chrono::SecondsFormat;
    use std::collections::HashMap;
    // What was stored before this batch, by id: (survey, digest).
    let mut known: HashMap<String, (i64, String)> = HashMap::new();
    let mut at = 0;
    for size in statement_sizes(jobs.len()) {
        let sql = format!(
            "SELECT id, survey_id, digest FROM survey_responses WHERE id IN ({})",
            anonymous_params(size)
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        for (k, job) in jobs[at..at + size].iter().enumerate() {
            stmt.raw_bind_parameter(k + 1, job.s.id.as_str())?;
        }
        at += size;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            known.insert(row.get(0)?, (row.get(1)?, row.get(2)?));
        }
    }
    // Decide each in order; the first of a new id is inserted, later ones compare with it.
    let mut out = Vec::with_capacity(jobs.len());
    let mut fresh: Vec<&Job> = Vec::with_capacity(jobs.len());
    for job in jobs {
        match known.get(&job.s.id) {
            Some((sid, d)) => out.push(if *sid == job.s.survey_id && *d == job.digest {
                Stored::Retry
            } else {
                Stored::Replay
            }),
            None => {
                known.insert(job.s.id.clone(), (job.s.survey_id, job.digest.clone()));
                fresh.push(job);
                out.push(Stored::New);
            }
        }
    }
    // Times as sqlx writes them (RFC 3339), so that both connections' rows compare alike.
    let stamp_of = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, false);
    let (exact, day) = (stamp_of(now), stamp_of(day_of(now)));
    let mut at = 0;
    for size in statement_sizes(fresh.len()) {
        let mut sql = String::with_capacity(300 + size * 52);
        sql.push_str(
            "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at) VALUES ",
        );
        for k in 0..size {
            if k > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?, ?, NULL, NULL, 'web', ?, '', ?, ?, ?, ?, ?, ?)");
        }
        let mut stmt = tx.prepare_cached(&sql)?;
        for (k, job) in fresh[at..at + size].iter().enumerate() {
            let s = &job.s;
            let stamp = if s.anonymous { &day } else { &exact };
            let p = k * 10;
            stmt.raw_bind_parameter(p + 1, s.id.as_str())?;
            stmt.raw_bind_parameter(p + 2, s.survey_id)?;
            stmt.raw_bind_parameter(p + 3, s.version_id)?;
            stmt.raw_bind_parameter(p + 4, if s.complete { "complete" } else { "partial" })?;
            stmt.raw_bind_parameter(p + 5, s.data.as_str())?;
            stmt.raw_bind_parameter(p + 6, job.digest.as_str())?;
            stmt.raw_bind_parameter(p + 7, s.unit_id)?;
            stmt.raw_bind_parameter(p + 8, stamp.as_str())?;
            stmt.raw_bind_parameter(p + 9, stamp.as_str())?;
            stmt.raw_bind_parameter(p + 10, s.complete.then_some(stamp.as_str()))?;
        }
        at += size;
        let n = stmt.raw_execute()?;
        if n != size {
            return Err(rusqlite::Error::StatementChangedRows(n));
        }
    }
    Ok(out)
}

/// Stores `jobs` in one transaction and answers each (emptying `jobs`). On an error nothing of
/// the batch is stored and every submission of it gets the error.
fn write_jobs(conn: &mut rusqlite::Connection, jobs: &mut Vec<Job>) {
    let now = Utc::now();
    let clock = std::time::Instant::now();
    let mut marks = [0u128; 3];
    let result = (|| {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        marks[0] = clock.elapsed().as_micros();
        let out = insert_batch_sqlite(&tx, jobs, now)?;
        marks[1] = clock.elapsed().as_micros();
        tx.commit()?;
        marks[2] = clock.elapsed().as_micros();
        Ok::<_, rusqlite::Error>(out)
    })();
    tracing::debug!(
        rows = jobs.len(),
        begin = marks[0] as u64,
        write = (marks[1].saturating_sub(marks[0])) as u64,
        commit = (marks[2].saturating_sub(marks[1])) as u64,
        "submissions stored (µs)"
    );
    match result {
        Ok(stored) => {
            for (job, st) in jobs.drain(..).zip(stored) {
                let _ = job.reply.send(Ok(st));
            }
        }
        Err(e) => {
            let msg = e.to_string();
            for job in jobs.drain(..) {
                let _ = job.reply.send(Err(msg.clone()));
            }
        }
    }
}

/// The group-commit writer of an SQLite database: one thread takes the submissions waiting and
/// stores them in one transaction, then answers each once the commit is done. SQLite has one
/// writer at a time; this keeps it busy with whole batches instead of lock retries.
///
/// The thread has its own connection (rusqlite, synchronous): through the pool, every statement
/// would be a round trip to the connection's worker thread, and `RETURNING` rows come back one
/// message each. Its own thread, because on the server's runtime the writer would wait its turn
/// behind every request task at each step of a batch, and all of them wait for it.
fn sqlite_writer(pool: &sqlx::SqlitePool) -> tokio::sync::mpsc::Sender<Job> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static WRITERS: OnceLock<Mutex<HashMap<String, tokio::sync::mpsc::Sender<Job>>>> =
        OnceLock::new();
    let key = db_key(&Db::Sqlite(pool.clone()));
    let mut writers = WRITERS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(tx) = writers.get(&key)
        && !tx.is_closed()
    {
        return tx.clone();
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Job>(4096);
    let path = pool.connect_options().get_filename().to_path_buf();
    let spawned = std::thread::Builder::new()
        .name("duluan-submissions".into())
        .spawn(move || {
            let started = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
                .and_then(|rt| {
                    crate::db::open_sqlite_writer(&path)
                        .map(|conn| (rt, conn))
                        .map_err(|e| e.to_string())
                });
            let (runtime, mut conn) = match started {
                Ok(ok) => ok,
                Err(e) => {
                    tracing::error!(error = %e, "the submission writer cannot start");
                    // Answer what is waiting; the next submission tries a new writer.
                    rx.close();
                    while let Ok(job) = rx.try_recv() {
                        let _ = job.reply.send(Err(e.clone()));
                    }
                    return;
                }
            };
            let mut jobs: Vec<Job> = Vec::with_capacity(WRITER_BATCH);
            loop {
                let idle = std::time::Duration::from_secs(60);
                // The timer is made inside the runtime (it needs the runtime's clock).
                let got = runtime.block_on(async {
                    tokio::time::timeout(idle, rx.recv_many(&mut jobs, WRITER_BATCH)).await
                });
                match got {
                    Ok(0) => break,
                    Ok(_) => {}
                    // Idle for a minute: stop taking submissions, store those already queued,
                    // and end (the next submission starts a new writer).
                    Err(_) => {
                        rx.close();
                        while let Ok(job) = rx.try_recv() {
                            jobs.push(job);
                        }
                        if jobs.is_empty() {
                            break;
                        }
                    }
                }
                write_jobs(&mut conn, &mut jobs);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the submission writer cannot start");
    }
    writers.insert(key, tx.clone());
    tx
}

/// Stores a submission of the JSON API under its client id: once, durably (committed before
/// this returns), a retry changes nothing. On SQLite concurrent submissions are committed
/// together by one writer (group commit); on PostgreSQL each is its own transaction.
pub async fn insert_submission(db: &Db, s: NewSubmission) -> AppResult<Stored> {
    match db {
        Db::Sqlite(pool) => {
            let (reply, answer) = tokio::sync::oneshot::channel();
            let digest = crate::surveys::model::digest_record(&s.data);
            // A writer that has just stopped for idleness refuses the job: the next one takes it.
            let job = match sqlite_writer(pool).send(Job { s, digest, reply }).await {
                Ok(()) => None,
                Err(tokio::sync::mpsc::error::SendError(job)) => Some(job),
            };
            if let Some(job) = job {
                sqlite_writer(pool).send(job).await.map_err(|_| {
                    AppError::Internal(anyhow::anyhow!("the submission writer stopped"))
                })?;
            }
            answer
                .await
                .map_err(|_| AppError::Internal(anyhow::anyhow!("the submission writer stopped")))?
                .map_err(|e| {
                    AppError::Internal(anyhow::anyhow!("storing a submission failed: {e}"))
                })
        }
        Db::Pg(_) => {
            let now = Utc::now();
            with_tx!(db, |tx| {
                let stored = insert_submission_in_tx!(tx, &s, now);
                Ok::<Stored, AppError>(stored)
            })
        }
    }
}

/// Filter of the responses browser.
#[derive(Clone, Debug, Default)]
pub struct ResponseFilter {
    /// `partial`, `complete` or any.
    pub status: Option<String>,
    /// First day (of start).
    pub from: Option<NaiveDate>,
    /// Last day (of start).
    pub to: Option<NaiveDate>,
}

enum Bind {
    Text(String),
    Time(DateTime<Utc>),
}

fn filter_sql(f: &ResponseFilter) -> (String, Vec<Bind>) {
    let mut sql = String::from(" WHERE survey_id = $1");
    let mut binds = Vec::new();
    if let Some(s) = &f.status {
        binds.push(Bind::Text(s.clone()));
        sql.push_str(&format!(" AND status = ${}", binds.len() + 1));
    }
    if let Some(d) = f.from {
        binds.push(Bind::Time(d.and_hms_opt(0, 0, 0).unwrap().and_utc()));
        sql.push_str(&format!(" AND started_at >= ${}", binds.len() + 1));
    }
    if let Some(d) = f.to {
        binds.push(Bind::Time(
            (d + chrono::Days::new(1))
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc(),
        ));
        sql.push_str(&format!(" AND started_at < ${}", binds.len() + 1));
    }
    (sql, binds)
}

/// One page of responses, newest first, and the total matching.
pub async fn list_responses(
    db: &Db,
    survey_id: i64,
    f: &ResponseFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<ResponseRow>, i64)> {
    let (where_sql, binds) = filter_sql(f);
    let n = binds.len();
    let list = sqlx::AssertSqlSafe(format!(
        "{RESPONSE_COLS}{where_sql} ORDER BY started_at DESC, id LIMIT ${} OFFSET ${}",
        n + 2,
        n + 3
    ));
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM survey_responses{where_sql}"));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(list).bind(survey_id);
        let mut c = sqlx::query_scalar(count).bind(survey_id);
        for b in &binds {
            match b {
                Bind::Text(t) => {
                    q = q.bind(t.clone());
                    c = c.bind(t.clone());
                }
                Bind::Time(t) => {
                    q = q.bind(*t);
                    c = c.bind(*t);
                }
            }
        }
        let rows: Vec<ResponseRow> = q.bind(limit).bind(offset).fetch_all(pool).await?;
        let total: i64 = c.fetch_one(pool).await?;
        (rows, total)
    }))
}

/// Complete and partial responses per day of start.
pub async fn count_per_day(db: &Db, survey_id: i64) -> AppResult<Vec<(String, String, i64)>> {
    let rows: Vec<(DateTime<Utc>, String)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT started_at, status FROM survey_responses WHERE survey_id = $1"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?);
    let mut map = std::collections::BTreeMap::<(String, String), i64>::new();
    for (t, s) in rows {
        *map.entry((t.date_naive().to_string(), s)).or_default() += 1;
    }
    Ok(map.into_iter().map(|((d, s), n)| (d, s, n)).collect())
}

/// Responses per unit they count for.
pub async fn count_per_unit(db: &Db, survey_id: i64) -> AppResult<Vec<(Option<i64>, i64)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT unit_id, COUNT(*) FROM survey_responses WHERE survey_id = $1 GROUP BY unit_id ORDER BY unit_id"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?
    }))
}

/// Replaces a response's answers (staff correction).
pub async fn update_response_data(
    db: &Db,
    id: &str,
    data: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let digest = crate::surveys::model::digest_record(data);
    with_db!(db, |pool| sqlx::query(
        "UPDATE survey_responses SET data = $1, digest = $2, updated_at = $3 WHERE id = $4"
    )
    .bind(data)
    .bind(digest)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await
    .map(|_| ())?);
    Ok(())
}

/// Deletes a response.
pub async fn delete_response(db: &Db, id: &str) -> AppResult<()> {
    with_db!(db, |pool| sqlx::query(
        "DELETE FROM survey_responses WHERE id = $1"
    )
    .bind(id)
    .execute(pool)
    .await
    .map(|_| ())?);
    Ok(())
}

/// The next batch of complete responses after `after` (by id) for streaming exports:
/// `(id, version_id, completed_at, data)`.
pub async fn next_export_batch(
    db: &Db,
    survey_id: i64,
    after: &str,
    limit: i64,
) -> AppResult<Vec<(String, i64, Option<DateTime<Utc>>, String)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, version_id, completed_at, data FROM survey_responses
         WHERE survey_id = $1 AND status = 'complete' AND id > $2 ORDER BY id LIMIT $3"
    )
    .bind(survey_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?))
}

/// Number of complete responses.
pub async fn count_complete(db: &Db, survey_id: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND status = 'complete'"
    )
    .bind(survey_id)
    .fetch_one(pool)
    .await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_cut_into_few_statement_shapes() {
        assert_eq!(statement_sizes(0), Vec::<usize>::new());
        assert_eq!(statement_sizes(1), vec![1]);
        assert_eq!(statement_sizes(1000), vec![256, 256, 256, 128, 64, 32, 8]);
        for n in 0..3000 {
            let sizes = statement_sizes(n);
            assert_eq!(sizes.iter().sum::<usize>(), n);
            assert!(
                sizes
                    .iter()
                    .all(|s| s.is_power_of_two() && *s <= ROWS_PER_STATEMENT)
            );
        }
    }
}
