//! User administration: the list of users an administrator may manage, and new users.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::{Capability, CurrentUser, Role, Username, check_new_password};
use crate::accounts::{hash_password_bounded, may_manage_grant, store};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::unit_choices;

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
        let manageable = mine
            .iter()
            .all(|g| visible.contains(&g.unit_id) && admin_rank_covers(&auth.user, g.role));
        // A platform-wide user reaches every tree: only platform-wide administrators manage them.
        if !manageable || ((mine.is_empty() || u.platform_wide) && !platform) {
            continue;
        }
        let seen = &mine;
        let roles = seen
            .iter()
            .map(|g| {
                let role = tr.t(&g.role.label_key());
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
