//! What a collaborator without an account meets: the session their e-mail invites them to, at
//! their personal link, where they reply attending or excused (no login; the link is the key, and
//! it shows the session only, never who else is invited). And the addresses of the dated
//! attendance records kept before sessions existed, which now lead to those sessions.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::AppState;
use crate::briefings::actions;
use crate::briefings::model::{Reply, SessionStatus};
use crate::briefings::store::{guests, sessions};
use crate::error::{AppError, AppResult};
use crate::web::ctx::{Auth, Ctx};
use crate::web::i18n::Tr;

/// The reply page.
#[derive(Template)]
#[template(path = "briefings/guest.html")]
struct GuestTemplate {
    tr: Tr,
    lang: &'static str,
    path: String,
    heading: String,
    found: bool,
    unit: String,
    when: String,
    place: String,
    link: String,
    agenda: String,
    open: bool,
    reply: String,
    replies: Vec<(&'static str, String)>,
    flash: String,
}

/// The reply form.
#[derive(Debug, Default, Deserialize)]
pub struct GuestForm {
    #[serde(default)]
    reply: String,
}

/// Links are 22 characters of the secrets' alphabet; anything else is not looked up.
fn plausible(token: &str) -> bool {
    token.len() == 22 && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
    flash: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    let tr = ctx.tr;
    let found = if plausible(token) {
        guests::find_by_token(&state.db, &crate::kit::secret::hash_secret(token)).await?
    } else {
        None
    };
    let session = match found {
        Some((id, _, reply)) => sessions::find_session(&state.db, id)
            .await?
            .map(|s| (s, reply)),
        None => None,
    };
    let mut t = GuestTemplate {
        tr,
        lang: tr.lang().code(),
        path: ctx.path.clone(),
        heading: tr.t("briefings-guest-unknown"),
        found: false,
        unit: String::new(),
        when: String::new(),
        place: String::new(),
        link: String::new(),
        agenda: String::new(),
        open: false,
        reply: String::new(),
        replies: [Reply::Attend, Reply::Excused]
            .into_iter()
            .map(|r| (r.key(), tr.t(&r.label_key())))
            .collect(),
        flash: flash.map(|k| tr.t(k)).unwrap_or_default(),
    };
    let status = match session {
        Some((s, reply)) => {
            t.found = true;
            t.heading = s.title.clone();
            t.unit = crate::orgs::unit_names(&state.db, &[s.unit_id])
                .await?
                .pop()
                .map(|u| u.1)
                .unwrap_or_default();
            t.when = crate::kit::time::show(s.starts_at);
            t.place = s.place.clone();
            t.link = s.link.clone();
            t.agenda = s.agenda.clone();
            t.open = s.status == SessionStatus::Scheduled;
            t.reply = if t.open {
                tr.t(&reply.label_key())
            } else {
                tr.t(&s.status.label_key())
            };
            status
        }
        None => StatusCode::NOT_FOUND,
    };
    let html = t.render().map_err(|e| AppError::Internal(e.into()))?;
    let mut r = (status, Html(html)).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

/// `GET /briefings/reply/{token}`: the session and the reply buttons (404 for an unknown link).
pub async fn show_reply(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    render(&state, &ctx, &token, None, StatusCode::OK).await
}

/// `POST /briefings/reply/{token}`: attending or excused; refused once the session has taken
/// place or was cancelled.
pub async fn post_reply(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(f): Form<GuestForm>,
) -> AppResult<Response> {
    if !plausible(&token) {
        return render(&state, &ctx, &token, None, StatusCode::NOT_FOUND).await;
    }
    let r = crate::kit::bounds::parse_choice(&f.reply, Reply::parse)?
        .filter(|r| *r != Reply::Pending)
        .ok_or(AppError::BadRequest("briefings-error-reply"))?;
    match actions::guest_reply(&state.db, &ctx.actor(), &token, r).await {
        Ok(_) => {
            render(
                &state,
                &ctx,
                &token,
                Some("briefings-flash-replied"),
                StatusCode::OK,
            )
            .await
        }
        Err(AppError::NotFound) => render(&state, &ctx, &token, None, StatusCode::NOT_FOUND).await,
        Err(AppError::Conflict(_)) => {
            render(
                &state,
                &ctx,
                &token,
                Some("briefings-error-not-scheduled"),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// `GET /collaborators/briefings`: the old list of attendance records is the sessions' list.
pub async fn old_list(_auth: Auth) -> Response {
    Redirect::permanent("/briefings/sessions").into_response()
}

/// `GET /collaborators/briefings/{id}`: an old attendance record's address leads to its session
/// (the session page decides who may read it).
pub async fn old_record(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let session = sessions::find_by_record(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::permanent(&format!("/briefings/sessions/{session}")).into_response())
}
