//! Importing units' populations (`/orgs/population`): a table `code,population[,source]` as CSV
//! or a spreadsheet's first sheet, bounded by `duluan-filecheck` before it is read; every row is
//! checked (code known and within the importer's units, count a whole number) before anything
//! is written, errors name their row and column, and the rows are written in one transaction.

use std::time::Duration;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::describe_csv_error;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::orgs::model::{
    CsvError, IMPORT_LIMITS, MAX_IMPORT_ROWS, parse_population_table, population_columns,
};
use crate::orgs::store;
use crate::uploads::table;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The largest upload the route accepts (the file and the form around it).
pub const POPULATION_BODY_LIMIT: usize = crate::orgs::model::MAX_IMPORT_BYTES + (64 << 10);
/// How long reading a file may take.
const READ_TIME: Duration = Duration::from_secs(30);
/// Errors shown at most; the rest are counted.
const MAX_SHOWN_ERRORS: usize = 200;

/// The population import page.
#[derive(Template)]
#[template(path = "orgs/population.html")]
struct PopulationTemplate {
    c: Chrome,
    errors: Vec<String>,
    more_errors: usize,
    done: Option<String>,
    columns: &'static str,
}

fn population_page(
    auth: &Auth,
    errors: Vec<String>,
    more_errors: usize,
    done: Option<String>,
) -> Response {
    let failed = !errors.is_empty();
    let response = page(PopulationTemplate {
        c: auth.ctx.chrome("population-import-title"),
        errors,
        more_errors,
        done,
        columns: population_columns(),
    });
    crate::kit::form::respond(response, failed)
}

fn errors_page(auth: &Auth, mut errors: Vec<CsvError>) -> Response {
    errors.sort_by_key(|e| e.line);
    let more = errors.len().saturating_sub(MAX_SHOWN_ERRORS);
    let shown = errors
        .iter()
        .take(MAX_SHOWN_ERRORS)
        .map(|e| describe_csv_error(auth.ctx.tr, e))
        .collect();
    population_page(auth, shown, more, None)
}

/// `GET /orgs/population`.
pub async fn show_population_import(auth: Auth) -> AppResult<Response> {
    if !auth.user.has_anywhere(Capability::ManageUnits) {
        return Err(AppError::Forbidden);
    }
    Ok(population_page(&auth, vec![], 0, None))
}

/// `POST /orgs/population` (multipart, field `file`): every row or none.
pub async fn import_populations(
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
        return Ok(population_page(
            &auth,
            vec![tr.t("population-import-no-file")],
            0,
            None,
        ));
    };
    let read = crate::uploads::read_blocking(READ_TIME, move || {
        table::read(&bytes, &IMPORT_LIMITS, MAX_IMPORT_ROWS)
    })
    .await;
    let t = match read {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            let mut r = population_page(&auth, vec![table::error_text(tr, &e)], 0, None);
            if matches!(e, table::TableError::Refused(_)) {
                *r.status_mut() = StatusCode::BAD_REQUEST;
            }
            return Ok(r);
        }
        Err(u) => {
            let mut r = population_page(
                &auth,
                vec![crate::uploads::unfinished_text(tr, &u)],
                0,
                None,
            );
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let sheet = match parse_population_table(&t) {
        Ok(sheet) => sheet,
        Err(errors) => return Ok(errors_page(&auth, errors)),
    };
    // Every code must name a unit within the importer's units.
    let codes: Vec<String> = sheet.rows.iter().map(|r| r.code.clone()).collect();
    let ids = store::map_codes_of(&state.db, &codes).await?;
    let found: Vec<i64> = ids.values().copied().collect();
    let within: std::collections::HashSet<i64> = store::filter_within(&state.db, &roots, &found)
        .await?
        .into_iter()
        .collect();
    let mut errors = vec![];
    let mut rows = Vec::with_capacity(sheet.rows.len());
    for row in sheet.rows {
        let problem = match ids.get(&row.code) {
            None => Some("csv-error-unknown-code"),
            Some(id) if !within.contains(id) => Some("csv-error-scope"),
            Some(_) => None,
        };
        match problem {
            Some(key) => errors.push(CsvError {
                line: row.line,
                column: sheet.code_column.clone(),
                key,
                value: row.code.clone(),
            }),
            None => rows.push((ids[&row.code], row.code, row.population)),
        }
    }
    if !errors.is_empty() {
        return Ok(errors_page(&auth, errors));
    }
    let summary = crate::orgs::actions::import_populations(
        &state.db,
        &auth.ctx.actor(),
        &rows,
        roots.first().copied(),
    )
    .await?;
    let done = tr.ta(
        "population-import-done",
        &[
            ("rows", summary.rows.to_string()),
            ("changed", summary.changed.to_string()),
        ],
    );
    Ok(population_page(&auth, vec![], 0, Some(done)))
}
