//! The synthesis workspace: a month's streams grouped by topic, merged into city streams whose
//! breadth counts the reporting units, unmerged, and edited.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::accounts::require;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::kit::bounds;
use crate::reporting::model::{Direction, Period, Scope, clean, parse_month};
use crate::reporting::pages::{StreamLine, options, stream_lines, topic_name};
use crate::reporting::{actions, store};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// Query with a month.
#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    pub(super) period: String,
}

pub(super) fn month_or_last(raw: &str) -> String {
    if parse_month(raw).is_some() {
        raw.trim().to_string()
    } else {
        Period::month(Utc::now().date_naive()).as_str().to_string()
    }
}

/// A city stream with its members.
pub(super) struct CityLine {
    pub(super) id: i64,
    pub(super) summary: String,
    pub(super) scope: String,
    pub(super) scope_key: String,
    pub(super) direction: String,
    pub(super) direction_key: String,
    pub(super) causes: String,
    pub(super) forecast: String,
    pub(super) recommendation: String,
    pub(super) units: Vec<String>,
    pub(super) members: Vec<StreamLine>,
}

/// A topic group of the workspace.
struct TopicGroup {
    topic_id: i64,
    topic: String,
    cities: Vec<CityLine>,
    loose: Vec<StreamLine>,
}

/// A topic in the workspace's index: how many streams, how many not yet merged, city streams.
struct TopicCount {
    id: i64,
    name: String,
    streams: usize,
    loose: usize,
    cities: usize,
    current: bool,
}

/// Query of the synthesis page: the month, a topic to open, the page of its unmerged streams
/// (numbers parsed by `kit::bounds`).
#[derive(Deserialize, Default)]
pub struct SynthesisQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    page: String,
}

/// Up to this many streams in a period, the workspace opens every topic at once; above it, the
/// analyst opens one topic at a time (10,000 streams would make a page no one reads).
pub const OPEN_ALL_UP_TO: usize = 300;

/// Unmerged streams shown per page of a topic.
pub const PAGE_SIZE: usize = 100;

/// The synthesis workspace.
#[derive(Template)]
#[template(path = "reporting/synthesis.html")]
struct SynthesisTemplate {
    c: Chrome,
    period: String,
    index: Vec<TopicCount>,
    topic: Option<i64>,
    groups: Vec<TopicGroup>,
    total: usize,
    page: usize,
    pages: usize,
    scopes: Vec<(String, String)>,
    directions: Vec<(String, String)>,
}

/// The streams of a period the analyst may see, as integers: `(id, unit, topic, city stream)`.
pub(super) async fn visible_keys(
    state: &AppState,
    auth: &Auth,
    period: &str,
) -> AppResult<Vec<store::StreamKey>> {
    let roots = auth.user.roots_with(Capability::ReviewReports);
    let all = store::list_period_stream_keys(&state.db, period).await?;
    let mut unit_ids: Vec<i64> = all.iter().map(|s| s.unit_id).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let visible: HashSet<i64> = crate::orgs::filter_within(&state.db, &roots, &unit_ids)
        .await?
        .into_iter()
        .collect();
    Ok(all
        .into_iter()
        .filter(|s| visible.contains(&s.unit_id))
        .collect())
}

