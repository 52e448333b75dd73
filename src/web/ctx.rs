//! The request context: who is asking (from the session cookie), in which language, from where.
//!
//! [`request_context`] runs around every handler: it resolves the session once, puts a [`Ctx`] in
//! the request, and renders [`ErrorPage`] markers left by handlers as full pages in the user's
//! language. Handlers take [`Ctx`] (anyone) or [`Auth`] (logged-in users only) as extractors.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::accounts::model::CurrentUser;
use crate::app::AppState;
use crate::audit::Actor;
use crate::error::{AppError, ErrorPage};
use crate::web::i18n::{Lang, Tr};
use crate::web::layout::{Chrome, ErrorTemplate, RenderPage};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "duluan_session";
/// Name of the language cookie (for visitors who are not logged in).
pub const LANG_COOKIE: &str = "duluan_lang";

/// Everything a handler needs to know about the request's origin.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// Translator in the request's language.
    pub tr: Tr,
    /// The logged-in user, if any.
    pub user: Option<Arc<CurrentUser>>,
    /// Client address.
    pub ip: String,
    /// Path and query, for coming back after login.
    pub path: String,
    /// Hash of the session token, when logged in.
    pub session_hash: Option<String>,
}

impl Ctx {
    /// Who is acting, for the audit log.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user.as_ref().map(|u| u.id),
            username: self
                .user
                .as_ref()
                .map(|u| u.username.clone())
                .unwrap_or_default(),
            ip: self.ip.clone(),
        }
    }

    /// The page frame with a translated title.
    pub fn chrome(&self, title_key: &str) -> Chrome {
        Chrome::new(self, self.tr.t(title_key))
    }

    /// The page frame with a title given as text.
    pub fn chrome_titled(&self, title: String) -> Chrome {
        Chrome::new(self, title)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing")))
    }
}

/// A request from a logged-in user.
#[derive(Clone, Debug)]
pub struct Auth {
    /// The request context.
    pub ctx: Ctx,
    /// The user.
    pub user: Arc<CurrentUser>,
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        match ctx.user.clone() {
            Some(user) => Ok(Auth { ctx, user }),
            None => Err(AppError::Unauthorised { next: ctx.path }),
        }
    }
}

/// SHA-256 of a session token, hex-encoded: what the database keeps.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The value of cookie `name` in the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Resolves the session and language, runs the handler, renders error markers.
pub async fn request_context(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    // client address: the one place it is read for the audit log and login throttling
    // (`Ctx::ip`): the TCP peer, or behind a configured trusted proxy the forwarded address
    // (`kit::client_addr`), never anything a client may set for itself.
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| {
            crate::kit::client_addr::client_addr(c.0, req.headers(), &state.config.trusted_proxies)
                .to_string()
        })
        .unwrap_or_default();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let headers = req.headers();
    // Vietnamese first: English only by the visitor's or user's own choice, whatever the
    // browser's Accept-Language says.
    let mut lang = cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default();
    let token = cookie(headers, SESSION_COOKIE).map(str::to_string);
    let mut user = None;
    let mut session_hash = None;
    let mut stale_cookie = false;
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        let hash = hash_token(&token);
        match load_user(&state, &hash).await {
            Ok(Some(u)) => {
                lang = u.lang;
                user = Some(Arc::new(u));
                session_hash = Some(hash);
            }
            Ok(None) => stale_cookie = true,
            Err(err) => return err.into_response(),
        }
    }
    let ctx = Ctx {
        tr: Tr(lang),
        user,
        ip,
        path,
        session_hash,
    };
    req.extensions_mut().insert(ctx.clone());
    let mut response = next.run(req).await;
    if let Some(marker) = response.extensions().get::<ErrorPage>().copied() {
        let status = response.status();
        let page = ErrorTemplate {
            c: ctx.chrome("error-title"),
            message: ctx.tr.t(marker.message_key),
            status: status.as_u16(),
        };
        response = (status, Html(page.render_page())).into_response();
    }
    if stale_cookie {
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("duluan_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
        );
    }
    response
}

async fn load_user(state: &AppState, hash: &str) -> Result<Option<CurrentUser>, AppError> {
    let idle = Duration::minutes(state.config.session_idle_minutes as i64);
    crate::accounts::session_user(&state.db, hash, idle).await
}
