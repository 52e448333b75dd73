//! The uploads of scans and the pages read from them.

use chrono::{DateTime, Utc};

use crate::db::Tx;
use crate::error::AppResult;
use crate::surveys::paper::model::PageStatus;
use crate::with_conn;

/// Records an upload; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_scan(
    tx: &mut Tx,
    survey_id: i64,
    file_name: &str,
    size: i64,
    sha256: &str,
    pages: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "INSERT INTO paper_scans (survey_id, file_name, size, sha256, pages, user_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(survey_id)
    .bind(file_name)
    .bind(size)
    .bind(sha256)
    .bind(pages)
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?))
}

/// A page of an upload as read.
pub struct NewPage<'a> {
    /// 0-based in the file.
    pub index: i64,
    /// Its sheet, when known.
    pub sheet_id: Option<i64>,
    /// Its page number on the sheet.
    pub page_number: Option<i64>,
    /// What became of it.
    pub status: PageStatus,
    /// The message shown for it.
    pub message: &'a str,
    /// The reading (JSON, crops left out).
    pub reading: Option<&'a str>,
}

/// Records a page; returns its id, or `None` when the page of its sheet was taken meanwhile by
/// another upload (`paper_pages_once`: the caller records it as a duplicate instead).
pub async fn insert_page(tx: &mut Tx, scan_id: i64, p: &NewPage<'_>) -> AppResult<Option<i64>> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO paper_pages (scan_id, page_index, sheet_id, page_number, status, message, reading)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (sheet_id, page_number) WHERE status IN ('read', 'verify') DO NOTHING
         RETURNING id"
    )
    .bind(scan_id)
    .bind(p.index)
    .bind(p.sheet_id)
    .bind(p.page_number)
    .bind(p.status.key())
    .bind(p.message)
    .bind(p.reading)
    .fetch_optional(&mut *conn)
    .await?
    }))
}
