//! The own-account page: roles, e-mail address and password of the logged-in user.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::model::check_new_password;
use crate::accounts::{hash_password_bounded, store, verify_password_bounded};
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
