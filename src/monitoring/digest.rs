//! What other contexts read of monitoring (the documents' synthesis report, the leaders'
//! dashboard): a period's volume by direction and topic within a subtree, and its alerts.
//! Figures only; nothing per person (there is no author field to show).

use std::collections::HashMap;

use crate::db::Db;
use crate::error::AppResult;
use crate::monitoring::model::{AlertStatus, Direction};
use crate::monitoring::store;
use crate::web::i18n::Tr;

/// A period's monitoring within a subtree.
#[derive(Clone, Debug, Default)]
pub struct Digest {
    /// Items that occurred in the period.
    pub total: i64,
    /// Of those, by effective direction: positive, neutral, negative, not known.
    pub directions: [i64; 4],
    /// Items per effective topic name (the topic not known last), most first.
    pub topics: Vec<(String, i64)>,
    /// Alerts about the subtree raised in the period, or raised before and still open, newest
    /// first (at most 50).
    pub alerts: Vec<AlertDigest>,
}

/// An alert as a line.
#[derive(Clone, Debug)]
pub struct AlertDigest {
    /// Id (its page: `/monitoring/alerts/{id}`).
    pub id: i64,
    /// Topic name (every topic when the alert is about all of them).
    pub topic: String,
    /// Unit name.
    pub unit: String,
    /// When it was raised (unix seconds).
    pub created_at: i64,
    /// Items in its hour.
    pub count: i64,
    /// Baseline mean of the hour.
    pub baseline: f64,
    /// Where it stands.
    pub status: AlertStatus,
}

/// The digest of `[from, to)` (unix seconds) under `unit_id`.
pub async fn digest(db: &Db, tr: Tr, unit_id: i64, from: i64, to: i64) -> AppResult<Digest> {
    let units = crate::orgs::subtree_ids(db, &[unit_id]).await?;
    let topics = crate::monitoring::ingest::topic_keys(db).await?;
    let mut d = Digest::default();
    for (_, dir, n) in store::daily_volume(db, &units, None, from, to).await? {
        let i = match dir {
            Some(Direction::Positive) => 0,
            Some(Direction::Neutral) => 1,
            Some(Direction::Negative) => 2,
            None => 3,
        };
        d.directions[i] += n;
        d.total += n;
    }
    let (by_topic, _) = store::breakdowns(db, &units, from, to).await?;
    let mut unknown = 0;
    for (t, n) in by_topic {
        match t {
            Some(t) => d.topics.push((
                crate::monitoring::alerts::topic_name(tr, &topics, Some(&t)),
                n,
            )),
            None => unknown += n,
        }
    }
    if unknown > 0 {
        d.topics.push((tr.t("monitoring-topic-unknown"), unknown));
    }
    let alerts: Vec<_> = store::list_alerts(db, &units, None, 500)
        .await?
        .into_iter()
        .filter(|a| a.created_at < to && (a.created_at >= from || a.status != AlertStatus::Closed))
        .take(50)
        .collect();
    let ids: Vec<i64> = alerts.iter().map(|a| a.unit_id).collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(db, &ids)
        .await?
        .into_iter()
        .collect();
    d.alerts = alerts
        .into_iter()
        .map(|a| AlertDigest {
            id: a.id,
            topic: crate::monitoring::alerts::topic_name(tr, &topics, a.topic.as_deref()),
            unit: names.get(&a.unit_id).cloned().unwrap_or_default(),
            created_at: a.created_at,
            count: a.count,
            baseline: a.baseline,
            status: a.status,
        })
        .collect();
    Ok(d)
}
