//! The overview: volume and direction over time per topic and area as server-drawn SVG, topics,
//! areas, top terms, open alerts, emerging streams and sources.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::AppResult;
use crate::monitoring::charts::{self, Day};
use crate::monitoring::model::{AlertStatus, ClusterStatus, Direction};
use crate::monitoring::store::{self, VN_OFFSET};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::search::urlencode;
use super::{area_in_scope, roots, topic_names};

/// Filters of the overview.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    days: String,
}

/// The overview page.
#[derive(Template)]
#[template(path = "monitoring/overview.html")]
pub struct OverviewTemplate {
    c: Chrome,
    q: OverviewQuery,
    topics: Vec<(String, String)>,
    areas: Vec<(String, String)>,
    volume_svg: String,
    topics_svg: String,
    areas_svg: String,
    legend: Vec<(String, &'static str)>,
    total: i64,
    terms: Vec<(String, String)>,
    alerts: Vec<crate::monitoring::alerts::AlertLine>,
    streams: Vec<crate::monitoring::streams::ClusterLine>,
    sources: i64,
    pending: i64,
    can_manage: bool,
}

/// `GET /monitoring`.
pub async fn show_overview(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<OverviewQuery>,
) -> AppResult<Response> {
    let roots = roots(&auth)?;
    let tr = auth.ctx.tr;
    let area = area_in_scope(&state, &auth, &q.area).await?;
    let days: i64 = match q.days.as_str() {
        "7" => 7,
        "90" => 90,
        "365" => 365,
        _ => 30,
    };
    let now = Utc::now().timestamp();
    let today = (now + VN_OFFSET) / 86_400;
    let from = (today - days + 1) * 86_400 - VN_OFFSET;
    let units =
        crate::orgs::subtree_ids(&state.db, &area.map_or(roots.clone(), |a| vec![a])).await?;
    let topics = topic_names(&state, tr).await?;
    let topic = topics.iter().find(|t| t.0 == q.topic).map(|t| t.0.clone());
    let rows = store::daily_volume(&state.db, &units, topic.as_deref(), from, now + 1).await?;
    let mut by_day: HashMap<i64, [i64; 4]> = HashMap::new();
    let mut total = 0;
    for (day, dir, n) in rows {
        let layer = match dir {
            Some(Direction::Negative) => 0,
            Some(Direction::Neutral) => 1,
            Some(Direction::Positive) => 2,
            None => 3,
        };
        by_day.entry(day).or_default()[layer] += n;
        total += n;
    }
    let series: Vec<Day> = (today - days + 1..=today)
        .map(|d| Day {
            label: chrono::DateTime::from_timestamp(d * 86_400, 0)
                .map(|t| t.format("%d/%m").to_string())
                .unwrap_or_default(),
            counts: by_day.get(&d).copied().unwrap_or_default(),
        })
        .collect();
    let layer_names = [
        tr.t(&Direction::Negative.label_key()),
        tr.t(&Direction::Neutral.label_key()),
        tr.t(&Direction::Positive.label_key()),
        tr.t("monitoring-direction-unknown"),
    ];
    let volume_svg = charts::daily_volume(&series, &layer_names, &tr.t("monitoring-chart-volume"));
    let legend = layer_names
        .iter()
        .cloned()
        .zip(charts::LAYER_COLOURS)
        .collect();
    let (by_topic, by_area) = store::breakdowns(&state.db, &units, from, now + 1).await?;
    let names: HashMap<String, String> = topics.iter().cloned().collect();
    let topic_rows: Vec<(String, i64)> = by_topic
        .into_iter()
        .map(|(t, n)| {
            (
                t.and_then(|t| names.get(&t).cloned())
                    .unwrap_or_else(|| tr.t("monitoring-topic-unknown")),
                n,
            )
        })
        .collect();
    let unit_names: HashMap<i64, String> =
        crate::orgs::unit_names(&state.db, &by_area.iter().map(|a| a.0).collect::<Vec<_>>())
            .await?
            .into_iter()
            .collect();
    let area_rows: Vec<(String, i64)> = by_area
        .into_iter()
        .map(|(u, n)| {
            (
                unit_names
                    .get(&u)
                    .cloned()
                    .unwrap_or_else(|| format!("#{u}")),
                n,
            )
        })
        .collect();
    let topics_svg = charts::bars(&topic_rows, &tr.t("monitoring-chart-topics"));
    let areas_svg = charts::bars(&area_rows, &tr.t("monitoring-chart-areas"));
    // Top terms of the latest items of the selection.
    let recent = store::list_items(&state.db, &units, topic.as_deref(), from, now + 1, 600).await?;
    let text: String = recent
        .iter()
        .map(|i| i.body.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let terms = tokio::task::spawn_blocking(move || {
        duluan_vitext::keyphrases::keyphrases(&text, 15)
            .into_iter()
            .map(|k| {
                let link = format!(
                    "/monitoring/search?q={}",
                    urlencode(&format!("\"{}\"", k.phrase))
                );
                (k.phrase, link)
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let all_units = crate::orgs::subtree_ids(&state.db, &roots).await?;
    let open = store::list_alerts(&state.db, &units, Some(AlertStatus::Open), 5).await?;
    let alerts = crate::monitoring::alerts::lines_for(&state, &auth, open).await?;
    let streams = crate::monitoring::streams::lines_for(
        &state,
        store::list_clusters(&state.db, ClusterStatus::Candidate, &all_units, 5).await?,
    )
    .await?;
    let sources = store::list_sources(&state.db)
        .await?
        .iter()
        .filter(|(s, _)| all_units.binary_search(&s.unit_id).is_ok())
        .count() as i64;
    let pending = crate::monitoring::index_backlog(&state.db, &state.monitoring).await?;
    let areas = crate::orgs::units_near(&state.db, &roots, 1)
        .await?
        .into_iter()
        .map(|u| (format!("#{}", u.id), u.name))
        .collect();
    Ok(page(OverviewTemplate {
        c: auth.ctx.chrome("monitoring-title"),
        q,
        topics,
        areas,
        volume_svg,
        topics_svg,
        areas_svg,
        legend,
        total,
        terms,
        alerts,
        streams,
        sources,
        pending,
        can_manage: !auth
            .user
            .roots_with(Capability::ManageMonitoring)
            .is_empty(),
    }))
}
