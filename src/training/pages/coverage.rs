//! Training's coverage page: who of a unit's active collaborators was trained within the last
//! N months, and never, by unit and by one representation attribute; N is the deployment's
//! setting (kept here by those who keep the collaborator settings) unless `?months=` says
//! otherwise for one view.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::app::AppState;
use crate::collaborators::model::Dimension;
use crate::error::{AppError, AppResult};
use crate::training::actions;
use crate::training::model::{DEFAULT_MONTHS, MAX_MONTHS, parse_months, trained_lately};
use crate::training::pages::{READ, today};
use crate::training::store;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The deployment's default window, in months.
async fn default_months(state: &AppState) -> AppResult<u32> {
    Ok(store::find_coverage_months(&state.db)
        .await?
        .and_then(|m| u32::try_from(m).ok())
        .filter(|m| (1..=MAX_MONTHS).contains(m))
        .unwrap_or(DEFAULT_MONTHS))
}

/// One group of the coverage: a unit or an attribute value.
pub struct CoverageLine {
    name: String,
    total: usize,
    lately: usize,
    never: usize,
}

/// The coverage page.
#[derive(Template)]
#[template(path = "training/coverage.html")]
pub struct CoverageTemplate {
    c: Chrome,
    units: Vec<(i64, String)>,
    unit_id: i64,
    months: u32,
    default_months: u32,
    can_set: bool,
    setting_error: Option<String>,
    flash: Option<String>,
    dimensions: Vec<(&'static str, String)>,
    by: &'static str,
    by_unit: Vec<CoverageLine>,
    by_value: Vec<CoverageLine>,
    total: usize,
    lately: usize,
    not_lately: Vec<(String, String, String)>,
}

/// The coverage query.
#[derive(Debug, Default, Deserialize)]
pub struct CoverageQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    ok: String,
}

fn group(lines: &mut Vec<CoverageLine>, name: &str, lately: bool, never: bool) {
    let i = match lines.iter().position(|l| l.name == name) {
        Some(i) => i,
        None => {
            lines.push(CoverageLine {
                name: name.to_string(),
                total: 0,
                lately: 0,
                never: 0,
            });
            lines.len() - 1
        }
    };
    lines[i].total += 1;
    lines[i].lately += usize::from(lately);
    lines[i].never += usize::from(never);
}

/// `GET /training/coverage?unit=&months=12&by=stratum`: the active collaborators of a unit's
/// subtree, trained within the last `months` (1 to 60, the deployment's setting by default) or
/// not, and never trained, by unit and by one representation attribute; those not trained lately
/// by pseudonym.
pub async fn show_coverage(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CoverageQuery>,
) -> AppResult<Response> {
    let flash = (q.ok == "settings").then(|| auth.ctx.tr.t("training-flash-settings"));
    coverage_page(&state, &auth, q, None, flash).await
}

async fn coverage_page(
    state: &AppState,
    auth: &Auth,
    q: CoverageQuery,
    setting_error: Option<String>,
    flash: Option<String>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = crate::kit::scope::require_roots(&auth.user, &READ)?;
    let db = &state.db;
    let default_months = default_months(state).await?;
    let months = if q.months.trim().is_empty() {
        default_months
    } else {
        parse_months(&q.months).ok_or(AppError::BadRequest("training-error-months"))?
    };
    let by =
        crate::kit::bounds::parse_choice(&q.by, Dimension::parse)?.unwrap_or(Dimension::Stratum);
    let unit_id = match crate::kit::bounds::parse_id(&q.unit)? {
        Some(u) => {
            if !crate::orgs::is_within(db, &roots, u).await? {
                return Err(AppError::NotFound);
            }
            u
        }
        None => roots[0],
    };
    let members = crate::collaborators::network_members(db, unit_id, by, tr).await?;
    let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
    let last: HashMap<i64, NaiveDate> = store::last_completions(db, &ids)
        .await?
        .into_iter()
        .collect();
    let unit_ids: Vec<i64> = members.iter().map(|m| m.unit_id).collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(db, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let today = today();
    let (mut by_unit, mut by_value, mut not_lately) = (vec![], vec![], vec![]);
    let mut lately_total = 0;
    for m in &members {
        let done = last.get(&m.id).copied();
        let lately = trained_lately(done, today, months);
        lately_total += usize::from(lately);
        let unit = names.get(&m.unit_id).cloned().unwrap_or_default();
        group(&mut by_unit, &unit, lately, done.is_none());
        let value = if m.value.is_empty() {
            tr.t("training-value-none")
        } else {
            m.value.clone()
        };
        group(&mut by_value, &value, lately, done.is_none());
        if !lately {
            not_lately.push((
                m.pseudonym.clone(),
                unit,
                done.map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_else(|| tr.t("training-never")),
            ));
        }
    }
    by_unit.sort_by(|a, b| a.name.cmp(&b.name));
    by_value.sort_by(|a, b| a.name.cmp(&b.name));
    not_lately.sort();
    let status = if setting_error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let mut response = page(CoverageTemplate {
        c: auth.ctx.chrome("training-coverage-title"),
        default_months,
        can_set: crate::collaborators::settings::settings_unit(state, auth)
            .await?
            .is_some(),
        setting_error,
        flash,
        units: crate::orgs::units_near(db, &roots, 1)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect(),
        unit_id,
        months,
        dimensions: Dimension::ALL
            .into_iter()
            .map(|d| (d.key(), tr.t(&format!("collaborators-dim-{}", d.key()))))
            .collect(),
        by: by.key(),
        total: members.len(),
        lately: lately_total,
        by_unit,
        by_value,
        not_lately,
    });
    *response.status_mut() = status;
    Ok(response)
}

/// The setting's form.
#[derive(Debug, Default, Deserialize)]
pub struct SettingForm {
    #[serde(default)]
    months: String,
}

/// `POST /training/coverage`: the deployment's default window, 1 to 60 months, by those who keep
/// the collaborator settings (`collaborators::settings::settings_unit`); audited.
pub async fn update_coverage_months(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<SettingForm>,
) -> AppResult<Response> {
    let unit = crate::collaborators::settings::settings_unit(&state, &auth)
        .await?
        .ok_or(AppError::Forbidden)?;
    let Some(months) = parse_months(&f.months) else {
        let e = auth.ctx.tr.t("training-error-months");
        return coverage_page(&state, &auth, CoverageQuery::default(), Some(e), None).await;
    };
    let before = default_months(&state).await?;
    actions::set_coverage_months(&state.db, &auth.ctx.actor(), unit, before, months).await?;
    Ok(Redirect::to("/training/coverage?ok=settings").into_response())
}
