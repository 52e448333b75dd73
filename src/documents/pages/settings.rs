//! The issuer's settings of a unit (*thể thức văn bản*): layout, bodies, symbol, place,
//! signatory and recipients; kept by the unit's writers (`ReviewReports`).

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::documents::model::{Issuer, Layout};
use crate::documents::{actions, issuer_of, store};
use crate::error::{AppError, AppResult};
use crate::kit::bounds;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::UnitQuery;

/// The settings page.
#[derive(Template)]
#[template(path = "documents/settings.html")]
pub struct SettingsTemplate {
    c: Chrome,
    units: Vec<(i64, String)>,
    unit_id: i64,
    i: Issuer,
    recipients: String,
    saved: bool,
    layouts: Vec<(&'static str, String)>,
    error: Option<String>,
}

async fn unit_of(state: &AppState, auth: &Auth, raw: &str) -> AppResult<(Vec<(i64, String)>, i64)> {
    let roots = auth.user.roots_with(Capability::ReviewReports);
    let units = crate::orgs::unit_names(&state.db, &roots).await?;
    let unit_id = bounds::parse_id(raw)?
        .or(roots.first().copied())
        .ok_or(AppError::Forbidden)?;
    crate::accounts::require(&state.db, &auth.user, Capability::ReviewReports, unit_id).await?;
    Ok((units, unit_id))
}

fn layouts(tr: crate::web::i18n::Tr) -> Vec<(&'static str, String)> {
    Layout::ALL
        .iter()
        .map(|l| (l.key(), tr.t(&format!("documents-layout-{}", l.key()))))
        .collect()
}

/// `GET /documents/settings?unit=`.
pub async fn show_settings(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<UnitQuery>,
) -> AppResult<Response> {
    let (units, unit_id) = unit_of(&state, &auth, &q.unit).await?;
    let saved = store::find_issuer(&state.db, unit_id).await?.is_some();
    let i = issuer_of(&state, unit_id).await?;
    Ok(page(SettingsTemplate {
        c: auth.ctx.chrome("documents-settings-title"),
        units,
        unit_id,
        recipients: i.recipients.join("\n"),
        i,
        saved,
        layouts: layouts(auth.ctx.tr),
        error: None,
    }))
}

/// The settings form.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    layout: String,
    #[serde(default)]
    superior_body: String,
    #[serde(default)]
    issuing_body: String,
    #[serde(default)]
    symbol: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    signatory_authority: String,
    #[serde(default)]
    signatory_position: String,
    #[serde(default)]
    signatory_name: String,
    #[serde(default)]
    recipients: String,
}

/// `POST /documents/settings`: checked whole; a mistake shows the form again with what was
/// typed and the field named.
pub async fn save_settings(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    let (units, unit_id) = unit_of(&state, &auth, &f.unit).await?;
    let line = crate::kit::text::one_line;
    let i = Issuer {
        layout: bounds::parse_choice(&f.layout, Layout::parse)?.unwrap_or(Layout::Party),
        superior_body: line(&f.superior_body),
        issuing_body: line(&f.issuing_body),
        symbol: line(&f.symbol),
        place: line(&f.place),
        signatory_authority: line(&f.signatory_authority),
        signatory_position: line(&f.signatory_position),
        signatory_name: line(&f.signatory_name),
        recipients: crate::kit::text::free_text(&f.recipients)
            .lines()
            .map(line)
            .filter(|l| !l.is_empty())
            .collect(),
    };
    if let Err(key) = i.check() {
        let tr = auth.ctx.tr;
        let mut resp = page(SettingsTemplate {
            c: auth.ctx.chrome("documents-settings-title"),
            units,
            unit_id,
            recipients: f.recipients.clone(),
            i,
            saved: false,
            layouts: layouts(tr),
            error: Some(tr.t(key)),
        });
        *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return Ok(resp);
    }
    actions::save_issuer(&state.db, &auth.ctx.actor(), unit_id, &i).await?;
    Ok(Redirect::to(&format!("/documents/settings?unit={unit_id}&ok=saved")).into_response())
}
