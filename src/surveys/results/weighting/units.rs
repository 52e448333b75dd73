//! `POST /surveys/{id}/weighting/units`: a population table taken from the organisation tree.
//! The chosen single-choice question's choices stand for units under the survey's unit (current
//! ones), each by its code or its name (`model::population::units`); the table built is an
//! ordinary one-variable table, stored like an uploaded one with its source recorded as the
//! units and their references, and audited in the same transaction. Any problem stores nothing.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde_json::json;

use super::super::model::population::TableSource;
use super::super::model::population::units::{UnitRef, UnitsIssue, table_from_units, unit_lookup};
use super::super::model::single_choices;
use super::super::model::weighting::Method;
use super::super::store;
use super::{Typed, render};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::{live_version, survey_for};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;

/// The form: the question whose choices stand for units, and an optional table name.
#[derive(serde::Deserialize)]
pub(super) struct UnitsForm {
    #[serde(default)]
    question: String,
    #[serde(default)]
    name: String,
}

/// A problem in the user's language.
fn issue_text(tr: Tr, e: &UnitsIssue, unit: &str) -> String {
    match e {
        UnitsIssue::NotSingleChoice(q) => {
            tr.ta("weighting-units-error-question", &[("value", q.clone())])
        }
        UnitsIssue::NoUnit { choice } => tr.ta(
            "weighting-units-error-no-unit",
            &[("choice", choice.clone()), ("unit", unit.to_string())],
        ),
        UnitsIssue::Ambiguous { choice, units } => tr.ta(
            "weighting-units-error-ambiguous",
            &[("choice", choice.clone()), ("units", units.join("; "))],
        ),
        UnitsIssue::NoPopulation { choice, unit } => tr.ta(
            "weighting-units-error-no-population",
            &[("choice", choice.clone()), ("unit", unit.clone())],
        ),
        UnitsIssue::SameUnit {
            first,
            second,
            unit,
        } => tr.ta(
            "weighting-units-error-same-unit",
            &[
                ("first", first.clone()),
                ("second", second.clone()),
                ("unit", unit.clone()),
            ],
        ),
    }
}

/// `POST /surveys/{id}/weighting/units`.
pub(super) async fn add_units_table(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<UnitsForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let question = f.question.trim().to_string();
    let typed = Typed {
        units_question: question.clone(),
        units_name: crate::kit::text::one_line(&f.name),
        ..Typed::default()
    };
    let version = live_version(&state.db, s.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = crate::surveys::media::results_engine(&state.db, &version).await?;
    let root = crate::orgs::find_unit(&state.db, s.unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lookup = match unit_lookup(form.form(), &question) {
        Ok(l) => l,
        Err(e) => {
            let errors = vec![issue_text(tr, &e, &root.name)];
            return render(&state, &auth, &s, errors, typed).await;
        }
    };
    let units: Vec<UnitRef> =
        crate::orgs::current_units_named(&state.db, root.id, &lookup.codes, &lookup.names)
            .await?
            .into_iter()
            .map(|u| UnitRef {
                id: u.id,
                code: u.code,
                name: u.name,
                population: u.population,
                source: u.population_source,
            })
            .collect();
    let lang = tr.lang().code();
    let name = if typed.units_name.is_empty() {
        let label = single_choices(form.form(), &question, lang).map_or(question.clone(), |q| q.0);
        tr.ta("weighting-units-default-name", &[("question", label)])
    } else {
        typed.units_name.clone()
    };
    let built = match table_from_units(form.form(), &question, &name, lang, &units) {
        Ok(t) => t,
        Err(issues) => {
            let errors = issues
                .iter()
                .take(50)
                .map(|e| issue_text(tr, e, &root.name))
                .collect();
            return render(&state, &auth, &s, errors, typed).await;
        }
    };
    let spec = store::weighting(&state.db, s.id).await?;
    if spec.tables.iter().any(|t| t.name == name) {
        let errors = vec![tr.ta("weighting-table-error-exists", &[("name", name.clone())])];
        return render(&state, &auth, &s, errors, typed).await;
    }
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let table_id =
        store::insert_table(&mut tx, s.id, &built.table, Some(auth.user.id), now).await?;
    store::set_table_source(&mut tx, table_id, TableSource::Units, &built.sources).await?;
    if spec.method == Method::None {
        // A first table: rake to it unless a method was chosen (as for an uploaded one).
        store::set_method(
            &mut tx,
            s.id,
            Method::Rake,
            spec.trim,
            Some(auth.user.id),
            now,
        )
        .await?;
    }
    let taken: Vec<serde_json::Value> = built
        .units
        .iter()
        .map(|(choice, unit, population)| {
            json!({"choice": choice, "unit": unit, "population": population})
        })
        .collect();
    audit::entry(&auth.ctx.actor(), "survey.population_table_create")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(json!({"table": table_id, "name": built.table.name,
                       "variables": built.table.variables, "cells": built.table.cells.len(),
                       "total": built.table.total(), "source": TableSource::Units.key(),
                       "root_unit": root.id, "units": taken, "references": built.sources}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/weighting", s.id)).into_response())
}
