//! `GET /surveys/{id}/responses/{rid}/files/{name}`: a file that came with an interview (a
//! photo, a recording), for staff who see the survey's responses; every read audited.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::store;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::survey_for;
use crate::web::ctx::Auth;

/// The file, as stored, to download (never shown inline: its bytes were checked against its
/// type, not rendered).
pub async fn download_file(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, rid, name)): Path<(i64, String, String)>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewResponses).await?;
    let r = crate::surveys::store::find_response(&state.db, &rid)
        .await?
        .filter(|r| r.survey_id == s.id)
        .ok_or(AppError::NotFound)?;
    let name = super::model::attachment_name(&name).ok_or(AppError::NotFound)?;
    let (content_type, bytes) = store::file_bytes(&state.db, &r.id, name)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::entry(&auth.ctx.actor(), "survey.response_file_read")
        .object("survey_response", &r.id)
        .unit(s.unit_id)
        .detail(json!({"survey": s.id, "file": name}))
        .write_alone(&state.db)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}
