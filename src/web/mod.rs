//! Cross-cutting web concerns: request context and sessions, translations, the page frame,
//! navigation, static assets, the language switch.

pub mod assets;
pub mod ctx;
pub mod i18n;
pub mod layout;
pub mod nav;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::app::AppState;
use crate::error::AppResult;
use crate::web::ctx::Ctx;
use crate::web::i18n::Lang;

/// Routes of the shared pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(nav::show_home))
        .route("/assets/htmx.min.js", get(assets::htmx))
        .route("/assets/app.css", get(assets::css))
        .route("/lang", post(switch_lang))
}

/// The language switch form.
#[derive(serde::Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /lang`: remembers the language (for a user in their profile, otherwise in a cookie).
async fn switch_lang(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(form): axum::Form<LangForm>,
) -> AppResult<Response> {
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    if let Some(user) = &ctx.user {
        crate::accounts::set_language(&state.db, user.id, lang).await?;
    }
    let back = crate::kit::redirect::local_or(&form.back, "/");
    let mut response = Redirect::to(back).into_response();
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        ctx::LANG_COOKIE,
        lang.code()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}
