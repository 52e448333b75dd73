//! Organisation pages: browse, search, unit detail with lineage, roll-up as of a date, edit,
//! new child, CSV import (all or nothing) and export.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::orgs::model::{
    CsvError, LineageEvent, LineageLink, ParentRef, Unit, UnitInput, UnitKind, parse_units_csv,
};
use crate::orgs::store::{self, UnitWithCount};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// A unit as a line in lists.
struct UnitLine {
    id: i64,
    code: String,
    name: String,
    kind: String,
    children: i64,
    validity: String,
    former: bool,
}

fn validity(tr: Tr, u: &Unit) -> String {
    let d = |d: Option<NaiveDate>| {
        d.map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    match (u.valid_from, u.valid_to) {
        (None, None) => String::new(),
        (from, None) => tr.ta("unit-valid-from", &[("from", d(from))]),
        (from, to) => tr.ta("unit-valid-range", &[("from", d(from)), ("to", d(to))]),
    }
}

fn kind_name(kinds: &[UnitKind], key: &str, tr: Tr) -> String {
    kinds
        .iter()
        .find(|k| k.key == key)
        .map(|k| k.name(tr.lang()).to_string())
        .unwrap_or_else(|| key.to_string())
}

fn line(tr: Tr, kinds: &[UnitKind], u: &Unit, children: i64) -> UnitLine {
    let today = Utc::now().date_naive();
    UnitLine {
        id: u.id,
        code: u.code.clone().unwrap_or_default(),
        name: u.name.clone(),
        kind: kind_name(kinds, &u.kind, tr),
        children,
        validity: validity(tr, u),
        former: !u.valid_on(today),
    }
}

/// The browse/search page.
#[derive(Template)]
#[template(path = "orgs/list.html")]
struct ListTemplate {
    c: Chrome,
    q: String,
    units: Vec<UnitLine>,
    searched: bool,
    can_import: bool,
}

/// Query of the browse page.
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
}

/// `GET /orgs`: the user's top units, or search results within their subtrees.
pub async fn list_units(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = auth.user.roots_with(Capability::ViewUnits);
    let kinds = store::list_kinds(&state.db).await?;
    let q = query.q.trim().to_string();
    let units = if q.is_empty() {
        let mut lines = vec![];
        for u in store::list_units_by_ids(&state.db, &roots).await? {
            let n = store::count_children(&state.db, u.id).await?;
            lines.push(line(tr, &kinds, &u, n));
        }
        lines
    } else {
        store::search_units(&state.db, &roots, &q, 200)
            .await?
            .iter()
            .map(|u| line(tr, &kinds, u, -1))
            .collect()
    };
    Ok(page(ListTemplate {
        c: auth.ctx.chrome("orgs-title"),
        searched: !q.is_empty(),
        q,
        units,
        can_import: auth.user.has_anywhere(Capability::ManageUnits),
    }))
}

/// The unit page.
#[derive(Template)]
#[template(path = "orgs/unit.html")]
struct UnitTemplate {
    c: Chrome,
    unit: UnitLine,
    note: String,
    ancestors: Vec<(i64, String, bool)>,
    children: Vec<UnitLine>,
    predecessors: Vec<LinkLine>,
    successors: Vec<LinkLine>,
    can_manage: bool,
    events: Vec<(&'static str, String)>,
    today: String,
    flash: Option<String>,
    errors: Vec<String>,
}

struct LinkLine {
    id: i64,
    name: String,
    event: String,
    date: String,
    visible: bool,
}

async fn link_lines(
    state: &AppState,
    auth: &Auth,
    links: Vec<LineageLink>,
) -> AppResult<Vec<LinkLine>> {
    let roots = auth.user.roots_with(Capability::ViewUnits);
    let ids: Vec<i64> = links.iter().map(|l| l.other_id).collect();
    let visible = store::filter_within(&state.db, &roots, &ids).await?;
    Ok(links
        .into_iter()
        .map(|l| LinkLine {
            visible: visible.contains(&l.other_id),
            id: l.other_id,
            name: l.other_name,
            event: auth.ctx.tr.t(&format!("lineage-{}", l.event)),
            date: l.effective_date.format("%d/%m/%Y").to_string(),
        })
        .collect())
}

/// Query of pages that show a confirmation.
#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    ok: String,
}

fn flash(tr: Tr, key: &str) -> Option<String> {
    key.starts_with("flash-").then(|| tr.t(key))
}

