//! Login and logout: throttled per account and per address, passwords checked off the async
//! workers, failed attempts counted in aggregate rather than one audit entry each.
//!
//! Throttling (issue 13, class 9) keys on the pair (login name, client address): only the address
//! that failed is refused for that name; failures of a name from everywhere, or of an address for
//! every name, only slow attempts down ([`login_gate`]). Failures are counted in
//! `login_failures`, one row per (name, address, 15 minutes); the audit log gets the first failure
//! of each such row and the moment the pair is refused, and for names that do not exist one entry
//! per address and 15 minutes, whatever is typed: a flood of guesses cannot grow it without bound.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::{LOGIN_BUCKET_SECONDS, LoginGate, login_gate};
use crate::accounts::{store, verify_password_bounded};
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::web::ctx::{Auth, Ctx, SESSION_COOKIE, hash_token};
use crate::web::layout::{Chrome, page};

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
        // Only a local path is carried into the form (and out again after login).
        next: crate::kit::redirect::local_or(&q.next, "").to_string(),
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

/// The key under which failures of names that do not exist are aggregated for the audit log
/// (typed names are trimmed, so this one, with its spaces around, is never typed).
const UNKNOWN_NAMES: &str = " (unknown names) ";

/// An argon2id hash of a random string, verified against when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zk1pT0xqb0F3bWV4d1p6bGZ2Y1JqR0Z4b3R4eHh4eA";

fn login_page(
    ctx: &Ctx,
    next: String,
    username: String,
    key: &str,
    status: StatusCode,
) -> Response {
    let mut response = page(LoginTemplate {
        c: ctx.chrome("login-title"),
        next,
        username,
        error: Some(ctx.tr.t(key)),
    });
    *response.status_mut() = status;
    response
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
    // Throttled per client as `kit::client_addr` keys rate limits: an IPv6 client by its /64, so
    // that hopping through its own addresses does not reset the count.
    let address = ctx
        .ip
        .parse()
        .map(|ip| crate::kit::client_addr::limit_key(ip).to_string())
        .unwrap_or_else(|_| ctx.ip.clone());
    let bucket = Utc::now().timestamp().div_euclid(LOGIN_BUCKET_SECONDS);
    let (pair, from_address, of_account) =
        store::count_login_failures(&state.db, &username, &address, bucket - 1, UNKNOWN_NAMES)
            .await?;
    match login_gate(pair, from_address, of_account) {
        LoginGate::Refuse => {
            return Ok(login_page(
                &ctx,
                form.next,
                username,
                "login-throttled",
                StatusCode::TOO_MANY_REQUESTS,
            ));
        }
        LoginGate::Check { delay_ms } if delay_ms > 0 => {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        }
        LoginGate::Check { .. } => {}
    }
    let user = store::find_user_by_username(&state.db, &username).await?;
    let ok = match &user {
        Some(u) => verify_password_bounded(&form.password, &u.password_hash).await? && u.is_active,
        None => {
            // Spend the same time as a real check so that timing does not reveal names.
            let _ = verify_password_bounded(&form.password, DUMMY_HASH).await?;
            false
        }
    };
    let known = user.is_some();
    let Some(user) = user.filter(|_| ok) else {
        record_failure(&state, &ctx, &username, &address, bucket, known).await?;
        return Ok(login_page(
            &ctx,
            form.next,
            username,
            "login-error",
            StatusCode::UNAUTHORIZED,
        ));
    };
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let now = Utc::now();
    let config = &state.config;
    let grants = store::list_grants(&state.db, user.id).await?;
    let actor = audit::Actor {
        user_id: Some(user.id),
        username: user.username.clone(),
        ip: ctx.ip.clone(),
    };
    let mut tx = state.db.begin().await?;
    store::delete_login_failures(&mut tx, &username, &address).await?;
    store::insert_session(
        &mut tx,
        &hash_token(&token),
        user.id,
        now,
        now + Duration::hours(config.session_max_hours as i64),
        now + Duration::minutes(config.session_idle_minutes as i64),
    )
    .await?;
    audit::entry(&actor, "login")
        .object("user", user.id)
        .unit(grants.first().map(|g| g.unit_id))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    let mut response =
        Redirect::to(crate::kit::redirect::local_or(&form.next, "/")).into_response();
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

/// Counts a failed login and writes the audit entries it deserves, in one transaction: the first
/// failure of (name, address) in the bucket and the failure that makes the pair refused; for a
/// name that does not exist, only the first such failure of the address in the bucket, without
/// the typed name (it may be a mistyped password).
async fn record_failure(
    state: &AppState,
    ctx: &Ctx,
    username: &str,
    address: &str,
    bucket: i64,
    known: bool,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    store::delete_login_failures_before(&mut tx, bucket - 1).await?;
    let failures = store::bump_login_failures(&mut tx, username, address, bucket).await?;
    let mut actor = ctx.actor();
    if known {
        actor.username = username.to_string();
        if failures == 1 {
            audit::entry(&actor, "login_failed")
                .object("user", "")
                .detail(json!({"aggregated_minutes": LOGIN_BUCKET_SECONDS / 60}))
                .write(&mut tx)
                .await?;
        }
        if failures == crate::accounts::model::LOGIN_FAILURES_PER_ADDRESS_AND_ACCOUNT {
            audit::entry(&actor, "login_throttled")
                .object("user", "")
                .detail(json!({"failures": failures}))
                .write(&mut tx)
                .await?;
        }
    } else {
        let unknown = store::bump_login_failures(&mut tx, UNKNOWN_NAMES, address, bucket).await?;
        if unknown == 1 {
            actor.username = String::new();
            audit::entry(&actor, "login_failed")
                .object("user", "")
                .detail(
                    json!({"unknown_name": true, "aggregated_minutes": LOGIN_BUCKET_SECONDS / 60}),
                )
                .write(&mut tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// `POST /logout`: the session ends and the entry is written in one transaction.
pub async fn logout(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    if let Some(hash) = &auth.ctx.session_hash {
        store::delete_session(&mut tx, hash).await?;
    }
    audit::entry(&auth.ctx.actor(), "logout")
        .object("user", auth.user.id)
        .unit(auth.user.grants.first().map(|g| g.unit_id))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("duluan_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
    Ok(response)
}
