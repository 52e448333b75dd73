//! Frames, their rows and contacts.

use crate::surveys::fieldwork::model::{Contact, Frame};
use chrono::{DateTime, Utc};

use super::{CHUNK, values};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::{with_conn, with_db};

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
