//! The quota page (`/surveys/{id}/fieldwork/quotas`, designers of the survey): the quotas with
//! their cells (target, completed, remaining, full), a quota made from one to three dimensions
//! with its targets spread from a total (in proportion to the frame when every dimension is a
//! frame column, else evenly), targets and the full-cell action changed, a quota deleted.
//! Also [`quota_views`], the same tables read-only for the monitor and the interviewer console.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde_json::json;

use super::{
    Action, Dim, DimChoice, MAX_DIMS, Quota, QuotaError, cell_key, cell_values, check_dims,
    combinations, live, parse_target, spread,
};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::surveys::fieldwork::store;
use crate::surveys::model::Survey;
use crate::surveys::survey_for;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// Longest quota name and message.
const MAX_NAME: usize = 200;
const MAX_MESSAGE: usize = 2_000;

/// One cell as shown.
#[derive(Clone, Debug)]
pub struct CellView {
    /// Position in the quota (the form field `t{index}`).
    pub index: usize,
    /// The label of its value in each dimension.
    pub labels: Vec<String>,
    /// Target.
    pub target: i64,
    /// Completed interviews.
    pub filled: i64,
    /// Left to reach the target (0 when full).
    pub remaining: i64,
    /// Whether the target is reached.
    pub full: bool,
}

/// One quota as shown.
#[derive(Clone, Debug)]
pub struct QuotaView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Stored action key.
    pub action: String,
    /// The action's name.
    pub action_label: String,
    /// Its own message.
    pub message: String,
    /// The dimensions' names.
    pub headers: Vec<String>,
    /// Its cells.
    pub cells: Vec<CellView>,
    /// Sum of targets and of completes.
    pub totals: (i64, i64),
    /// Cells full.
    pub full_cells: usize,
}

/// The dimensions a designer may choose: [`question_dims`], then the frame's stratum and
/// attribute columns, each with its values.
pub async fn available_dims(db: &Db, s: &Survey, tr: Tr) -> AppResult<Vec<DimChoice>> {
    let mut out = question_dims(db, s, tr).await?;
    let mut columns: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (col, value, _) in store::frame_values(db, s.id).await? {
        match columns.iter_mut().find(|c| c.0 == col) {
            Some(c) => c.1.push((value.clone(), value)),
            None => columns.push((col, vec![(value.clone(), value)])),
        }
    }
    // The stratum first, then attribute columns by name.
    columns.sort_by_key(|c| (c.0 != "stratum", c.0.clone()));
    // A column with more values than a quota may have cells (names, ids) is no dimension.
    columns.retain(|c| c.1.len() <= super::MAX_CELLS);
    for (col, values) in columns {
        out.push(DimChoice {
            label: frame_label(&col, tr),
            dim: Dim::Frame(col),
            values,
        });
    }
    Ok(out)
}

fn frame_label(column: &str, tr: Tr) -> String {
    if column == "stratum" {
        tr.t("quota-dim-stratum")
    } else {
        tr.ta("quota-dim-column", &[("name", column.to_string())])
    }
}

/// The top-level single-choice questions of the live version (or of the draft when nothing is
/// published yet) as dimensions, with their choices (a select from a file with its file's rows,
/// as the results count it).
pub async fn question_dims(db: &Db, s: &Survey, tr: Tr) -> AppResult<Vec<DimChoice>> {
    let mut out = Vec::new();
    let version = match crate::surveys::live_version(db, s.id).await? {
        Some(v) => Some(v),
        None => crate::surveys::draft_version(db, s.id).await?,
    };
    if let Some(v) = version {
        let engine = crate::surveys::media::results_engine(db, &v).await?;
        let form = engine.form();
        let lang = tr.lang().code();
        let fallback = form.form.default_language.as_deref();
        for (i, node) in form.nodes.iter().enumerate() {
            if !node.repeats.is_empty() {
                continue;
            }
            let Some(q) = form.question(i as u32) else {
                continue;
            };
            let duluan_forms::QuestionType::SelectOne(_) = &q.kind else {
                continue;
            };
            let Some(list) = node.list.and_then(|l| form.form.choices.get(l)) else {
                continue;
            };
            let text = q.label.get(lang, fallback).unwrap_or(&q.name);
            out.push(DimChoice {
                dim: Dim::Question(q.name.clone()),
                label: format!("{} ({})", short(text), q.name),
                values: list
                    .choices
                    .iter()
                    .map(|c| {
                        let l = c.label.get(lang, fallback).unwrap_or(&c.name);
                        (c.name.clone(), short(l))
                    })
                    .collect(),
            });
        }
    }
    Ok(out)
}

