//! Web collection (*thu thập trực tuyến*): the respondent's pages for an anonymous public link
//! (`/s/{key}`, resumed on the same device by a cookie) and for one-time tokens (`/t/{token}`),
//! page by page with every rule evaluated on the server by the forms engine, and the JSON
//! submission endpoint (`POST /s/{key}/submissions`) with client-generated ids.
//!
//! Respondent pages load nothing from outside, carry no tracking and never store the address;
//! the public endpoints are rate-limited per address.
//!
//! This file is the web's side only (links, tokens, cookies, notices, the rate limit, status
//! codes); what a page shows and where a posted page leads is the respondent engine's
//! (`respondent`), which every collection mode shares.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use duluan_forms::{Engine, Record};
use serde_json::json;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{self, CollectionMode, Survey, Version, hash_secret, new_secret};
use crate::surveys::respondent::{StepView, parse_record, record_json};
use crate::surveys::store::{self, NewResponse, Stored};
use crate::surveys::{engine_for, live_version};
use crate::web::ctx::{Ctx, cookie};
use crate::web::i18n::Tr;
use crate::web::layout::RenderPage;

/// Name of the cookie that resumes an anonymous-link response on the same device.
pub const RESUME_COOKIE: &str = "duluan_resume";

// The designer's preview and the responses browser use these through `collect::` (both files
// are being changed on other branches; their imports move to `respondent::` later).
pub use crate::surveys::respondent::{Outcome, build_step, ensure_open_repeats, options, step};

/// The respondent's page.
#[derive(Template)]
#[template(path = "surveys/respond.html")]
pub struct RespondTemplate {
    /// Translator.
    pub tr: Tr,
    /// Language code.
    pub lang: &'static str,
    /// This page's path (for the language switch and the form).
    pub path: String,
    /// Survey title.
    pub title: String,
    /// The page.
    pub step: StepView,
    /// A notice above the form ("saved", "preview finished").
    pub flash: Option<String>,
    /// Preview mode: hidden state and a frame.
    pub preview: Option<PreviewState>,
    /// The anonymity notice.
    pub anonymous: bool,
}

/// Carried by preview pages instead of a stored response.
pub struct PreviewState {
    /// The answers so far, as JSON.
    pub answers: String,
    /// `phone` or `desktop`.
    pub size: String,
    /// Back to the designer.
    pub back: String,
}

/// A short respondent notice (thanks, closed, token used, slow down).
#[derive(Template)]
#[template(path = "surveys/notice.html")]
pub struct NoticeTemplate {
    /// Translator.
    pub tr: Tr,
    /// Language code.
    pub lang: &'static str,
    /// Path for the language switch.
    pub path: String,
    /// Heading.
    pub heading: String,
    /// Message.
    pub message: String,
}

fn notice(ctx: &Ctx, status: StatusCode, heading: &str, message: &str) -> Response {
    let t = NoticeTemplate {
        tr: ctx.tr,
        lang: ctx.tr.lang().code(),
        path: ctx.path.clone(),
        heading: ctx.tr.t(heading),
        message: ctx.tr.t(message),
    };
    let mut r = (status, Html(t.render_page())).into_response();
    no_store(&mut r);
    r
}

