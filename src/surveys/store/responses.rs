//! A respondent's response from start to completion: partial rows resumed by a device or a
//! token case, and the completion that, for an anonymous survey, rewrites the row anonymous.

use chrono::{DateTime, Utc};

use super::{RESPONSE_COLS, day_of};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{CollectionMode, ResponseStatus};
use crate::{with_conn, with_db};

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
    /// Collection mode.
    pub mode: CollectionMode,
    /// Partial or complete.
    pub status: ResponseStatus,
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
    /// Mode.
    pub mode: CollectionMode,
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
    .bind(r.mode.key())
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

/// Starts the response of a case: the partial response and, with `mark_started`, the case's
/// disposition "partially answered" (a telephone case keeps its own until the attempt's outcome),
/// in one transaction. `false` when nothing was inserted: the case is complete
/// already, or has its response (the unique index on `case_id`: of concurrent first steps on
/// one token, one inserts, the others continue with its response). The case row is written
/// first, as in [`complete_response`], so that the two lock the same rows in the same order.
pub async fn insert_case_partial(
    db: &Db,
    r: &NewResponse<'_>,
    page: &str,
    data: &str,
    mark_started: bool,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let digest = crate::surveys::model::digest_record(data);
    {
        let mut tx = db.begin().await?;
        let out = with_conn!(&mut tx, |conn| {
            let open = sqlx::query(
            "UPDATE survey_cases SET disposition = CASE WHEN $3 THEN '1.2' ELSE disposition END, updated_at = $1
             WHERE id = $2 AND disposition <> '1.1'",
        )
        .bind(now)
        .bind(r.case_id)
        .bind(mark_started)
        .execute(&mut *conn)
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
        .bind(r.mode.key())
        .bind(page)
        .bind(data)
        .bind(&digest)
        .bind(r.unit_id)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
            Ok::<bool, AppError>(inserted.is_some())
        })?;
        tx.commit().await?;
        Ok::<_, AppError>(out)
    }
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
    .bind(r.mode.key())
    .bind(data)
    .bind(&digest)
    .bind(r.unit_id)
    .bind(stamp)
    .execute(pool)
    .await
    .map(|_| ())?
    });
    submitted(1);
    Ok(())
}

/// Counts completed responses for `/metrics`.
fn submitted(n: u64) {
    metrics::counter!("duluan_survey_submissions_total").increment(n);
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
    let case_id = {
        let mut tx = db.begin().await?;
        let out = with_conn!(&mut tx, |conn| {
            // The case first (the same order as `insert_case_partial`): it goes to "complete" only
            // from another disposition, which is the once-only gate of a token.
            let case_id: Option<i64> = sqlx::query_scalar(
                "SELECT case_id FROM survey_responses WHERE id = $1 AND status = 'partial'",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
            if let Some(case_id) = case_id {
                let claimed = sqlx::query(
                "UPDATE survey_cases SET disposition = '1.1', updated_at = $1 WHERE id = $2 AND disposition <> '1.1'",
            )
            .bind(stamp)
            .bind(case_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
                if claimed == 0 {
                    return Err(AppError::Conflict("surveys-error-already-complete"));
                }
            }
            // Then the response leaves `partial` by a conditional statement: of two completions of
            // one response (two tabs of a device), one does.
            if anonymous {
                let gone: Option<(i64, i64, CollectionMode, Option<i64>)> = sqlx::query_as(
                    "DELETE FROM survey_responses WHERE id = $1 AND status = 'partial'
                 RETURNING survey_id, version_id, mode, unit_id",
                )
                .bind(id)
                .fetch_optional(&mut *conn)
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
            .bind(mode.key())
            .bind(data)
            .bind(&digest)
            .bind(unit_id)
            .bind(stamp)
            .execute(&mut *conn)
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
            .execute(&mut *conn)
            .await?
            .rows_affected();
                if done == 0 {
                    return Err(AppError::Conflict("surveys-error-already-complete"));
                }
            }
            Ok::<Option<i64>, AppError>(case_id)
        })?;
        tx.commit().await?;
        Ok::<_, AppError>(out)
    }?;
    // PostgreSQL stamps each row version with the transaction that wrote it (`xmin`): the new
    // response and its case would carry the same one. A second write gives the case another.
    if anonymous && let (Some(case_id), Db::Pg(pool)) = (case_id, db) {
        sqlx::query("UPDATE survey_cases SET updated_at = updated_at WHERE id = $1")
            .bind(case_id)
            .execute(pool)
            .await?;
    }
    submitted(1);
    Ok(new_id)
}

/// Stores many anonymous complete responses `(id, data, completed day)` of one survey version
/// in one transaction (the demo's waves): rows as [`insert_complete`] writes them for an
/// anonymous survey.
pub async fn insert_anonymous_completes(
    db: &Db,
    survey_id: i64,
    version_id: i64,
    mode: CollectionMode,
    rows: &[(String, String, DateTime<Utc>)],
) -> AppResult<()> {
    const CHUNK: usize = 200;
    let mut tx = db.begin().await?;
    for chunk in rows.chunks(CHUNK) {
        let values = (0..chunk.len())
            .map(|r| {
                let b = r * 6;
                format!(
                    "(${}, $1, $2, NULL, NULL, $3, 'complete', '', ${}, ${}, NULL, ${}, ${}, ${})",
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
             VALUES {values}"
        );
        with_conn!(&mut tx, |conn| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(survey_id)
                .bind(version_id)
                .bind(mode.key());
            for (id, data, at) in chunk {
                let day = day_of(*at);
                q = q
                    .bind(id)
                    .bind(data)
                    .bind(crate::surveys::model::digest_record(data))
                    .bind(day)
                    .bind(day)
                    .bind(day);
            }
            q.execute(&mut *conn).await?;
        });
    }
    tx.commit().await?;
    submitted(rows.len() as u64);
    Ok(())
}

/// Deletes the unfinished responses of every survey last changed before `before` (the
/// deployment's retention of unfinished responses); returns how many.
pub async fn delete_partials_before(db: &Db, before: DateTime<Utc>) -> AppResult<u64> {
    Ok(with_db!(db, |pool| sqlx::query(
        "DELETE FROM survey_responses WHERE status = 'partial' AND updated_at < $1"
    )
    .bind(before)
    .execute(pool)
    .await?
    .rows_affected()))
}
