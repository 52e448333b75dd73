//! One user's administration page: profile, grants (added and removed one by one), and a
//! password reset.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::{Capability, Role, check_new_password};
use crate::accounts::{hash_password_bounded, manages_user, may_manage_grant, store};
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::unit_choices;

/// One user's administration page.
#[derive(Template)]
#[template(path = "user.html")]
struct UserTemplate {
    c: Chrome,
    id: i64,
    /// Whether the user's roles reach the whole platform.
    platform_wide: bool,
    /// Whether the reader may change that (platform-wide administrators only).
    can_set_platform: bool,
    username: String,
    display_name: String,
    active: bool,
    grants: Vec<(i64, String, String)>,
    roles: Vec<(&'static str, String)>,
    units: Vec<(String, String)>,
    errors: Vec<String>,
    flash: Option<String>,
}

async fn user_page(
    state: &AppState,
    auth: &Auth,
    id: i64,
    errors: Vec<String>,
    flash: Option<&str>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    if !manages_user(&state.db, &auth.user, id).await? {
        return Err(AppError::Forbidden);
    }
    let row = store::find_user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let grants = store::list_grants(&state.db, id).await?;
    let ids: Vec<i64> = grants.iter().map(|g| g.unit_id).collect();
    let names = crate::orgs::unit_names(&state.db, &ids).await?;
    let grant_unit = grants.first().map(|g| g.unit_id);
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "user_read",
        "user",
        &id.to_string(),
        grant_unit,
        json!({}),
    )
    .await?;
    let failed = !errors.is_empty();
    let mut response = page(UserTemplate {
        c: auth.ctx.chrome_titled(row.display_name.clone()),
        id,
        platform_wide: row.platform_wide,
        can_set_platform: auth.user.platform_with(Capability::ManageUsers),
        username: row.username,
        display_name: row.display_name,
        active: row.is_active,
        grants: grants
            .iter()
            .map(|g| {
                let unit = names
                    .iter()
                    .find(|(i, _)| *i == g.unit_id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                (g.id, tr.t(&g.role.label_key()), unit)
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| (r.key(), tr.t(&r.label_key())))
            .collect(),
        units: unit_choices(state, &auth.user).await?,
        errors,
        flash: flash.map(|k| tr.t(k)),
    });
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /admin/users/{id}`.
pub async fn show_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    user_page(&state, &auth, id, vec![], None).await
}

/// The profile form.
#[derive(Deserialize)]
pub struct ProfileForm {
    display_name: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    platform_wide: Option<String>,
}

/// `POST /admin/users/{id}`: display name and activation.
pub async fn update_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    if !manages_user(&state.db, &auth.user, id).await? {
        return Err(AppError::Forbidden);
    }
    let name = crate::kit::text::one_line(&form.display_name);
    if name.is_empty() || name.chars().count() > 120 {
        return user_page(
            &state,
            &auth,
            id,
            vec![auth.ctx.tr.t("user-error-display-name")],
            None,
        )
        .await;
    }
    let active = form.active.is_some();
    if id == auth.user.id && !active {
        return user_page(
            &state,
            &auth,
            id,
            vec![auth.ctx.tr.t("user-error-self-deactivate")],
            None,
        )
        .await;
    }
    // Only a platform-wide administrator makes others platform-wide (or not); the field is
    // ignored from anyone else. Nobody drops their own flag: the platform would lose its last
    // administrator as easily.
    let platform = if auth.user.platform_with(Capability::ManageUsers) {
        let wanted = form.platform_wide.is_some();
        if id == auth.user.id && !wanted {
            return user_page(
                &state,
                &auth,
                id,
                vec![auth.ctx.tr.t("user-error-self-platform")],
                None,
            )
            .await;
        }
        Some(wanted)
    } else {
        None
    };
    let unit = store::list_grants(&state.db, id)
        .await?
        .first()
        .map(|g| g.unit_id);
    let mut tx = state.db.begin().await?;
    store::update_profile(&mut tx, id, &name, active).await?;
    if let Some(wanted) = platform {
        store::update_platform_wide(&mut tx, id, wanted).await?;
    }
    audit::entry(&auth.ctx.actor(), "user_update")
        .object("user", id)
        .unit(unit)
        .detail(json!({"active": active, "platform_wide": platform}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    user_page(&state, &auth, id, vec![], Some("flash-saved")).await
}

/// The add-grant form.
#[derive(Deserialize)]
pub struct GrantForm {
    role: String,
    unit: String,
}

/// `POST /admin/users/{id}/grants`.
pub async fn add_grant(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<GrantForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    if !manages_user(&state.db, &auth.user, id).await? {
        return Err(AppError::Forbidden);
    }
    let Some(role) = Role::parse(&form.role) else {
        return user_page(&state, &auth, id, vec![tr.t("user-error-role")], None).await;
    };
    let Some(unit) = crate::orgs::resolve_unit_ref(&state.db, &form.unit).await? else {
        return user_page(&state, &auth, id, vec![tr.t("user-error-unit")], None).await;
    };
    // The new grant too: inside the administrator's reach and no higher than their role.
    if !may_manage_grant(&state.db, &auth.user, role, unit).await? {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    store::insert_grant(&mut tx, id, role, unit, Utc::now()).await?;
    audit::entry(&auth.ctx.actor(), "grant_add")
        .object("user", id)
        .unit(unit)
        .detail(json!({"role": role.key()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

/// `POST /admin/users/{id}/grants/{grant}/delete`.
pub async fn remove_grant(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, grant)): Path<(i64, i64)>,
) -> AppResult<Response> {
    if !manages_user(&state.db, &auth.user, id).await? {
        return Err(AppError::Forbidden);
    }
    let row = store::find_grant(&state.db, grant)
        .await?
        .filter(|g| g.user_id == id)
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin().await?;
    store::delete_grant(&mut tx, grant).await?;
    audit::entry(&auth.ctx.actor(), "grant_remove")
        .object("user", id)
        .unit(row.unit_id)
        .detail(json!({"role": row.role.key()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

/// The reset-password form.
#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

/// `POST /admin/users/{id}/password`: sets a new password and ends the user's sessions.
pub async fn reset_password(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    if !manages_user(&state.db, &auth.user, id).await? {
        return Err(AppError::Forbidden);
    }
    if let Err(k) = check_new_password(&form.password) {
        return user_page(&state, &auth, id, vec![auth.ctx.tr.t(k)], None).await;
    }
    let hash = hash_password_bounded(&form.password).await?;
    let unit = store::list_grants(&state.db, id)
        .await?
        .first()
        .map(|g| g.unit_id);
    let mut tx = state.db.begin().await?;
    store::update_password(&mut tx, id, &hash, Utc::now()).await?;
    store::delete_other_sessions(&mut tx, id, "").await?;
    audit::entry(&auth.ctx.actor(), "password_reset")
        .object("user", id)
        .unit(unit)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    user_page(&state, &auth, id, vec![], Some("flash-password-reset")).await
}
