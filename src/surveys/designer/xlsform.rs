//! XLSForm import (every error with its sheet, row and column; nothing stored unless the whole
//! form checks; what pyxform only warns about is imported and listed), with the form media
//! files sent in the same form (`media`), and export of the current questionnaire.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use duluan_forms::{Diagnostic, check_form};
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::pages::form_lang;
use crate::surveys::{media, store, survey_for, visible_survey};
use crate::web::ctx::Auth;

use super::{current_of, draft_of};

/// Longest an XLSForm may take to read: a large form reads in well under a second.
const XLSFORM_READ_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// `POST /surveys/{id}/import`: replaces the draft questionnaire by an XLSForm; every error is
/// listed with its sheet, row and column, and nothing is stored unless the whole form checks.
pub async fn import_xlsform(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let (draft, _) = draft_of(&state, &s).await?;
    let mut bytes = Vec::new();
    let mut uploads = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("surveys-error-upload"))?
    {
        match field.name() {
            Some("file") => {
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::BadRequest("surveys-error-upload"))?
                    .to_vec();
            }
            // Form media files sent with the form: each bounded as it is read.
            Some("media") => match media::read_upload(field, auth.ctx.tr).await {
                Ok(Some(u)) => uploads.push(u),
                Ok(None) => {}
                Err(e) => {
                    let errors = vec![auth.ctx.tr.t("surveys-import-failed"), e];
                    let mut r =
                        crate::surveys::pages::render_show_errors(&state, &auth, s, errors).await?;
                    *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                    return Ok(r);
                }
            },
            _ => {}
        }
    }
    let lang = form_lang(auth.ctx.tr);
    // Read off the async workers with a time limit; the reader bounds the file itself
    // (`duluan_forms::xlsform::XLSFORM_LIMITS`) and refuses it with a clear error.
    let read = crate::uploads::read_blocking(XLSFORM_READ_TIME, move || {
        duluan_forms::xlsform::import_xlsx_with_warnings(&bytes)
    })
    .await
    .unwrap_or_else(|u| {
        let text = crate::uploads::unfinished_text(auth.ctx.tr, &u);
        Err(vec![Diagnostic::new(
            duluan_forms::DiagKind::File,
            text.clone(),
            text,
        )])
    });
    let mut warnings = Vec::new();
    let imported = read.and_then(|(mut f, w)| {
        warnings = w;
        f.id = s.series.clone();
        f.published = false;
        if f.version.trim().is_empty() {
            f.version = draft.version.clone();
        }
        check_form(&f).map(|_| f)
    });
    let form = match imported {
        Ok(f) => f,
        Err(diags) => {
            let mut errors = vec![auth.ctx.tr.t("surveys-import-failed")];
            errors.extend(diags.iter().map(|d| d.render(lang)));
            // A file that could not be read as a spreadsheet at all (refused before reading:
            // too large, a zip bomb, a sheet of a million rows) is a bad request; a form with
            // mistakes is unprocessable.
            let unreadable = diags.iter().all(|d| d.kind == duluan_forms::DiagKind::File);
            let mut r = crate::surveys::pages::render_show_errors(&state, &auth, s, errors).await?;
            *r.status_mut() = if unreadable {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return Ok(r);
        }
    };
    // The media files sent with it, checked, and what the form reads from the draft's files
    // as they will be: a missing column refuses the import, a missing file is a warning
    // (pyxform does not see files; publishing will need it).
    let checked = match media::check_uploads(uploads, auth.ctx.tr).await {
        Ok(c) => c,
        Err(lines) => {
            let mut errors = vec![auth.ctx.tr.t("surveys-import-failed")];
            errors.extend(lines);
            let mut r = crate::surveys::pages::render_show_errors(&state, &auth, s, errors).await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let mut tables = media::version_tables(&state.db, draft.id).await?;
    for c in &checked {
        tables.insert(c.file.file_name.clone(), c.table.clone());
    }
    let (missing_files, missing_columns) = media::problems(&form, &tables, auth.ctx.tr);
    if !missing_columns.is_empty() {
        let mut errors = vec![auth.ctx.tr.t("surveys-import-failed")];
        errors.extend(missing_columns);
        let mut r = crate::surveys::pages::render_show_errors(&state, &auth, s, errors).await?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let versions = store::list_versions(&state.db, id).await?;
    let version = if versions
        .iter()
        .any(|v| v.id != draft.id && v.version == form.version)
    {
        draft.version.clone()
    } else {
        form.version.clone()
    };
    let mut form = form;
    form.version = version.clone();
    let mut tx = state.db.begin().await?;
    store::update_draft(&mut tx, draft.id, &version, &form.to_json(), Utc::now()).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "survey.import",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"version": version, "questions": form.questions().len()}),
    )
    .await?;
    if !checked.is_empty() {
        let recorded = media::store_in(&mut tx, draft.id, &checked).await?;
        media::audit_in(
            &mut tx,
            &auth.ctx.actor(),
            &s,
            &draft,
            json!({"added": recorded}),
        )
        .await?;
    }
    tx.commit().await?;
    if !warnings.is_empty() || !missing_files.is_empty() {
        // Imported, with what pyxform would only warn about and the media files the form
        // names that are not attached yet: said on the survey's page.
        let mut lines = vec![auth.ctx.tr.t("surveys-import-warnings")];
        lines.extend(warnings.iter().map(|d| d.render(lang)));
        if !missing_files.is_empty() {
            lines.push(auth.ctx.tr.t("surveys-media-missing-warning"));
            lines.extend(missing_files);
        }
        return crate::surveys::pages::render_show_errors(&state, &auth, s, lines).await;
    }
    Ok(Redirect::to(&format!("/surveys/{id}/designer")).into_response())
}

/// `GET /surveys/{id}/xlsform`: the current questionnaire as an XLSForm file.
pub async fn export_xlsform(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = visible_survey(&state.db, &auth, id).await?;
    let (_, form) = current_of(&state, &s).await?;
    let bytes = duluan_forms::xlsform::export_xlsx(&form)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let name = format!("{}-v{}.xlsx", form.id, form.version);
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    Ok(r)
}
