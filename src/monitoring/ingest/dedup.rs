//! Near-duplicate grouping as items are stored: the same post reshared with small edits joins the
//! group of the first item that said it (`monitor_items.dup_of`), so that spike detection counts it
//! once and pages show the original with "N copies". Two texts are the same post when their
//! fingerprints are close and their syllable pairs resemble each other at least as much as the
//! deployment's setting (`duluan_vitext::dedup::same_post`; precision and recall of the rule are
//! measured in the crate's `tests/dedup_quality.rs`).
//!
//! Compared: the items said within [`WINDOW_SECS`] of the batch's times (the newest
//! [`MAX_WINDOW`] of them), and the earlier items of the same batch.

use std::collections::{HashMap, HashSet};

use duluan_vitext::dedup::{PREFILTER_DISTANCE, hamming, same_post, shingles, simhash};

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::monitoring::store::{self, Dup, NewItem};

/// How far apart in time a copy may be from its original.
pub const WINDOW_SECS: i64 = 3 * 86_400;
/// How many stored items a batch is compared with at most.
pub const MAX_WINDOW: i64 = 50_000;

fn prints(texts: Vec<String>) -> Vec<(u64, Vec<u64>)> {
    texts.iter().map(|t| (simhash(t), shingles(t))).collect()
}

async fn off_workers<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("near-duplicates: {e}")))
}

/// Fills each item's fingerprint and the group it joins (the setting 0 keeps every item an
/// original).
pub async fn group(db: &Db, items: &mut [NewItem]) -> AppResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let texts: Vec<String> = items
        .iter()
        .map(|i| format!("{} {}", i.title, i.body))
        .collect();
    let mine = off_workers(move || prints(texts)).await?;
    for (it, p) in items.iter_mut().zip(&mine) {
        it.simhash = Some(p.0 as i64);
        it.dup = Dup::None;
    }
    let threshold = store::dedup_resemblance(db).await?;
    if threshold <= 0.0 {
        return Ok(());
    }
    let from = items.iter().map(|i| i.occurred_at).min().unwrap_or(0) - WINDOW_SECS;
    let to = items.iter().map(|i| i.occurred_at).max().unwrap_or(0) + WINDOW_SECS;
    let window = store::prints_between(db, from, to, MAX_WINDOW).await?;
    // Stored items whose fingerprint is close to one of the batch's: only their texts are read.
    let mut close: Vec<Vec<(i64, i64)>> = vec![vec![]; items.len()];
    let mut wanted: HashSet<i64> = HashSet::new();
    for (k, p) in mine.iter().enumerate() {
        for (id, print, root) in &window {
            if hamming(p.0, *print as u64) <= PREFILTER_DISTANCE {
                close[k].push((*id, root.unwrap_or(*id)));
                wanted.insert(*id);
            }
        }
    }
    let wanted: Vec<i64> = wanted.into_iter().collect();
    let stored_texts: Vec<(i64, String)> = store::texts_of(db, &wanted)
        .await?
        .into_iter()
        .map(|(id, title, body)| (id, format!("{title} {body}")))
        .collect();
    let stored: HashMap<i64, (u64, Vec<u64>)> = off_workers(move || {
        stored_texts
            .into_iter()
            .map(|(id, t)| (id, (simhash(&t), shingles(&t))))
            .collect()
    })
    .await?;
    for k in 0..items.len() {
        let me = (mine[k].0, mine[k].1.as_slice());
        // The most resembling stored item, else the first resembling earlier one of the batch.
        let best = close[k]
            .iter()
            .filter_map(|(id, root)| {
                let other = stored.get(id)?;
                let r = duluan_vitext::dedup::resemblance(me.1, &other.1);
                same_post(me, (other.0, &other.1), threshold).then_some((r, *root))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        items[k].dup = match best {
            Some((_, root)) => Dup::Stored(root),
            None => (0..k)
                .find(|j| same_post(me, (mine[*j].0, &mine[*j].1), threshold))
                .map(|j| match items[j].dup {
                    Dup::None => Dup::Batch(j),
                    other => other,
                })
                .unwrap_or(Dup::None),
        };
    }
    Ok(())
}