async fn unit_page(
    state: &AppState,
    auth: &Auth,
    id: i64,
    flash_key: &str,
    errors: Vec<String>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let unit = store::find_unit(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::ViewUnits, id).await?;
    let kinds = store::list_kinds(&state.db).await?;
    let roots = auth.user.roots_with(Capability::ViewUnits);
    let ancestors = store::list_ancestors(&state.db, id).await?;
    let ancestor_ids: Vec<i64> = ancestors.iter().map(|a| a.id).collect();
    let visible = store::filter_within(&state.db, &roots, &ancestor_ids).await?;
    let children: Vec<UnitWithCount> = store::list_children(&state.db, id).await?;
    let predecessors =
        link_lines(state, auth, store::list_predecessors(&state.db, id).await?).await?;
    let successors = link_lines(state, auth, store::list_successors(&state.db, id).await?).await?;
    let failed = !errors.is_empty();
    let mut response = page(UnitTemplate {
        c: auth.ctx.chrome_titled(unit.name.clone()),
        note: unit.note.clone(),
        unit: line(tr, &kinds, &unit, children.len() as i64),
        ancestors: ancestors
            .iter()
            .map(|a| (a.id, a.name.clone(), visible.contains(&a.id)))
            .collect(),
        children: children
            .iter()
            .map(|c| line(tr, &kinds, &c.unit, c.children))
            .collect(),
        predecessors,
        successors,
        can_manage: can(&state.db, &auth.user, Capability::ManageUnits, id).await?,
        events: LineageEvent::ALL
            .iter()
            .map(|e| (e.key(), tr.t(&format!("lineage-{}", e.key()))))
            .collect(),
        today: Utc::now().date_naive().format("%Y-%m-%d").to_string(),
        flash: flash(tr, flash_key),
        errors,
    });
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /orgs/{id}`.
pub async fn show_unit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> AppResult<Response> {
    unit_page(&state, &auth, id, &q.ok, vec![]).await
}

/// The roll-up page.
#[derive(Template)]
#[template(path = "orgs/rollup.html")]
struct RollupTemplate {
    c: Chrome,
    id: i64,
    name: String,
    date: String,
    units: Vec<UnitLine>,
}

/// Query of the roll-up page.
#[derive(Deserialize)]
pub struct RollupQuery {
    #[serde(default)]
    date: String,
}

/// `GET /orgs/{id}/rollup?date=YYYY-MM-DD`: everything under the unit as of the date, lineage
/// included.
pub async fn show_rollup(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<RollupQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let unit = store::find_unit(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::ViewUnits, id).await?;
    let date = match crate::orgs::model::parse_date(&q.date) {
        Ok(Some(d)) => d,
        Ok(None) => Utc::now().date_naive(),
        Err(_) => return Err(AppError::BadRequest("unit-error-date")),
    };
    let kinds = store::list_kinds(&state.db).await?;
    let units = store::list_rollup(&state.db, id, date).await?;
    Ok(page(RollupTemplate {
        c: auth.ctx.chrome_titled(unit.name.clone()),
        id,
        name: unit.name,
        date: date.format("%Y-%m-%d").to_string(),
        units: units.iter().map(|u| line(tr, &kinds, u, -1)).collect(),
    }))
}

/// The unit form (edit or new child).
#[derive(Template)]
#[template(path = "orgs/form.html")]
struct FormTemplate {
    c: Chrome,
    action: String,
    cancel: String,
    form: UnitForm,
    kinds: Vec<(String, String)>,
    errors: HashMap<&'static str, String>,
    show_parent: bool,
}

impl FormTemplate {
    fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

/// Fields of the unit form, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    note: String,
}

fn kind_choices(kinds: &[UnitKind], tr: Tr) -> Vec<(String, String)> {
    kinds
        .iter()
        .map(|k| (k.key.clone(), k.name(tr.lang()).to_string()))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    auth: &Auth,
    title: String,
    action: String,
    cancel: String,
    form: UnitForm,
    kinds: &[UnitKind],
    errors: HashMap<&'static str, String>,
    show_parent: bool,
) -> Response {
    let failed = !errors.is_empty();
    let mut response = page(FormTemplate {
        c: auth.ctx.chrome_titled(title),
        action,
        cancel,
        form,
        kinds: kind_choices(kinds, auth.ctx.tr),
        errors,
        show_parent,
    });
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `GET /orgs/{id}/edit`.
pub async fn show_edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let unit = store::find_unit(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::ManageUnits, id).await?;
    let parent = match unit.parent_id {
        Some(p) => store::find_unit(&state.db, p)
            .await?
            .map(|p| p.code.unwrap_or_else(|| format!("#{}", p.id)))
            .unwrap_or_default(),
        None => String::new(),
    };
    let date = |d: Option<NaiveDate>| {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    let form = UnitForm {
        code: unit.code.clone().unwrap_or_default(),
        name: unit.name.clone(),
        kind: unit.kind.clone(),
        parent,
        valid_from: date(unit.valid_from),
        valid_to: date(unit.valid_to),
        note: unit.note.clone(),
    };
    let kinds = store::list_kinds(&state.db).await?;
    let title = auth
        .ctx
        .tr
        .ta("unit-edit-title", &[("name", unit.name.clone())]);
    Ok(form_page(
        &auth,
        title,
        format!("/orgs/{id}/edit"),
        format!("/orgs/{id}"),
        form,
        &kinds,
        HashMap::new(),
        true,
    ))
}

fn field_errors(
    tr: Tr,
    errors: Vec<(&'static str, &'static str)>,
) -> HashMap<&'static str, String> {
    errors.into_iter().map(|(f, k)| (f, tr.t(k))).collect()
}

/// Parses the unit form and checks that its code is free (but for the unit `own_id` itself).
/// Returns the input when the fields parse, and every field error.
async fn check_unit_form(
    state: &AppState,
    tr: Tr,
    form: &UnitForm,
    kinds: &[UnitKind],
    own_id: Option<i64>,
) -> AppResult<(Option<UnitInput>, HashMap<&'static str, String>)> {
    let parsed = UnitInput::parse(
        &form.code,
        &form.name,
        &form.kind,
        &form.valid_from,
        &form.valid_to,
        &form.note,
        kinds,
    );
    let (input, mut errors) = match parsed {
        Ok(input) => (Some(input), HashMap::new()),
        Err(e) => (None, field_errors(tr, e)),
    };
    if let Some(code) = input.as_ref().and_then(|i| i.code.as_ref())
        && let Some(other) = store::find_unit_by_code(&state.db, code).await?
        && Some(other.id) != own_id
    {
        errors.insert("code", tr.t("unit-error-code-taken"));
    }
    Ok((input, errors))
}

/// `POST /orgs/{id}/edit`.
pub async fn update_unit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<UnitForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let unit = store::find_unit(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::ManageUnits, id).await?;
    let kinds = store::list_kinds(&state.db).await?;
    let title = tr.ta("unit-edit-title", &[("name", unit.name.clone())]);
    let back = |form: UnitForm, errors| {
        form_page(
            &auth,
            title.clone(),
            format!("/orgs/{id}/edit"),
            format!("/orgs/{id}"),
            form,
            &kinds,
            errors,
            true,
        )
    };
    let (parsed, mut errors) = check_unit_form(&state, tr, &form, &kinds, Some(id)).await?;
    let parent = if form.parent.trim().is_empty() {
        None
    } else {
        match crate::orgs::resolve_unit_ref(&state.db, &form.parent).await? {
            Some(p) => Some(p),
            None => {
                errors.insert("parent", tr.t("unit-error-parent"));
                None
            }
        }
    };
    if parent != unit.parent_id {
        // Moving needs the right at the new place too; to the top level only for platform-wide users.
        let allowed = match parent {
            Some(p) => can(&state.db, &auth.user, Capability::ManageUnits, p).await?,
            None => auth.user.platform_with(Capability::ManageUnits),
        };
        if !allowed {
            errors.insert("parent", tr.t("unit-error-parent-scope"));
        }
    }
    let input = match parsed {
        Some(input) if errors.is_empty() => input,
        _ => return Ok(back(form, errors)),
    };
    match crate::orgs::actions::update_unit(&state.db, &auth.ctx.actor(), id, &input, parent).await
    {
        Ok(_) => {}
        Err(AppError::Conflict(key)) => {
            errors.insert("parent", tr.t(key));
            return Ok(back(form, errors));
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&format!("/orgs/{id}?ok=flash-saved")).into_response())
}

/// `GET /orgs/{id}/new`.
pub async fn show_new_child(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let unit = store::find_unit(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::ManageUnits, id).await?;
    let kinds = store::list_kinds(&state.db).await?;
    let title = auth
        .ctx
        .tr
        .ta("unit-new-title", &[("name", unit.name.clone())]);
    let form = UnitForm::default();
    Ok(form_page(
        &auth,
        title,
        format!("/orgs/{id}/new"),
        format!("/orgs/{id}"),
        form,
        &kinds,
        HashMap::new(),
        false,
    ))
}

/// `POST /orgs/{id}/new`.
pub async fn create_child(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<UnitForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let unit = store::find_unit(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::ManageUnits, id).await?;
    let kinds = store::list_kinds(&state.db).await?;
    let (parsed, errors) = check_unit_form(&state, tr, &form, &kinds, None).await?;
    let input = match parsed {
        Some(input) if errors.is_empty() => input,
        _ => {
            let title = tr.ta("unit-new-title", &[("name", unit.name.clone())]);
            return Ok(form_page(
                &auth,
                title,
                format!("/orgs/{id}/new"),
                format!("/orgs/{id}"),
                form,
                &kinds,
                errors,
                false,
            ));
        }
    };
    let new_id =
        crate::orgs::actions::create_unit(&state.db, &auth.ctx.actor(), &input, Some(id)).await?;
    Ok(Redirect::to(&format!("/orgs/{new_id}?ok=flash-created")).into_response())
}

/// The lineage form on the unit page.
#[derive(Deserialize)]
pub struct LineageForm {
    predecessor: String,
    event: String,
    date: String,
    #[serde(default)]
    note: String,
}

/// `POST /orgs/{id}/lineage`: records that another unit became (part of) this one.
pub async fn add_lineage(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<LineageForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    store::find_unit(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::ManageUnits, id).await?;
    let mut errors = vec![];
    let predecessor = crate::orgs::resolve_unit_ref(&state.db, &form.predecessor).await?;
    match predecessor {
        None => errors.push(tr.t("lineage-error-unit")),
        Some(p) if p == id => errors.push(tr.t("lineage-error-self")),
        Some(p) => {
            if !can(&state.db, &auth.user, Capability::ManageUnits, p).await? {
                errors.push(tr.t("lineage-error-scope"));
            }
        }
    }
    let event = LineageEvent::parse(&form.event);
    if event.is_none() {
        errors.push(tr.t("lineage-error-event"));
    }
    let date = crate::orgs::model::parse_date(&form.date).ok().flatten();
    if date.is_none() {
        errors.push(tr.t("unit-error-date"));
    }
    let (Some(predecessor), Some(event), Some(date), true) =
        (predecessor, event, date, errors.is_empty())
    else {
        return unit_page(&state, &auth, id, "", errors).await;
    };
    let note = crate::kit::text::one_line(&form.note);
    crate::orgs::actions::add_lineage(
        &state.db,
        &auth.ctx.actor(),
        predecessor,
        id,
        event,
        date,
        &note,
    )
    .await?;
    Ok(Redirect::to(&format!("/orgs/{id}?ok=flash-saved")).into_response())
}

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
    let mut response = page(ImportTemplate {
        c: auth.ctx.chrome("import-title"),
        errors,
        more_errors,
        done,
        columns: crate::orgs::model::csv_columns().join(","),
    });
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
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
    let mut bytes = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("import-error-upload"))?
    {
        if field.name() == Some("file") {
            bytes = Some(
                field
                    .bytes()
                    .await
                    .map_err(|_| AppError::BadRequest("import-error-upload"))?,
            );
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
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

/// The unit-types page.
#[derive(Template)]
#[template(path = "orgs/types.html")]
struct TypesTemplate {
    c: Chrome,
    kinds: Vec<UnitKind>,
    can_add: bool,
    errors: Vec<String>,
}

async fn types_page(state: &AppState, auth: &Auth, errors: Vec<String>) -> AppResult<Response> {
    let can_add = auth.user.platform_with(Capability::ManageUnits);
    let failed = !errors.is_empty();
    let mut response = page(TypesTemplate {
        c: auth.ctx.chrome("kinds-title"),
        kinds: store::list_kinds(&state.db).await?,
        can_add,
        errors,
    });
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /orgs/types`: the deployment's list of unit types.
pub async fn list_kinds(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    types_page(&state, &auth, vec![]).await
}

/// The new-type form.
#[derive(Deserialize)]
pub struct KindForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    territorial: Option<String>,
}

/// `POST /orgs/types`: adds a unit type (platform-wide administrators).
pub async fn create_kind(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<KindForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = auth.user.roots_with(Capability::ManageUnits);
    if !auth.user.platform_with(Capability::ManageUnits) {
        return Err(AppError::Forbidden);
    }
    let kind = match UnitKind::parse(
        &form.key,
        &form.name_vi,
        &form.name_en,
        form.territorial.is_some(),
    ) {
        Ok(k) => k,
        Err(errors) => {
            let messages = errors.into_iter().map(|(_, k)| tr.t(k)).collect();
            return types_page(&state, &auth, messages).await;
        }
    };
    if store::list_kinds(&state.db)
        .await?
        .iter()
        .any(|k| k.key == kind.key)
    {
        return types_page(&state, &auth, vec![tr.t("kind-error-exists")]).await;
    }
    crate::orgs::actions::create_kind(&state.db, &auth.ctx.actor(), &kind, roots.first().copied())
        .await?;
    Ok(Redirect::to("/orgs/types").into_response())
}
