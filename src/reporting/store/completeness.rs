//! Completeness of reporting: who sent which report, per period, and the state codes of the grid.

use crate::db::{Db, placeholders};
use crate::error::AppResult;
use crate::with_db;

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
