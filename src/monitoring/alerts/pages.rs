//! The alert pages: the list scoped to the user's subtree, one alert with its explanation,
//! running detection now, and acknowledging or closing with a note.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::kit::scope::require_roots;
use crate::monitoring::model::AlertStatus;
use crate::monitoring::store::{self, Alert, Item};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::{run, topic_name};

/// An alert as the pages show it.
pub struct AlertLine {
    /// The alert.
    pub a: Alert,
    /// Topic name.
    pub topic: String,
    /// Unit name.
    pub unit: String,
    /// Hour of the spike.
    pub hour: String,
    /// The jump, as a sentence.
    pub jump: String,
    /// Terms.
    pub terms: Vec<String>,
    /// Status label.
    pub status: String,
    /// Unread by this user.
    pub unread: bool,
}

pub async fn lines_for(
    state: &AppState,
    auth: &Auth,
    alerts: Vec<Alert>,
) -> AppResult<Vec<AlertLine>> {
    let tr = auth.ctx.tr;
    let topics = crate::monitoring::ingest::topic_keys(&state.db).await?;
    let unit_ids: Vec<i64> = alerts.iter().map(|a| a.unit_id).collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(&state.db, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let unread: Vec<i64> = store::unread_notifications(&state.db, auth.user.id)
        .await?
        .into_iter()
        .map(|n| n.0)
        .collect();
    Ok(alerts
        .into_iter()
        .map(|a| AlertLine {
            topic: topic_name(tr, &topics, a.topic.as_deref()),
            unit: names.get(&a.unit_id).cloned().unwrap_or_default(),
            hour: crate::kit::time::show_unix_secs(a.bucket_start),
            jump: tr.ta(
                "monitoring-alert-jump",
                &[
                    ("count", a.count.to_string()),
                    ("baseline", format!("{:.1}", a.baseline)),
                    ("z", format!("{:.1}", a.z)),
                ],
            ),
            terms: serde_json::from_str(&a.terms).unwrap_or_default(),
            status: tr.t(&a.status.label_key()),
            unread: unread.contains(&a.id),
            a,
        })
        .collect())
}

/// The alerts page.
#[derive(Template)]
#[template(path = "monitoring/alerts.html")]
pub struct AlertsTemplate {
    c: Chrome,
    alerts: Vec<AlertLine>,
    status: String,
    flash: Option<String>,
    can_manage: bool,
}

/// Query of the alerts page.
#[derive(Deserialize)]
pub struct StatusQuery {
    #[serde(default)]
    status: String,
}

async fn alerts_page(
    state: &AppState,
    auth: &Auth,
    status: Option<AlertStatus>,
    flash: Option<String>,
) -> AppResult<Response> {
    let roots = require_roots(&auth.user, &[Capability::ViewMonitoring])?;
    let units = crate::orgs::subtree_ids(&state.db, &roots).await?;
    let alerts = store::list_alerts(&state.db, &units, status, 200).await?;
    let alerts = lines_for(state, auth, alerts).await?;
    Ok(page(AlertsTemplate {
        c: auth.ctx.chrome("monitoring-alerts-title"),
        alerts,
        status: status.map_or("", AlertStatus::key).to_string(),
        flash,
        can_manage: !auth
            .user
            .roots_with(Capability::ManageMonitoring)
            .is_empty(),
    }))
}

/// `GET /monitoring/alerts?status=…`.
pub async fn show_alerts(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<StatusQuery>,
) -> AppResult<Response> {
    let status = crate::kit::bounds::parse_choice(&q.status, AlertStatus::parse)?;
    alerts_page(&state, &auth, status, None).await
}

/// `POST /monitoring/alerts/run`: detects spikes now.
pub async fn run_now(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    require_roots(&auth.user, &[Capability::ManageMonitoring])?;
    let n = run(&state, Utc::now().timestamp()).await?;
    let flash = Some(
        auth.ctx
            .tr
            .ta("monitoring-alerts-done", &[("count", n.to_string())]),
    );
    alerts_page(&state, &auth, None, flash).await
}

/// One alert with its explanation.
#[derive(Template)]
#[template(path = "monitoring/alert.html")]
pub struct AlertTemplate {
    c: Chrome,
    line: AlertLine,
    examples: Vec<(Item, String)>,
    areas: Vec<(String, i64)>,
    negative: Option<(String, String)>,
    can_manage: bool,
    acked: String,
    closed: String,
    hotspot_form: Option<crate::hotspots::OpenFrom>,
}

async fn load_scoped(state: &AppState, auth: &Auth, id: i64) -> AppResult<Alert> {
    let a = store::find_alert(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::accounts::can(&state.db, &auth.user, Capability::ViewMonitoring, a.unit_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

/// `GET /monitoring/alerts/{id}`.
pub async fn show_alert(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let a = load_scoped(&state, &auth, id).await?;
    store::mark_notifications_read(&state.db, auth.user.id, id, Utc::now().timestamp()).await?;
    let ids: Vec<i64> = serde_json::from_str(&a.example_ids).unwrap_or_default();
    let mut examples = store::items_by_ids(&state.db, &ids).await?;
    // Examples were chosen when the alert was raised; a unit moved since may have taken some
    // out of the reader's subtree.
    crate::monitoring::items_in_scope(
        &state.db,
        &require_roots(&auth.user, &[Capability::ViewMonitoring])?,
        &mut examples,
    )
    .await?;
    let examples = examples
        .into_iter()
        .map(|i| {
            let when = crate::kit::time::show_unix_secs(i.occurred_at);
            (i, when)
        })
        .collect();
    let areas_raw: Vec<(i64, i64)> = serde_json::from_str(&a.areas).unwrap_or_default();
    let names: HashMap<i64, String> = crate::orgs::unit_names(
        &state.db,
        &areas_raw.iter().map(|x| x.0).collect::<Vec<_>>(),
    )
    .await?
    .into_iter()
    .collect();
    let areas = areas_raw
        .iter()
        .map(|(u, n)| (names.get(u).cloned().unwrap_or_else(|| format!("#{u}")), *n))
        .collect();
    let negative = a
        .negative_now
        .zip(a.negative_before)
        .map(|(n, b)| (format!("{:.0}%", n * 100.0), format!("{:.0}%", b * 100.0)));
    let acked = a
        .acked_at
        .map(crate::kit::time::show_unix_secs)
        .unwrap_or_default();
    let closed = a
        .closed_at
        .map(crate::kit::time::show_unix_secs)
        .unwrap_or_default();
    let can_manage = crate::accounts::can(
        &state.db,
        &auth.user,
        Capability::ManageMonitoring,
        a.unit_id,
    )
    .await?;
    let line = lines_for(&state, &auth, vec![a]).await?.remove(0);
    let hotspot_form =
        crate::hotspots::open_from_form(&state.db, &auth.user, crate::hotspots::Source::Alert, id)
            .await?;
    Ok(page(AlertTemplate {
        hotspot_form,
        c: auth.ctx.chrome_titled(format!(
            "{} — {} — {}",
            auth.ctx.tr.t("monitoring-alert-title"),
            line.topic,
            line.unit
        )),
        line,
        examples,
        areas,
        negative,
        can_manage,
        acked,
        closed,
    }))
}

/// The note form.
#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

async fn set_status(
    state: &AppState,
    auth: &Auth,
    id: i64,
    status: AlertStatus,
    note: &str,
) -> AppResult<Response> {
    let a = load_scoped(state, auth, id).await?;
    crate::accounts::require(
        &state.db,
        &auth.user,
        Capability::ManageMonitoring,
        a.unit_id,
    )
    .await?;
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(AppError::BadRequest("monitoring-alert-note-long"));
    }
    let mut tx = state.db.begin().await?;
    if !store::set_alert_status(
        &mut tx,
        id,
        status,
        auth.user.id,
        note,
        Utc::now().timestamp(),
    )
    .await?
    {
        return Err(AppError::Conflict("monitoring-alert-already"));
    }
    let action = if status == AlertStatus::Closed {
        "monitoring_alert_close"
    } else {
        "monitoring_alert_ack"
    };
    audit::entry(&auth.ctx.actor(), action)
        .object("monitor_alert", id)
        .unit(a.unit_id)
        .detail(json!({"note": note}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/monitoring/alerts/{id}")).into_response())
}

/// `POST /monitoring/alerts/{id}/ack`.
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    set_status(&state, &auth, id, AlertStatus::Acknowledged, &form.note).await
}

/// `POST /monitoring/alerts/{id}/close`.
pub async fn close(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    set_status(&state, &auth, id, AlertStatus::Closed, &form.note).await
}
