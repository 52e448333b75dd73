//! The centre's pages: completeness and timeliness (DHIS2's definitions) as totals, a
//! unit × period grid with drill-down and the missing units; the synthesis workspace (streams of
//! a month grouped by topic, merged into city streams whose breadth counts the reporting units,
//! unmerged, edited); the printable city report draft.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::accounts::require;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::reporting::model::{Direction, Period, Rates, ReportKind, Scope, clean, parse_month};
use crate::reporting::pages::{StreamLine, options, stream_lines, topic_name};
use crate::reporting::store;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// Query of the completeness page.
#[derive(Deserialize, Default)]
pub struct CompletenessQuery {
    #[serde(default, rename = "type")]
    type_id: Option<i64>,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    unit: Option<i64>,
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
    let unit_id = q
        .unit
        .or(roots.first().copied())
        .ok_or(AppError::Forbidden)?;
    require(&state.db, &auth.user, Capability::ViewReports, unit_id).await?;
    let types: Vec<_> = store::list_types(&state.db)
        .await?
        .into_iter()
        .filter(|t| t.kind != "quick")
        .collect();
    let today = Utc::now().date_naive();
    let last = Period::month(today).as_str().to_string();
    let to = if parse_month(&q.to).is_some() {
        q.to.trim().to_string()
    } else {
        last
    };
    let from = if parse_month(&q.from).is_some() && q.from.trim() <= to.as_str() {
        q.from.trim().to_string()
    } else {
        let d = parse_month(&to).expect("checked");
        Period::month(d - Duration::days(60)).as_str().to_string()
    };
    let unit_name = crate::orgs::unit_names(&state.db, &[unit_id])
        .await?
        .pop()
        .map(|u| u.1)
        .unwrap_or_default();
    let Some(t) = q
        .type_id
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
    let subtree = crate::orgs::store::list_rollup(&state.db, unit_id, today).await?;
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
    let (pfrom, pto) = (
        periods.first().cloned().unwrap_or_default(),
        periods.last().cloned().unwrap_or_default(),
    );
    let rows_db = store::list_completeness_rows(&state.db, t.id, &pfrom, &pto).await?;
    let period_index: HashMap<&str, usize> = periods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    // (status, on time, report id) per (unit, period index).
    let mut cells: HashMap<(i64, usize), (&str, bool, i64)> = HashMap::with_capacity(rows_db.len());
    for (u, p, status, on_time, id) in &rows_db {
        if let Some(&i) = period_index.get(p.as_str()) {
            cells.insert((*u, i), (status.as_str(), *on_time, *id));
        }
    }
    let mut per_period = vec![Rates::default(); periods.len()];
    let mut total = Rates::default();
    let mut rows: Vec<GridRow> = vec![];
    let mut row_at: HashMap<i64, usize> = HashMap::new();
    // Per row and period: the rates of its units, and the unit's own cell (class, report id).
    type Member = (Rates, Option<(String, i64)>);
    let mut members: Vec<Vec<Member>> = vec![];
    let mut missing = vec![];
    let mut missing_count = 0usize;
    for u in subtree.iter().filter(|u| assigned.contains(&u.id)) {
        let r = row_of(u.id);
        let ri = *row_at.entry(r).or_insert_with(|| {
            rows.push(GridRow {
                unit_id: r,
                name: subtree
                    .iter()
                    .find(|x| x.id == r)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                cells: vec![],
                rates: Rates::default(),
                group: r != u.id,
            });
            members.push(vec![Default::default(); periods.len()]);
            rows.len() - 1
        });
        if r != u.id {
            rows[ri].group = true;
        }
        let mut unit_missing = vec![];
        for (i, p) in periods.iter().enumerate() {
            let cell = cells.get(&(u.id, i));
            let sent = cell.is_some_and(|c| c.0 == "submitted" || c.0 == "accepted");
            let on_time = sent && cell.is_some_and(|c| c.1);
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
                let class = match cell {
                    None => "none".to_string(),
                    Some(_) if on_time => "on-time".to_string(),
                    Some(_) if sent => "late".to_string(),
                    Some(c) => c.0.to_string(),
                };
                m.1 = Some((class, cell.map(|c| c.2).unwrap_or(0)));
            }
            if !sent {
                unit_missing.push(p.clone());
            }
        }
        if !unit_missing.is_empty() {
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
                    (class, text, (id > 0).then_some(id))
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
    topic: String,
    cities: Vec<CityLine>,
    loose: Vec<StreamLine>,
}

/// The synthesis workspace.
#[derive(Template)]
#[template(path = "reporting/synthesis.html")]
struct SynthesisTemplate {
    c: Chrome,
    period: String,
    groups: Vec<TopicGroup>,
    total: usize,
    scopes: Vec<(String, String)>,
    directions: Vec<(String, String)>,
}

/// Streams of the period within the analyst's scope, grouped by topic with city streams.
async fn workspace(
    state: &AppState,
    auth: &Auth,
    period: &str,
) -> AppResult<(Vec<TopicGroup>, usize)> {
    let tr = auth.ctx.tr;
    let roots = auth.user.roots_with(Capability::ReviewReports);
    let all = store::list_period_streams(&state.db, period).await?;
    let mut unit_ids: Vec<i64> = all.iter().map(|s| s.unit_id).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let visible: HashSet<i64> = crate::orgs::filter_within(&state.db, &roots, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let streams: Vec<_> = all
        .into_iter()
        .filter(|s| visible.contains(&s.unit_id))
        .collect();
    let total = streams.len();
    let topics = store::list_topics(&state.db).await?;
    let lines = stream_lines(state, tr, &topics, &streams).await?;
    let cities = store::list_city_streams(&state.db, period).await?;
    let mut groups: Vec<TopicGroup> = vec![];
    let mut by_topic: HashMap<i64, usize> = HashMap::new();
    for t in &topics {
        by_topic.insert(t.id, groups.len());
        groups.push(TopicGroup {
            topic: topic_name(tr, &topics, t.id),
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
        groups[g].cities.push(CityLine {
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
        });
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
    Ok((groups, total))
}

/// `GET /reporting/synthesis`.
pub async fn show_synthesis(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    if !auth.user.has_anywhere(Capability::ReviewReports) {
        return Err(AppError::Forbidden);
    }
    let tr = auth.ctx.tr;
    let period = month_or_last(&q.period);
    let (groups, total) = workspace(&state, &auth, &period).await?;
    Ok(page(SynthesisTemplate {
        c: auth.ctx.chrome("reporting-synthesis-title"),
        period,
        groups,
        total,
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
    let city = store::merge_streams(&state.db, into, &seed, &ids, owner, Utc::now()).await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "city_stream.merge",
        "city_stream",
        &city.to_string(),
        Some(owner),
        json!({"streams": ids, "period": seed.period}),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/reporting/synthesis?period={}#city-{city}",
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
    store::unmerge_stream(&state.db, id, stream).await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "city_stream.unmerge",
        "city_stream",
        &id.to_string(),
        Some(city.owner_unit_id),
        json!({"stream": stream}),
    )
    .await?;
    Ok(Redirect::to(&format!("/reporting/synthesis?period={}", city.period)).into_response())
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
    store::update_city_stream(
        &state.db,
        id,
        &store::CityText {
            summary: &summary,
            scope: &f.scope,
            direction: &f.direction,
            causes: &clean(&f.causes),
            forecast: &clean(&f.forecast),
            recommendation: &clean(&f.recommendation),
        },
        Utc::now(),
    )
    .await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "city_stream.update",
        "city_stream",
        &id.to_string(),
        Some(city.owner_unit_id),
        json!({}),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/reporting/synthesis?period={}#city-{id}",
        city.period
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
    let (groups, _) = workspace(&state, &auth, &period).await?;
    let mut sections: Vec<(String, Vec<(String, CityLine)>)> = Scope::KEYS
        .iter()
        .map(|k| (tr.t(&Scope::label_key(k)), vec![]))
        .collect();
    for g in groups {
        for city in g.cities {
            let i = Scope::KEYS
                .iter()
                .position(|k| *k == city.scope_key)
                .unwrap_or(0);
            sections[i].1.push((g.topic.clone(), city));
        }
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
