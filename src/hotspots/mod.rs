//! Hot spots (*điểm nóng*): the register of political and social hot spots a unit detects and
//! handles, their response scenarios (*kịch bản ứng phó*) and the coordination of the agencies
//! concerned (*phối hợp*).
//!
//! Terms: *tín hiệu* (signal), *xác minh* (verify), *ổn định* (stabilised), *căn cứ* (evidence),
//! *nhiệm vụ* (task), *cơ quan phối hợp* (partner organisation: the People's Committee, police,
//! the Fatherland Front… outside the tree of units), *báo cáo tình hình* (situation report).
//!
//! A hot spot is kept by a unit and read, as everything else, by the readers of that unit's
//! subtree (`ViewHotspots`); a restricted one only by its named members who also read there.
//! The centre's analysts (`ManageHotspots`) open one (from an alert, a stream or a report in one
//! click, or by hand), move its stage with a reason, attach evidence by the address of any page
//! it comes from (each source context says whether the user may read it and what it says:
//! `monitoring::alert_brief`, `monitoring::item_brief`, `reporting::stream_brief`,
//! `reporting::report_brief`, `surveys::results::figure_brief`), and instantiate a scenario into
//! tasks for units and partners. The people of an assigned unit (`WorkTasks`) see its tasks,
//! move them and comment, without reading the rest of the hot spot; they hear of a new task in
//! the app and by e-mail, a partner by e-mail.
//!
//! Invariants: every change is one transaction with its timeline entry and audit entry; the
//! timeline is never edited; a piece of evidence is attached once per hot spot; a task is
//! overdue when still open after its due day (Vietnam's calendar) and shows on the hot spot, the
//! task lists and the leaders' dashboard.

pub mod actions;
mod demo;
mod evidence;
pub mod model;
pub mod pages;
mod store;

use chrono::Utc;

use crate::accounts::model::{Capability, CurrentUser};
use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};

pub use demo::load_demo;

/// Whether `user` may read hot spot `h`: `ViewHotspots` at its unit, and a member when it is
/// restricted.
async fn may_read(db: &Db, user: &CurrentUser, h: &store::Hotspot) -> AppResult<bool> {
    if !crate::accounts::can(db, user, Capability::ViewHotspots, h.unit_id).await? {
        return Ok(false);
    }
    if !h.restricted {
        return Ok(true);
    }
    Ok(store::list_members(db, h.id).await?.contains(&user.id))
}

