//! All SQL of reporting: topics, report types and their assigned units, reports and their events,
//! opinion streams, city streams of the synthesis, and the completeness rows.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::{AppError, AppResult};
use crate::reporting::model::StreamInput;
use crate::{with_conn, with_db};

/// `$start, $start+1, …` placeholders for an `IN (…)` list of `n` values.
/// A topic of the taxonomy.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Topic {
    /// Id.
    pub id: i64,
    /// Stable key.
    pub key: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
}

/// The active topics, in order.
pub async fn list_topics(db: &Db) -> AppResult<Vec<Topic>> {
    let sql =
        "SELECT id, key, name_vi, name_en FROM report_topics WHERE active ORDER BY sort_order, id";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await?))
}

/// A report type.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReportType {
    /// Id.
    pub id: i64,
    /// Kind key.
    pub kind: String,
    /// Name.
    pub name: String,
    /// What the units are asked.
    pub instructions: String,
    /// Due day.
    pub due_day: i32,
    /// Lock after days.
    pub lock_after_days: i32,
    /// Hours of a quick report.
    pub due_hours: i32,
    /// Deadline of thematic and ad-hoc types.
    pub deadline: Option<DateTime<Utc>>,
    /// The centre's unit that owns the type.
    pub owner_unit_id: i64,
    /// Assigned units.
    pub assigned: i64,
}

const TYPE_SELECT: &str = "SELECT t.id, t.kind, t.name, t.instructions, t.due_day, t.lock_after_days, t.due_hours,
    t.deadline, t.owner_unit_id, (SELECT COUNT(*) FROM report_type_units a WHERE a.report_type_id = t.id) AS assigned
    FROM report_types t";

/// A new report type.
pub struct NewType<'a> {
    /// Kind key.
    pub kind: &'a str,
    /// Name.
    pub name: &'a str,
    /// Instructions.
    pub instructions: &'a str,
    /// Due day.
    pub due_day: i32,
    /// Lock after days.
    pub lock_after_days: i32,
    /// Hours of a quick report.
    pub due_hours: i32,
    /// Deadline.
    pub deadline: Option<DateTime<Utc>>,
    /// Owner unit.
    pub owner_unit_id: i64,
}

/// Inserts a report type with its assigned units, in one transaction.
pub async fn insert_type(
    tx: &mut Tx,
    t: &NewType<'_>,
    units: &[i64],
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let id: i64 = with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO report_types (kind, name, instructions, due_day, lock_after_days, due_hours, deadline,
         owner_unit_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(t.kind)
    .bind(t.name)
    .bind(t.instructions)
    .bind(t.due_day)
    .bind(t.lock_after_days)
    .bind(t.due_hours)
    .bind(t.deadline)
    .bind(t.owner_unit_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?
    });
    add_type_units(tx, id, units).await?;
    Ok(id)
}

