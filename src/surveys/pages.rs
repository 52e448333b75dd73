//! Staff pages of surveys: the list, a new survey (or a new wave of a series), the survey's page
//! (versions, publishing, fieldwork status, public link, one-time tokens, counts), and the
//! stylesheet of the survey pages.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use duluan_forms::{Form as Questionnaire, Lang as FormLang, check_form, version};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{
    CollectionMode, Purpose, ResponseStatus, Survey, SurveyInput, SurveyStatus, hash_secret,
    new_secret,
};
use crate::surveys::{draft_version, live_version, store, survey_for, visible_survey};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

const CSS: &str = include_str!("../../assets/surveys.css");

/// `GET /surveys/assets/surveys.css`.
pub async fn stylesheet() -> Response {
    let mut r = CSS.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

/// The message language of form diagnostics for a translator.
pub fn form_lang(tr: Tr) -> FormLang {
    match tr.lang() {
        crate::web::i18n::Lang::Vi => FormLang::Vi,
        crate::web::i18n::Lang::En => FormLang::En,
    }
}

/// A survey as a line of the list.
pub struct SurveyLine {
    id: i64,
    title: String,
    unit: String,
    purpose: String,
    wave: i64,
    status: String,
    period: String,
}

fn period(s: &Survey) -> String {
    let d = |d: Option<chrono::NaiveDate>| {
        d.map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    if s.field_start.is_none() && s.field_end.is_none() {
        String::new()
    } else {
        format!("{} – {}", d(s.field_start), d(s.field_end))
    }
}

#[derive(Template)]
#[template(path = "surveys/list.html")]
struct ListTemplate {
    c: Chrome,
    surveys: Vec<SurveyLine>,
    units: Vec<(i64, String)>,
    purposes: Vec<(String, String)>,
    error: Option<String>,
    continues: Vec<(i64, String)>,
}

/// The units owning a survey that the user may see (designers, readers of responses or results).
async fn visible_units(state: &AppState, auth: &Auth) -> AppResult<Vec<i64>> {
    let owners = store::list_survey_units(&state.db).await?;
    crate::kit::scope::filter(
        &state.db,
        &auth.user,
        &[
            Capability::DesignSurveys,
            Capability::ViewResponses,
            Capability::ViewSurveyResults,
        ],
        &owners,
    )
    .await
}

async fn render_list(state: &AppState, auth: &Auth, error: Option<String>) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let units = visible_units(state, auth).await?;
    let surveys = store::list_surveys(&state.db, &units).await?;
    let names = crate::orgs::unit_names(&state.db, &units).await?;
    let name_of = |id: i64| {
        names
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let design_roots = auth.user.roots_with(Capability::DesignSurveys);
    let design_units: Vec<(i64, String)> = crate::orgs::units_near(&state.db, &design_roots, 1)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut continues = Vec::new();
    for s in &surveys {
        if can(&state.db, &auth.user, Capability::DesignSurveys, s.unit_id).await? {
            continues.push((s.id, format!("{} ({})", s.title, s.wave)));
        }
    }
    Ok(page(ListTemplate {
        c: auth.ctx.chrome("surveys-title"),
        surveys: surveys
            .iter()
            .map(|s| SurveyLine {
                id: s.id,
                title: s.title.clone(),
                unit: name_of(s.unit_id),
                purpose: tr.t(&s.purpose.label_key()),
                wave: s.wave,
                status: tr.t(&s.status.label_key()),
                period: period(s),
            })
            .collect(),
        units: design_units,
        purposes: Purpose::ALL
            .iter()
            .map(|p| (p.key().to_string(), tr.t(&p.label_key())))
            .collect(),
        error,
        continues,
    }))
}

/// `GET /surveys`: surveys of the user's units, and the form for a new one.
pub async fn list_surveys(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    render_list(&state, &auth, None).await
}

/// Fields of the new-survey and edit forms.
#[derive(Deserialize)]
pub struct SurveyForm {
    #[serde(default)]
    unit_id: Option<i64>,
    title: String,
    purpose: String,
    #[serde(default)]
    wave: String,
    #[serde(default)]
    field_start: String,
    #[serde(default)]
    field_end: String,
    #[serde(default)]
    anonymous: Option<String>,
    /// A survey whose series this one continues (a new wave).
    #[serde(default)]
    continues: String,
}

/// `POST /surveys`: creates a survey (with a starter questionnaire, or the questionnaire of the
/// series it continues as a new wave).
pub async fn create_survey(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<SurveyForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let unit_id = f
        .unit_id
        .ok_or(AppError::BadRequest("surveys-error-unit"))?;
    require(&state.db, &auth.user, Capability::DesignSurveys, unit_id).await?;
    let previous = match f.continues.trim().parse::<i64>() {
        Ok(id) => Some(survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?),
        Err(_) => None,
    };
    let mut wave = f.wave.clone();
    if let (Some(p), true) = (&previous, wave.trim().is_empty()) {
        let waves = store::list_series(&state.db, &p.series).await?;
        wave = (waves.iter().map(|s| s.wave).max().unwrap_or(0) + 1).to_string();
    }
    let input = match SurveyInput::parse(
        &f.title,
        &f.purpose,
        &wave,
        &f.field_start,
        &f.field_end,
        f.anonymous.is_some(),
    ) {
        Ok(i) => i,
        Err(k) => {
            let mut r = render_list(&state, &auth, Some(tr.t(k))).await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let (series, form) = match &previous {
        Some(p) => {
            let source = match live_version(&state.db, p.id).await? {
                Some(v) => v,
                None => draft_version(&state.db, p.id)
                    .await?
                    .ok_or(AppError::NotFound)?,
            };
            let mut form = Questionnaire::from_json(&source.form_json)
                .map_err(|e| AppError::Internal(e.into()))?;
            form.published = false;
            form.version = "1".into();
            (p.series.clone(), form)
        }
        None => {
            let series = format!("s{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
            let form = crate::surveys::starter_form(&series, &input.title);
            (series, form)
        }
    };
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let id = store::insert_survey(&mut tx, unit_id, &input, &series, &form.to_json(), now).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "survey.create",
        "survey",
        &id.to_string(),
        Some(unit_id),
        json!({"title": input.title, "series": series, "wave": input.wave}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{id}")).into_response())
}

/// A version as a line.
pub struct VersionLine {
    version: String,
    published: String,
    draft: bool,
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
    public_url: String,
    complete: i64,
    partial: i64,
    cases: Vec<(String, String, i64)>,
    waves: Vec<(i64, String, i64, bool)>,
    errors: Vec<String>,
    languages: Vec<(String, String)>,
}

async fn render_show(
    state: &AppState,
    auth: &Auth,
    s: Survey,
    errors: Vec<String>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let db = &state.db;
    let can_design = can(db, &auth.user, Capability::DesignSurveys, s.unit_id).await?;
    let can_responses = can(db, &auth.user, Capability::ViewResponses, s.unit_id).await?;
    let versions = store::list_versions(db, s.id).await?;
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
    Ok(page(ShowTemplate {
        c: auth.ctx.chrome_titled(s.title.clone()),
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
    store::insert_draft(&mut tx, id, &v, &draft.to_json(), Utc::now()).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "survey.new_version",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"version": v}),
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
