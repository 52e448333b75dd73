//! Collaborator pages: the registry (pseudonyms for everyone, names only for managers of the
//! collaborator's unit, each such read audited), a new collaborator, one collaborator with
//! activity and replacement, CSV import (all or nothing), coverage against targets.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::audit;
use crate::collaborators::model::{
    AppliesTo, AttributeValue, Cell, CollaboratorFields, CollaboratorStatus, CsvError, Dimension,
    FieldError, is_inactive, read_import,
};
use crate::collaborators::store::{self, Collaborator};
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::i18n::{Lang, Tr};
use crate::web::layout::{Chrome, page};

pub fn value_name(tr: Tr, values: &[AttributeValue], d: &str, key: &str) -> String {
    values
        .iter()
        .find(|v| v.dimension == d && v.key == key)
        .map(|v| match tr.lang() {
            Lang::Vi => v.name_vi.clone(),
            Lang::En => v.name_en.clone(),
        })
        .unwrap_or_else(|| key.to_string())
}

/// The last `n` months, most recent first (`YYYY-MM`).
pub fn last_months(n: usize) -> Vec<String> {
    let mut d = Utc::now().date_naive();
    let mut out = vec![];
    for _ in 0..n {
        out.push(d.format("%Y-%m").to_string());
        d = d.with_day0(0).expect("valid day") - Duration::days(1);
    }
    out
}

use chrono::Datelike as _;

/// A collaborator as a line.
struct Line {
    id: i64,
    label: String,
    unit: String,
    attributes: String,
    status: String,
    inactive: bool,
}

/// The registry page.
#[derive(Template)]
#[template(path = "collaborators/list.html")]
struct ListTemplate {
    c: Chrome,
    lines: Vec<Line>,
    can_manage: bool,
    can_settings: bool,
    inactive_after: usize,
}

pub async fn scope_units(
    state: &AppState,
    auth: &Auth,
    cap: Capability,
) -> AppResult<Vec<crate::orgs::model::Unit>> {
    let today = Utc::now().date_naive();
    let mut out: Vec<crate::orgs::model::Unit> = vec![];
    for root in auth.user.roots_with(cap) {
        for u in crate::orgs::rollup(&state.db, root, today).await? {
            if !out.iter().any(|o| o.id == u.id) {
                out.push(u);
            }
        }
    }
    Ok(out)
}

/// `GET /collaborators`.
pub async fn list_collaborators(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let mut units = scope_units(&state, &auth, Capability::ManageCollaborators).await?;
    let managed: HashSet<i64> = units.iter().map(|u| u.id).collect();
    for u in scope_units(&state, &auth, Capability::ViewReports).await? {
        if !managed.contains(&u.id) {
            units.push(u);
        }
    }
    if units.is_empty() {
        return Err(AppError::Forbidden);
    }
    let ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let list = store::list_collaborators(&state.db, &ids, 2000).await?;
    let values = store::list_values(&state.db).await?;
    let shown: Vec<i64> = list
        .iter()
        .filter(|c| managed.contains(&c.unit_id))
        .map(|c| c.id)
        .collect();
    let names: HashMap<i64, String> = store::list_names(&state.db, &shown)
        .await?
        .into_iter()
        .collect();
    if !shown.is_empty() {
        audit::record(
            &state.db,
            &auth.ctx.actor(),
            "collaborator.read_names",
            "collaborator",
            "",
            auth.user
                .roots_with(Capability::ManageCollaborators)
                .first()
                .copied(),
            json!({"count": shown.len()}),
        )
        .await?;
    }
    let inactive_after = store::find_inactive_after(&state.db).await?.max(1) as usize;
    let months = last_months(inactive_after);
    let all_ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let activity = crate::collaborators::activity_of(
        &state.db,
        &all_ids,
        months.last().map(String::as_str).unwrap_or(""),
    )
    .await?;
    let unit_names: HashMap<i64, String> = units.iter().map(|u| (u.id, u.name.clone())).collect();
    let lines = list
        .iter()
        .map(|c| {
            let active: Vec<String> = activity
                .iter()
                .filter(|a| a.0 == c.id && (a.2 > 0 || a.3 > 0))
                .map(|a| a.1.clone())
                .collect();
            Line {
                id: c.id,
                label: names
                    .get(&c.id)
                    .map(|n| format!("{n} ({})", c.pseudonym))
                    .unwrap_or_else(|| c.pseudonym.clone()),
                unit: unit_names.get(&c.unit_id).cloned().unwrap_or_default(),
                attributes: attributes_text(tr, &values, c),
                status: tr.t(&format!("collaborators-status-{}", c.status.key())),
                inactive: c.status == CollaboratorStatus::Active && is_inactive(&active, &months),
            }
        })
        .collect();
    Ok(page(ListTemplate {
        c: auth.ctx.chrome("collaborators-title"),
        lines,
        can_manage: !managed.is_empty(),
        can_settings: crate::collaborators::settings::settings_unit(&state, &auth)
            .await?
            .is_some(),
        inactive_after,
    }))
}