fn no_store(r: &mut Response) {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// `Err(response)` when the client went over its rate. The bucket is the client's address as
/// [`client_addr`](crate::kit::client_addr::client_addr) finds it (the TCP peer, or behind a
/// configured trusted proxy the forwarded address), never anything the client chooses freely
/// such as `Host`: one client gets one bucket, and its exhausted bucket is nobody else's.
fn limit(state: &AppState, ctx: &Ctx, headers: &HeaderMap) -> Result<(), Box<Response>> {
    use crate::kit::client_addr::{client_addr, limit_key};
    let peer = ctx
        .ip
        .parse()
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let client = client_addr(
        std::net::SocketAddr::new(peer, 0),
        headers,
        &state.config.trusted_proxies,
    );
    if state
        .survey_limits
        .allow(limit_key(client), state.config.survey_rate)
    {
        Ok(())
    } else {
        let mut r = notice(
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            "surveys-slow-title",
            "surveys-slow-body",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        Err(Box::new(r))
    }
}

fn respond(
    ctx: &Ctx,
    survey: &Survey,
    engine: &Engine,
    answers: &Record,
    page: &str,
    issues: bool,
    saved: bool,
) -> Response {
    let t = RespondTemplate {
        tr: ctx.tr,
        lang: ctx.tr.lang().code(),
        path: ctx.path.split('?').next().unwrap_or("/").to_string(),
        title: engine.form().form.title.clone(),
        step: crate::surveys::respondent::show(engine, answers, page, issues, &options(ctx.tr)),
        flash: saved.then(|| ctx.tr.t("surveys-saved")),
        preview: None,
        anonymous: survey.anonymous,
    };
    let mut r = Html(t.render_page()).into_response();
    no_store(&mut r);
    r
}

struct Open {
    survey: Survey,
    version: Version,
    engine: Arc<Engine>,
}

async fn open_survey(state: &AppState, ctx: &Ctx, key: &str) -> Result<Open, Response> {
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
    let engine = engine_for(&version.form_json).map_err(err)?;
    Ok(Open {
        survey,
        version,
        engine,
    })
}

/// The partial response resumed by this device's cookie, with its own version's engine.
async fn resumed(
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
    let engine = engine_for(&version.form_json)?;
    Ok(Some((row, engine)))
}

fn resume_cookie(key: &str, secret: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{RESUME_COOKIE}={secret}; Path=/s/{key}; Max-Age=2592000; HttpOnly; SameSite=Lax"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn clear_cookie(key: &str) -> HeaderValue {
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
        match outcome {
            Outcome::Complete(record) => {
                let data = record_json(&record);
                match &row {
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
                            // Completed meanwhile by another request of the same device.
                            Ok(_) | Err(AppError::Conflict(_)) => {}
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
                                mode: CollectionMode::Web.key(),
                                unit_id: Some(open.survey.unit_id),
                            },
                            &data,
                            open.survey.anonymous,
                            now,
                        )
                        .await?
                    }
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
                                mode: CollectionMode::Web.key(),
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

struct TokenCase {
    case_id: i64,
    survey: Survey,
    mode: String,
}

async fn open_token(state: &AppState, ctx: &Ctx, token: &str) -> Result<TokenCase, Response> {
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
    if disposition == model::Disposition::Complete.code() {
        return Err(notice(
            ctx,
            StatusCode::OK,
            "surveys-token-used-title",
            "surveys-token-used-body",
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
        mode: "web".into(),
    })
}

async fn token_response(
    state: &AppState,
    tc: &TokenCase,
) -> AppResult<(Option<store::ResponseRow>, Arc<Engine>, i64)> {
    if let Some(row) = store::find_partial_for_case(&state.db, tc.case_id).await? {
        let version = store::find_version(&state.db, row.version_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let engine = engine_for(&version.form_json)?;
        let vid = version.id;
        return Ok((Some(row), engine, vid));
    }
    let version = live_version(&state.db, tc.survey.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((None, engine_for(&version.form_json)?, version.id))
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
    match token_response(&state, &tc).await {
        Ok((row, engine, _)) => {
            let answers = row
                .as_ref()
                .map(|r| parse_record(&r.data))
                .unwrap_or_default();
            let page = row.map(|r| r.page).unwrap_or_default();
            respond(&ctx, &tc.survey, &engine, &answers, &page, false, false)
        }
        Err(e) => e.into_response(),
    }
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
                    mode: &tc.mode,
                    unit_id: Some(tc.survey.unit_id),
                },
                "",
                "{}",
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
            engine = engine_for(&version.form_json)?;
            row = Some(existing);
        }
        let Some(row) = row else {
            return Ok(used());
        };
        let mut answers = parse_record(&row.data);
        let outcome = step(&engine, &mut answers, &fields, &options(ctx.tr));
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
                    Ok(_) => Ok(notice(
                        &ctx,
                        StatusCode::OK,
                        "surveys-thanks-title",
                        "surveys-thanks-body",
                    )),
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

fn json_answer(status: StatusCode, body: serde_json::Value) -> Response {
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
