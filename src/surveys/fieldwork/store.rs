//! All SQL of fieldwork: frames with their rows and contacts, samples, the cases drawn from them
//! (release, weights, mode) and the case history; the counts behind the fieldwork monitor.
//!
//! Contacts sit in `survey_contacts`, keyed by frame row, and are only read one case at a time
//! by [`find_contact`] (the caller audits the read).

use chrono::{DateTime, Utc};

use super::model::{Contact, Frame};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::{with_conn, with_db};

/// Rows per multi-row INSERT (9 parameters a row stays far below SQLite's limit).
const CHUNK: usize = 500;

/// `($s, $s+1, …), (…)` for `rows` rows of `width` parameters from `$start`.
fn values(start: usize, width: usize, rows: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", crate::db::placeholders(start + r * width, width)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A frame as listed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FrameInfo {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `file` or `tree`.
    pub source: String,
    /// Names of the other columns (JSON array).
    pub attributes: String,
    /// Rows.
    pub row_count: i64,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Stores a checked frame whole: its rows, then the contacts of the rows that have any.
pub async fn insert_frame(
    tx: &mut Tx,
    survey_id: i64,
    name: &str,
    source: &str,
    frame: &Frame,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let attributes =
        serde_json::to_string(&frame.attributes).map_err(|e| AppError::Internal(e.into()))?;
    let frame_id: i64 = with_conn!(&mut *tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO survey_frames (survey_id, name, source, attributes, row_count, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(survey_id)
    .bind(name)
    .bind(source)
    .bind(&attributes)
    .bind(frame.rows.len() as i64)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?
    });
    for chunk in frame.rows.chunks(CHUNK) {
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO survey_frame_rows (frame_id, row_no, ext_id, stratum, cluster, size, unit_id, attrs) VALUES {}",
            values(1, 8, chunk.len())
        ));
        let attrs: Vec<String> = chunk
            .iter()
            .map(|r| serde_json::to_string(&r.attrs).unwrap_or_else(|_| "{}".into()))
            .collect();
        with_conn!(&mut *tx, |conn| {
            let mut q = sqlx::query(sql);
            for (r, a) in chunk.iter().zip(&attrs) {
                q = q
                    .bind(frame_id)
                    .bind(r.row as i64)
                    .bind(&r.ext_id)
                    .bind(&r.stratum)
                    .bind(&r.cluster)
                    .bind(r.size)
                    .bind(r.unit_id)
                    .bind(a);
            }
            q.execute(&mut *conn).await?;
            Ok::<(), AppError>(())
        })?;
    }
    // Contacts, keyed by the rows' new ids.
    let ids: Vec<(String, i64)> = with_conn!(&mut *tx, |conn| sqlx::query_as(
        "SELECT ext_id, id FROM survey_frame_rows WHERE frame_id = $1"
    )
    .bind(frame_id)
    .fetch_all(&mut *conn)
    .await?);
    let ids: std::collections::HashMap<String, i64> = ids.into_iter().collect();
    let with_contact: Vec<(i64, &Contact)> = frame
        .rows
        .iter()
        .filter(|r| !r.contact.is_empty() || r.contact.lang.is_some())
        .filter_map(|r| ids.get(&r.ext_id).map(|id| (*id, &r.contact)))
        .collect();
    for chunk in with_contact.chunks(CHUNK) {
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO survey_contacts (frame_row_id, email, phone, address, lang) VALUES {}",
            values(1, 5, chunk.len())
        ));
        with_conn!(&mut *tx, |conn| {
            let mut q = sqlx::query(sql);
            for (id, c) in chunk {
                q = q
                    .bind(*id)
                    .bind(c.email.as_deref())
                    .bind(c.phone.as_deref())
                    .bind(c.address.as_deref())
                    .bind(c.lang.as_deref());
            }
            q.execute(&mut *conn).await?;
            Ok::<(), AppError>(())
        })?;
    }
    Ok(frame_id)
}

/// The frames of a survey, newest first.
pub async fn list_frames(db: &Db, survey_id: i64) -> AppResult<Vec<FrameInfo>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, name, source, attributes, row_count, created_at FROM survey_frames
         WHERE survey_id = $1 ORDER BY id DESC"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?))
}

/// One frame of a survey.
pub async fn find_frame(db: &Db, survey_id: i64, frame_id: i64) -> AppResult<Option<FrameInfo>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, name, source, attributes, row_count, created_at FROM survey_frames
         WHERE survey_id = $1 AND id = $2"
    )
    .bind(survey_id)
    .bind(frame_id)
    .fetch_optional(pool)
    .await?))
}

/// A frame row as the draw sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DrawRow {
    /// Row id.
    pub id: i64,
    /// Stratum.
    pub stratum: String,
    /// Cluster.
    pub cluster: String,
    /// Size.
    pub size: Option<f64>,
    /// Unit.
    pub unit_id: Option<i64>,
}

/// The rows of a frame in file order.
pub async fn list_draw_rows(db: &Db, frame_id: i64) -> AppResult<Vec<DrawRow>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, stratum, cluster, size, unit_id FROM survey_frame_rows
         WHERE frame_id = $1 ORDER BY row_no, id"
    )
    .bind(frame_id)
    .fetch_all(pool)
    .await?))
}

/// A sample as listed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SampleInfo {
    /// Id.
    pub id: i64,
    /// Frame.
    pub frame_id: i64,
    /// Method key.
    pub method: String,
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
                    .bind(crate::surveys::model::Disposition::NotReturned.code())
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
        let scale = super::model::released_weight(1.0, drawn as u64, released as u64);
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

/// Released cases of a survey per `(mode, disposition)`.
pub async fn count_released(db: &Db, survey_id: i64) -> AppResult<Vec<(String, String, i64)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT mode, disposition, COUNT(*) FROM survey_cases
         WHERE survey_id = $1 AND (released_at IS NOT NULL OR sample_id IS NULL)
         GROUP BY mode, disposition ORDER BY mode, disposition"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?))
}

/// Cases drawn but not released yet.
pub async fn count_unreleased(db: &Db, survey_id: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND sample_id IS NOT NULL AND released_at IS NULL"
    )
    .bind(survey_id)
    .fetch_one(pool)
    .await?
    }))
}

/// Complete responses per day (the days the responses keep), oldest first.
pub async fn completes_per_day(db: &Db, survey_id: i64) -> AppResult<Vec<(DateTime<Utc>, i64)>> {
    let rows: Vec<(Option<DateTime<Utc>>,)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT completed_at FROM survey_responses WHERE survey_id = $1 AND status = 'complete'"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?);
    let mut days: std::collections::BTreeMap<DateTime<Utc>, i64> = Default::default();
    for (t,) in rows {
        if let Some(t) = t {
            *days.entry(crate::surveys::store::day_of(t)).or_default() += 1;
        }
    }
    Ok(days.into_iter().collect())
}

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
    /// Mode key.
    pub mode: String,
    /// Disposition code.
    pub disposition: String,
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
    pub mode: String,
    /// Outcome of an attempt.
    pub outcome: Option<String>,
    /// Disposition set.
    pub disposition: Option<String>,
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
