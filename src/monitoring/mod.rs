//! Opinion monitoring (*theo dõi thông tin, nắm bắt dư luận*): every source of opinion — opinion
//! streams of the reporting context, external systems through the ingest API (*tích hợp*), files
//! (CSV, JSONL, text, DOCX, PDF, scanned pages through OCR), RSS/Atom feeds (*nguồn tin*) —
//! becomes items (*mục tin*) in one store; a diacritic-insensitive search index
//! (`duluan-search`, tantivy) follows the store; people label items (*gán nhãn*: topic and
//! direction) and models learnt from the labels predict the rest (*mô hình, dự đoán*, marked as
//! machine-made); clusters of recent items are shown as emerging streams (*luồng dư luận mới*)
//! that an analyst turns into a reporting stream or dismisses; spikes per topic × area and per
//! cluster raise alerts (*cảnh báo điểm nóng*) with their explanation, sent to the analysts of
//! the affected subtree by e-mail and in the app.
//!
//! Invariants: items keep their source and time and never an author (no field names who said
//! something; nothing aggregates per person); an item is unique per (source, external id), so a
//! replayed API batch or a re-imported file creates nothing new; a file or a batch is stored
//! whole or not at all; the index is derived from the database and local to each node, which
//! follows the change log written in the same transaction as every change (`index.rs`;
//! `duluan reindex` rebuilds it); an alert is unique per spike
//! (series × hour), so a restart never raises it twice, and its messages carry idempotency keys.
//!
//! Layout: `store/` (all its SQL, one file per sub-resource), `model.rs` (pure rules), `ingest/`
//! (the one way in: the batch path, then one file per entry point), `pages/` (overview, search,
//! item), `alerts/` (detection, pages, thresholds), `learn.rs`, `streams.rs`, `feeds.rs`,
//! `index.rs`, `charts.rs` and `demo.rs` (demo data, [`load_demo`]); its benchmark is
//! `tests/app/bench/monitoring.rs`.

pub mod alerts;
pub mod charts;
mod demo;
mod digest;
pub mod feeds;
pub mod index;
pub mod ingest;
pub mod learn;
pub mod model;
pub mod pages;
pub mod store;
pub mod streams;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::app::AppState;
use crate::db::Db;
use crate::error::AppResult;
use model::LabelKind;

pub use demo::load_demo;
pub use digest::{AlertDigest, Digest, digest};

/// The trained models in use, loaded once and shared by ingest and pages.
#[derive(Default)]
pub struct Models {
    /// Topic model and its id.
    pub topic: Option<(i64, Arc<duluan_vitext::classify::Classifier>)>,
    /// Direction model and its id.
    pub direction: Option<(i64, Arc<duluan_vitext::classify::Classifier>)>,
}

/// Unit codes → ids, with the time they were read.
type CodeCache = (Instant, Arc<HashMap<String, i64>>);

/// Monitoring's share of the application state: the search index and the models in use.
#[derive(Clone)]
pub struct Runtime {
    /// The search index, or why it could not be opened (search then says so; the rest works).
    pub index: Result<Arc<duluan_search::Index>, String>,
    /// Wakes the indexer after an ingest.
    pub wake: Arc<tokio::sync::Notify>,
    /// This index's name among the nodes following the change log (host and folder).
    pub node: String,
    /// Models in use.
    pub models: Arc<RwLock<Models>>,
    /// The restoration model adapted to the deployment's own accented text (`learn::adapt_restorer`),
    /// once made; the built-in one until then.
    pub restorer: Arc<RwLock<Option<Arc<duluan_vitext::restore::Model>>>>,
    models_loaded: Arc<Mutex<Option<Instant>>>,
    codes: Arc<Mutex<Option<CodeCache>>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("index", &self.index.as_ref().map(|_| "open"))
            .finish()
    }
}

impl Runtime {
    /// The restoration model adapted to the deployment's own accented text, once made (`None`:
    /// the built-in one): for every page that shows a restored reading.
    pub fn adapted_restorer(&self) -> Option<Arc<duluan_vitext::restore::Model>> {
        self.restorer.read().expect("restorer lock").clone()
    }

