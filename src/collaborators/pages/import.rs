//! CSV import of collaborators: every row checked first (errors name row and column), then all
//! written in one transaction, or none.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::json;

use crate::accounts::can;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::collaborators::model::{CsvError, read_import};
use crate::collaborators::store;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The import page.
#[derive(Template)]
#[template(path = "collaborators/import.html")]
struct ImportTemplate {
    c: Chrome,
    columns: String,
    errors: Vec<String>,
    imported: Option<usize>,
}

/// `GET /collaborators/import`.
pub async fn show_import(auth: Auth) -> AppResult<Response> {
    if !auth.user.has_anywhere(Capability::ManageCollaborators) {
        return Err(AppError::Forbidden);
    }
    Ok(page(ImportTemplate {
        c: auth.ctx.chrome("collaborators-import-title"),
        columns: crate::collaborators::model::CSV_COLUMNS.join(","),
        errors: vec![],
        imported: None,
    }))
}

/// Longest a collaborator import file may take to read: a full 50,000-row sheet reads in a few
/// seconds; past this the file is refused rather than holding a blocking thread.
const IMPORT_READ_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// `POST /collaborators/import`: every row checked, then all written in one transaction.
pub async fn import_collaborators(
    State(state): State<AppState>,
    auth: Auth,
    mut multipart: Multipart,
) -> AppResult<Response> {
    if !auth.user.has_anywhere(Capability::ManageCollaborators) {
        return Err(AppError::Forbidden);
    }
    let tr = auth.ctx.tr;
    let mut bytes = vec![];
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("collaborators-import-error-upload"))?
    {
        if field.name() == Some("file") {
            bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest("collaborators-import-error-upload"))?
                .to_vec();
        }
    }
    let show = |e: &CsvError| {
        tr.ta(
            "collaborators-import-error",
            &[
                ("row", e.row.to_string()),
                ("column", e.column.clone()),
                ("message", tr.t(e.key)),
            ],
        )
    };
    let fail = |errors: Vec<String>| {
        (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            page(ImportTemplate {
                c: auth.ctx.chrome("collaborators-import-title"),
                columns: crate::collaborators::model::CSV_COLUMNS.join(","),
                errors,
                imported: None,
            }),
        )
            .into_response()
    };
    // A spreadsheet is read off the async workers, within its limits and a time limit; a file
    // refused before reading is a 400 that says what it declares and what is read.
    let refused = |message: String| {
        let mut r = fail(vec![message]);
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        r
    };
    let file =
        match crate::uploads::read_blocking(IMPORT_READ_TIME, move || read_import(&bytes)).await {
            Ok(Ok(f)) => f,
            Ok(Err(crate::collaborators::model::ImportError::Rows(errs))) => {
                return Ok(fail(errs.iter().map(show).collect()));
            }
            Ok(Err(crate::collaborators::model::ImportError::Refused(r))) => {
                return Ok(refused(crate::uploads::refusal_text(tr, &r)));
            }
            Err(u) => return Ok(refused(crate::uploads::unfinished_text(tr, &u))),
        };
    let rows = &file.rows;
    if rows.is_empty() {
        return Ok(fail(vec![tr.t("collaborators-import-error-empty")]));
    }
    let values = store::list_values(&state.db).await?;
    let codes = crate::orgs::map_codes(&state.db).await?;
    let mut inputs = vec![];
    let mut errors = vec![];
    for (row, fields) in rows {
        let unit = codes.get(fields.unit.trim()).copied();
        match fields.parse(unit, &values) {
            Ok(i) => {
                if !can(
                    &state.db,
                    &auth.user,
                    Capability::ManageCollaborators,
                    i.unit_id,
                )
                .await?
                {
                    errors.push(show(&CsvError {
                        row: *row,
                        column: file.column("unit"),
                        key: "collaborators-error-unit-scope",
                    }));
                } else {
                    inputs.push(i);
                }
            }
            Err(errs) => {
                for (column, key) in errs {
                    errors.push(show(&CsvError {
                        row: *row,
                        column: file.column(column),
                        key,
                    }));
                }
            }
        }
        if errors.len() > 200 {
            break;
        }
    }
    if !errors.is_empty() {
        return Ok(fail(errors));
    }
    let mut tx = state.db.begin().await?;
    let ids = store::insert_collaborators(&mut tx, &inputs, Utc::now()).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "collaborator.import",
        "collaborator",
        "",
        auth.user
            .roots_with(Capability::ManageCollaborators)
            .first()
            .copied(),
        json!({"rows": ids.len(), "format": if file.labels.is_empty() { "csv" } else { "spreadsheet" }}),
    )
    .await?;
    tx.commit().await?;
    Ok(page(ImportTemplate {
        c: auth.ctx.chrome("collaborators-import-title"),
        columns: crate::collaborators::model::CSV_COLUMNS.join(","),
        errors: vec![],
        imported: Some(ids.len()),
    }))
}