/// The workspace of a period: the topic index with counts, and the open topic groups (every
/// topic when the period is small, else only `topic`, its unmerged streams paged).
async fn workspace(
    state: &AppState,
    auth: &Auth,
    period: &str,
    topic: Option<i64>,
    page: usize,
) -> AppResult<(Vec<TopicCount>, Vec<TopicGroup>, usize, usize)> {
    let tr = auth.ctx.tr;
    let keys = visible_keys(state, auth, period).await?;
    let total = keys.len();
    let topics = store::list_topics(&state.db).await?;
    let cities = store::list_city_streams(&state.db, period).await?;
    let mut index: Vec<TopicCount> = topics
        .iter()
        .map(|t| TopicCount {
            id: t.id,
            name: topic_name(tr, &topics, t.id),
            streams: 0,
            loose: 0,
            cities: 0,
            current: topic == Some(t.id),
        })
        .collect();
    let at: HashMap<i64, usize> = topics.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    for k in &keys {
        if let Some(&i) = at.get(&k.topic_id) {
            index[i].streams += 1;
            index[i].loose += k.city_stream_id.is_none() as usize;
        }
    }
    // City streams count when at least one of their streams is visible.
    let live: HashSet<i64> = keys.iter().filter_map(|k| k.city_stream_id).collect();
    let cities: Vec<store::CityStream> = cities
        .into_iter()
        .filter(|c| live.contains(&c.id))
        .collect();
    for c in &cities {
        if let Some(&i) = at.get(&c.topic_id) {
            index[i].cities += 1;
        }
    }
    index.retain(|t| t.streams > 0 || t.cities > 0);
    // Which topics are open, and which streams of them to load in full.
    let open: Vec<i64> = match topic {
        Some(t) => vec![t],
        None if total <= OPEN_ALL_UP_TO => index.iter().map(|t| t.id).collect(),
        None => vec![],
    };
    let mut pages = 1;
    let mut load: Vec<i64> = vec![];
    for t in &open {
        let (merged, loose): (Vec<&store::StreamKey>, Vec<&store::StreamKey>) = keys
            .iter()
            .filter(|k| k.topic_id == *t)
            .partition(|k| k.city_stream_id.is_some());
        load.extend(merged.iter().map(|k| k.id));
        if topic.is_some() {
            pages = loose.len().div_ceil(PAGE_SIZE).max(1);
            let from = (page.clamp(1, pages) - 1) * PAGE_SIZE;
            load.extend(loose.iter().skip(from).take(PAGE_SIZE).map(|k| k.id));
        } else {
            load.extend(loose.iter().map(|k| k.id));
        }
    }
    let streams = store::list_streams_by_ids(&state.db, &load).await?;
    let lines = stream_lines(state, tr, &topics, &streams).await?;
    let mut groups: Vec<TopicGroup> = vec![];
    let mut by_topic: HashMap<i64, usize> = HashMap::new();
    for t in index.iter().filter(|t| open.contains(&t.id)) {
        by_topic.insert(t.id, groups.len());
        groups.push(TopicGroup {
            topic_id: t.id,
            topic: t.name.clone(),
            cities: vec![],
            loose: vec![],
        });
    }
    let mut city_index: HashMap<i64, (usize, usize)> = HashMap::new();
    for c in cities {
        let Some(&g) = by_topic.get(&c.topic_id) else {
            continue;
        };
        city_index.insert(c.id, (g, groups[g].cities.len()));
        groups[g].cities.push(city_line(tr, c));
    }
    for l in lines {
        if let Some((g, i)) = l.city_stream_id.and_then(|c| city_index.get(&c)).copied() {
            let city = &mut groups[g].cities[i];
            if !city.units.contains(&l.unit) {
                city.units.push(l.unit.clone());
            }
            city.members.push(l);
        } else if let Some(&g) = by_topic.get(&l.topic_id) {
            groups[g].loose.push(l);
        }
    }
    groups.retain(|g| !g.cities.is_empty() || !g.loose.is_empty());
    Ok((index, groups, total, pages))
}

pub(super) fn city_line(tr: crate::web::i18n::Tr, c: store::CityStream) -> CityLine {
    CityLine {
        id: c.id,
        summary: c.summary,
        scope: tr.t(&Scope::label_key(&c.scope)),
        scope_key: c.scope,
        direction: tr.t(&c.direction.label_key()),
        direction_key: c.direction.key().to_string(),
        causes: c.causes,
        forecast: c.forecast,
        recommendation: c.recommendation,
        units: vec![],
        members: vec![],
    }
}

/// `GET /reporting/synthesis`.
pub async fn show_synthesis(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SynthesisQuery>,
) -> AppResult<Response> {
    if !auth.user.has_anywhere(Capability::ReviewReports) {
        return Err(AppError::Forbidden);
    }
    let tr = auth.ctx.tr;
    let period = month_or_last(&q.period);
    let topic = bounds::parse_id(&q.topic)?;
    let page_no = bounds::PageNo::parse(&q.page)?.get() as usize;
    let (index, groups, total, pages) = workspace(&state, &auth, &period, topic, page_no).await?;
    Ok(page(SynthesisTemplate {
        c: auth.ctx.chrome("reporting-synthesis-title"),
        period,
        index,
        topic,
        groups,
        total,
        page: page_no.min(pages),
        pages,
        scopes: options(tr, Scope::KEYS, Scope::label_key),
        directions: crate::reporting::pages::direction_options(tr),
    }))
}

