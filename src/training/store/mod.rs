//! All of training's SQL: courses, their participants and materials here; sessions, attendance
//! and settings in `sessions`.

mod sessions;

pub use sessions::*;

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// A course as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Course {
    /// Id.
    pub id: i64,
    /// The unit that runs it.
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// Trainer.
    pub trainer: String,
    /// Place.
    pub place: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Description and materials.
    pub description: String,
}

const COURSE_SELECT: &str = "SELECT id, unit_id, title, trainer, place, starts_on, ends_on, \
    description FROM training_courses";

/// A new course.
pub struct NewCourse<'a> {
    /// Unit.
    pub unit_id: i64,
    /// Title.
    pub title: &'a str,
    /// Trainer.
    pub trainer: &'a str,
    /// Place.
    pub place: &'a str,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Description.
    pub description: &'a str,
}

/// Inserts a course; returns its id.
pub async fn insert_course(
    tx: &mut Tx,
    c: &NewCourse<'_>,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO training_courses (unit_id, title, trainer, place, starts_on, ends_on,
                description, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(c.unit_id)
        .bind(c.title)
        .bind(c.trainer)
        .bind(c.place)
        .bind(c.starts_on)
        .bind(c.ends_on)
        .bind(c.description)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    }))
}

/// One course.
pub async fn find_course(db: &Db, id: i64) -> AppResult<Option<Course>> {
    let sql = sqlx::AssertSqlSafe(format!("{COURSE_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The courses of `units`, latest first (at most 200).
pub async fn list_courses(db: &Db, units: &[i64]) -> AppResult<Vec<Course>> {
    let mut out: Vec<Course> = vec![];
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "{COURSE_SELECT} WHERE unit_id IN ({}) ORDER BY starts_on DESC, id DESC LIMIT 200",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Course> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by(|a, b| b.starts_on.cmp(&a.starts_on).then(b.id.cmp(&a.id)));
    out.truncate(200);
    Ok(out)
}

/// A participant as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Participant {
    /// Id.
    pub id: i64,
    /// A collaborator (or a staff account).
    pub collaborator_id: Option<i64>,
    /// A staff account.
    pub user_id: Option<i64>,
    /// Attended.
    pub attended: bool,
    /// Completed on.
    pub completed_on: Option<NaiveDate>,
}

/// Enrols a collaborator or an account; `false` when enrolled already.
pub async fn insert_participant(
    tx: &mut Tx,
    course_id: i64,
    collaborator_id: Option<i64>,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let id: Option<i64> = with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO training_participants (course_id, collaborator_id, user_id, enrolled_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(course_id)
        .bind(collaborator_id)
        .bind(user_id)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
    });
    Ok(id.is_some())
}

/// A course's participants, collaborators first.
pub async fn list_participants(db: &Db, course_id: i64) -> AppResult<Vec<Participant>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, collaborator_id, user_id, attended, completed_on FROM training_participants
         WHERE course_id = $1 ORDER BY user_id IS NOT NULL, id"
    )
    .bind(course_id)
    .fetch_all(pool)
    .await?))
}

/// Sets a participant's completion and, when given, attendance (within the course; a course
/// with sessions keeps `attended` in step with them, [`sync_attended`]).
pub async fn set_record(
    tx: &mut Tx,
    course_id: i64,
    participant_id: i64,
    attended: Option<bool>,
    completed_on: Option<NaiveDate>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "UPDATE training_participants SET attended = COALESCE($1, attended), completed_on = $2
             WHERE id = $3 AND course_id = $4",
        )
        .bind(attended)
        .bind(completed_on)
        .bind(participant_id)
        .bind(course_id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// The latest completion of each of `collaborators` (those that completed a course).
pub async fn last_completions(db: &Db, collaborators: &[i64]) -> AppResult<Vec<(i64, NaiveDate)>> {
    let mut out = vec![];
    for chunk in collaborators.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT collaborator_id, MAX(completed_on) FROM training_participants
             WHERE completed_on IS NOT NULL AND collaborator_id IN ({})
             GROUP BY collaborator_id",
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

/// A material as listed (without its bytes).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Material {
    /// Id.
    pub id: i64,
    /// Course.
    pub course_id: i64,
    /// File name.
    pub file_name: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
}

/// Stores a material; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_material(
    tx: &mut Tx,
    course_id: i64,
    file_name: &str,
    content_type: &str,
    sha256: &str,
    bytes: &[u8],
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO training_materials (course_id, file_name, content_type, size, sha256,
                bytes, added_by, added_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(course_id)
        .bind(file_name)
        .bind(content_type)
        .bind(bytes.len() as i64)
        .bind(sha256)
        .bind(bytes)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    }))
}

/// A course's materials, in the order added.
pub async fn list_materials(db: &Db, course_id: i64) -> AppResult<Vec<Material>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, course_id, file_name, content_type, size FROM training_materials
         WHERE course_id = $1 ORDER BY id"
    )
    .bind(course_id)
    .fetch_all(pool)
    .await?))
}

/// One material with its bytes.
pub async fn find_material(db: &Db, id: i64) -> AppResult<Option<(Material, Vec<u8>)>> {
    let row: Option<(i64, i64, String, String, i64, Vec<u8>)> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, course_id, file_name, content_type, size, bytes FROM training_materials
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(|r| {
        (
            Material {
                id: r.0,
                course_id: r.1,
                file_name: r.2,
                content_type: r.3,
                size: r.4,
            },
            r.5,
        )
    }))
}
