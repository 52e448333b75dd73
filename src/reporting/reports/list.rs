//! The list of a user's reports, and opening a report for a type and period.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::accounts::require;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::kit::scope;
use crate::reporting::actions;
use crate::reporting::model::{Period, ReportKind, Status, is_locked};
use crate::reporting::store::{self, Report};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::schedule;

/// A report as a line.
pub struct ReportLine {
    /// Id.
    pub id: i64,
    /// Type name.
    pub type_name: String,
    /// Unit name.
    pub unit: String,
    /// Period.
    pub period: String,
    /// Status key.
    pub status_key: String,
    /// Status label.
    pub status: String,
    /// Due.
    pub due: String,
}

pub(super) async fn report_lines(
    state: &AppState,
    auth: &Auth,
    reports: &[Report],
) -> AppResult<Vec<ReportLine>> {
    let tr = auth.ctx.tr;
    let ids: Vec<i64> = reports.iter().map(|r| r.unit_id).collect();
    let names = crate::orgs::unit_names(&state.db, &ids).await?;
    let now = Utc::now();
    Ok(reports
        .iter()
        .map(|r| {
            let status = r.status;
            let key = if status != Status::Accepted && is_locked(status, r.lock_at, now) {
                "locked".to_string()
            } else {
                r.status.key().to_string()
            };
            ReportLine {
                id: r.id,
                type_name: r.type_name.clone(),
                unit: crate::reporting::pages::unit_name(&names, r.unit_id),
                period: period_label(auth, &r.period),
                status: tr.t(&format!("reporting-report-status-{key}")),
                status_key: key,
                due: crate::kit::time::show(r.due_at),
            }
        })
        .collect())
}

fn period_label(auth: &Auth, period: &str) -> String {
    if period == "once" {
        auth.ctx.tr.t("reporting-report-period-once")
    } else {
        period.to_string()
    }
}

/// The reports page.
#[derive(Template)]
#[template(path = "reporting/reports.html")]
struct ReportsTemplate {
    c: Chrome,
    openable: Vec<(i64, String, i64, String)>,
    default_period: String,
    reports: Vec<ReportLine>,
    to_review: Vec<ReportLine>,
}

/// `GET /reporting/reports`: reports the user may open, see and review.
pub async fn list_reports(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let editable = scope::units(&state.db, &auth.user, &[Capability::EditReports]).await?;
    let editable_ids: Vec<i64> = editable.iter().map(|u| u.id).collect();
    // Assignments of the user's own units (not every unit under a city-level analyst).
    let own: Vec<i64> = auth.user.roots_with(Capability::EditReports);
    let assignments = store::list_assignments(&state.db, &own).await?;
    let types = store::list_types(&state.db).await?;
    let names = crate::orgs::unit_names(&state.db, &own).await?;
    let openable = assignments
        .iter()
        .filter_map(|(t, u)| {
            let ty = types.iter().find(|x| x.id == *t)?;
            Some((
                *t,
                ty.name.clone(),
                *u,
                crate::reporting::pages::unit_name(&names, *u),
            ))
        })
        .collect();
    let visible = scope::units(&state.db, &auth.user, &[Capability::ViewReports]).await?;
    let mut ids: Vec<i64> = visible.iter().map(|u| u.id).collect();
    ids.extend(editable_ids);
    ids.sort_unstable();
    ids.dedup();
    let reports = store::list_reports_of_units(&state.db, &ids, 200).await?;
    let review_roots = auth.user.roots_with(Capability::ReviewReports);
    let waiting = store::list_submitted(&state.db, &review_roots).await?;
    let last_month = Utc::now().date_naive() - Duration::days(20);
    Ok(page(ReportsTemplate {
        c: auth.ctx.chrome("reporting-reports-title"),
        openable,
        default_period: Period::month(last_month).as_str().to_string(),
        reports: report_lines(&state, &auth, &reports).await?,
        to_review: report_lines(&state, &auth, &waiting).await?,
    }))
}

/// The form that opens (or creates) a unit's report for a period.
#[derive(Deserialize)]
pub struct OpenForm {
    /// `type id:unit id`.
    assignment: String,
    #[serde(default)]
    period: String,
}

/// `POST /reporting/reports/open`.
pub async fn open_report(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<OpenForm>,
) -> AppResult<Response> {
    let (type_id, unit_id) = form
        .assignment
        .split_once(':')
        .and_then(|(t, u)| Some((t.parse::<i64>().ok()?, u.parse::<i64>().ok()?)))
        .ok_or(AppError::BadRequest("reporting-report-error-not-assigned"))?;
    require(&state.db, &auth.user, Capability::EditReports, unit_id).await?;
    let t = store::find_type(&state.db, type_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::list_type_units(&state.db, t.id)
        .await?
        .contains(&unit_id)
    {
        return Err(AppError::BadRequest("reporting-report-error-not-assigned"));
    }
    let s = schedule(&t);
    let raw = if s.kind.periodic() || s.kind == ReportKind::Quick {
        form.period.clone()
    } else {
        "once".to_string()
    };
    let raw = if s.kind == ReportKind::Quick && raw.trim().is_empty() {
        Utc::now().date_naive().format("%Y-%m-%d").to_string()
    } else {
        raw
    };
    let period = Period::parse(s.kind, &raw).map_err(AppError::BadRequest)?;
    let now = Utc::now();
    let (due, lock) = s.deadlines(&period, now);
    let (id, _) = actions::open_report(
        &state.db,
        &auth.ctx.actor(),
        t.id,
        unit_id,
        period.as_str(),
        due,
        lock,
        now,
    )
    .await?;
    Ok(Redirect::to(&format!("/reporting/reports/{id}")).into_response())
}
