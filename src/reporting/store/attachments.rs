//! Attachments of reports: their rows and their contents (`report_attachment_contents`; files
//! stored before migration 0045 may still be in the data folder until moved in).

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// An attachment of a report.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attachment {
    /// Id.
    pub id: i64,
    /// Report.
    pub report_id: i64,
    /// The name the user gave the file.
    pub file_name: String,
    /// Content type served.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// A unique key (the file's name under the attachments folder, for files stored before
    /// migration 0045).
    pub storage_key: String,
}

/// Records an attachment with its contents.
pub async fn insert_attachment(
    tx: &mut Tx,
    a: &Attachment,
    bytes: &[u8],
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let id: i64 = with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO report_attachments (report_id, file_name, content_type, size, storage_key, uploaded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(a.report_id)
    .bind(&a.file_name)
    .bind(&a.content_type)
    .bind(a.size)
    .bind(&a.storage_key)
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?
    });
    put_contents(tx, id, bytes).await?;
    Ok(id)
}

/// Stores an attachment's contents.
pub async fn put_contents(tx: &mut Tx, id: i64, bytes: &[u8]) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "INSERT INTO report_attachment_contents (attachment_id, bytes) VALUES ($1, $2)"
    )
    .bind(id)
    .bind(bytes)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// An attachment's contents (`None` for a file stored before migration 0045 not moved in yet).
pub async fn find_contents(db: &Db, id: i64) -> AppResult<Option<Vec<u8>>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT bytes FROM report_attachment_contents WHERE attachment_id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?))
}

/// Attachments whose contents are still a file in the data folder: `(id, storage key)`.
pub async fn attachments_without_contents(db: &Db) -> AppResult<Vec<(i64, String)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT a.id, a.storage_key FROM report_attachments a
         WHERE NOT EXISTS (SELECT 1 FROM report_attachment_contents c WHERE c.attachment_id = a.id)
         ORDER BY a.id"
    )
    .fetch_all(pool)
    .await?))
}

/// Attachments of a report.
pub async fn list_attachments(db: &Db, report_id: i64) -> AppResult<Vec<Attachment>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, report_id, file_name, content_type, size, storage_key FROM report_attachments WHERE report_id = $1 ORDER BY id"
    )
    .bind(report_id)
    .fetch_all(pool)
    .await?
    }))
}

/// One attachment.
pub async fn find_attachment(db: &Db, id: i64) -> AppResult<Option<Attachment>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, report_id, file_name, content_type, size, storage_key FROM report_attachments WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    }))
}

/// Removes an attachment's row and contents.
pub async fn delete_attachment(tx: &mut Tx, id: i64) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "DELETE FROM report_attachment_contents WHERE attachment_id = $1"
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    with_conn!(tx, |conn| sqlx::query(
        "DELETE FROM report_attachments WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}
