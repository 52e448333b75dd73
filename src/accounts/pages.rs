//! Account pages: login, logout, own account (language, password), and user administration.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::{Capability, CurrentUser, Role, Username, check_new_password};
use crate::accounts::{hash_password, require, store, verify_password};
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::web::ctx::{Auth, Ctx, SESSION_COOKIE, hash_token};
use crate::web::layout::{Chrome, page};
use crate::web::safe_back;

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    c: Chrome,
    next: String,
    username: String,
    error: Option<String>,
}

/// Query of the login page.
#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login`.
pub async fn show_login(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    page(LoginTemplate {
        c: ctx.chrome("login-title"),
        next: q.next,
        username: String::new(),
        error: None,
    })
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let username: String = form
        .username
        .trim()
        .to_lowercase()
        .chars()
        .take(64)
        .collect();
    // Throttle guessing: after LOGIN_FAILURES_ALLOWED failures in the window, refuse for a while.
    let since = Utc::now() - Duration::minutes(LOGIN_WINDOW_MINUTES);
    if audit::store::count_recent(&state.db, "login_failed", &username, since).await?
        >= LOGIN_FAILURES_ALLOWED
    {
        let mut response = page(LoginTemplate {
            c: ctx.chrome("login-title"),
            next: form.next,
            username,
            error: Some(ctx.tr.t("login-throttled")),
        });
        *response.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(response);
    }
    let user = store::find_user_by_username(&state.db, &username).await?;
    let ok = match &user {
        Some(u) => u.is_active && verify_password(&form.password, &u.password_hash),
        None => {
            // Spend the same time as a real check so that timing does not reveal names.
            let _ = verify_password(&form.password, DUMMY_HASH);
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        let mut actor = ctx.actor();
        actor.username = username.clone();
        audit::record(
            &state.db,
            &actor,
            "login_failed",
            "user",
            "",
            None,
            json!({}),
        )
        .await?;
        let mut response = page(LoginTemplate {
            c: ctx.chrome("login-title"),
            next: form.next,
            username,
            error: Some(ctx.tr.t("login-error")),
        });
        *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Ok(response);
    };
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let now = Utc::now();
    let config = &state.config;
    store::insert_session(
        &state.db,
        &hash_token(&token),
        user.id,
        now,
        now + Duration::hours(config.session_max_hours as i64),
        now + Duration::minutes(config.session_idle_minutes as i64),
    )
    .await?;
    let grants = store::list_grants(&state.db, user.id).await?;
    let actor = audit::Actor {
        user_id: Some(user.id),
        username: user.username.clone(),
        ip: ctx.ip.clone(),
    };
    let unit = grants.first().map(|g| g.unit_id);
    audit::record(
        &state.db,
        &actor,
        "login",
        "user",
        &user.id.to_string(),
        unit,
        json!({}),
    )
    .await?;
    let mut response = Redirect::to(safe_back(&form.next)).into_response();
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        config.session_max_hours * 3600,
        if config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(response)
}

/// Failed logins allowed for one username within the window before logins are refused.
const LOGIN_FAILURES_ALLOWED: i64 = 10;
/// The window, in minutes.
const LOGIN_WINDOW_MINUTES: i64 = 15;

/// An argon2id hash of a random string, verified against when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zk1pT0xqb0F3bWV4d1p6bGZ2Y1JqR0Z4b3R4eHh4eA";

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    if let Some(hash) = &auth.ctx.session_hash {
        store::delete_session(&state.db, hash).await?;
    }
    let unit = auth.user.grants.first().map(|g| g.unit_id);
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "logout",
        "user",
        &auth.user.id.to_string(),
        unit,
        json!({}),
    )
    .await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("duluan_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
    Ok(response)
}

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
        store::set_email(&state.db, auth.user.id, &email).await?;
        let unit = auth.user.grants.first().map(|g| g.unit_id);
        audit::record(
            &state.db,
            &auth.ctx.actor(),
            "email_change",
            "user",
            &auth.user.id.to_string(),
            unit,
            json!({}),
        )
        .await?;
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
    if !verify_password(&form.current, &row.password_hash) {
        errors.push(tr.t("password-error-current"));
    }
    if let Err(key) = check_new_password(&form.new) {
        errors.push(tr.t(key));
    }
    if form.new != form.confirm {
        errors.push(tr.t("password-error-confirm"));
    }
    if errors.is_empty() {
        let hash = hash_password(&form.new)?;
        store::update_password(&state.db, auth.user.id, &hash, Utc::now()).await?;
        if let Some(keep) = &auth.ctx.session_hash {
            store::delete_other_sessions(&state.db, auth.user.id, keep).await?;
        }
        let unit = auth.user.grants.first().map(|g| g.unit_id);
        audit::record(
            &state.db,
            &auth.ctx.actor(),
            "password_change",
            "user",
            &auth.user.id.to_string(),
            unit,
            json!({}),
        )
        .await?;
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

/// Whether the administrator manages any of the user's grants (or the user has none and the
/// administrator sits at the top of a tree).
async fn manages_user(state: &AppState, admin: &CurrentUser, user_id: i64) -> AppResult<bool> {
    let roots = admin.roots_with(Capability::ManageUsers);
    let grants = store::list_grants(&state.db, user_id).await?;
    if grants.is_empty() {
        return crate::orgs::any_top_level(&state.db, &roots).await;
    }
    let units: Vec<i64> = grants.iter().map(|g| g.unit_id).collect();
    Ok(!crate::orgs::filter_within(&state.db, &roots, &units)
        .await?
        .is_empty())
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
    let top_admin = crate::orgs::any_top_level(&state.db, &roots).await?;
    let mut users = Vec::new();
    for u in all {
        let mine: Vec<_> = grants.iter().filter(|g| g.user_id == u.id).collect();
        let seen: Vec<_> = mine
            .iter()
            .filter(|g| visible.contains(&g.unit_id))
            .collect();
        if seen.is_empty() && !(mine.is_empty() && top_admin) {
            continue;
        }
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
    let display_name = crate::orgs::model::clean_text(&form.display_name);
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
    match unit {
        None => errors.push(tr.t("user-error-unit")),
        Some(id) => {
            if !crate::accounts::can(&state.db, &auth.user, Capability::ManageUsers, id).await? {
                errors.push(tr.t("user-error-unit-scope"));
            }
        }
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
    let now = Utc::now();
    let hash = hash_password(&form.password)?;
    let id = store::insert_user(
        &state.db,
        username.as_str(),
        &display_name,
        &hash,
        "vi",
        now,
    )
    .await?;
    store::insert_grant(&state.db, id, role, unit, now).await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "user_create",
        "user",
        &id.to_string(),
        Some(unit),
        json!({"username": username.as_str(), "role": role.key()}),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

/// One user's administration page.
#[derive(Template)]
#[template(path = "user.html")]
struct UserTemplate {
    c: Chrome,
    id: i64,
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
    if !manages_user(state, &auth.user, id).await? {
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
}

/// `POST /admin/users/{id}`: display name and activation.
pub async fn update_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    if !manages_user(&state, &auth.user, id).await? {
        return Err(AppError::Forbidden);
    }
    let name = crate::orgs::model::clean_text(&form.display_name);
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
    store::update_profile(&state.db, id, &name, active).await?;
    let unit = store::list_grants(&state.db, id)
        .await?
        .first()
        .map(|g| g.unit_id);
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "user_update",
        "user",
        &id.to_string(),
        unit,
        json!({"active": active}),
    )
    .await?;
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
    if !manages_user(&state, &auth.user, id).await? {
        return Err(AppError::Forbidden);
    }
    let Some(role) = Role::parse(&form.role) else {
        return user_page(&state, &auth, id, vec![tr.t("user-error-role")], None).await;
    };
    let Some(unit) = crate::orgs::resolve_unit_ref(&state.db, &form.unit).await? else {
        return user_page(&state, &auth, id, vec![tr.t("user-error-unit")], None).await;
    };
    require(&state.db, &auth.user, Capability::ManageUsers, unit).await?;
    store::insert_grant(&state.db, id, role, unit, Utc::now()).await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "grant_add",
        "user",
        &id.to_string(),
        Some(unit),
        json!({"role": role.key()}),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

/// `POST /admin/users/{id}/grants/{grant}/delete`.
pub async fn remove_grant(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, grant)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let row = store::find_grant(&state.db, grant)
        .await?
        .filter(|g| g.user_id == id)
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::ManageUsers, row.unit_id).await?;
    store::delete_grant(&state.db, grant).await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "grant_remove",
        "user",
        &id.to_string(),
        Some(row.unit_id),
        json!({"role": row.role}),
    )
    .await?;
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
    if !manages_user(&state, &auth.user, id).await? {
        return Err(AppError::Forbidden);
    }
    if let Err(k) = check_new_password(&form.password) {
        return user_page(&state, &auth, id, vec![auth.ctx.tr.t(k)], None).await;
    }
    let hash = hash_password(&form.password)?;
    store::update_password(&state.db, id, &hash, Utc::now()).await?;
    store::delete_other_sessions(&state.db, id, "").await?;
    let unit = store::list_grants(&state.db, id)
        .await?
        .first()
        .map(|g| g.unit_id);
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "password_reset",
        "user",
        &id.to_string(),
        unit,
        json!({}),
    )
    .await?;
    user_page(&state, &auth, id, vec![], Some("flash-password-reset")).await
}
