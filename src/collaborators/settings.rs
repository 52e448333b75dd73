//! The deployment's collaborator settings (*cấu hình mạng lưới cộng tác viên*), kept by the
//! platform-wide information centre or administrator: the value lists of the seven
//! representation attributes (add, rename, remove a value nobody uses) and the inactivity
//! threshold N (periods without activity before a collaborator is flagged). Every change is
//! audited.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::collaborators::model::{AttributeValue, Dimension};
use crate::collaborators::store;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The unit of a user who keeps the deployment's settings: a platform-wide administrator
/// (`ManageUsers`) or centre (`ReviewReports`); `None` for everyone else (a grant at one
/// top-level unit is not enough: several exist).
pub async fn settings_unit(_state: &AppState, auth: &Auth) -> AppResult<Option<i64>> {
    for cap in [Capability::ManageUsers, Capability::ReviewReports] {
        if auth.user.platform_with(cap) {
            return Ok(auth.user.roots_with(cap).first().copied());
        }
    }
    Ok(None)
}

async fn require_settings(state: &AppState, auth: &Auth) -> AppResult<i64> {
    settings_unit(state, auth).await?.ok_or(AppError::Forbidden)
}

/// A dimension with its values.
struct DimensionList {
    key: &'static str,
    label: String,
    values: Vec<AttributeValue>,
}

/// The settings page.
#[derive(Template)]
#[template(path = "collaborators/settings.html")]
struct SettingsTemplate {
    c: Chrome,
    inactive_after: i32,
    dimensions: Vec<DimensionList>,
    errors: Vec<String>,
    flash: Option<String>,
}

async fn settings_page(
    state: &AppState,
    auth: &Auth,
    errors: Vec<String>,
    flash: Option<String>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let values = store::list_values(&state.db).await?;
    let dimensions = Dimension::ALL
        .iter()
        .map(|d| DimensionList {
            key: d.key(),
            label: tr.t(&format!("collaborators-dim-{}", d.key())),
            values: values
                .iter()
                .filter(|v| v.dimension == *d)
                .cloned()
                .collect(),
        })
        .collect();
    let failed = !errors.is_empty();
    Ok(crate::kit::form::respond(
        page(SettingsTemplate {
            c: auth.ctx.chrome("collaborators-settings-title"),
            inactive_after: store::find_inactive_after(&state.db).await?,
            dimensions,
            errors,
            flash,
        }),
        failed,
    ))
}

/// `GET /collaborators/settings`.
pub async fn show_settings(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    require_settings(&state, &auth).await?;
    let flash = auth
        .ctx
        .path
        .contains("ok=1")
        .then(|| auth.ctx.tr.t("collaborators-settings-saved"));
    settings_page(&state, &auth, vec![], flash).await
}

/// The inactivity form.
#[derive(Deserialize)]
pub struct InactivityForm {
    #[serde(default)]
    inactive_after: String,
}

/// Largest inactivity threshold accepted (two years of months).
pub const MAX_INACTIVE_AFTER: i32 = 24;

/// `POST /collaborators/settings`: the inactivity threshold, 1 to 24 periods.
pub async fn update_inactivity(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<InactivityForm>,
) -> AppResult<Response> {
    let unit = require_settings(&state, &auth).await?;
    let Some(n) = f
        .inactive_after
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (1..=MAX_INACTIVE_AFTER).contains(n))
    else {
        let e = auth.ctx.tr.ta(
            "collaborators-settings-error-periods",
            &[("max", MAX_INACTIVE_AFTER.to_string())],
        );
        return settings_page(&state, &auth, vec![e], None).await;
    };
    let before = store::find_inactive_after(&state.db).await?;
    let mut tx = state.db.begin().await?;
    store::update_inactive_after(&mut tx, n, Utc::now()).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "collaborator_settings.inactivity",
        "collaborator_settings",
        "1",
        Some(unit),
        json!({"from": before, "to": n}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/collaborators/settings?ok=1").into_response())
}

/// The value form (add or rename).
#[derive(Deserialize)]
pub struct ValueForm {
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    name_en: String,
}

