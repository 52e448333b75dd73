//! One hot spot: its description, stage, evidence, tasks and timeline, and the analysts' forms
//! that change them.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::hotspots::model::{
    Stage, TaskStatus, check_note, check_title, is_overdue, parse_evidence_address,
};
use crate::hotspots::pages::{assignee_names, describe, stage_choices, today, topic_choices};
use crate::hotspots::store::{self, HotspotEdit, scenarios, tasks::NewTask};
use crate::hotspots::{actions, evidence, manageable, readable};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// A piece of evidence as shown.
pub struct EvidenceLine {
    id: i64,
    kind: String,
    href: String,
    label: String,
    note: String,
    added: String,
}

/// A task as shown.
pub struct TaskLine {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Assignee.
    pub assignee: String,
    /// Due day (dd/mm/yyyy).
    pub due: String,
    /// Status name.
    pub status: String,
    /// Status key.
    pub status_key: &'static str,
    /// Past its due day and still open.
    pub overdue: bool,
}

/// A timeline entry as shown.
pub struct EventLine {
    /// When.
    pub at: String,
    /// What happened.
    pub what: String,
    /// Who.
    pub who: String,
    /// Reason or note.
    pub note: String,
}

/// The hot spot's page.
#[derive(Template)]
#[template(path = "hotspots/show.html")]
pub struct ShowTemplate {
    c: Chrome,
    h: store::Hotspot,
    unit: String,
    topic: String,
    severity: String,
    stage: String,
    areas: Vec<String>,
    area_codes: String,
    members: String,
    member_logins: String,
    opened: String,
    orientation: Vec<(i64, String, i64, i64)>,
    can_orient: bool,
    can_document: bool,
    evidence: Vec<EvidenceLine>,
    tasks: Vec<TaskLine>,
    overdue: usize,
    events: Vec<EventLine>,
    can_manage: bool,
    stages: Vec<(&'static str, String)>,
    topics: Vec<(i64, String, bool)>,
    severities: Vec<(&'static str, String)>,
    scenarios: Vec<(i64, String)>,
    partners: Vec<(i64, String)>,
    today: String,
    flash: Option<String>,
}

/// The page's flash.
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    ok: String,
}

/// The tasks of a hot spot as shown, with how many are overdue.
pub async fn task_lines(db: &Db, tr: Tr, hotspot_id: i64) -> AppResult<(Vec<TaskLine>, usize)> {
    let tasks = store::tasks::list_tasks(db, hotspot_id).await?;
    let names = assignee_names(db, &tasks).await?;
    let today = today();
    let lines: Vec<TaskLine> = tasks
        .into_iter()
        .map(|t| TaskLine {
            id: t.id,
            assignee: names.get(&t.id).cloned().unwrap_or_default(),
            due: t.due_on.format("%d/%m/%Y").to_string(),
            status: tr.t(&t.status.label_key()),
            status_key: t.status.key(),
            overdue: is_overdue(t.status, t.due_on, today),
            title: t.title,
        })
        .collect();
    let overdue = lines.iter().filter(|l| l.overdue).count();
    Ok((lines, overdue))
}

/// The timeline as shown.
pub async fn event_lines(db: &Db, tr: Tr, hotspot_id: i64) -> AppResult<Vec<EventLine>> {
    let events = store::list_events(db, hotspot_id).await?;
    let users: Vec<i64> = events.iter().filter_map(|e| e.user_id).collect();
    let names: HashMap<i64, String> = crate::accounts::display_names(db, &users)
        .await?
        .into_iter()
        .collect();
    Ok(events
        .into_iter()
        .map(|e| {
            let what = match (e.from_stage, e.to_stage) {
                (Some(from), Some(to)) => tr.ta(
                    "hotspots-event-moved",
                    &[
                        ("from", tr.t(&from.label_key())),
                        ("to", tr.t(&to.label_key())),
                    ],
                ),
                _ => tr.t(&e.kind.label_key()),
            };
            EventLine {
                at: crate::kit::time::show(e.at),
                what,
                who: e
                    .user_id
                    .and_then(|u| names.get(&u).cloned())
                    .unwrap_or_default(),
                note: e.note,
            }
        })
        .collect())
}

/// `GET /hotspots/{id}`.
pub async fn show_hotspot(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let h = readable(&state.db, &auth.user, id).await?;
    let db = &state.db;
    let can_manage =
        crate::accounts::can(db, &auth.user, Capability::ManageHotspots, h.unit_id).await?;
    let topics = topic_choices(db, tr).await?;
    let area_ids = store::list_areas(db, id).await?;
    let area_units = crate::orgs::units_by_ids(db, &area_ids).await?;
    let member_ids = store::list_members(db, id).await?;
    let mut member_names: Vec<String> = crate::accounts::display_names(db, &member_ids)
        .await?
        .into_values()
        .collect();
    member_names.sort();
    let ev = store::list_evidence(db, id).await?;
    let adders: Vec<i64> = ev.iter().filter_map(|e| e.added_by).collect();
    let adder_names: HashMap<i64, String> = crate::accounts::display_names(db, &adders)
        .await?
        .into_iter()
        .collect();
    let evidence = ev
        .into_iter()
        .map(|e| EvidenceLine {
            id: e.id,
            kind: tr.t(&e.kind.label_key()),
            href: e.kind.href(e.ref_id, &e.ref_key),
            added: format!(
                "{} · {}",
                e.added_by
                    .and_then(|u| adder_names.get(&u).cloned())
                    .unwrap_or_default(),
                crate::kit::time::show(e.added_at)
            ),
            label: e.label,
            note: e.note,
        })
        .collect();
    let (tasks, overdue) = task_lines(db, tr, id).await?;
    let (scenarios, partners) = if can_manage {
        let keepers = crate::orgs::ancestor_ids(db, &[h.unit_id])
            .await?
            .remove(&h.unit_id)
            .unwrap_or_default();
        (
            scenarios::list_scenarios(db, &keepers)
                .await?
                .into_iter()
                .map(|s| (s.id, s.title))
                .collect(),
            scenarios::list_partners(db, &keepers)
                .await?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect(),
        )
    } else {
        (vec![], vec![])
    };
    let flash = [
        "opened", "moved", "saved", "attached", "already", "removed", "noted", "tasks", "task",
    ]
    .into_iter()
    .find(|k| *k == q.ok)
    .map(|k| tr.t(&format!("hotspots-flash-{k}")));
    let member_logins = crate::accounts::usernames(db, &member_ids).await?;
    Ok(page(ShowTemplate {
        c: auth.ctx.chrome_titled(h.title.clone()),
        unit: crate::orgs::unit_names(db, &[h.unit_id])
            .await?
            .pop()
            .map(|u| u.1)
            .unwrap_or_default(),
        topic: h
            .topic_id
            .and_then(|t| topics.iter().find(|x| x.0 == t))
            .map(|x| x.1.clone())
            .unwrap_or_default(),
        severity: tr.t(&h.severity.label_key()),
        stage: tr.t(&h.stage.label_key()),
        areas: area_units.iter().map(|u| u.name.clone()).collect(),
        area_codes: area_units
            .iter()
            .map(|u| u.code.clone().unwrap_or_else(|| format!("#{}", u.id)))
            .collect::<Vec<_>>()
            .join(", "),
        members: if h.restricted {
            member_names.join(", ")
        } else {
            String::new()
        },
        evidence,
        tasks,
        overdue,
        events: event_lines(db, tr, id).await?,
        can_manage,
        stages: stage_choices(tr, h.stage),
        topics: topics
            .into_iter()
            .map(|(id, name)| (id, name, h.topic_id == Some(id)))
            .collect(),
        severities: crate::hotspots::model::Severity::ALL
            .into_iter()
            .map(|s| (s.key(), tr.t(&s.label_key())))
            .collect(),
        scenarios,
        partners,
        today: today().format("%Y-%m-%d").to_string(),
        flash,
        member_logins: member_logins.join(", "),
        opened: crate::kit::time::show(h.opened_at),
        orientation: crate::briefings::for_hotspot(db, id).await?,
        can_orient: auth.user.has_anywhere(Capability::SendOrientation),
        can_document: crate::accounts::can(db, &auth.user, Capability::ReviewReports, h.unit_id)
            .await?,
        h,
    }))
}

/// The stage form.
#[derive(Debug, Default, Deserialize)]
pub struct StageForm {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    reason: String,
}

/// `POST /hotspots/{id}/stage`.
pub async fn move_stage(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<StageForm>,
) -> AppResult<Response> {
    manageable(&state.db, &auth.user, id).await?;
    let to = crate::kit::bounds::parse_choice(&f.stage, Stage::parse)?
        .ok_or(AppError::BadRequest("hotspots-error-stage"))?;
    let reason = crate::kit::text::free_text(&f.reason);
    actions::move_stage(&state.db, &auth.ctx.actor(), id, to, &reason).await?;
    Ok(Redirect::to(&format!("/hotspots/{id}?ok=moved")).into_response())
}

/// The edit form.
#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    areas: String,
    #[serde(default)]
    restricted: String,
    #[serde(default)]
    members: String,
}

