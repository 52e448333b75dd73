//! Training's SQL for a course's sessions, their attendance, and training's settings.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// A session as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Session {
    /// Id.
    pub id: i64,
    /// Its course.
    pub course_id: i64,
    /// Its day.
    pub held_on: NaiveDate,
    /// Its start time (`HH:MM`), if given.
    pub starts_at: Option<String>,
    /// Its topic.
    pub topic: String,
    /// Trainer (empty: the course's).
    pub trainer: String,
    /// Place (empty: the course's).
    pub place: String,
}

/// A session's fields as written.
pub struct SessionFields<'a> {
    /// Its day.
    pub held_on: NaiveDate,
    /// Its start time (`HH:MM`).
    pub starts_at: Option<&'a str>,
    /// Its topic.
    pub topic: &'a str,
    /// Trainer (empty: the course's).
    pub trainer: &'a str,
    /// Place (empty: the course's).
    pub place: &'a str,
}

const SESSION_SELECT: &str =
    "SELECT id, course_id, held_on, starts_at, topic, trainer, place FROM training_sessions";

/// Adds a session to a course; returns its id.
pub async fn insert_session(
    tx: &mut Tx,
    course_id: i64,
    s: &SessionFields<'_>,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO training_sessions (course_id, held_on, starts_at, topic, trainer, place,
                created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(course_id)
        .bind(s.held_on)
        .bind(s.starts_at)
        .bind(s.topic)
        .bind(s.trainer)
        .bind(s.place)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    }))
}

/// Changes a session of a course; `false` when the course has no such session.
pub async fn update_session(
    tx: &mut Tx,
    course_id: i64,
    session_id: i64,
    s: &SessionFields<'_>,
) -> AppResult<bool> {
    let n = with_conn!(tx, |conn| {
        sqlx::query(
            "UPDATE training_sessions SET held_on = $1, starts_at = $2, topic = $3, trainer = $4,
                place = $5
             WHERE id = $6 AND course_id = $7",
        )
        .bind(s.held_on)
        .bind(s.starts_at)
        .bind(s.topic)
        .bind(s.trainer)
        .bind(s.place)
        .bind(session_id)
        .bind(course_id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(n > 0)
}

/// Removes a session of a course with its attendance; `None` when the course has no such
/// session, else how many attendance ticks went with it.
pub async fn delete_session(
    tx: &mut Tx,
    course_id: i64,
    session_id: i64,
) -> AppResult<Option<u64>> {
    let ticks = with_conn!(tx, |conn| {
        sqlx::query(
            "DELETE FROM training_attendance WHERE session_id IN
                (SELECT id FROM training_sessions WHERE id = $1 AND course_id = $2)",
        )
        .bind(session_id)
        .bind(course_id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    let n = with_conn!(tx, |conn| {
        sqlx::query("DELETE FROM training_sessions WHERE id = $1 AND course_id = $2")
            .bind(session_id)
            .bind(course_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok((n > 0).then_some(ticks))
}

/// A course's sessions, by day and start time.
pub async fn list_sessions(db: &Db, course_id: i64) -> AppResult<Vec<Session>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SESSION_SELECT} WHERE course_id = $1 ORDER BY held_on, starts_at, id"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(course_id)
        .fetch_all(pool)
        .await?))
}

/// One session of a course.
pub async fn find_session(db: &Db, course_id: i64, session_id: i64) -> AppResult<Option<Session>> {
    let sql = sqlx::AssertSqlSafe(format!("{SESSION_SELECT} WHERE id = $1 AND course_id = $2"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(session_id)
        .bind(course_id)
        .fetch_optional(pool)
        .await?))
}

/// Replaces who attended a session by `participants` (participants of its course, checked by
/// the caller).
pub async fn replace_attendance(
    tx: &mut Tx,
    session_id: i64,
    participants: &[i64],
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query("DELETE FROM training_attendance WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    for p in participants {
        with_conn!(tx, |conn| {
            sqlx::query(
                "INSERT INTO training_attendance (session_id, participant_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(session_id)
            .bind(*p)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
    }
    Ok(())
}

/// Who attended which session of a course: `(session, participant)`.
pub async fn list_attendance(db: &Db, course_id: i64) -> AppResult<Vec<(i64, i64)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT a.session_id, a.participant_id FROM training_attendance a
         JOIN training_sessions s ON s.id = a.session_id
         WHERE s.course_id = $1"
    )
    .bind(course_id)
    .fetch_all(pool)
    .await?))
}

/// Keeps each participant's `attended` of a course in step with the sessions: attended at least
/// one. Called in every transaction that changes a course's sessions or their attendance.
pub async fn sync_attended(tx: &mut Tx, course_id: i64) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "UPDATE training_participants SET attended = EXISTS (
                SELECT 1 FROM training_attendance a WHERE a.participant_id = training_participants.id)
             WHERE course_id = $1",
        )
        .bind(course_id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// The courses of `units` whose days meet `[from, to]`: `(id, first day, last day)`.
pub async fn list_course_spans(
    db: &Db,
    units: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(i64, NaiveDate, NaiveDate)>> {
    let mut out = vec![];
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id, starts_on, ends_on FROM training_courses
             WHERE starts_on <= $2 AND ends_on >= $1 AND unit_id IN ({})",
            placeholders(3, chunk.len())
        ));
        let rows: Vec<(i64, NaiveDate, NaiveDate)> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql).bind(from).bind(to);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// The days of the sessions of `courses`: `(course, day)`.
pub async fn list_session_days(db: &Db, courses: &[i64]) -> AppResult<Vec<(i64, NaiveDate)>> {
    let mut out = vec![];
    for chunk in courses.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT course_id, held_on FROM training_sessions WHERE course_id IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<(i64, NaiveDate)> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for c in chunk {
                q = q.bind(*c);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// The coverage page's default window in months (the deployment's setting), if set.
pub async fn find_coverage_months(db: &Db) -> AppResult<Option<i32>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT coverage_months FROM training_settings WHERE id = 1"
    )
    .fetch_optional(pool)
    .await?))
}

/// Sets the coverage page's default window in months.
pub async fn update_coverage_months(tx: &mut Tx, months: i32, now: DateTime<Utc>) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO training_settings (id, coverage_months, updated_at) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET coverage_months = excluded.coverage_months,
               updated_at = excluded.updated_at",
        )
        .bind(months)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}
