//! Accounts (*tài khoản*): users, roles granted at units (*vai trò tại đơn vị*), sessions, login.
//!
//! Invariants: a grant is a role at a unit and covers that unit's subtree, nothing else;
//! passwords are stored only as argon2id hashes; a session cookie holds a random token whose
//! SHA-256 alone is stored; sessions expire after inactivity and after a maximum age.
//! Permission checks ask the organisation tree (`orgs::is_within`) whether a unit lies under a grant.

pub mod demo;
pub mod login;
pub mod model;
pub mod pages;
pub mod store;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::web::i18n::Lang;
use model::{Capability, CurrentUser, Role};

/// Hashes a password with argon2id and a random salt (synchronous: for the CLI and the demo; the
/// request path uses [`hash_password_bounded`]).
pub fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}

/// Checks a password against a stored hash (synchronous; the request path uses
/// [`verify_password_bounded`]).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// How many argon2 computations may run at once: one per core. argon2 is slow and memory-hungry
/// on purpose (19 MiB, tens of milliseconds each); run on the async workers, a burst of logins
/// would stall every other request, and unbounded on the blocking pool it would take hundreds of
/// threads and gigabytes. Requests beyond the bound wait their turn.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(max_concurrent_hashes()))
}

/// The bound of [`hashing_permits`].
pub fn max_concurrent_hashes() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

static HASHES_RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static HASHES_PEAK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The most password hashes that ever ran at once in this process (for tests and monitoring).
pub fn peak_concurrent_hashes() -> usize {
    HASHES_PEAK.load(std::sync::atomic::Ordering::SeqCst)
}

/// Runs one argon2 computation off the async workers, at most [`max_concurrent_hashes`] at once.
async fn bounded_hash<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    use std::sync::atomic::Ordering::SeqCst;
    let _permit = hashing_permits()
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || {
        let now = HASHES_RUNNING.fetch_add(1, SeqCst) + 1;
        HASHES_PEAK.fetch_max(now, SeqCst);
        let out = work();
        HASHES_RUNNING.fetch_sub(1, SeqCst);
        out
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

/// [`hash_password`] off the async workers, bounded.
pub async fn hash_password_bounded(password: &str) -> AppResult<String> {
    let password = password.to_string();
    bounded_hash(move || hash_password(&password)).await?
}

/// [`verify_password`] off the async workers, bounded.
pub async fn verify_password_bounded(password: &str, hash: &str) -> AppResult<bool> {
    let (password, hash) = (password.to_string(), hash.to_string());
    bounded_hash(move || verify_password(&password, &hash)).await
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
    let platform_roots = if row.platform_wide {
        crate::orgs::root_ids(db).await?
    } else {
        vec![]
    };
    Ok(Some(CurrentUser {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        lang: Lang::parse(&row.lang).unwrap_or_default(),
        grants,
        platform_wide: row.platform_wide,
        platform_roots,
    }))
}

/// The user of the live session whose token hashes to `token_hash` (`None`: no such session, or
/// expired, or the user is locked); moves the session's idle deadline when half of it is used
/// (to keep writes rare).
pub async fn session_user(
    db: &Db,
    token_hash: &str,
    idle: chrono::Duration,
) -> AppResult<Option<CurrentUser>> {
    let now = chrono::Utc::now();
    let Some((user_id, idle_expires_at)) = store::find_live_session(db, token_hash, now).await?
    else {
        return Ok(None);
    };
    if idle_expires_at - now < idle / 2 {
        store::touch_session(db, token_hash, now + idle).await?;
    }
    load_current_user(db, user_id).await
}

/// Removes expired sessions; returns how many (housekeeping, not audited: nothing a person did).
pub async fn end_expired_sessions(db: &Db) -> AppResult<u64> {
    store::delete_expired_sessions(db, chrono::Utc::now()).await
}

/// Remembers a user's language (a preference, not audited).
pub async fn set_language(db: &Db, user_id: i64, lang: Lang) -> AppResult<()> {
    store::update_lang(db, user_id, lang.code()).await
}

/// The id of the user with this login name.
pub async fn user_id_by_name(db: &Db, username: &str) -> AppResult<Option<i64>> {
    Ok(store::find_user_by_username(db, username)
        .await?
        .map(|u| u.id))
}

/// The login names of the given users, sorted (a hot spot's members in its edit form).
pub async fn usernames(db: &Db, ids: &[i64]) -> AppResult<Vec<String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(store::list_usernames(db, &ids)
        .await?
        .into_iter()
        .map(|u| u.1)
        .collect())
}

