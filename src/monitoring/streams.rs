//! Emerging streams (*luồng dư luận mới nổi*): recent items (eight days, newest 20,000) are
//! clustered with `duluan_vitext::cluster`; clusters of at least five items are kept as
//! candidates with their terms, volume, direction and areas, matched to the previous run's
//! candidates by shared items so that a candidate keeps its id while it grows. An analyst turns
//! a candidate into an opinion stream of the reporting context (through
//! `reporting::create_stream`, with the stream form's checks) or dismisses it; a decided cluster
//! does not come back as a new candidate. Each candidate is also a series for spike detection.
//! Near-duplicates (`monitor_items.dup_of`) are clustered once, by the group's first item: a
//! cluster's size counts distinct posts, and its reshares are shown beside it as "N copies".

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::monitoring::model::{ClusterStatus, Direction};
use crate::monitoring::store::{self, Cluster, ClusterData, Item};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// Smallest cluster shown.
pub const MIN_SIZE: usize = 5;
/// Window of items clustered (seconds).
pub const WINDOW: i64 = 8 * 86_400;

/// The lowest unit above every one of `units` (their common ancestor).
pub async fn common_ancestor(db: &crate::db::Db, units: &[i64]) -> AppResult<Option<i64>> {
    let map = crate::orgs::ancestor_ids(db, units).await?;
    let mut prefix: Option<Vec<i64>> = None;
    for u in units {
        let Some(path) = map.get(u) else { continue };
        prefix = Some(match prefix {
            None => path.clone(),
            Some(p) => p
                .iter()
                .zip(path.iter())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    Ok(prefix.and_then(|p| p.last().copied()))
}

/// One clustering run; returns the number of candidates kept.
pub async fn run(state: &AppState, now: i64) -> AppResult<usize> {
    let db = &state.db;
    let mut items = store::items_for_clustering(db, now - WINDOW, 20_000).await?;
    items.reverse(); // oldest first: clusters grow in time order
    let texts: Vec<String> = items.iter().map(|i| i.3.clone()).collect();
    let found = tokio::task::spawn_blocking(move || {
        let mut c =
            duluan_vitext::cluster::Clusterer::new(duluan_vitext::cluster::Options::default());
        for t in &texts {
            c.add(t);
        }
        c.clusters(MIN_SIZE)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("clustering task: {e}")))?;
    // Previous clusters and their members.
    let mut previous: HashMap<i64, (ClusterStatus, HashSet<i64>)> = HashMap::new();
    for (cid, status, item) in store::cluster_members(db).await? {
        previous
            .entry(cid)
            .or_insert_with(|| (status, HashSet::new()))
            .1
            .insert(item);
    }
    let mut kept: HashSet<i64> = HashSet::new();
    for cluster in found.iter().take(200) {
        let members: Vec<usize> = cluster.members.clone();
        let ids: HashSet<i64> = members.iter().map(|&m| items[m].0).collect();
        // The previous cluster sharing most items.
        let best = previous
            .iter()
            .map(|(cid, (status, set))| (cid, status, set.intersection(&ids).count(), set.len()))
            .filter(|(_, _, shared, len)| *shared * 2 >= ids.len().min(*len).max(1))
            .max_by_key(|x| x.2);
        let target = match best {
            Some((_, status, _, _)) if *status != ClusterStatus::Candidate => continue, // decided already
            Some((cid, _, _, _)) if !kept.contains(cid) => Some(*cid),
            _ => None,
        };
        let times: Vec<i64> = members.iter().map(|&m| items[m].1).collect();
        let mut area_counts: HashMap<i64, i64> = HashMap::new();
        for &m in &members {
            if let Some(u) = items[m].2 {
                *area_counts.entry(u).or_default() += 1;
            }
        }
        let mut areas: Vec<(i64, i64)> = area_counts.into_iter().collect();
        areas.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let area_ids: Vec<i64> = areas.iter().map(|a| a.0).collect();
        let Some(scope) = common_ancestor(db, &area_ids).await? else {
            continue;
        };
        let known: Vec<bool> = members
            .iter()
            .filter_map(|&m| items[m].4.map(|d| d == Direction::Negative))
            .collect();
        let negative_share = (!known.is_empty())
            .then(|| known.iter().filter(|n| **n).count() as f64 / known.len() as f64);
        let mut newest: Vec<usize> = members.clone();
        newest.sort_by_key(|&m| std::cmp::Reverse(items[m].1));
        let mut seen_texts: Vec<&str> = vec![];
        let mut examples: Vec<i64> = vec![];
        for &m in &newest {
            if examples.len() >= 3 {
                break;
            }
            if !seen_texts.contains(&items[m].3.as_str()) {
                seen_texts.push(&items[m].3);
                examples.push(items[m].0);
            }
        }
        let data = ClusterData {
            label: cluster.label.join(" · "),
            terms: serde_json::to_string(&cluster.label).unwrap_or_default(),
            first_at: times.iter().copied().min().unwrap_or(now),
            last_at: times.iter().copied().max().unwrap_or(now),
            negative_share,
            areas: serde_json::to_string(&areas.iter().take(10).collect::<Vec<_>>())
                .unwrap_or_default(),
            example_ids: serde_json::to_string(&examples).unwrap_or_default(),
            scope_unit_id: scope,
            members: ids.into_iter().collect(),
        };
        let id = store::save_cluster(db, target, &data, now).await?;
        kept.insert(id);
    }
    let stale: Vec<i64> = previous
        .iter()
        .filter(|(cid, (status, _))| *status == ClusterStatus::Candidate && !kept.contains(cid))
        .map(|(cid, _)| *cid)
        .collect();
    store::drop_candidates(db, &stale).await?;
    // Every candidate is a series for spike detection.
    for cid in &kept {
        crate::monitoring::alerts::check_cluster(state, *cid, now).await?;
    }
    Ok(kept.len())
}

// ---------------------------------------------------------------- pages

use crate::kit::scope::require_roots;

/// A cluster as the pages show it.
pub struct ClusterLine {
    /// The cluster.
    pub c: Cluster,
    /// Terms.
    pub terms: Vec<String>,
    /// Areas: name and count.
    pub areas: Vec<(String, i64)>,
    /// Negative share as a percentage.
    pub negative: String,
    /// First and last item times.
    pub span: String,
    /// Near-duplicate copies of its items (reshares), not counted in its size.
    pub copies: i64,
}

pub async fn lines_for(state: &AppState, clusters: Vec<Cluster>) -> AppResult<Vec<ClusterLine>> {
    let mut unit_ids = vec![];
    type Parsed = (Cluster, Vec<String>, Vec<(i64, i64)>);
    let parsed: Vec<Parsed> = clusters
        .into_iter()
        .map(|c| {
            let terms: Vec<String> = serde_json::from_str(&c.terms).unwrap_or_default();
            let areas: Vec<(i64, i64)> = serde_json::from_str(&c.areas).unwrap_or_default();
            unit_ids.extend(areas.iter().map(|a| a.0));
            (c, terms, areas)
        })
        .collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(&state.db, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let ids: Vec<i64> = parsed.iter().map(|p| p.0.id).collect();
    let copies: HashMap<i64, i64> = store::cluster_copies(&state.db, &ids)
        .await?
        .into_iter()
        .collect();
    Ok(parsed
        .into_iter()
        .map(|(c, terms, areas)| ClusterLine {
            copies: copies.get(&c.id).copied().unwrap_or(0),
            areas: areas
                .iter()
                .map(|(u, n)| (names.get(u).cloned().unwrap_or_else(|| format!("#{u}")), *n))
                .collect(),
            negative: c
                .negative_share
                .map(|s| format!("{:.0}%", s * 100.0))
                .unwrap_or_else(|| "—".into()),
            span: format!(
                "{} – {}",
                crate::kit::time::show_unix_secs(c.first_at),
                crate::kit::time::show_unix_secs(c.last_at)
            ),
            terms,
            c,
        })
        .collect())
}

/// The emerging-streams page.
#[derive(Template)]
#[template(path = "monitoring/streams.html")]
pub struct StreamsTemplate {
    c: Chrome,
    candidates: Vec<ClusterLine>,
    decided: Vec<ClusterLine>,
    can_manage: bool,
    flash: Option<String>,
}

async fn streams_page(state: &AppState, auth: &Auth, flash: Option<String>) -> AppResult<Response> {
    let roots = require_roots(&auth.user, &[Capability::ViewMonitoring])?;
    let units = crate::orgs::subtree_ids(&state.db, &roots).await?;
    let candidates = lines_for(
        state,
        store::list_clusters(&state.db, ClusterStatus::Candidate, &units, 50).await?,
    )
    .await?;
    let mut decided = store::list_clusters(&state.db, ClusterStatus::Promoted, &units, 20).await?;
    decided.extend(store::list_clusters(&state.db, ClusterStatus::Dismissed, &units, 20).await?);
    let decided = lines_for(state, decided).await?;
    Ok(page(StreamsTemplate {
        c: auth.ctx.chrome("monitoring-streams-title"),
        candidates,
        decided,
        can_manage: !auth
            .user
            .roots_with(Capability::ManageMonitoring)
            .is_empty(),
        flash,
    }))
}

/// `GET /monitoring/streams`.
pub async fn show_streams(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    streams_page(&state, &auth, None).await
}

/// `POST /monitoring/streams/run`: clusters now.
pub async fn run_now(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    require_roots(&auth.user, &[Capability::ManageMonitoring])?;
    let n = run(&state, Utc::now().timestamp()).await?;
    let flash = Some(
        auth.ctx
            .tr
            .ta("monitoring-streams-done", &[("count", n.to_string())]),
    );
    streams_page(&state, &auth, flash).await
}

/// One emerging stream with its items and the promotion form.
#[derive(Template)]
#[template(path = "monitoring/stream.html")]
pub struct StreamTemplate {
    c: Chrome,
    line: ClusterLine,
    items: Vec<(Item, String, String)>,
    can_manage: bool,
    topics: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    form: PromoteForm,
    errors: Vec<String>,
    pii: Vec<String>,
    directions: Vec<(String, String)>,
}

/// The promotion form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PromoteForm {
    #[serde(default)]
    summary: String,
    #[serde(default)]
    topic_id: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    confirm_pii: String,
    #[serde(default)]
    note: String,
}

async fn load_scoped(state: &AppState, auth: &Auth, id: i64) -> AppResult<Cluster> {
    let c = store::find_cluster(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::accounts::can(
        &state.db,
        &auth.user,
        Capability::ViewMonitoring,
        c.scope_unit_id,
    )
    .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

async fn stream_page(
    state: &AppState,
    auth: &Auth,
    c: Cluster,
    form: Option<PromoteForm>,
    errors: Vec<String>,
    pii: Vec<String>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let ids = store::cluster_member_ids(&state.db, c.id, 100).await?;
    let mut items = store::items_by_ids(&state.db, &ids).await?;
    // The cluster's scope is the common ancestor of its items when it was clustered; a unit
    // moved since may have taken some items out of the reader's subtree.
    let viewer = require_roots(&auth.user, &[Capability::ViewMonitoring])?;
    crate::monitoring::items_in_scope(&state.db, &viewer, &mut items).await?;
    items.sort_by_key(|i| std::cmp::Reverse(i.occurred_at));
    let unit_ids: Vec<i64> = items.iter().filter_map(|i| i.unit_id).collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(&state.db, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let items = items
        .into_iter()
        .map(|i| {
            let area = i
                .unit_id
                .and_then(|u| names.get(&u).cloned())
                .unwrap_or_default();
            let when = crate::kit::time::show_unix_secs(i.occurred_at);
            (i, area, when)
        })
        .collect();
    let lang = tr.lang().code();
    let topics = crate::reporting::topics(&state.db)
        .await?
        .into_iter()
        .map(|t| (t.id, if lang == "en" { t.name_en } else { t.name_vi }))
        .collect();
    let manage = auth.user.roots_with(Capability::ReportStreams);
    let units = crate::orgs::units_near(&state.db, &manage, 1)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let line = lines_for(state, vec![c]).await?.remove(0);
    let form = form.unwrap_or_else(|| PromoteForm {
        summary: format!(
            "{}: {}",
            tr.t("monitoring-streams-summary-prefix"),
            line.terms.join(", ")
        ),
        unit_id: line.c.scope_unit_id.to_string(),
        direction: if line.c.negative_share.unwrap_or(0.0) >= 0.5 {
            "worried".into()
        } else {
            "uneasy".into()
        },
        ..Default::default()
    });
    let mut r = page(StreamTemplate {
        c: auth.ctx.chrome_titled(format!(
            "{} — {}",
            tr.t("monitoring-stream-title"),
            line.c.label
        )),
        line,
        items,
        can_manage: !auth
            .user
            .roots_with(Capability::ManageMonitoring)
            .is_empty(),
        topics,
        units,
        form,
        pii,
        errors: errors.clone(),
        directions: crate::reporting::pages::direction_options(tr),
    });
    if !errors.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// `GET /monitoring/streams/{id}`.
pub async fn show_stream(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let c = load_scoped(&state, &auth, id).await?;
    stream_page(&state, &auth, c, None, vec![], vec![]).await
}

/// `POST /monitoring/streams/{id}/promote`: makes a reporting stream of a candidate.
pub async fn promote(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<PromoteForm>,
) -> AppResult<Response> {
    let c = load_scoped(&state, &auth, id).await?;
    crate::accounts::require(
        &state.db,
        &auth.user,
        Capability::ManageMonitoring,
        c.scope_unit_id,
    )
    .await?;
    if c.status != ClusterStatus::Candidate {
        return Err(AppError::Conflict("monitoring-streams-decided"));
    }
    let tr = auth.ctx.tr;
    let unit_id: i64 = form.unit_id.trim().parse().unwrap_or(0);
    if unit_id <= 0
        || !crate::accounts::can(&state.db, &auth.user, Capability::ReportStreams, unit_id).await?
    {
        let errors = vec![tr.t("monitoring-streams-error-unit")];
        return stream_page(&state, &auth, c, Some(form), errors, vec![]).await;
    }
    let flagged: Vec<String> = duluan_vitext::pii::detect(&form.summary)
        .iter()
        .map(|f| form.summary[f.start..f.end].to_string())
        .collect();
    if !flagged.is_empty() && form.confirm_pii != "yes" {
        let errors = vec![tr.t("monitoring-streams-pii")];
        return stream_page(&state, &auth, c, Some(form), errors, flagged).await;
    }
    let month = crate::kit::time::vn_date(chrono::Utc::now())
        .format("%Y-%m")
        .to_string();
    let reshares: i64 = store::cluster_copies(&state.db, &[c.id])
        .await?
        .first()
        .map_or(0, |x| x.1);
    let stream = crate::reporting::model::StreamForm {
        client_id: format!("monitoring-cluster-{}", c.id),
        unit_id: unit_id.to_string(),
        period: month,
        topic_id: form.topic_id.clone(),
        summary: form.summary.clone(),
        scope: "local".into(),
        breadth: "some".into(),
        direction: form.direction.clone(),
        // Reach: distinct posts and their reshares.
        intensity: if c.size + reshares >= 50 {
            "high".into()
        } else {
            "medium".into()
        },
        confirm_pii: "yes".into(),
        ..Default::default()
    };
    // The reporting stream, the decision and the audit entry in one transaction: a
    // promotion that cannot be recorded leaves no stream behind.
    let mut tx = state.db.begin().await?;
    let stream_id = match crate::reporting::create_stream(&mut tx, &stream, auth.user.id).await? {
        Ok(id) => id,
        Err(field_errors) => {
            drop(tx);
            let errors = field_errors.iter().map(|(_, k)| tr.t(k)).collect();
            return stream_page(&state, &auth, c, Some(form), errors, vec![]).await;
        }
    };
    let now = Utc::now().timestamp();
    if !store::decide_cluster(
        &mut tx,
        c.id,
        ClusterStatus::Promoted,
        Some(stream_id),
        auth.user.id,
        form.note.trim(),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict("monitoring-streams-decided"));
    }
    audit::entry(&auth.ctx.actor(), "monitoring_stream_promote")
        .object("monitor_cluster", c.id)
        .unit(c.scope_unit_id)
        .detail(json!({"stream_id": stream_id}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/reporting/streams/{stream_id}")).into_response())
}

/// The dismissal form.
#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// `POST /monitoring/streams/{id}/dismiss`.
pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let c = load_scoped(&state, &auth, id).await?;
    crate::accounts::require(
        &state.db,
        &auth.user,
        Capability::ManageMonitoring,
        c.scope_unit_id,
    )
    .await?;
    let now = Utc::now().timestamp();
    let mut tx = state.db.begin().await?;
    if !store::decide_cluster(
        &mut tx,
        c.id,
        ClusterStatus::Dismissed,
        None,
        auth.user.id,
        form.note.trim(),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict("monitoring-streams-decided"));
    }
    audit::entry(&auth.ctx.actor(), "monitoring_stream_dismiss")
        .object("monitor_cluster", c.id)
        .unit(c.scope_unit_id)
        .detail(json!({"note": form.note.trim()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/monitoring/streams").into_response())
}
