//! The search index follows the database on every node. Each change an index must take is
//! written to the change log (`store::index_log`) in the transaction that makes it: an item
//! stored, labelled, predicted or deleted, a unit whose ancestry changed (a move in the tree).
//! Every `duluan serve` tails the log from the position its own index recorded with its last
//! commit (`duluan_search::Index::position`): it reads the entries after it, reads the current
//! state of their items (and of every item of a logged unit), writes them with the ids of their
//! unit and all its ancestors (for scoping) or deletes those gone, and commits the index with
//! the last entry's number. A crash between the two loses nothing: the index's commit and its
//! position are one. A node down for a while catches up from its position; a new index, one
//! whose position was pruned from the log (the node was gone over a week) or one ahead of the
//! database (a restore) is rebuilt from the database. `duluan reindex` rebuilds by hand.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::monitoring::Runtime;
use crate::monitoring::store::{self, Item, LogEntry};

/// Log entries per batch (one index commit each).
const BATCH: i64 = 2000;
/// Items read per query.
const PAGE: i64 = 2000;
/// How often a node tails the log when nothing woke it (another node's changes): the lag of
/// search behind another node's writes is at most this plus the indexing time.
pub const POLL: Duration = Duration::from_millis(500);
/// How often an idle node says it is alive (`monitor_index_nodes.seen_at`).
const HEARTBEAT: Duration = Duration::from_secs(60);
/// A node not seen for this long is forgotten: the log is pruned without waiting for it, and
/// it rebuilds its index if it comes back.
pub const NODE_GONE_AFTER: Duration = Duration::from_secs(7 * 86_400);

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what}: {e}"))
}

/// Runs `f` on the index off the async threads.
async fn on_index<T: Send + 'static>(
    index: &Arc<duluan_search::Index>,
    f: impl FnOnce(&duluan_search::Index) -> Result<T, duluan_search::SearchError> + Send + 'static,
) -> AppResult<T> {
    let idx = index.clone();
    tokio::task::spawn_blocking(move || f(&idx))
        .await
        .map_err(|e| internal("indexer task", e))?
        .map_err(|e| internal("search index", e))
}

/// The indexer loop: runs until the server stops.
pub async fn run(state: AppState) {
    let mut heartbeat: Option<Instant> = None;
    loop {
        match follow(&state.db, &state.monitoring, 20).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "monitoring: indexing failed"),
        }
        if heartbeat.is_none_or(|t| t.elapsed() >= HEARTBEAT) {
            heartbeat = Some(Instant::now());
            if let Err(err) = record_node(&state.db, &state.monitoring).await {
                tracing::warn!(error = %err, "monitoring: the index's position was not recorded");
            }
        }
        let _ = tokio::time::timeout(POLL, state.monitoring.wake.notified()).await;
    }
}

async fn record_node(db: &Db, runtime: &Runtime) -> AppResult<()> {
    if let Ok(index) = &runtime.index {
        let now = chrono::Utc::now().timestamp();
        store::record_node(db, &runtime.node, index.position() as i64, now).await?;
    }
    Ok(())
}

fn doc_of(item: &Item, areas: &HashMap<i64, Vec<i64>>) -> duluan_search::Doc {
    duluan_search::Doc {
        id: item.id,
        text: item.body.clone(),
        title: (!item.title.is_empty()).then(|| item.title.clone()),
        source: item.source_id.to_string(),
        topic: item.topic().map(str::to_string),
        direction: item.direction().map(|d| d.key().to_string()),
        areas: item
            .unit_id
            .and_then(|u| areas.get(&u).cloned())
            .unwrap_or_default(),
        time: item.occurred_at,
    }
}

/// Writes items into the index (not committed) with their units' ancestry.
async fn upsert(db: &Db, index: &Arc<duluan_search::Index>, items: &[Item]) -> AppResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let mut units: Vec<i64> = items.iter().filter_map(|i| i.unit_id).collect();
    units.sort_unstable();
    units.dedup();
    let areas = crate::orgs::ancestor_ids(db, &units).await?;
    let docs: Vec<duluan_search::Doc> = items.iter().map(|i| doc_of(i, &areas)).collect();
    on_index(index, move |idx| idx.upsert(&docs)).await
}