/// The display names of the given users (who did something, on other contexts' pages).
pub async fn display_names(
    db: &Db,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(store::list_display_names(db, &ids)
        .await?
        .into_iter()
        .collect())
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

/// Whether `admin` may give or take away `role` at `unit_id` (issue 13, class 1): the unit lies
/// under one of the administrator's `ManageUsers` grants whose role ranks at least as high as
/// `role` ([`Role::rank`]).
pub async fn may_manage_grant(
    db: &Db,
    admin: &CurrentUser,
    role: Role,
    unit_id: i64,
) -> AppResult<bool> {
    let mut roots: Vec<i64> = admin
        .grants
        .iter()
        .filter(|g| g.role.has(Capability::ManageUsers) && g.role.rank() >= role.rank())
        .map(|g| g.unit_id)
        .collect();
    if roots.is_empty() {
        return Ok(false);
    }
    if admin.platform_wide {
        roots.extend(admin.platform_roots.iter().copied());
    }
    crate::orgs::is_within(db, &roots, unit_id).await
}

/// Whether `admin` may act on user `user_id` (reset the password, rename, lock, change grants):
/// *every* grant of the user must be one the administrator may manage ([`may_manage_grant`]). A
/// user with no grant belongs to no unit, and a platform-wide user to every tree: both only to a
/// platform-wide administrator.
pub async fn manages_user(db: &Db, admin: &CurrentUser, user_id: i64) -> AppResult<bool> {
    let grants = store::list_grants(db, user_id).await?;
    let platform_target = store::find_user(db, user_id)
        .await?
        .is_some_and(|u| u.platform_wide);
    // A platform-wide user's roles reach every tree, hence above any administrator who is not.
    if grants.is_empty() || platform_target {
        return Ok(admin.platform_with(Capability::ManageUsers));
    }
    for g in &grants {
        if !may_manage_grant(db, admin, g.role, g.unit_id).await? {
            return Ok(false);
        }
    }
    Ok(true)
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
/// The user, the grant and the audit entry are one transaction (recorded as done by the system).
pub async fn create_user_with_hash(
    db: &Db,
    username: &str,
    display_name: &str,
    password_hash: &str,
    role: Role,
    unit_id: i64,
) -> AppResult<i64> {
    let username = model::Username::parse(username).map_err(AppError::BadRequest)?;
    let actor = system_actor();
    let mut tx = db.begin().await?;
    let id = insert_user_with_grant(
        &mut tx,
        &actor,
        &username,
        display_name,
        password_hash,
        role,
        unit_id,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts a user, their first grant and the `user_create` entry in `tx`; a taken login name is a
/// conflict (the unique index decides, not a read before the insert).
pub(crate) async fn insert_user_with_grant(
    tx: &mut Tx,
    actor: &crate::audit::Actor,
    username: &model::Username,
    display_name: &str,
    password_hash: &str,
    role: Role,
    unit_id: i64,
) -> AppResult<i64> {
    let now = chrono::Utc::now();
    let id = store::insert_user(
        tx,
        username.as_str(),
        display_name,
        password_hash,
        "vi",
        now,
    )
    .await?
    .ok_or(AppError::Conflict("user-error-exists"))?;
    store::insert_grant(tx, id, role, unit_id, now).await?;
    crate::audit::entry(actor, "user_create")
        .object("user", id)
        .unit(unit_id)
        .detail(serde_json::json!({"username": username.as_str(), "role": role.key()}))
        .write(tx)
        .await?;
    Ok(id)
}

/// The actor of changes made from the command line or by the demo loader.
pub fn system_actor() -> crate::audit::Actor {
    crate::audit::Actor {
        user_id: None,
        username: "system".into(),
        ip: String::new(),
    }
}

/// Makes a user platform-wide or not (CLI, demo, and platform-wide administrators), with its audit
/// entry in the same transaction.
pub async fn set_platform_wide(
    db: &Db,
    actor: &crate::audit::Actor,
    user_id: i64,
    platform_wide: bool,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::update_platform_wide(&mut tx, user_id, platform_wide).await?;
    crate::audit::entry(actor, "user_platform")
        .object("user", user_id)
        .detail(serde_json::json!({"platform_wide": platform_wide}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Active users holding `cap` at `unit_id` or at one of its ancestors (their grant covers the
/// unit), or platform-wide with a role that has `cap`, with their e-mail address (possibly empty)
/// and language: who hears about the unit.
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
    let mut holders = store::list_grant_holders(db, &ancestors).await?;
    holders.extend(store::list_platform_holders(db).await?);
    for (user_id, role, email, lang) in holders {
        if role.has(cap) && !out.iter().any(|o| o.0 == user_id) {
            let lang = crate::web::i18n::Lang::parse(&lang).unwrap_or(crate::web::i18n::Lang::Vi);
            out.push((user_id, email, lang));
        }
    }
    Ok(out)
}

/// Active users granted a role with `cap` at `unit_id` itself (not at an ancestor, not
/// platform-wide), with their e-mail address (possibly empty) and language: the people of the
/// unit a task is assigned to.
pub async fn users_at(
    db: &Db,
    cap: Capability,
    unit_id: i64,
) -> AppResult<Vec<(i64, String, crate::web::i18n::Lang)>> {
    let mut out: Vec<(i64, String, crate::web::i18n::Lang)> = vec![];
    for (user_id, role, email, lang) in store::list_grant_holders(db, &[unit_id]).await? {
        if role.has(cap) && !out.iter().any(|o| o.0 == user_id) {
            let lang = crate::web::i18n::Lang::parse(&lang).unwrap_or(crate::web::i18n::Lang::Vi);
            out.push((user_id, email, lang));
        }
    }
    Ok(out)
}

/// A person of a unit's network, for a message sent to it.
#[derive(Clone, Debug)]
pub struct Member {
    /// User.
    pub user_id: i64,
    /// The unit of their grant (the first, when several roles qualify).
    pub unit_id: i64,
    /// E-mail address, possibly empty.
    pub email: String,
    /// Language.
    pub lang: crate::web::i18n::Lang,
}

/// Active users granted one of `roles` at a unit of `root`'s subtree (each once, with the unit
/// of their first such grant): the audience of an orientation message.
pub async fn members_within(db: &Db, root: i64, roles: &[Role]) -> AppResult<Vec<Member>> {
    let units = crate::orgs::subtree_ids(db, &[root]).await?;
    let mut out: Vec<Member> = vec![];
    for (user_id, role, unit_id, email, lang) in store::list_grants_at(db, &units).await? {
        if roles.contains(&role) && !out.iter().any(|m| m.user_id == user_id) {
            out.push(Member {
                user_id,
                unit_id,
                email,
                lang: crate::web::i18n::Lang::parse(&lang).unwrap_or(crate::web::i18n::Lang::Vi),
            });
        }
    }
    Ok(out)
}

/// Routes of the account and user-administration pages.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/login", get(login::show_login).post(login::login))
        .route("/logout", post(login::logout))
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