/// `POST /reporting/synthesis/merge`: fields `stream` (repeated) and optional `into`.
pub async fn merge_streams(
    State(state): State<AppState>,
    auth: Auth,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let roots = auth.user.roots_with(Capability::ReviewReports);
    let Some(&owner) = roots.first() else {
        return Err(AppError::Forbidden);
    };
    let ids: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "stream")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let into: Option<i64> = fields
        .iter()
        .find(|(k, _)| k == "into")
        .and_then(|(_, v)| v.parse().ok());
    if ids.is_empty() {
        return Err(AppError::BadRequest("reporting-synthesis-error-none"));
    }
    let mut streams = vec![];
    for id in &ids {
        let s = store::find_stream(&state.db, *id)
            .await?
            .ok_or(AppError::NotFound)?;
        require(&state.db, &auth.user, Capability::ReviewReports, s.unit_id).await?;
        streams.push(s);
    }
    let seed = streams[0].clone();
    if streams.iter().any(|s| s.period != seed.period) {
        return Err(AppError::BadRequest("reporting-synthesis-error-periods"));
    }
    if into.is_none() && ids.len() < 2 {
        return Err(AppError::BadRequest("reporting-synthesis-error-two"));
    }
    if let Some(c) = into {
        let city = store::find_city_stream(&state.db, c)
            .await?
            .ok_or(AppError::NotFound)?;
        require(
            &state.db,
            &auth.user,
            Capability::ReviewReports,
            city.owner_unit_id,
        )
        .await?;
        if city.period != seed.period {
            return Err(AppError::BadRequest("reporting-synthesis-error-periods"));
        }
    }
    let city =
        actions::merge_streams(&state.db, &auth.ctx.actor(), into, &seed, &ids, owner).await?;
    let topic = store::find_city_stream(&state.db, city)
        .await?
        .map(|c| c.topic_id)
        .unwrap_or(seed.topic_id);
    Ok(Redirect::to(&format!(
        "/reporting/synthesis?period={}&topic={topic}#city-{city}",
        seed.period
    ))
    .into_response())
}

/// `POST /reporting/city-streams/{id}/unmerge/{stream}`.
pub async fn unmerge_stream(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, stream)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let city = store::find_city_stream(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(
        &state.db,
        &auth.user,
        Capability::ReviewReports,
        city.owner_unit_id,
    )
    .await?;
    actions::unmerge_stream(&state.db, &auth.ctx.actor(), id, city.owner_unit_id, stream).await?;
    Ok(Redirect::to(&format!(
        "/reporting/synthesis?period={}&topic={}",
        city.period, city.topic_id
    ))
    .into_response())
}

/// The city stream edit form.
#[derive(Deserialize)]
pub struct CityForm {
    summary: String,
    scope: String,
    direction: String,
    #[serde(default)]
    causes: String,
    #[serde(default)]
    forecast: String,
    #[serde(default)]
    recommendation: String,
}

/// `POST /reporting/city-streams/{id}`: edits the text of a city stream.
pub async fn update_city_stream(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<CityForm>,
) -> AppResult<Response> {
    let city = store::find_city_stream(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(
        &state.db,
        &auth.user,
        Capability::ReviewReports,
        city.owner_unit_id,
    )
    .await?;
    let summary = clean(&f.summary);
    if summary.chars().count() < 10 || summary.chars().count() > 4000 {
        return Err(AppError::BadRequest("reporting-stream-error-summary-short"));
    }
    let Some(direction) = Direction::parse(&f.direction).filter(|_| Scope::valid(&f.scope)) else {
        return Err(AppError::BadRequest("reporting-stream-error-choice"));
    };
    actions::update_city_stream(
        &state.db,
        &auth.ctx.actor(),
        id,
        city.owner_unit_id,
        &store::CityText {
            summary: &summary,
            scope: &f.scope,
            direction,
            causes: &clean(&f.causes),
            forecast: &clean(&f.forecast),
            recommendation: &clean(&f.recommendation),
        },
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/reporting/synthesis?period={}&topic={}#city-{id}",
        city.period, city.topic_id
    ))
    .into_response())
}
