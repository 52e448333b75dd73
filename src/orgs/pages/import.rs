//! CSV import of units (every row checked first, errors name row and column, then all written or
//! none) and CSV export of the units in the user's scope.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::orgs::model::{CsvError, ParentRef, parse_units_csv};
use crate::orgs::store;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// The import page.
#[derive(Template)]
#[template(path = "orgs/import.html")]
struct ImportTemplate {
    c: Chrome,
    errors: Vec<String>,
    more_errors: usize,
    done: Option<String>,
    columns: String,
}

fn import_page(
    auth: &Auth,
    errors: Vec<String>,
    more_errors: usize,
    done: Option<String>,
) -> Response {
    let failed = !errors.is_empty();
    let response = page(ImportTemplate {
        c: auth.ctx.chrome("import-title"),
        errors,
        more_errors,
        done,
        columns: crate::orgs::model::csv_columns().join(","),
    });
    crate::kit::form::respond(response, failed)
}

/// `GET /orgs/import`.
pub async fn show_import(auth: Auth) -> AppResult<Response> {
    if !auth.user.has_anywhere(Capability::ManageUnits) {
        return Err(AppError::Forbidden);
    }
    Ok(import_page(&auth, vec![], 0, None))
}

/// Describes an import error in the user's language: where, then what.
pub fn describe_csv_error(tr: Tr, e: &CsvError) -> String {
    let what = tr.ta(e.key, &[("value", e.value.clone())]);
    match (e.line, e.column.is_empty()) {
        (0, _) => what,
        (line, true) => tr.ta(
            "csv-where-line",
            &[("line", line.to_string()), ("what", what)],
        ),
        (line, false) => tr.ta(
            "csv-where-line-column",
            &[
                ("line", line.to_string()),
                ("column", e.column.clone()),
                ("what", what),
            ],
        ),
    }
}

const MAX_SHOWN_ERRORS: usize = 200;

/// `POST /orgs/import` (multipart, field `file`): all rows or none.
pub async fn import_units(
    State(state): State<AppState>,
    auth: Auth,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = auth.user.roots_with(Capability::ManageUnits);
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    let Some(bytes) = super::file_field(&mut multipart).await? else {
        return Ok(import_page(
            &auth,
            vec![tr.t("import-error-no-file")],
            0,
            None,
        ));
    };
    let kinds = store::list_kinds(&state.db).await?;
    let stored = store::map_codes(&state.db).await?;
    let rows = match parse_units_csv(&bytes, &kinds, &stored) {
        Ok(rows) => rows,
        Err(errors) => {
            let more = errors.len().saturating_sub(MAX_SHOWN_ERRORS);
            let shown = errors
                .iter()
                .take(MAX_SHOWN_ERRORS)
                .map(|e| describe_csv_error(tr, e))
                .collect();
            return Ok(import_page(&auth, shown, more, None));
        }
    };
    // Scope: every row must land under the importer's units; top-level rows need a platform-wide user.
    let top = auth.user.platform_with(Capability::ManageUnits);
    let mut scope_errors = vec![];
    let mut check_ids = vec![];
    for row in &rows {
        if let Some(code) = &row.input.code
            && let Some(existing) = stored.get(code)
        {
            check_ids.push((row.line, "code", *existing, code.clone()));
        }
        match row.parent {
            ParentRef::None if !top => scope_errors.push(CsvError {
                line: row.line,
                column: "parent_code".into(),
                key: "csv-error-scope",
                value: String::new(),
            }),
            ParentRef::Stored(p) => check_ids.push((row.line, "parent_code", p, String::new())),
            _ => {}
        }
    }
    let ids: Vec<i64> = check_ids.iter().map(|c| c.2).collect();
    let within = store::filter_within(&state.db, &roots, &ids).await?;
    for (line, column, id, value) in check_ids {
        if !within.contains(&id) {
            scope_errors.push(CsvError {
                line,
                column: column.into(),
                key: "csv-error-scope",
                value,
            });
        }
    }
    if !scope_errors.is_empty() {
        scope_errors.sort_by_key(|e| e.line);
        let more = scope_errors.len().saturating_sub(MAX_SHOWN_ERRORS);
        let shown = scope_errors
            .iter()
            .take(MAX_SHOWN_ERRORS)
            .map(|e| describe_csv_error(tr, e))
            .collect();
        return Ok(import_page(&auth, shown, more, None));
    }
    let summary = match crate::orgs::actions::import_units(
        &state.db,
        &auth.ctx.actor(),
        &rows,
        roots.first().copied(),
    )
    .await
    {
        Ok(s) => s,
        Err(AppError::Conflict(key)) => return Ok(import_page(&auth, vec![tr.t(key)], 0, None)),
        Err(e) => return Err(e),
    };
    let done = tr.ta(
        "import-done",
        &[
            ("created", summary.created.to_string()),
            ("updated", summary.updated.to_string()),
        ],
    );
    Ok(import_page(&auth, vec![], 0, Some(done)))
}

/// `GET /orgs/export.csv`: every unit the user can see, in the import format.
pub async fn export_units(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let roots = auth.user.roots_with(Capability::ViewUnits);
    let units = store::list_subtrees(&state.db, &roots).await?;
    let mut out = csv::Writer::from_writer(Vec::with_capacity(units.len() * 64));
    let csv_err = |e: csv::Error| AppError::Internal(e.into());
    out.write_record(crate::orgs::model::csv_columns())
        .map_err(csv_err)?;
    let d = |d: Option<NaiveDate>| {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    for (u, parent_code) in &units {
        let code = u.code.clone().unwrap_or_default();
        // Names and notes are typed by people: neutralised against formula injection.
        out.write_record(crate::kit::csv::text_record([
            code.as_str(),
            &u.name,
            &u.kind,
            parent_code.as_deref().unwrap_or(""),
            &d(u.valid_from),
            &d(u.valid_to),
            &u.note,
        ]))
        .map_err(csv_err)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "unit_export",
        "unit",
        "",
        roots.first().copied(),
        json!({"rows": units.len()}),
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"duluan-units.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
