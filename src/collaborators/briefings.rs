//! Briefings (*giao ban, sinh hoạt cộng tác viên*) as simple dated attendance records: a unit
//! records the date, its topic and which collaborators attended, by pseudonymous id; each
//! attendance counts as a briefing in the collaborator's activity of that month (and so against
//! the inactivity flag). The full briefing module comes later.
//!
//! Invariants: a briefing and its attendance are written in one transaction, only by managers of
//! the unit; attendees are collaborators of the unit's subtree who were active on the day; the
//! record names no one (pseudonyms only); every write is audited.

use std::collections::HashSet;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::audit;
use crate::collaborators::model::{CollaboratorStatus, Dimension};
use crate::collaborators::pages::value_name;
use crate::collaborators::store::{self, Briefing, Collaborator};
use crate::error::{AppError, AppResult};
use crate::kit::scope;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// A briefing as a line.
struct Line {
    b: Briefing,
    unit: String,
}

/// A collaborator that may be ticked.
struct Choice {
    pseudonym: String,
    about: String,
    checked: bool,
}

/// The briefings page: the list and the form of a new one.
#[derive(Template)]
#[template(path = "collaborators/briefings.html")]
struct BriefingsTemplate {
    c: Chrome,
    lines: Vec<Line>,
    /// Units the user manages that have active collaborators: `(id, name)`.
    units: Vec<(i64, String)>,
    unit_id: i64,
    choices: Vec<Choice>,
    form: BriefingForm,
    errors: Vec<(&'static str, String)>,
    flash: bool,
}

impl BriefingsTemplate {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The briefing form: the unit, date, topic, ticked pseudonyms and typed ones.
#[derive(Clone, Debug, Default)]
pub struct BriefingForm {
    unit_id: i64,
    held_on: String,
    topic: String,
    attendees: String,
    ticked: Vec<String>,
}

impl BriefingForm {
    fn from_fields(fields: &[(String, String)]) -> BriefingForm {
        let get = |k: &str| {
            fields
                .iter()
                .find(|(f, _)| f == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        BriefingForm {
            unit_id: get("unit_id").trim().parse().unwrap_or(0),
            held_on: get("held_on"),
            topic: get("topic"),
            attendees: get("attendees"),
            ticked: fields
                .iter()
                .filter(|(k, _)| k == "attendee")
                .map(|(_, v)| v.trim().to_string())
                .collect(),
        }
    }

    /// Every pseudonym given, ticked or typed (separated by spaces, commas, semicolons or lines),
    /// upper-cased and without repeats, in order.
    pub fn pseudonyms(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        self.ticked
            .iter()
            .map(String::as_str)
            .chain(
                self.attendees
                    .split(|c: char| c.is_whitespace() || c == ',' || c == ';'),
            )
            .map(|p| p.trim().to_uppercase())
            .filter(|p| !p.is_empty() && seen.insert(p.clone()))
            .collect()
    }
}

/// The collaborators that typed or ticked pseudonyms stand for, as attendees of a briefing of
/// `unit` on `held_on`: each must exist, belong to the unit's subtree and be active that day
/// (active now, or replaced or ended since and within their term on the day). `Err` holds one
/// translated message per kind of problem, naming the pseudonyms. Also used by the briefing
/// sessions of the briefings context.
pub async fn resolve_attendees(
    db: &crate::db::Db,
    unit: i64,
    held_on: Option<NaiveDate>,
    wanted: &[String],
    tr: crate::web::i18n::Tr,
) -> AppResult<Result<Vec<i64>, Vec<String>>> {
    let mut errors = vec![];
    if wanted.len() > 2000 {
        errors.push(tr.t("collaborators-briefing-error-too-many"));
    }
    let found = store::find_by_pseudonyms(db, wanted).await?;
    let unit_ids: Vec<i64> = found.iter().map(|c| c.unit_id).collect();
    let within: HashSet<i64> = crate::orgs::filter_within(db, &[unit], &unit_ids)
        .await?
        .into_iter()
        .collect();
    let active_on = |c: &Collaborator| {
        c.status == CollaboratorStatus::Active
            || matches!((held_on, c.term_to), (Some(d), Some(t)) if d <= t)
    };
    let mut attendees = vec![];
    let mut unknown = vec![];
    let mut elsewhere = vec![];
    let mut inactive = vec![];
    for p in wanted {
        match found.iter().find(|c| &c.pseudonym == p) {
            None => unknown.push(p.clone()),
            Some(c) if !within.contains(&c.unit_id) => elsewhere.push(p.clone()),
            Some(c) if !active_on(c) => inactive.push(p.clone()),
            Some(c) => attendees.push(c.id),
        }
    }
    for (list, key) in [
        (unknown, "collaborators-briefing-error-unknown"),
        (elsewhere, "collaborators-briefing-error-elsewhere"),
        (inactive, "collaborators-briefing-error-inactive"),
    ] {
        if !list.is_empty() {
            errors.push(tr.ta(key, &[("ids", list.join(", "))]));
        }
    }
    Ok(if errors.is_empty() {
        Ok(attendees)
    } else {
        Err(errors)
    })
}

/// Records a briefing held and who attended (`collaborator_briefing.create`) in the caller's
/// transaction: each attendance counts in the collaborator's activity of that month. Returns its
/// id.
pub async fn record_briefing_in(
    tx: &mut crate::db::Tx,
    actor: &crate::audit::Actor,
    unit: i64,
    held_on: NaiveDate,
    topic: &str,
    attendees: &[i64],
) -> AppResult<i64> {
    let period = held_on.format("%Y-%m").to_string();
    let id = store::insert_briefing(
        tx,
        unit,
        held_on,
        &period,
        topic,
        attendees,
        actor.user_id,
        Utc::now(),
    )
    .await?;
    audit::record_in(
        tx,
        actor,
        "collaborator_briefing.create",
        "collaborator_briefing",
        &id.to_string(),
        Some(unit),
        json!({"held_on": held_on.to_string(), "attendees": attendees.len()}),
    )
    .await?;
    Ok(id)
}

/// The pseudonyms of the active collaborators of `unit`'s subtree, in order (the attendance list
/// of a briefing).
pub async fn active_pseudonyms(db: &crate::db::Db, unit: i64) -> AppResult<Vec<String>> {
    let units = crate::orgs::subtree_ids(db, &[unit]).await?;
    let mut out: Vec<String> = store::list_collaborators(db, &units, 20000)
        .await?
        .into_iter()
        .filter(|c| c.status == CollaboratorStatus::Active)
        .map(|c| c.pseudonym)
        .collect();
    out.sort();
    Ok(out)
}

/// How many collaborators attended the briefing record `id`.
pub async fn attendee_count(db: &crate::db::Db, id: i64) -> AppResult<usize> {
    Ok(store::list_attendees(db, id).await?.len())
}

/// Query of the briefings page.
#[derive(Deserialize, Default)]
pub struct UnitQuery {
    /// Parsed by `kit::bounds::parse_id` (a clear 400 for a bad number).
    #[serde(default)]
    unit: String,
    #[serde(default)]
    ok: Option<String>,
}

async fn briefings_page(
    state: &AppState,
    auth: &Auth,
    unit: Option<i64>,
    form: BriefingForm,
    errors: Vec<(&'static str, String)>,
    flash: bool,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let managed: Vec<i64> = scope::units(&state.db, &auth.user, &[Capability::ManageCollaborators])
        .await?
        .iter()
        .map(|u| u.id)
        .collect();
    let readable = scope::units(
        &state.db,
        &auth.user,
        &[Capability::ManageCollaborators, Capability::ViewReports],
    )
    .await?;
    if readable.is_empty() {
        return Err(AppError::Forbidden);
    }
    let ids: Vec<i64> = readable.iter().map(|u| u.id).collect();
    let name_of = |id: i64| {
        readable
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let lines = store::list_briefings(&state.db, &ids, 200)
        .await?
        .into_iter()
        .map(|b| Line {
            unit: name_of(b.unit_id),
            b,
        })
        .collect();
    // Units the user manages with active collaborators, for the form.
    let active: Vec<Collaborator> = store::list_collaborators(&state.db, &managed, 20000)
        .await?
        .into_iter()
        .filter(|c| c.status == CollaboratorStatus::Active)
        .collect();
    let mut units: Vec<(i64, String)> = vec![];
    for c in &active {
        if !units.iter().any(|u| u.0 == c.unit_id) {
            units.push((c.unit_id, name_of(c.unit_id)));
        }
    }
    units.sort_by(|a, b| a.1.cmp(&b.1));
    let unit_id = unit
        .filter(|u| units.iter().any(|x| x.0 == *u))
        .or(units.first().map(|u| u.0))
        .unwrap_or(0);
    let values = store::list_values(&state.db).await?;
    let given: HashSet<String> = form.pseudonyms().into_iter().collect();
    let choices = active
        .iter()
        .filter(|c| c.unit_id == unit_id)
        .map(|c| Choice {
            pseudonym: c.pseudonym.clone(),
            about: [
                value_name(tr, &values, Dimension::Stratum, &c.stratum),
                value_name(tr, &values, Dimension::Gender, &c.gender),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
            checked: given.contains(&c.pseudonym),
        })
        .collect();
    let form = BriefingForm {
        held_on: if form.held_on.is_empty() {
            Utc::now().date_naive().to_string()
        } else {
            form.held_on
        },
        ..form
    };
    let failed = !errors.is_empty();
    Ok(crate::kit::form::respond(
        page(BriefingsTemplate {
            c: auth.ctx.chrome("collaborators-briefings-title"),
            lines,
            units,
            unit_id,
            choices,
            form,
            errors,
            flash,
        }),
        failed,
    ))
}

/// `GET /collaborators/briefings`.
pub async fn list_briefings(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<UnitQuery>,
) -> AppResult<Response> {
    briefings_page(
        &state,
        &auth,
        crate::kit::bounds::parse_id(&q.unit)?,
        BriefingForm::default(),
        vec![],
        q.ok.is_some(),
    )
    .await
}

/// `POST /collaborators/briefings`: everything is checked first (errors name the field and the
/// unknown pseudonyms), then the briefing and its attendance are saved together.
pub async fn create_briefing(
    State(state): State<AppState>,
    auth: Auth,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let form = BriefingForm::from_fields(&fields);
    let unit = form.unit_id;
    if !can(&state.db, &auth.user, Capability::ManageCollaborators, unit).await? {
        return Err(AppError::Forbidden);
    }
    let mut errors: Vec<(&'static str, String)> = vec![];
    let today = Utc::now().date_naive();
    let held_on = NaiveDate::parse_from_str(form.held_on.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d <= today + Duration::days(1) && *d >= today - Duration::days(3660));
    if held_on.is_none() {
        errors.push(("held_on", tr.t("collaborators-briefing-error-date")));
    }
    let topic = crate::kit::text::one_line(&form.topic);
    if topic.chars().count() < 3 || topic.chars().count() > 300 {
        errors.push(("topic", tr.t("collaborators-briefing-error-topic")));
    }
    let wanted = form.pseudonyms();
    let attendees = match resolve_attendees(&state.db, unit, held_on, &wanted, tr).await? {
        Ok(ids) => ids,
        Err(messages) => {
            errors.extend(messages.into_iter().map(|m| ("attendees", m)));
            vec![]
        }
    };
    if !errors.is_empty() {
        return briefings_page(&state, &auth, Some(unit), form, errors, false).await;
    }
    let held_on = held_on.expect("checked");
    let mut tx = state.db.begin().await?;
    let id = record_briefing_in(
        &mut tx,
        &auth.ctx.actor(),
        unit,
        held_on,
        &topic,
        &attendees,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/collaborators/briefings/{id}")).into_response())
}

/// One briefing.
#[derive(Template)]
#[template(path = "collaborators/briefing.html")]
struct BriefingTemplate {
    c: Chrome,
    b: Briefing,
    unit: String,
    attendees: Vec<(i64, String)>,
    can_manage: bool,
}

/// `GET /collaborators/briefings/{id}`.
pub async fn show_briefing(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let b = store::find_briefing(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_manage = can(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        b.unit_id,
    )
    .await?;
    if !can_manage && !can(&state.db, &auth.user, Capability::ViewReports, b.unit_id).await? {
        return Err(AppError::NotFound);
    }
    let unit = crate::orgs::unit_names(&state.db, &[b.unit_id])
        .await?
        .pop()
        .map(|u| u.1)
        .unwrap_or_default();
    let attendees = store::list_attendees(&state.db, id).await?;
    Ok(page(BriefingTemplate {
        c: auth.ctx.chrome("collaborators-briefing-title"),
        b,
        unit,
        attendees,
        can_manage,
    }))
}

/// `POST /collaborators/briefings/{id}/delete`: removes a record entered by mistake.
pub async fn delete_briefing(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let b = store::find_briefing(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        b.unit_id,
    )
    .await?;
    let mut tx = state.db.begin().await?;
    store::delete_briefing(&mut tx, id).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "collaborator_briefing.delete",
        "collaborator_briefing",
        &id.to_string(),
        Some(b.unit_id),
        json!({"held_on": b.held_on.to_string(), "topic": b.topic, "attendees": b.attendees}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/collaborators/briefings?ok=deleted").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_gathered_once() {
        let f = BriefingForm {
            attendees: "ctv-aaaa1111, CTV-BBBB2222;\nCTV-AAAA1111  ".into(),
            ticked: vec!["CTV-CCCC3333".into(), "CTV-BBBB2222".into()],
            ..Default::default()
        };
        assert_eq!(
            f.pseudonyms(),
            ["CTV-CCCC3333", "CTV-BBBB2222", "CTV-AAAA1111"]
        );
    }
}
