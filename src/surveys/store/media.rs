//! Form media files of questionnaire versions (`survey_version_media`): added, replaced and
//! removed only while their version is a draft (checked by each statement itself), copied to a
//! new version, read whole only to serve a device or to build a version's engine.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::{with_conn, with_db};

/// A media file without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MediaFile {
    /// File name (`villages.csv`), unique in its version.
    pub file_name: String,
    /// Size in bytes.
    pub size: i64,
    /// MD5, hex (OpenRosa's manifest hash).
    pub md5: String,
    /// SHA-256, hex.
    pub sha256: String,
}

const MEDIA_COLS: &str = "SELECT file_name, size, md5, sha256 FROM survey_version_media ";

/// The media files of a version, by name.
pub async fn list_media(db: &Db, version_id: i64) -> AppResult<Vec<MediaFile>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{MEDIA_COLS} WHERE version_id = $1 ORDER BY file_name"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(version_id)
        .fetch_all(pool)
        .await?))
}

/// The media files of a version, in the transaction of a change.
pub async fn list_media_in(tx: &mut Tx, version_id: i64) -> AppResult<Vec<MediaFile>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{MEDIA_COLS} WHERE version_id = $1 ORDER BY file_name"
    ));
    Ok(with_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(version_id)
        .fetch_all(&mut *conn)
        .await?))
}

/// One media file with its bytes.
pub async fn find_media(
    db: &Db,
    version_id: i64,
    file_name: &str,
) -> AppResult<Option<(MediaFile, Vec<u8>)>> {
    let row: Option<(String, i64, String, String, Vec<u8>)> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT file_name, size, md5, sha256, bytes FROM survey_version_media
             WHERE version_id = $1 AND file_name = $2",
        )
        .bind(version_id)
        .bind(file_name)
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(|(file_name, size, md5, sha256, bytes)| {
        (
            MediaFile {
                file_name,
                size,
                md5,
                sha256,
            },
            bytes,
        )
    }))
}

/// Every media file of a version with its bytes (to build the version's engine).
pub async fn list_media_contents(db: &Db, version_id: i64) -> AppResult<Vec<(String, Vec<u8>)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT file_name, bytes FROM survey_version_media WHERE version_id = $1 ORDER BY file_name",
        )
        .bind(version_id)
        .fetch_all(pool)
        .await?
    }))
}

/// The names and bytes of a version's media files, in the caller's transaction.
pub async fn list_media_contents_in(
    tx: &mut Tx,
    version_id: i64,
) -> AppResult<Vec<(String, Vec<u8>)>> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_as(
            "SELECT file_name, bytes FROM survey_version_media WHERE version_id = $1 ORDER BY file_name",
        )
        .bind(version_id)
        .fetch_all(&mut *conn)
        .await?
    }))
}

/// Adds a media file to a draft version, or replaces the file of the same name; `Conflict`
/// when the version is published.
pub async fn upsert_media(
    tx: &mut Tx,
    version_id: i64,
    file: &MediaFile,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let changed = with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO survey_version_media (version_id, file_name, size, md5, sha256, bytes, added_at)
             SELECT id, $2, $3, $4, $5, $6, $7 FROM survey_versions WHERE id = $1 AND published_at IS NULL
             ON CONFLICT (version_id, file_name)
             DO UPDATE SET size = excluded.size, md5 = excluded.md5, sha256 = excluded.sha256,
                           bytes = excluded.bytes, added_at = excluded.added_at",
        )
        .bind(version_id)
        .bind(&file.file_name)
        .bind(file.size)
        .bind(&file.md5)
        .bind(&file.sha256)
        .bind(bytes)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if changed == 0 {
        return Err(AppError::Conflict("surveys-error-published"));
    }
    Ok(())
}

/// Removes a media file of a draft version; false when there is none of that name (or the
/// version is published).
pub async fn delete_media(tx: &mut Tx, version_id: i64, file_name: &str) -> AppResult<bool> {
    let changed = with_conn!(tx, |conn| {
        sqlx::query(
            "DELETE FROM survey_version_media WHERE version_id = $1 AND file_name = $2
               AND version_id IN (SELECT id FROM survey_versions WHERE id = $1 AND published_at IS NULL)",
        )
        .bind(version_id)
        .bind(file_name)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(changed > 0)
}

/// Copies every media file of a version to another (a new draft of a published version).
pub async fn copy_media(
    tx: &mut Tx,
    from_version: i64,
    to_version: i64,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO survey_version_media (version_id, file_name, size, md5, sha256, bytes, added_at)
             SELECT $2, file_name, size, md5, sha256, bytes, $3 FROM survey_version_media WHERE version_id = $1",
        )
        .bind(from_version)
        .bind(to_version)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    }))
}
