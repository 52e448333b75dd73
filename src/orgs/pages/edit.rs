//! Changing the tree by hand: editing a unit, creating a child unit, and recording lineage
//! (merge, split, rename, transfer) between units; the writes themselves are in `orgs::actions`.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::tree::unit_page;
use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::orgs::model::{LineageEvent, Population, UnitInput, UnitKind};
use crate::orgs::store;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

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
    #[serde(default)]
    population: String,
    #[serde(default)]
    population_source: String,
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
    let response = page(FormTemplate {
        c: auth.ctx.chrome_titled(title),
        action,
        cancel,
        form,
        kinds: kind_choices(kinds, auth.ctx.tr),
        errors,
        show_parent,
    });
    crate::kit::form::respond(response, failed)
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
        population: unit.population.map(|n| n.to_string()).unwrap_or_default(),
        population_source: unit.population_source.clone(),
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
/// Returns the input and population when the fields parse, and every field error.
async fn check_unit_form(
    state: &AppState,
    tr: Tr,
    form: &UnitForm,
    kinds: &[UnitKind],
    own_id: Option<i64>,
) -> AppResult<(
    Option<(UnitInput, Population)>,
    HashMap<&'static str, String>,
)> {
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
    let population = match Population::parse(&form.population, &form.population_source) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.extend(field_errors(tr, e));
            None
        }
    };
    Ok((input.zip(population), errors))
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
    let (input, population) = match parsed {
        Some(parsed) if errors.is_empty() => parsed,
        _ => return Ok(back(form, errors)),
    };
    let actor = auth.ctx.actor();
    match crate::orgs::actions::update_unit(&state.db, &actor, id, &input, parent, &population)
        .await
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
    let (input, population) = match parsed {
        Some(parsed) if errors.is_empty() => parsed,
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
    let new_id = crate::orgs::actions::create_unit(
        &state.db,
        &auth.ctx.actor(),
        &input,
        Some(id),
        &population,
    )
    .await?;
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
