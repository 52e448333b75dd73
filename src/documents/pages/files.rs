//! A document's files: an issued document's PDF and DOCX exactly as frozen at approval (their
//! SHA-256 in `X-Content-SHA256`), a draft's rendered now with the issuer's settings of now,
//! marked "DỰ THẢO" with its number and date left blank.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Utc};

use crate::app::AppState;
use crate::documents::model::{BlockView, DocStatus, Heading, assemble, sha256_hex};
use crate::documents::{actions, issuer_of, store};
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;

use super::may_read;

/// `GET /documents/{id}/file.pdf` and `/file.docx`.
pub async fn download(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, file)): Path<(i64, String)>,
) -> AppResult<Response> {
    let (format, mime) = match file.as_str() {
        "file.pdf" => ("pdf", "application/pdf"),
        "file.docx" => (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        _ => return Err(AppError::NotFound),
    };
    let d = store::find_document(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_read(&state, &auth, &d).await? {
        return Err(AppError::NotFound);
    }
    let (bytes, hash) = match d.status {
        DocStatus::Approved | DocStatus::Superseded => store::find_file(&state.db, id, format)
            .await?
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("document {id}: no {format} file"))
            })?,
        DocStatus::Draft | DocStatus::Review => {
            let issuer = issuer_of(&state, d.unit_id).await?;
            let blocks = store::list_blocks(&state.db, id).await?;
            let views: Vec<BlockView<'_>> = blocks
                .iter()
                .map(|b| BlockView {
                    kind: b.kind,
                    text: &b.text,
                    data: &b.data,
                })
                .collect();
            let doc = assemble(
                &Heading {
                    issuer: &issuer,
                    title: &d.title,
                    number: None,
                    issued_on: None,
                    draft: true,
                    year: crate::kit::time::vn_date(Utc::now()).year(),
                },
                &views,
            );
            let (pdf, docx) = actions::render(doc).await?;
            let bytes = if format == "pdf" { pdf } else { docx };
            let hash = sha256_hex(&bytes);
            (bytes, hash)
        }
    };
    let name = match d.number {
        Some(n) => format!("bao-cao-{n}-{}.{format}", d.number_year.unwrap_or_default()),
        None => format!("du-thao-{id}-v{}.{format}", d.version),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::HeaderName::from_static("x-content-sha256"), hash),
        ],
        bytes,
    )
        .into_response())
}
