//! Monitoring's main pages: the overview (volume and direction over time per topic and area as
//! server-drawn SVG, topics, areas, top terms, open alerts, emerging streams, sources), search
//! (diacritic-insensitive, phrases, filters, highlighted snippets, scoped to the user's subtree),
//! and one item with its labels and the models' predictions (marked as machine-made).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::monitoring::charts::{self, Day};
use crate::monitoring::ingest::format_time;
use crate::monitoring::model::DIRECTIONS;
use crate::monitoring::store::{self, Item, VN_OFFSET};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

fn roots(auth: &Auth) -> AppResult<Vec<i64>> {
    crate::monitoring::roots(auth, Capability::ViewMonitoring)
}

/// Topic names in the user's language.
async fn topic_names(state: &AppState, tr: Tr) -> AppResult<Vec<(String, String)>> {
    crate::monitoring::learn::choices(state, tr, "topic").await
}

/// Resolves an area typed or chosen (`id`, `#id` or a code) inside the user's roots.
async fn area_in_scope(state: &AppState, auth: &Auth, raw: &str) -> AppResult<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    // `#id` (the pages' selects) or a code.
    let id = crate::orgs::resolve_unit_ref(&state.db, raw).await?;
    match id {
        Some(id)
            if crate::accounts::can(&state.db, &auth.user, Capability::ViewMonitoring, id)
                .await? =>
        {
            Ok(Some(id))
        }
        _ => Err(AppError::BadRequest("monitoring-error-area")),
    }
}

// ---------------------------------------------------------------- overview

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
        let layer = match dir.as_deref() {
            Some("negative") => 0,
            Some("neutral") => 1,
            Some("positive") => 2,
            _ => 3,
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
        tr.t("monitoring-direction-negative"),
        tr.t("monitoring-direction-neutral"),
        tr.t("monitoring-direction-positive"),
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
    let open = store::list_alerts(&state.db, &units, "open", 5).await?;
    let alerts = crate::monitoring::alerts::lines_for(&state, &auth, open).await?;
    let streams = crate::monitoring::streams::lines_for(
        &state,
        store::list_clusters(&state.db, "candidate", &all_units, 5).await?,
    )
    .await?;
    let sources = store::list_sources(&state.db)
        .await?
        .iter()
        .filter(|(s, _)| all_units.binary_search(&s.unit_id).is_ok())
        .count() as i64;
    let pending = store::count_items(&state.db).await?.1;
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

// ---------------------------------------------------------------- search

/// Search parameters.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: String,
}

/// A search hit as shown.
pub struct HitLine {
    /// The item.
    pub item: Item,
    /// Highlighted snippet (HTML escaped by the index, highlights in `<mark>`).
    pub snippet: String,
    /// Area name.
    pub area: String,
    /// Time.
    pub when: String,
    /// Topic: name and whether a model chose it (with its confidence).
    pub topic: Option<(String, Option<String>)>,
    /// Direction: name and machine confidence.
    pub direction: Option<(String, Option<String>)>,
    /// Effective direction key (for its colour).
    pub dir_key: String,
}

/// The search page.
#[derive(Template)]
#[template(path = "monitoring/search.html")]
pub struct SearchTemplate {
    c: Chrome,
    q: SearchQuery,
    hits: Vec<HitLine>,
    total: usize,
    searched: bool,
    error: Option<String>,
    sources: Vec<(i64, String)>,
    topics: Vec<(String, String)>,
    directions: Vec<(String, String)>,
    page: usize,
    pages: usize,
    prev_link: String,
    next_link: String,
    pending: i64,
}

const PER_PAGE: usize = 20;

fn day_start(raw: &str) -> Option<i64> {
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp() - VN_OFFSET)
}

