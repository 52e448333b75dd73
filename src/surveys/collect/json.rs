//! The JSON submission endpoint (`POST /s/{key}/submissions`): a whole response under its
//! client id, checked by the forms engine, committed before the answer.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::json;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{self};
use crate::surveys::respondent::record_json;
use crate::surveys::store::{self, Stored};
use crate::web::ctx::Ctx;

use super::{limit, no_store, options};

pub(super) fn json_answer(status: StatusCode, body: serde_json::Value) -> Response {
    let mut r = (status, axum::Json(body)).into_response();
    no_store(&mut r);
    r
}

/// `POST /s/{key}/submissions`: a whole response as JSON
/// (`{"id": UUID, "answers": {...}, "complete": true}`), checked by the forms engine, stored once
/// under its client id and committed before the answer (201 new, 200 retry, 409 replay of the
/// id with other answers, 422 invalid answers, 400 malformed, 413 too large).
pub async fn submit_json(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    if limit(&state, &ctx, &headers).is_err() {
        return json_answer(
            StatusCode::TOO_MANY_REQUESTS,
            json!({"error": "surveys-slow-title", "message": ctx.tr.t("surveys-slow-body")}),
        );
    }
    let refuse = |status: StatusCode, key: &str| {
        json_answer(status, json!({"error": key, "message": ctx.tr.t(key)}))
    };
    let sub = match model::parse_submission(&body) {
        Ok(s) => s,
        Err(k) if k == "surveys-submit-too-large" => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, k);
        }
        Err(k) => return refuse(StatusCode::BAD_REQUEST, k),
    };
    let live = match crate::surveys::live_by_key(&state.db, &key).await {
        Ok(Some(l)) => l,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "error-not-found"),
        Err(e) => return e.into_response(),
    };
    let survey = &live.survey;
    if !survey.accepts_on(Utc::now().date_naive()) {
        return refuse(StatusCode::CONFLICT, "surveys-closed-body");
    }
    if let Some((_, engine)) = &live.version
        && crate::surveys::refuse_encrypted(engine).is_err()
    {
        return refuse(StatusCode::CONFLICT, "surveys-encrypted-offline-only");
    }
    let result: AppResult<Response> = async {
        let (version_id, engine) = live.version.as_ref().ok_or(AppError::NotFound)?;
        let eval = engine.evaluate(&sub.answers, &options(ctx.tr));
        if sub.complete && !eval.is_complete() {
            let issues: Vec<_> = eval
                .issues()
                .map(|q| json!({"question": q.name, "instance": q.instance, "message": q.issue.as_ref().map(|i| i.message.clone())}))
                .collect();
            return Ok(json_answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": "surveys-submit-invalid", "message": ctx.tr.t("surveys-submit-invalid"), "issues": issues}),
            ));
        }
        let record = if sub.complete { &eval.record } else { &sub.answers };
        let stored = store::insert_submission(
            &state.db,
            store::NewSubmission {
                id: sub.id.clone(),
                survey_id: survey.id,
                version_id: *version_id,
                complete: sub.complete,
                data: record_json(record),
                anonymous: survey.anonymous,
                unit_id: survey.unit_id,
            },
        )
        .await?;
        if stored == Stored::New && sub.complete {
            metrics::counter!("duluan_survey_submissions_total").increment(1);
        }
        Ok(match stored {
            Stored::New => json_answer(
                StatusCode::CREATED,
                json!({"id": sub.id, "stored": true}),
            ),
            Stored::Retry => json_answer(
                StatusCode::OK,
                json!({"id": sub.id, "stored": true, "retry": true}),
            ),
            Stored::Replay => json_answer(
                StatusCode::CONFLICT,
                json!({"error": "surveys-submit-replay", "message": ctx.tr.t("surveys-submit-replay")}),
            ),
        })
    }
    .await;
    result.unwrap_or_else(|e| e.into_response())
}
