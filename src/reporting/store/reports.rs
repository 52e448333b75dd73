//! Reports: opening, listing, saving their text, status moves and their event history.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::{AppError, AppResult};
use crate::reporting::model::{ReportKind, Status};
use crate::{with_conn, with_db};

/// A report with its type.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Report {
    /// Id.
    pub id: i64,
    /// Type.
    pub report_type_id: i64,
    /// Type name.
    pub type_name: String,
    /// Type kind.
    #[sqlx(try_from = "String")]
    pub kind: ReportKind,
    /// Owner of the type (the reviewing centre).
    pub owner_unit_id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Period.
    pub period: String,
    /// Where it stands in the workflow.
    #[sqlx(try_from = "String")]
    pub status: Status,
    /// Due.
    pub due_at: DateTime<Utc>,
    /// Locks at.
    pub lock_at: DateTime<Utc>,
    /// General mood.
    pub general_mood: String,
    /// Causes.
    pub causes: String,
    /// Forecast.
    pub forecast: String,
    /// Recommendations.
    pub recommendations: String,
    /// First submission.
    pub first_submitted_at: Option<DateTime<Utc>>,
    /// Last submission.
    pub submitted_at: Option<DateTime<Utc>>,
}

const REPORT_SELECT: &str = "SELECT r.id, r.report_type_id, t.name AS type_name, t.kind, t.owner_unit_id, r.unit_id,
    r.period, r.status, r.due_at, r.lock_at, r.general_mood, r.causes, r.forecast, r.recommendations,
    r.first_submitted_at, r.submitted_at FROM reports r JOIN report_types t ON t.id = r.report_type_id";

/// One report.
pub async fn find_report(db: &Db, id: i64) -> AppResult<Option<Report>> {
    let sql = sqlx::AssertSqlSafe(format!("{REPORT_SELECT} WHERE r.id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The report of a unit for a type and period, created as a draft if missing; returns its id
/// and whether it was created.
pub async fn open_report(
    tx: &mut Tx,
    type_id: i64,
    unit_id: i64,
    period: &str,
    due_at: DateTime<Utc>,
    lock_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<(i64, bool)> {
    let created: Option<i64> = with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO reports (report_type_id, unit_id, period, status, due_at, lock_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'draft', $4, $5, $6, $6) ON CONFLICT (report_type_id, unit_id, period) DO NOTHING RETURNING id"
    )
    .bind(type_id)
    .bind(unit_id)
    .bind(period)
    .bind(due_at)
    .bind(lock_at)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?
    });
    if let Some(id) = created {
        return Ok((id, true));
    }
    let id: i64 = with_conn!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM reports WHERE report_type_id = $1 AND unit_id = $2 AND period = $3"
    )
    .bind(type_id)
    .bind(unit_id)
    .bind(period)
    .fetch_one(&mut *conn)
    .await?);
    Ok((id, false))
}

/// Reports of the given units, newest period first (at most `limit`).
pub async fn list_reports_of_units(db: &Db, units: &[i64], limit: i64) -> AppResult<Vec<Report>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{REPORT_SELECT} WHERE r.unit_id IN ({}) ORDER BY r.period DESC, r.id DESC LIMIT {}",
        placeholders(1, units.len()),
        limit.clamp(1, 5000)
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// Reports waiting for review (submitted) of types owned by the given units.
pub async fn list_submitted(db: &Db, owners: &[i64]) -> AppResult<Vec<Report>> {
    if owners.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{REPORT_SELECT} WHERE r.status = 'submitted' AND t.owner_unit_id IN ({}) ORDER BY r.submitted_at LIMIT 500",
        placeholders(1, owners.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for u in owners {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// The text of a report's skeleton.
pub struct ReportText<'a> {
    /// General mood.
    pub general_mood: &'a str,
    /// Causes.
    pub causes: &'a str,
    /// Forecast.
    pub forecast: &'a str,
    /// Recommendations.
    pub recommendations: &'a str,
}

/// Saves a report's text and the set of its streams, if its status is still `expected_status`
/// (else a conflict: someone else moved it).
pub async fn update_report_text(
    tx: &mut Tx,
    id: i64,
    expected_status: &str,
    text: &ReportText<'_>,
    streams: &[i64],
    unit_streams: &[i64],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let n = with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE reports SET general_mood = $1, causes = $2, forecast = $3, recommendations = $4, updated_at = $5
         WHERE id = $6 AND status = $7",
    )
    .bind(text.general_mood)
    .bind(text.causes)
    .bind(text.forecast)
    .bind(text.recommendations)
    .bind(now)
    .bind(id)
    .bind(expected_status)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    if n == 0 {
        return Err(AppError::Conflict("reporting-report-error-changed"));
    }
    with_conn!(tx, |conn| sqlx::query(
        "UPDATE streams SET report_id = NULL WHERE report_id = $1"
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    for s in streams.iter().filter(|s| unit_streams.contains(s)) {
        with_conn!(tx, |conn| sqlx::query(
            "UPDATE streams SET report_id = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(id)
        .bind(now)
        .bind(*s)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    }
    Ok(())
}

/// Moves a report from `from` to `to` and records the event, in the caller's transaction.
/// `lock_at` replaces the lock date when given (reopening); `submitted` stamps the submission.
#[allow(clippy::too_many_arguments)]
pub async fn update_status(
    tx: &mut Tx,
    id: i64,
    from: Status,
    to: Status,
    submitted: bool,
    lock_at: Option<DateTime<Utc>>,
    actor: (Option<i64>, &str),
    comment: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let n = with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE reports SET status = $1, updated_at = $2,
           submitted_at = CASE WHEN $3 THEN $2 ELSE submitted_at END,
           first_submitted_at = CASE WHEN $3 AND first_submitted_at IS NULL THEN $2 ELSE first_submitted_at END,
           reviewed_at = CASE WHEN $1 IN ('accepted', 'returned') THEN $2 ELSE reviewed_at END,
           lock_at = COALESCE($4, lock_at)
         WHERE id = $5 AND status = $6",
    )
    .bind(to.key())
    .bind(now)
    .bind(submitted)
    .bind(lock_at)
    .bind(id)
    .bind(from.key())
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    if n == 0 {
        return Err(AppError::Conflict("reporting-report-error-changed"));
    }
    with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO report_events (report_id, at, user_id, username, action, comment) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(now)
    .bind(actor.0)
    .bind(actor.1)
    .bind(to.key())
    .bind(comment)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(())
}

/// An event of a report's history.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Event {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub username: String,
    /// The status it moved to.
    #[sqlx(try_from = "String")]
    pub action: Status,
    /// Comment or reason.
    pub comment: String,
}

/// A report's history, oldest first.
pub async fn list_events(db: &Db, report_id: i64) -> AppResult<Vec<Event>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT at, username, action, comment FROM report_events WHERE report_id = $1 ORDER BY at, id"
    )
    .bind(report_id)
    .fetch_all(pool)
    .await?
    }))
}

/// Units of a type that have sent (submitted or accepted) their report of `period`.
pub async fn list_sent_units(db: &Db, type_id: i64, period: &str) -> AppResult<Vec<i64>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar(
        "SELECT unit_id FROM reports WHERE report_type_id = $1 AND period = $2 AND status IN ('submitted', 'accepted')"
    )
    .bind(type_id)
    .bind(period)
    .fetch_all(pool)
    .await?
    }))
}