fn short(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s
    }
}

/// The quotas of a survey as shown (cell values by their labels where the dimension is still
/// available, else as stored).
pub fn quota_views(quotas: &[Quota], dims: &[DimChoice], tr: Tr) -> Vec<QuotaView> {
    quotas
        .iter()
        .map(|q| {
            let choices: Vec<Option<&DimChoice>> = q
                .dims
                .iter()
                .map(|d| dims.iter().find(|c| &c.dim == d))
                .collect();
            let headers = q
                .dims
                .iter()
                .zip(&choices)
                .map(|(d, c)| match (c, d) {
                    (Some(c), _) => c.label.clone(),
                    (None, Dim::Frame(col)) => frame_label(col, tr),
                    (None, Dim::Question(n)) => n.clone(),
                })
                .collect();
            let cells: Vec<CellView> = q
                .cells
                .iter()
                .enumerate()
                .map(|(index, c)| CellView {
                    index,
                    labels: cell_values(&c.key)
                        .into_iter()
                        .zip(&choices)
                        .map(|(v, ch)| {
                            ch.and_then(|ch| ch.values.iter().find(|x| x.0 == v))
                                .map(|x| x.1.clone())
                                .unwrap_or_else(|| v.to_string())
                        })
                        .collect(),
                    target: c.target,
                    filled: c.filled,
                    remaining: (c.target - c.filled).max(0),
                    full: c.is_full(),
                })
                .collect();
            QuotaView {
                id: q.id,
                name: q.name.clone(),
                action: q.action.key().to_string(),
                action_label: tr.t(&q.action.label_key()),
                message: q.message.clone(),
                headers,
                totals: (
                    q.cells.iter().map(|c| c.target).sum(),
                    q.cells.iter().map(|c| c.filled).sum(),
                ),
                full_cells: cells.iter().filter(|c| c.full).count(),
                cells,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "surveys/fieldwork/quotas.html")]
struct QuotasTemplate {
    c: Chrome,
    survey_id: i64,
    quotas: Vec<QuotaView>,
    /// `(key, label)` of every dimension that may be chosen.
    dims: Vec<(String, String)>,
    /// `(key, label)` of the actions.
    actions: Vec<(String, String)>,
    held: i64,
    error: Option<String>,
    /// The quota the error is about (`None`: the new-quota form).
    error_quota: Option<i64>,
    /// The new-quota form as typed.
    form: NewForm,
    max_dims: usize,
}

/// The new-quota form as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct NewForm {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// First dimension.
    #[serde(default)]
    pub dim1: String,
    /// Second dimension (optional).
    #[serde(default)]
    pub dim2: String,
    /// Third dimension (optional).
    #[serde(default)]
    pub dim3: String,
    /// Action key.
    #[serde(default)]
    pub action: String,
    /// Message.
    #[serde(default)]
    pub message: String,
    /// Total to spread over the cells (optional).
    #[serde(default)]
    pub total: String,
}

impl NewForm {
    /// The dimension chosen in slot `i` (0-based).
    pub fn dim(&self, i: usize) -> &str {
        match i {
            0 => &self.dim1,
            1 => &self.dim2,
            _ => &self.dim3,
        }
    }
}

async fn render(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    error: Option<(Option<i64>, String)>,
    form: NewForm,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    live::recount(&state.db, s.id).await?;
    let dims = available_dims(&state.db, s, tr).await?;
    let quotas = store::list_quotas(&state.db, s.id).await?;
    let (error_quota, error) = match error {
        Some((q, e)) => (q, Some(e)),
        None => (None, None),
    };
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let mut r = page(QuotasTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("quota-title"), s.title)),
        survey_id: s.id,
        quotas: quota_views(&quotas, &dims, tr),
        dims: dims
            .iter()
            .map(|d| (d.dim.key(), d.label.clone()))
            .collect(),
        actions: Action::ALL
            .iter()
            .map(|a| (a.key().to_string(), tr.t(&a.label_key())))
            .collect(),
        held: store::count_held(&state.db, s.id).await?,
        error,
        error_quota,
        form,
        max_dims: MAX_DIMS,
    });
    *r.status_mut() = status;
    Ok(r)
}

