//! Accounts (*tài khoản*): users, roles granted at units (*vai trò tại đơn vị*), sessions, login.
//!
//! Invariants: a grant is a role at a unit and covers that unit's subtree, nothing else;
//! passwords are stored only as argon2id hashes; a session cookie holds a random token whose
//! SHA-256 alone is stored; sessions expire after inactivity and after a maximum age.
//! Permission checks ask the organisation tree (`orgs::is_within`) whether a unit lies under a grant.

pub mod model;
pub mod pages;
pub mod store;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::web::i18n::Lang;
use model::{Capability, CurrentUser, Role};

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}

/// Checks a password against a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Loads a user and their grants; `None` for an unknown or deactivated user.
pub async fn load_current_user(db: &Db, user_id: i64) -> AppResult<Option<CurrentUser>> {
    let Some(row) = store::find_user(db, user_id).await? else {
        return Ok(None);
    };
    if !row.is_active {
        return Ok(None);
    }
    let grants = store::list_grants(db, user_id).await?;
    Ok(Some(CurrentUser {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        lang: Lang::parse(&row.lang).unwrap_or_default(),
        grants,
    }))
}

/// Whether `user` may do `cap` at `unit_id`: some role with `cap` granted at the unit or above it.
pub async fn can(db: &Db, user: &CurrentUser, cap: Capability, unit_id: i64) -> AppResult<bool> {
    let roots = user.roots_with(cap);
    crate::orgs::is_within(db, &roots, unit_id).await
}

/// Like [`can`], but an error (403) when not allowed.
pub async fn require(db: &Db, user: &CurrentUser, cap: Capability, unit_id: i64) -> AppResult<()> {
    if can(db, user, cap, unit_id).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Creates a user with one grant (for the CLI and the demo); returns the user id.
pub async fn create_user(
    db: &Db,
    username: &str,
    display_name: &str,
    password: &str,
    role: Role,
    unit_id: i64,
) -> AppResult<i64> {
    model::check_new_password(password).map_err(AppError::BadRequest)?;
    let hash = hash_password(password)?;
    create_user_with_hash(db, username, display_name, &hash, role, unit_id).await
}

/// Like [`create_user`], with the password already hashed (the demo hashes its one password once).
pub async fn create_user_with_hash(
    db: &Db,
    username: &str,
    display_name: &str,
    password_hash: &str,
    role: Role,
    unit_id: i64,
) -> AppResult<i64> {
    let username = model::Username::parse(username).map_err(AppError::BadRequest)?;
    if store::find_user_by_username(db, username.as_str())
        .await?
        .is_some()
    {
        return Err(AppError::Conflict("user-error-exists"));
    }
    let now = chrono::Utc::now();
    let id = store::insert_user(
        db,
        username.as_str(),
        display_name,
        password_hash,
        "vi",
        now,
    )
    .await?;
    store::insert_grant(db, id, role, unit_id, now).await?;
    Ok(id)
}

/// Active users holding `cap` at `unit_id` or at one of its ancestors (their grant covers the
/// unit), with their e-mail address (possibly empty) and language: who hears about the unit.
pub async fn users_covering(
    db: &Db,
    cap: Capability,
    unit_id: i64,
) -> AppResult<Vec<(i64, String, crate::web::i18n::Lang)>> {
    let ancestors: Vec<i64> = crate::orgs::ancestor_ids(db, &[unit_id])
        .await?
        .remove(&unit_id)
        .unwrap_or_default();
    let mut out: Vec<(i64, String, crate::web::i18n::Lang)> = vec![];
    for (user_id, role, email, lang) in store::list_grant_holders(db, &ancestors).await? {
        let Some(role) = model::Role::parse(&role) else {
            continue;
        };
        if role.has(cap) && !out.iter().any(|o| o.0 == user_id) {
            let lang = crate::web::i18n::Lang::parse(&lang).unwrap_or(crate::web::i18n::Lang::Vi);
            out.push((user_id, email, lang));
        }
    }
    Ok(out)
}

/// Routes of the account and user-administration pages.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/login", get(pages::show_login).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/account", get(pages::show_account))
        .route("/account/password", post(pages::change_password))
        .route("/account/email", post(pages::change_email))
        .route(
            "/admin/users",
            get(pages::list_users).post(pages::create_user_form),
        )
        .route(
            "/admin/users/{id}",
            get(pages::show_user).post(pages::update_user),
        )
        .route("/admin/users/{id}/grants", post(pages::add_grant))
        .route(
            "/admin/users/{id}/grants/{grant}/delete",
            post(pages::remove_grant),
        )
        .route("/admin/users/{id}/password", post(pages::reset_password))
}
