//! The search index follows the store: the indexer takes items marked `needs_index` (new items,
//! new labels or predictions), writes them to the index with the ids of their unit and all its
//! ancestors (for scoping), commits, and marks them indexed unless they changed meanwhile.
//! `duluan reindex` clears the index and marks every item again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::monitoring::store::{self, Item};

/// Items per indexing batch.
const BATCH: i64 = 2000;

/// The indexer loop: runs until the server stops. An index found empty, of another version or
/// corrupt is first rebuilt from the database.
pub async fn run(state: AppState) {
    if let Ok(index) = &state.monitoring.index
        && index.needs_rebuild()
    {
        tracing::info!("monitoring: rebuilding the search index from the database");
        match rebuild(&state.db, &state.monitoring).await {
            Ok(n) => tracing::info!(items = n, "monitoring: search index rebuilt"),
            Err(err) => {
                tracing::error!(error = %err, "monitoring: rebuilding the search index failed")
            }
        }
    }
    loop {
        match index_pending(&state.db, &state.monitoring, 20).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "monitoring: indexing failed"),
        }
        let _ =
            tokio::time::timeout(Duration::from_secs(1), state.monitoring.wake.notified()).await;
    }
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

/// Indexes up to `max_batches` batches of waiting items; returns how many were indexed.
pub async fn index_pending(
    db: &Db,
    runtime: &crate::monitoring::Runtime,
    max_batches: usize,
) -> AppResult<usize> {
    let Ok(index) = runtime.index.clone() else {
        return Ok(0);
    };
    let mut total = 0;
    for _ in 0..max_batches {
        let items = store::items_to_index(db, BATCH).await?;
        if items.is_empty() {
            break;
        }
        let mut units: Vec<i64> = items.iter().filter_map(|i| i.unit_id).collect();
        units.sort_unstable();
        units.dedup();
        let areas = crate::orgs::ancestor_ids(db, &units).await?;
        let docs: Vec<duluan_search::Doc> = items.iter().map(|i| doc_of(i, &areas)).collect();
        let done: Vec<(i64, i64)> = items.iter().map(|i| (i.id, i.rev)).collect();
        let n = docs.len();
        let idx = index.clone();
        tokio::task::spawn_blocking(move || {
            idx.upsert(&docs)?;
            idx.commit()
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("indexer task: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("search index: {e}")))?;
        store::mark_indexed(db, &done).await?;
        total += n;
        if (n as i64) < BATCH {
            break;
        }
    }
    Ok(total)
}

/// Clears the index and indexes every item again (`duluan reindex`); returns the items indexed.
pub async fn rebuild(db: &Db, runtime: &crate::monitoring::Runtime) -> AppResult<usize> {
    let index = runtime
        .index
        .clone()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("search index: {e}")))?;
    let idx = index.clone();
    tokio::task::spawn_blocking(move || {
        idx.clear()?;
        idx.commit()
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("indexer task: {e}")))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!("search index: {e}")))?;
    store::mark_all_for_index(db).await?;
    let mut total = 0;
    loop {
        let n = index_pending(db, runtime, 50).await?;
        total += n;
        if n == 0 {
            break;
        }
    }
    let idx = index.clone();
    tokio::task::spawn_blocking(move || idx.mark_rebuilt())
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("indexer task: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("search index: {e}")))?;
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
