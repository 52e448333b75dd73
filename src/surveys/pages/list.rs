//! The list of surveys and a new survey (or a new wave of a series).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use duluan_forms::Form as Questionnaire;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{Purpose, SurveyInput};
use crate::surveys::{draft_version, live_version, store, survey_for};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::*;

#[derive(Template)]
#[template(path = "surveys/list.html")]
struct ListTemplate {
    c: Chrome,
    surveys: Vec<SurveyLine>,
    units: Vec<(i64, String)>,
    purposes: Vec<(String, String)>,
    error: Option<String>,
    continues: Vec<(i64, String)>,
    /// The user interviews somewhere: links to the telephone console and the offline devices.
    interviewer: bool,
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
        interviewer: auth
            .user
            .has_anywhere(crate::accounts::model::Capability::Interview),
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
    pub(super) unit_id: Option<i64>,
    pub(super) title: String,
    pub(super) purpose: String,
    #[serde(default)]
    pub(super) wave: String,
    #[serde(default)]
    pub(super) field_start: String,
    #[serde(default)]
    pub(super) field_end: String,
    #[serde(default)]
    pub(super) anonymous: Option<String>,
    /// A survey whose series this one continues (a new wave).
    #[serde(default)]
    pub(super) continues: String,
    /// The questionnaire a new series starts from: empty (one starter question) or `sipas`
    /// (the satisfaction-index template).
    #[serde(default)]
    pub(super) template: String,
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
    let sipas = match f.template.trim() {
        "" => false,
        "sipas" => true,
        _ => return Err(AppError::BadRequest("surveys-error-template")),
    };
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
            let form = if sipas {
                let mut form = crate::surveys::sipas_form();
                form.title = input.title.clone();
                form
            } else {
                crate::surveys::starter_form(&series, &input.title)
            };
            (series, form)
        }
    };
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let id = store::insert_survey(&mut tx, unit_id, &input, &series, &form.to_json(), now).await?;
    if let Some(p) = &previous {
        // A new wave is weighted as the last one until someone changes it.
        crate::surveys::results::copy_weighting(&mut tx, p.id, id).await?;
    }
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
