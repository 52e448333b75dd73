//! Actions on a survey's page: publishing a version, a new version, opening and closing, one-time tokens.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use duluan_forms::{Form as Questionnaire, check_form, version};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{CollectionMode, SurveyStatus, hash_secret, new_secret};
use crate::surveys::{draft_version, live_version, store, survey_for};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::*;

/// `POST /surveys/{id}/publish`: publishes the draft version if it checks and keeps the
/// published variables; opens the survey with a public link if it was a draft.
pub async fn publish_version(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let lang = form_lang(auth.ctx.tr);
    let draft = draft_version(&state.db, id)
        .await?
        .ok_or(AppError::Conflict("surveys-error-no-draft"))?;
    let mut form =
        Questionnaire::from_json(&draft.form_json).map_err(|e| AppError::Internal(e.into()))?;
    let mut errors: Vec<String> = match check_form(&form) {
        Ok(_) => vec![],
        Err(diags) => diags.iter().map(|d| d.render(lang)).collect(),
    };
    let versions = store::list_versions(&state.db, id).await?;
    if let Some(live) = versions.iter().rev().find(|v| v.published_at.is_some()) {
        let published =
            Questionnaire::from_json(&live.form_json).map_err(|e| AppError::Internal(e.into()))?;
        errors.extend(
            version::check_new_version(&published, &form)
                .iter()
                .map(|d| d.render(lang)),
        );
    }
    if versions
        .iter()
        .any(|v| v.published_at.is_some() && v.version == form.version)
    {
        errors.push(auth.ctx.tr.t("surveys-error-version-exists"));
    }
    // Every media file the questionnaire reads must be attached, with its columns.
    let tables = crate::surveys::media::version_tables(&state.db, draft.id).await?;
    let (files, columns) = crate::surveys::media::problems(&form, &tables, auth.ctx.tr);
    errors.extend(files);
    errors.extend(columns);
    if !errors.is_empty() {
        let mut r = render_show(&state, &auth, s, errors).await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    form.published = true;
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    store::publish_version(&mut tx, draft.id, &form.to_json(), now).await?;
    if s.status == SurveyStatus::Draft {
        let key = s.public_key.clone().unwrap_or_else(new_secret);
        store::update_survey_status(&mut tx, id, SurveyStatus::Open, Some(&key), now).await?;
    }
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "survey.publish",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"version": form.version}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{id}")).into_response())
}

fn next_version(v: &str) -> String {
    match v.trim().parse::<u64>() {
        Ok(n) => (n + 1).to_string(),
        Err(_) => format!("{v}.1"),
    }
}

/// `POST /surveys/{id}/new-version`: a draft copy of the published questionnaire.
pub async fn new_version(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    if draft_version(&state.db, id).await?.is_some() {
        return Err(AppError::Conflict("surveys-error-draft-exists"));
    }
    let live = live_version(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let published =
        Questionnaire::from_json(&live.form_json).map_err(|e| AppError::Internal(e.into()))?;
    let versions = store::list_versions(&state.db, id).await?;
    let mut v = next_version(&published.version);
    while versions.iter().any(|x| x.version == v) {
        v = next_version(&v);
    }
    let draft = version::new_draft(&published, &v);
    let mut tx = state.db.begin().await?;
    let draft_id = store::insert_draft(&mut tx, id, &v, &draft.to_json(), Utc::now()).await?;
    // The new version starts with the published version's media files.
    let copied = crate::surveys::media::copy_in(&mut tx, live.id, draft_id).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "survey.new_version",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"version": v, "media_files": copied}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{id}/designer")).into_response())
}

/// Fields of the status form.
#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

/// `POST /surveys/{id}/status`: opens (with a public link) or closes fieldwork.
pub async fn change_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let status = SurveyStatus::parse(&f.status);
    match status {
        Some(SurveyStatus::Open) => {
            if live_version(&state.db, id).await?.is_none() {
                return Err(AppError::Conflict("surveys-error-not-published"));
            }
            let key = s.public_key.clone().unwrap_or_else(new_secret);
            store::update_survey_status(&mut tx, id, SurveyStatus::Open, Some(&key), now).await?;
        }
        Some(SurveyStatus::Closed) => {
            let key = s.public_key.as_deref();
            store::update_survey_status(&mut tx, id, SurveyStatus::Closed, key, now).await?;
        }
        Some(SurveyStatus::Draft) | None => {
            return Err(AppError::BadRequest("surveys-error-status"));
        }
    }
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "survey.status",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"status": status.map(SurveyStatus::key)}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{id}")).into_response())
}

/// Fields of the token form.
#[derive(Deserialize)]
pub struct TokenForm {
    count: String,
    #[serde(default)]
    mode: String,
}

#[derive(Template)]
#[template(path = "surveys/tokens.html")]
struct TokensTemplate {
    c: Chrome,
    id: i64,
    links: Vec<String>,
}

/// `POST /surveys/{id}/tokens`: creates one-time tokens; their links are shown once (only their
/// hashes are stored).
pub async fn create_tokens(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<TokenForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let n: usize = f
        .count
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=5000).contains(n))
        .ok_or(AppError::BadRequest("surveys-error-token-count"))?;
    // Tokens are sent by e-mail or handed out for the web; anything else is a web token.
    let mode = match CollectionMode::parse(&f.mode) {
        Some(CollectionMode::Email) => CollectionMode::Email,
        _ => CollectionMode::Web,
    };
    let tokens: Vec<String> = (0..n).map(|_| new_secret()).collect();
    let hashes: Vec<String> = tokens.iter().map(|t| hash_secret(t)).collect();
    let mut tx = state.db.begin().await?;
    store::insert_token_cases(&mut tx, id, mode, &hashes, Utc::now()).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "survey.tokens",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"count": n, "mode": mode.key()}),
    )
    .await?;
    tx.commit().await?;
    Ok(page(TokensTemplate {
        c: auth.ctx.chrome("surveys-tokens-title"),
        id,
        links: tokens.iter().map(|t| format!("/t/{t}")).collect(),
    }))
}