fn link_with_page(q: &SearchQuery, page: usize) -> String {
    let pairs = [
        ("q", q.q.as_str()),
        ("source", &q.source),
        ("topic", &q.topic),
        ("direction", &q.direction),
        ("area", &q.area),
        ("from", &q.from),
        ("to", &q.to),
        ("sort", &q.sort),
    ];
    let mut s = String::from("/monitoring/search?");
    for (k, v) in pairs {
        if !v.is_empty() {
            s.push_str(&format!("{k}={}&", urlencode(v)));
        }
    }
    s.push_str(&format!("page={page}"));
    s
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(*b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// How a label is shown: its name and, when a model chose it, the confidence.
fn labelled(
    names: &HashMap<String, String>,
    label: Option<&str>,
    source: Option<&str>,
    pred: Option<(&str, f64)>,
) -> Option<(String, Option<String>)> {
    let name = |k: &str| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    if let Some(v) = label.or(source) {
        return Some((name(v), None));
    }
    pred.filter(|p| p.1 >= crate::monitoring::model::MIN_CONFIDENCE)
        .map(|(v, c)| (name(v), Some(format!("{:.0}", c * 100.0))))
}

/// A label for display: its name and, when a model chose it, the confidence.
pub type Shown = Option<(String, Option<String>)>;

/// Topic and direction of an item for display.
pub fn item_labels(
    item: &Item,
    topics: &HashMap<String, String>,
    directions: &HashMap<String, String>,
) -> (Shown, Shown) {
    (
        labelled(
            topics,
            item.label_topic.as_deref(),
            item.src_topic.as_deref(),
            item.pred_topic.as_deref().zip(item.pred_topic_conf),
        ),
        labelled(
            directions,
            item.label_direction.as_deref(),
            item.src_direction.as_deref(),
            item.pred_direction.as_deref().zip(item.pred_direction_conf),
        ),
    )
}

fn direction_names(tr: Tr) -> Vec<(String, String)> {
    DIRECTIONS
        .iter()
        .map(|d| (d.to_string(), tr.t(&format!("monitoring-direction-{d}"))))
        .collect()
}

/// Which units of `items` lie, in the current tree, inside the search's area (when one is
/// chosen: it lies inside the user's roots) or else inside the user's roots.
async fn visible_units(
    db: &Db,
    roots: &[i64],
    area: Option<i64>,
    items: &HashMap<i64, Item>,
) -> AppResult<std::collections::HashSet<i64>> {
    let mut units: Vec<i64> = items.values().filter_map(|i| i.unit_id).collect();
    units.sort_unstable();
    units.dedup();
    let within = match area {
        Some(a) => vec![a],
        None => roots.to_vec(),
    };
    Ok(crate::orgs::filter_within(db, &within, &units)
        .await?
        .into_iter()
        .collect())
}

/// `GET /monitoring/search`.
pub async fn show_search(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    let roots = roots(&auth)?;
    let tr = auth.ctx.tr;
    let topics = topic_names(&state, tr).await?;
    let directions = direction_names(tr);
    let subtree = crate::orgs::subtree_ids(&state.db, &roots).await?;
    let sources: Vec<(i64, String)> = store::list_sources(&state.db)
        .await?
        .into_iter()
        .filter(|(s, _)| subtree.binary_search(&s.unit_id).is_ok())
        .map(|(s, _)| (s.id, s.name))
        .collect();
    let page_no = crate::kit::bounds::PageNo::parse(&q.page)?.get() as usize;
    let searched = !q.q.trim().is_empty()
        || !q.source.is_empty()
        || !q.topic.is_empty()
        || !q.direction.is_empty()
        || !q.area.is_empty()
        || !q.from.is_empty()
        || !q.to.is_empty();
    let mut error = None;
    let mut hits = vec![];
    let mut total = 0;
    if searched {
        let area = match area_in_scope(&state, &auth, &q.area).await {
            Ok(a) => a,
            Err(_) => {
                error = Some(tr.t("monitoring-error-area"));
                None
            }
        };
        let from = if q.from.trim().is_empty() {
            None
        } else {
            let v = day_start(&q.from);
            if v.is_none() {
                error = Some(tr.t("monitoring-error-date"));
            }
            v
        };
        let to = if q.to.trim().is_empty() {
            None
        } else {
            let v = day_start(&q.to).map(|t| t + 86_400);
            if v.is_none() {
                error = Some(tr.t("monitoring-error-date"));
            }
            v
        };
        if error.is_none() {
            let query = duluan_search::Query {
                text: q.q.chars().take(500).collect(),
                sources: if q.source.is_empty() {
                    vec![]
                } else {
                    vec![q.source.clone()]
                },
                topics: if q.topic.is_empty() {
                    vec![]
                } else {
                    vec![q.topic.clone()]
                },
                directions: if q.direction.is_empty() {
                    vec![]
                } else {
                    vec![q.direction.clone()]
                },
                scope: Some(roots.clone()),
                area,
                from,
                to,
                sort: if q.sort == "newest" {
                    duluan_search::Sort::Newest
                } else {
                    duluan_search::Sort::Relevance
                },
                offset: (page_no - 1) * PER_PAGE,
                limit: PER_PAGE,
            };
            match crate::monitoring::index::search(&state.monitoring, query).await {
                Err(e) => {
                    tracing::error!(error = %e, "monitoring: search failed");
                    error = Some(tr.t("monitoring-search-unavailable"));
                }
                Ok(found) => {
                    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
                    let mut items: HashMap<i64, Item> = store::items_by_ids(&state.db, &ids)
                        .await?
                        .into_iter()
                        .map(|i| (i.id, i))
                        .collect();
                    // The index keeps each item's ancestry as it was when indexed; a unit moved
                    // since then is re-indexed within seconds (`monitoring::units_moved`), but
                    // meanwhile its items could match the old parent's scope. Every hit is
                    // checked against the current tree (one query per page) before it is
                    // shown or counted.
                    let visible = visible_units(&state.db, &roots, area, &items).await?;
                    items.retain(|_, i| i.unit_id.is_some_and(|u| visible.contains(&u)));
                    let hidden = found.hits.len()
                        - found
                            .hits
                            .iter()
                            .filter(|h| items.contains_key(&h.id))
                            .count();
                    total = found.total.saturating_sub(hidden);
                    let unit_ids: Vec<i64> = items.values().filter_map(|i| i.unit_id).collect();
                    let units: HashMap<i64, String> = crate::orgs::unit_names(&state.db, &unit_ids)
                        .await?
                        .into_iter()
                        .collect();
                    let tnames: HashMap<String, String> = topics.iter().cloned().collect();
                    let dnames: HashMap<String, String> = directions.iter().cloned().collect();
                    for h in found.hits {
                        let Some(item) = items.get(&h.id).cloned() else {
                            continue;
                        };
                        let (topic, direction) = item_labels(&item, &tnames, &dnames);
                        hits.push(HitLine {
                            dir_key: item.direction().unwrap_or("").to_string(),
                            snippet: h.snippet_html,
                            area: item
                                .unit_id
                                .and_then(|u| units.get(&u).cloned())
                                .unwrap_or_default(),
                            when: format_time(item.occurred_at),
                            topic,
                            direction,
                            item,
                        });
                    }
                }
            }
        }
    }
    let pages = total.div_ceil(PER_PAGE).max(1);
    let pending = store::count_items(&state.db).await?.1;
    Ok(page(SearchTemplate {
        c: auth.ctx.chrome("monitoring-search-title"),
        prev_link: link_with_page(&q, page_no.saturating_sub(1).max(1)),
        next_link: link_with_page(&q, page_no + 1),
        q,
        hits,
        total,
        searched,
        error,
        sources,
        topics,
        directions,
        page: page_no,
        pages,
        pending,
    }))
}

// ---------------------------------------------------------------- one item

/// The item page.
#[derive(Template)]
#[template(path = "monitoring/item.html")]
pub struct ItemTemplate {
    c: Chrome,
    item: Item,
    area: String,
    when: String,
    ingested: String,
    topic: Option<(String, Option<String>)>,
    direction: Option<(String, Option<String>)>,
    predicted_topic: Option<(String, String)>,
    predicted_direction: Option<(String, String)>,
    can_label: bool,
    topics: Vec<(String, String)>,
    directions: Vec<(String, String)>,
    kind_label: String,
    quality_label: String,
}

/// `GET /monitoring/items/{id}`.
pub async fn show_item(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    roots(&auth)?;
    let tr = auth.ctx.tr;
    let item = store::find_item(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit = item.unit_id.ok_or(AppError::NotFound)?;
    if !crate::accounts::can(&state.db, &auth.user, Capability::ViewMonitoring, unit).await? {
        return Err(AppError::NotFound);
    }
    let topics = topic_names(&state, tr).await?;
    let directions = direction_names(tr);
    let tnames: HashMap<String, String> = topics.iter().cloned().collect();
    let dnames: HashMap<String, String> = directions.iter().cloned().collect();
    let (topic, direction) = item_labels(&item, &tnames, &dnames);
    let pct = |c: f64| format!("{:.0}", c * 100.0);
    let predicted_topic = item
        .pred_topic
        .as_ref()
        .zip(item.pred_topic_conf)
        .map(|(t, c)| (tnames.get(t).cloned().unwrap_or_else(|| t.clone()), pct(c)));
    let predicted_direction = item
        .pred_direction
        .as_ref()
        .zip(item.pred_direction_conf)
        .map(|(t, c)| (dnames.get(t).cloned().unwrap_or_else(|| t.clone()), pct(c)));
    let area = crate::orgs::unit_names(&state.db, &[unit])
        .await?
        .into_iter()
        .next()
        .map(|u| u.1)
        .unwrap_or_default();
    let can_label =
        crate::accounts::can(&state.db, &auth.user, Capability::ManageMonitoring, unit).await?;
    Ok(page(ItemTemplate {
        c: auth.ctx.chrome("monitoring-item-title"),
        kind_label: tr.t(&format!("monitoring-kind-{}", item.source_kind)),
        quality_label: tr.t(&format!("monitoring-quality-{}", item.quality)),
        when: format_time(item.occurred_at),
        ingested: format_time(item.ingested_at),
        item,
        area,
        topic,
        direction,
        predicted_topic,
        predicted_direction,
        can_label,
        topics,
        directions,
    }))
}