/// Adds assigned units to a type (those already assigned are kept).
pub async fn add_type_units(tx: &mut Tx, type_id: i64, units: &[i64]) -> AppResult<()> {
    for u in units {
        with_conn!(tx, |conn| {
            sqlx::query(
            "INSERT INTO report_type_units (report_type_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        )
        .bind(type_id)
        .bind(*u)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
    }
    Ok(())
}

/// Every active report type.
pub async fn list_types(db: &Db) -> AppResult<Vec<ReportType>> {
    let sql = sqlx::AssertSqlSafe(format!("{TYPE_SELECT} WHERE t.active ORDER BY t.id"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await?))
}

/// One report type.
pub async fn find_type(db: &Db, id: i64) -> AppResult<Option<ReportType>> {
    let sql = sqlx::AssertSqlSafe(format!("{TYPE_SELECT} WHERE t.id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The units assigned to a type.
pub async fn list_type_units(db: &Db, type_id: i64) -> AppResult<Vec<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT unit_id FROM report_type_units WHERE report_type_id = $1 ORDER BY unit_id"
    )
    .bind(type_id)
    .fetch_all(pool)
    .await?))
}

/// `(type id, unit id)` of every assignment of the given units.
pub async fn list_assignments(db: &Db, units: &[i64]) -> AppResult<Vec<(i64, i64)>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT a.report_type_id, a.unit_id FROM report_type_units a JOIN report_types t ON t.id = a.report_type_id
         WHERE t.active AND a.unit_id IN ({}) ORDER BY a.report_type_id, a.unit_id",
        placeholders(1, units.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

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
    pub kind: String,
    /// Owner of the type (the reviewing centre).
    pub owner_unit_id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Period.
    pub period: String,
    /// Status key.
    pub status: String,
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
    from: &str,
    to: &str,
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
    .bind(to)
    .bind(now)
    .bind(submitted)
    .bind(lock_at)
    .bind(id)
    .bind(from)
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
    .bind(to)
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
    pub action: String,
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

/// A stored opinion stream.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Stream {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Month.
    pub period: String,
    /// Topic.
    pub topic_id: i64,
    /// Summary.
    pub summary: String,
    /// Scope key.
    pub scope: String,
    /// Breadth key.
    pub breadth: String,
    /// Direction key.
    pub direction: String,
    /// Intensity key.
    pub intensity: String,
    /// Strata.
    pub strata: String,
    /// Areas.
    pub areas: String,
    /// Causes.
    pub causes: String,
    /// Forecast.
    pub forecast: String,
    /// Recommendation.
    pub recommendation: String,
    /// Evidence links.
    pub evidence: String,
    /// Report it is in.
    pub report_id: Option<i64>,
    /// City stream it is merged into.
    pub city_stream_id: Option<i64>,
}

const STREAM_SELECT: &str = "SELECT s.id, s.unit_id, s.period, s.topic_id, s.summary, s.scope, s.breadth, s.direction,
    s.intensity, s.strata, s.areas, s.causes, s.forecast, s.recommendation, s.evidence, s.report_id, s.city_stream_id
    FROM streams s";

/// Inserts a stream; a second call with the same client id returns the first stream's id.
pub async fn insert_stream(
    tx: &mut Tx,
    s: &StreamInput,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<(i64, bool)> {
    let created: Option<i64> = with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO streams (client_id, unit_id, period, topic_id, summary, scope, breadth, direction, intensity,
           strata, areas, causes, forecast, recommendation, evidence, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
         ON CONFLICT (client_id) DO NOTHING RETURNING id"
    )
    .bind(&s.client_id)
    .bind(s.unit_id)
    .bind(&s.period)
    .bind(s.topic_id)
    .bind(&s.summary)
    .bind(&s.scope)
    .bind(&s.breadth)
    .bind(&s.direction)
    .bind(&s.intensity)
    .bind(&s.strata)
    .bind(&s.areas)
    .bind(&s.causes)
    .bind(&s.forecast)
    .bind(&s.recommendation)
    .bind(&s.evidence)
    .bind(user_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?
    });
    if let Some(id) = created {
        return Ok((id, true));
    }
    let id: i64 = with_conn!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM streams WHERE client_id = $1"
    )
    .bind(&s.client_id)
    .fetch_one(&mut *conn)
    .await?);
    Ok((id, false))
}

/// One stream.
pub async fn find_stream(db: &Db, id: i64) -> AppResult<Option<Stream>> {
    let sql = sqlx::AssertSqlSafe(format!("{STREAM_SELECT} WHERE s.id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Streams of the given units, of one month or all months (`period` empty), newest first.
pub async fn list_streams_of_units(
    db: &Db,
    units: &[i64],
    period: &str,
    limit: i64,
) -> AppResult<Vec<Stream>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{STREAM_SELECT} WHERE ($1 = '' OR s.period = $1) AND s.unit_id IN ({}) ORDER BY s.period DESC, s.id DESC LIMIT {}",
        placeholders(2, units.len()),
        limit.clamp(1, 20000)
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(period);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// Streams of a report.
pub async fn list_report_streams(db: &Db, report_id: i64) -> AppResult<Vec<Stream>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{STREAM_SELECT} WHERE s.report_id = $1 ORDER BY s.scope, s.topic_id, s.id"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(report_id)
        .fetch_all(pool)
        .await?))
}

/// Every stream of a month that is in a submitted or accepted report, or merged already.
pub async fn list_period_streams(db: &Db, period: &str) -> AppResult<Vec<Stream>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{STREAM_SELECT} LEFT JOIN reports r ON r.id = s.report_id
         WHERE s.period = $1 AND (s.city_stream_id IS NOT NULL OR r.status IN ('submitted', 'accepted'))
         ORDER BY s.topic_id, s.city_stream_id, s.id"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(period)
        .fetch_all(pool)
        .await?))
}

/// A stream of the synthesis as integers only.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct StreamKey {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Topic.
    pub topic_id: i64,
    /// City stream it is merged into.
    pub city_stream_id: Option<i64>,
}

