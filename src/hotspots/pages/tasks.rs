//! Tasks: the tasks of the reader's units, one task with its comments and status, and the
//! reader's notices.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::model::{Capability, CurrentUser};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::hotspots::actions;
use crate::hotspots::model::{TaskStatus, check_note, is_overdue};
use crate::hotspots::pages::show::{TaskLine, status_choices};
use crate::hotspots::pages::{assignee_names, readable_by, today};
use crate::hotspots::store::{self, tasks::Task};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// The units whose tasks `user` sees in the task list: the subtrees where they work tasks or
/// read hot spots.
async fn task_units(state: &AppState, user: &CurrentUser) -> AppResult<Vec<i64>> {
    let roots = crate::kit::scope::roots(user, &[Capability::WorkTasks, Capability::ViewHotspots]);
    crate::orgs::subtree_ids(&state.db, &roots).await
}

/// How many open tasks the reader's units have, and how many of them are overdue.
pub async fn my_task_counts(state: &AppState, user: &CurrentUser) -> AppResult<(usize, usize)> {
    let units = task_units(state, user).await?;
    let tasks = store::tasks::tasks_of_units(&state.db, &units, true).await?;
    let today = today();
    let overdue = tasks
        .iter()
        .filter(|t| is_overdue(t.status, t.due_on, today))
        .count();
    Ok((tasks.len(), overdue))
}

/// A notice as shown.
pub struct NoticeLine {
    /// The task's page.
    pub href: String,
    /// What happened.
    pub text: String,
    /// When.
    pub at: String,
    /// Not read yet.
    pub unread: bool,
}

/// The reader's latest notices, and how many are unread.
pub async fn notice_lines(
    state: &AppState,
    user: &CurrentUser,
    tr: Tr,
) -> AppResult<(Vec<NoticeLine>, usize)> {
    let notices = store::tasks::list_notices(&state.db, user.id).await?;
    let mut lines = vec![];
    for n in notices.iter().take(20) {
        let task = match n.task_id {
            Some(t) => store::tasks::find_task(&state.db, t).await?,
            None => None,
        };
        let Some(task) = task else { continue };
        lines.push(NoticeLine {
            href: format!("/hotspots/tasks/{}", task.id),
            text: tr.ta(
                &format!("hotspots-notice-{}", n.kind),
                &[("task", task.title.clone())],
            ),
            at: crate::kit::time::show(n.created_at),
            unread: n.read_at.is_none(),
        });
    }
    let unread = notices.iter().filter(|n| n.read_at.is_none()).count();
    Ok((lines, unread))
}

/// `POST /hotspots/notices/read`.
pub async fn read_notices(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    store::tasks::mark_notices_read(&state.db, auth.user.id, Utc::now()).await?;
    Ok(Redirect::to("/hotspots").into_response())
}

/// The task list page.
#[derive(Template)]
#[template(path = "hotspots/tasks.html")]
pub struct TasksTemplate {
    c: Chrome,
    tasks: Vec<(TaskLine, String)>,
    all: bool,
}

/// The task list's filter.
#[derive(Debug, Default, Deserialize)]
pub struct TasksQuery {
    #[serde(default)]
    show: String,
}

