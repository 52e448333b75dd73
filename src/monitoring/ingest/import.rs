//! File import (CSV, JSONL, text, DOCX, PDF, images through OCR): every item of the file or
//! nothing, with each error's place in the user's language.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::kit::scope::require_roots;
use crate::monitoring::model::{self, ItemError, SourceKind};
use crate::monitoring::store;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;

use super::sources::{SourceForm, sources_page};
use super::{BatchEntry, Incoming, ingest_recorded};

/// The message key of a file error and its detail (the parser's words), if any.
fn file_error_key(kind: &duluan_extract::FileErrorKind) -> (&'static str, String) {
    use duluan_extract::FileErrorKind as K;
    match kind {
        K::Empty => ("monitoring-file-empty", String::new()),
        K::NotText => ("monitoring-file-not-text", String::new()),
        K::Unsupported(what) => ("monitoring-file-unsupported", what.clone()),
        K::Malformed(why) => ("monitoring-file-malformed", why.clone()),
        K::MissingColumn => ("monitoring-file-missing-column", String::new()),
        K::UnknownColumn => ("monitoring-file-unknown-column", String::new()),
        K::DuplicateColumn => ("monitoring-file-duplicate-column", String::new()),
        K::InvalidValue(v) => ("monitoring-file-invalid-value", v.clone()),
        K::EmptyText => ("monitoring-error-empty", String::new()),
        K::TooLarge { bytes, max } => ("monitoring-error-too-long", format!("{bytes} > {max}")),
        K::Encrypted => ("monitoring-file-encrypted", String::new()),
        K::NeedsOcr => ("monitoring-file-needs-ocr", String::new()),
        K::Ocr(why) => ("monitoring-file-ocr-failed", why.clone()),
        K::TooManyErrors(n) => ("monitoring-file-too-many-errors", n.to_string()),
        // Messages with their own arguments, built by `file_error_text`.
        K::Refused(_)
        | K::TooManyPages { .. }
        | K::TooManyOcrPages { .. }
        | K::OcrTimeLimit { .. } => ("upload-error-unreadable", String::new()),
    }
}

/// The message of a file refused by one of its limits, with its numbers.
fn limit_text(tr: Tr, kind: &duluan_extract::FileErrorKind) -> Option<String> {
    use duluan_extract::FileErrorKind as K;
    Some(match kind {
        K::Refused(r) => crate::uploads::refusal_text(tr, r),
        K::TooManyPages { pages, max } => tr.ta(
            "upload-pdf-too-many-pages",
            &[("pages", pages.to_string()), ("max", max.to_string())],
        ),
        K::TooManyOcrPages { max } => {
            tr.ta("upload-ocr-too-many-pages", &[("max", max.to_string())])
        }
        K::OcrTimeLimit { seconds, pages } => tr.ta(
            "upload-ocr-time-limit",
            &[
                ("seconds", seconds.to_string()),
                ("pages", pages.to_string()),
            ],
        ),
        _ => return None,
    })
}

/// Message of a file error, with its place, in the user's language.
fn file_error_text(tr: Tr, e: &duluan_extract::FileError) -> String {
    let (key, detail) = file_error_key(&e.kind);
    let mut place: Vec<String> = vec![];
    if let Some(l) = e.line {
        place.push(tr.ta("monitoring-file-at-line", &[("line", l.to_string())]));
    }
    if let Some(p) = e.page {
        place.push(tr.ta("monitoring-file-at-page", &[("page", p.to_string())]));
    }
    if let Some(c) = &e.column {
        place.push(tr.ta("monitoring-file-at-column", &[("column", c.clone())]));
    }
    let what = limit_text(tr, &e.kind).unwrap_or_else(|| tr.t(key));
    let text = if detail.is_empty() {
        format!("{} {what}", place.join(" "))
    } else {
        format!("{} {what} ({detail})", place.join(" "))
    };
    text.trim().to_string()
}

/// What OCR can do here, found once per process.
pub(super) fn ocr_info() -> Option<duluan_extract::ocr::OcrInfo> {
    static INFO: std::sync::OnceLock<Option<duluan_extract::ocr::OcrInfo>> =
        std::sync::OnceLock::new();
    INFO.get_or_init(duluan_extract::ocr::available).clone()
}

/// All the OCR of one uploaded file: the request times out after 60 s, so OCR stops (and
/// tesseract is killed) before it, rather than running on after the user was told it failed.
const FILE_OCR_TIME: std::time::Duration = std::time::Duration::from_secs(40);

/// Longest the whole read of an uploaded file may take before the user gets an answer.
const FILE_READ_TIME: std::time::Duration = std::time::Duration::from_secs(50);