/// Applies log entries to the index (not committed); returns the items written or deleted.
async fn apply(
    db: &Db,
    index: &Arc<duluan_search::Index>,
    entries: &[LogEntry],
) -> AppResult<usize> {
    let mut ids: Vec<i64> = entries.iter().filter_map(|e| e.item_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut units: Vec<i64> = entries.iter().filter_map(|e| e.unit_id).collect();
    units.sort_unstable();
    units.dedup();
    let mut done = 0;
    for chunk in ids.chunks(PAGE as usize) {
        let items = store::items_by_ids(db, chunk).await?;
        let found: HashSet<i64> = items.iter().map(|i| i.id).collect();
        let gone: Vec<i64> = chunk
            .iter()
            .copied()
            .filter(|id| !found.contains(id))
            .collect();
        done += chunk.len();
        upsert(db, index, &items).await?;
        if !gone.is_empty() {
            on_index(index, move |idx| idx.delete(&gone)).await?;
        }
    }
    for chunk in units.chunks(500) {
        let mut after = 0;
        loop {
            let items = store::items_of_units_after(db, chunk, after, PAGE).await?;
            let Some(last) = items.last().map(|i| i.id) else {
                break;
            };
            after = last;
            done += items.len();
            upsert(db, index, &items).await?;
        }
    }
    Ok(done)
}

/// Takes up to `max_batches` batches of the change log into this node's index (rebuilding it
/// first when it cannot follow the log); returns the items written or deleted.
pub async fn follow(db: &Db, runtime: &Runtime, max_batches: usize) -> AppResult<usize> {
    let Ok(index) = runtime.index.clone() else {
        return Ok(0);
    };
    let (last, pruned) = store::index_head(db).await?;
    let mut position = index.position() as i64;
    let why = if index.needs_rebuild() {
        Some("new or incomplete index")
    } else if position < pruned {
        Some("the log was pruned past the index")
    } else if position > last {
        Some("the index is ahead of the database")
    } else {
        None
    };
    if let Some(why) = why {
        tracing::info!(
            reason = why,
            "monitoring: rebuilding the search index from the database"
        );
        let n = rebuild(db, runtime).await?;
        tracing::info!(items = n, "monitoring: search index rebuilt");
        return Ok(n.max(1));
    }
    let mut total = 0;
    for _ in 0..max_batches {
        let entries = store::log_after(db, position, BATCH).await?;
        let Some(end) = entries.last().map(|e| e.seq) else {
            break;
        };
        total += apply(db, &index, &entries).await?.max(1);
        on_index(&index, move |idx| idx.commit_at(end as u64)).await?;
        position = end;
        record_node(db, runtime).await?;
        if (entries.len() as i64) < BATCH {
            break;
        }
    }
    Ok(total)
}

/// What this node's index has yet to take: entries of the log after its position, or every
/// item while it needs a rebuild.
pub async fn backlog(db: &Db, runtime: &Runtime) -> AppResult<i64> {
    match &runtime.index {
        Ok(index) if !index.needs_rebuild() => {
            store::log_backlog(db, index.position() as i64).await
        }
        _ => store::count_items(db).await,
    }
}

/// Clears this node's index and writes every item again, then records the log's position read
/// before the first item (changes made meanwhile are applied again by [`follow`], which is
/// harmless); returns the items indexed.
pub async fn rebuild(db: &Db, runtime: &Runtime) -> AppResult<usize> {
    let index = runtime
        .index
        .clone()
        .map_err(|e| internal("search index", e))?;
    let (last, _) = store::index_head(db).await?;
    // Position 0 is always pruned: a rebuild cut short starts again at the next start.
    on_index(&index, |idx| {
        idx.clear()?;
        idx.commit_at(0)
    })
    .await?;
    let (mut total, mut pages, mut after) = (0, 0, 0);
    loop {
        let items = store::items_after(db, after, PAGE).await?;
        let Some(id) = items.last().map(|i| i.id) else {
            break;
        };
        after = id;
        total += items.len();
        pages += 1;
        upsert(db, &index, &items).await?;
        if pages % 50 == 0 {
            on_index(&index, |idx| idx.commit()).await?;
        }
    }
    on_index(&index, move |idx| {
        idx.commit_at(last as u64)?;
        idx.mark_rebuilt()
    })
    .await?;
    record_node(db, runtime).await?;
    Ok(total)
}

/// Runs a search off the async threads.
pub async fn search(
    runtime: &crate::monitoring::Runtime,
    query: duluan_search::Query,
) -> Result<duluan_search::Hits, String> {
    let index: Arc<duluan_search::Index> = runtime.index.clone()?;
    tokio::task::spawn_blocking(move || index.search(&query).map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())?
}

/// `duluan reindex`: opens the configured database and index, rebuilds, prints what it did.
pub async fn reindex_command(config: &crate::config::Config) -> anyhow::Result<()> {
    let db = config.database.open().await?;
    db.migrate().await?;
    let runtime = crate::monitoring::Runtime::open(&config.database.data_dir);
    let started = std::time::Instant::now();
    let n = rebuild(&db, &runtime)
        .await
        .map_err(|e| anyhow::anyhow!("reindex failed: {e:?}"))?;
    println!(
        "Đã lập lại chỉ mục tìm kiếm: {n} mục tin trong {:.1} giây.\nSearch index rebuilt: {n} items in {:.1} s.",
        started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(())
}