/// `POST /hotspots/{id}/edit`.
pub async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<EditForm>,
) -> AppResult<Response> {
    let h = manageable(&state.db, &auth.user, id).await?;
    let d = describe(
        &state.db,
        h.unit_id,
        &f.title,
        &f.topic,
        &f.severity,
        &f.summary,
        &f.areas,
        &f.restricted,
        &f.members,
    )
    .await?;
    actions::edit_hotspot(
        &state.db,
        &auth.ctx.actor(),
        id,
        &HotspotEdit {
            title: &d.title,
            topic_id: d.topic_id,
            severity: d.severity,
            summary: &d.summary,
            restricted: d.restricted,
        },
        &d.areas,
        &d.members,
    )
    .await?;
    Ok(Redirect::to(&format!("/hotspots/{id}?ok=saved")).into_response())
}

/// The evidence form: the address of a page of duluan.
#[derive(Debug, Default, Deserialize)]
pub struct EvidenceForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    note: String,
}

/// `POST /hotspots/{id}/evidence`: attaches what a pasted address stands for, if the analyst
/// may read it.
pub async fn attach(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<EvidenceForm>,
) -> AppResult<Response> {
    manageable(&state.db, &auth.user, id).await?;
    let r =
        parse_evidence_address(&f.address).ok_or(AppError::BadRequest("hotspots-error-address"))?;
    let note = crate::kit::text::free_text(&f.note);
    check_note(&note).map_err(AppError::BadRequest)?;
    let found = evidence::resolve(&state, &auth.user, &r, auth.ctx.tr)
        .await?
        .ok_or(AppError::BadRequest("hotspots-error-evidence-unknown"))?;
    let added =
        actions::attach_evidence(&state.db, &auth.ctx.actor(), id, &found.to_new(&note)).await?;
    let ok = if added { "attached" } else { "already" };
    Ok(Redirect::to(&format!("/hotspots/{id}?ok={ok}")).into_response())
}