fn message_of(tr: Tr, e: &QuotaError) -> String {
    tr.ta(e.key, &e.args)
}

/// `GET /surveys/{id}/fieldwork/quotas`.
pub async fn show_quotas(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    render(&state, &auth, &s, None, NewForm::default()).await
}

/// `POST /surveys/{id}/fieldwork/quotas`: makes a quota with every cell of its dimensions.
pub async fn create_quota(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<NewForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let dims = available_dims(&state.db, &s, tr).await?;
    let planned = match plan(&state.db, &s, &f, &dims).await {
        Ok(p) => p,
        Err(e) => {
            let msg = message_of(tr, &e);
            return render(&state, &auth, &s, Some((None, msg)), f).await;
        }
    };
    let mut tx = state.db.begin().await?;
    let qid = store::insert_quota(
        &mut tx,
        s.id,
        &planned.name,
        &planned.dims,
        planned.action,
        &planned.message,
        &planned.cells,
        Some(auth.user.id),
        Utc::now(),
    )
    .await?;
    audit::entry(&auth.ctx.actor(), "survey.quota_create")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(
            json!({"quota": qid, "dims": planned.dims.iter().map(Dim::key).collect::<Vec<_>>(),
                       "cells": planned.cells.len(), "action": planned.action.key()}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    live::recount(&state.db, s.id).await?;
    Ok(Redirect::to(&format!("/surveys/{}/fieldwork/quotas#quota-{qid}", s.id)).into_response())
}

struct Planned {
    name: String,
    dims: Vec<Dim>,
    action: Action,
    message: String,
    cells: Vec<(String, i64)>,
}

/// Checks the new-quota form and plans its cells and targets.
async fn plan(
    db: &Db,
    s: &Survey,
    f: &NewForm,
    available: &[DimChoice],
) -> Result<Planned, QuotaError> {
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(QuotaError::new("quota-error-name"));
    }
    let mut asked = Vec::new();
    for i in 0..MAX_DIMS {
        let raw = f.dim(i).trim();
        if raw.is_empty() {
            continue;
        }
        asked.push(
            Dim::parse(raw)
                .ok_or_else(|| QuotaError::new("quota-error-unknown-dim").with("dim", raw))?,
        );
    }
    let chosen = check_dims(&asked, available, s.anonymous)?;
    let action = Action::parse(&f.action).ok_or(QuotaError::new("quota-error-action"))?;
    let message = f.message.trim();
    if message.chars().count() > MAX_MESSAGE {
        return Err(QuotaError::new("quota-error-message"));
    }
    let combos = combinations(&chosen)?;
    let keys: Vec<String> = combos
        .iter()
        .map(|c| {
            let values: Vec<&str> = c
                .iter()
                .zip(&chosen)
                .map(|(&i, d)| d.values[i].0.as_str())
                .collect();
            cell_key(&values)
        })
        .collect();
    let targets = match f.total.trim() {
        "" => vec![0; keys.len()],
        raw => {
            let total = parse_target(raw).ok_or(QuotaError::new("quota-error-total"))?;
            let weights: Vec<f64> = if asked.iter().all(Dim::is_frame) {
                frame_weights(db, s.id, &asked, &keys)
                    .await
                    .map_err(|_| QuotaError::new("quota-error-total"))?
            } else {
                vec![1.0; keys.len()]
            };
            spread(total, &weights)
        }
    };
    Ok(Planned {
        name: name.to_string(),
        dims: asked,
        action,
        message: message.to_string(),
        cells: keys.into_iter().zip(targets).collect(),
    })
}

/// Frame rows in each cell of frame columns (the population's distribution), for a
/// proportional spread.
async fn frame_weights(
    db: &Db,
    survey_id: i64,
    dims: &[Dim],
    keys: &[String],
) -> AppResult<Vec<f64>> {
    let mut counts: std::collections::HashMap<String, f64> = Default::default();
    for row in store::frame_rows_of_survey(db, survey_id).await? {
        if let Some(c) = super::cell_of(dims, |_| None, Some(&row)) {
            *counts.entry(c).or_default() += 1.0;
        }
    }
    Ok(keys
        .iter()
        .map(|k| counts.get(k).copied().unwrap_or(0.0))
        .collect())
}

/// A quota's action, message and targets `(cell key, target)` as posted and checked.
struct Changes {
    action: Action,
    message: String,
    targets: Vec<(String, i64)>,
}

fn read_changes(
    fields: &[(String, String)],
    q: &Quota,
    available: &[DimChoice],
    tr: Tr,
) -> Result<Changes, QuotaError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let action = Action::parse(field("action").unwrap_or(""))
        .ok_or(QuotaError::new("quota-error-action"))?;
    let message = field("message").unwrap_or("").trim().to_string();
    if message.chars().count() > MAX_MESSAGE {
        return Err(QuotaError::new("quota-error-message"));
    }
    let views = quota_views(std::slice::from_ref(q), available, tr);
    let mut targets = Vec::new();
    for (i, c) in q.cells.iter().enumerate() {
        let Some(raw) = field(&format!("t{i}")) else {
            continue;
        };
        let t = parse_target(raw).ok_or_else(|| {
            QuotaError::new("quota-error-target")
                .with("cell", views[0].cells[i].labels.join(" × "))
                .with("value", raw.trim())
        })?;
        targets.push((c.key.clone(), t));
    }
    Ok(Changes {
        action,
        message,
        targets,
    })
}