/// `POST /monitoring/import` (multipart: `file`, optional `source_id`): every item of the file
/// or nothing, with each error's line and column.
pub async fn import_file(
    State(state): State<AppState>,
    auth: Auth,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let roots = require_roots(&auth.user, &[Capability::ManageMonitoring])?;
    let tr = auth.ctx.tr;
    let mut bytes: Option<(String, Vec<u8>)> = None;
    let mut source_id: Option<i64> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("tep").to_string();
                match field.bytes().await {
                    Ok(b) => bytes = Some((name, b.to_vec())),
                    Err(_) => return Err(AppError::BadRequest("monitoring-file-too-large")),
                }
            }
            Some("source_id") => {
                source_id = field.text().await.ok().and_then(|t| t.trim().parse().ok());
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = bytes.filter(|b| !b.1.is_empty()) else {
        let errs = vec![tr.t("monitoring-file-empty")];
        let mut r = sources_page(
            &state,
            &auth,
            None,
            vec![],
            errs,
            None,
            SourceForm::default(),
        )
        .await?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    let source = match source_id {
        Some(id) => {
            let s = store::find_source(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            crate::accounts::require(
                &state.db,
                &auth.user,
                Capability::ManageMonitoring,
                s.unit_id,
            )
            .await?;
            if s.kind != SourceKind::File {
                return Err(AppError::BadRequest("monitoring-source-error-kind"));
            }
            Some(s)
        }
        None => {
            let unit = roots[0];
            store::list_sources(&state.db)
                .await?
                .into_iter()
                .find(|(s, _)| s.kind == SourceKind::File && s.unit_id == unit)
                .map(|(s, _)| s)
        }
    };
    let options = duluan_extract::Options {
        ocr: ocr_info().is_some_and(|i| i.vietnamese),
        ocr_total_timeout: FILE_OCR_TIME,
        ..duluan_extract::Options::default()
    };
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let file_name = name.clone();
    // Off the async workers and within a time limit: the OCR budget ends first and kills
    // tesseract; the limit below answers the user even if a reader is slower than expected.
    let extracted = match crate::uploads::read_blocking(FILE_READ_TIME, move || {
        duluan_extract::extract(&file_name, &bytes, &options)
    })
    .await
    {
        Ok(x) => x,
        Err(u) => {
            let errs = vec![crate::uploads::unfinished_text(tr, &u)];
            let mut r = sources_page(
                &state,
                &auth,
                None,
                vec![],
                errs,
                None,
                SourceForm::default(),
            )
            .await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let extracted = match extracted {
        Ok(x) => x,
        Err(errors) => {
            // A file refused by a limit (zip bomb, too many pages, OCR budget) is a bad request;
            // a file with line errors is unprocessable.
            let refused = errors.iter().any(|e| limit_text(tr, &e.kind).is_some());
            let errs = errors
                .iter()
                .take(50)
                .map(|e| file_error_text(tr, e))
                .collect();
            let mut r = sources_page(
                &state,
                &auth,
                None,
                vec![],
                errs,
                None,
                SourceForm::default(),
            )
            .await?;
            *r.status_mut() = if refused {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return Ok(r);
        }
    };
    // The file's default source is created only now that the file has been read.
    let source = match source {
        Some(s) => s,
        None => {
            let id = store::insert_source(
                &state.db,
                &store::NewSource {
                    name: "Tệp nhập vào",
                    unit_id: roots[0],
                    created_by: Some(auth.user.id),
                    ..store::NewSource::of(SourceKind::File)
                },
                Utc::now().timestamp(),
            )
            .await?;
            store::find_source(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?
        }
    };
    let format = format!("{:?}", extracted.format).to_lowercase();
    let mut incoming = vec![];
    let mut time_errors = vec![];
    for (i, it) in extracted.items.iter().enumerate() {
        let time = match &it.time {
            Some(t) if !t.trim().is_empty() => match model::parse_time(t) {
                Some(t) => Some(t),
                None => {
                    time_errors.push(ItemError {
                        index: it.line,
                        field: "time".into(),
                        key: "monitoring-error-time",
                    });
                    None
                }
            },
            _ => None,
        };
        incoming.push(Incoming {
            external_id: Some(
                it.external_id
                    .clone()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or_else(|| format!("file:{sha}:{i}")),
            ),
            text: it.text.clone(),
            title: it.title.clone().unwrap_or_default(),
            time,
            area: it.area.clone(),
            unit_id: None,
            topic: it.topic.clone().filter(|s| !s.trim().is_empty()),
            direction: it.direction.clone().filter(|s| !s.trim().is_empty()),
            url: it.url.clone().unwrap_or_default(),
            lang: it.lang.clone().unwrap_or_default(),
            via_ocr: it.via_ocr,
            legacy: it.legacy_encoding.clone(),
            place: it.line,
        });
    }
    let warnings = extracted.warnings.join("\n");
    let import = store::NewImport {
        file_name: &name,
        format: &format,
        sha256: &sha,
        ocr_pages: extracted.ocr_pages as i64,
        warnings: &warnings,
        created_by: Some(auth.user.id),
    };
    let actor = auth.ctx.actor();
    let entry = BatchEntry {
        actor: &actor,
        action: "monitoring_import",
        detail: json!({"file": name, "format": format, "items": incoming.len(), "ocr_pages": extracted.ocr_pages}),
    };
    let outcome = if time_errors.is_empty() {
        ingest_recorded(&state, &source, incoming, Some(&import), Some(entry)).await?
    } else {
        Err(time_errors)
    };
    match outcome {
        Err(errors) => {
            let errs = errors
                .iter()
                .take(50)
                .map(|e| {
                    format!(
                        "{} {} — {}",
                        tr.ta("monitoring-file-at-line", &[("line", e.index.to_string())]),
                        tr.ta("monitoring-file-at-column", &[("column", e.field.clone())]),
                        tr.t(e.key)
                    )
                })
                .collect();
            let mut r = sources_page(
                &state,
                &auth,
                None,
                vec![],
                errs,
                None,
                SourceForm::default(),
            )
            .await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Ok((ids, n)) => {
            let flash = Some(tr.ta(
                "monitoring-import-done",
                &[
                    ("name", name.clone()),
                    ("count", n.to_string()),
                    ("created", ids.len().to_string()),
                ],
            ));
            sources_page(
                &state,
                &auth,
                None,
                vec![],
                vec![],
                flash,
                SourceForm::default(),
            )
            .await
        }
    }
}
