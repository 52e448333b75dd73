//! Attachments of reports (PDF, DOCX, PNG, JPEG up to 10 MiB): uploaded while the report is
//! editable, kept in the database with their row (so that every node of several serves them and
//! a backup holds them), served only to those who may read the report, as downloads. Files
//! stored under `<data dir>/attachments/reports/` before migration 0045 are served from there
//! until [`move_files_in`] (run by `duluan serve` at start) has moved them into the database.

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::reporting::model::{Step, attachment_type, clean_file_name, transition};
use crate::reporting::store;
use crate::web::ctx::Auth;

fn folder(state: &AppState) -> std::path::PathBuf {
    state
        .config
        .database
        .data_dir
        .join("attachments")
        .join("reports")
}

/// Longest the check of an attachment's archive directory may take (it takes milliseconds).
const ATTACHMENT_CHECK_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// `POST /reporting/reports/{id}/attachments` (multipart field `file`).
pub async fn upload_attachment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let r = store::find_report(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::EditReports, r.unit_id).await?;
    transition(r.status, r.lock_at, Utc::now(), Step::Edit).map_err(AppError::Conflict)?;
    let mut upload = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("reporting-attachment-error-size"))?
    {
        if field.name() == Some("file") {
            let name = clean_file_name(field.file_name().unwrap_or(""));
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest("reporting-attachment-error-size"))?;
            upload = Some((name, bytes));
        }
    }
    let (name, bytes) = upload.ok_or(AppError::BadRequest("reporting-attachment-error-empty"))?;
    let mime = attachment_type(&name, &bytes).map_err(AppError::BadRequest)?;
    // Attachments are stored, not read, but a DOCX is a ZIP archive that readers will open:
    // refuse one whose directory declares a zip bomb or a forged archive (the directory only,
    // off the async workers; nothing is inflated).
    if name.to_ascii_lowercase().ends_with(".docx") {
        let check = bytes.clone();
        let checked = crate::uploads::read_blocking(ATTACHMENT_CHECK_TIME, move || {
            duluan_filecheck::zip::check_directory(&check, &duluan_extract::DOCX_LIMITS)
        })
        .await;
        if !matches!(checked, Ok(Ok(_))) {
            return Err(AppError::BadRequest("upload-attachment-refused"));
        }
    }
    let key = uuid::Uuid::now_v7().simple().to_string();
    let attachment = store::Attachment {
        id: 0,
        report_id: id,
        file_name: name.clone(),
        content_type: mime.to_string(),
        size: bytes.len() as i64,
        storage_key: key,
    };
    // The row, its contents and its audit entry in one transaction.
    crate::reporting::actions::attach_file(&state.db, &auth.ctx.actor(), &r, &attachment, &bytes)
        .await?;
    Ok(Redirect::to(&format!("/reporting/reports/{id}?ok=saved")).into_response())
}

/// `GET /reporting/attachments/{id}`: the file, only for readers of the report.
pub async fn download_attachment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let a = store::find_attachment(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = store::find_report(&state.db, a.report_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can(&state.db, &auth.user, Capability::ViewReports, r.unit_id).await?
        && !can(&state.db, &auth.user, Capability::EditReports, r.unit_id).await?
    {
        return Err(AppError::NotFound);
    }
    let bytes = match store::find_contents(&state.db, a.id).await? {
        Some(bytes) => bytes,
        None => tokio::fs::read(folder(&state).join(&a.storage_key))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("attachment file missing: {e}")))?,
    };
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        a.file_name
            .chars()
            .map(|c| if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            })
            .collect::<String>(),
        crate::error::urlencode(&a.file_name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, a.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /reporting/attachments/{id}/delete`: while the report is editable.
pub async fn delete_attachment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let a = store::find_attachment(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = store::find_report(&state.db, a.report_id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::EditReports, r.unit_id).await?;
    transition(r.status, r.lock_at, Utc::now(), Step::Edit).map_err(AppError::Conflict)?;
    crate::reporting::actions::detach_file(&state.db, &auth.ctx.actor(), &r, &a).await?;
    // A file stored before migration 0045, if this node still has it.
    let _ = tokio::fs::remove_file(folder(&state).join(&a.storage_key)).await;
    Ok(Redirect::to(&format!("/reporting/reports/{}", r.id)).into_response())
}

/// Moves attachment files stored in this node's data folder before migration 0045 into the
/// database (each in its own transaction, the file removed once committed); returns how many.
/// Files another node holds are moved when that node starts.
pub async fn move_files_in(state: &AppState) -> AppResult<usize> {
    let dir = folder(state);
    let mut moved = 0;
    for (id, key) in store::attachments_without_contents(&state.db).await? {
        let path = dir.join(&key);
        let Ok(bytes) = tokio::fs::read(&path).await else {
            continue;
        };
        let mut tx = state.db.begin().await?;
        store::put_contents(&mut tx, id, &bytes).await?;
        tx.commit().await?;
        let _ = tokio::fs::remove_file(&path).await;
        moved += 1;
    }
    Ok(moved)
}
