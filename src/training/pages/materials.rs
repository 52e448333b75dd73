//! A course's materials: files uploaded by the course's keepers, checked, and served to its
//! readers as attachments.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::training::actions;
use crate::training::pages::course_for;
use crate::training::store;
use crate::web::ctx::Auth;

/// `POST /training/{id}/materials`: a file (PDF, DOCX, PNG, JPEG; at most 10 MiB, checked by its
/// name and its first bytes; a DOCX's archive directory checked before it is kept).
pub async fn upload_material(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let (course, manage) = course_for(&state, &auth.user, id).await?;
    if !manage {
        return Err(AppError::Forbidden);
    }
    let mut upload = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("reporting-attachment-error-size"))?
    {
        if field.name() == Some("file") {
            let name = crate::reporting::model::clean_file_name(field.file_name().unwrap_or(""));
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest("reporting-attachment-error-size"))?;
            upload = Some((name, bytes));
        }
    }
    let (name, bytes) = upload.ok_or(AppError::BadRequest("reporting-attachment-error-empty"))?;
    let mime =
        crate::reporting::model::attachment_type(&name, &bytes).map_err(AppError::BadRequest)?;
    if name.to_ascii_lowercase().ends_with(".docx") {
        let check = bytes.clone();
        let checked =
            crate::uploads::read_blocking(std::time::Duration::from_secs(10), move || {
                duluan_filecheck::zip::check_directory(&check, &duluan_extract::DOCX_LIMITS)
            })
            .await;
        if !matches!(checked, Ok(Ok(_))) {
            return Err(AppError::BadRequest("upload-attachment-refused"));
        }
    }
    actions::add_material(&state.db, &auth.ctx.actor(), &course, &name, mime, &bytes).await?;
    Ok(Redirect::to(&format!("/training/{id}?ok=material")).into_response())
}

/// `GET /training/materials/{id}`: the file, for the course's readers, as an attachment.
pub async fn download_material(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    use axum::http::header;
    let (m, bytes) = store::find_material(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    course_for(&state, &auth.user, m.course_id).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        m.file_name
            .chars()
            .map(|c| if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            })
            .collect::<String>(),
        crate::error::urlencode(&m.file_name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, m.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
