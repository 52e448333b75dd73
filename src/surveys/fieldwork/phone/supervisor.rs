//! The supervisor's telephone page (`/surveys/{id}/fieldwork/phone`, designers of the survey):
//! calling rules, interviewers' activity per day (attempts and completes by display name, no
//! respondent data), cases by attempts, claims held now (released or given to another
//! interviewer), and moving web or e-mail cases to the telephone queue with their history.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{CLAIM_MINUTES, Settings};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::fieldwork::store;
use crate::surveys::model::Survey;
use crate::surveys::survey_for;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

#[derive(Template)]
#[template(path = "surveys/fieldwork/phone/supervisor.html")]
struct SupervisorTemplate {
    c: Chrome,
    survey_id: i64,
    settings: Settings,
    error: Option<String>,
    /// `(day, interviewer, attempts, completes)`.
    activity: Vec<(String, String, i64, i64)>,
    /// `(attempts, cases, final)`.
    by_attempts: Vec<(i64, i64, i64)>,
    /// `(case, interviewer, attempts, expires)`.
    claims: Vec<(i64, String, i64, String)>,
    /// `(user id, display name)` of the interviewers who may take a case.
    interviewers: Vec<(i64, String)>,
    moved: Option<String>,
}

async fn render(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    error: Option<String>,
    moved: Option<String>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    // Interviewers are named through the accounts context, never by reading its tables.
    let claims = store::claims(&state.db, s.id).await?;
    let activity = store::activity(&state.db, s.id).await?;
    let users: Vec<i64> = claims
        .iter()
        .map(|c| c.1)
        .chain(activity.iter().map(|a| a.1))
        .collect();
    let names = crate::accounts::display_names(&state.db, &users).await?;
    let name_of = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let claims = claims
        .into_iter()
        .map(|(id, user, a, t)| (id, name_of(user), a, crate::kit::time::show(t)))
        .collect();
    let mut activity: Vec<(String, String, i64, i64)> = activity
        .into_iter()
        .map(|(day, user, a, c)| (day, name_of(user), a, c))
        .collect();
    activity.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(page(SupervisorTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("phone-supervisor-title"), s.title)),
        survey_id: s.id,
        settings: store::phone_settings(&state.db, s.id).await?,
        error,
        activity,
        by_attempts: store::cases_by_attempts(&state.db, s.id).await?,
        claims,
        interviewers: interviewers_of(&state.db, s.unit_id).await?,
        moved,
    }))
}

/// Active interviewers whose grant covers `unit_id`: `(user id, display name)`.
async fn interviewers_of(db: &crate::db::Db, unit_id: i64) -> AppResult<Vec<(i64, String)>> {
    let mut out = Vec::new();
    for (uid, _, _) in crate::accounts::users_covering(db, Capability::Interview, unit_id).await? {
        if let Some(u) = crate::accounts::load_current_user(db, uid).await? {
            out.push((uid, u.display_name));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// `GET /surveys/{id}/fieldwork/phone`.
pub async fn show_phone(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    render(&state, &auth, &s, None, None).await
}

/// The settings form.
#[derive(Clone, Debug, Deserialize)]
pub struct SettingsForm {
    /// Maximum attempts.
    #[serde(default)]
    pub max_attempts: String,
    /// From hour.
    #[serde(default)]
    pub hours_from: String,
    /// To hour.
    #[serde(default)]
    pub hours_to: String,
    /// Retry delay in minutes.
    #[serde(default)]
    pub retry_minutes: String,
}

/// `POST /surveys/{id}/fieldwork/phone/settings`.
pub async fn save_settings(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let settings = match Settings::parse(
        &f.max_attempts,
        &f.hours_from,
        &f.hours_to,
        &f.retry_minutes,
    ) {
        Ok(v) => v,
        Err(key) => {
            let mut r = render(&state, &auth, &s, Some(auth.ctx.tr.t(key)), None).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(r);
        }
    };
    let mut tx = state.db.begin().await?;
    store::save_phone_settings(&mut tx, s.id, settings, auth.user.id, Utc::now()).await?;
    audit::entry(&auth.ctx.actor(), "survey.phone_settings")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(
            json!({"max_attempts": settings.max_attempts, "hours_from": settings.hours_from,
                       "hours_to": settings.hours_to, "retry_minutes": settings.retry_minutes}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/fieldwork/phone", s.id)).into_response())
}

/// The claim form: empty `user` releases the claim, a user id gives the case to them.
#[derive(Clone, Debug, Deserialize)]
pub struct ClaimForm {
    /// Interviewer to give the case to (empty: release).
    #[serde(default)]
    pub user: String,
}

/// `POST /surveys/{id}/fieldwork/phone/cases/{cid}/claim`: releases a stuck claim or gives the
/// case to another interviewer of the survey's unit.
pub async fn set_claim(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<ClaimForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let now = Utc::now();
    let holder = match f.user.trim() {
        "" => None,
        raw => {
            let uid: i64 = raw
                .parse()
                .map_err(|_| AppError::BadRequest("phone-error-user"))?;
            let ok = interviewers_of(&state.db, s.unit_id)
                .await?
                .iter()
                .any(|(u, _)| *u == uid);
            if !ok {
                return Err(AppError::BadRequest("phone-error-user"));
            }
            Some((uid, now + Duration::minutes(CLAIM_MINUTES)))
        }
    };
    let mut tx = state.db.begin().await?;
    if !store::set_claim(&mut tx, s.id, cid, holder, now).await? {
        return Err(AppError::NotFound);
    }
    audit::entry(&auth.ctx.actor(), "survey.phone_claim")
        .object("survey_case", cid)
        .unit(s.unit_id)
        .detail(json!({"survey": s.id, "to": holder.map(|h| h.0)}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/fieldwork/phone", s.id)).into_response())
}

/// `POST /surveys/{id}/fieldwork/phone/switch`: moves the listed case ids (`cases`, separated by
/// spaces or commas) or, with `all`, every not final web or e-mail case, to the telephone queue.
pub async fn switch_mode(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let all = fields.iter().any(|(k, v)| k == "all" && v == "1");
    let mut ids = Vec::new();
    for (k, v) in &fields {
        if k != "cases" {
            continue;
        }
        for part in v.split(|c: char| c == ',' || c.is_whitespace()) {
            if part.is_empty() {
                continue;
            }
            let id: i64 = part
                .parse()
                .map_err(|_| AppError::BadRequest("phone-error-cases"))?;
            ids.push(id);
        }
    }
    if ids.len() > 10_000 {
        return Err(AppError::BadRequest("phone-error-cases"));
    }
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let moved = store::move_to_phone(
        &mut tx,
        s.id,
        if all { None } else { Some(&ids) },
        auth.user.id,
        now,
    )
    .await?;
    audit::entry(&auth.ctx.actor(), "survey.phone_switch")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(json!({"cases": moved.len(), "all": all}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    let msg = auth
        .ctx
        .tr
        .ta("phone-moved", &[("n", moved.len().to_string())]);
    render(&state, &auth, &s, None, Some(msg)).await
}
