//! The centre's pages: completeness and timeliness (DHIS2's definitions) as totals, a
//! unit × period grid with drill-down and the missing units; the synthesis workspace (streams of
//! a month grouped by topic, merged into city streams whose breadth counts the reporting units,
//! unmerged, edited); the printable city report draft.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Utc};
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::accounts::require;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::kit::bounds;
use crate::reporting::model::{Direction, Period, Rates, ReportKind, Scope, clean, parse_month};
use crate::reporting::pages::{StreamLine, options, stream_lines, topic_name};
use crate::reporting::{actions, store};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// Query of the completeness page (parsed by `kit::bounds`: the range sizes the grid).
#[derive(Deserialize, Default)]
pub struct CompletenessQuery {
    #[serde(default, rename = "type")]
    type_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    unit: String,
}

/// One row of the grid.
struct GridRow {
    unit_id: i64,
    name: String,
    /// `(css class, text, report id)` per period.
    cells: Vec<(String, String, Option<i64>)>,
    rates: Rates,
    /// The row sums several units: clicking drills down.
    group: bool,
}

/// The completeness page.
#[derive(Template)]
#[template(path = "reporting/completeness.html")]
struct CompletenessTemplate {
    c: Chrome,
    types: Vec<(i64, String)>,
    type_id: i64,
    from: String,
    to: String,
    unit_id: i64,
    unit_name: String,
    periods: Vec<String>,
    per_period: Vec<Rates>,
    total: Rates,
    rows: Vec<GridRow>,
    missing: Vec<(i64, String, Vec<String>)>,
    missing_count: usize,
}

impl CompletenessTemplate {
    fn pct(&self, v: f64) -> String {
        format!("{v:.1} %")
    }
}

/// The periods of a type between two months.
fn periods_of(kind: ReportKind, from: &str, to: &str) -> Vec<String> {
    let months = Period::months_between(from, to);
    match kind {
        ReportKind::Monthly => months,
        ReportKind::Quarterly => {
            let mut out: Vec<String> = months
                .iter()
                .filter_map(|m| parse_month(m))
                .map(|d| format!("{}-Q{}", d.year(), d.month0() / 3 + 1))
                .collect();
            out.dedup();
            out
        }
        ReportKind::Yearly => {
            let mut out: Vec<String> = months.iter().map(|m| m[..4].to_string()).collect();
            out.dedup();
            out
        }
        ReportKind::Thematic | ReportKind::AdHoc => vec!["once".into()],
        ReportKind::Quick => vec![],
    }
}

