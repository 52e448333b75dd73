//! The respondent preview at phone and desktop size: the respondent engine's pages, with the
//! answers carried in the page and nothing stored.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use duluan_forms::Record;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::AppResult;
use crate::surveys::collect::{PreviewState, RespondTemplate};
use crate::surveys::respondent::{self, Outcome, options, step};
use crate::surveys::visible_survey;
use crate::web::ctx::Auth;
use crate::web::layout::RenderPage;

use super::current_of;

/// Query of the preview.
#[derive(Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    size: String,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn preview_page(
    auth: &Auth,
    id: i64,
    engine: &duluan_forms::Engine,
    answers: &Record,
    page_id: &str,
    issues: bool,
    size: &str,
    done: bool,
) -> Response {
    let tr = auth.ctx.tr;
    // The answers carried in the page include the open repeats' first instances.
    let mut answers = answers.clone();
    respondent::ensure_open_repeats(engine.form(), &mut answers);
    let answers = &answers;
    let t = RespondTemplate {
        tr,
        lang: tr.lang().code(),
        path: format!("/surveys/{id}/preview"),
        title: engine.form().form.title.clone(),
        step: respondent::show(engine, answers, page_id, issues, &options(tr)),
        flash: done.then(|| tr.t("surveys-preview-done")),
        preview: Some(PreviewState {
            answers: serde_json::to_string(answers).unwrap_or_default(),
            size: if size == "desktop" {
                "desktop".into()
            } else {
                "phone".into()
            },
            back: format!("/surveys/{id}/designer"),
        }),
        anonymous: true,
    };
    Html(t.render_page()).into_response()
}

/// `GET /surveys/{id}/preview`: the questionnaire as a respondent sees it (phone size by
/// default); nothing is stored.
pub async fn show_preview(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PreviewQuery>,
) -> AppResult<Response> {
    let s = visible_survey(&state.db, &auth, id).await?;
    let (v, _) = current_of(&state, &s).await?;
    let engine = crate::surveys::media::engine_of(&state.db, &v).await?;
    Ok(preview_page(
        &auth,
        id,
        &engine,
        &Record::new(),
        "",
        false,
        &q.size,
        false,
    ))
}

/// `POST /surveys/{id}/preview`: one step of the preview (answers carried in the page).
pub async fn step_preview(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = visible_survey(&state.db, &auth, id).await?;
    let (v, _) = current_of(&state, &s).await?;
    let engine = crate::surveys::media::engine_of(&state.db, &v).await?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut answers: Record = serde_json::from_str(&get("state")).unwrap_or_default();
    let size = get("size");
    Ok(
        match step(&engine, &mut answers, &fields, &options(auth.ctx.tr)) {
            Outcome::Show { page, issues, .. } => {
                preview_page(&auth, id, &engine, &answers, &page, issues, &size, false)
            }
            Outcome::Complete(_) => {
                preview_page(&auth, id, &engine, &Record::new(), "", false, &size, true)
            }
        },
    )
}
