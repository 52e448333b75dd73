//! One-time tokens (`/t/{token}`): one response per token case, created by the first step and
//! completed once; a used token gets a clear page.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use duluan_forms::Engine;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::live_version;
use crate::surveys::model::{CollectionMode, Disposition, Survey, hash_secret};
use crate::surveys::respondent::{Outcome, parse_record, record_json, step};
use crate::surveys::store::{self, NewResponse};
use crate::web::ctx::Ctx;

use super::{limit, notice, options, respond, screened};
use crate::surveys::fieldwork::quotas::live;

pub(super) struct TokenCase {
    case_id: i64,
    survey: Survey,
    mode: CollectionMode,
}

pub(super) async fn open_token(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
) -> Result<TokenCase, Response> {
    let err = |e: AppError| e.into_response();
    let found = store::find_case_by_token(&state.db, &hash_secret(token))
        .await
        .map_err(err)?;
    let Some((case_id, survey_id, disposition)) = found else {
        return Err(notice(
            ctx,
            StatusCode::NOT_FOUND,
            "surveys-token-unknown-title",
            "surveys-token-unknown-body",
        ));
    };
    if disposition == Disposition::Complete {
        return Err(notice(
            ctx,
            StatusCode::OK,
            "surveys-token-used-title",
            "surveys-token-used-body",
        ));
    }
    if disposition == Disposition::QuotaFilled {
        return Err(notice(
            ctx,
            StatusCode::OK,
            "quota-screened-title",
            "quota-screened-body",
        ));
    }
    let survey = store::find_survey(&state.db, survey_id)
        .await
        .map_err(err)?
        .ok_or_else(|| err(AppError::NotFound))?;
    if !survey.accepts_on(Utc::now().date_naive()) {
        return Err(notice(
            ctx,
            StatusCode::OK,
            "surveys-closed-title",
            "surveys-closed-body",
        ));
    }
    Ok(TokenCase {
        case_id,
        survey,
        mode: CollectionMode::Web,
    })
}

pub(super) async fn token_response(
    state: &AppState,
    tc: &TokenCase,
) -> AppResult<(Option<store::ResponseRow>, Arc<Engine>, i64)> {
    if let Some(row) = store::find_partial_for_case(&state.db, tc.case_id).await? {
        let version = store::find_version(&state.db, row.version_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let engine = crate::surveys::media::engine_of(&state.db, &version).await?;
        let vid = version.id;
        return Ok((Some(row), engine, vid));
    }
    let version = live_version(&state.db, tc.survey.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let engine = crate::surveys::media::engine_of(&state.db, &version).await?;
    crate::surveys::refuse_encrypted(&engine)?;
    Ok((None, engine, version.id))
}

/// `GET /t/{token}`: the token's response at its current page; a used token gets a clear page.
pub async fn show_token(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    if let Err(r) = limit(&state, &ctx, &headers) {
        return *r;
    }
    let tc = match open_token(&state, &ctx, &token).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let result: AppResult<Response> = async {
        let (row, engine, _) = token_response(&state, &tc).await?;
        let answers = row
            .as_ref()
            .map(|r| parse_record(&r.data))
            .unwrap_or_default();
        // A case whose frame cell is full is stopped before the first question.
        if let Some(r) = screen_token(&state, &ctx, &tc, &answers).await? {
            return Ok(r);
        }
        let page = row.map(|r| r.page).unwrap_or_default();
        Ok(respond(
            &ctx, &tc.survey, &engine, &answers, &page, false, false,
        ))
    }
    .await;
    result.unwrap_or_else(|e| e.into_response())
}

/// `POST /t/{token}`: one step of a token response.
pub async fn step_token(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = limit(&state, &ctx, &headers) {
        return *r;
    }
    let tc = match open_token(&state, &ctx, &token).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let used = || {
        notice(
            &ctx,
            StatusCode::OK,
            "surveys-token-used-title",
            "surveys-token-used-body",
        )
    };
    let result: AppResult<Response> = async {
        let now = Utc::now();
        let (mut row, mut engine, version_id) = token_response(&state, &tc).await?;
        if row.is_none() {
            // The first step of the token: at most one response per case (a unique index),
            // so of concurrent first steps one creates it and the others continue with it.
            let id = uuid::Uuid::new_v4().to_string();
            let created = store::insert_case_partial(
                &state.db,
                &NewResponse {
                    id: &id,
                    survey_id: tc.survey.id,
                    version_id,
                    case_id: Some(tc.case_id),
                    resume_hash: None,
                    mode: tc.mode,
                    unit_id: Some(tc.survey.unit_id),
                },
                "",
                "{}",
                true,
                now,
            )
            .await?;
            if !created {
                tracing::debug!("concurrent first steps on one token: continuing the other's");
            }
            let Some(existing) = store::find_partial_for_case(&state.db, tc.case_id).await? else {
                // Completed meanwhile.
                return Ok(used());
            };
            let version = store::find_version(&state.db, existing.version_id)
                .await?
                .ok_or(AppError::NotFound)?;
            engine = crate::surveys::media::engine_of(&state.db, &version).await?;
            row = Some(existing);
        }
        let Some(row) = row else {
            return Ok(used());
        };
        let mut answers = parse_record(&row.data);
        let outcome = step(&engine, &mut answers, &fields, &options(ctx.tr));
        let current = match &outcome {
            Outcome::Complete(record) => record,
            Outcome::Show { .. } => &answers,
        };
        if let Some(r) = screen_token(&state, &ctx, &tc, current).await? {
            return Ok(r);
        }
        match outcome {
            Outcome::Complete(record) => {
                match store::complete_response(
                    &state.db,
                    &row.id,
                    &record_json(&record),
                    tc.survey.anonymous,
                    now,
                )
                .await
                {
                    Err(AppError::Conflict(_)) => Ok(used()),
                    Err(e) => Err(e),
                    Ok(_) => {
                        live::count_completion(&state.db, tc.survey.id, Some(tc.case_id), &record)
                            .await?;
                        Ok(notice(
                            &ctx,
                            StatusCode::OK,
                            "surveys-thanks-title",
                            "surveys-thanks-body",
                        ))
                    }
                }
            }
            Outcome::Show {
                page,
                issues,
                saved,
            } => {
                store::update_partial(&state.db, &row.id, &page, &record_json(&answers), now)
                    .await?;
                Ok(respond(
                    &ctx, &tc.survey, &engine, &answers, &page, issues, saved,
                ))
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| e.into_response())
}

/// Stops the token's respondent when their cell is full (the case gets 4.80): the page to show.
async fn screen_token(
    state: &AppState,
    ctx: &Ctx,
    tc: &TokenCase,
    answers: &duluan_forms::Record,
) -> AppResult<Option<Response>> {
    let Some(sc) = live::screen(&state.db, tc.survey.id, Some(tc.case_id), answers).await? else {
        return Ok(None);
    };
    live::screen_out(&state.db, tc.case_id, tc.mode.key(), &sc, None).await?;
    Ok(Some(screened(ctx, &sc)))
}
