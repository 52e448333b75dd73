//! Unit kinds (*loại đơn vị*): the list and adding a kind.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::orgs::model::UnitKind;
use crate::orgs::store;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The unit-types page.
#[derive(Template)]
#[template(path = "orgs/types.html")]
struct TypesTemplate {
    c: Chrome,
    kinds: Vec<UnitKind>,
    can_add: bool,
    errors: Vec<String>,
}

async fn types_page(state: &AppState, auth: &Auth, errors: Vec<String>) -> AppResult<Response> {
    let can_add = auth.user.platform_with(Capability::ManageUnits);
    let failed = !errors.is_empty();
    let response = page(TypesTemplate {
        c: auth.ctx.chrome("kinds-title"),
        kinds: store::list_kinds(&state.db).await?,
        can_add,
        errors,
    });
    Ok(crate::kit::form::respond(response, failed))
}

/// `GET /orgs/types`: the deployment's list of unit types.
pub async fn list_kinds(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    types_page(&state, &auth, vec![]).await
}

/// The new-type form.
#[derive(Deserialize)]
pub struct KindForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    territorial: Option<String>,
}

/// `POST /orgs/types`: adds a unit type (platform-wide administrators).
pub async fn create_kind(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<KindForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = auth.user.roots_with(Capability::ManageUnits);
    if !auth.user.platform_with(Capability::ManageUnits) {
        return Err(AppError::Forbidden);
    }
    let kind = match UnitKind::parse(
        &form.key,
        &form.name_vi,
        &form.name_en,
        form.territorial.is_some(),
    ) {
        Ok(k) => k,
        Err(errors) => {
            let messages = errors.into_iter().map(|(_, k)| tr.t(k)).collect();
            return types_page(&state, &auth, messages).await;
        }
    };
    if store::list_kinds(&state.db)
        .await?
        .iter()
        .any(|k| k.key == kind.key)
    {
        return types_page(&state, &auth, vec![tr.t("kind-error-exists")]).await;
    }
    crate::orgs::actions::create_kind(&state.db, &auth.ctx.actor(), &kind, roots.first().copied())
        .await?;
    Ok(Redirect::to("/orgs/types").into_response())
}
