//! The weighting page (`/surveys/{id}/weighting`): how a survey's weights are adjusted to the
//! population — the method (post-stratification, raking, linear or raking calibration), the
//! trimming, the population tables (uploaded as CSV or a spreadsheet, or pasted, or taken from
//! the populations of the organisation tree's units: `weighting/units.rs`) — and the
//! diagnostics: weight range, design effect of the weighting, effective sample size, and every
//! combination of every table with its population, its interviews and the weighted total that
//! should reproduce it. Reading it takes `ViewSurveyResults`; changing it `DesignSurveys`.
//! Every change is audited; a table is checked whole against the questionnaire before it is
//! stored, and a bad one stores nothing.

mod units;

use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::json;

use super::model::population::{self, TableIssue, TableSource};
use super::model::weighting::{Diagnostics, Method, PopTable, WeightError};
use super::model::{self, single_choices};
use super::store;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::model::Survey;
use crate::surveys::{live_version, survey_for};
use crate::uploads::table::{self, TableError};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// Largest population table upload (bytes).
const MAX_TABLE_BYTES: usize = 2 << 20;
/// How long reading one may take.
const TABLE_READ_TIME: Duration = Duration::from_secs(20);
/// What a population spreadsheet may hold.
const TABLE_LIMITS: duluan_filecheck::Limits = duluan_filecheck::Limits {
    max_file_bytes: MAX_TABLE_BYTES as u64,
    max_entries: 200,
    max_inflated_bytes: 32 << 20,
    max_ratio: 250,
    max_rows: population::MAX_CELLS as u32 + 100,
    max_cols: 16,
    max_cells: 40_000,
    max_sheets: 32,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/surveys/{id}/weighting",
            get(show_weighting).post(set_method),
        )
        .route(
            "/surveys/{id}/weighting/tables",
            post(add_table).layer(DefaultBodyLimit::max(MAX_TABLE_BYTES + (64 << 10))),
        )
        .route(
            "/surveys/{id}/weighting/tables/{table}/delete",
            post(delete_table),
        )
        .route(
            "/surveys/{id}/weighting/units",
            post(units::add_units_table),
        )
}

/// The name of a method in the user's language.
pub fn method_text(m: Method, tr: Tr) -> String {
    tr.t(&format!("weighting-method-{}", m.key()))
}

/// `variable = choice × …` with the question's and choice's labels.
fn level_text(level: &[(String, String)], form: &duluan_forms::Engine, tr: Tr) -> String {
    let lang = tr.lang().code();
    level
        .iter()
        .map(
            |(var, choice)| match single_choices(form.form(), var, lang) {
                Some((label, choices)) => {
                    let c = choices
                        .iter()
                        .find(|c| c.0 == *choice)
                        .map_or(choice.as_str(), |c| c.1.as_str());
                    format!("{label} = {c}")
                }
                None => format!("{var} = {choice}"),
            },
        )
        .collect::<Vec<_>>()
        .join(" × ")
}

/// A whole count grouped by thousands as the language writes it (`1.234.567`, `1,234,567`).
fn count(x: f64, tr: Tr) -> String {
    let sep = if tr.lang().code() == "vi" { '.' } else { ',' };
    let digits = format!("{}", x.round().abs() as u64);
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    if x < -0.5 {
        out.insert(0, '-');
    }
    out
}

