//! One report: its skeleton and streams shown, and its text and streams saved.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::reporting::actions;
use crate::reporting::model::{Status, Step, clean, is_locked, transition};
use crate::reporting::pages::{StreamLine, stream_lines};
use crate::reporting::store::{self};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::list::{ReportLine, report_lines};
use super::workflow::step;

/// One report.
#[derive(Template)]
#[template(path = "reporting/report.html")]
struct ReportTemplate {
    c: Chrome,
    r: ReportLine,
    general_mood: String,
    causes: String,
    forecast: String,
    recommendations: String,
    groups: Vec<(String, Vec<StreamLine>)>,
    available: Vec<StreamLine>,
    events: Vec<(String, String, String, String)>,
    editable: bool,
    locked: bool,
    lock_at: String,
    can_review: bool,
    can_reopen: bool,
    flash: Option<String>,
    error: Option<String>,
    attachments: Vec<(i64, String, String)>,
    hotspot_form: Option<crate::hotspots::OpenFrom>,
}

/// Query of the report page.
#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    ok: String,
}

/// `GET /reporting/reports/{id}`.
pub async fn show_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    report_page(&state, &auth, id, &q.ok, None).await
}

pub(super) async fn report_page(
    state: &AppState,
    auth: &Auth,
    id: i64,
    ok: &str,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let r = store::find_report(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_edit = can(&state.db, &auth.user, Capability::EditReports, r.unit_id).await?;
    let can_view =
        can_edit || can(&state.db, &auth.user, Capability::ViewReports, r.unit_id).await?;
    if !can_view {
        return Err(AppError::NotFound);
    }
    let can_review = can(&state.db, &auth.user, Capability::ReviewReports, r.unit_id).await?;
    let topics = store::list_topics(&state.db).await?;
    let status = r.status;
    let now = Utc::now();
    let locked = is_locked(status, r.lock_at, now);
    let editable = can_edit && transition(status, r.lock_at, now, Step::Edit).is_ok();
    let included = store::list_report_streams(&state.db, id).await?;
    let lines = stream_lines(state, tr, &topics, &included).await?;
    let mut groups: Vec<(String, Vec<StreamLine>)> = vec![];
    for scope in crate::reporting::model::Scope::KEYS {
        let label = tr.t(&crate::reporting::model::Scope::label_key(scope));
        groups.push((label, vec![]));
    }
    for l in lines {
        let i = crate::reporting::model::Scope::KEYS
            .iter()
            .position(|k| *k == l.scope_key)
            .unwrap_or(0);
        groups[i].1.push(l);
    }
    let available = if editable && r.period.len() == 7 {
        let today = now.date_naive();
        let units: Vec<i64> = crate::orgs::rollup(&state.db, r.unit_id, today)
            .await?
            .iter()
            .map(|u| u.id)
            .collect();
        let free: Vec<_> = store::list_streams_of_units(&state.db, &units, &r.period, 500)
            .await?
            .into_iter()
            .filter(|s| s.report_id.is_none())
            .collect();
        stream_lines(state, tr, &topics, &free).await?
    } else {
        vec![]
    };
    let events = store::list_events(&state.db, id)
        .await?
        .into_iter()
        .map(|e| {
            (
                crate::kit::time::show(e.at),
                e.username,
                tr.t(&format!("reporting-report-status-{}", e.action.key())),
                e.comment,
            )
        })
        .collect();
    let line = report_lines(state, auth, std::slice::from_ref(&r))
        .await?
        .remove(0);
    let flash = (!ok.is_empty()).then(|| tr.t(&format!("reporting-report-flash-{ok}")));
    let hotspot_form = crate::hotspots::open_from_form(
        &state.db,
        &auth.user,
        crate::hotspots::Source::Report,
        r.id,
    )
    .await?;
    Ok(page(ReportTemplate {
        hotspot_form,
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", r.type_name, line.unit)),
        r: line,
        general_mood: r.general_mood,
        causes: r.causes,
        forecast: r.forecast,
        recommendations: r.recommendations,
        groups,
        available,
        events,
        editable,
        locked,
        lock_at: crate::kit::time::show(r.lock_at),
        can_review: can_review && status == Status::Submitted,
        can_reopen: can_review && (locked || status == Status::Submitted),
        flash,
        error: error.map(|k| tr.t(k)),
        attachments: store::list_attachments(&state.db, id)
            .await?
            .into_iter()
            .map(|a| {
                (
                    a.id,
                    a.file_name,
                    format!("{:.1} KiB", a.size as f64 / 1024.0),
                )
            })
            .collect(),
    }))
}

/// `POST /reporting/reports/{id}`: saves the skeleton and the chosen streams (fields repeated
/// as `stream`), then submits when `action=submit`.
pub async fn update_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let r = store::find_report(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::EditReports, r.unit_id).await?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| clean(v))
            .unwrap_or_default()
    };
    let chosen: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "stream")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let now = Utc::now();
    let status = r.status;
    if let Err(key) = transition(status, r.lock_at, now, Step::Edit) {
        return Ok((
            axum::http::StatusCode::CONFLICT,
            report_page(&state, &auth, id, "", Some(key)).await?,
        )
            .into_response());
    }
    for (name, value) in &fields {
        if value.chars().count() > 20000 {
            let _ = name;
            return Err(AppError::BadRequest("reporting-report-error-too-long"));
        }
    }
    let units: Vec<i64> = crate::orgs::rollup(&state.db, r.unit_id, now.date_naive())
        .await?
        .iter()
        .map(|u| u.id)
        .collect();
    let mut allowed: Vec<i64> = store::list_streams_of_units(&state.db, &units, &r.period, 5000)
        .await?
        .into_iter()
        .filter(|s| s.report_id.is_none() || s.report_id == Some(id))
        .map(|s| s.id)
        .collect();
    allowed.sort_unstable();
    actions::update_report(
        &state.db,
        &auth.ctx.actor(),
        &r,
        &store::ReportText {
            general_mood: &get("general_mood"),
            causes: &get("causes"),
            forecast: &get("forecast"),
            recommendations: &get("recommendations"),
        },
        &chosen,
        &allowed,
        now,
    )
    .await?;
    if get("action") == "submit" {
        return step(&state, &auth, id, Step::Submit, "").await;
    }
    Ok(Redirect::to(&format!("/reporting/reports/{id}?ok=saved")).into_response())
}
