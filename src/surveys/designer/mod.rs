//! The questionnaire designer (*thiết kế phiếu hỏi*): XLSForm import (every error with sheet,
//! row and column) and export, the structure of the draft version with sections, questions,
//! choices and logic and their translations side by side, editing a question with live
//! server-side checking of its expressions (htmx), adding choices, and the respondent preview
//! at phone and desktop size.
//!
//! Every change is checked whole by `duluan_forms::check_form` before it is stored: a stored
//! draft always checks, and a published version is never changed.
//!
//! Files: `xlsform.rs` (import and export), `page.rs` (the designer page and its editors),
//! `edit.rs` (the changes and the live expression check), `tree.rs` (edits of the item tree,
//! no IO), `preview.rs` (the respondent preview, through the respondent engine); here the
//! helpers they share (the draft, checking and storing a changed questionnaire).

mod edit;
mod page;
mod preview;
mod tree;
mod xlsform;

pub use edit::{
    CheckQuery, add_choice, add_section, check_expression, delete_item, move_designer_item,
    save_question,
};
pub use page::{DesignerQuery, Edit, Row, SectionEdit, show_designer};
pub use preview::{PreviewQuery, show_preview, step_preview};
pub use tree::move_item;
pub use xlsform::{export_xlsform, import_xlsform};

use page::render_designer;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use duluan_forms::{Form as Questionnaire, check_form};

use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{Survey, Version};
use crate::surveys::pages::form_lang;
use crate::surveys::{draft_version, live_version, store};
use crate::web::ctx::Auth;

fn read_form(v: &Version) -> AppResult<Questionnaire> {
    Questionnaire::from_json(&v.form_json).map_err(|e| AppError::Internal(e.into()))
}

/// The draft version of a survey (409 when there is none: make a new version first).
async fn draft_of(state: &AppState, s: &Survey) -> AppResult<(Version, Questionnaire)> {
    let v = draft_version(&state.db, s.id)
        .await?
        .ok_or(AppError::Conflict("surveys-error-no-draft"))?;
    let f = read_form(&v)?;
    Ok((v, f))
}

/// The version staff look at: the draft if there is one, else the published one.
async fn current_of(state: &AppState, s: &Survey) -> AppResult<(Version, Questionnaire)> {
    let v = match draft_version(&state.db, s.id).await? {
        Some(v) => v,
        None => live_version(&state.db, s.id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let f = read_form(&v)?;
    Ok((v, f))
}

/// Checks the edited draft: with mistakes, the designer again with them (422); otherwise the
/// draft is saved with its audit entry ([`save_draft`]).
async fn store_checked(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    draft: &Version,
    form: &Questionnaire,
    action: &str,
    detail: serde_json::Value,
) -> AppResult<Response> {
    if let Err(diags) = check_form(form) {
        let lang = form_lang(auth.ctx.tr);
        let errors = diags.iter().map(|d| d.render(lang)).collect();
        let mut r = render_designer(state, auth, s, None, errors).await?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    save_draft(state, auth, s, draft, form, action, detail).await
}

/// Saves a checked draft and its audit entry in one transaction, then back to the designer.
async fn save_draft(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    draft: &Version,
    form: &Questionnaire,
    action: &str,
    detail: serde_json::Value,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    store::update_draft(
        &mut tx,
        draft.id,
        &draft.version,
        &form.to_json(),
        Utc::now(),
    )
    .await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        action,
        "survey",
        &s.id.to_string(),
        Some(s.unit_id),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/designer", s.id)).into_response())
}