fn attributes_text(tr: Tr, values: &[AttributeValue], c: &Collaborator) -> String {
    Dimension::ALL
        .iter()
        .filter(|d| !c.attribute(**d).is_empty())
        .map(|d| value_name(tr, values, d.key(), c.attribute(*d)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A dimension of the form: key, label, `(value key, label)` options.
type DimensionChoice = (&'static str, String, Vec<(String, String)>);

/// The new/replace collaborator form.
#[derive(Template)]
#[template(path = "collaborators/form.html")]
struct FormTemplate {
    c: Chrome,
    action: String,
    form: CollaboratorFields,
    dimensions: Vec<DimensionChoice>,
    errors: Vec<FieldError>,
    show_unit: bool,
}

impl FormTemplate {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| self.c.tr.t(k))
            .unwrap_or_default()
    }

    fn value(&self, d: &str) -> &str {
        Dimension::parse(d)
            .map(|d| self.form.attribute(d))
            .unwrap_or("")
    }
}

async fn form_page(
    state: &AppState,
    auth: &Auth,
    action: String,
    title: &str,
    form: CollaboratorFields,
    errors: Vec<FieldError>,
    show_unit: bool,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let values = store::list_values(&state.db).await?;
    let dimensions = Dimension::ALL
        .iter()
        .map(|d| {
            (
                d.key(),
                tr.t(&format!("collaborators-dim-{}", d.key())),
                values
                    .iter()
                    .filter(|v| v.dimension == d.key())
                    .map(|v| (v.key.clone(), value_name(tr, &values, d.key(), &v.key)))
                    .collect(),
            )
        })
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        page(FormTemplate {
            c: auth.ctx.chrome(title),
            action,
            form,
            dimensions,
            errors,
            show_unit,
        }),
    )
        .into_response())
}

/// `GET /collaborators/new`.
pub async fn show_new(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let roots = auth.user.roots_with(Capability::ManageCollaborators);
    let Some(first) = roots.first() else {
        return Err(AppError::Forbidden);
    };
    let code = crate::orgs::find_unit(&state.db, *first)
        .await?
        .and_then(|u| u.code)
        .unwrap_or_else(|| format!("#{first}"));
    let form = CollaboratorFields {
        unit: code,
        consent_date: Utc::now().date_naive().to_string(),
        ..Default::default()
    };
    form_page(
        &state,
        &auth,
        "/collaborators/new".into(),
        "collaborators-new-title",
        form,
        vec![],
        true,
    )
    .await
}

