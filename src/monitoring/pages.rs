//! Monitoring's main pages: the overview (volume and direction over time per topic and area as
//! server-drawn SVG, topics, areas, top terms, open alerts, emerging streams, sources), search
//! (diacritic-insensitive, phrases, filters, highlighted snippets, scoped to the user's subtree),
//! and one item with its labels and the models' predictions (marked as machine-made). Also the
//! demo's monitoring data.

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

// ---------------------------------------------------------------- demo

/// Sentences of the demo, per topic: `(topic, direction, text)`; `{x}` is a place.
const DEMO_TEXTS: &[(&str, &str, &str)] = &[
    (
        "environment",
        "negative",
        "Mưa lớn kéo dài khiến nhiều tuyến đường ở {x} ngập úng sâu, người dân đi lại khó khăn.",
    ),
    (
        "environment",
        "negative",
        "Người dân {x} phản ánh cống thoát nước bị tắc, nước ngập vào nhà sau mỗi trận mưa.",
    ),
    (
        "environment",
        "negative",
        "Triều cường dâng cao gây ngập úng cục bộ tại {x}, nhiều hộ dân phải kê cao đồ đạc.",
    ),
    (
        "environment",
        "neutral",
        "Chính quyền {x} đang nạo vét kênh rạch để chống ngập trong mùa mưa.",
    ),
    (
        "riverbank_erosion",
        "negative",
        "Bờ sông đoạn qua {x} tiếp tục sạt lở, nhiều hộ dân lo lắng cho an toàn nhà cửa.",
    ),
    (
        "riverbank_erosion",
        "negative",
        "Người dân {x} đề nghị sớm xây kè chống sạt lở bờ sông trước mùa nước nổi.",
    ),
    (
        "economy_prices",
        "negative",
        "Giá điện, giá xăng tăng làm chi phí sinh hoạt của người dân {x} tăng theo.",
    ),
    (
        "economy_prices",
        "negative",
        "Tiểu thương chợ {x} than giá thịt heo, rau củ tăng mạnh, sức mua giảm.",
    ),
    (
        "economy_prices",
        "neutral",
        "Giá lúa vụ thu đông ổn định, nông dân {x} phấn khởi vì được mùa.",
    ),
    (
        "land",
        "negative",
        "Một số hộ dân {x} chưa đồng tình với mức giá bồi thường giải phóng mặt bằng.",
    ),
    (
        "land",
        "neutral",
        "Người dân {x} mong dự án mở rộng đường được triển khai đúng tiến độ, công khai minh bạch.",
    ),
    (
        "traffic_order",
        "negative",
        "Xe tải chạy quá tốc độ trên tuyến đường qua {x} gây mất an toàn giao thông.",
    ),
    (
        "traffic_order",
        "positive",
        "Người dân {x} đồng tình với việc lắp đèn tín hiệu giao thông tại giao lộ đông xe.",
    ),
    (
        "health",
        "negative",
        "Số ca sốt xuất huyết tại {x} tăng, người dân lo ngại dịch bệnh lây lan.",
    ),
    (
        "health",
        "positive",
        "Người dân {x} hài lòng khi trạm y tế được nâng cấp và khám chữa bệnh bảo hiểm thuận tiện hơn.",
    ),
    (
        "crime_fraud",
        "negative",
        "Nhiều người ở {x} nhận cuộc gọi giả danh công an yêu cầu chuyển tiền, lừa đảo qua mạng.",
    ),
    (
        "crime_fraud",
        "negative",
        "Người dân {x} bức xúc vì tình trạng tín dụng đen, cho vay nặng lãi qua ứng dụng.",
    ),
    (
        "education",
        "positive",
        "Phụ huynh {x} phấn khởi vì trường học mới được xây dựng khang trang trước năm học.",
    ),
    (
        "education",
        "neutral",
        "Phụ huynh {x} quan tâm đến việc thu các khoản đóng góp đầu năm học.",
    ),
    (
        "social_security",
        "positive",
        "Người dân {x} đánh giá cao việc hỗ trợ kịp thời các hộ nghèo, hộ cận nghèo.",
    ),
    (
        "jobs_incomes",
        "negative",
        "Lao động ở {x} lo lắng vì nhiều doanh nghiệp giảm đơn hàng, cắt giảm giờ làm.",
    ),
    (
        "online_information",
        "negative",
        "Trên mạng xã hội lan truyền thông tin sai sự thật về việc thu hồi đất ở {x}, gây hoang mang.",
    ),
    (
        "culture_festivals",
        "positive",
        "Lễ hội văn hóa tại {x} thu hút đông đảo người dân, không khí vui tươi, an toàn.",
    ),
];

