//! Account pages: own account (e-mail, password) and user administration. Login and logout are
//! in `login.rs`.
//!
//! Every write here is one transaction with its audit entry. An administrator acts on a user only
//! when they may manage *every* grant of that user ([`crate::accounts::manages_user`]).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::{Capability, CurrentUser, Role, Username, check_new_password};
use crate::accounts::{
    hash_password_bounded, manages_user, may_manage_grant, store, verify_password_bounded,
};
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::web::ctx::{Auth, Ctx};
use crate::web::layout::{Chrome, page};

/// The own-account page.
#[derive(Template)]
#[template(path = "account.html")]
struct AccountTemplate {
    c: Chrome,
    username: String,
    roles: Vec<(String, String)>,
    errors: Vec<String>,
    done: bool,
    email: String,
    email_error: Option<String>,
    email_saved: bool,
}

async fn grant_lines(
    state: &AppState,
    ctx: &Ctx,
    user_grants: &[crate::accounts::model::Grant],
) -> AppResult<Vec<(String, String)>> {
    let ids: Vec<i64> = user_grants.iter().map(|g| g.unit_id).collect();
    let names = crate::orgs::unit_names(&state.db, &ids).await?;
    Ok(user_grants
        .iter()
        .map(|g| {
            let unit = names
                .iter()
                .find(|(id, _)| *id == g.unit_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            (ctx.tr.t(&g.role.label_key()), unit)
        })
        .collect())
}

/// `GET /account`.
pub async fn show_account(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let roles = grant_lines(&state, &auth.ctx, &auth.user.grants).await?;
    let email = store::get_email(&state.db, auth.user.id).await?;
    Ok(page(AccountTemplate {
        c: auth.ctx.chrome("account-title"),
        username: auth.user.username.clone(),
        roles,
        errors: vec![],
        done: false,
        email,
        email_error: None,
        email_saved: false,
    }))
}

/// The e-mail form.
#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// `POST /account/email`: the address where alerts and notices are sent (empty: none).
pub async fn change_email(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<EmailForm>,
) -> AppResult<Response> {
    let email = form.email.trim().to_string();
    let valid = email.is_empty() || crate::mail::model::is_email(&email);
    if valid {
        let mut tx = state.db.begin().await?;
        store::set_email(&mut tx, auth.user.id, &email).await?;
        audit::entry(&auth.ctx.actor(), "email_change")
            .object("user", auth.user.id)
            .unit(auth.user.grants.first().map(|g| g.unit_id))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
    }
    let roles = grant_lines(&state, &auth.ctx, &auth.user.grants).await?;
    let mut response = page(AccountTemplate {
        c: auth.ctx.chrome("account-title"),
        username: auth.user.username.clone(),
        roles,
        errors: vec![],
        done: false,
        email,
        email_error: (!valid).then(|| auth.ctx.tr.t("account-email-error")),
        email_saved: valid,
    });
    if !valid {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// The password-change form.
#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// `POST /account/password`.
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let mut errors = vec![];
    let row = store::find_user(&state.db, auth.user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !verify_password_bounded(&form.current, &row.password_hash).await? {
        errors.push(tr.t("password-error-current"));
    }
    if let Err(key) = check_new_password(&form.new) {
        errors.push(tr.t(key));
    }
    if form.new != form.confirm {
        errors.push(tr.t("password-error-confirm"));
    }
    if errors.is_empty() {
        let hash = hash_password_bounded(&form.new).await?;
        let mut tx = state.db.begin().await?;
        store::update_password(&mut tx, auth.user.id, &hash, Utc::now()).await?;
        if let Some(keep) = &auth.ctx.session_hash {
            store::delete_other_sessions(&mut tx, auth.user.id, keep).await?;
        }
        audit::entry(&auth.ctx.actor(), "password_change")
            .object("user", auth.user.id)
            .unit(auth.user.grants.first().map(|g| g.unit_id))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
    }
    let roles = grant_lines(&state, &auth.ctx, &auth.user.grants).await?;
    let done = errors.is_empty();
    let email = store::get_email(&state.db, auth.user.id).await?;
    let mut response = page(AccountTemplate {
        c: auth.ctx.chrome("account-title"),
        username: auth.user.username.clone(),
        roles,
        errors,
        done,
        email,
        email_error: None,
        email_saved: false,
    });
    if !done {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// A user line of the administration list.
struct UserLine {
    id: i64,
    username: String,
    display_name: String,
    active: bool,
    roles: Vec<(String, String)>,
}

/// The user administration page.
#[derive(Template)]
#[template(path = "users.html")]
struct UsersTemplate {
    c: Chrome,
    users: Vec<UserLine>,
    roles: Vec<(&'static str, String)>,
    units: Vec<(String, String)>,
    errors: Vec<String>,
    form: NewUserForm,
}

/// Units an administrator may pick in forms: their grant units and two levels below.
async fn unit_choices(state: &AppState, user: &CurrentUser) -> AppResult<Vec<(String, String)>> {
    let roots = user.roots_with(Capability::ManageUsers);
    let units = crate::orgs::units_near(&state.db, &roots, 2).await?;
    Ok(units
        .into_iter()
        .map(|u| {
            (
                u.code.clone().unwrap_or_else(|| format!("#{}", u.id)),
                u.name,
            )
        })
        .collect())
}

async fn users_page(
    state: &AppState,
    auth: &Auth,
    errors: Vec<String>,
    form: NewUserForm,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = auth.user.roots_with(Capability::ManageUsers);
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    let all = store::list_users(&state.db).await?;
    let grants = store::list_all_grants(&state.db).await?;
    let unit_ids: Vec<i64> = grants.iter().map(|g| g.unit_id).collect();
    let visible = crate::orgs::filter_within(&state.db, &roots, &unit_ids).await?;
    let names = crate::orgs::unit_names(&state.db, &visible).await?;
    // Users without grants belong to no unit: only a platform-wide administrator sees them.
    let platform = auth.user.platform_with(Capability::ManageUsers);
    let mut users = Vec::new();
    for u in all {
        let mine: Vec<_> = grants.iter().filter(|g| g.user_id == u.id).collect();
        // Listed only when every grant is one this administrator may manage: the same rule as
        // acting on the user (`manages_user`), so that no line leads to a refusal.
        let manageable = mine.iter().all(|g| {
            visible.contains(&g.unit_id)
                && Role::parse(&g.role).is_some_and(|r| admin_rank_covers(&auth.user, r))
        });
        // A platform-wide user reaches every tree: only platform-wide administrators manage them.
        if !manageable || ((mine.is_empty() || u.platform_wide) && !platform) {
            continue;
        }
        let seen = &mine;
        let roles = seen
            .iter()
            .map(|g| {
                let role = Role::parse(&g.role)
                    .map(|r| tr.t(&r.label_key()))
                    .unwrap_or_else(|| g.role.clone());
                let unit = names
                    .iter()
                    .find(|(id, _)| *id == g.unit_id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                (role, unit)
            })
            .collect();
        users.push(UserLine {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            active: u.is_active,
            roles,
        });
    }
    let failed = !errors.is_empty();
    let mut response = page(UsersTemplate {
        c: auth.ctx.chrome("users-title"),
        users,
        roles: Role::ALL
            .iter()
            .map(|r| (r.key(), tr.t(&r.label_key())))
            .collect(),
        units: unit_choices(state, &auth.user).await?,
        errors,
        form,
    });
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// Whether some `ManageUsers` role of the administrator ranks at least as high as `role` (the
/// list's cheap pre-filter; [`may_manage_grant`] checks place and rank together).
fn admin_rank_covers(admin: &CurrentUser, role: Role) -> bool {
    admin
        .grants
        .iter()
        .any(|g| g.role.has(Capability::ManageUsers) && g.role.rank() >= role.rank())
}

/// `GET /admin/users`.
pub async fn list_users(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    users_page(&state, &auth, vec![], NewUserForm::default()).await
}

/// The new-user form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
}

/// `POST /admin/users`: creates a user with a first grant.
pub async fn create_user_form(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<NewUserForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    if auth.user.roots_with(Capability::ManageUsers).is_empty() {
        return Err(AppError::Forbidden);
    }
    let mut errors = vec![];
    let username = Username::parse(&form.username)
        .map_err(|k| errors.push(tr.t(k)))
        .ok();
    let display_name = crate::kit::text::one_line(&form.display_name);
    if display_name.is_empty() || display_name.chars().count() > 120 {
        errors.push(tr.t("user-error-display-name"));
    }
    if let Err(k) = check_new_password(&form.password) {
        errors.push(tr.t(k));
    }
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.push(tr.t("user-error-role"));
    }
    let unit = crate::orgs::resolve_unit_ref(&state.db, &form.unit).await?;
    match (unit, role) {
        (None, _) => errors.push(tr.t("user-error-unit")),
        (Some(id), Some(role)) => {
            if !may_manage_grant(&state.db, &auth.user, role, id).await? {
                errors.push(tr.t("user-error-unit-scope"));
            }
        }
        (Some(_), None) => {}
    }
    if let Some(u) = &username
        && store::find_user_by_username(&state.db, u.as_str())
            .await?
            .is_some()
    {
        errors.push(tr.t("user-error-exists"));
    }
    let (Some(username), Some(role), Some(unit), true) = (username, role, unit, errors.is_empty())
    else {
        let mut form = form;
        form.password.clear();
        return users_page(&state, &auth, errors, form).await;
    };
    let hash = hash_password_bounded(&form.password).await?;
    // The user, the grant and the entry in one transaction: no user without their grant.
    let mut tx = state.db.begin().await?;
    let id = crate::accounts::insert_user_with_grant(
        &mut tx,
        &auth.ctx.actor(),
        &username,
        &display_name,
        &hash,
        role,
        unit,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

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
        .detail(json!({"role": row.role}))
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