/// `GET /reporting/completeness`: expected, submitted, on time, rates, grid and missing units.
pub async fn show_completeness(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CompletenessQuery>,
) -> AppResult<Response> {
    let roots = auth.user.roots_with(Capability::ViewReports);
    // Every input is checked before any work: a range of 200 years is a 400, not a long grid.
    let type_id = bounds::parse_id(&q.type_id)?;
    let range = bounds::MonthRange::parse(&q.from, &q.to, Utc::now().date_naive(), 3)?;
    let unit_id = bounds::parse_id(&q.unit)?
        .or(roots.first().copied())
        .ok_or(AppError::Forbidden)?;
    require(&state.db, &auth.user, Capability::ViewReports, unit_id).await?;
    let types: Vec<_> = store::list_types(&state.db)
        .await?
        .into_iter()
        .filter(|t| t.kind != "quick")
        .collect();
    let today = Utc::now().date_naive();
    let (from, to) = (range.first_month(), range.last_month());
    let unit_name = crate::orgs::unit_names(&state.db, &[unit_id])
        .await?
        .pop()
        .map(|u| u.1)
        .unwrap_or_default();
    let Some(t) = type_id
        .and_then(|id| types.iter().find(|t| t.id == id))
        .or(types.first())
        .cloned()
    else {
        return Ok(page(CompletenessTemplate {
            c: auth.ctx.chrome("reporting-completeness-title"),
            types: vec![],
            type_id: 0,
            from,
            to,
            unit_id,
            unit_name,
            periods: vec![],
            per_period: vec![],
            total: Rates::default(),
            rows: vec![],
            missing: vec![],
            missing_count: 0,
        }));
    };
    let kind = ReportKind::parse(&t.kind).unwrap_or(ReportKind::Monthly);
    let periods = periods_of(kind, &from, &to);
    // Expected units: assigned to the type and in the chosen subtree (as of today, with lineage).
    // Each is counted in the row of the chosen unit's child it lies under (or its own row).
    let subtree = crate::orgs::rollup(&state.db, unit_id, today).await?;
    let assigned: HashSet<i64> = store::list_type_units(&state.db, t.id)
        .await?
        .into_iter()
        .collect();
    let parent: HashMap<i64, Option<i64>> = subtree.iter().map(|u| (u.id, u.parent_id)).collect();
    let row_of = |mut id: i64| -> i64 {
        // Walk up to the child of the chosen unit (units reached only through lineage keep their own row).
        for _ in 0..64 {
            match parent.get(&id).copied().flatten() {
                Some(p) if p == unit_id => return id,
                Some(p) if parent.contains_key(&p) => id = p,
                _ => return id,
            }
        }
        id
    };
    // The expected units, indexed densely. Who sent each period (and on time) comes from one
    // query aggregated per period; the exact state and report id are fetched only for units shown
    // in their own row (a drill-down to leaves).
    let expected_units: Vec<&crate::orgs::model::Unit> = subtree
        .iter()
        .filter(|u| assigned.contains(&u.id))
        .collect();
    let index: HashMap<i64, usize> = expected_units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id, i))
        .collect();
    let np = periods.len();
    let mut codes = vec![store::CELL_NONE; expected_units.len() * np];
    let mut report_ids = vec![0i64; expected_units.len() * np];
    let period_index: HashMap<&str, usize> = periods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let (pfrom, pto) = (
        periods.first().cloned().unwrap_or_default(),
        periods.last().cloned().unwrap_or_default(),
    );
    for (p, sent, on_time) in store::list_period_senders(&state.db, t.id, &pfrom, &pto).await? {
        let Some(&pi) = period_index.get(p.as_str()) else {
            continue;
        };
        // Submitted (2), plus 1 when on time; the exact status is not needed here.
        for (ids, code) in [(&sent, 2), (&on_time, 3)] {
            for id in ids.split(',').filter_map(|x| x.parse::<i64>().ok()) {
                if let Some(&ui) = index.get(&id) {
                    codes[ui * np + pi] = code;
                }
            }
        }
    }
    let own: Vec<i64> = expected_units
        .iter()
        .filter(|u| row_of(u.id) == u.id)
        .map(|u| u.id)
        .collect();
    for (u, p, id, code) in store::list_unit_cells(&state.db, t.id, &own, &periods).await? {
        if let (Some(&ui), Some(&pi)) = (index.get(&u), period_index.get(p.as_str())) {
            codes[ui * np + pi] = code;
            report_ids[ui * np + pi] = id;
        }
    }
    let names: HashMap<i64, &str> = subtree.iter().map(|u| (u.id, u.name.as_str())).collect();
    let mut per_period = vec![Rates::default(); np];
    let mut total = Rates::default();
    let mut rows: Vec<GridRow> = vec![];
    let mut row_at: HashMap<i64, usize> = HashMap::new();
    // Per row and period: the rates of its units, and the unit's own cell (class, report id).
    type Member = (Rates, Option<(&'static str, i64)>);
    let mut members: Vec<Vec<Member>> = vec![];
    let mut missing = vec![];
    let mut missing_count = 0usize;
    for (ui, u) in expected_units.iter().enumerate() {
        let r = row_of(u.id);
        let ri = *row_at.entry(r).or_insert_with(|| {
            rows.push(GridRow {
                unit_id: r,
                name: names.get(&r).map(|n| n.to_string()).unwrap_or_default(),
                cells: vec![],
                rates: Rates::default(),
                group: r != u.id,
            });
            members.push(vec![Default::default(); np]);
            rows.len() - 1
        });
        if r != u.id {
            rows[ri].group = true;
        }
        let mut unit_missing = vec![];
        let mut any_missing = false;
        for (i, p) in periods.iter().enumerate() {
            let code = codes[ui * np + i];
            let (sent, on_time) = (store::cell_sent(code), store::cell_on_time(code));
            let m = &mut members[ri][i];
            for rates in [
                &mut m.0,
                &mut rows[ri].rates,
                &mut per_period[i],
                &mut total,
            ] {
                rates.expected += 1;
                rates.submitted += sent as i64;
                rates.on_time += on_time as i64;
            }
            if r == u.id {
                let class = if code == store::CELL_NONE {
                    "none"
                } else if on_time {
                    "on-time"
                } else if sent {
                    "late"
                } else {
                    store::cell_status(code)
                };
                m.1 = Some((class, report_ids[ui * np + i]));
            }
            if !sent {
                any_missing = true;
                // The list shows the first 300 units; the count covers all.
                if missing.len() < 300 {
                    unit_missing.push(p.clone());
                }
            }
        }
        if any_missing {
            missing_count += 1;
            if missing.len() < 300 {
                missing.push((u.id, u.name.clone(), unit_missing));
            }
        }
    }
    let tr = auth.ctx.tr;
    for (row, cols) in rows.iter_mut().zip(members) {
        row.cells = cols
            .into_iter()
            .map(|(r, own)| match own {
                Some((class, id)) if !row.group => {
                    let text = tr.t(&format!("reporting-completeness-cell-{class}"));
                    (class.to_string(), text, (id > 0).then_some(id))
                }
                _ => {
                    let class = if r.on_time == r.expected {
                        "on-time"
                    } else if r.submitted == r.expected {
                        "late"
                    } else {
                        "none"
                    };
                    (
                        class.to_string(),
                        format!("{}/{}", r.submitted, r.expected),
                        None,
                    )
                }
            })
            .collect();
    }
    Ok(page(CompletenessTemplate {
        c: auth.ctx.chrome("reporting-completeness-title"),
        types: types.iter().map(|t| (t.id, t.name.clone())).collect(),
        type_id: t.id,
        from,
        to,
        unit_id,
        unit_name,
        periods,
        per_period,
        total,
        rows,
        missing,
        missing_count,
    }))
}

/// Query with a month.
#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    period: String,
}

