//! The one application error type and its HTTP answer.
//!
//! Handlers return `Result<_, AppError>`. The error becomes a response with the right status and
//! an [`ErrorPage`] marker; the request-context middleware (`web::ctx`) renders the marker as a
//! page in the user's language. Internal causes are logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// What went wrong, as the user should learn it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist (or the user may not know that it exists).
    #[error("not found")]
    NotFound,
    /// Not logged in: the answer is a redirect to the login page.
    #[error("login required")]
    Unauthorised {
        /// Where to come back after login.
        next: String,
    },
    /// Logged in but not allowed here.
    #[error("forbidden")]
    Forbidden,
    /// The request is malformed; the message key (in `locales/`) says how.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The action conflicts with the current state; the message key says how.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Anything else: logged with its cause, shown as a generic message.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::Internal(err.into())
    }
}

/// Marker left in a response's extensions so that the page around it can be rendered with the
/// user's language and navigation.
#[derive(Clone, Copy, Debug)]
pub struct ErrorPage {
    /// The message key in `locales/`.
    pub message_key: &'static str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, key) = match &self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "error-not-found"),
            AppError::Unauthorised { next } => {
                // The request's own path, but a request for `//evil.com` must not become a
                // `next` that leads there.
                let next = crate::kit::redirect::local_or(next, "/");
                let target = format!("/login?next={}", urlencode(next));
                return Redirect::to(&target).into_response();
            }
            AppError::Forbidden => (StatusCode::FORBIDDEN, "error-forbidden"),
            AppError::BadRequest(key) => (StatusCode::BAD_REQUEST, *key),
            AppError::Conflict(key) => (StatusCode::CONFLICT, *key),
            AppError::Internal(err) => {
                tracing::error!(error = %format!("{err:#}"), "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        };
        let mut response = status.into_response();
        response
            .extensions_mut()
            .insert(ErrorPage { message_key: key });
        response
    }
}

/// Percent-encodes a string for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Result type of handlers and store functions.
pub type AppResult<T> = Result<T, AppError>;
