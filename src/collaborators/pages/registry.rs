//! The registry: pseudonyms for everyone, names only for managers of the collaborator's unit (each
//! such read audited), a new collaborator, one collaborator with its activity, and replacement.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::{last_months, value_name};
use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::audit;
use crate::collaborators::model::{
    AttributeValue, CollaboratorFields, CollaboratorStatus, Dimension, FieldError, is_inactive,
};
use crate::collaborators::store::{self, Collaborator};
use crate::error::{AppError, AppResult};
use crate::kit::scope;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

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

/// `GET /collaborators`.
pub async fn list_collaborators(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let managed: HashSet<i64> =
        scope::units(&state.db, &auth.user, &[Capability::ManageCollaborators])
            .await?
            .iter()
            .map(|u| u.id)
            .collect();
    let units = scope::units(
        &state.db,
        &auth.user,
        &[Capability::ManageCollaborators, Capability::ViewReports],
    )
    .await?;
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
        .map(|d| value_name(tr, values, *d, c.attribute(*d)))
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
                    .filter(|v| v.dimension == *d)
                    .map(|v| (v.key.clone(), value_name(tr, &values, *d, &v.key)))
                    .collect(),
            )
        })
        .collect();
    let failed = !errors.is_empty();
    Ok(crate::kit::form::respond(
        page(FormTemplate {
            c: auth.ctx.chrome(title),
            action,
            form,
            dimensions,
            errors,
            show_unit,
        }),
        failed,
    ))
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
                    value_name(tr, &values, *x, c.attribute(*x)),
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