/// Why the weighting failed, in the user's language, naming the table and level.
pub fn error_text(e: &WeightError, form: &duluan_forms::Engine, tr: Tr) -> String {
    match e {
        WeightError::NoTables => tr.t("weighting-error-no-tables"),
        WeightError::PostStratifyOneTable(n) => {
            tr.ta("weighting-error-poststratify-one", &[("n", n.to_string())])
        }
        WeightError::TotalsDiffer { a, b } => tr.ta(
            "weighting-error-totals",
            &[
                ("a", a.0.clone()),
                ("atotal", count(a.1, tr)),
                ("b", b.0.clone()),
                ("btotal", count(b.1, tr)),
            ],
        ),
        WeightError::Unanswered {
            table,
            variable,
            count,
        } => {
            let lang = tr.lang().code();
            let label =
                single_choices(form.form(), variable, lang).map_or(variable.clone(), |(l, _)| l);
            tr.ta(
                "weighting-error-unanswered",
                &[
                    ("table", table.clone()),
                    ("question", label),
                    ("n", count.to_string()),
                ],
            )
        }
        WeightError::NotInTable {
            table,
            level,
            count,
        } => tr.ta(
            "weighting-error-not-in-table",
            &[
                ("table", table.clone()),
                ("level", level_text(level, form, tr)),
                ("n", count.to_string()),
            ],
        ),
        WeightError::NotInData {
            table,
            level,
            population,
        } => tr.ta(
            "weighting-error-not-in-data",
            &[
                ("table", table.clone()),
                ("level", level_text(level, form, tr)),
                ("population", count(*population, tr)),
            ],
        ),
        WeightError::NoConvergence {
            table,
            level,
            iterations,
        } => tr.ta(
            "weighting-error-no-convergence",
            &[
                ("table", table.clone()),
                ("level", level_text(level, form, tr)),
                ("n", iterations.to_string()),
            ],
        ),
        WeightError::TrimAll(t) => tr.ta("weighting-error-trim-all", &[("t", format!("{t}"))]),
        WeightError::Failed(detail) => {
            tr.ta("weighting-error-failed", &[("detail", detail.clone())])
        }
    }
}

/// The diagnostics as shown.
pub struct DiagnosticsView {
    pub n: usize,
    pub range: (String, String, String),
    pub ratio: String,
    pub deff: String,
    pub n_eff: String,
    pub negative: usize,
    pub trimmed: Option<(String, String)>,
    /// Table, level, population, its share, interviews, their share before, weighted total after,
    /// whether it is reproduced.
    pub margins: Vec<MarginView>,
}

pub struct MarginView {
    pub table: String,
    pub level: String,
    pub population: String,
    pub population_share: String,
    pub sample: usize,
    pub before_share: String,
    pub after: String,
    pub reproduced: bool,
}