    /// Opens (or creates) the index in `data_dir/search-index`.
    pub fn open(data_dir: &std::path::Path) -> Runtime {
        let dir = data_dir.join("search-index");
        let index = std::fs::create_dir_all(&dir)
            .map_err(|e| e.to_string())
            .and_then(|_| duluan_search::Index::open(&dir).map_err(|e| e.to_string()))
            .map(Arc::new);
        if let Err(err) = &index {
            tracing::error!(error = %err, dir = %dir.display(), "the search index cannot be opened");
        }
        let host = hostname::get()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "localhost".into());
        let folder = std::fs::canonicalize(&dir).unwrap_or(dir);
        Runtime {
            index,
            wake: Arc::new(tokio::sync::Notify::new()),
            node: format!("{host}:{}", folder.display()),
            models: Arc::new(RwLock::new(Models::default())),
            restorer: Arc::new(RwLock::new(None)),
            models_loaded: Arc::new(Mutex::new(None)),
            codes: Arc::new(Mutex::new(None)),
        }
    }

    /// Unit codes → ids, cached for a minute (area codes of incoming items). Codes of `wanted`
    /// that the cache lacks are looked up (a few one by one, many by reloading the map), so a
    /// unit created a moment ago, here or on another node, is known at once.
    pub async fn unit_codes<'a>(
        &self,
        db: &Db,
        wanted: impl IntoIterator<Item = &'a str>,
    ) -> AppResult<Arc<HashMap<String, i64>>> {
        let cached = match self.codes.lock().expect("codes lock").as_ref() {
            Some((at, map)) if at.elapsed() < Duration::from_secs(60) => Some(map.clone()),
            _ => None,
        };
        let Some(map) = cached else {
            let map = Arc::new(crate::orgs::map_codes(db).await?);
            *self.codes.lock().expect("codes lock") = Some((Instant::now(), map.clone()));
            return Ok(map);
        };
        let mut missing: Vec<&str> = wanted
            .into_iter()
            .filter(|c| !map.contains_key(*c))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(map);
        }
        let mut grown = (*map).clone();
        if missing.len() > 20 {
            grown = crate::orgs::map_codes(db).await?;
        } else {
            for code in missing {
                if let Some(id) = crate::orgs::resolve_unit_ref(db, code).await? {
                    grown.insert(code.to_string(), id);
                }
            }
        }
        let grown = Arc::new(grown);
        let mut slot = self.codes.lock().expect("codes lock");
        let at = slot.as_ref().map_or_else(Instant::now, |(at, _)| *at);
        *slot = Some((at, grown.clone()));
        Ok(grown)
    }

    /// Loads the active models from the database when they may have changed (at most every
    /// ten seconds, or now when `force`).
    pub async fn refresh_models(&self, db: &Db, force: bool) -> AppResult<()> {
        {
            let loaded = self.models_loaded.lock().expect("models lock");
            if !force && loaded.is_some_and(|at| at.elapsed() < Duration::from_secs(10)) {
                return Ok(());
            }
        }
        let mut fresh = Models::default();
        for kind in LabelKind::ALL {
            let current = {
                let m = self.models.read().expect("models lock");
                if kind == LabelKind::Topic {
                    m.topic.clone()
                } else {
                    m.direction.clone()
                }
            };
            let active = store::active_model(db, kind).await?;
            let slot = match active {
                None => None,
                Some((row, _)) if current.as_ref().is_some_and(|c| c.0 == row.id) => current,
                Some((row, bytes)) => match duluan_vitext::classify::Classifier::from_bytes(&bytes)
                {
                    Ok(model) => Some((row.id, Arc::new(model))),
                    Err(err) => {
                        tracing::error!(error = %err, model = row.id, "a stored model cannot be read");
                        None
                    }
                },
            };
            if kind == LabelKind::Topic {
                fresh.topic = slot;
            } else {
                fresh.direction = slot;
            }
        }
        *self.models.write().expect("models lock") = fresh;
        *self.models_loaded.lock().expect("models lock") = Some(Instant::now());
        Ok(())
    }
}

/// Units moved in the organisation tree: the organisation context calls this in the move's own
/// transaction with every unit of the moved subtrees. Each unit gets an entry in the search
/// index's log, so every node's indexer rewrites their items with their new ancestry within
/// seconds; meanwhile search re-checks each hit against the current tree
/// (`pages::show_search`), so a moved unit's items never show outside the reader's subtree.
pub async fn units_moved(tx: &mut crate::db::Tx, units: &[i64]) -> AppResult<()> {
    store::log_units(tx, units, chrono::Utc::now().timestamp()).await
}

