//! All SQL of offline collection: devices and their tokens, the instances received, the files
//! that came with responses, the cases a device may collect, and a received interview written
//! with its case, its instance and its files in the caller's transaction.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::surveys::store::day_of;
use crate::{with_conn, with_db};

/// A device an interviewer signed in with.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Device {
    /// Id.
    pub id: i64,
    /// Its interviewer.
    pub user_id: i64,
    /// Name given by the interviewer ("Điện thoại Samsung A15").
    pub label: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last request seen.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Revoked: its token opens nothing.
    pub revoked_at: Option<DateTime<Utc>>,
}

const DEVICE_COLS: &str =
    "SELECT id, user_id, label, created_at, last_seen_at, revoked_at FROM openrosa_devices ";

/// Adds a device with the hash of its token; returns its id.
pub async fn insert_device(
    tx: &mut Tx,
    user_id: i64,
    label: &str,
    token_hash: &str,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO openrosa_devices (user_id, label, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(user_id)
    .bind(label)
    .bind(token_hash)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?
    }))
}

/// The devices of a user, newest first.
pub async fn list_devices(db: &Db, user_id: i64) -> AppResult<Vec<Device>> {
    let sql = sqlx::AssertSqlSafe(format!("{DEVICE_COLS} WHERE user_id = $1 ORDER BY id DESC"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(user_id)
        .fetch_all(pool)
        .await?))
}

/// Revokes a device of `user_id`; false when it is not theirs or was revoked before.
pub async fn revoke_device(
    tx: &mut Tx,
    id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE openrosa_devices SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL"
    )
    .bind(now)
    .bind(id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1
    }))
}

/// The device whose token hashes to `hash`, unless revoked.
pub async fn device_by_token(db: &Db, hash: &str) -> AppResult<Option<Device>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{DEVICE_COLS} WHERE token_hash = $1 AND revoked_at IS NULL"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(hash)
        .fetch_optional(pool)
        .await?))
}

/// Notes that a device was seen (at most once a minute is written).
pub async fn touch_device(db: &Db, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    let before = now - chrono::Duration::minutes(1);
    with_db!(db, |pool| {
        sqlx::query(
        "UPDATE openrosa_devices SET last_seen_at = $1 WHERE id = $2 AND (last_seen_at IS NULL OR last_seen_at < $3)"
    )
    .bind(now)
    .bind(id)
    .bind(before)
    .execute(pool)
    .await
    .map(|_| ())?
    });
    Ok(())
}

/// A received instance.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InstanceRow {
    /// The response it landed in.
    pub response_id: String,
    /// Its survey.
    pub survey_id: i64,
    /// Digest of the record it carried.
    pub digest: String,
}

/// The instance `id`, if it was received.
pub async fn find_instance(db: &Db, id: &str) -> AppResult<Option<InstanceRow>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT response_id, survey_id, digest FROM survey_instances WHERE instance_id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?))
}

/// A case as offline collection sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseRow {
    /// Id.
    pub id: i64,
    /// Survey.
    pub survey_id: i64,
    /// Mode.
    pub mode: crate::surveys::model::CollectionMode,
    /// Disposition (AAPOR code).
    pub disposition: String,
    /// Unit it counts for.
    pub unit_id: Option<i64>,
    /// Released into the field.
    pub released_at: Option<DateTime<Utc>>,
    /// Interviewer it is given to.
    pub assigned_to: Option<i64>,
}

/// The case `id`.
pub async fn find_case(db: &Db, id: i64) -> AppResult<Option<CaseRow>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, survey_id, mode, disposition, unit_id, released_at, assigned_to FROM survey_cases WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    }))
}

/// The cases of a survey an interviewer may collect offline: released in the offline mode, not
/// complete, not held by a closing quota, given to them or to nobody; `(id, frame id, stratum,
/// cluster)` by id. No contact data.
pub async fn offline_cases(
    db: &Db,
    survey_id: i64,
    user_id: i64,
) -> AppResult<Vec<(i64, String, String, String)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT k.id, COALESCE(r.ext_id, ''), COALESCE(r.stratum, ''), COALESCE(r.cluster, '')
         FROM survey_cases k LEFT JOIN survey_frame_rows r ON r.id = k.frame_row_id
         WHERE k.survey_id = $1 AND k.mode = 'offline' AND k.released_at IS NOT NULL
           AND k.disposition <> '1.1' AND k.quota_held = 0
           AND (k.assigned_to IS NULL OR k.assigned_to = $2)
         ORDER BY k.id LIMIT 20000"
    )
    .bind(survey_id)
    .bind(user_id)
    .fetch_all(pool)
    .await?))
}