fn num(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

pub fn diagnostics_view(d: &Diagnostics, form: &duluan_forms::Engine, tr: Tr) -> DiagnosticsView {
    DiagnosticsView {
        n: d.n,
        range: (num(d.min), num(d.mean), num(d.max)),
        ratio: if d.min > 0.0 {
            format!("{:.1}", d.max / d.min)
        } else {
            "—".into()
        },
        deff: format!("{:.2}", d.deff),
        n_eff: format!("{:.0}", d.n_eff),
        negative: d.negative,
        trimmed: d.trimmed.map(|(a, b)| (num(a), num(b))),
        margins: d
            .margins
            .iter()
            .map(|m| MarginView {
                table: m.table.clone(),
                level: level_text(&m.level, form, tr),
                population: count(m.population, tr),
                population_share: format!("{:.1}", m.population_share * 100.0),
                sample: m.sample,
                before_share: format!("{:.1}", m.before_share * 100.0),
                after: count(m.after, tr),
                reproduced: (m.after - m.population).abs() <= 1e-6 * m.population.max(1.0)
                    || d.trimmed.is_some(),
            })
            .collect(),
    }
}

struct TableLine {
    id: i64,
    name: String,
    variables: String,
    cells: usize,
    total: String,
    /// Where it came from, when not uploaded ("from the units' populations (2024)").
    origin: String,
}

/// What the forms of the page held when it is shown again after an error.
#[derive(Default)]
struct Typed {
    table_name: String,
    table_text: String,
    units_question: String,
    units_name: String,
}

#[derive(Template)]
#[template(path = "surveys/weighting.html")]
struct WeightingTemplate {
    c: Chrome,
    survey_id: i64,
    can_edit: bool,
    method: String,
    methods: Vec<(String, String)>,
    trim: String,
    tables: Vec<TableLine>,
    /// Single-choice questions `(name, wording)`: what a table may cross.
    questions: Vec<(String, String)>,
    interviews: usize,
    diagnostics: Option<DiagnosticsView>,
    weighting_error: Option<String>,
    errors: Vec<String>,
    typed: Typed,
    /// The survey's unit, under which a table may be taken from the units.
    unit_name: String,
}

async fn render(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    errors: Vec<String>,
    typed: Typed,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let version = live_version(&state.db, s.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = crate::surveys::media::results_engine(&state.db, &version).await?;
    let spec = store::weighting(&state.db, s.id).await?;
    let data = super::interviews(state, s.id).await?;
    let can_edit =
        crate::accounts::can(&state.db, &auth.user, Capability::DesignSurveys, s.unit_id).await?;
    let spec2 = spec.clone();
    let interviews = data.n;
    let prepared = tokio::task::spawn_blocking(move || model::prepare(&data, &spec2, true))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("weighting: {e}")))?;
    let (diagnostics, weighting_error) = match prepared.map(|p| p.weighting) {
        Ok(Some(Ok(d))) => (Some(diagnostics_view(&d, &form, tr)), None),
        Ok(Some(Err(e))) => (None, Some(error_text(&e, &form, tr))),
        Ok(None) => (None, None),
        Err(e) => (
            None,
            Some(tr.ta("weighting-error-failed", &[("detail", e)])),
        ),
    };
    let failed = !errors.is_empty();
    let lang = tr.lang().code();
    let origins = store::table_sources(&state.db, s.id).await?;
    let origin = |id: i64| match origins.iter().find(|o| o.0 == id) {
        Some((_, TableSource::Units, note)) if note.is_empty() => tr.t("weighting-units-origin"),
        Some((_, TableSource::Units, note)) => {
            tr.ta("weighting-units-origin-note", &[("note", note.clone())])
        }
        _ => String::new(),
    };
    let unit_name = crate::orgs::find_unit(&state.db, s.unit_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let resp = page(WeightingTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("weighting-title"), s.title)),
        survey_id: s.id,
        can_edit,
        method: spec.method.key().to_string(),
        methods: Method::ALL
            .iter()
            .map(|m| (m.key().to_string(), method_text(*m, tr)))
            .collect(),
        trim: spec.trim.map(|t| format!("{t}")).unwrap_or_default(),
        tables: spec
            .tables
            .iter()
            .map(|t| TableLine {
                id: t.id,
                name: t.name.clone(),
                variables: t
                    .variables
                    .iter()
                    .map(|v| single_choices(form.form(), v, lang).map_or(v.clone(), |(l, _)| l))
                    .collect::<Vec<_>>()
                    .join(" × "),
                cells: t.cells.len(),
                total: count(t.total(), tr),
                origin: origin(t.id),
            })
            .collect(),
        questions: model::single_questions(form.form(), lang),
        interviews,
        diagnostics,
        weighting_error,
        errors,
        typed,
        unit_name,
    });
    Ok(crate::kit::form::respond(resp, failed))
}

/// `GET /surveys/{id}/weighting`.
async fn show_weighting(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewSurveyResults).await?;
    render(&state, &auth, &s, vec![], Typed::default()).await
}

#[derive(serde::Deserialize)]
struct MethodForm {
    method: String,
    #[serde(default)]
    trim: String,
}

