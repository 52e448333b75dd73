//! Labelling and models: analysts label items (topic, direction) from an active-learning queue
//! (the items the current model is least sure of); a model per kind is trained from people's
//! and sources' labels with `duluan_vitext::classify`, scored by 5-fold cross-validation, and
//! stored; every item then gets the active model's prediction with its confidence, always shown
//! as machine-made. Retraining runs in the background when enough new labels arrived, or at once
//! from the models page.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::monitoring::model::{Direction, LabelKind};
use crate::monitoring::store::{self, Item};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// Examples read for training at most.
const MAX_EXAMPLES: i64 = 50_000;
/// New labelled examples that make the background job retrain.
const RETRAIN_AFTER: i64 = 10;
/// Fewest examples to train on.
const MIN_EXAMPLES: usize = 6;

/// What training did.
#[derive(Clone, Debug, PartialEq)]
pub enum Trained {
    /// A new active model: its id, examples, macro-F1.
    Model {
        id: i64,
        examples: usize,
        macro_f1: f64,
    },
    /// Not enough labels (examples, distinct labels).
    NotEnough { examples: usize, labels: usize },
}

/// Who asked for a training and where (the audit entry of a training by hand).
pub type Requester<'a> = (&'a crate::audit::Actor, i64);

/// Trains the model of `kind` from the labels, stores it as active (with the audit entry of
/// `by`, in the same transaction, when a person asked), and predicts every item.
pub async fn train(
    state: &AppState,
    kind: LabelKind,
    by: Option<Requester<'_>>,
) -> AppResult<Trained> {
    let db = &state.db;
    let examples = store::training_examples(db, kind, MAX_EXAMPLES).await?;
    let mut distinct: Vec<&str> = examples.iter().map(|e| e.0.as_str()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if examples.len() < MIN_EXAMPLES || distinct.len() < 2 {
        return Ok(Trained::NotEnough {
            examples: examples.len(),
            labels: distinct.len(),
        });
    }
    let n = examples.len();
    let n_labels = distinct.len();
    let (model, report) = tokio::task::spawn_blocking(move || {
        use duluan_vitext::classify::{Classifier, TrainOptions, cross_validate};
        let options = TrainOptions::default();
        let folds = 5.min(n / 2).max(2);
        let report = cross_validate(&examples, folds, &options);
        let model = Classifier::train(&examples, &options);
        (model, report)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("training task: {e}")))?;
    let model = match model {
        Ok(m) => m,
        Err(_) => {
            return Ok(Trained::NotEnough {
                examples: n,
                labels: n_labels,
            });
        }
    };
    let (macro_f1, accuracy, folds, classes) = match &report {
        Ok(r) => (
            r.macro_f1,
            r.accuracy,
            r.folds as i64,
            r.classes
                .iter()
                .map(|c| json!({"label": c.label, "precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.support}))
                .collect::<Vec<_>>(),
        ),
        Err(_) => (0.0, 0.0, 0, vec![]),
    };
    let labels = serde_json::to_string(model.labels()).unwrap_or_default();
    let mut tx = db.begin().await?;
    let id = store::insert_model(
        &mut tx,
        kind,
        n as i64,
        &labels,
        macro_f1,
        accuracy,
        folds,
        &serde_json::Value::Array(classes).to_string(),
        &model.to_bytes(),
        Utc::now().timestamp(),
    )
    .await?;
    if let Some((actor, unit)) = by {
        audit::entry(actor, "monitoring_train")
            .object("monitor_model", kind.key())
            .unit(unit)
            .detail(json!({"model": id, "examples": n, "macro_f1": macro_f1}))
            .write(&mut tx)
            .await?;
    }
    tx.commit().await?;
    state.monitoring.refresh_models(db, true).await?;
    predict_all(state, kind, &model).await?;
    Ok(Trained::Model {
        id,
        examples: n,
        macro_f1,
    })
}

/// Predicts every item with `model` (in pages of 2,000).
async fn predict_all(
    state: &AppState,
    kind: LabelKind,
    model: &duluan_vitext::classify::Classifier,
) -> AppResult<usize> {
    let model = std::sync::Arc::new(model.clone());
    let mut after = 0;
    let mut total = 0;
    loop {
        let page = store::bodies_after(&state.db, after, 2000).await?;
        let Some(last) = page.last().map(|p| p.0) else {
            break;
        };
        let m = model.clone();
        let preds: Vec<(i64, String, f64)> = tokio::task::spawn_blocking(move || {
            page.iter()
                .map(|(id, body)| {
                    let p = m.predict(body);
                    (*id, p.label.to_string(), p.confidence)
                })
                .collect()
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("prediction task: {e}")))?;
        total += preds.len();
        store::set_predictions(&state.db, kind, &preds).await?;
        after = last;
    }
    state.monitoring.wake.notify_one();
    Ok(total)
}

/// Retrains when there is no model and enough labels, or enough new people's labels.
/// Items a deployment's restoration model learns from: the newest this many said in the last
/// [`ADAPT_DAYS`] days, typed with marks, first of their near-duplicate group.
const ADAPT_TEXTS: i64 = 20_000;
/// How far back the deployment's own text is read for the restoration model.
const ADAPT_DAYS: i64 = 180;
/// Fewer accented items than this leave the built-in model as it is.
const ADAPT_MIN: usize = 5;
/// The weight of the deployment's text in the adapted model (the built-in parts share the rest).
const ADAPT_WEIGHT: f64 = 0.3;

/// Adapts the restoration model to the deployment's own accented text (`restore::Model::with_text`):
/// the street, ward and place names and the phrasing of its items, which the built-in model,
/// trained on software translations, does not know. Items typed without marks are then read
/// with it (at ingest and on the item page). Returns how many texts it learned from (0: not
/// enough, the built-in model stays).
pub async fn adapt_restorer(state: &AppState) -> AppResult<usize> {
    let since = Utc::now().timestamp() - ADAPT_DAYS * 86_400;
    let texts = store::texts_since(&state.db, since, ADAPT_TEXTS).await?;
    let texts: Vec<String> = texts
        .into_iter()
        .filter(|t| {
            !duluan_vitext::restore::lacks_marks(t) && t.chars().any(duluan_vitext::chars::has_mark)
        })
        .collect();
    if texts.len() < ADAPT_MIN {
        return Ok(0);
    }
    let n = texts.len();
    let model = tokio::task::spawn_blocking(move || {
        duluan_vitext::restore::Model::default_model()
            .with_text(texts.iter().map(String::as_str), ADAPT_WEIGHT)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("restoration model task: {e}")))?;
    *state.monitoring.restorer.write().expect("restorer lock") = Some(std::sync::Arc::new(model));
    Ok(n)
}

pub async fn retrain_if_needed(state: &AppState, kind: LabelKind) -> AppResult<Option<Trained>> {
    let examples = store::count_examples(&state.db, kind).await?;
    let active = store::active_model(&state.db, kind).await?;
    let due = match &active {
        None => examples >= MIN_EXAMPLES as i64,
        Some((row, _)) => examples.min(MAX_EXAMPLES) - row.examples >= RETRAIN_AFTER,
    };
    if !due {
        return Ok(None);
    }
    let trained = train(state, kind, None).await?;
    Ok(Some(trained))
}

// ---------------------------------------------------------------- pages

use crate::kit::scope::require_roots;

/// One item in the queue.
pub struct QueueLine {
    /// The item.
    pub item: Item,
    /// Why it is asked (the model's margin), as text.
    pub why: String,
    /// The current prediction, as text.
    pub predicted: String,
    /// Time.
    pub when: String,
}

/// The labelling page.
#[derive(Template)]
#[template(path = "monitoring/label.html")]
pub struct QueueTemplate {
    c: Chrome,
    kind: String,
    lines: Vec<QueueLine>,
    choices: Vec<(String, String)>,
    labelled: i64,
    model_text: String,
}

/// Choices of a kind: `(key, label)`.
pub async fn choices(
    state: &AppState,
    tr: Tr,
    kind: LabelKind,
) -> AppResult<Vec<(String, String)>> {
    if kind == LabelKind::Topic {
        let lang = tr.lang().code();
        Ok(crate::monitoring::ingest::topic_keys(&state.db)
            .await?
            .into_iter()
            .map(|(k, vi, en)| (k, if lang == "en" { en } else { vi }))
            .collect())
    } else {
        Ok(Direction::ALL
            .iter()
            .map(|d| (d.key().to_string(), tr.t(&d.label_key())))
            .collect())
    }
}

/// Query of the labelling page.
#[derive(Deserialize)]
pub struct KindQuery {
    #[serde(default)]
    kind: String,
}

/// The kind a page or form names: topics when it names none, a 400 when it names another.
fn kind_of(raw: &str) -> AppResult<LabelKind> {
    Ok(crate::kit::bounds::parse_choice(raw, LabelKind::parse)?.unwrap_or(LabelKind::Topic))
}

/// `GET /monitoring/label?kind=topic|direction`: the active-learning queue.
pub async fn show_queue(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<KindQuery>,
) -> AppResult<Response> {
    let roots = require_roots(&auth.user, &[Capability::ManageMonitoring])?;
    let kind = kind_of(&q.kind)?;
    let tr = auth.ctx.tr;
    let units = crate::orgs::subtree_ids(&state.db, &roots).await?;
    let pool = store::unlabelled_pool(&state.db, kind, &units, 2000).await?;
    state.monitoring.refresh_models(&state.db, false).await?;
    let model = {
        let m = state.monitoring.models.read().expect("models lock");
        if kind == LabelKind::Topic {
            m.topic.clone()
        } else {
            m.direction.clone()
        }
    };
    let chosen: Vec<(Item, Option<f64>)> = match &model {
        Some((_, m)) => {
            let m = m.clone();
            let texts: Vec<String> = pool.iter().map(|i| i.body.clone()).collect();
            let picked = tokio::task::spawn_blocking(move || {
                duluan_vitext::classify::propose(&m, &texts, 10)
            })
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("queue task: {e}")))?;
            picked
                .into_iter()
                .map(|(i, margin)| (pool[i].clone(), Some(margin)))
                .collect()
        }
        None => pool.into_iter().take(10).map(|i| (i, None)).collect(),
    };
    let choices = choices(&state, tr, kind).await?;
    let names: HashMap<String, String> = choices.iter().cloned().collect();
    let lines = chosen
        .into_iter()
        .map(|(item, margin)| {
            let (pred, conf) = if kind == LabelKind::Topic {
                (item.pred_topic.clone(), item.pred_topic_conf)
            } else {
                let pred = item.pred_direction.map(|d| d.key().to_string());
                (pred, item.pred_direction_conf)
            };
            QueueLine {
                why: margin
                    .map(|m| tr.ta("monitoring-label-margin", &[("margin", format!("{m:.2}"))]))
                    .unwrap_or_else(|| tr.t("monitoring-label-recent")),
                predicted: match (pred, conf) {
                    (Some(p), Some(c)) => tr.ta(
                        "monitoring-predicted",
                        &[
                            ("label", names.get(&p).cloned().unwrap_or(p)),
                            ("confidence", format!("{:.0}", c * 100.0)),
                        ],
                    ),
                    _ => String::new(),
                },
                when: crate::kit::time::show_unix_secs(item.occurred_at),
                item,
            }
        })
        .collect();
    let labelled = store::count_labels(&state.db, kind).await?;
    let model_text = match store::active_model(&state.db, kind).await?.map(|m| m.0) {
        Some(m) => tr.ta(
            "monitoring-model-score",
            &[
                ("f1", format!("{:.2}", m.macro_f1)),
                ("examples", m.examples.to_string()),
            ],
        ),
        None => tr.t("monitoring-no-model"),
    };
    Ok(page(QueueTemplate {
        c: auth.ctx.chrome("monitoring-label-title"),
        kind: kind.key().to_string(),
        lines,
        choices,
        labelled,
        model_text,
    }))
}

/// The label form.
#[derive(Deserialize)]
pub struct LabelForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    back: String,
}

/// `POST /monitoring/items/{id}/label`.
pub async fn label_item(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<LabelForm>,
) -> AppResult<Response> {
    let item = store::find_item(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit = item.unit_id.ok_or(AppError::NotFound)?;
    crate::accounts::require(&state.db, &auth.user, Capability::ManageMonitoring, unit).await?;
    let kind = kind_of(&form.kind)?;
    let allowed = choices(&state, auth.ctx.tr, kind).await?;
    let value = form.value.trim();
    if !allowed.iter().any(|c| c.0 == value) {
        return Err(AppError::BadRequest("monitoring-label-error"));
    }
    let mut tx = state.db.begin().await?;
    store::set_label(
        &mut tx,
        id,
        kind,
        value,
        auth.user.id,
        Utc::now().timestamp(),
    )
    .await?;
    audit::entry(&auth.ctx.actor(), "monitoring_label")
        .object("monitor_item", id)
        .unit(unit)
        .detail(json!({"kind": kind.key(), "value": value}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    state.monitoring.wake.notify_one();
    let back = match crate::kit::redirect::safe_local_path(&form.back) {
        Some(back) if back != "/" => back.to_string(),
        _ => format!("/monitoring/label?kind={}", kind.key()),
    };
    Ok(Redirect::to(&back).into_response())
}

/// A model line of the models page.
pub struct ModelLine {
    /// The model.
    pub m: store::ModelRow,
    /// Per-class scores: label, precision, recall, F1, support.
    pub classes: Vec<(String, String, String, String, i64)>,
    /// When.
    pub when: String,
    /// One sentence: when, examples, folds, scores.
    pub summary: String,
}

/// The models page.
#[derive(Template)]
#[template(path = "monitoring/models.html")]
pub struct ModelsTemplate {
    c: Chrome,
    models: Vec<ModelLine>,
    flash: Option<String>,
    can_manage: bool,
    labels: (i64, i64),
}

async fn models_page(state: &AppState, auth: &Auth, flash: Option<String>) -> AppResult<Response> {
    require_roots(&auth.user, &[Capability::ViewMonitoring])?;
    let tr = auth.ctx.tr;
    let mut names: HashMap<String, String> = choices(state, tr, LabelKind::Topic)
        .await?
        .into_iter()
        .collect();
    names.extend(choices(state, tr, LabelKind::Direction).await?);
    let models = store::list_models(&state.db, 20)
        .await?
        .into_iter()
        .map(|m| {
            let classes: Vec<serde_json::Value> =
                serde_json::from_str(&m.report).unwrap_or_default();
            ModelLine {
                classes: classes
                    .iter()
                    .map(|c| {
                        let label = c["label"].as_str().unwrap_or("").to_string();
                        (
                            names.get(&label).cloned().unwrap_or(label),
                            format!("{:.2}", c["precision"].as_f64().unwrap_or(0.0)),
                            format!("{:.2}", c["recall"].as_f64().unwrap_or(0.0)),
                            format!("{:.2}", c["f1"].as_f64().unwrap_or(0.0)),
                            c["support"].as_i64().unwrap_or(0),
                        )
                    })
                    .collect(),
                summary: tr.ta(
                    "monitoring-model-line",
                    &[
                        ("when", crate::kit::time::show_unix_secs(m.created_at)),
                        ("examples", m.examples.to_string()),
                        ("folds", m.folds.to_string()),
                        ("f1", format!("{:.2}", m.macro_f1)),
                        ("accuracy", format!("{:.0}", m.accuracy * 100.0)),
                    ],
                ),
                when: crate::kit::time::show_unix_secs(m.created_at),
                m,
            }
        })
        .collect();
    let labels = (
        store::count_labels(&state.db, LabelKind::Topic).await?,
        store::count_labels(&state.db, LabelKind::Direction).await?,
    );
    Ok(page(ModelsTemplate {
        c: auth.ctx.chrome("monitoring-models-title"),
        models,
        flash,
        can_manage: !auth
            .user
            .roots_with(Capability::ManageMonitoring)
            .is_empty(),
        labels,
    }))
}

/// `GET /monitoring/models`: the models with their cross-validated scores.
pub async fn show_models(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    models_page(&state, &auth, None).await
}

/// `POST /monitoring/models/train?kind=…`: trains now.
pub async fn train_now(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<KindQuery>,
) -> AppResult<Response> {
    let r = require_roots(&auth.user, &[Capability::ManageMonitoring])?;
    let kind = kind_of(&form.kind)?;
    let tr = auth.ctx.tr;
    let actor = auth.ctx.actor();
    let trained = train(&state, kind, Some((&actor, r[0]))).await?;
    // Training by hand also brings the restoration model up to date with the latest items.
    adapt_restorer(&state).await?;
    if let Trained::NotEnough { examples, labels } = trained {
        // Nothing was stored: the attempt alone is recorded.
        audit::entry(&actor, "monitoring_train")
            .object("monitor_model", kind.key())
            .unit(r[0])
            .detail(json!({"outcome": "not_enough", "examples": examples, "labels": labels}))
            .write_alone(&state.db)
            .await?;
    }
    let flash = match trained {
        Trained::Model {
            examples, macro_f1, ..
        } => tr.ta(
            "monitoring-trained",
            &[
                ("examples", examples.to_string()),
                ("f1", format!("{macro_f1:.2}")),
            ],
        ),
        Trained::NotEnough { examples, .. } => tr.ta(
            "monitoring-not-enough-labels",
            &[("examples", examples.to_string())],
        ),
    };
    models_page(&state, &auth, Some(flash)).await
}