/// Whether a survey has any case in the offline mode (then a device must name its case).
pub async fn has_offline_cases(db: &Db, survey_id: i64) -> AppResult<bool> {
    let n: Option<i64> = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM survey_cases WHERE survey_id = $1 AND mode = 'offline' LIMIT 1"
    )
    .bind(survey_id)
    .fetch_optional(pool)
    .await?);
    Ok(n.is_some())
}

/// A file that came with a submission, checked.
#[derive(Clone, Debug)]
pub struct NewFile {
    /// Name as the instance refers to it.
    pub name: String,
    /// Checked content type.
    pub content_type: &'static str,
    /// SHA-256, hex.
    pub sha256: String,
    /// Bytes.
    pub bytes: Vec<u8>,
}

/// A received interview to store.
pub struct NewInterview<'a> {
    /// `meta/instanceID`.
    pub instance_id: &'a str,
    /// Survey.
    pub survey_id: i64,
    /// Version answered.
    pub version_id: i64,
    /// Case named by the device.
    pub case_id: Option<i64>,
    /// Unit it counts for.
    pub unit_id: Option<i64>,
    /// The record as JSON and its digest.
    pub data: &'a str,
    /// Digest of `data`.
    pub digest: &'a str,
    /// Anonymous survey: no case link, only the day of times.
    pub anonymous: bool,
    /// Device.
    pub device_id: i64,
    /// Interviewer.
    pub user_id: i64,
}

