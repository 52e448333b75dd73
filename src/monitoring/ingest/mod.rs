//! Ingest: every way items enter the store goes through `prepare_batch` (text repaired and
//! normalised, quality flagged, area resolved and kept inside the source's subtree, topic and
//! direction checked, predictions added, an external id for idempotency) and is written whole
//! by `store::insert_items`. Entry points: the JSON API (`POST /api/monitoring/items` with a
//! source's token), file import (CSV, JSONL, text, DOCX, PDF, images through OCR), feeds
//! (`feeds.rs`), and the internal sources (the reporting context's opinion streams). The
//! sources page lists them and creates API integrations and feeds.
//!
//! Here: the batch path every entry point shares. Entry points by file: `api`, `import`
//! (files), `internal` (reporting's streams) and `sources` (the sources page); their public
//! items are re-exported here so routes write `ingest::import_file`.

mod api;
pub mod dedup;
mod import;
mod internal;
mod sources;

pub use api::*;
pub use import::*;
pub use internal::*;
pub use sources::*;

use chrono::Utc;
use serde_json::json;

use crate::app::AppState;
use crate::audit;
use crate::db::Db;
use crate::error::AppResult;
use crate::monitoring::model::{self, Direction, ItemError};
use crate::monitoring::store::{self, NewItem, Source};

/// An item on its way in, from any entry point.
#[derive(Clone, Debug, Default)]
pub struct Incoming {
    /// The sender's id.
    pub external_id: Option<String>,
    /// Text.
    pub text: String,
    /// Title.
    pub title: String,
    /// Time (unix seconds), or now.
    pub time: Option<i64>,
    /// Area as the sender wrote it (a unit code or `#id`).
    pub area: Option<String>,
    /// Area already resolved.
    pub unit_id: Option<i64>,
    /// Topic key.
    pub topic: Option<String>,
    /// Direction key.
    pub direction: Option<String>,
    /// Link.
    pub url: String,
    /// Language.
    pub lang: String,
    /// Read by OCR.
    pub via_ocr: bool,
    /// Legacy encoding already repaired upstream.
    pub legacy: Option<String>,
    /// Line (files) or position (API) for error messages.
    pub place: usize,
}

/// The topic keys of the taxonomy (the reporting context's topics).
pub async fn topic_keys(db: &Db) -> AppResult<Vec<(String, String, String)>> {
    Ok(crate::reporting::topics(db)
        .await?
        .into_iter()
        .map(|t| (t.key, t.name_vi, t.name_en))
        .collect())
}