/// `POST /hotspots/{id}/evidence/{evidence}/remove`.
pub async fn detach(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, evidence_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    manageable(&state.db, &auth.user, id).await?;
    actions::remove_evidence(&state.db, &auth.ctx.actor(), id, evidence_id).await?;
    Ok(Redirect::to(&format!("/hotspots/{id}?ok=removed")).into_response())
}

/// The note form.
#[derive(Debug, Default, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// `POST /hotspots/{id}/note`.
pub async fn note(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> AppResult<Response> {
    manageable(&state.db, &auth.user, id).await?;
    let note = crate::kit::text::free_text(&f.note);
    if note.is_empty() {
        return Err(AppError::BadRequest("hotspots-error-note"));
    }
    check_note(&note).map_err(AppError::BadRequest)?;
    actions::add_note(&state.db, &auth.ctx.actor(), id, &note).await?;
    Ok(Redirect::to(&format!("/hotspots/{id}?ok=noted")).into_response())
}

/// The scenario form.
#[derive(Debug, Default, Deserialize)]
pub struct ScenarioForm {
    #[serde(default)]
    scenario: String,
    #[serde(default)]
    start: String,
}

/// Reads a `YYYY-MM-DD` day; the error is a message key.
fn parse_day(raw: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or(AppError::BadRequest("hotspots-error-date"))
}

/// `POST /hotspots/{id}/scenario`: instantiates a scenario kept by the hot spot's unit or one
/// above it.
pub async fn instantiate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    Form(f): Form<ScenarioForm>,
) -> AppResult<Response> {
    let h = manageable(&state.db, &auth.user, id).await?;
    let sid = crate::kit::bounds::parse_id(&f.scenario)?
        .ok_or(AppError::BadRequest("hotspots-error-scenario"))?;
    let s = scenarios::find_scenario(&state.db, sid)
        .await?
        .ok_or(AppError::BadRequest("hotspots-error-scenario"))?;
    let keepers = crate::orgs::ancestor_ids(&state.db, &[h.unit_id])
        .await?
        .remove(&h.unit_id)
        .unwrap_or_default();
    if !keepers.contains(&s.unit_id) {
        return Err(AppError::BadRequest("hotspots-error-scenario"));
    }
    let start = if f.start.trim().is_empty() {
        today()
    } else {
        parse_day(&f.start)?
    };
    let base = crate::kit::origin::base(&state.config, &headers);
    actions::instantiate_scenario(&state.db, &auth.ctx.actor(), id, &s, start, &base).await?;
    Ok(Redirect::to(&format!("/hotspots/{id}?ok=tasks")).into_response())
}

