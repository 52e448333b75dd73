//! Training's writes, one function per action, each one transaction with its audit entry.

use chrono::{NaiveDate, Utc};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db::Db;
use crate::error::AppResult;
use crate::training::store::{self, Course, NewCourse, Session, SessionFields};

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
/// (`training.record`): `(participant, attended, completed on)`; attendance `None` leaves it
/// as it is (a course with sessions keeps it in step with them).
pub async fn record(
    db: &Db,
    actor: &Actor,
    course: &Course,
    rows: &[(i64, Option<bool>, Option<NaiveDate>)],
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    for (participant, attended, completed) in rows {
        store::set_record(&mut tx, course.id, *participant, *attended, *completed).await?;
    }
    audit::entry(actor, "training.record")
        .object("training_course", course.id)
        .unit(course.unit_id)
        .detail(json!({
            "attended": rows.iter().filter(|r| r.1 == Some(true)).count(),
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

/// Adds a session to a course (`training.session.create`); returns its id.
pub async fn add_session(
    db: &Db,
    actor: &Actor,
    course: &Course,
    s: &SessionFields<'_>,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = store::insert_session(
        &mut tx,
        course.id,
        s,
        actor.user_id.unwrap_or_default(),
        Utc::now(),
    )
    .await?;
    audit::entry(actor, "training.session.create")
        .object("training_course", course.id)
        .unit(course.unit_id)
        .detail(json!({"session": id, "held_on": s.held_on}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a session of a course (`training.session.edit`); `false` when there is no such
/// session.
pub async fn edit_session(
    db: &Db,
    actor: &Actor,
    course: &Course,
    before: &Session,
    s: &SessionFields<'_>,
) -> AppResult<bool> {
    let mut tx = db.begin().await?;
    if !store::update_session(&mut tx, course.id, before.id, s).await? {
        return Ok(false);
    }
    audit::entry(actor, "training.session.edit")
        .object("training_course", course.id)
        .unit(course.unit_id)
        .detail(json!({"session": before.id, "held_on": {"from": before.held_on, "to": s.held_on}}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Removes a session of a course with its attendance (`training.session.remove`), keeping the
/// participants' `attended` in step; `false` when there is no such session.
pub async fn remove_session(
    db: &Db,
    actor: &Actor,
    course: &Course,
    session_id: i64,
) -> AppResult<bool> {
    let mut tx = db.begin().await?;
    let Some(ticks) = store::delete_session(&mut tx, course.id, session_id).await? else {
        return Ok(false);
    };
    store::sync_attended(&mut tx, course.id).await?;
    audit::entry(actor, "training.session.remove")
        .object("training_course", course.id)
        .unit(course.unit_id)
        .detail(json!({"session": session_id, "attendance_removed": ticks}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Records who of the enrolled attended a session (`training.attendance`), replacing what was
/// recorded, and keeps the participants' `attended` in step.
pub async fn record_attendance(
    db: &Db,
    actor: &Actor,
    course: &Course,
    session: &Session,
    participants: &[i64],
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::replace_attendance(&mut tx, session.id, participants).await?;
    store::sync_attended(&mut tx, course.id).await?;
    audit::entry(actor, "training.attendance")
        .object("training_course", course.id)
        .unit(course.unit_id)
        .detail(json!({"session": session.id, "present": participants.len()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the coverage page's default window (`training.settings`), by a keeper of the
/// deployment's settings at `unit`.
pub async fn set_coverage_months(
    db: &Db,
    actor: &Actor,
    unit: i64,
    before: u32,
    months: u32,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::update_coverage_months(&mut tx, months as i32, Utc::now()).await?;
    audit::entry(actor, "training.settings")
        .object("training_settings", 1)
        .unit(unit)
        .detail(json!({"coverage_months": {"from": before, "to": months}}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
