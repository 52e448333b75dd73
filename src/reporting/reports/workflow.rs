//! The workflow steps of a report (submit, accept, return with a comment, reopen with a
//! reason), each one transaction with its event and audit entry.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::accounts::require;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::reporting::actions;
use crate::reporting::model::{Step, clean, transition};
use crate::reporting::store::{self};
use crate::web::ctx::Auth;

use super::report::report_page;

/// A comment or reason with a workflow step.
#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    comment: String,
}

pub(super) async fn step(
    state: &AppState,
    auth: &Auth,
    id: i64,
    step: Step,
    comment: &str,
) -> AppResult<Response> {
    let r = store::find_report(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let cap = match step {
        Step::Edit | Step::Submit => Capability::EditReports,
        _ => Capability::ReviewReports,
    };
    require(&state.db, &auth.user, cap, r.unit_id).await?;
    let comment = clean(comment);
    if matches!(step, Step::Return | Step::Reopen) && comment.is_empty() {
        let key = if step == Step::Return {
            "reporting-report-error-comment"
        } else {
            "reporting-report-error-reason"
        };
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            report_page(state, auth, id, "", Some(key)).await?,
        )
            .into_response());
    }
    let now = Utc::now();
    let status = r.status;
    let to = match transition(status, r.lock_at, now, step) {
        Ok(to) => to,
        Err(key) => {
            return Ok((
                axum::http::StatusCode::CONFLICT,
                report_page(state, auth, id, "", Some(key)).await?,
            )
                .into_response());
        }
    };
    // Reopening gives the unit the type's lock period again from now.
    let lock_at = if step == Step::Reopen {
        let t = store::find_type(&state.db, r.report_type_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Some(now + Duration::days(t.lock_after_days.max(1) as i64))
    } else {
        None
    };
    let change = actions::StepChange {
        step,
        to,
        lock_at,
        comment: &comment,
        now,
    };
    let actor = auth.ctx.actor();
    match step {
        Step::Submit | Step::Edit => actions::submit_report(&state.db, &actor, &r, &change).await?,
        Step::Accept => actions::accept_report(&state.db, &actor, &r, &change).await?,
        Step::Return => actions::return_report(&state.db, &actor, &r, &change).await?,
        Step::Reopen => actions::reopen_report(&state.db, &actor, &r, &change).await?,
    }
    Ok(Redirect::to(&format!("/reporting/reports/{id}?ok={}", to.key())).into_response())
}

/// `POST /reporting/reports/{id}/submit`.
pub async fn submit_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    step(&state, &auth, id, Step::Submit, "").await
}

/// `POST /reporting/reports/{id}/accept`.
pub async fn accept_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> AppResult<Response> {
    step(&state, &auth, id, Step::Accept, &f.comment).await
}

/// `POST /reporting/reports/{id}/return`.
pub async fn return_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> AppResult<Response> {
    step(&state, &auth, id, Step::Return, &f.comment).await
}

/// `POST /reporting/reports/{id}/reopen`.
pub async fn reopen_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> AppResult<Response> {
    step(&state, &auth, id, Step::Reopen, &f.comment).await
}
