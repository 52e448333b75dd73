//! The anonymous public link (`/s/{key}`): a response resumed on the same device by a cookie
//! that holds a secret whose hash is the only link between the device and its partial response.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use duluan_forms::{Engine, Record};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::live_version;
use crate::surveys::model::{CollectionMode, Survey, Version, hash_secret, new_secret};
use crate::surveys::respondent::{Outcome, parse_record, record_json, step};
use crate::surveys::store::{self, NewResponse};
use crate::web::ctx::{Ctx, cookie};

use super::{RESUME_COOKIE, limit, notice, options, respond, screened};
use crate::surveys::fieldwork::quotas::live;

pub(super) struct Open {
    survey: Survey,
    version: Version,
    engine: Arc<Engine>,
}

pub(super) async fn open_survey(state: &AppState, ctx: &Ctx, key: &str) -> Result<Open, Response> {
    let err = |e: AppError| e.into_response();
    let survey = store::find_survey_by_key(&state.db, key)
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
    let version = live_version(&state.db, survey.id)
        .await
        .map_err(err)?
        .ok_or_else(|| err(AppError::NotFound))?;
    let engine = crate::surveys::media::engine_of(&state.db, &version)
        .await
        .map_err(err)?;
    crate::surveys::refuse_encrypted(&engine).map_err(err)?;
    Ok(Open {
        survey,
        version,
        engine,
    })
}

/// The partial response resumed by this device's cookie, with its own version's engine.
pub(super) async fn resumed(
    state: &AppState,
    survey_id: i64,
    headers: &HeaderMap,
) -> AppResult<Option<(store::ResponseRow, Arc<Engine>)>> {
    let Some(secret) = cookie(headers, RESUME_COOKIE).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let Some(row) =
        store::find_response_by_resume(&state.db, survey_id, &hash_secret(secret)).await?
    else {
        return Ok(None);
    };
    let version = store::find_version(&state.db, row.version_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let engine = crate::surveys::media::engine_of(&state.db, &version).await?;
    Ok(Some((row, engine)))
}

pub(super) fn resume_cookie(key: &str, secret: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{RESUME_COOKIE}={secret}; Path=/s/{key}; Max-Age=2592000; HttpOnly; SameSite=Lax"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(super) fn clear_cookie(key: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{RESUME_COOKIE}=; Path=/s/{key}; Max-Age=0; HttpOnly; SameSite=Lax"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `GET /s/{key}`: the current page of this device's response, or the first page.
pub async fn show_public(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    if let Err(r) = limit(&state, &ctx, &headers) {
        return *r;
    }
    let open = match open_survey(&state, &ctx, &key).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match resumed(&state, open.survey.id, &headers).await {
        Ok(Some((row, engine))) => respond(
            &ctx,
            &open.survey,
            &engine,
            &parse_record(&row.data),
            &row.page,
            false,
            false,
        ),
        Ok(None) => respond(
            &ctx,
            &open.survey,
            &open.engine,
            &Record::new(),
            "",
            false,
            false,
        ),
        Err(e) => e.into_response(),
    }
}

/// `POST /s/{key}`: one step of an anonymous-link response.
pub async fn step_public(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(key): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = limit(&state, &ctx, &headers) {
        return *r;
    }
    let open = match open_survey(&state, &ctx, &key).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let result: AppResult<Response> = async {
        let now = Utc::now();
        let existing = resumed(&state, open.survey.id, &headers).await?;
        let (row, engine) = match existing {
            Some((row, engine)) => (Some(row), engine),
            None => (None, open.engine.clone()),
        };
        let mut answers = row
            .as_ref()
            .map(|r| parse_record(&r.data))
            .unwrap_or_default();
        let outcome = step(&engine, &mut answers, &fields, &options(ctx.tr));
        // A full quota cell stops the respondent before anything more is stored.
        let current = match &outcome {
            Outcome::Complete(record) => record,
            Outcome::Show { .. } => &answers,
        };
        if let Some(sc) = live::screen(&state.db, open.survey.id, None, current).await? {
            let mut r = screened(&ctx, &sc);
            r.headers_mut()
                .append(header::SET_COOKIE, clear_cookie(&key));
            return Ok(r);
        }
        match outcome {
            Outcome::Complete(record) => {
                let data = record_json(&record);
                let counted = match &row {
                    Some(r) => {
                        match store::complete_response(
                            &state.db,
                            &r.id,
                            &data,
                            open.survey.anonymous,
                            now,
                        )
                        .await
                        {
                            Ok(_) => true,
                            // Completed meanwhile by another request of the same device.
                            Err(AppError::Conflict(_)) => false,
                            Err(e) => return Err(e),
                        }
                    }
                    // Answered in one step: written complete (and anonymous) from the start.
                    None => {
                        store::insert_complete(
                            &state.db,
                            &NewResponse {
                                id: &uuid::Uuid::new_v4().to_string(),
                                survey_id: open.survey.id,
                                version_id: open.version.id,
                                case_id: None,
                                resume_hash: None,
                                mode: CollectionMode::Web,
                                unit_id: Some(open.survey.unit_id),
                            },
                            &data,
                            open.survey.anonymous,
                            now,
                        )
                        .await?;
                        true
                    }
                };
                if counted {
                    live::count_completion(&state.db, open.survey.id, None, &record).await?;
                }
                let mut r = notice(
                    &ctx,
                    StatusCode::OK,
                    "surveys-thanks-title",
                    "surveys-thanks-body",
                );
                r.headers_mut()
                    .append(header::SET_COOKIE, clear_cookie(&key));
                Ok(r)
            }
            Outcome::Show {
                page,
                issues,
                saved,
            } => {
                let data = record_json(&answers);
                let mut set_cookie = None;
                match &row {
                    Some(r) => store::update_partial(&state.db, &r.id, &page, &data, now).await?,
                    None => {
                        let secret = new_secret();
                        let hash = hash_secret(&secret);
                        let id = uuid::Uuid::new_v4().to_string();
                        store::insert_partial(
                            &state.db,
                            &NewResponse {
                                id: &id,
                                survey_id: open.survey.id,
                                version_id: open.version.id,
                                case_id: None,
                                resume_hash: Some(&hash),
                                mode: CollectionMode::Web,
                                unit_id: Some(open.survey.unit_id),
                            },
                            &page,
                            &data,
                            now,
                        )
                        .await?;
                        set_cookie = Some(resume_cookie(&key, &secret));
                    }
                }
                let mut r = respond(&ctx, &open.survey, &engine, &answers, &page, issues, saved);
                if let Some(c) = set_cookie {
                    r.headers_mut().append(header::SET_COOKIE, c);
                }
                Ok(r)
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| e.into_response())
}