/// The streams of [`list_period_streams`] as integers only, in the same order.
pub async fn list_period_stream_keys(db: &Db, period: &str) -> AppResult<Vec<StreamKey>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT s.id, s.unit_id, s.topic_id, s.city_stream_id FROM streams s LEFT JOIN reports r ON r.id = s.report_id
         WHERE s.period = $1 AND (s.city_stream_id IS NOT NULL OR r.status IN ('submitted', 'accepted'))
         ORDER BY s.topic_id, s.city_stream_id, s.id"
    )
    .bind(period)
    .fetch_all(pool)
    .await?
    }))
}

/// The given streams, ordered by topic, city stream and id.
pub async fn list_streams_by_ids(db: &Db, ids: &[i64]) -> AppResult<Vec<Stream>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let sql = sqlx::AssertSqlSafe(format!(
            "{STREAM_SELECT} WHERE s.id IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Stream> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by_key(|s| (s.topic_id, s.city_stream_id, s.id));
    Ok(out)
}

/// Completeness rows: `(unit, period, status, on time, report id)` of the reports of a type in a period range.
pub async fn list_completeness_rows(
    db: &Db,
    type_id: i64,
    from: &str,
    to: &str,
) -> AppResult<Vec<(i64, String, String, bool, i64)>> {
    let sql = "SELECT unit_id, period, status, id,
                 CASE WHEN first_submitted_at IS NOT NULL AND first_submitted_at <= due_at THEN 1 ELSE 0 END AS on_time
               FROM reports WHERE report_type_id = $1 AND period >= $2 AND period <= $3";
    let rows: Vec<(i64, String, String, i64, i32)> = with_db!(db, |pool| sqlx::query_as(sql)
        .bind(type_id)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?);
    Ok(rows
        .into_iter()
        .map(|(u, p, s, id, t)| (u, p, s, t == 1, id))
        .collect())
}

/// The state code of a unit-period without a report.
pub const CELL_NONE: i32 = -1;

/// Whether a state code of [`list_unit_cells`] is a sent report (submitted or accepted).
pub fn cell_sent(code: i32) -> bool {
    matches!(code >> 1, 1 | 2)
}

/// Whether a state code is a report sent by its due date.
pub fn cell_on_time(code: i32) -> bool {
    code >= 0 && code & 1 == 1
}

/// The status key of a state code.
pub fn cell_status(code: i32) -> &'static str {
    match code >> 1 {
        1 => "submitted",
        2 => "accepted",
        3 => "returned",
        _ => "draft",
    }
}

/// Who sent a type's reports, per period of a range: `(period, units sent, units sent on time)`,
/// the units as comma-separated ids. One row per period, aggregated by the database over the
/// covering index `reports_completeness` (in its order, no sort), so a country × 24 months is 24
/// rows, not 71,712 (sqlx decodes rows one by one, a few microseconds each). `string_agg` is
/// PostgreSQL's and SQLite's (3.44+) name alike.
pub async fn list_period_senders(
    db: &Db,
    type_id: i64,
    from: &str,
    to: &str,
) -> AppResult<Vec<(String, String, String)>> {
    let sql = "SELECT period,
                 COALESCE(string_agg(CASE WHEN status IN ('submitted', 'accepted')
                   THEN CAST(unit_id AS TEXT) END, ','), ''),
                 COALESCE(string_agg(CASE WHEN status IN ('submitted', 'accepted') AND first_submitted_at IS NOT NULL
                   AND first_submitted_at <= due_at THEN CAST(unit_id AS TEXT) END, ','), '')
               FROM reports WHERE report_type_id = $1 AND period >= $2 AND period <= $3
               GROUP BY period";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(type_id)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?))
}

