//! Response scenarios (templates of steps per topic) and the partner organisations their steps
//! and tasks may name.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::{Capability, CurrentUser};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::hotspots::actions;
use crate::hotspots::model::{Agency, StepSpec, check_note, check_step, check_title};
use crate::hotspots::pages::topic_choices;
use crate::hotspots::store::scenarios;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The units whose scenarios and partners an analyst uses: their subtrees and the units above
/// them (the city's templates serve its wards).
async fn keeper_units(state: &AppState, user: &CurrentUser) -> AppResult<Vec<i64>> {
    let roots = crate::kit::scope::require_roots(user, &[Capability::ManageHotspots])?;
    let mut units = crate::orgs::subtree_ids(&state.db, &roots).await?;
    for (_, above) in crate::orgs::ancestor_ids(&state.db, &roots).await? {
        units.extend(above);
    }
    units.sort_unstable();
    units.dedup();
    Ok(units)
}

/// The scenarios page.
#[derive(Template)]
#[template(path = "hotspots/scenarios.html")]
pub struct ScenariosTemplate {
    c: Chrome,
    scenarios: Vec<(i64, String, String, String)>,
    partners: Vec<(String, String, String)>,
    units: Vec<(i64, String)>,
    topics: Vec<(i64, String)>,
    flash: Option<String>,
}

/// The page's flash.
#[derive(Debug, Default, Deserialize)]
pub struct FlashQuery {
    #[serde(default)]
    ok: String,
}

/// `GET /hotspots/scenarios`: scenarios and partners an analyst may use, with the forms that add
/// them.
pub async fn list_scenarios(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<FlashQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let units = keeper_units(&state, &auth.user).await?;
    let topics = topic_choices(&state.db, tr).await?;
    let list = scenarios::list_scenarios(&state.db, &units).await?;
    let partners = scenarios::list_partners(&state.db, &units).await?;
    let mut unit_ids: Vec<i64> = list.iter().map(|s| s.unit_id).collect();
    unit_ids.extend(partners.iter().map(|p| p.unit_id));
    let names: std::collections::HashMap<i64, String> =
        crate::orgs::unit_names(&state.db, &unit_ids)
            .await?
            .into_iter()
            .collect();
    let manage_roots = auth.user.roots_with(Capability::ManageHotspots);
    let flash = ["partner", "scenario"]
        .into_iter()
        .find(|k| *k == q.ok)
        .map(|k| tr.t(&format!("hotspots-flash-{k}")));
    Ok(page(ScenariosTemplate {
        c: auth.ctx.chrome("hotspots-scenarios-title"),
        scenarios: list
            .into_iter()
            .map(|s| {
                (
                    s.id,
                    s.title,
                    s.topic_id
                        .and_then(|t| topics.iter().find(|x| x.0 == t))
                        .map(|x| x.1.clone())
                        .unwrap_or_default(),
                    names.get(&s.unit_id).cloned().unwrap_or_default(),
                )
            })
            .collect(),
        partners: partners
            .into_iter()
            .map(|p| {
                (
                    p.name,
                    p.email,
                    names.get(&p.unit_id).cloned().unwrap_or_default(),
                )
            })
            .collect(),
        units: crate::orgs::unit_names(&state.db, &manage_roots).await?,
        topics,
        flash,
    }))
}

/// The new scenario form.
#[derive(Debug, Default, Deserialize)]
pub struct ScenarioForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
}

/// `POST /hotspots/scenarios`.
pub async fn create_scenario(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<ScenarioForm>,
) -> AppResult<Response> {
    crate::kit::scope::require_roots(&auth.user, &[Capability::ManageHotspots])?;
    let unit_id = crate::kit::bounds::parse_id(&f.unit)?
        .ok_or(AppError::BadRequest("hotspots-error-unit"))?;
    crate::accounts::require(&state.db, &auth.user, Capability::ManageHotspots, unit_id).await?;
    let title = crate::kit::text::one_line(&f.title);
    check_title(&title).map_err(AppError::BadRequest)?;
    let description = crate::kit::text::free_text(&f.description);
    check_note(&description).map_err(AppError::BadRequest)?;
    let topic_id = crate::kit::bounds::parse_id(&f.topic)?;
    if let Some(t) = topic_id
        && !crate::reporting::topics(&state.db)
            .await?
            .iter()
            .any(|x| x.id == t)
    {
        return Err(AppError::BadRequest("hotspots-error-topic"));
    }
    let id = actions::create_scenario(
        &state.db,
        &auth.ctx.actor(),
        unit_id,
        topic_id,
        &title,
        &description,
        &[],
    )
    .await?;
    Ok(Redirect::to(&format!("/hotspots/scenarios/{id}?ok=scenario")).into_response())
}