/// `GET /hotspots/tasks`: the tasks assigned to the reader's units (open ones unless
/// `?show=all`), by due day.
pub async fn list_tasks(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<TasksQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    crate::kit::scope::require_roots(
        &auth.user,
        &[Capability::WorkTasks, Capability::ViewHotspots],
    )?;
    let all = q.show == "all";
    let units = task_units(&state, &auth.user).await?;
    let tasks = store::tasks::tasks_of_units(&state.db, &units, !all).await?;
    let names = assignee_names(&state.db, &tasks).await?;
    let today = today();
    let mut ids: Vec<i64> = tasks.iter().map(|t| t.hotspot_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let hotspots = store::hotspots_by_ids(&state.db, &ids).await?;
    let member_of = store::member_of(&state.db, auth.user.id).await?;
    let lines = tasks
        .into_iter()
        .map(|t| {
            let about = hotspots
                .iter()
                .find(|h| h.id == t.hotspot_id)
                .filter(|h| !h.restricted || member_of.contains(&h.id))
                .map(|h| h.title.clone())
                .unwrap_or_default();
            (
                TaskLine {
                    id: t.id,
                    assignee: names.get(&t.id).cloned().unwrap_or_default(),
                    due: t.due_on.format("%d/%m/%Y").to_string(),
                    status: tr.t(&t.status.label_key()),
                    status_key: t.status.key(),
                    overdue: is_overdue(t.status, t.due_on, today),
                    title: t.title,
                },
                about,
            )
        })
        .collect();
    Ok(page(TasksTemplate {
        c: auth.ctx.chrome("hotspots-tasks-title"),
        tasks: lines,
        all,
    }))
}

/// What the reader may do with a task.
struct Access {
    /// Read the whole hot spot (its page is linked).
    hotspot: bool,
    /// Change status and comment.
    work: bool,
}

/// Reads a task with the reader's access: readers of its hot spot, and the people of its unit
/// (`WorkTasks` or `ViewHotspots` there); 404 for anyone else.
async fn task_for(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<(Task, Access)> {
    let db = &state.db;
    let t = store::tasks::find_task(db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let h = store::find_hotspot(db, t.hotspot_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let hotspot = readable_by(db, user, &h).await?;
    let manage =
        hotspot && crate::accounts::can(db, user, Capability::ManageHotspots, h.unit_id).await?;
    let (unit_work, unit_read) = match t.unit_id {
        Some(u) => (
            crate::accounts::can(db, user, Capability::WorkTasks, u).await?,
            crate::accounts::can(db, user, Capability::ViewHotspots, u).await?,
        ),
        None => (false, false),
    };
    if !(hotspot || unit_work || unit_read) {
        return Err(AppError::NotFound);
    }
    Ok((
        t,
        Access {
            hotspot,
            work: manage || unit_work,
        },
    ))
}

/// The task page.
#[derive(Template)]
#[template(path = "hotspots/task.html")]
pub struct TaskTemplate {
    c: Chrome,
    t: Task,
    hotspot: Option<(i64, String)>,
    assignee: String,
    due: String,
    status: String,
    overdue: bool,
    comments: Vec<(String, String, String)>,
    can_work: bool,
    statuses: Vec<(&'static str, String)>,
    flash: Option<String>,
}

/// The task page's flash.
#[derive(Debug, Default, Deserialize)]
pub struct TaskQuery {
    #[serde(default)]
    ok: String,
}

/// `GET /hotspots/tasks/{id}`.
pub async fn show_task(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<TaskQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let (t, access) = task_for(&state, &auth.user, id).await?;
    let db = &state.db;
    let hotspot = if access.hotspot {
        store::find_hotspot(db, t.hotspot_id)
            .await?
            .map(|h| (h.id, h.title))
    } else {
        None
    };
    let comments = store::tasks::list_comments(db, id).await?;
    let users: Vec<i64> = comments.iter().filter_map(|c| c.user_id).collect();
    let names: HashMap<i64, String> = crate::accounts::display_names(db, &users).await?;
    let assignee = assignee_names(db, std::slice::from_ref(&t))
        .await?
        .remove(&t.id)
        .unwrap_or_default();
    let flash = ["status", "comment"]
        .into_iter()
        .find(|k| *k == q.ok)
        .map(|k| tr.t(&format!("hotspots-flash-task-{k}")));
    Ok(page(TaskTemplate {
        c: auth.ctx.chrome_titled(t.title.clone()),
        hotspot,
        assignee,
        due: t.due_on.format("%d/%m/%Y").to_string(),
        status: tr.t(&t.status.label_key()),
        overdue: is_overdue(t.status, t.due_on, today()),
        comments: comments
            .into_iter()
            .map(|c| {
                (
                    c.user_id
                        .and_then(|u| names.get(&u).cloned())
                        .unwrap_or_default(),
                    crate::kit::time::show(c.at),
                    c.body,
                )
            })
            .collect(),
        can_work: access.work,
        statuses: status_choices(tr, t.status),
        flash,
        t,
    }))
}

/// The status form.
#[derive(Debug, Default, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    comment: String,
}

/// `POST /hotspots/tasks/{id}/status`.
pub async fn update_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    let (_, access) = task_for(&state, &auth.user, id).await?;
    if !access.work {
        return Err(AppError::Forbidden);
    }
    let status = crate::kit::bounds::parse_choice(&f.status, TaskStatus::parse)?
        .ok_or(AppError::BadRequest("hotspots-error-status"))?;
    let comment = crate::kit::text::free_text(&f.comment);
    check_note(&comment).map_err(AppError::BadRequest)?;
    actions::set_task_status(&state.db, &auth.ctx.actor(), id, status, &comment).await?;
    Ok(Redirect::to(&format!("/hotspots/tasks/{id}?ok=status")).into_response())
}

/// The comment form.
#[derive(Debug, Default, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    body: String,
}

/// `POST /hotspots/tasks/{id}/comment`.
pub async fn comment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> AppResult<Response> {
    let (_, access) = task_for(&state, &auth.user, id).await?;
    if !access.work {
        return Err(AppError::Forbidden);
    }
    let body = crate::kit::text::free_text(&f.body);
    if body.is_empty() {
        return Err(AppError::BadRequest("hotspots-error-comment"));
    }
    check_note(&body).map_err(AppError::BadRequest)?;
    actions::comment_task(&state.db, &auth.ctx.actor(), id, &body).await?;
    Ok(Redirect::to(&format!("/hotspots/tasks/{id}?ok=comment")).into_response())
}