fn month_or_last(raw: &str) -> String {
    if parse_month(raw).is_some() {
        raw.trim().to_string()
    } else {
        Period::month(Utc::now().date_naive()).as_str().to_string()
    }
}

/// A city stream with its members.
struct CityLine {
    id: i64,
    summary: String,
    scope: String,
    scope_key: String,
    direction: String,
    direction_key: String,
    causes: String,
    forecast: String,
    recommendation: String,
    units: Vec<String>,
    members: Vec<StreamLine>,
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
async fn visible_keys(
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

fn city_line(tr: crate::web::i18n::Tr, c: store::CityStream) -> CityLine {
    CityLine {
        id: c.id,
        summary: c.summary,
        scope: tr.t(&Scope::label_key(&c.scope)),
        scope_key: c.scope,
        direction: tr.t(&Direction::label_key(&c.direction)),
        direction_key: c.direction,
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
        directions: options(tr, Direction::KEYS, Direction::label_key),
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
    if !Scope::valid(&f.scope) || !Direction::valid(&f.direction) {
        return Err(AppError::BadRequest("reporting-stream-error-choice"));
    }
    actions::update_city_stream(
        &state.db,
        &auth.ctx.actor(),
        id,
        city.owner_unit_id,
        &store::CityText {
            summary: &summary,
            scope: &f.scope,
            direction: &f.direction,
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

/// The printable city report draft.
#[derive(Template)]
#[template(path = "reporting/draft.html")]
struct DraftTemplate {
    c: Chrome,
    period: String,
    sections: Vec<(String, Vec<(String, CityLine)>)>,
    empty: bool,
}

/// `GET /reporting/synthesis/draft`: the city report of a month from the merged streams,
/// grouped local / domestic / international, widest first.
pub async fn show_draft(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    if !auth.user.has_anywhere(Capability::ReviewReports) {
        return Err(AppError::Forbidden);
    }
    let tr = auth.ctx.tr;
    let period = month_or_last(&q.period);
    // Only the city streams and the units of their (visible) members are needed here.
    let keys = visible_keys(&state, &auth, &period).await?;
    let mut unit_ids: Vec<i64> = keys
        .iter()
        .filter(|k| k.city_stream_id.is_some())
        .map(|k| k.unit_id)
        .collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let names: HashMap<i64, String> = crate::orgs::unit_names(&state.db, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let topics = store::list_topics(&state.db).await?;
    let mut sections: Vec<(String, Vec<(String, CityLine)>)> = Scope::KEYS
        .iter()
        .map(|k| (tr.t(&Scope::label_key(k)), vec![]))
        .collect();
    for c in store::list_city_streams(&state.db, &period).await? {
        let topic = topic_name(tr, &topics, c.topic_id);
        let mut city = city_line(tr, c);
        let mut seen = HashSet::new();
        for k in keys.iter().filter(|k| k.city_stream_id == Some(city.id)) {
            if seen.insert(k.unit_id) {
                city.units
                    .push(names.get(&k.unit_id).cloned().unwrap_or_default());
            }
        }
        if city.units.is_empty() {
            continue;
        }
        let i = Scope::KEYS
            .iter()
            .position(|k| *k == city.scope_key)
            .unwrap_or(0);
        sections[i].1.push((topic, city));
    }
    for s in &mut sections {
        s.1.sort_by_key(|item| std::cmp::Reverse(item.1.units.len()));
    }
    let empty = sections.iter().all(|s| s.1.is_empty());
    Ok(page(DraftTemplate {
        c: auth
            .ctx
            .chrome_titled(tr.ta("reporting-draft-title", &[("period", period.clone())])),
        period,
        sections,
        empty,
    }))
}