/// Keeps only the items whose unit lies, in the current tree, under one of `roots` (one query).
pub async fn items_in_scope(db: &Db, roots: &[i64], items: &mut Vec<store::Item>) -> AppResult<()> {
    let mut units: Vec<i64> = items.iter().filter_map(|i| i.unit_id).collect();
    units.sort_unstable();
    units.dedup();
    let inside: std::collections::HashSet<i64> = crate::orgs::filter_within(db, roots, &units)
        .await?
        .into_iter()
        .collect();
    items.retain(|i| i.unit_id.is_some_and(|u| inside.contains(&u)));
    Ok(())
}

/// A monitoring alert as evidence for another context (a hot spot): its unit and a one-line
/// label in `tr`'s language, when it exists and `user` may read it there.
pub async fn alert_brief(
    db: &Db,
    user: &crate::accounts::model::CurrentUser,
    id: i64,
    tr: crate::web::i18n::Tr,
) -> AppResult<Option<(i64, String)>> {
    use crate::accounts::model::Capability;
    let Some(a) = store::find_alert(db, id).await? else {
        return Ok(None);
    };
    if !crate::accounts::can(db, user, Capability::ViewMonitoring, a.unit_id).await? {
        return Ok(None);
    }
    let unit = crate::orgs::unit_names(db, &[a.unit_id])
        .await?
        .pop()
        .map(|u| u.1)
        .unwrap_or_default();
    let topics = ingest::topic_keys(db).await?;
    let topic = alerts::topic_name(tr, &topics, a.topic.as_deref());
    Ok(Some((
        a.unit_id,
        tr.ta(
            "monitoring-alert-brief",
            &[
                ("topic", topic),
                ("unit", unit),
                ("count", a.count.to_string()),
                ("hour", crate::kit::time::show_unix_secs(a.bucket_start)),
            ],
        ),
    )))
}

/// A monitored item as evidence for another context: its unit and its title (or the start of
/// its text) with its source, when it exists and `user` may read it there.
pub async fn item_brief(
    db: &Db,
    user: &crate::accounts::model::CurrentUser,
    id: i64,
) -> AppResult<Option<(i64, String)>> {
    use crate::accounts::model::Capability;
    let Some(item) = store::find_item(db, id).await? else {
        return Ok(None);
    };
    let Some(unit) = item.unit_id else {
        return Ok(None);
    };
    if !crate::accounts::can(db, user, Capability::ViewMonitoring, unit).await? {
        return Ok(None);
    }
    let text = if item.title.trim().is_empty() {
        item.body.chars().take(200).collect::<String>()
    } else {
        item.title.chars().take(200).collect::<String>()
    };
    Ok(Some((
        unit,
        format!("{} — {}", text.trim(), item.source_name),
    )))
}

/// Routes of the monitoring pages and of the ingest API.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/monitoring", get(pages::show_overview))
        .route("/monitoring/search", get(pages::show_search))
        .route("/monitoring/items/{id}", get(pages::show_item))
        .route("/monitoring/items/{id}/label", post(learn::label_item))
        .route("/monitoring/label", get(learn::show_queue))
        .route("/monitoring/models", get(learn::show_models))
        .route("/monitoring/models/train", post(learn::train_now))
        .route("/monitoring/streams", get(streams::show_streams))
        .route("/monitoring/streams/run", post(streams::run_now))
        .route("/monitoring/streams/{id}", get(streams::show_stream))
        .route("/monitoring/streams/{id}/promote", post(streams::promote))
        .route("/monitoring/streams/{id}/dismiss", post(streams::dismiss))
        .route("/monitoring/alerts", get(alerts::show_alerts))
        .route("/monitoring/alerts/run", post(alerts::run_now))
        .route("/monitoring/alerts/{id}", get(alerts::show_alert))
        .route("/monitoring/alerts/{id}/ack", post(alerts::acknowledge))
        .route("/monitoring/alerts/{id}/close", post(alerts::close))
        .route(
            "/monitoring/thresholds",
            get(alerts::show_thresholds).post(alerts::save_threshold),
        )
        .route("/monitoring/thresholds/dedup", post(alerts::save_dedup))
        .route(
            "/monitoring/sources",
            get(ingest::show_sources).post(ingest::create_source),
        )
        .route("/monitoring/sources/{id}/poll", post(feeds::poll_now))
        .route(
            "/monitoring/sources/{id}/active",
            post(ingest::toggle_source),
        )
        .route("/monitoring/sources/sync", post(ingest::sync_now))
        .route(
            "/monitoring/import",
            post(ingest::import_file).layer(axum::extract::DefaultBodyLimit::max(
                model::MAX_FILE_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/api/monitoring/items",
            post(ingest::api_ingest).layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route("/monitoring/assets/monitoring.css", get(stylesheet))
}

async fn stylesheet() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/monitoring.css"),
    )
        .into_response()
}