/// The task form.
#[derive(Debug, Default, Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
    /// A unit code (or `#id`) under the hot spot's unit.
    #[serde(default)]
    unit: String,
    /// Or a partner's id.
    #[serde(default)]
    partner: String,
    #[serde(default)]
    due: String,
}

/// `POST /hotspots/{id}/tasks`: a task by hand, for a unit under the hot spot's unit or for a
/// partner of it or of a unit above.
pub async fn add_task(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    Form(f): Form<TaskForm>,
) -> AppResult<Response> {
    let h = manageable(&state.db, &auth.user, id).await?;
    let title = crate::kit::text::one_line(&f.title);
    check_title(&title).map_err(AppError::BadRequest)?;
    let detail = crate::kit::text::free_text(&f.detail);
    check_note(&detail).map_err(AppError::BadRequest)?;
    let due_on = parse_day(&f.due)?;
    let partner_id = crate::kit::bounds::parse_id(&f.partner)?;
    let (unit_id, partner_id) = match (f.unit.trim().is_empty(), partner_id) {
        (false, None) => {
            let units = crate::hotspots::pages::parse_areas(&state.db, &f.unit, h.unit_id)
                .await
                .map_err(|_| AppError::BadRequest("hotspots-error-assignee"))?;
            match units.as_slice() {
                [u] => (Some(*u), None),
                _ => return Err(AppError::BadRequest("hotspots-error-assignee")),
            }
        }
        (true, Some(p)) => {
            let keepers = crate::orgs::ancestor_ids(&state.db, &[h.unit_id])
                .await?
                .remove(&h.unit_id)
                .unwrap_or_default();
            match scenarios::find_partner(&state.db, p).await? {
                Some(found) if keepers.contains(&found.unit_id) => (None, Some(p)),
                _ => return Err(AppError::BadRequest("hotspots-error-assignee")),
            }
        }
        _ => return Err(AppError::BadRequest("hotspots-error-assignee")),
    };
    actions::add_task(
        &state.db,
        &auth.ctx.actor(),
        id,
        &NewTask {
            step_id: None,
            title: &title,
            detail: &detail,
            unit_id,
            partner_id,
            due_on,
        },
        &crate::kit::origin::base(&state.config, &headers),
    )
    .await?;
    Ok(Redirect::to(&format!("/hotspots/{id}?ok=task")).into_response())
}

/// The statuses a task may be moved to from `current`.
pub fn status_choices(tr: Tr, current: TaskStatus) -> Vec<(&'static str, String)> {
    TaskStatus::ALL
        .into_iter()
        .filter(|s| *s != current)
        .map(|s| (s.key(), tr.t(&s.label_key())))
        .collect()
}
