//! Search: diacritic-insensitive, phrases, filters, highlighted snippets, scoped to the user's
//! subtree.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::app::AppState;
use crate::db::Db;
use crate::error::AppResult;
use crate::monitoring::model::{Direction, Quality};
use crate::monitoring::store::{self, Item, VN_OFFSET};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

use super::{area_in_scope, roots, topic_names};

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
    /// How many near-duplicate copies of it arrived.
    pub copies: i64,
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

pub(super) fn urlencode(s: &str) -> String {
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
            item.label_direction.map(Direction::key),
            item.src_direction.map(Direction::key),
            item.pred_direction
                .map(Direction::key)
                .zip(item.pred_direction_conf),
        ),
    )
}

pub(super) fn direction_names(tr: Tr) -> Vec<(String, String)> {
    Direction::ALL
        .iter()
        .map(|d| (d.key().to_string(), tr.t(&d.label_key())))
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
    // An unknown order is a clear 400, not relevance by default.
    let sort = crate::kit::bounds::parse_choice(&q.sort, |k| match k {
        "newest" => Some(duluan_search::Sort::Newest),
        "relevance" => Some(duluan_search::Sort::Relevance),
        _ => None,
    })?
    .unwrap_or(duluan_search::Sort::Relevance);
    let direction = crate::kit::bounds::parse_choice(&q.direction, Direction::parse)?;
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
                directions: direction.map(|d| d.key().to_string()).into_iter().collect(),
                scope: Some(roots.clone()),
                area,
                from,
                to,
                sort,
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
                    let ids: Vec<i64> = items.keys().copied().collect();
                    let copies: HashMap<i64, i64> = store::copy_counts(&state.db, &ids)
                        .await?
                        .into_iter()
                        .collect();
                    for h in found.hits {
                        let Some(item) = items.get(&h.id).cloned() else {
                            continue;
                        };
                        let (topic, direction) = item_labels(&item, &tnames, &dnames);
                        hits.push(HitLine {
                            copies: copies.get(&item.id).copied().unwrap_or(0),
                            dir_key: item.direction().map_or("", Direction::key).to_string(),
                            snippet: h.snippet_html,
                            area: item
                                .unit_id
                                .and_then(|u| units.get(&u).cloned())
                                .unwrap_or_default(),
                            when: crate::kit::time::show_unix_secs(item.occurred_at),
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
    let pending = crate::monitoring::index_backlog(&state.db, &state.monitoring).await?;
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
