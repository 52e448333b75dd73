//! All SQL of encrypted submissions: the manifests received (once per survey and instance id)
//! and their `.enc` files, written in the caller's transaction; counted and read back one at a
//! time for decryption.

use chrono::NaiveDate;

use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// An encrypted file that came with a submission.
#[derive(Clone, Debug)]
pub struct EncFile {
    /// Name (`….enc`).
    pub name: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// The ciphertext.
    pub bytes: Vec<u8>,
}

/// A stored encrypted submission, without its files.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EncSubmission {
    /// Id.
    pub id: i64,
    /// Version it answers.
    pub version_id: i64,
    /// `meta/instanceID`.
    pub instance_id: String,
    /// The manifest as received.
    pub manifest: String,
    /// Day received.
    pub received_on: NaiveDate,
}

/// The submission `instance_id` of a survey: `(id, manifest)`.
pub async fn find_submission(
    db: &Db,
    survey_id: i64,
    instance_id: &str,
) -> AppResult<Option<(i64, String)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, manifest FROM survey_encrypted_submissions WHERE survey_id = $1 AND instance_id = $2"
    )
    .bind(survey_id)
    .bind(instance_id)
    .fetch_optional(pool)
    .await?
    }))
}

/// A new encrypted submission to store.
pub struct NewSubmission<'a> {
    /// Survey.
    pub survey_id: i64,
    /// Version.
    pub version_id: i64,
    /// `meta/instanceID`.
    pub instance_id: &'a str,
    /// The manifest as received.
    pub manifest: &'a str,
    /// Day received.
    pub received_on: NaiveDate,
    /// Device.
    pub device_id: i64,
}

/// Stores a submission in the caller's transaction; `None` when the instance id was stored
/// meanwhile by another request.
pub async fn insert_submission(tx: &mut Tx, n: &NewSubmission<'_>) -> AppResult<Option<i64>> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO survey_encrypted_submissions (survey_id, version_id, instance_id, manifest, received_on, device_id)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (survey_id, instance_id) DO NOTHING RETURNING id",
        )
        .bind(n.survey_id)
        .bind(n.version_id)
        .bind(n.instance_id)
        .bind(n.manifest)
        .bind(n.received_on)
        .bind(n.device_id)
        .fetch_optional(&mut *conn)
        .await?
    }))
}

/// Adds files to a submission; a file of the same name already stored is kept (a device
/// resends what it is not sure arrived). Returns how many were added.
pub async fn add_files(tx: &mut Tx, submission_id: i64, files: &[EncFile]) -> AppResult<u64> {
    let mut added = 0;
    for f in files {
        added += with_conn!(tx, |conn| {
            sqlx::query(
                "INSERT INTO survey_encrypted_files (submission_id, name, size, sha256, bytes)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (submission_id, name) DO NOTHING",
            )
            .bind(submission_id)
            .bind(&f.name)
            .bind(f.bytes.len() as i64)
            .bind(&f.sha256)
            .bind(&f.bytes)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
    }
    Ok(added)
}

/// How many encrypted submissions a survey holds.
pub async fn count_submissions(db: &Db, survey_id: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_encrypted_submissions WHERE survey_id = $1"
    )
    .bind(survey_id)
    .fetch_one(pool)
    .await?))
}

/// The next submissions of a survey after id `after`, by id (keyset pages).
pub async fn list_submissions(
    db: &Db,
    survey_id: i64,
    after: i64,
    limit: i64,
) -> AppResult<Vec<EncSubmission>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, version_id, instance_id, manifest, received_on FROM survey_encrypted_submissions
         WHERE survey_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    )
    .bind(survey_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?
    }))
}

/// The files of one submission.
pub async fn list_files(db: &Db, submission_id: i64) -> AppResult<Vec<EncFile>> {
    let rows: Vec<(String, String, Vec<u8>)> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT name, sha256, bytes FROM survey_encrypted_files WHERE submission_id = $1 ORDER BY name"
    )
    .bind(submission_id)
    .fetch_all(pool)
    .await?
    });
    Ok(rows
        .into_iter()
        .map(|(name, sha256, bytes)| EncFile {
            name,
            sha256,
            bytes,
        })
        .collect())
}
