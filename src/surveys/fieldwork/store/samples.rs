//! Samples, the cases drawn from them, their release and design weights.

use chrono::{DateTime, Utc};

use super::{CHUNK, values};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::{with_conn, with_db};

/// A sample as listed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SampleInfo {
    /// Id.
    pub id: i64,
    /// Frame.
    pub frame_id: i64,
    /// Method.
    pub method: crate::surveys::fieldwork::model::Method,
    /// Seed.
    pub seed: i64,
    /// Cases drawn.
    pub size: i64,
    /// Release batches.
    pub replicates: i64,
    /// When it was drawn.
    pub created_at: DateTime<Utc>,
}

/// A drawn case to store.
#[derive(Clone, Debug)]
pub struct NewCase {
    /// Frame row.
    pub frame_row_id: i64,
    /// Unit.
    pub unit_id: Option<i64>,
    /// Release batch.
    pub replicate: i64,
    /// Inclusion probability.
    pub prob: f64,
}

/// Stores a sample and its cases (not released: no disposition counts yet).
#[allow(clippy::too_many_arguments)]
pub async fn insert_sample(
    tx: &mut Tx,
    survey_id: i64,
    frame_id: i64,
    method: &str,
    params: &str,
    seed: i64,
    replicates: i64,
    cases: &[NewCase],
    by: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let sample_id: i64 = with_conn!(&mut *tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO survey_samples (survey_id, frame_id, method, params, seed, size, replicates, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    )
    .bind(survey_id)
    .bind(frame_id)
    .bind(method)
    .bind(params)
    .bind(seed)
    .bind(cases.len() as i64)
    .bind(replicates)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?
    });
    for chunk in cases.chunks(CHUNK) {
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO survey_cases (survey_id, mode, unit_id, disposition, created_at, updated_at,
                 sample_id, frame_row_id, replicate, inclusion_prob, weight) VALUES {}",
            values(1, 11, chunk.len())
        ));
        with_conn!(&mut *tx, |conn| {
            let mut q = sqlx::query(sql);
            for c in chunk {
                q = q
                    .bind(survey_id)
                    .bind("web")
                    .bind(c.unit_id)
                    .bind(crate::surveys::model::Disposition::NotReturned.key())
                    .bind(now)
                    .bind(now)
                    .bind(sample_id)
                    .bind(c.frame_row_id)
                    .bind(c.replicate)
                    .bind(c.prob)
                    .bind(1.0 / c.prob);
            }
            q.execute(&mut *conn).await?;
            Ok::<(), AppError>(())
        })?;
    }
    Ok(sample_id)
}

/// The samples of a survey, newest first.
pub async fn list_samples(db: &Db, survey_id: i64) -> AppResult<Vec<SampleInfo>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, frame_id, method, seed, size, replicates, created_at FROM survey_samples
         WHERE survey_id = $1 ORDER BY id DESC"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?))
}

/// One sample of a survey.
pub async fn find_sample(db: &Db, survey_id: i64, id: i64) -> AppResult<Option<SampleInfo>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, frame_id, method, seed, size, replicates, created_at FROM survey_samples
         WHERE survey_id = $1 AND id = $2"
    )
    .bind(survey_id)
    .bind(id)
    .fetch_optional(pool)
    .await?))
}

/// Per release batch of a sample: `(batch, cases, released cases)`.
pub async fn batches(db: &Db, sample_id: i64) -> AppResult<Vec<(i64, i64, i64)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT replicate, COUNT(*), COUNT(released_at) FROM survey_cases
         WHERE sample_id = $1 GROUP BY replicate ORDER BY replicate"
    )
    .bind(sample_id)
    .fetch_all(pool)
    .await?))
}

/// A case of a batch about to be released, with what its mode choice needs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReleaseRow {
    /// Case.
    pub id: i64,
    /// Whether it has an e-mail address.
    pub has_email: bool,
    /// Whether it has a telephone number.
    pub has_phone: bool,
}

/// The unreleased cases of a batch.
pub async fn list_unreleased(
    tx: &mut Tx,
    sample_id: i64,
    batch: i64,
) -> AppResult<Vec<ReleaseRow>> {
    Ok(with_conn!(tx, |conn| sqlx::query_as(
        "SELECT k.id, (c.email IS NOT NULL) AS has_email, (c.phone IS NOT NULL) AS has_phone
         FROM survey_cases k LEFT JOIN survey_contacts c ON c.frame_row_id = k.frame_row_id
         WHERE k.sample_id = $1 AND k.replicate = $2 AND k.released_at IS NULL ORDER BY k.id"
    )
    .bind(sample_id)
    .bind(batch)
    .fetch_all(&mut *conn)
    .await?))
}

/// Releases cases in `mode` with their first disposition, and records the release in each
/// case's history.
pub async fn release_cases(
    tx: &mut Tx,
    ids: &[i64],
    mode: &str,
    disposition: &str,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for chunk in ids.chunks(CHUNK) {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE survey_cases SET released_at = $1, mode = $2, disposition = $3, updated_at = $1
             WHERE released_at IS NULL AND id IN ({})",
            crate::db::placeholders(4, chunk.len())
        ));
        let events = sqlx::AssertSqlSafe(format!(
            "INSERT INTO survey_case_events (case_id, at, kind, mode, outcome, disposition, user_id, note)
             SELECT id, $1, 'released', $2, NULL, $3, $4, '' FROM survey_cases WHERE id IN ({})",
            crate::db::placeholders(5, chunk.len())
        ));
        with_conn!(&mut *tx, |conn| {
            let mut q = sqlx::query(sql).bind(now).bind(mode).bind(disposition);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?;
            let mut q = sqlx::query(events)
                .bind(now)
                .bind(mode)
                .bind(disposition)
                .bind(by);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?;
            Ok::<(), AppError>(())
        })?;
    }
    Ok(())
}

/// Sets the design weights of a sample's released cases: 1/π scaled, within each stratum, by
/// drawn over released cases (see `model::released_weight`).
pub async fn reweight(tx: &mut Tx, sample_id: i64) -> AppResult<()> {
    let strata: Vec<(String, i64, i64)> = with_conn!(&mut *tx, |conn| sqlx::query_as(
        "SELECT r.stratum, COUNT(*), COUNT(k.released_at) FROM survey_cases k
         JOIN survey_frame_rows r ON r.id = k.frame_row_id
         WHERE k.sample_id = $1 GROUP BY r.stratum"
    )
    .bind(sample_id)
    .fetch_all(&mut *conn)
    .await?);
    for (stratum, drawn, released) in strata {
        let scale =
            crate::surveys::fieldwork::model::released_weight(1.0, drawn as u64, released as u64);
        with_conn!(&mut *tx, |conn| {
            sqlx::query(
                "UPDATE survey_cases SET weight = $1 / inclusion_prob
                 WHERE sample_id = $2 AND frame_row_id IN
                     (SELECT id FROM survey_frame_rows WHERE stratum = $3 AND frame_id =
                         (SELECT frame_id FROM survey_samples WHERE id = $2))",
            )
            .bind(scale)
            .bind(sample_id)
            .bind(&stratum)
            .execute(&mut *conn)
            .await?;
            Ok::<(), AppError>(())
        })?;
    }
    Ok(())
}
