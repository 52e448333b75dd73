//! The thresholds page: each topic's spike threshold (`*` for the rest), set or removed, and the
//! resemblance from which arriving texts are grouped as one post (near-duplicates).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::kit::scope::require_roots;
use crate::monitoring::model;
use crate::monitoring::store;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::topic_name;

/// The thresholds page.
#[derive(Template)]
#[template(path = "monitoring/thresholds.html")]
pub struct ThresholdsTemplate {
    c: Chrome,
    rows: Vec<(String, String, i64, f64)>,
    topics: Vec<(String, String)>,
    errors: Vec<String>,
    flash: Option<String>,
    can_manage: bool,
    /// The near-duplicate resemblance, in percent (0: grouping off).
    dedup_percent: u32,
}

async fn thresholds_page(
    state: &AppState,
    auth: &Auth,
    errors: Vec<String>,
    flash: Option<String>,
) -> AppResult<Response> {
    require_roots(&auth.user, &[Capability::ViewMonitoring])?;
    let tr = auth.ctx.tr;
    let topics_all = crate::monitoring::ingest::topic_keys(&state.db).await?;
    let rows = store::list_thresholds(&state.db)
        .await?
        .into_iter()
        .map(|r| {
            let name = if r.topic == "*" {
                tr.t("monitoring-threshold-default")
            } else {
                topic_name(tr, &topics_all, Some(&r.topic))
            };
            (r.topic, name, r.min_volume, r.z)
        })
        .collect();
    let topics = topics_all
        .iter()
        .map(|t| (t.0.clone(), topic_name(tr, &topics_all, Some(&t.0))))
        .collect();
    // Thresholds are deployment-wide: platform-wide users only (issue 13, class 2).
    let can_manage = auth.user.platform_with(Capability::ManageMonitoring);
    let mut r = page(ThresholdsTemplate {
        c: auth.ctx.chrome("monitoring-thresholds-title"),
        rows,
        topics,
        errors: errors.clone(),
        flash,
        can_manage,
        dedup_percent: (store::dedup_resemblance(&state.db).await? * 100.0).round() as u32,
    });
    if !errors.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// `GET /monitoring/thresholds`.
pub async fn show_thresholds(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    thresholds_page(&state, &auth, vec![], None).await
}

/// The threshold form.
#[derive(Deserialize)]
pub struct ThresholdForm {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    min_volume: String,
    #[serde(default)]
    z: String,
    #[serde(default)]
    remove: String,
}

/// `POST /monitoring/thresholds`: sets (or removes) a topic's threshold; the centre only.
pub async fn save_threshold(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<ThresholdForm>,
) -> AppResult<Response> {
    let top = require_roots(&auth.user, &[Capability::ManageMonitoring])?;
    if !auth.user.platform_with(Capability::ManageMonitoring) {
        return Err(AppError::Forbidden);
    }
    let tr = auth.ctx.tr;
    let topic = form.topic.trim();
    let topics = crate::monitoring::ingest::topic_keys(&state.db).await?;
    if topic != "*" && !topics.iter().any(|t| t.0 == topic) {
        return thresholds_page(&state, &auth, vec![tr.t("monitoring-error-topic")], None).await;
    }
    let mut tx = state.db.begin().await?;
    if form.remove == "yes" {
        store::delete_threshold(&mut tx, topic).await?;
    } else {
        match model::parse_threshold(&form.min_volume, &form.z) {
            Ok(th) => {
                store::upsert_threshold(
                    &mut tx,
                    topic,
                    th.min_volume,
                    th.z,
                    auth.user.id,
                    Utc::now().timestamp(),
                )
                .await?
            }
            Err((_, key)) => return thresholds_page(&state, &auth, vec![tr.t(key)], None).await,
        }
    }
    audit::entry(&auth.ctx.actor(), "monitoring_threshold")
        .object("monitor_threshold", topic)
        .unit(top[0])
        .detail(json!({"min_volume": form.min_volume, "z": form.z, "remove": form.remove == "yes"}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    thresholds_page(
        &state,
        &auth,
        vec![],
        Some(tr.t("monitoring-threshold-saved")),
    )
    .await
}

/// The near-duplicate form.
#[derive(Deserialize)]
pub struct DedupForm {
    #[serde(default)]
    percent: String,
}

/// `POST /monitoring/thresholds/dedup`: the resemblance (percent, 0 to 100; 0 turns grouping off)
/// from which two texts arriving are taken for the same post; the centre only. Items already
/// stored keep their groups.
pub async fn save_dedup(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<DedupForm>,
) -> AppResult<Response> {
    let top = require_roots(&auth.user, &[Capability::ManageMonitoring])?;
    if !auth.user.platform_with(Capability::ManageMonitoring) {
        return Err(AppError::Forbidden);
    }
    let tr = auth.ctx.tr;
    let Some(percent) = form
        .percent
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|p| *p <= 100)
    else {
        return thresholds_page(&state, &auth, vec![tr.t("monitoring-dedup-error")], None).await;
    };
    let mut tx = state.db.begin().await?;
    store::set_dedup_resemblance(
        &mut tx,
        percent as f64 / 100.0,
        auth.user.id,
        Utc::now().timestamp(),
    )
    .await?;
    audit::entry(&auth.ctx.actor(), "monitoring_dedup")
        .object("monitor_settings", 1)
        .unit(top[0])
        .detail(json!({"percent": percent}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    thresholds_page(&state, &auth, vec![], Some(tr.t("monitoring-dedup-saved"))).await
}