/// Checks and prepares a batch for `source`: every item or the list of errors.
pub async fn prepare_batch(
    state: &AppState,
    source: &Source,
    incoming: Vec<Incoming>,
    now: i64,
) -> AppResult<Result<Vec<NewItem>, Vec<ItemError>>> {
    let db = &state.db;
    let wanted = incoming
        .iter()
        .filter_map(|i| i.area.as_deref().map(str::trim))
        .filter(|a| !a.is_empty() && !a.starts_with('#'));
    let codes = state.monitoring.unit_codes(db, wanted).await?;
    let topics: Vec<String> = topic_keys(db).await?.into_iter().map(|t| t.0).collect();
    state.monitoring.refresh_models(db, false).await?;
    let (topic_model, direction_model) = {
        let m = state.monitoring.models.read().expect("models lock");
        (
            m.topic.as_ref().map(|x| x.1.clone()),
            m.direction.as_ref().map(|x| x.1.clone()),
        )
    };
    let mut errors: Vec<ItemError> = vec![];
    let mut out: Vec<NewItem> = Vec::with_capacity(incoming.len());
    let mut places: Vec<usize> = Vec::with_capacity(incoming.len());
    let mut areas: Vec<i64> = vec![];
    for inc in incoming {
        let err = |field: &str, key: &'static str| ItemError {
            index: inc.place,
            field: field.to_string(),
            key,
        };
        let prepared = match model::prepare(&inc.title, &inc.text) {
            Ok(p) => p,
            Err(key) => {
                errors.push(err("text", key));
                continue;
            }
        };
        let unit_id = match (&inc.unit_id, inc.area.as_deref().map(str::trim)) {
            (Some(u), _) => *u,
            (None, None | Some("")) => source.unit_id,
            (None, Some(a)) => {
                let found = a
                    .strip_prefix('#')
                    .and_then(|n| n.parse::<i64>().ok())
                    .or_else(|| codes.get(a).copied());
                match found {
                    Some(u) => u,
                    None => {
                        errors.push(err("area", "monitoring-error-area"));
                        continue;
                    }
                }
            }
        };
        if let Some(t) = &inc.topic
            && !topics.iter().any(|k| k == t)
        {
            errors.push(err("topic", "monitoring-error-topic"));
            continue;
        }
        let src_direction = match inc.direction {
            None => None,
            Some(d) => match Direction::try_from(d) {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(err("direction", "monitoring-error-direction"));
                    continue;
                }
            },
        };
        let time = inc.time.unwrap_or(now);
        let external_id = match inc.external_id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => {
                if id.len() > 200 {
                    errors.push(err("id", "monitoring-error-id"));
                    continue;
                }
                id.to_string()
            }
            _ => model::content_id(&[
                &prepared.title,
                &prepared.body,
                &time.to_string(),
                &unit_id.to_string(),
            ]),
        };
        let predict = |m: &Option<std::sync::Arc<duluan_vitext::classify::Classifier>>| {
            m.as_ref().map(|m| {
                let p = m.predict(&prepared.body);
                (p.label.to_string(), p.confidence)
            })
        };
        areas.push(unit_id);
        places.push(inc.place);
        out.push(NewItem {
            external_id,
            unit_id,
            occurred_at: time,
            lang: if inc.lang.is_empty() {
                "vi".into()
            } else {
                inc.lang.chars().take(8).collect()
            },
            pred_topic: predict(&topic_model),
            // The direction model is trained on directions only: it predicts one of them.
            pred_direction: predict(&direction_model)
                .and_then(|(label, c)| Some((Direction::try_from(label).ok()?, c))),
            title: prepared.title,
            body: prepared.body,
            quality: prepared.quality,
            via_ocr: inc.via_ocr,
            legacy_encoding: inc
                .legacy
                .or(prepared.legacy.map(str::to_string))
                .unwrap_or_default(),
            url: inc.url.chars().take(2000).collect(),
            src_topic: inc.topic,
            src_direction,
            skip_index: false,
            ..Default::default()
        });
    }
    // Areas must lie in the source's subtree.
    areas.sort_unstable();
    areas.dedup();
    let inside = crate::orgs::filter_within(db, &[source.unit_id], &areas).await?;
    if inside.len() != areas.len() {
        for (item, place) in out.iter().zip(&places) {
            if !inside.contains(&item.unit_id) {
                errors.push(ItemError {
                    index: *place,
                    field: "area".into(),
                    key: "monitoring-error-area-outside",
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(Ok(out))
    } else {
        errors.sort_by_key(|e| e.index);
        Ok(Err(errors))
    }
}

/// Items typed without Vietnamese marks get the machine's reading with the marks restored, kept
/// with the item, and the topic and direction models predict from that reading (off the async
/// workers; texts up to `kit::text::MAX_RESTORED_CHARS`).
async fn restore_unmarked(state: &AppState, items: &mut [NewItem]) -> AppResult<()> {
    let wanted: Vec<(usize, String)> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            i.body.chars().count() <= crate::kit::text::MAX_RESTORED_CHARS
                && duluan_vitext::restore::lacks_marks(&i.body)
        })
        .map(|(k, i)| (k, i.body.clone()))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let restorer = state.monitoring.adapted_restorer();
    let (topic_model, direction_model) = {
        let m = state.monitoring.models.read().expect("models lock");
        (
            m.topic.as_ref().map(|x| x.1.clone()),
            m.direction.as_ref().map(|x| x.1.clone()),
        )
    };
    type Restored = (usize, String, Option<(String, f64)>, Option<(String, f64)>);
    let done: Vec<Restored> = tokio::task::spawn_blocking(move || {
        wanted
            .into_iter()
            .filter_map(|(k, text)| {
                let r = crate::kit::text::reading_now(restorer.as_deref(), &text)?;
                let predict = |m: &Option<std::sync::Arc<duluan_vitext::classify::Classifier>>| {
                    m.as_ref().map(|m| {
                        let p = m.predict(&r);
                        (p.label.to_string(), p.confidence)
                    })
                };
                let (t, d) = (predict(&topic_model), predict(&direction_model));
                Some((k, r, t, d))
            })
            .collect()
    })
    .await
    .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("restoration task: {e}")))?;
    for (k, reading, topic, direction) in done {
        let item = &mut items[k];
        item.restored = Some(reading);
        if topic.is_some() {
            item.pred_topic = topic;
        }
        if let Some((label, c)) = direction
            && let Ok(d) = Direction::try_from(label)
        {
            item.pred_direction = Some((d, c));
        }
    }
    Ok(())
}

/// Prepares and stores a batch; returns the new ids, or the errors (nothing stored).
pub async fn ingest(
    state: &AppState,
    source: &Source,
    incoming: Vec<Incoming>,
    import: Option<&store::NewImport<'_>>,
) -> AppResult<Result<(Vec<i64>, usize), Vec<ItemError>>> {
    ingest_recorded(state, source, incoming, import, None).await
}

/// The audit entry of a batch a person sent (a file import), written in the batch's own
/// transaction; `created` (the new items) is added to its detail.
pub struct BatchEntry<'a> {
    /// Who.
    pub actor: &'a crate::audit::Actor,
    /// The action.
    pub action: &'a str,
    /// What (a JSON object).
    pub detail: serde_json::Value,
}

/// [`ingest`] with the audit entry `entry` in the same transaction as the items.
pub async fn ingest_recorded(
    state: &AppState,
    source: &Source,
    incoming: Vec<Incoming>,
    import: Option<&store::NewImport<'_>>,
    entry: Option<BatchEntry<'_>>,
) -> AppResult<Result<(Vec<i64>, usize), Vec<ItemError>>> {
    let now = Utc::now().timestamp();
    let n = incoming.len();
    let mut items = match prepare_batch(state, source, incoming, now).await? {
        Ok(items) => items,
        Err(errors) => return Ok(Err(errors)),
    };
    restore_unmarked(state, &mut items).await?;
    dedup::group(&state.db, &mut items).await?;
    let mut tx = state.db.begin().await?;
    let (ids, _) = store::insert_items_in(&mut tx, source.id, import, &items, now).await?;
    if let Some(e) = entry {
        let mut detail = e.detail;
        detail["created"] = json!(ids.len());
        audit::entry(e.actor, e.action)
            .object("monitor_source", source.id)
            .unit(source.unit_id)
            .detail(detail)
            .write(&mut tx)
            .await?;
    }
    tx.commit().await?;
    if !ids.is_empty() {
        state.monitoring.wake.notify_one();
    }
    Ok(Ok((ids, n)))
}