/// Stores a new interview: the case (to complete, with its event), the response, the instance
/// and the files, in the caller's transaction. `Err(Conflict)` when the case is complete already
/// or belongs to another survey; `Ok(None)` when the instance id was stored meanwhile (the caller
/// drops the transaction and answers as for a resend).
pub async fn insert_interview(
    tx: &mut Tx,
    n: &NewInterview<'_>,
    files: &[NewFile],
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    let stamp = if n.anonymous { day_of(now) } else { now };
    let response_id = uuid::Uuid::new_v4().to_string();
    let inserted = with_conn!(tx, |conn| {
        if let Some(case_id) = n.case_id {
            let claimed = sqlx::query(
                "UPDATE survey_cases SET disposition = '1.1', updated_at = $1
                 WHERE id = $2 AND survey_id = $3 AND disposition <> '1.1'",
            )
            .bind(now)
            .bind(case_id)
            .bind(n.survey_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if claimed == 0 {
                return Err(AppError::Conflict("openrosa-error-case-done"));
            }
            // A response started in another mode gives way to the interview received.
            sqlx::query("DELETE FROM survey_responses WHERE case_id = $1 AND status = 'partial'")
                .bind(case_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "INSERT INTO survey_case_events (case_id, at, kind, mode, outcome, disposition, user_id, note)
                 VALUES ($1, $2, 'received', 'offline', NULL, '1.1', $3, '')",
            )
            .bind(case_id)
            .bind(now)
            .bind(n.user_id)
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query(
            "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
             VALUES ($1, $2, $3, $4, NULL, 'offline', 'complete', '', $5, $6, $7, $8, $8, $8)",
        )
        .bind(&response_id)
        .bind(n.survey_id)
        .bind(n.version_id)
        .bind(if n.anonymous { None } else { n.case_id })
        .bind(n.data)
        .bind(n.digest)
        .bind(n.unit_id)
        .bind(stamp)
        .execute(&mut *conn)
        .await?;
        let claimed: Option<String> = sqlx::query_scalar(
            "INSERT INTO survey_instances (instance_id, response_id, survey_id, digest, device_id, user_id, received_at, superseded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) ON CONFLICT (instance_id) DO NOTHING RETURNING instance_id",
        )
        .bind(n.instance_id)
        .bind(&response_id)
        .bind(n.survey_id)
        .bind(n.digest)
        .bind(n.device_id)
        .bind(n.user_id)
        .bind(stamp)
        .fetch_optional(&mut *conn)
        .await?;
        Ok::<bool, AppError>(claimed.is_some())
    })?;
    if !inserted {
        return Ok(None);
    }
    add_files(tx, &response_id, files, now).await?;
    Ok(Some(response_id))
}

/// Stores an edit (`deprecatedID`) of the response of `old_instance`: its answers replaced, the
/// old instance marked superseded, the new one recorded, new files added. `Err(Conflict)` when
/// the old instance was edited already or the new id is taken.
pub async fn apply_edit(
    tx: &mut Tx,
    response_id: &str,
    old_instance: &str,
    n: &NewInterview<'_>,
    files: &[NewFile],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let stamp = if n.anonymous { day_of(now) } else { now };
    with_conn!(tx, |conn| {
        let superseded = sqlx::query(
            "UPDATE survey_instances SET superseded_by = $1 WHERE instance_id = $2 AND superseded_by IS NULL",
        )
        .bind(n.instance_id)
        .bind(old_instance)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if superseded == 0 {
            return Err(AppError::Conflict("openrosa-error-edited"));
        }
        let updated = sqlx::query(
            "UPDATE survey_responses SET data = $1, digest = $2, version_id = $3, updated_at = $4
             WHERE id = $5 AND status = 'complete'",
        )
        .bind(n.data)
        .bind(n.digest)
        .bind(n.version_id)
        .bind(stamp)
        .bind(response_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(AppError::Conflict("openrosa-error-edited"));
        }
        let claimed: Option<String> = sqlx::query_scalar(
            "INSERT INTO survey_instances (instance_id, response_id, survey_id, digest, device_id, user_id, received_at, superseded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) ON CONFLICT (instance_id) DO NOTHING RETURNING instance_id",
        )
        .bind(n.instance_id)
        .bind(response_id)
        .bind(n.survey_id)
        .bind(n.digest)
        .bind(n.device_id)
        .bind(n.user_id)
        .bind(stamp)
        .fetch_optional(&mut *conn)
        .await?;
        if claimed.is_none() {
            return Err(AppError::Conflict("openrosa-error-replay"));
        }
        Ok::<(), AppError>(())
    })?;
    add_files(tx, response_id, files, now).await
}

/// Adds files to a response; a file of the same name already stored is kept (a device resends
/// files it is not sure arrived).
pub async fn add_files(
    tx: &mut Tx,
    response_id: &str,
    files: &[NewFile],
    now: DateTime<Utc>,
) -> AppResult<()> {
    for f in files {
        with_conn!(tx, |conn| {
            sqlx::query(
            "INSERT INTO survey_response_files (response_id, name, content_type, size, sha256, bytes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (response_id, name) DO NOTHING"
        )
        .bind(response_id)
        .bind(&f.name)
        .bind(f.content_type)
        .bind(f.bytes.len() as i64)
        .bind(&f.sha256)
        .bind(&f.bytes)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ())?
        });
    }
    Ok(())
}

/// The files of a response: `(name, content type, size)` by name.
pub async fn list_files(db: &Db, response_id: &str) -> AppResult<Vec<(String, String, i64)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT name, content_type, size FROM survey_response_files WHERE response_id = $1 ORDER BY name"
    )
    .bind(response_id)
    .fetch_all(pool)
    .await?
    }))
}

/// One file of a response: `(content type, bytes)`.
pub async fn file_bytes(
    db: &Db,
    response_id: &str,
    name: &str,
) -> AppResult<Option<(String, Vec<u8>)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT content_type, bytes FROM survey_response_files WHERE response_id = $1 AND name = $2"
    )
    .bind(response_id)
    .bind(name)
    .fetch_optional(pool)
    .await?))
}

/// A second write of a case after its anonymous interview was stored: PostgreSQL stamps each
/// row version with the transaction that wrote it (`xmin`), and the case and the response would
/// otherwise carry the same one.
pub async fn restamp_case(db: &Db, case_id: i64) -> AppResult<()> {
    if let Db::Pg(pool) = db {
        sqlx::query("UPDATE survey_cases SET updated_at = updated_at WHERE id = $1")
            .bind(case_id)
            .execute(pool)
            .await?;
    }
    Ok(())
}
