//! Hot-spot tasks, their comments, and the in-app notices of assignments.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::hotspots::model::TaskStatus;
use crate::{with_conn, with_db};

/// A task as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Task {
    /// Id.
    pub id: i64,
    /// Its hot spot.
    pub hotspot_id: i64,
    /// The scenario step it came from.
    pub step_id: Option<i64>,
    /// What to do.
    pub title: String,
    /// Detail (the orientation message to prepare, for a scenario step).
    pub detail: String,
    /// The unit it is assigned to (or a partner).
    pub unit_id: Option<i64>,
    /// The partner organisation it is assigned to (or a unit).
    pub partner_id: Option<i64>,
    /// Due day.
    pub due_on: NaiveDate,
    /// Status.
    pub status: TaskStatus,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When done.
    pub done_at: Option<DateTime<Utc>>,
}

const TASK_SELECT: &str = "SELECT id, hotspot_id, step_id, title, detail, unit_id, partner_id, \
    due_on, status, created_at, updated_at, done_at FROM hotspot_tasks";

/// A new task.
pub struct NewTask<'a> {
    /// Step.
    pub step_id: Option<i64>,
    /// Title.
    pub title: &'a str,
    /// Detail.
    pub detail: &'a str,
    /// Unit.
    pub unit_id: Option<i64>,
    /// Partner.
    pub partner_id: Option<i64>,
    /// Due day.
    pub due_on: NaiveDate,
}

/// Inserts an open task; returns its id.
pub async fn insert_task(
    tx: &mut Tx,
    hotspot_id: i64,
    t: &NewTask<'_>,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO hotspot_tasks (hotspot_id, step_id, title, detail, unit_id, partner_id,
                due_on, status, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(hotspot_id)
        .bind(t.step_id)
        .bind(t.title)
        .bind(t.detail)
        .bind(t.unit_id)
        .bind(t.partner_id)
        .bind(t.due_on)
        .bind(TaskStatus::Open.key())
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    }))
}

/// How many tasks a hot spot has.
pub async fn count_tasks_in(tx: &mut Tx, hotspot_id: i64) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "SELECT COUNT(*) FROM hotspot_tasks WHERE hotspot_id = $1"
    )
    .bind(hotspot_id)
    .fetch_one(&mut *conn)
    .await?))
}

/// A hot spot's tasks by due day.
pub async fn list_tasks(db: &Db, hotspot_id: i64) -> AppResult<Vec<Task>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{TASK_SELECT} WHERE hotspot_id = $1 ORDER BY due_on, id"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(hotspot_id)
        .fetch_all(pool)
        .await?))
}

/// One task.
pub async fn find_task(db: &Db, id: i64) -> AppResult<Option<Task>> {
    let sql = sqlx::AssertSqlSafe(format!("{TASK_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// One task, inside a transaction.
pub async fn find_task_in(tx: &mut Tx, id: i64) -> AppResult<Option<Task>> {
    let sql = sqlx::AssertSqlSafe(format!("{TASK_SELECT} WHERE id = $1"));
    Ok(with_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?))
}

/// Sets a task's status.
pub async fn set_task_status(
    tx: &mut Tx,
    id: i64,
    status: TaskStatus,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let done: Option<DateTime<Utc>> = (status == TaskStatus::Done).then_some(now);
    with_conn!(tx, |conn| {
        sqlx::query(
            "UPDATE hotspot_tasks SET status = $1, done_at = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(status.key())
        .bind(done)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// The tasks assigned to `units` (open ones only when `open_only`), by due day (at most 500).
pub async fn tasks_of_units(db: &Db, units: &[i64], open_only: bool) -> AppResult<Vec<Task>> {
    let mut out: Vec<Task> = Vec::new();
    let cond = if open_only {
        " AND status IN ('open', 'in_progress')"
    } else {
        ""
    };
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "{TASK_SELECT} WHERE unit_id IN ({}){cond} ORDER BY due_on, id LIMIT 500",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Task> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.id.cmp(&b.id)));
    out.truncate(500);
    Ok(out)
}

/// Open tasks due before `today` of hot spots kept by `units` or assigned to `units`, by due day
/// (at most 200).
pub async fn overdue_tasks(db: &Db, units: &[i64], today: NaiveDate) -> AppResult<Vec<Task>> {
    let mut out: Vec<Task> = Vec::new();
    for chunk in units.chunks(400) {
        let list = placeholders(2, chunk.len());
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT t.id, t.hotspot_id, t.step_id, t.title, t.detail, t.unit_id, t.partner_id,
                    t.due_on, t.status, t.created_at, t.updated_at, t.done_at
             FROM hotspot_tasks t JOIN hotspots h ON h.id = t.hotspot_id
             WHERE t.status IN ('open', 'in_progress') AND t.due_on < $1
               AND (h.unit_id IN ({list}) OR t.unit_id IN ({list}))
             ORDER BY t.due_on, t.id LIMIT 200"
        ));
        let rows: Vec<Task> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql).bind(today);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.id.cmp(&b.id)));
    out.dedup_by_key(|t| t.id);
    out.truncate(200);
    Ok(out)
}

/// A comment on a task.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Comment {
    /// Who.
    pub user_id: Option<i64>,
    /// What.
    pub body: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Adds a comment.
pub async fn insert_comment(
    tx: &mut Tx,
    task_id: i64,
    user_id: i64,
    body: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO hotspot_task_comments (task_id, user_id, body, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(task_id)
        .bind(user_id)
        .bind(body)
        .bind(now)
        .execute(&mut *conn)
        .await?
            .rows_affected()
    });
    Ok(())
}

/// A task's comments, oldest first.
pub async fn list_comments(db: &Db, task_id: i64) -> AppResult<Vec<Comment>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT user_id, body, at FROM hotspot_task_comments WHERE task_id = $1 ORDER BY id"
    )
    .bind(task_id)
    .fetch_all(pool)
    .await?))
}

/// An in-app notice.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Notice {
    /// Task.
    pub task_id: Option<i64>,
    /// What happened (`assigned`, `comment`, `status`).
    pub kind: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When read.
    pub read_at: Option<DateTime<Utc>>,
}

/// Adds a notice for a user.
pub async fn insert_notice(
    tx: &mut Tx,
    user_id: i64,
    hotspot_id: i64,
    task_id: Option<i64>,
    kind: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO hotspot_notices (user_id, hotspot_id, task_id, kind, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(hotspot_id)
        .bind(task_id)
        .bind(kind)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// A user's latest notices (at most 50), newest first.
pub async fn list_notices(db: &Db, user_id: i64) -> AppResult<Vec<Notice>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT task_id, kind, created_at, read_at FROM hotspot_notices
         WHERE user_id = $1 ORDER BY id DESC LIMIT 50"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?))
}

/// Marks a user's notices read.
pub async fn mark_notices_read(db: &Db, user_id: i64, now: DateTime<Utc>) -> AppResult<u64> {
    Ok(with_db!(db, |pool| sqlx::query(
        "UPDATE hotspot_notices SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL"
    )
    .bind(now)
    .bind(user_id)
    .execute(pool)
    .await?
    .rows_affected()))
}
