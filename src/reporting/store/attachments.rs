//! Attachments of reports (their rows; the files live in the upload directory).

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
    /// File name under the attachments folder.
    pub storage_key: String,
}

/// Records an attachment whose file is already written.
pub async fn insert_attachment(
    tx: &mut Tx,
    a: &Attachment,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
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
    }))
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

/// Removes an attachment's row.
pub async fn delete_attachment(tx: &mut Tx, id: i64) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "DELETE FROM report_attachments WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}
