//! The hot spots context's writes, one function per action: each begins a transaction, reads
//! what it changes inside it, writes, records its timeline entry and audit entry (and, for tasks,
//! the notices and e-mails of the people concerned), and commits.

use chrono::{NaiveDate, Utc};
use serde_json::json;

use crate::accounts::model::Capability;
use crate::audit::{self, Actor};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::hotspots::model::{
    Agency, EventKind, MAX_AREAS, MAX_EVIDENCE, MAX_STEPS, MAX_TASKS, Stage, StepSpec, TaskStatus,
    check_move, due_from,
};
use crate::hotspots::store::tasks::{self, NewTask};
use crate::hotspots::store::{self, HotspotEdit, NewEvidence, NewHotspot, scenarios};
use crate::web::i18n::{Lang, Tr};

fn user_of(actor: &Actor) -> i64 {
    actor.user_id.unwrap_or_default()
}

async fn hotspot_in(tx: &mut Tx, id: i64) -> AppResult<store::Hotspot> {
    store::find_hotspot_in(tx, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Opens a hot spot at stage signal with its areas, members and first evidence
/// (`hotspot.open`); returns its id.
pub async fn open_hotspot(
    db: &Db,
    actor: &Actor,
    h: &NewHotspot<'_>,
    areas: &[i64],
    members: &[i64],
    evidence: Option<&NewEvidence<'_>>,
) -> AppResult<i64> {
    if areas.len() > MAX_AREAS {
        return Err(AppError::BadRequest("hotspots-error-areas"));
    }
    let now = Utc::now();
    let user = user_of(actor);
    let mut tx = db.begin().await?;
    let id = store::insert_hotspot(&mut tx, h, user, now).await?;
    store::set_areas(&mut tx, id, areas).await?;
    let mut members = members.to_vec();
    if h.restricted && !members.contains(&user) {
        members.push(user);
    }
    store::set_members(&mut tx, id, &members).await?;
    store::insert_event(
        &mut tx,
        id,
        EventKind::Opened,
        None,
        Some(Stage::Signal),
        "",
        actor.user_id,
        now,
    )
    .await?;
    if let Some(e) = evidence {
        store::insert_evidence(&mut tx, id, e, user, now).await?;
        store::insert_event(
            &mut tx,
            id,
            EventKind::Evidence,
            None,
            None,
            e.label,
            actor.user_id,
            now,
        )
        .await?;
    }
    audit::entry(actor, "hotspot.open")
        .object("hotspot", id)
        .unit(h.unit_id)
        .detail(
            json!({"severity": h.severity.key(), "areas": areas.len(), "restricted": h.restricted,
            "evidence": evidence.map(|e| format!("{}:{}", e.kind.key(), e.ref_id))}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Moves a hot spot to another stage with the reason (`hotspot.stage`).
pub async fn move_stage(db: &Db, actor: &Actor, id: i64, to: Stage, reason: &str) -> AppResult<()> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let h = hotspot_in(&mut tx, id).await?;
    check_move(h.stage, to, reason).map_err(AppError::BadRequest)?;
    store::set_stage(&mut tx, id, to, now).await?;
    store::insert_event(
        &mut tx,
        id,
        EventKind::Stage,
        Some(h.stage),
        Some(to),
        reason,
        actor.user_id,
        now,
    )
    .await?;
    audit::entry(actor, "hotspot.stage")
        .object("hotspot", id)
        .unit(h.unit_id)
        .detail(json!({"from": h.stage.key(), "to": to.key()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Edits a hot spot's description, areas and members (`hotspot.edit`).
pub async fn edit_hotspot(
    db: &Db,
    actor: &Actor,
    id: i64,
    e: &HotspotEdit<'_>,
    areas: &[i64],
    members: &[i64],
) -> AppResult<()> {
    if areas.len() > MAX_AREAS {
        return Err(AppError::BadRequest("hotspots-error-areas"));
    }
    let now = Utc::now();
    let user = user_of(actor);
    let mut tx = db.begin().await?;
    let h = hotspot_in(&mut tx, id).await?;
    store::update_hotspot(&mut tx, id, e, now).await?;
    store::set_areas(&mut tx, id, areas).await?;
    let mut members = members.to_vec();
    // Whoever restricts a hot spot stays able to read it.
    if e.restricted && !members.contains(&user) {
        members.push(user);
    }
    store::set_members(&mut tx, id, &members).await?;
    let mut changed = vec![];
    if h.title != e.title {
        changed.push("title");
    }
    if h.severity != e.severity {
        changed.push("severity");
    }
    if h.summary != e.summary {
        changed.push("summary");
    }
    if h.restricted != e.restricted {
        changed.push("restricted");
    }
    if h.topic_id != e.topic_id {
        changed.push("topic");
    }
    store::insert_event(
        &mut tx,
        id,
        EventKind::Edited,
        None,
        None,
        &changed.join(", "),
        actor.user_id,
        now,
    )
    .await?;
    audit::entry(actor, "hotspot.edit")
        .object("hotspot", id)
        .unit(h.unit_id)
        .detail(
            json!({"changed": changed, "severity": e.severity.key(), "areas": areas.len(),
            "members": members.len(), "restricted": e.restricted}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Attaches evidence (`hotspot.evidence`); `false` when it was attached already.
pub async fn attach_evidence(
    db: &Db,
    actor: &Actor,
    id: i64,
    e: &NewEvidence<'_>,
) -> AppResult<bool> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let h = hotspot_in(&mut tx, id).await?;
    if store::count_evidence_in(&mut tx, id).await? >= MAX_EVIDENCE as i64 {
        return Err(AppError::BadRequest("hotspots-error-evidence-many"));
    }
    let Some(evidence_id) = store::insert_evidence(&mut tx, id, e, user_of(actor), now).await?
    else {
        return Ok(false);
    };
    store::touch(&mut tx, id, now).await?;
    store::insert_event(
        &mut tx,
        id,
        EventKind::Evidence,
        None,
        None,
        e.label,
        actor.user_id,
        now,
    )
    .await?;
    audit::entry(actor, "hotspot.evidence")
        .object("hotspot", id)
        .unit(h.unit_id)
        .detail(json!({"evidence": evidence_id, "kind": e.kind.key(), "ref": e.ref_id, "key": e.ref_key}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Removes a piece of evidence (`hotspot.evidence.remove`).
pub async fn remove_evidence(db: &Db, actor: &Actor, id: i64, evidence_id: i64) -> AppResult<()> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let h = hotspot_in(&mut tx, id).await?;
    let (kind, ref_id) = store::delete_evidence(&mut tx, id, evidence_id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::touch(&mut tx, id, now).await?;
    store::insert_event(
        &mut tx,
        id,
        EventKind::EvidenceRemoved,
        None,
        None,
        &format!("{}:{ref_id}", kind.key()),
        actor.user_id,
        now,
    )
    .await?;
    audit::entry(actor, "hotspot.evidence.remove")
        .object("hotspot", id)
        .unit(h.unit_id)
        .detail(json!({"evidence": evidence_id, "kind": kind.key(), "ref": ref_id}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a note to the timeline (`hotspot.note`).
pub async fn add_note(db: &Db, actor: &Actor, id: i64, note: &str) -> AppResult<()> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let h = hotspot_in(&mut tx, id).await?;
    store::touch(&mut tx, id, now).await?;
    store::insert_event(
        &mut tx,
        id,
        EventKind::Note,
        None,
        None,
        note,
        actor.user_id,
        now,
    )
    .await?;
    audit::entry(actor, "hotspot.note")
        .object("hotspot", id)
        .unit(h.unit_id)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Who hears of a new task: the people of its unit who work tasks (in the app, and by e-mail
/// when they have an address), or its partner's address.
struct Recipients {
    users: Vec<(i64, String, Lang)>,
    partner_email: Option<String>,
}

async fn recipients(db: &Db, t: &NewTask<'_>) -> AppResult<Recipients> {
    let users = match t.unit_id {
        Some(u) => crate::accounts::users_at(db, Capability::WorkTasks, u).await?,
        None => vec![],
    };
    let partner_email = match t.partner_id {
        Some(p) => scenarios::find_partner(db, p)
            .await?
            .map(|p| p.email)
            .filter(|e| !e.is_empty()),
        None => None,
    };
    Ok(Recipients {
        users,
        partner_email,
    })
}

/// Inserts a task with its notices and e-mails, inside the caller's transaction.
async fn insert_task_notified(
    tx: &mut Tx,
    h: &store::Hotspot,
    t: &NewTask<'_>,
    who: &Recipients,
    user: i64,
    now: chrono::DateTime<Utc>,
    base: &str,
) -> AppResult<i64> {
    let task_id = tasks::insert_task(tx, h.id, t, user, now).await?;
    // A restricted hot spot's title stays inside the register: the message names the task only.
    let about = if h.restricted { "" } else { h.title.as_str() };
    let mut mails: Vec<(String, String, Lang)> = vec![];
    for (user_id, email, lang) in &who.users {
        tasks::insert_notice(tx, *user_id, h.id, Some(task_id), "assigned", now).await?;
        if !email.is_empty() {
            mails.push((format!("{task_id}:u{user_id}"), email.clone(), *lang));
        }
    }
    if let Some(email) = &who.partner_email {
        mails.push((format!("{task_id}:p"), email.clone(), Lang::Vi));
    }
    for (key, to, lang) in mails {
        let tr = Tr(lang);
        let subject = tr.ta(
            "hotspots-task-mail-subject",
            &[("task", t.title.to_string())],
        );
        let body = tr.ta(
            "hotspots-task-mail-body",
            &[
                ("task", t.title.to_string()),
                ("detail", t.detail.to_string()),
                ("due", t.due_on.format("%d/%m/%Y").to_string()),
                ("hotspot", about.to_string()),
                ("link", format!("{base}/hotspots/tasks/{task_id}")),
            ],
        );
        let key = format!("hotspots.task:{key}");
        let queued = crate::mail::enqueue_in(
            tx,
            &crate::mail::Mail {
                idempotency_key: &key,
                to: &to,
                subject: &subject,
                body: &body,
                html: None,
                context: "hotspots.task",
                unit_id: t.unit_id.or(Some(h.unit_id)),
            },
        )
        .await;
        if let Err(err) = queued {
            tracing::warn!(task = task_id, error = %err, "hotspots: task e-mail refused");
        }
    }
    Ok(task_id)
}

/// Adds a task by hand (`hotspot.task.create`); returns its id.
pub async fn add_task(
    db: &Db,
    actor: &Actor,
    id: i64,
    t: &NewTask<'_>,
    base: &str,
) -> AppResult<i64> {
    let now = Utc::now();
    let who = recipients(db, t).await?;
    let mut tx = db.begin().await?;
    let h = hotspot_in(&mut tx, id).await?;
    if tasks::count_tasks_in(&mut tx, id).await? >= MAX_TASKS as i64 {
        return Err(AppError::BadRequest("hotspots-error-tasks-many"));
    }
    let task_id = insert_task_notified(&mut tx, &h, t, &who, user_of(actor), now, base).await?;
    store::touch(&mut tx, id, now).await?;
    store::insert_event(
        &mut tx,
        id,
        EventKind::Task,
        None,
        None,
        t.title,
        actor.user_id,
        now,
    )
    .await?;
    audit::entry(actor, "hotspot.task.create")
        .object("hotspot_task", task_id)
        .unit(h.unit_id)
        .detail(json!({"hotspot": id, "unit": t.unit_id, "partner": t.partner_id, "due": t.due_on}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(task_id)
}

/// Instantiates a scenario on a hot spot (`hotspot.scenario`): one task per step, due its
/// offset after `start`; a step for the areas gives one task per area (the hot spot's own unit
/// when it has none). Returns the number of tasks made.
pub async fn instantiate_scenario(
    db: &Db,
    actor: &Actor,
    id: i64,
    scenario: &scenarios::Scenario,
    start: NaiveDate,
    base: &str,
) -> AppResult<usize> {
    let now = Utc::now();
    let steps = scenarios::list_steps(db, scenario.id).await?;
    if steps.is_empty() {
        return Err(AppError::BadRequest("hotspots-error-scenario-empty"));
    }
    let h0 = store::find_hotspot(db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let areas = store::list_areas(db, id).await?;
    let area_units = if areas.is_empty() {
        vec![h0.unit_id]
    } else {
        areas
    };
    // Every task with its recipients, read before the transaction (as in `add_task`).
    let mut planned: Vec<(NewTask<'_>, Recipients)> = vec![];
    for s in &steps {
        let due_on = due_from(start, s.offset_days);
        let targets: Vec<(Option<i64>, Option<i64>)> = match s.agency {
            Agency::Owner => vec![(Some(h0.unit_id), None)],
            Agency::Areas => area_units.iter().map(|u| (Some(*u), None)).collect(),
            Agency::Partner => vec![(None, s.partner_id)],
        };
        for (unit_id, partner_id) in targets {
            let t = NewTask {
                step_id: Some(s.id),
                title: &s.title,
                detail: &s.message,
                unit_id,
                partner_id,
                due_on,
            };
            let who = recipients(db, &t).await?;
            planned.push((t, who));
        }
    }
    let mut tx = db.begin().await?;
    let h = hotspot_in(&mut tx, id).await?;
    let existing = tasks::count_tasks_in(&mut tx, id).await?;
    if existing + planned.len() as i64 > MAX_TASKS as i64 {
        return Err(AppError::BadRequest("hotspots-error-tasks-many"));
    }
    for (t, who) in &planned {
        insert_task_notified(&mut tx, &h, t, who, user_of(actor), now, base).await?;
    }
    store::touch(&mut tx, id, now).await?;
    store::insert_event(
        &mut tx,
        id,
        EventKind::Scenario,
        None,
        None,
        &scenario.title,
        actor.user_id,
        now,
    )
    .await?;
    audit::entry(actor, "hotspot.scenario")
        .object("hotspot", id)
        .unit(h.unit_id)
        .detail(json!({"scenario": scenario.id, "tasks": planned.len(), "start": start}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(planned.len())
}

/// Changes a task's status, with an optional comment (`hotspot.task.status`), and tells the
/// hot spot's timeline.
pub async fn set_task_status(
    db: &Db,
    actor: &Actor,
    task_id: i64,
    status: TaskStatus,
    comment: &str,
) -> AppResult<()> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let t = tasks::find_task_in(&mut tx, task_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if t.status == status {
        return Err(AppError::BadRequest("hotspots-error-same-status"));
    }
    let h = hotspot_in(&mut tx, t.hotspot_id).await?;
    tasks::set_task_status(&mut tx, task_id, status, now).await?;
    if !comment.is_empty() {
        tasks::insert_comment(&mut tx, task_id, user_of(actor), comment, now).await?;
    }
    store::touch(&mut tx, h.id, now).await?;
    store::insert_event(
        &mut tx,
        h.id,
        EventKind::TaskStatus,
        None,
        None,
        &format!("{} — {}", t.title, status.key()),
        actor.user_id,
        now,
    )
    .await?;
    audit::entry(actor, "hotspot.task.status")
        .object("hotspot_task", task_id)
        .unit(t.unit_id.unwrap_or(h.unit_id))
        .detail(
            json!({"hotspot": h.id, "from": t.status.key(), "to": status.key(),
            "comment": !comment.is_empty()}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Comments on a task (`hotspot.task.comment`).
pub async fn comment_task(db: &Db, actor: &Actor, task_id: i64, body: &str) -> AppResult<()> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let t = tasks::find_task_in(&mut tx, task_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let h = hotspot_in(&mut tx, t.hotspot_id).await?;
    tasks::insert_comment(&mut tx, task_id, user_of(actor), body, now).await?;
    store::touch(&mut tx, h.id, now).await?;
    audit::entry(actor, "hotspot.task.comment")
        .object("hotspot_task", task_id)
        .unit(t.unit_id.unwrap_or(h.unit_id))
        .detail(json!({"hotspot": h.id}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a scenario with its steps (`hotspot.scenario.create`); returns its id.
pub async fn create_scenario(
    db: &Db,
    actor: &Actor,
    unit_id: i64,
    topic_id: Option<i64>,
    title: &str,
    description: &str,
    steps: &[StepSpec],
) -> AppResult<i64> {
    if steps.len() > MAX_STEPS {
        return Err(AppError::BadRequest("hotspots-error-steps-many"));
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let id = scenarios::insert_scenario(
        &mut tx,
        unit_id,
        topic_id,
        title,
        description,
        user_of(actor),
        now,
    )
    .await?;
    for s in steps {
        scenarios::insert_step(&mut tx, id, s).await?;
    }
    audit::entry(actor, "hotspot.scenario.create")
        .object("hotspot_scenario", id)
        .unit(unit_id)
        .detail(json!({"steps": steps.len(), "topic": topic_id}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Appends a step to a scenario (`hotspot.scenario.step`).
pub async fn add_step(
    db: &Db,
    actor: &Actor,
    scenario: &scenarios::Scenario,
    step: &StepSpec,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    if scenarios::list_steps_in(&mut tx, scenario.id).await?.len() >= MAX_STEPS {
        return Err(AppError::BadRequest("hotspots-error-steps-many"));
    }
    let step_id = scenarios::insert_step(&mut tx, scenario.id, step).await?;
    audit::entry(actor, "hotspot.scenario.step")
        .object("hotspot_scenario", scenario.id)
        .unit(scenario.unit_id)
        .detail(json!({"step": step_id, "agency": step.agency.key(), "days": step.offset_days}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a partner organisation (`hotspot.partner.create`); a name the unit already has is a 409.
pub async fn create_partner(
    db: &Db,
    actor: &Actor,
    unit_id: i64,
    name: &str,
    email: &str,
) -> AppResult<i64> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let id = scenarios::insert_partner(&mut tx, unit_id, name, email, now)
        .await?
        .ok_or(AppError::Conflict("hotspots-error-partner-exists"))?;
    audit::entry(actor, "hotspot.partner.create")
        .object("hotspot_partner", id)
        .unit(unit_id)
        .detail(json!({"email": !email.is_empty()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}