/// Checks a value: a known dimension, a key of `a-z 0-9 _` (1–40), names of 1–100 characters
/// (NFC; the English name defaults to the Vietnamese one). Errors are message keys.
pub fn check_value(f: &ValueForm) -> Result<AttributeValue, Vec<&'static str>> {
    let mut errors = vec![];
    let dimension = Dimension::parse(&f.dimension);
    if dimension.is_none() {
        errors.push("collaborators-settings-error-dimension");
    }
    let key = f.key.trim().to_lowercase();
    if key.is_empty()
        || key.len() > 40
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        errors.push("collaborators-settings-error-key");
    }
    let name = crate::kit::text::one_line;
    let name_vi = name(&f.name_vi);
    let mut name_en = name(&f.name_en);
    if name_en.is_empty() {
        name_en = name_vi.clone();
    }
    if name_vi.is_empty() || name_vi.chars().count() > 100 || name_en.chars().count() > 100 {
        errors.push("collaborators-settings-error-name");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(AttributeValue {
        dimension: dimension.expect("checked"),
        key,
        name_vi,
        name_en,
    })
}

/// `POST /collaborators/settings/values`: adds a value, or renames it when the key exists.
pub async fn save_value(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<ValueForm>,
) -> AppResult<Response> {
    let unit = require_settings(&state, &auth).await?;
    let v = match check_value(&f) {
        Ok(v) => v,
        Err(keys) => {
            let errors = keys.iter().map(|k| auth.ctx.tr.t(k)).collect();
            return settings_page(&state, &auth, errors, None).await;
        }
    };
    let mut tx = state.db.begin().await?;
    let action = if store::insert_value(&mut tx, &v).await? {
        "collaborator_settings.value_add"
    } else {
        store::update_value(&mut tx, &v).await?;
        "collaborator_settings.value_rename"
    };
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        action,
        "collaborator_attribute",
        &format!("{}:{}", v.dimension.key(), v.key),
        Some(unit),
        json!({"name_vi": v.name_vi, "name_en": v.name_en}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/collaborators/settings?ok=1").into_response())
}

/// `POST /collaborators/settings/values/delete`: removes a value no collaborator or target uses.
pub async fn delete_value(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<ValueForm>,
) -> AppResult<Response> {
    let unit = require_settings(&state, &auth).await?;
    let d = Dimension::parse(&f.dimension).ok_or(AppError::BadRequest(
        "collaborators-settings-error-dimension",
    ))?;
    let key = f.key.trim();
    let (people, targets) = store::count_value_uses(&state.db, d, key).await?;
    if people > 0 || targets > 0 {
        let e = auth.ctx.tr.ta(
            "collaborators-settings-error-in-use",
            &[
                ("key", key.to_string()),
                ("people", people.to_string()),
                ("targets", targets.to_string()),
            ],
        );
        return settings_page(&state, &auth, vec![e], None).await;
    }
    let mut tx = state.db.begin().await?;
    if !store::delete_value(&mut tx, d, key).await? {
        return Err(AppError::NotFound);
    }
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "collaborator_settings.value_delete",
        "collaborator_attribute",
        &format!("{}:{key}", d.key()),
        Some(unit),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/collaborators/settings?ok=1").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked() {
        let f = |d: &str, k: &str, vi: &str, en: &str| ValueForm {
            dimension: d.into(),
            key: k.into(),
            name_vi: vi.into(),
            name_en: en.into(),
        };
        let v = check_value(&f("stratum", " Fisher_2 ", "  Ngư   dân ", "")).unwrap();
        assert_eq!(
            (v.key.as_str(), v.name_vi.as_str()),
            ("fisher_2", "Ngư dân")
        );
        assert_eq!(v.name_en, "Ngư dân");
        let e = check_value(&f("shoe", "x y", "", "")).unwrap_err();
        assert_eq!(
            e,
            [
                "collaborators-settings-error-dimension",
                "collaborators-settings-error-key",
                "collaborators-settings-error-name"
            ]
        );
    }
}