/// The scenario page.
#[derive(Template)]
#[template(path = "hotspots/scenario.html")]
pub struct ScenarioTemplate {
    c: Chrome,
    s: scenarios::Scenario,
    topic: String,
    unit: String,
    steps: Vec<(i32, String, String, i32, String)>,
    can_edit: bool,
    agencies: Vec<(&'static str, String)>,
    partners: Vec<(i64, String)>,
    flash: Option<String>,
}

/// A scenario an analyst may use: kept by a unit of [`keeper_units`].
async fn usable(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<scenarios::Scenario> {
    let s = scenarios::find_scenario(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !keeper_units(state, user).await?.contains(&s.unit_id) {
        return Err(AppError::NotFound);
    }
    Ok(s)
}

/// `GET /hotspots/scenarios/{id}`.
pub async fn show_scenario(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let s = usable(&state, &auth.user, id).await?;
    let db = &state.db;
    let can_edit =
        crate::accounts::can(db, &auth.user, Capability::ManageHotspots, s.unit_id).await?;
    let keepers = crate::orgs::ancestor_ids(db, &[s.unit_id])
        .await?
        .remove(&s.unit_id)
        .unwrap_or_default();
    let partners = scenarios::list_partners(db, &keepers).await?;
    let steps = scenarios::list_steps(db, id)
        .await?
        .into_iter()
        .map(|st| {
            let who = match st.agency {
                Agency::Partner => st
                    .partner_id
                    .and_then(|p| partners.iter().find(|x| x.id == p))
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                other => tr.t(&other.label_key()),
            };
            (st.position, st.title, who, st.offset_days, st.message)
        })
        .collect();
    let topic = match s.topic_id {
        Some(t) => topic_choices(db, tr)
            .await?
            .into_iter()
            .find(|x| x.0 == t)
            .map(|x| x.1)
            .unwrap_or_default(),
        None => String::new(),
    };
    let flash = ["scenario", "step"]
        .into_iter()
        .find(|k| *k == q.ok)
        .map(|k| tr.t(&format!("hotspots-flash-{k}")));
    Ok(page(ScenarioTemplate {
        c: auth.ctx.chrome_titled(s.title.clone()),
        unit: crate::orgs::unit_names(db, &[s.unit_id])
            .await?
            .pop()
            .map(|u| u.1)
            .unwrap_or_default(),
        topic,
        steps,
        can_edit,
        agencies: Agency::ALL
            .into_iter()
            .map(|a| (a.key(), tr.t(&a.label_key())))
            .collect(),
        partners: partners.into_iter().map(|p| (p.id, p.name)).collect(),
        flash,
        s,
    }))
}

/// The step form.
#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    partner: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    message: String,
}

/// `POST /hotspots/scenarios/{id}/steps`.
pub async fn add_step(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    let s = usable(&state, &auth.user, id).await?;
    crate::accounts::require(&state.db, &auth.user, Capability::ManageHotspots, s.unit_id).await?;
    let agency = crate::kit::bounds::parse_choice(&f.agency, Agency::parse)?
        .ok_or(AppError::BadRequest("hotspots-error-agency"))?;
    let partner_id = if agency == Agency::Partner {
        let p = crate::kit::bounds::parse_id(&f.partner)?
            .ok_or(AppError::BadRequest("hotspots-error-partner"))?;
        let keepers = crate::orgs::ancestor_ids(&state.db, &[s.unit_id])
            .await?
            .remove(&s.unit_id)
            .unwrap_or_default();
        match scenarios::find_partner(&state.db, p).await? {
            Some(found) if keepers.contains(&found.unit_id) => Some(p),
            _ => return Err(AppError::BadRequest("hotspots-error-partner")),
        }
    } else {
        None
    };
    let offset_days = f
        .days
        .trim()
        .parse::<i32>()
        .map_err(|_| AppError::BadRequest("hotspots-error-offset"))?;
    let step = StepSpec {
        title: crate::kit::text::one_line(&f.title),
        agency,
        partner_id,
        offset_days,
        message: crate::kit::text::free_text(&f.message),
    };
    check_step(&step).map_err(AppError::BadRequest)?;
    actions::add_step(&state.db, &auth.ctx.actor(), &s, &step).await?;
    Ok(Redirect::to(&format!("/hotspots/scenarios/{id}?ok=step")).into_response())
}

/// The partner form.
#[derive(Debug, Default, Deserialize)]
pub struct PartnerForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

/// `POST /hotspots/partners`.
pub async fn create_partner(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<PartnerForm>,
) -> AppResult<Response> {
    crate::kit::scope::require_roots(&auth.user, &[Capability::ManageHotspots])?;
    let unit_id = crate::kit::bounds::parse_id(&f.unit)?
        .ok_or(AppError::BadRequest("hotspots-error-unit"))?;
    crate::accounts::require(&state.db, &auth.user, Capability::ManageHotspots, unit_id).await?;
    let name = crate::kit::text::one_line(&f.name);
    check_title(&name).map_err(AppError::BadRequest)?;
    let email = f.email.trim().to_string();
    if !email.is_empty() && !crate::mail::model::is_email(&email) {
        return Err(AppError::BadRequest("hotspots-error-email"));
    }
    actions::create_partner(&state.db, &auth.ctx.actor(), unit_id, &name, &email).await?;
    Ok(Redirect::to("/hotspots/scenarios?ok=partner").into_response())
}