/// `POST /collaborators/new`.
pub async fn create_collaborator(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<CollaboratorFields>,
) -> AppResult<Response> {
    let values = store::list_values(&state.db).await?;
    let unit = crate::orgs::resolve_unit_ref(&state.db, &form.unit).await?;
    let input = match form.parse(unit, &values) {
        Ok(i) => i,
        Err(errors) => {
            return form_page(
                &state,
                &auth,
                "/collaborators/new".into(),
                "collaborators-new-title",
                form,
                errors,
                true,
            )
            .await;
        }
    };
    if !can(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        input.unit_id,
    )
    .await?
    {
        return form_page(
            &state,
            &auth,
            "/collaborators/new".into(),
            "collaborators-new-title",
            form,
            vec![("unit", "collaborators-error-unit-scope")],
            true,
        )
        .await;
    }
    let mut tx = state.db.begin().await?;
    let id =
        store::insert_collaborators(&mut tx, std::slice::from_ref(&input), Utc::now()).await?[0];
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "collaborator.create",
        "collaborator",
        &id.to_string(),
        Some(input.unit_id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/collaborators/{id}")).into_response())
}

/// One collaborator.
#[derive(Template)]
#[template(path = "collaborators/show.html")]
struct ShowTemplate {
    c: Chrome,
    id: i64,
    pseudonym: String,
    unit: String,
    status: String,
    active: bool,
    attributes: Vec<(String, String)>,
    term: String,
    identity: Option<store::Identity>,
    activity: Vec<(String, i32, i32)>,
    successor: Option<(i64, String)>,
    can_manage: bool,
    period: String,
}

/// `GET /collaborators/{id}`: identity only for managers of the unit (the read is audited).
pub async fn show_collaborator(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let c = store::find_collaborator(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_manage = can(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        c.unit_id,
    )
    .await?;
    if !can_manage && !can(&state.db, &auth.user, Capability::ViewReports, c.unit_id).await? {
        return Err(AppError::NotFound);
    }
    let identity = if can_manage {
        audit::record(
            &state.db,
            &auth.ctx.actor(),
            "collaborator.read_identity",
            "collaborator",
            &id.to_string(),
            Some(c.unit_id),
            json!({}),
        )
        .await?;
        store::find_identity(&state.db, id).await?
    } else {
        None
    };
    let values = store::list_values(&state.db).await?;
    let unit = crate::orgs::unit_names(&state.db, &[c.unit_id])
        .await?
        .pop()
        .map(|u| u.1)
        .unwrap_or_default();
    let activity = crate::collaborators::activity_of(&state.db, &[id], "")
        .await?
        .into_iter()
        .map(|a| (a.1, a.2, a.3))
        .collect();
    let successor = match c.replaced_by {
        Some(s) => store::find_collaborator(&state.db, s)
            .await?
            .map(|x| (x.id, x.pseudonym)),
        None => None,
    };
    let d = |d: Option<chrono::NaiveDate>| {
        d.map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    Ok(page(ShowTemplate {
        c: auth.ctx.chrome_titled(c.pseudonym.clone()),
        id,
        pseudonym: c.pseudonym.clone(),
        unit,
        status: tr.t(&format!("collaborators-status-{}", c.status.key())),
        active: c.status == CollaboratorStatus::Active,
        attributes: Dimension::ALL
            .iter()
            .filter(|x| !c.attribute(**x).is_empty())
            .map(|x| {
                (
                    tr.t(&format!("collaborators-dim-{}", x.key())),
                    value_name(tr, &values, x.key(), c.attribute(*x)),
                )
            })
            .collect(),
        term: format!("{} – {}", d(c.term_from), d(c.term_to)),
        identity,
        activity,
        successor,
        can_manage,
        period: Utc::now().date_naive().format("%Y-%m").to_string(),
    }))
}

/// The activity form.
#[derive(Deserialize)]
pub struct ActivityForm {
    period: String,
    #[serde(default)]
    items: String,
    #[serde(default)]
    briefings: String,
}

/// `POST /collaborators/{id}/activity`: items reported and briefings attended in a month.
pub async fn record_activity(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ActivityForm>,
) -> AppResult<Response> {
    let c = store::find_collaborator(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        c.unit_id,
    )
    .await?;
    if crate::reporting::model::parse_month(&f.period).is_none() {
        return Err(AppError::BadRequest("collaborators-error-period"));
    }
    let n = |s: &str| {
        s.trim()
            .parse::<i32>()
            .ok()
            .filter(|n| (0..=10_000).contains(n))
    };
    let (Some(items), Some(briefings)) = (n(&f.items), n(&f.briefings)) else {
        return Err(AppError::BadRequest("collaborators-error-count"));
    };
    let mut tx = state.db.begin().await?;
    store::upsert_activity(&mut tx, id, f.period.trim(), items, briefings).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "collaborator.activity",
        "collaborator",
        &id.to_string(),
        Some(c.unit_id),
        json!({"period": f.period.trim(), "items": items, "briefings": briefings}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/collaborators/{id}")).into_response())
}

/// `GET /collaborators/{id}/replace`: the new person for the same slot.
pub async fn show_replace(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let c = store::find_collaborator(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        c.unit_id,
    )
    .await?;
    let form = CollaboratorFields {
        unit: format!("#{}", c.unit_id),
        consent_date: Utc::now().date_naive().to_string(),
        sector: c.sector,
        organisation: c.organisation,
        stratum: c.stratum,
        age_band: c.age_band,
        gender: c.gender,
        ethnicity: c.ethnicity,
        religion: c.religion,
        ..Default::default()
    };
    form_page(
        &state,
        &auth,
        format!("/collaborators/{id}/replace"),
        "collaborators-replace-title",
        form,
        vec![],
        false,
    )
    .await
}

/// `POST /collaborators/{id}/replace`: keeps the old record, hands the slot to the new person.
pub async fn replace_collaborator(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(mut form): Form<CollaboratorFields>,
) -> AppResult<Response> {
    let c = store::find_collaborator(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        c.unit_id,
    )
    .await?;
    form.unit = format!("#{}", c.unit_id);
    let values = store::list_values(&state.db).await?;
    let input = match form.parse(Some(c.unit_id), &values) {
        Ok(i) => i,
        Err(errors) => {
            return form_page(
                &state,
                &auth,
                format!("/collaborators/{id}/replace"),
                "collaborators-replace-title",
                form,
                errors,
                false,
            )
            .await;
        }
    };
    let mut tx = state.db.begin().await?;
    let new = store::replace_collaborator(&mut tx, id, &input, Utc::now()).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "collaborator.replace",
        "collaborator",
        &id.to_string(),
        Some(c.unit_id),
        json!({"successor": new}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/collaborators/{new}")).into_response())
}

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

/// A column of the coverage matrix.
struct Column {
    label: String,
    applies_to_children: bool,
}

/// The coverage page.
#[derive(Template)]
#[template(path = "collaborators/coverage.html")]
struct CoverageTemplate {
    c: Chrome,
    unit_id: i64,
    unit_name: String,
    columns: Vec<Column>,
    rows: Vec<(i64, String, Vec<Option<Cell>>)>,
    unmet: usize,
    can_manage: bool,
    dimensions: Vec<(String, String)>,
}

/// Query of the coverage page.
#[derive(Deserialize, Default)]
pub struct CoverageQuery {
    /// Parsed by `kit::bounds::parse_id` (a clear 400 for a bad number).
    #[serde(default)]
    unit: String,
}

/// `GET /collaborators/coverage`: targets of a unit against its active collaborators.
pub async fn show_coverage(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CoverageQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let mut roots = auth.user.roots_with(Capability::ManageCollaborators);
    roots.extend(auth.user.roots_with(Capability::ViewReports));
    let unit_id = crate::kit::bounds::parse_id(&q.unit)?
        .or(roots.first().copied())
        .ok_or(AppError::Forbidden)?;
    if !can(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        unit_id,
    )
    .await?
        && !can(&state.db, &auth.user, Capability::ViewReports, unit_id).await?
    {
        return Err(AppError::Forbidden);
    }
    let today = Utc::now().date_naive();
    let subtree = crate::orgs::rollup(&state.db, unit_id, today).await?;
    let parent: HashMap<i64, Option<i64>> = subtree.iter().map(|u| (u.id, u.parent_id)).collect();
    let child_of = |mut id: i64| -> Option<i64> {
        for _ in 0..64 {
            match parent.get(&id).copied().flatten() {
                Some(p) if p == unit_id => return Some(id),
                Some(p) if parent.contains_key(&p) => id = p,
                _ => return None,
            }
        }
        None
    };
    let ids: Vec<i64> = subtree.iter().map(|u| u.id).collect();
    let active: Vec<Collaborator> = store::list_collaborators(&state.db, &ids, 20000)
        .await?
        .into_iter()
        .filter(|c| c.status == CollaboratorStatus::Active)
        .collect();
    let targets = store::list_targets(&state.db, &[unit_id]).await?;
    let values = store::list_values(&state.db).await?;
    let matches = |c: &Collaborator, t: &store::Target| {
        t.dimension == "any"
            || Dimension::parse(&t.dimension).is_some_and(|d| c.attribute(d) == t.value_key)
    };
    let columns: Vec<Column> = targets
        .iter()
        .map(|t| {
            let what = if t.dimension == "any" {
                tr.t("collaborators-target-any")
            } else {
                value_name(tr, &values, &t.dimension, &t.value_key)
            };
            Column {
                label: tr.ta(
                    "collaborators-target-label",
                    &[("what", what), ("min", t.minimum.to_string())],
                ),
                applies_to_children: t.applies_to == "children",
            }
        })
        .collect();
    let children: Vec<&crate::orgs::model::Unit> = subtree
        .iter()
        .filter(|u| u.parent_id == Some(unit_id))
        .collect();
    let mut rows = vec![];
    let mut unmet = 0;
    let unit_name = subtree
        .iter()
        .find(|u| u.id == unit_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    // The unit's own row: targets that apply to the whole unit.
    let own: Vec<Option<Cell>> = targets
        .iter()
        .map(|t| {
            (t.applies_to == "unit").then(|| Cell {
                have: active.iter().filter(|c| matches(c, t)).count() as i64,
                need: t.minimum as i64,
            })
        })
        .collect();
    unmet += own.iter().flatten().filter(|c| !c.met()).count();
    rows.push((unit_id, unit_name.clone(), own));
    if targets.iter().any(|t| t.applies_to == "children") {
        let mut per_child: HashMap<i64, Vec<&Collaborator>> = HashMap::new();
        for c in &active {
            let key = if c.unit_id == unit_id {
                None
            } else {
                child_of(c.unit_id)
            };
            if let Some(k) = key {
                per_child.entry(k).or_default().push(c);
            }
        }
        for ch in &children {
            let list = per_child.get(&ch.id).cloned().unwrap_or_default();
            let cells: Vec<Option<Cell>> = targets
                .iter()
                .map(|t| {
                    (t.applies_to == "children").then(|| Cell {
                        have: list.iter().filter(|c| matches(c, t)).count() as i64,
                        need: t.minimum as i64,
                    })
                })
                .collect();
            unmet += cells.iter().flatten().filter(|c| !c.met()).count();
            rows.push((ch.id, ch.name.clone(), cells));
        }
    }
    let mut dimensions = vec![("any".to_string(), tr.t("collaborators-target-any"))];
    for v in &values {
        dimensions.push((
            format!("{}:{}", v.dimension, v.key),
            format!(
                "{}: {}",
                tr.t(&format!("collaborators-dim-{}", v.dimension)),
                value_name(tr, &values, &v.dimension, &v.key)
            ),
        ));
    }
    Ok(page(CoverageTemplate {
        c: auth.ctx.chrome("collaborators-coverage-title"),
        unit_id,
        unit_name,
        columns,
        rows,
        unmet,
        can_manage: can(
            &state.db,
            &auth.user,
            Capability::ManageCollaborators,
            unit_id,
        )
        .await?,
        dimensions,
    }))
}

/// The target form.
#[derive(Deserialize)]
pub struct TargetForm {
    unit_id: i64,
    applies_to: String,
    what: String,
    minimum: String,
}

/// `POST /collaborators/targets`.
pub async fn set_target(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<TargetForm>,
) -> AppResult<Response> {
    require(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        f.unit_id,
    )
    .await?;
    let applies = AppliesTo::parse(&f.applies_to)
        .ok_or(AppError::BadRequest("collaborators-error-target"))?;
    let (dimension, value) = match f.what.split_once(':') {
        Some((d, v)) if Dimension::parse(d).is_some() => (d.to_string(), v.to_string()),
        _ if f.what == "any" => ("any".to_string(), String::new()),
        _ => return Err(AppError::BadRequest("collaborators-error-target")),
    };
    if dimension != "any" {
        let values = store::list_values(&state.db).await?;
        if !values
            .iter()
            .any(|v| v.dimension == dimension && v.key == value)
        {
            return Err(AppError::BadRequest("collaborators-error-target"));
        }
    }
    let minimum = f
        .minimum
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (0..=1000).contains(n))
        .ok_or(AppError::BadRequest("collaborators-error-count"))?;
    let mut tx = state.db.begin().await?;
    store::upsert_target(
        &mut tx,
        f.unit_id,
        applies.key(),
        &dimension,
        &value,
        minimum,
    )
    .await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "collaborator.target",
        "collaborator_target",
        "",
        Some(f.unit_id),
        json!({"applies_to": applies.key(), "dimension": dimension, "value": value, "minimum": minimum}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/collaborators/coverage?unit={}", f.unit_id)).into_response())
}
