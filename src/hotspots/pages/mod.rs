//! The hot spots' pages: the register with the form that opens one, and opening from another
//! context's page (this file); one hot spot with its stage, evidence, tasks and timeline
//! (`show`); tasks and notices (`tasks`); scenarios and partners (`scenarios`); the situation
//! report (`report`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::model::{Capability, CurrentUser};
use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::hotspots::model::{EvidenceKind, EvidenceRef, Severity, Stage, check_note, check_title};
use crate::hotspots::store::{self, NewHotspot, tasks::Task};
use crate::hotspots::{evidence, may_read};
use crate::web::ctx::Auth;
use crate::web::i18n::{Lang, Tr};
use crate::web::layout::{Chrome, page};

pub mod report;
pub mod scenarios;
pub mod show;
pub mod tasks;

/// The capabilities that open the hot spots' pages at all.
pub const ENTRY_CAPS: [Capability; 3] = [
    Capability::ViewHotspots,
    Capability::ManageHotspots,
    Capability::WorkTasks,
];

/// Reporting's topics as `(id, name)` in `tr`'s language.
pub async fn topic_choices(db: &Db, tr: Tr) -> AppResult<Vec<(i64, String)>> {
    Ok(crate::reporting::topics(db)
        .await?
        .into_iter()
        .map(|t| {
            (
                t.id,
                match tr.lang() {
                    Lang::Vi => t.name_vi,
                    Lang::En => t.name_en,
                },
            )
        })
        .collect())
}

/// The name of each task's assignee (a unit's or a partner's), by task id.
pub async fn assignee_names(db: &Db, tasks: &[Task]) -> AppResult<HashMap<i64, String>> {
    let units: Vec<i64> = tasks.iter().filter_map(|t| t.unit_id).collect();
    let unit_names: HashMap<i64, String> = crate::orgs::unit_names(db, &units)
        .await?
        .into_iter()
        .collect();
    let mut partners: HashMap<i64, String> = HashMap::new();
    for p in tasks.iter().filter_map(|t| t.partner_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = partners.entry(p)
            && let Some(found) = store::scenarios::find_partner(db, p).await?
        {
            e.insert(found.name);
        }
    }
    Ok(tasks
        .iter()
        .map(|t| {
            let name = match (t.unit_id, t.partner_id) {
                (Some(u), _) => unit_names.get(&u).cloned(),
                (None, Some(p)) => partners.get(&p).cloned(),
                (None, None) => None,
            };
            (t.id, name.unwrap_or_default())
        })
        .collect())
}

/// Reads a list of unit codes (or `#id`) separated by commas, semicolons or lines into ids that
/// lie in `within`'s subtree; the error names the first that does not.
pub async fn parse_areas(db: &Db, raw: &str, within: i64) -> Result<Vec<i64>, AppError> {
    let mut out = vec![];
    for part in raw
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let id = crate::orgs::resolve_unit_ref(db, part).await?;
        match id {
            Some(id) if crate::orgs::is_within(db, &[within], id).await? => {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            _ => return Err(AppError::BadRequest("hotspots-error-area")),
        }
    }
    if out.len() > crate::hotspots::model::MAX_AREAS {
        return Err(AppError::BadRequest("hotspots-error-areas"));
    }
    Ok(out)
}

/// Reads login names separated by commas or spaces into user ids; the error when one is unknown.
pub async fn parse_members(db: &Db, raw: &str) -> Result<Vec<i64>, AppError> {
    let mut out = vec![];
    for name in raw
        .split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match crate::accounts::user_id_by_name(db, &name.to_lowercase()).await? {
            Some(id) if !out.contains(&id) => out.push(id),
            Some(_) => {}
            None => return Err(AppError::BadRequest("hotspots-error-member")),
        }
    }
    if out.len() > 100 {
        return Err(AppError::BadRequest("hotspots-error-member"));
    }
    Ok(out)
}

/// One line of the register.
pub struct Line {
    id: i64,
    title: String,
    unit: String,
    topic: String,
    severity: String,
    severity_key: &'static str,
    stage: String,
    stage_key: &'static str,
    restricted: bool,
    updated: String,
}

/// The register page.
#[derive(Template)]
#[template(path = "hotspots/list.html")]
pub struct ListTemplate {
    c: Chrome,
    lines: Vec<Line>,
    all: bool,
    can_manage: bool,
    units: Vec<(i64, String)>,
    topics: Vec<(i64, String)>,
    severities: Vec<(&'static str, String)>,
    open_tasks: usize,
    overdue_tasks: usize,
    notices: Vec<tasks::NoticeLine>,
    unread: usize,
}

/// The register's filter.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// `all` shows closed hot spots too.
    #[serde(default)]
    show: String,
}

/// The hot spots `user` may read among those kept by `units`.
async fn readable_among(
    db: &Db,
    user: &CurrentUser,
    units: &[i64],
    limit: i64,
) -> AppResult<Vec<store::Hotspot>> {
    let member_of = store::member_of(db, user.id).await?;
    Ok(store::list_hotspots(db, units, limit)
        .await?
        .into_iter()
        .filter(|h| !h.restricted || member_of.contains(&h.id))
        .collect())
}