/// The hot spot `id` if `user` may read it (404 otherwise, so that its existence is not told).
async fn readable(db: &Db, user: &CurrentUser, id: i64) -> AppResult<store::Hotspot> {
    let h = store::find_hotspot(db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_read(db, user, &h).await? {
        return Err(AppError::NotFound);
    }
    Ok(h)
}

/// The hot spot `id` if `user` may read it and manage it.
async fn manageable(db: &Db, user: &CurrentUser, id: i64) -> AppResult<store::Hotspot> {
    let h = readable(db, user, id).await?;
    crate::accounts::require(db, user, Capability::ManageHotspots, h.unit_id).await?;
    Ok(h)
}

/// An overdue task, for the leaders' dashboard.
#[derive(Clone, Debug)]
pub struct Overdue {
    /// The task's page.
    pub href: String,
    /// What to do.
    pub title: String,
    /// Who: the unit's or the partner's name.
    pub assignee: String,
    /// Due day.
    pub due_on: chrono::NaiveDate,
    /// The hot spot's title (empty when restricted and the reader is not a member).
    pub hotspot: String,
}

/// The open tasks past their due day of the hot spots kept in, or assigned to, `unit_id`'s
/// subtree, that `user` may read (a restricted hot spot's only for its members), by due day.
pub async fn overdue_for(db: &Db, user: &CurrentUser, unit_id: i64) -> AppResult<Vec<Overdue>> {
    if !crate::accounts::can(db, user, Capability::ViewHotspots, unit_id).await? {
        return Ok(vec![]);
    }
    let units = crate::orgs::subtree_ids(db, &[unit_id]).await?;
    let today = crate::kit::time::vn_date(Utc::now());
    let tasks = store::tasks::overdue_tasks(db, &units, today).await?;
    let mut ids: Vec<i64> = tasks.iter().map(|t| t.hotspot_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let hotspots = store::hotspots_by_ids(db, &ids).await?;
    let member_of = store::member_of(db, user.id).await?;
    let names = pages::assignee_names(db, &tasks).await?;
    let mut out = vec![];
    for t in tasks {
        let Some(h) = hotspots.iter().find(|h| h.id == t.hotspot_id) else {
            continue;
        };
        if h.restricted && !member_of.contains(&h.id) {
            continue;
        }
        out.push(Overdue {
            href: format!("/hotspots/tasks/{}", t.id),
            assignee: names.get(&t.id).cloned().unwrap_or_default(),
            due_on: t.due_on,
            hotspot: h.title.clone(),
            title: t.title,
        });
    }
    Ok(out)
}

/// What another context's page (an alert, an item, a stream, a report) shows about hot spots:
/// the one-click form that opens a hot spot from it or adds it to an open one (for analysts),
/// and the hot spots that already cite it (for their readers). Rendered by
/// `templates/hotspots/open_from.html`, included by those pages.
#[derive(Clone, Debug, Default)]
pub struct OpenFrom {
    /// `alert:12`, `stream:7`, `report:3`, `item:40`.
    pub source: String,
    /// Whether the reader may open or join (`ManageHotspots` somewhere).
    pub can_open: bool,
    /// Open hot spots the reader may add it to.
    pub choices: Vec<(i64, String)>,
    /// Hot spots the reader may read that cite it.
    pub citing: Vec<(i64, String)>,
}

/// The kinds of source a page may offer (see [`OpenFrom`]).
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// A monitoring alert.
    Alert,
    /// A monitored item.
    Item,
    /// An opinion stream.
    Stream,
    /// A unit's report.
    Report,
}

/// The hot spots part of a source page for `user` (`None` when they neither manage nor read any
/// hot spot citing it).
pub async fn open_from_form(
    db: &Db,
    user: &CurrentUser,
    source: Source,
    id: i64,
) -> AppResult<Option<OpenFrom>> {
    let kind = match source {
        Source::Alert => model::EvidenceKind::Alert,
        Source::Item => model::EvidenceKind::Item,
        Source::Stream => model::EvidenceKind::Stream,
        Source::Report => model::EvidenceKind::Report,
    };
    let can_open = user.has_anywhere(Capability::ManageHotspots);
    let choices = if can_open {
        pages::joinable(db, user).await?
    } else {
        vec![]
    };
    let mut citing = vec![];
    let ids = store::citing(db, kind, id).await?;
    for h in store::hotspots_by_ids(db, &ids).await? {
        if may_read(db, user, &h).await? {
            citing.push((h.id, h.title));
        }
    }
    if !can_open && citing.is_empty() {
        return Ok(None);
    }
    Ok(Some(OpenFrom {
        source: format!("{}:{id}", kind.key()),
        can_open,
        choices,
        citing,
    }))
}

/// The open hot spots `user` manages, newest first, as `(id, title)`: what an orientation
/// message may be linked to.
pub async fn linkable(db: &Db, user: &CurrentUser) -> AppResult<Vec<(i64, String)>> {
    pages::joinable(db, user).await
}

/// The title of hot spot `id` when `user` may read it.
pub async fn title_if_readable(db: &Db, user: &CurrentUser, id: i64) -> AppResult<Option<String>> {
    let Some(h) = store::find_hotspot(db, id).await? else {
        return Ok(None);
    };
    Ok(may_read(db, user, &h).await?.then_some(h.title))
}

/// The demo's flooding hot spot (the first one kept by the city), for the briefings' demo.
pub async fn demo_hotspot(db: &Db) -> AppResult<Option<i64>> {
    let Some(city) = crate::orgs::resolve_unit_ref(db, "92").await? else {
        return Ok(None);
    };
    Ok(store::list_hotspots(db, &[city], 50)
        .await?
        .into_iter()
        .map(|h| h.id)
        .min())
}

/// A hot spot's situation, for its report in the documents context: everything in Vietnamese.
#[derive(Clone, Debug)]
pub struct Situation {
    /// Title.
    pub title: String,
    /// Keeping unit.
    pub unit_id: i64,
    /// Stage, severity, topic, areas: `(label, value)` lines.
    pub facts: Vec<(String, String)>,
    /// Summary.
    pub summary: String,
    /// Evidence: `(kind, label, note)`.
    pub evidence: Vec<(String, String, String)>,
    /// Tasks: `(task, assignee, due, status)`, overdue ones marked in the status.
    pub tasks: Vec<[String; 4]>,
    /// Its page.
    pub href: String,
}

/// The situation of hot spot `id` when `user` may read it (`None` otherwise).
pub async fn situation(db: &Db, user: &CurrentUser, id: i64) -> AppResult<Option<Situation>> {
    let Some(h) = store::find_hotspot(db, id).await? else {
        return Ok(None);
    };
    if !may_read(db, user, &h).await? {
        return Ok(None);
    }
    let tr = crate::web::i18n::Tr(crate::web::i18n::Lang::Vi);
    let areas: Vec<String> = crate::orgs::unit_names(db, &store::list_areas(db, id).await?)
        .await?
        .into_iter()
        .map(|u| u.1)
        .collect();
    let topic = match h.topic_id {
        Some(t) => pages::topic_choices(db, tr)
            .await?
            .into_iter()
            .find(|x| x.0 == t)
            .map(|x| x.1)
            .unwrap_or_default(),
        None => String::new(),
    };
    let (tasks, _) = pages::show::task_lines(db, tr, id).await?;
    Ok(Some(Situation {
        facts: vec![
            (tr.t("hotspots-stage"), tr.t(&h.stage.label_key())),
            (tr.t("hotspots-severity"), tr.t(&h.severity.label_key())),
            (tr.t("hotspots-topic"), topic),
            (tr.t("hotspots-areas"), areas.join(", ")),
        ],
        evidence: store::list_evidence(db, id)
            .await?
            .into_iter()
            .map(|e| (tr.t(&e.kind.label_key()), e.label, e.note))
            .collect(),
        tasks: tasks
            .into_iter()
            .map(|t| {
                let status = if t.overdue {
                    format!("{} ({})", t.status, tr.t("hotspots-overdue"))
                } else {
                    t.status
                };
                [t.title, t.assignee, t.due, status]
            })
            .collect(),
        href: format!("/hotspots/{id}"),
        unit_id: h.unit_id,
        summary: h.summary,
        title: h.title,
    }))
}

/// Routes of the hot spots context.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/hotspots",
            get(pages::list_hotspots).post(pages::create_hotspot),
        )
        .route("/hotspots/from", post(pages::open_from))
        .route("/hotspots/notices/read", post(pages::tasks::read_notices))
        .route("/hotspots/tasks", get(pages::tasks::list_tasks))
        .route("/hotspots/tasks/{id}", get(pages::tasks::show_task))
        .route(
            "/hotspots/tasks/{id}/status",
            post(pages::tasks::update_status),
        )
        .route("/hotspots/tasks/{id}/comment", post(pages::tasks::comment))
        .route(
            "/hotspots/scenarios",
            get(pages::scenarios::list_scenarios).post(pages::scenarios::create_scenario),
        )
        .route(
            "/hotspots/scenarios/{id}",
            get(pages::scenarios::show_scenario),
        )
        .route(
            "/hotspots/scenarios/{id}/steps",
            post(pages::scenarios::add_step),
        )
        .route("/hotspots/partners", post(pages::scenarios::create_partner))
        .route("/hotspots/{id}", get(pages::show::show_hotspot))
        .route("/hotspots/{id}/report", get(pages::report::show_report))
        .route("/hotspots/{id}/stage", post(pages::show::move_stage))
        .route("/hotspots/{id}/edit", post(pages::show::edit))
        .route("/hotspots/{id}/evidence", post(pages::show::attach))
        .route(
            "/hotspots/{id}/evidence/{evidence}/remove",
            post(pages::show::detach),
        )
        .route("/hotspots/{id}/note", post(pages::show::note))
        .route("/hotspots/{id}/scenario", post(pages::show::instantiate))
        .route("/hotspots/{id}/tasks", post(pages::show::add_task))
        .route("/hotspots/assets/hotspots.css", get(stylesheet))
}

async fn stylesheet() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/hotspots.css"),
    )
        .into_response()
}