/// The reports of a type for some units and periods: `(unit, period, report id, state code)`,
/// where the code is `status * 2 + on time` (status 0 draft, 1 submitted, 2 accepted, 3 returned;
/// on time = sent and first submitted by the due date); for the grid's own cells (links, and
/// draft or returned shown as such).
pub async fn list_unit_cells(
    db: &Db,
    type_id: i64,
    units: &[i64],
    periods: &[String],
) -> AppResult<Vec<(i64, String, i64, i32)>> {
    let mut out = vec![];
    if periods.is_empty() {
        return Ok(out);
    }
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT unit_id, period, id,
               CAST((CASE status WHEN 'submitted' THEN 2 WHEN 'accepted' THEN 4 WHEN 'returned' THEN 6 ELSE 0 END)
               + (CASE WHEN status IN ('submitted', 'accepted') AND first_submitted_at IS NOT NULL
                       AND first_submitted_at <= due_at THEN 1 ELSE 0 END) AS INTEGER)
             FROM reports WHERE report_type_id = $1 AND period IN ({}) AND unit_id IN ({})",
            placeholders(2, periods.len()),
            placeholders(2 + periods.len(), chunk.len())
        ));
        let rows: Vec<(i64, String, i64, i32)> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql).bind(type_id);
            for p in periods {
                q = q.bind(p);
            }
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// A city stream of the synthesis.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CityStream {
    /// Id.
    pub id: i64,
    /// Month.
    pub period: String,
    /// Topic.
    pub topic_id: i64,
    /// Summary.
    pub summary: String,
    /// Scope.
    pub scope: String,
    /// Direction.
    pub direction: String,
    /// Causes.
    pub causes: String,
    /// Forecast.
    pub forecast: String,
    /// Recommendation.
    pub recommendation: String,
    /// Owner (the centre).
    pub owner_unit_id: i64,
}

const CITY_SELECT: &str =
    "SELECT id, period, topic_id, summary, scope, direction, causes, forecast, recommendation,
    owner_unit_id FROM city_streams";

/// City streams of a month.
pub async fn list_city_streams(db: &Db, period: &str) -> AppResult<Vec<CityStream>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{CITY_SELECT} WHERE period = $1 ORDER BY topic_id, id"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(period)
        .fetch_all(pool)
        .await?))
}