/// `GET /hotspots`: the register of the reader's subtree (open ones unless `?show=all`), the
/// tasks of the reader's units and the reader's notices.
pub async fn list_hotspots(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    crate::kit::scope::require_roots(&auth.user, &ENTRY_CAPS)?;
    let read_roots = auth.user.roots_with(Capability::ViewHotspots);
    let units = crate::orgs::subtree_ids(&state.db, &read_roots).await?;
    let all = q.show == "all";
    let hotspots: Vec<store::Hotspot> = readable_among(&state.db, &auth.user, &units, 500)
        .await?
        .into_iter()
        .filter(|h| all || h.stage.is_open())
        .collect();
    let ids: Vec<i64> = hotspots.iter().map(|h| h.unit_id).collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(&state.db, &ids)
        .await?
        .into_iter()
        .collect();
    let topics = topic_choices(&state.db, tr).await?;
    let topic_name = |t: Option<i64>| {
        t.and_then(|t| topics.iter().find(|x| x.0 == t))
            .map(|x| x.1.clone())
            .unwrap_or_default()
    };
    let lines = hotspots
        .into_iter()
        .map(|h| Line {
            id: h.id,
            unit: names.get(&h.unit_id).cloned().unwrap_or_default(),
            topic: topic_name(h.topic_id),
            severity: tr.t(&h.severity.label_key()),
            severity_key: h.severity.key(),
            stage: tr.t(&h.stage.label_key()),
            stage_key: h.stage.key(),
            restricted: h.restricted,
            updated: crate::kit::time::show(h.updated_at),
            title: h.title,
        })
        .collect();
    let manage_roots = auth.user.roots_with(Capability::ManageHotspots);
    let (open_tasks, overdue_tasks) = tasks::my_task_counts(&state, &auth.user).await?;
    let (notices, unread) = tasks::notice_lines(&state, &auth.user, tr).await?;
    Ok(page(ListTemplate {
        c: auth.ctx.chrome("hotspots-title"),
        lines,
        all,
        can_manage: !manage_roots.is_empty(),
        units: crate::orgs::unit_names(&state.db, &manage_roots).await?,
        topics,
        severities: Severity::ALL
            .into_iter()
            .map(|s| (s.key(), tr.t(&s.label_key())))
            .collect(),
        open_tasks,
        overdue_tasks,
        notices,
        unread,
    }))
}

/// The form that opens a hot spot.
#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    unit: String,
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

/// The fields of a hot spot's description, checked.
pub struct Described {
    /// Title.
    pub title: String,
    /// Topic.
    pub topic_id: Option<i64>,
    /// Severity.
    pub severity: Severity,
    /// Summary.
    pub summary: String,
    /// Areas.
    pub areas: Vec<i64>,
    /// Restricted.
    pub restricted: bool,
    /// Members.
    pub members: Vec<i64>,
}

/// Checks the description fields shared by the new and edit forms.
#[allow(clippy::too_many_arguments)]
pub async fn describe(
    db: &Db,
    unit_id: i64,
    title: &str,
    topic: &str,
    severity: &str,
    summary: &str,
    areas: &str,
    restricted: &str,
    members: &str,
) -> AppResult<Described> {
    let title = crate::kit::text::one_line(title);
    check_title(&title).map_err(AppError::BadRequest)?;
    let summary = crate::kit::text::free_text(summary);
    check_note(&summary).map_err(AppError::BadRequest)?;
    let severity = crate::kit::bounds::parse_choice(severity, Severity::parse)?
        .ok_or(AppError::BadRequest("hotspots-error-severity"))?;
    let topic_id = crate::kit::bounds::parse_id(topic)?;
    if let Some(t) = topic_id
        && !crate::reporting::topics(db)
            .await?
            .iter()
            .any(|x| x.id == t)
    {
        return Err(AppError::BadRequest("hotspots-error-topic"));
    }
    Ok(Described {
        title,
        topic_id,
        severity,
        summary,
        areas: parse_areas(db, areas, unit_id).await?,
        restricted: !restricted.is_empty(),
        members: parse_members(db, members).await?,
    })
}

/// `POST /hotspots`: opens a hot spot by hand.
pub async fn create_hotspot(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<NewForm>,
) -> AppResult<Response> {
    crate::kit::scope::require_roots(&auth.user, &[Capability::ManageHotspots])?;
    let unit_id = crate::kit::bounds::parse_id(&f.unit)?
        .ok_or(AppError::BadRequest("hotspots-error-unit"))?;
    crate::accounts::require(&state.db, &auth.user, Capability::ManageHotspots, unit_id).await?;
    let d = describe(
        &state.db,
        unit_id,
        &f.title,
        &f.topic,
        &f.severity,
        &f.summary,
        &f.areas,
        &f.restricted,
        &f.members,
    )
    .await?;
    let id = crate::hotspots::actions::open_hotspot(
        &state.db,
        &auth.ctx.actor(),
        &NewHotspot {
            unit_id,
            title: &d.title,
            topic_id: d.topic_id,
            severity: d.severity,
            summary: &d.summary,
            restricted: d.restricted,
        },
        &d.areas,
        &d.members,
        None,
    )
    .await?;
    Ok(Redirect::to(&format!("/hotspots/{id}?ok=opened")).into_response())
}