/// `POST /surveys/{id}/fieldwork/quotas/{qid}`: targets (`t0`, `t1`, … by cell), action and
/// message; all or nothing.
pub async fn update_quota(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, qid)): Path<(i64, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let quotas = store::list_quotas(&state.db, s.id).await?;
    let Some(q) = quotas.iter().find(|q| q.id == qid) else {
        return Err(AppError::NotFound);
    };
    let available = available_dims(&state.db, &s, tr).await?;
    let Changes {
        action,
        message,
        targets,
    } = match read_changes(&fields, q, &available, tr) {
        Ok(v) => v,
        Err(e) => {
            let msg = (Some(qid), message_of(tr, &e));
            return render(&state, &auth, &s, Some(msg), NewForm::default()).await;
        }
    };
    let mut tx = state.db.begin().await?;
    if !store::set_targets(&mut tx, s.id, qid, action, &message, &targets).await? {
        return Err(AppError::NotFound);
    }
    audit::entry(&auth.ctx.actor(), "survey.quota_update")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(json!({"quota": qid, "action": action.key(),
                       "target": targets.iter().map(|t| t.1).sum::<i64>()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    live::recount(&state.db, s.id).await?;
    Ok(Redirect::to(&format!("/surveys/{}/fieldwork/quotas#quota-{qid}", s.id)).into_response())
}

/// `POST /surveys/{id}/fieldwork/quotas/{qid}/delete`: the quota goes, and the cases it held
/// return to the queues.
pub async fn delete_quota(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, qid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let mut tx = state.db.begin().await?;
    if !store::delete_quota(&mut tx, s.id, qid).await? {
        return Err(AppError::NotFound);
    }
    audit::entry(&auth.ctx.actor(), "survey.quota_delete")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(json!({"quota": qid}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    live::recount(&state.db, s.id).await?;
    Ok(Redirect::to(&format!("/surveys/{}/fieldwork/quotas", s.id)).into_response())
}