/// One city stream.
pub async fn find_city_stream(db: &Db, id: i64) -> AppResult<Option<CityStream>> {
    let sql = sqlx::AssertSqlSafe(format!("{CITY_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Merges streams into a new city stream (its text taken from `seed`), or into `into` when given;
/// streams already merged elsewhere move. Returns the city stream's id.
pub async fn merge_streams(
    tx: &mut Tx,
    into: Option<i64>,
    seed: &Stream,
    ids: &[i64],
    owner_unit_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let city_id: i64 = match into {
        Some(id) => id,
        None => with_conn!(tx, |conn| {
            sqlx::query_scalar(
            "INSERT INTO city_streams (period, topic_id, summary, scope, direction, causes, forecast, recommendation,
               owner_unit_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(&seed.period)
        .bind(seed.topic_id)
        .bind(&seed.summary)
        .bind(&seed.scope)
        .bind(&seed.direction)
        .bind(&seed.causes)
        .bind(&seed.forecast)
        .bind(&seed.recommendation)
        .bind(owner_unit_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
        }),
    };
    for id in ids {
        with_conn!(tx, |conn| sqlx::query(
            "UPDATE streams SET city_stream_id = $1 WHERE id = $2 AND period = $3"
        )
        .bind(city_id)
        .bind(*id)
        .bind(&seed.period)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    }
    with_conn!(tx, |conn| {
        sqlx::query(
        "DELETE FROM city_streams WHERE period = $1 AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.city_stream_id = city_streams.id)",
    )
    .bind(&seed.period)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(city_id)
}

/// Takes a stream out of its city stream; a city stream left empty is removed.
pub async fn unmerge_stream(tx: &mut Tx, city_id: i64, stream_id: i64) -> AppResult<bool> {
    let n = with_conn!(tx, |conn| sqlx::query(
        "UPDATE streams SET city_stream_id = NULL WHERE id = $1 AND city_stream_id = $2",
    )
    .bind(stream_id)
    .bind(city_id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    let gone = with_conn!(tx, |conn| {
        sqlx::query(
        "DELETE FROM city_streams WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.city_stream_id = $1)",
    )
    .bind(city_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(gone > 0)
}

/// The edited text of a city stream.
pub struct CityText<'a> {
    /// Summary.
    pub summary: &'a str,
    /// Scope key.
    pub scope: &'a str,
    /// Direction key.
    pub direction: &'a str,
    /// Causes.
    pub causes: &'a str,
    /// Forecast.
    pub forecast: &'a str,
    /// Recommendation.
    pub recommendation: &'a str,
}

/// Saves a city stream's text.
pub async fn update_city_stream(
    tx: &mut Tx,
    id: i64,
    t: &CityText<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let n = with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE city_streams SET summary = $1, scope = $2, direction = $3, causes = $4, forecast = $5,
           recommendation = $6, updated_at = $7 WHERE id = $8"
    )
    .bind(t.summary)
    .bind(t.scope)
    .bind(t.direction)
    .bind(t.causes)
    .bind(t.forecast)
    .bind(t.recommendation)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
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

/// A unit's reminder address and the language its messages are written in.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Contact {
    /// Unit.
    pub unit_id: i64,
    /// E-mail address.
    pub email: String,
    /// Language code (`vi`, `en`).
    pub lang: String,
}

/// Reminder addresses of units.
pub async fn list_contacts(db: &Db) -> AppResult<Vec<Contact>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT unit_id, email, lang FROM report_unit_contacts ORDER BY unit_id"
    )
    .fetch_all(pool)
    .await?))
}

/// Sets reminder addresses, all or nothing.
pub async fn upsert_contacts(tx: &mut Tx, rows: &[Contact], now: DateTime<Utc>) -> AppResult<()> {
    for c in rows {
        with_conn!(tx, |conn| {
            sqlx::query(
            "INSERT INTO report_unit_contacts (unit_id, email, lang, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (unit_id) DO UPDATE SET email = excluded.email, lang = excluded.lang,
               updated_at = excluded.updated_at",
        )
        .bind(c.unit_id)
        .bind(&c.email)
        .bind(&c.lang)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
    }
    Ok(())
}

/// An in-app notification to store: rendered when read, in the reader's language, from its
/// message key and arguments; `message` (Vietnamese) is kept for readers of the raw table.
pub struct NewNotification<'a> {
    /// Idempotency key.
    pub key: &'a str,
    /// Unit whose users see it.
    pub unit_id: i64,
    /// The message in Vietnamese.
    pub message: &'a str,
    /// Fluent message key.
    pub message_key: &'a str,
    /// Its arguments, a JSON object of strings.
    pub args: &'a str,
    /// Where it leads.
    pub link: &'a str,
}

/// Adds an in-app notification for a unit unless one with the same key exists.
pub async fn insert_notification(
    tx: &mut Tx,
    n: &NewNotification<'_>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let added = with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO report_notifications (key, unit_id, message, message_key, args, link, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (key) DO NOTHING"
    )
    .bind(n.key)
    .bind(n.unit_id)
    .bind(n.message)
    .bind(n.message_key)
    .bind(n.args)
    .bind(n.link)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(added == 1)
}

/// A stored notification.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Notification {
    /// The message in Vietnamese (older rows: the only text).
    pub message: String,
    /// Fluent message key, or empty.
    pub message_key: String,
    /// Its arguments (JSON object).
    pub args: String,
    /// Where it leads.
    pub link: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The latest notifications of the given units.
pub async fn list_notifications(db: &Db, units: &[i64]) -> AppResult<Vec<Notification>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT message, message_key, args, link, created_at FROM report_notifications WHERE unit_id IN ({})
         ORDER BY created_at DESC, id DESC LIMIT 20",
        placeholders(1, units.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// A report row for bulk loading (benchmarks, large demos).
pub struct BulkReport {
    /// Unit.
    pub unit_id: i64,
    /// Period.
    pub period: String,
    /// Status key.
    pub status: &'static str,
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
        .bind(r.status)
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
        .bind(&s.direction)
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

/// Reference for the benchmark: the completeness counts of a type and period range in one
/// aggregate query (no grid, no subtree).
pub async fn count_completeness(
    db: &Db,
    type_id: i64,
    from: &str,
    to: &str,
) -> AppResult<(i64, i64)> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN first_submitted_at <= due_at THEN 1 ELSE 0 END), 0)
         FROM reports WHERE report_type_id = $1 AND period >= $2 AND period <= $3 AND status IN ('submitted', 'accepted')"
    )
    .bind(type_id)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?
    }))
}

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

/// Streams after `after_id` for opinion monitoring: `(id, unit, topic key, direction, summary,
/// causes, forecast, created at)`.
#[allow(clippy::type_complexity)]
pub async fn list_streams_after(
    db: &Db,
    after_id: i64,
    limit: i64,
) -> AppResult<
    Vec<(
        i64,
        i64,
        String,
        String,
        String,
        String,
        String,
        DateTime<Utc>,
    )>,
> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT s.id, s.unit_id, t.key, s.direction, s.summary, s.causes, s.forecast, s.created_at
         FROM streams s JOIN report_topics t ON t.id = s.topic_id WHERE s.id > $1 ORDER BY s.id LIMIT $2"
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?
    }))
}
