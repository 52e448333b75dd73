//! Training's writes, one function per action, each one transaction with its audit entry.

use chrono::{NaiveDate, Utc};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db::Db;
use crate::error::AppResult;
use crate::training::store::{self, Course, NewCourse};

/// Creates a course (`training.create`); returns its id.
pub async fn create_course(db: &Db, actor: &Actor, c: &NewCourse<'_>) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id =
        store::insert_course(&mut tx, c, actor.user_id.unwrap_or_default(), Utc::now()).await?;
    audit::entry(actor, "training.create")
        .object("training_course", id)
        .unit(c.unit_id)
        .detail(json!({"starts_on": c.starts_on, "ends_on": c.ends_on}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Enrols collaborators (by registry id) and staff accounts (`training.enrol`); returns how many
/// were new.
pub async fn enrol(
    db: &Db,
    actor: &Actor,
    course: &Course,
    collaborators: &[i64],
    users: &[i64],
) -> AppResult<usize> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let mut added = 0;
    for c in collaborators {
        added +=
            usize::from(store::insert_participant(&mut tx, course.id, Some(*c), None, now).await?);
    }
    for u in users {
        added +=
            usize::from(store::insert_participant(&mut tx, course.id, None, Some(*u), now).await?);
    }
    audit::entry(actor, "training.enrol")
        .object("training_course", course.id)
        .unit(course.unit_id)
        .detail(json!({"collaborators": collaborators.len(), "staff": users.len(), "new": added}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(added)
}

/// Records attendance and completion of every participant of a course at once
/// (`training.record`): `(participant, attended, completed on)`.
pub async fn record(
    db: &Db,
    actor: &Actor,
    course: &Course,
    rows: &[(i64, bool, Option<NaiveDate>)],
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    for (participant, attended, completed) in rows {
        store::set_record(&mut tx, course.id, *participant, *attended, *completed).await?;
    }
    audit::entry(actor, "training.record")
        .object("training_course", course.id)
        .unit(course.unit_id)
        .detail(json!({
            "attended": rows.iter().filter(|r| r.1).count(),
            "completed": rows.iter().filter(|r| r.2.is_some()).count(),
        }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a file to a course's materials with its SHA-256 (`training.material`); returns its id.
pub async fn add_material(
    db: &Db,
    actor: &Actor,
    course: &Course,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> AppResult<i64> {
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(bytes));
    let mut tx = db.begin().await?;
    let id = store::insert_material(
        &mut tx,
        course.id,
        file_name,
        content_type,
        &sha,
        bytes,
        actor.user_id.unwrap_or_default(),
        Utc::now(),
    )
    .await?;
    audit::entry(actor, "training.material")
        .object("training_course", course.id)
        .unit(course.unit_id)
        .detail(json!({"material": id, "size": bytes.len(), "sha256": sha}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}
