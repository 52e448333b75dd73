//! `/openrosa/devices`: an interviewer's devices. Adding one makes a random token, shown once
//! inside the server address to type into ODK Collect (only its SHA-256 is kept); revoking one
//! closes every endpoint to it at once.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::store;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// Most devices one interviewer may have at once (not revoked).
const MAX_DEVICES: usize = 20;

/// One device as listed: `(id, label, created, last seen, revoked)`.
type DeviceLine = (i64, String, String, String, bool);

#[derive(Template)]
#[template(path = "surveys/openrosa/devices.html")]
struct DevicesTemplate {
    c: Chrome,
    devices: Vec<DeviceLine>,
    error: Option<String>,
    /// The address of a device just added (shown once).
    new_url: Option<String>,
    /// Its configuration QR code for ODK Collect (an SVG element, made here from the address).
    new_qr: Option<String>,
}

async fn render(
    state: &AppState,
    auth: &Auth,
    error: Option<String>,
    new_url: Option<String>,
    new_label: String,
) -> AppResult<Response> {
    let devices = store::list_devices(&state.db, auth.user.id)
        .await?
        .into_iter()
        .map(|d| {
            (
                d.id,
                d.label,
                crate::kit::time::show(d.created_at),
                d.last_seen_at
                    .map(crate::kit::time::show)
                    .unwrap_or_default(),
                d.revoked_at.is_some(),
            )
        })
        .collect();
    let new_qr = new_url
        .as_deref()
        .and_then(|url| super::model::qr_svg(&super::model::collect_settings(url, &new_label)));
    Ok(page(DevicesTemplate {
        c: auth.ctx.chrome("openrosa-devices-title"),
        devices,
        error,
        new_url,
        new_qr,
    }))
}

/// `GET /openrosa/devices`: only for interviewers.
pub async fn show_devices(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    crate::kit::scope::require_roots(&auth.user, &[Capability::Interview])?;
    render(&state, &auth, None, None, String::new()).await
}

/// The form adding a device.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    /// A name for the device.
    #[serde(default)]
    pub label: String,
}

/// `POST /openrosa/devices`: adds a device and shows its address once.
pub async fn add_device(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> AppResult<Response> {
    crate::kit::scope::require_roots(&auth.user, &[Capability::Interview])?;
    let tr = auth.ctx.tr;
    let label = crate::kit::text::one_line(&f.label);
    let count = label.chars().count();
    if count == 0 || count > 80 {
        let mut r = render(
            &state,
            &auth,
            Some(tr.t("openrosa-error-label")),
            None,
            String::new(),
        )
        .await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let live = store::list_devices(&state.db, auth.user.id)
        .await?
        .iter()
        .filter(|d| d.revoked_at.is_none())
        .count();
    if live >= MAX_DEVICES {
        let mut r = render(
            &state,
            &auth,
            Some(tr.t("openrosa-error-too-many-devices")),
            None,
            String::new(),
        )
        .await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let token = crate::surveys::model::new_secret();
    let mut tx = state.db.begin().await?;
    let id = store::insert_device(
        &mut tx,
        auth.user.id,
        &label,
        &crate::surveys::model::hash_secret(&token),
        Utc::now(),
    )
    .await?;
    audit::entry(&auth.ctx.actor(), "openrosa.device_add")
        .object("openrosa_device", id)
        .detail(json!({"label": label}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    let url = format!("{}/openrosa/key/{token}", super::origin(&state, &headers));
    render(&state, &auth, None, Some(url), format!("duluan — {label}")).await
}

/// `POST /openrosa/devices/{id}/revoke`: one of the user's own devices.
pub async fn revoke_device(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    if !store::revoke_device(&mut tx, id, auth.user.id, Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    audit::entry(&auth.ctx.actor(), "openrosa.device_revoke")
        .object("openrosa_device", id)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/openrosa/devices").into_response())
}
