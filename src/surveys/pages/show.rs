//! A survey's page: versions, fieldwork status, public link, counts, and editing its fields.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use duluan_forms::Form as Questionnaire;
use serde_json::json;

use crate::accounts::can;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{Purpose, ResponseStatus, Survey, SurveyInput, SurveyStatus};
use crate::surveys::{store, survey_for, visible_survey};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::*;

/// A version as a line.
pub struct VersionLine {
    version: String,
    published: String,
    draft: bool,
}

/// A form media file of the current version, as listed.
pub struct MediaLine {
    name: String,
    size: String,
    md5: String,
}

#[derive(Template)]
#[template(path = "surveys/show.html")]
struct ShowTemplate {
    c: Chrome,
    s: Survey,
    unit: String,
    purpose: String,
    purposes: Vec<(String, String)>,
    status: String,
    period: String,
    versions: Vec<VersionLine>,
    has_draft: bool,
    has_live: bool,
    can_design: bool,
    can_responses: bool,
    can_results: bool,
    public_url: String,
    complete: i64,
    partial: i64,
    cases: Vec<(String, String, i64)>,
    waves: Vec<(i64, String, i64, bool)>,
    errors: Vec<String>,
    languages: Vec<(String, String)>,
    media: Vec<MediaLine>,
    media_draft: bool,
    media_max: usize,
    media_max_mib: usize,
    /// The live version has a public key: collected encrypted, on devices only.
    encrypted: bool,
    /// Encrypted submissions waiting to be decrypted at export.
    encrypted_count: i64,
}

pub(super) async fn render_show(
    state: &AppState,
    auth: &Auth,
    s: Survey,
    errors: Vec<String>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let db = &state.db;
    let can_design = can(db, &auth.user, Capability::DesignSurveys, s.unit_id).await?;
    let can_responses = can(db, &auth.user, Capability::ViewResponses, s.unit_id).await?;
    let can_results = can(db, &auth.user, Capability::ViewSurveyResults, s.unit_id).await?;
    let versions = store::list_versions(db, s.id).await?;
    let encrypted = match versions.iter().rfind(|v| v.published_at.is_some()) {
        Some(v) => crate::surveys::engine_for(&v.form_json)?
            .form()
            .form
            .public_key
            .is_some(),
        None => false,
    };
    let encrypted_count = crate::surveys::openrosa::encrypted::count_submissions(db, s.id).await?;
    let unit = crate::orgs::unit_names(db, &[s.unit_id])
        .await?
        .into_iter()
        .next()
        .map(|(_, n)| n)
        .unwrap_or_default();
    let (mut complete, mut partial) = (0, 0);
    for (_, status, n) in store::count_per_day(db, s.id).await? {
        if status == ResponseStatus::Complete {
            complete += n
        } else {
            partial += n
        }
    }
    let cases = store::count_cases(db, s.id)
        .await?
        .into_iter()
        .map(|(d, n)| (d.key().to_string(), tr.t(&d.label_key()), n))
        .collect();
    let waves = store::list_series(db, &s.series)
        .await?
        .into_iter()
        .map(|w| (w.id, w.title, w.wave, w.id == s.id))
        .collect();
    let languages = match versions.last() {
        Some(v) => Questionnaire::from_json(&v.form_json)
            .map(|f| {
                f.languages()
                    .into_iter()
                    .filter(|l| !l.is_empty())
                    .map(|l| {
                        let code = duluan_forms::model::language_code(&l)
                            .unwrap_or(&l)
                            .to_string();
                        (code, l)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        None => vec![],
    };
    // The current version's media files (the draft's when there is one).
    let media = match versions.last() {
        Some(v) => store::list_media(db, v.id)
            .await?
            .into_iter()
            .map(|f| MediaLine {
                name: f.file_name,
                size: format!("{} KB", (f.size + 1023) / 1024),
                md5: f.md5,
            })
            .collect(),
        None => vec![],
    };
    let media_draft = versions.last().is_some_and(|v| v.published_at.is_none());
    Ok(page(ShowTemplate {
        c: auth.ctx.chrome_titled(s.title.clone()),
        media,
        media_draft,
        media_max: crate::surveys::media::MAX_MEDIA_FILES,
        media_max_mib: crate::surveys::media::MAX_MEDIA_BYTES >> 20,
        unit,
        purpose: tr.t(&s.purpose.label_key()),
        purposes: Purpose::ALL
            .iter()
            .map(|p| (p.key().to_string(), tr.t(&p.label_key())))
            .collect(),
        status: tr.t(&s.status.label_key()),
        period: period(&s),
        has_draft: versions.iter().any(|v| v.published_at.is_none()),
        has_live: versions.iter().any(|v| v.published_at.is_some()),
        versions: versions
            .iter()
            .map(|v| VersionLine {
                version: v.version.clone(),
                published: v
                    .published_at
                    .map(|t| t.format("%d/%m/%Y %H:%M").to_string())
                    .unwrap_or_default(),
                draft: v.published_at.is_none(),
            })
            .collect(),
        can_design,
        can_responses,
        can_results,
        public_url: s
            .public_key
            .as_ref()
            .map(|k| format!("/s/{k}"))
            .unwrap_or_default(),
        complete,
        partial,
        cases,
        waves,
        errors,
        languages,
        encrypted,
        encrypted_count,
        s,
    }))
}

/// The survey's page with errors at the top (failed import or publication).
pub(crate) async fn render_show_errors(
    state: &AppState,
    auth: &Auth,
    s: Survey,
    errors: Vec<String>,
) -> AppResult<Response> {
    render_show(state, auth, s, errors).await
}

/// `GET /surveys/{id}`: the survey's page.
pub async fn show_survey(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = visible_survey(&state.db, &auth, id).await?;
    render_show(&state, &auth, s, vec![]).await
}

/// `POST /surveys/{id}/edit`: changes title, purpose, wave, period, anonymity.
pub async fn update_survey(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<SurveyForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let input = match SurveyInput::parse(
        &f.title,
        &f.purpose,
        &f.wave,
        &f.field_start,
        &f.field_end,
        f.anonymous.is_some(),
    ) {
        Ok(i) => i,
        Err(k) => {
            let msg = auth.ctx.tr.t(k);
            let mut r = render_show(&state, &auth, s, vec![msg]).await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    // Anonymity is locked by the store's `UPDATE` itself once any response exists.
    let mut tx = state.db.begin().await?;
    match store::update_survey(&mut tx, id, &input, Utc::now()).await {
        Ok(()) => {}
        Err(AppError::Conflict(key)) => {
            let msg = auth.ctx.tr.t(key);
            let mut r = render_show(&state, &auth, s, vec![msg]).await?;
            *r.status_mut() = axum::http::StatusCode::CONFLICT;
            return Ok(r);
        }
        Err(e) => return Err(e),
    }
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "survey.update",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"title": input.title, "anonymous": input.anonymous}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{id}")).into_response())
}