/// A tiny deterministic generator for the demo.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The demo's monitoring data (see `monitoring::load_demo`).
pub async fn demo_items(db: &Db) -> anyhow::Result<()> {
    use unicode_normalization::UnicodeNormalization;
    let Some(city) = crate::orgs::resolve_unit_ref(db, "92").await? else {
        return Ok(());
    };
    let codes = crate::orgs::map_codes(db).await?;
    let wards: Vec<(String, i64)> = [
        "31135", "31120", "31147", "31150", "31174", "31168", "31186", "31201", "31153", "31212",
        "31299",
    ]
    .iter()
    .filter_map(|c| codes.get(*c).map(|id| (c.to_string(), *id)))
    .collect();
    if wards.is_empty() {
        return Ok(());
    }
    let names: HashMap<i64, String> =
        crate::orgs::unit_names(db, &wards.iter().map(|w| w.1).collect::<Vec<_>>())
            .await?
            .into_iter()
            .collect();
    let now = Utc::now().timestamp();
    let api = store::insert_source(
        db,
        &store::NewSource {
            kind: "api",
            name: "Hệ thống tiếp nhận phản ánh, kiến nghị (1022)",
            unit_id: city,
            token_hash: Some(&crate::monitoring::model::new_token().1),
            token_hint: "…demo",
            poll_minutes: 0,
            ..Default::default()
        },
        now,
    )
    .await?;
    let press = store::insert_source(
        db,
        &store::NewSource {
            kind: "file",
            name: "Điểm tin báo chí (tệp)",
            unit_id: city,
            ..Default::default()
        },
        now,
    )
    .await?;
    let mut rng = Lcg(20_261_128);
    let mut api_items = vec![];
    let mut press_items = vec![];
    // A month of ordinary items.
    for k in 0..700u64 {
        let (topic, direction, text) = DEMO_TEXTS[rng.below(DEMO_TEXTS.len() as u64) as usize];
        let (_, unit) = &wards[rng.below(wards.len() as u64) as usize];
        let place = names.get(unit).cloned().unwrap_or_default();
        let mut body = text.replace("{x}", &place);
        match k % 10 {
            3 => body = duluan_vitext::chars::fold(&body), // typed without diacritics
            6 => body = body.nfd().collect(),              // NFD from another system
            _ => {}
        }
        let time = now - 30 * 86_400 + rng.below(30 * 86_400 - 7200) as i64;
        let known = rng.below(10) < 7;
        let item = store::NewItem {
            external_id: format!("demo-{k}"),
            unit_id: *unit,
            occurred_at: time,
            lang: "vi".into(),
            body: crate::monitoring::model::prepare("", &body)
                .map(|p| p.body)
                .unwrap_or(body.clone()),
            quality: crate::monitoring::model::prepare("", &body)
                .map(|p| p.quality.key())
                .unwrap_or("good"),
            src_topic: known.then(|| topic.to_string()),
            src_direction: known.then(|| direction.to_string()),
            ..Default::default()
        };
        if k % 4 == 0 {
            press_items.push(item);
        } else {
            api_items.push(item);
        }
    }
    // A letter from an old office computer, typed in the TCVN3 font.
    let legacy =
        "Ng\u{AD}êi d©n ph\u{AD}êng Ninh KiÒu lo l¾ng vÒ ngËp óng kÐo dµi sau m\u{AD}a lín.";
    if let Ok(p) = crate::monitoring::model::prepare("", legacy) {
        press_items.push(store::NewItem {
            external_id: "demo-tcvn3".into(),
            unit_id: wards[0].1,
            occurred_at: now - 3 * 86_400,
            lang: "vi".into(),
            body: p.body,
            quality: p.quality.key(),
            legacy_encoding: p.legacy.unwrap_or_default().to_string(),
            src_topic: Some("environment".into()),
            src_direction: Some("negative".into()),
            ..Default::default()
        });
    }
    // The surge: flooding in the first ward over the last hour, after a week of a few items a day.
    let (_, surge_unit) = wards[0];
    let place = names.get(&surge_unit).cloned().unwrap_or_default();
    let hour_start = now - now.rem_euclid(3600);
    for d in 1..=8i64 {
        for j in 0..2i64 {
            api_items.push(store::NewItem {
                external_id: format!("demo-base-{d}-{j}"),
                unit_id: surge_unit,
                occurred_at: hour_start - d * 86_400 + 600 + j * 900,
                lang: "vi".into(),
                body: format!("Người dân {place} hỏi về lịch thu gom rác và vệ sinh kênh rạch."),
                quality: "good",
                src_topic: Some("environment".into()),
                src_direction: Some("neutral".into()),
                ..Default::default()
            });
        }
    }
    let surge = [
        "Nước ngập sâu hơn nửa mét trên đường 30 Tháng 4 ở {x}, xe máy chết máy hàng loạt.",
        "Người dân {x} bức xúc vì ngập úng nghiêm trọng, nước tràn vào nhà sau trận mưa lớn.",
        "Ngập úng kéo dài ở {x}, nhiều hẻm nước ngập đến đầu gối, trẻ em không thể đến trường.",
        "Cống thoát nước ở {x} bị tắc nghẽn, ngập úng chưa rút, người dân đề nghị xử lý khẩn.",
        "Mưa lớn kết hợp triều cường làm {x} ngập úng diện rộng, hàng quán phải đóng cửa.",
    ];
    let minute = (now - hour_start).max(60);
    for j in 0..36i64 {
        let text = surge[(j % surge.len() as i64) as usize].replace("{x}", &place);
        let body = if j % 3 == 1 {
            duluan_vitext::chars::fold(&text)
        } else {
            text
        };
        api_items.push(store::NewItem {
            external_id: format!("demo-surge-{j}"),
            unit_id: surge_unit,
            occurred_at: hour_start + (j * minute / 36).min(minute - 1),
            lang: "vi".into(),
            quality: crate::monitoring::model::prepare("", &body)
                .map(|p| p.quality.key())
                .unwrap_or("good"),
            body,
            src_topic: (j % 2 == 0).then(|| "environment".to_string()),
            src_direction: (j % 2 == 0).then(|| "negative".to_string()),
            ..Default::default()
        });
    }
    // A scanned letter, read by OCR when Tesseract with Vietnamese is installed.
    if duluan_extract::ocr::available().is_some_and(|i| i.vietnamese) {
        let scan: &[u8] = include_bytes!("../../data/demo/scan-ninh-kieu.png");
        let options = duluan_extract::Options::default();
        let read = tokio::task::spawn_blocking(move || {
            duluan_extract::extract("thu-phan-anh.png", scan, &options)
        })
        .await?;
        match read {
            Ok(x) => {
                for it in x.items {
                    press_items.push(store::NewItem {
                        external_id: "demo-scan".into(),
                        unit_id: wards[0].1,
                        occurred_at: now - 2 * 86_400,
                        lang: "vi".into(),
                        title: "Thư phản ánh (bản quét)".into(),
                        quality: it.quality.name(),
                        body: it.text,
                        via_ocr: true,
                        ..Default::default()
                    });
                }
            }
            Err(errors) => tracing::warn!(?errors, "demo: the scanned letter could not be read"),
        }
    }
    store::insert_items(db, api, None, &api_items, now).await?;
    store::insert_items(db, press, None, &press_items, now).await?;
    Ok(())
}