/// Starts the indexer (part of every running server, tests included: search must follow
/// ingest within seconds). Returns its task so that the server can stop it.
pub fn spawn_indexer(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(index::run(state))
}

/// Retention: deletes the items that occurred before `before` (unix seconds), with their
/// labels and stream memberships, and takes them out of the search index; returns how many.
pub async fn purge_items_before(state: &AppState, before: i64) -> AppResult<u64> {
    let mut total = 0u64;
    loop {
        // Each chunk logs its deletions for every node's index in its own transaction.
        let ids = store::delete_items_before(&state.db, before, 1_000).await?;
        if ids.is_empty() {
            break;
        }
        total += ids.len() as u64;
    }
    state.monitoring.wake.notify_one();
    Ok(total)
}

/// Retention: deletes the alert notifications created before `before` (unix seconds).
pub async fn purge_notifications_before(db: &Db, before: i64) -> AppResult<u64> {
    store::delete_notifications_before(db, before).await
}

/// Changes this node's search index has yet to take (entries of the change log after its
/// position; every item while it is rebuilt): a gauge of `/metrics`.
pub async fn index_backlog(db: &Db, runtime: &Runtime) -> AppResult<i64> {
    index::backlog(db, runtime).await
}

/// Retention of the search index's change log: forgets nodes not seen for a week and deletes
/// the entries every remaining node has applied. Returns the entries deleted.
pub async fn prune_index_log(db: &Db, now: i64) -> AppResult<u64> {
    store::prune_log(db, now - index::NODE_GONE_AFTER.as_secs() as i64).await
}

/// Starts monitoring's background work (`duluan serve` only): syncing internal sources,
/// polling feeds, retraining models and clustering in one task, spike detection in another, so
/// that a long clustering or training run never delays an alert.
pub fn spawn_workers(state: AppState) {
    let detector = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            let period = Duration::from_secs(30);
            if !crate::ops::lease::hold(&detector, "monitoring_detection", period).await {
                continue;
            }
            let now = chrono::Utc::now().timestamp();
            let run = alerts::run(&detector, now).await;
            crate::ops::job_ran("monitoring_detection", run.is_ok());
            if let Err(err) = run {
                tracing::warn!(error = %err, "monitoring: spike detection failed");
            }
        }
    });
    tokio::spawn(async move {
        // Five seconds after detection: at start, the first clustering sees the first
        // detection's alerts and does not raise the same surge again for its stream.
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(5),
            Duration::from_secs(30),
        );
        let mut round: u64 = 0;
        loop {
            tick.tick().await;
            if !crate::ops::lease::hold(&state, "monitoring_sources", Duration::from_secs(30)).await
            {
                continue;
            }
            round += 1;
            let now = chrono::Utc::now().timestamp();
            let synced = ingest::sync_internal(&state, now).await;
            crate::ops::job_ran("monitoring_sync", synced.is_ok());
            if let Err(err) = synced {
                tracing::warn!(error = %err, "monitoring: syncing internal sources failed");
            }
            let polled = feeds::poll_due(&state, now).await;
            crate::ops::job_ran("monitoring_feeds", polled.is_ok());
            if let Err(err) = polled {
                tracing::warn!(error = %err, "monitoring: polling feeds failed");
            }
            // Every hour (and at start): the restoration model learns the deployment's own
            // accented text (its place names and phrasing).
            if round % 120 == 1
                && let Err(err) = learn::adapt_restorer(&state).await
            {
                tracing::warn!(error = %err, "monitoring: adapting the restoration model failed");
            }
            if round % 4 == 1 {
                for kind in model::LabelKind::ALL {
                    if let Err(err) = learn::retrain_if_needed(&state, kind).await {
                        let kind = kind.key();
                        tracing::warn!(error = %err, kind, "monitoring: retraining failed");
                    }
                }
            }
            // Emerging streams (each checked for its own spikes once clustered); a surge
            // already raised as a topic × area spike is not raised twice.
            if round % 10 == 1
                && let Err(err) = streams::run(&state, now).await
            {
                tracing::warn!(error = %err, "monitoring: clustering failed");
            }
        }
    });
}
