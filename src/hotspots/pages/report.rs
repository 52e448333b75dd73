//! A hot spot's situation report (*báo cáo tình hình điểm nóng*): one printable page with its
//! description, evidence, tasks and timeline as of now.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;

use crate::app::AppState;
use crate::error::AppResult;
use crate::hotspots::pages::show::{EventLine, TaskLine, event_lines, task_lines};
use crate::hotspots::pages::topic_choices;
use crate::hotspots::readable;
use crate::hotspots::store;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The report page.
#[derive(Template)]
#[template(path = "hotspots/report.html")]
pub struct ReportTemplate {
    c: Chrome,
    h: store::Hotspot,
    unit: String,
    topic: String,
    severity: String,
    stage: String,
    areas: Vec<String>,
    evidence: Vec<(String, String, String)>,
    tasks: Vec<TaskLine>,
    overdue: usize,
    events: Vec<EventLine>,
    as_of: String,
}

/// `GET /hotspots/{id}/report`: for the hot spot's readers.
pub async fn show_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let db = &state.db;
    let h = readable(db, &auth.user, id).await?;
    let areas = crate::orgs::unit_names(db, &store::list_areas(db, id).await?)
        .await?
        .into_iter()
        .map(|u| u.1)
        .collect();
    let evidence = store::list_evidence(db, id)
        .await?
        .into_iter()
        .map(|e| (tr.t(&e.kind.label_key()), e.label, e.note))
        .collect();
    let (tasks, overdue) = task_lines(db, tr, id).await?;
    Ok(page(ReportTemplate {
        c: auth
            .ctx
            .chrome_titled(tr.ta("hotspots-report-title", &[("title", h.title.clone())])),
        unit: crate::orgs::unit_names(db, &[h.unit_id])
            .await?
            .pop()
            .map(|u| u.1)
            .unwrap_or_default(),
        topic: match h.topic_id {
            Some(t) => topic_choices(db, tr)
                .await?
                .into_iter()
                .find(|x| x.0 == t)
                .map(|x| x.1)
                .unwrap_or_default(),
            None => String::new(),
        },
        severity: tr.t(&h.severity.label_key()),
        stage: tr.t(&h.stage.label_key()),
        areas,
        evidence,
        tasks,
        overdue,
        events: event_lines(db, tr, id).await?,
        as_of: crate::kit::time::show(Utc::now()),
        h,
    }))
}
