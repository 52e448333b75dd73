//! The interviews the results pages compute from, kept per server while they are unchanged
//! (`AppState.results_cache`) and refreshed with only the interviews changed since they were
//! read.

use crate::app::AppState;
use crate::error::AppResult;

use super::{model, store};

/// The interviews the results pages read last, per survey, with the fingerprint they were read
/// at (`store::fingerprint`): a page, its crosstab, its domains, its charts and its downloads
/// read the interviews once while nothing changes. When the fingerprint changes, only the
/// interviews changed since are read into those held (see [`interviews`]). At most
/// [`CACHED_SURVEYS`] surveys are kept.
#[derive(Clone, Debug, Default)]
pub struct Cache(std::sync::Arc<CacheInner>);

#[derive(Debug, Default)]
struct CacheInner {
    entries: std::sync::Mutex<Vec<Cached>>,
    /// Reads of every interview of a survey.
    full: std::sync::atomic::AtomicU64,
    /// Refreshes with the interviews changed since.
    changed: std::sync::atomic::AtomicU64,
}

/// A survey's interviews held.
#[derive(Clone, Debug)]
struct Cached {
    survey_id: i64,
    /// The fingerprint they were read at (they may be a little newer).
    print: model::data::Fingerprint,
    data: std::sync::Arc<model::Data>,
    /// When the read they come from started (every write committed before is in).
    read_at: chrono::DateTime<chrono::Utc>,
    /// When every interview was last read.
    full_at: std::time::Instant,
}

impl Cache {
    /// Reads of every interview of a survey, and refreshes with the changed ones, so far.
    pub fn reads(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.0.full.load(Relaxed), self.0.changed.load(Relaxed))
    }

    /// Forgets every survey's interviews (the next page reads them all).
    pub fn clear(&self) {
        self.0.entries.lock().unwrap().clear();
    }

    fn held(&self, survey_id: i64) -> Option<Cached> {
        let entries = self.0.entries.lock().unwrap();
        entries.iter().find(|c| c.survey_id == survey_id).cloned()
    }

    fn take(&self, survey_id: i64) -> Option<Cached> {
        let mut entries = self.0.entries.lock().unwrap();
        let at = entries.iter().position(|c| c.survey_id == survey_id)?;
        Some(entries.remove(at))
    }

    fn keep(&self, c: Cached) {
        let mut cache = self.0.entries.lock().unwrap();
        cache.retain(|e| e.survey_id != c.survey_id);
        cache.insert(0, c);
        cache.truncate(CACHED_SURVEYS);
        while cache.len() > 1 && cache.iter().map(|c| c.data.cells()).sum::<usize>() > CACHED_CELLS
        {
            cache.pop();
        }
    }
}

/// Surveys whose interviews are kept in memory, at most.
pub const CACHED_SURVEYS: usize = 8;
/// Answers (interviews × variables) kept in memory, at most, beyond the survey just read: about
/// 4 bytes each.
pub const CACHED_CELLS: usize = 20_000_000;
/// Interviews refreshed with the changed ones only are read whole again after this long: what
/// no fingerprint sees (a unit renamed, weights that keep their sum) shows by then at the
/// latest.
pub const FULL_READ_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// The completed interviews of a survey, from the cache while its fingerprint is unchanged.
///
/// When it changed, the interviews held are taken out of the cache and refreshed with those
/// changed since (`store::refresh_data`: new ones added, edited ones replaced), in a copy if a
/// page still computes from them (a page of the same survey asked meanwhile finds none held and
/// reads every interview itself); the refresh stands only if the new fingerprint
/// accounts for every interview ([`model::data::Fingerprint::admits`]: none deleted, no case
/// reweighted), otherwise every interview is read again, as it is for a survey not held or
/// read whole more than [`FULL_READ_AFTER`] ago. Either way the result is what a full read gives,
/// row for row.
pub async fn interviews(
    state: &AppState,
    survey_id: i64,
) -> AppResult<std::sync::Arc<model::Data>> {
    use std::sync::atomic::Ordering::Relaxed;
    let cache = &state.results_cache;
    let read_at = chrono::Utc::now();
    let print = store::fingerprint(&state.db, survey_id).await?;
    let held = cache.held(survey_id);
    if let Some(c) = &held
        && c.print == print
    {
        return Ok(c.data.clone());
    }
    if held.is_some_and(|c| c.full_at.elapsed() < FULL_READ_AFTER)
        && let Some(mut c) = cache.take(survey_id)
    {
        // Out of the cache, the interviews are changed in place unless a page in flight still
        // computes from them: then it keeps them and the refresh changes a copy.
        let data = std::sync::Arc::make_mut(&mut c.data);
        let read = store::refresh_data(&state.db, survey_id, c.read_at, data).await?;
        match print.admits(&c.print, data, read) {
            Ok(()) => {
                cache.0.changed.fetch_add(1, Relaxed);
                c.print = print;
                c.read_at = read_at;
                cache.keep(c.clone());
                return Ok(c.data);
            }
            Err(why) => tracing::debug!(survey_id, %why, "results: interviews read again"),
        }
    }
    let data = std::sync::Arc::new(store::completed_data(&state.db, &[survey_id]).await?);
    cache.0.full.fetch_add(1, Relaxed);
    cache.keep(Cached {
        survey_id,
        print,
        data: data.clone(),
        read_at,
        full_at: std::time::Instant::now(),
    });
    Ok(data)
}