/// The form on another context's page (an alert, a stream, a report): open a new hot spot from
/// it, or add it to an open one.
#[derive(Debug, Default, Deserialize)]
pub struct FromForm {
    /// `alert:12`, `stream:7`, `report:3`, `item:40`.
    #[serde(default)]
    source: String,
    /// An open hot spot's id, or empty (or `new`) for a new one.
    #[serde(default)]
    hotspot: String,
}

/// Reads a `kind:id` source.
fn parse_source(raw: &str) -> Option<EvidenceRef> {
    let (kind, id) = raw.trim().split_once(':')?;
    let kind = EvidenceKind::parse(kind)
        .filter(|k| !matches!(k, EvidenceKind::Survey | EvidenceKind::Attachment))?;
    let id = id.parse::<i64>().ok().filter(|n| *n > 0)?;
    Some(EvidenceRef {
        kind,
        id,
        key: String::new(),
    })
}

/// `POST /hotspots/from`: one click from an alert, a stream, a report or an item — a new hot spot
/// at the source's unit (stage signal, the source as its first evidence and its area), or the
/// source attached to an open hot spot.
pub async fn open_from(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<FromForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    crate::kit::scope::require_roots(&auth.user, &[Capability::ManageHotspots])?;
    let r = parse_source(&f.source).ok_or(AppError::BadRequest("hotspots-error-source"))?;
    let found = evidence::resolve(&state, &auth.user, &r, tr)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = auth.ctx.actor();
    if let Some(id) = crate::kit::bounds::parse_id(f.hotspot.trim_start_matches("new"))? {
        crate::hotspots::manageable(&state.db, &auth.user, id).await?;
        let added =
            crate::hotspots::actions::attach_evidence(&state.db, &actor, id, &found.to_new(""))
                .await?;
        let ok = if added { "attached" } else { "already" };
        return Ok(Redirect::to(&format!("/hotspots/{id}?ok={ok}")).into_response());
    }
    // A new hot spot is kept by the analyst's own unit above the source: the highest unit of the
    // source's line that the analyst manages (their grant's unit), the source's unit its area.
    let ancestors = crate::orgs::ancestor_ids(&state.db, &[found.unit_id])
        .await?
        .remove(&found.unit_id)
        .unwrap_or_default();
    let manage = auth.user.roots_with(Capability::ManageHotspots);
    let mut keeper = None;
    for a in &ancestors {
        if crate::orgs::is_within(&state.db, &manage, *a).await? {
            keeper = Some(*a);
            break;
        }
    }
    let keeper = keeper.ok_or(AppError::Forbidden)?;
    let title: String = found
        .label
        .chars()
        .take(crate::hotspots::model::MAX_TITLE)
        .collect();
    let areas = if found.unit_id == keeper {
        vec![]
    } else {
        vec![found.unit_id]
    };
    let id = crate::hotspots::actions::open_hotspot(
        &state.db,
        &actor,
        &NewHotspot {
            unit_id: keeper,
            title: &title,
            topic_id: None,
            severity: Severity::Medium,
            summary: "",
            restricted: false,
        },
        &areas,
        &[],
        Some(&found.to_new("")),
    )
    .await?;
    Ok(Redirect::to(&format!("/hotspots/{id}?ok=opened")).into_response())
}

/// The open hot spots `user` may manage that a source page may offer to join, newest first.
pub async fn joinable(db: &Db, user: &CurrentUser) -> AppResult<Vec<(i64, String)>> {
    let roots = user.roots_with(Capability::ManageHotspots);
    if roots.is_empty() {
        return Ok(vec![]);
    }
    let units = crate::orgs::subtree_ids(db, &roots).await?;
    Ok(readable_among(db, user, &units, 50)
        .await?
        .into_iter()
        .filter(|h| h.stage.is_open())
        .map(|h| (h.id, h.title))
        .collect())
}

/// Whether `user` may read `h` (for the pages).
pub async fn readable_by(db: &Db, user: &CurrentUser, h: &store::Hotspot) -> AppResult<bool> {
    may_read(db, user, h).await
}

/// Today's date in Vietnam.
pub fn today() -> chrono::NaiveDate {
    crate::kit::time::vn_date(Utc::now())
}

/// The stage choices for a move.
pub fn stage_choices(tr: Tr, current: Stage) -> Vec<(&'static str, String)> {
    Stage::ALL
        .into_iter()
        .filter(|s| *s != current)
        .map(|s| (s.key(), tr.t(&s.label_key())))
        .collect()
}
