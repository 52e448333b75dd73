//! Topics of the taxonomy, report types and the units assigned to them.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::reporting::model::ReportKind;
use crate::{with_conn, with_db};

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
    /// Kind.
    #[sqlx(try_from = "String")]
    pub kind: ReportKind,
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
    /// Kind.
    pub kind: ReportKind,
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
    .bind(t.kind.key())
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