/// `POST /surveys/{id}/weighting`: the method and trimming.
async fn set_method(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<MethodForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let mut errors = vec![];
    let method = Method::parse(&f.method);
    if method.is_none() {
        errors.push(tr.t("weighting-error-method"));
    }
    let trim = match f.trim.trim() {
        "" => None,
        t => match model::number(t) {
            Some(x) if (1.0..=100.0).contains(&x) && x > 1.0 => Some(x),
            _ => {
                errors.push(tr.ta("weighting-error-trim", &[("value", t.to_string())]));
                None
            }
        },
    };
    let spec = store::weighting(&state.db, s.id).await?;
    if method == Some(Method::PostStratify) && spec.tables.len() > 1 {
        errors.push(tr.ta(
            "weighting-error-poststratify-one",
            &[("n", spec.tables.len().to_string())],
        ));
    }
    let Some(method) = method.filter(|_| errors.is_empty()) else {
        return render(&state, &auth, &s, errors, Typed::default()).await;
    };
    let mut tx = state.db.begin().await?;
    store::set_method(&mut tx, s.id, method, trim, Some(auth.user.id), Utc::now()).await?;
    audit::entry(&auth.ctx.actor(), "survey.weighting_update")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(json!({"method": method.key(), "trim": trim}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/weighting", s.id)).into_response())
}

/// A table issue in the user's language, with its place.
fn issue_text(tr: Tr, e: &TableIssue) -> String {
    let message = tr.ta(e.key, &[("value", e.value.clone())]);
    if e.row == 0 {
        message
    } else {
        tr.ta(
            "weighting-table-at",
            &[
                ("row", e.row.to_string()),
                ("column", e.column.clone()),
                ("message", message),
            ],
        )
    }
}

/// `POST /surveys/{id}/weighting/tables`: a population table from a file (`file`) or pasted
/// text (`text`), named `name`.
async fn add_table(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let (mut bytes, mut name, mut text) = (vec![], String::new(), String::new());
    let bad = |_| AppError::BadRequest("weighting-table-error-upload");
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("file") => bytes = field.bytes().await.map_err(bad)?.to_vec(),
            Some("name") => name = field.text().await.map_err(bad)?,
            Some("text") => text = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    let name = crate::kit::text::one_line(&name);
    let fail = |errors: Vec<String>, table_name: String, table_text: String| {
        let (state, auth, s) = (&state, &auth, &s);
        let typed = Typed {
            table_name,
            table_text,
            ..Typed::default()
        };
        async move { render(state, auth, s, errors, typed).await }
    };
    if name.is_empty() {
        return fail(vec![tr.t("weighting-table-error-name")], name, text).await;
    }
    if bytes.is_empty() {
        bytes = text.trim().as_bytes().to_vec();
    }
    if bytes.is_empty() {
        return fail(vec![tr.t("weighting-table-error-nothing")], name, text).await;
    }
    let read = crate::uploads::read_blocking(TABLE_READ_TIME, move || {
        table::read(&bytes, &TABLE_LIMITS, population::MAX_CELLS + 1)
    })
    .await;
    let t = match read {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            let mut r = fail(vec![table::error_text(tr, &e)], name, text).await?;
            if matches!(e, TableError::Refused(_)) {
                *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            }
            return Ok(r);
        }
        Err(u) => {
            let mut r = fail(vec![crate::uploads::unfinished_text(tr, &u)], name, text).await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let version = live_version(&state.db, s.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = crate::surveys::media::results_engine(&state.db, &version).await?;
    let parsed: PopTable = match population::parse(&t, form.form(), &name) {
        Ok(p) => p,
        Err(issues) => {
            let shown = issues.iter().take(50).map(|e| issue_text(tr, e)).collect();
            return fail(shown, name, text).await;
        }
    };
    let spec = store::weighting(&state.db, s.id).await?;
    if spec.tables.iter().any(|t| t.name == parsed.name) {
        return fail(
            vec![tr.ta("weighting-table-error-exists", &[("name", name.clone())])],
            name,
            text,
        )
        .await;
    }
    let mut tx = state.db.begin().await?;
    let table_id =
        store::insert_table(&mut tx, s.id, &parsed, Some(auth.user.id), Utc::now()).await?;
    if spec.method == Method::None {
        // A first table: rake to it unless a method was chosen.
        store::set_method(
            &mut tx,
            s.id,
            Method::Rake,
            spec.trim,
            Some(auth.user.id),
            Utc::now(),
        )
        .await?;
    }
    audit::entry(&auth.ctx.actor(), "survey.population_table_create")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(
            json!({"table": table_id, "name": parsed.name, "variables": parsed.variables,
                       "cells": parsed.cells.len(), "total": parsed.total()}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/weighting", s.id)).into_response())
}

/// `POST /surveys/{id}/weighting/tables/{table}/delete`.
async fn delete_table(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, table_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let mut tx = state.db.begin().await?;
    if !store::delete_table(&mut tx, s.id, table_id).await? {
        return Err(AppError::NotFound);
    }
    audit::entry(&auth.ctx.actor(), "survey.population_table_delete")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(json!({"table": table_id}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/weighting", s.id)).into_response())
}
