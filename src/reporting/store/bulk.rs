//! Bulk loading of reports and streams (benchmarks, large demos).

use chrono::{DateTime, Utc};

use crate::db::Tx;
use crate::error::AppResult;
use crate::reporting::model::{Status, StreamInput};
use crate::with_conn;

/// A report row for bulk loading (benchmarks, large demos).
pub struct BulkReport {
    /// Unit.
    pub unit_id: i64,
    /// Period.
    pub period: String,
    /// Status.
    pub status: Status,
    /// Due.
    pub due_at: DateTime<Utc>,
    /// First submission.
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Inserts many reports of one type in one transaction; returns their ids in order.
pub async fn insert_reports_bulk(
    tx: &mut Tx,
    type_id: i64,
    rows: &[BulkReport],
    now: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = with_conn!(tx, |conn| {
            sqlx::query_scalar(
            "INSERT INTO reports (report_type_id, unit_id, period, status, due_at, lock_at, first_submitted_at,
               submitted_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5, $6, $6, $7, $7) RETURNING id",
        )
        .bind(type_id)
        .bind(r.unit_id)
        .bind(&r.period)
        .bind(r.status.key())
        .bind(r.due_at)
        .bind(r.submitted_at)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
        });
        ids.push(id);
    }
    Ok(ids)
}

/// Inserts many streams, each in the given report, in one transaction.
pub async fn insert_streams_bulk(
    tx: &mut Tx,
    rows: &[(StreamInput, Option<i64>)],
    now: DateTime<Utc>,
) -> AppResult<()> {
    for (s, report) in rows {
        with_conn!(tx, |conn| {
            sqlx::query(
            "INSERT INTO streams (client_id, unit_id, period, topic_id, summary, scope, breadth, direction, intensity,
               strata, areas, causes, forecast, recommendation, evidence, report_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)",
        )
        .bind(&s.client_id)
        .bind(s.unit_id)
        .bind(&s.period)
        .bind(s.topic_id)
        .bind(&s.summary)
        .bind(&s.scope)
        .bind(&s.breadth)
        .bind(s.direction.key())
        .bind(&s.intensity)
        .bind(&s.strata)
        .bind(&s.areas)
        .bind(&s.causes)
        .bind(&s.forecast)
        .bind(&s.recommendation)
        .bind(&s.evidence)
        .bind(*report)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
    }
    Ok(())
}
