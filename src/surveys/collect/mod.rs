//! Web collection (*thu thập trực tuyến*): the respondent's pages for an anonymous public link
//! (`/s/{key}`, resumed on the same device by a cookie) and for one-time tokens (`/t/{token}`),
//! page by page with every rule evaluated on the server by the forms engine, and the JSON
//! submission endpoint (`POST /s/{key}/submissions`) with client-generated ids.
//!
//! Respondent pages load nothing from outside, carry no tracking and never store the address;
//! the public endpoints are rate-limited per address.
//!
//! These files are the web's side only (links, tokens, cookies, notices, the rate limit, status
//! codes); what a page shows and where a posted page leads is the respondent engine's
//! (`respondent`), which every collection mode shares.
//!
//! Files: `link.rs` (public link), `token.rs` (one-time tokens), `json.rs` (JSON submissions);
//! here the respondent page, the notices, and the rate limit they share.

mod json;
mod link;
mod token;

pub use json::submit_json;
pub use link::{show_public, step_public};
pub use token::{show_token, step_token};

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use duluan_forms::{Engine, Record};

use crate::app::AppState;
use crate::surveys::model::Survey;
use crate::surveys::respondent::StepView;
use crate::web::ctx::Ctx;
use crate::web::i18n::Tr;
use crate::web::layout::RenderPage;

/// Name of the cookie that resumes an anonymous-link response on the same device.
pub const RESUME_COOKIE: &str = "duluan_resume";

// The responses browser imports `collect::options` (its file is being changed on another
// branch; the import moves to `respondent::` later).
pub use crate::surveys::respondent::options;

/// The respondent's page.
#[derive(Template)]
#[template(path = "surveys/respond.html")]
pub struct RespondTemplate {
    /// Translator.
    pub tr: Tr,
    /// Language code.
    pub lang: &'static str,
    /// This page's path (for the language switch and the form).
    pub path: String,
    /// Survey title.
    pub title: String,
    /// The page.
    pub step: StepView,
    /// A notice above the form ("saved", "preview finished").
    pub flash: Option<String>,
    /// Preview mode: hidden state and a frame.
    pub preview: Option<PreviewState>,
    /// The anonymity notice.
    pub anonymous: bool,
}

/// Carried by preview pages instead of a stored response.
pub struct PreviewState {
    /// The answers so far, as JSON.
    pub answers: String,
    /// `phone` or `desktop`.
    pub size: String,
    /// Back to the designer.
    pub back: String,
}

/// A short respondent notice (thanks, closed, token used, slow down).
#[derive(Template)]
#[template(path = "surveys/notice.html")]
pub struct NoticeTemplate {
    /// Translator.
    pub tr: Tr,
    /// Language code.
    pub lang: &'static str,
    /// Path for the language switch.
    pub path: String,
    /// Heading.
    pub heading: String,
    /// Message.
    pub message: String,
}

fn notice(ctx: &Ctx, status: StatusCode, heading: &str, message: &str) -> Response {
    let t = NoticeTemplate {
        tr: ctx.tr,
        lang: ctx.tr.lang().code(),
        path: ctx.path.clone(),
        heading: ctx.tr.t(heading),
        message: ctx.tr.t(message),
    };
    let mut r = (status, Html(t.render_page())).into_response();
    no_store(&mut r);
    r
}

/// The page of a respondent stopped by a full quota cell: the quota's own message, or the
/// standard one.
fn screened(ctx: &Ctx, s: &crate::surveys::fieldwork::quotas::live::Screened) -> Response {
    let t = NoticeTemplate {
        tr: ctx.tr,
        lang: ctx.tr.lang().code(),
        path: ctx.path.clone(),
        heading: ctx.tr.t("quota-screened-title"),
        message: if s.message.trim().is_empty() {
            ctx.tr.t("quota-screened-body")
        } else {
            s.message.clone()
        },
    };
    let mut r = (StatusCode::OK, Html(t.render_page())).into_response();
    no_store(&mut r);
    r
}

fn no_store(r: &mut Response) {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// `Err(response)` when the client went over its rate. The bucket is the client's address as
/// [`client_addr`](crate::kit::client_addr::client_addr) finds it (the TCP peer, or behind a
/// configured trusted proxy the forwarded address), never anything the client chooses freely
/// such as `Host`: one client gets one bucket, and its exhausted bucket is nobody else's.
fn limit(state: &AppState, ctx: &Ctx, headers: &HeaderMap) -> Result<(), Box<Response>> {
    use crate::kit::client_addr::{client_addr, limit_key};
    let peer = ctx
        .ip
        .parse()
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let client = client_addr(
        std::net::SocketAddr::new(peer, 0),
        headers,
        &state.config.trusted_proxies,
    );
    if state
        .survey_limits
        .allow(limit_key(client), state.config.survey_rate)
    {
        Ok(())
    } else {
        let mut r = notice(
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            "surveys-slow-title",
            "surveys-slow-body",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        Err(Box::new(r))
    }
}

fn respond(
    ctx: &Ctx,
    survey: &Survey,
    engine: &Engine,
    answers: &Record,
    page: &str,
    issues: bool,
    saved: bool,
) -> Response {
    let t = RespondTemplate {
        tr: ctx.tr,
        lang: ctx.tr.lang().code(),
        path: ctx.path.split('?').next().unwrap_or("/").to_string(),
        title: engine.form().form.title.clone(),
        step: crate::surveys::respondent::show(engine, answers, page, issues, &options(ctx.tr)),
        flash: saved.then(|| ctx.tr.t("surveys-saved")),
        preview: None,
        anonymous: survey.anonymous,
    };
    let mut r = Html(t.render_page()).into_response();
    no_store(&mut r);
    r
}
