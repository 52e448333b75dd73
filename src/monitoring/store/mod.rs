//! All SQL of monitoring: sources, imports, items and their labels and predictions, models,
//! clusters (emerging streams), thresholds, alerts and their notifications.
//!
//! Times are unix seconds. The effective topic and direction of an item (a person's label, else
//! the source's, else a confident prediction) are computed in SQL by [`EFF_TOPIC`]/[`EFF_DIR`],
//! the same rule as `model::effective`.
//!
//! One file per sub-resource: `sources`, `items` (with file imports and the page listings),
//! `index_log` (the search index's change log, which every node's indexer follows),
//! `labels_models` (labels, predictions, training examples, models), `spikes` (hourly counts
//! and thresholds), `alerts` (with notifications) and `clusters`; their items are re-exported
//! here so callers write `store::find_item`.

mod alerts;
mod clusters;
mod index_log;
mod items;
mod labels_models;
mod sources;
mod spikes;

pub use alerts::*;
pub use clusters::*;
pub use index_log::*;
pub use items::*;
pub use labels_models::*;
pub use sources::*;
pub use spikes::*;

/// The effective topic of `i` (a row of `monitor_items`).
pub const EFF_TOPIC: &str = "COALESCE(i.label_topic, i.src_topic, CASE WHEN i.pred_topic_conf >= 0.5 THEN i.pred_topic END)";
/// The effective direction of `i`.
pub const EFF_DIR: &str = "COALESCE(i.label_direction, i.src_direction, CASE WHEN i.pred_direction_conf >= 0.5 THEN i.pred_direction END)";

/// Seconds added to a unix time to get Vietnam's wall clock (UTC+7), for daily buckets.
pub const VN_OFFSET: i64 = crate::kit::time::VN_OFFSET_SECS as i64;
