//! Alerts (*cảnh báo điểm nóng*): spike detection with `duluan_vitext::spikes` per topic × area,
//! per area over every topic, and per emerging stream (cluster), with hourly buckets against the
//! same hour of the previous days, and thresholds per topic (`*` for the rest). A spike becomes an
//! alert once — the alert's key is the series and the hour, unique in the database, so a restart
//! or a second node never raises it twice — carrying its explanation (jump, terms, example items,
//! areas). The analysts covering the area hear of it in the app and by e-mail (idempotency keys
//! per alert and person); they acknowledge and close it with a note.
//!
//! Here: detection, raising and notifying; the pages are in `pages` and `thresholds`, their
//! public items re-exported here so routes write `alerts::show_alerts`.

mod pages;
mod thresholds;

pub use pages::*;
pub use thresholds::*;

use std::collections::HashMap;

use chrono::Utc;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::monitoring::model::{self, AlertKind, Direction, Threshold};
use crate::monitoring::store::{self, Alert, Item, NewAlert};
use crate::web::i18n::{Lang, Tr};

/// History read per series (the baseline needs previous days).
const HISTORY: i64 = 8 * 86_400;

fn thresholds_map(rows: Vec<store::ThresholdRow>) -> HashMap<String, Threshold> {
    rows.into_iter()
        .map(|r| {
            (
                r.topic,
                Threshold {
                    min_volume: r.min_volume,
                    z: r.z,
                },
            )
        })
        .collect()
}

fn threshold_for(map: &HashMap<String, Threshold>, topic: Option<&str>) -> Threshold {
    topic
        .and_then(|t| map.get(t))
        .or_else(|| map.get("*"))
        .copied()
        .unwrap_or(Threshold {
            min_volume: 10,
            z: 3.0,
        })
}

fn options(th: Threshold) -> duluan_vitext::spikes::Options {
    duluan_vitext::spikes::Options {
        granularity: duluan_vitext::spikes::Granularity::Hour,
        min_volume: th.min_volume.clamp(1, u32::MAX as i64) as u32,
        z_threshold: th.z,
        ..duluan_vitext::spikes::Options::default()
    }
}

/// Detects spikes in the series `rows` (items of one series), keeping those of the last two hours.
fn detect_recent(
    key: &str,
    rows: &[store::SeriesItem],
    units: &[Option<i64>],
    th: Threshold,
    now: i64,
) -> Vec<(duluan_vitext::spikes::Spike, Vec<i64>)> {
    let area_names: Vec<Option<String>> = units.iter().map(|u| u.map(|u| u.to_string())).collect();
    let items: Vec<duluan_vitext::spikes::Item<'_>> = rows
        .iter()
        .zip(area_names.iter())
        .map(|(r, area)| duluan_vitext::spikes::Item {
            time: r.1,
            series: key,
            text: &r.2,
            negative: r.3.map(|d| d == Direction::Negative),
            area: area.as_deref(),
        })
        .collect();
    let since = now - now.rem_euclid(3600) - 3600;
    duluan_vitext::spikes::detect(&items, &options(th))
        .into_iter()
        .filter(|s| s.start >= since)
        .map(|s| {
            let examples = s.examples.iter().map(|&i| rows[i].0).collect();
            (s, examples)
        })
        .collect()
}

/// Stores an alert for a spike (unless it exists) and tells the analysts; returns its id if new.
#[allow(clippy::too_many_arguments)]
async fn raise(
    state: &AppState,
    key: &str,
    kind: AlertKind,
    topic: Option<String>,
    unit_id: i64,
    cluster_id: Option<i64>,
    spike: &duluan_vitext::spikes::Spike,
    examples: Vec<i64>,
    now: i64,
) -> AppResult<Option<i64>> {
    let areas: Vec<(i64, u32)> = spike
        .areas
        .iter()
        .filter_map(|(a, n)| a.parse::<i64>().ok().map(|a| (a, *n)))
        .collect();
    let alert = NewAlert {
        dedup_key: format!("{key}|{}", spike.start),
        kind,
        topic,
        unit_id,
        cluster_id,
        bucket_start: spike.start,
        bucket_end: spike.end,
        count: spike.count as i64,
        baseline: spike.baseline_mean,
        z: spike.z,
        spike_kind: spike.kind.into(),
        negative_now: spike.negative_share.map(|s| s.0),
        negative_before: spike.negative_share.map(|s| s.1),
        terms: serde_json::to_string(&spike.top_terms).unwrap_or_default(),
        example_ids: serde_json::to_string(&examples).unwrap_or_default(),
        areas: serde_json::to_string(&areas).unwrap_or_default(),
    };
    // The alert, its notifications and its e-mails in one transaction: the alert is unique per
    // spike, so an alert kept without them would never be announced.
    let mut tx = state.db.begin().await?;
    let Some(id) = store::insert_alert(&mut tx, &alert, now).await? else {
        return Ok(None);
    };
    notify(state, &mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(
        alert = id,
        series = key,
        count = spike.count,
        "monitoring: alert raised"
    );
    Ok(Some(id))
}

/// In-app notifications and e-mails for a new alert, to everyone who manages monitoring over
/// its unit (each once, whatever happens later), in the alert's transaction.
pub async fn notify(state: &AppState, tx: &mut crate::db::Tx, alert_id: i64) -> AppResult<usize> {
    let alert = store::find_alert_in(tx, alert_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let people =
        crate::accounts::users_covering(&state.db, Capability::ManageMonitoring, alert.unit_id)
            .await?;
    let unit = crate::orgs::unit_names(&state.db, &[alert.unit_id])
        .await?
        .into_iter()
        .next()
        .map(|u| u.1)
        .unwrap_or_default();
    let topics = crate::monitoring::ingest::topic_keys(&state.db).await?;
    let now = Utc::now().timestamp();
    let mut sent = 0;
    for (user_id, email, lang) in people {
        store::insert_notification(
            tx,
            &format!("alert:{alert_id}:{user_id}"),
            user_id,
            alert_id,
            now,
        )
        .await?;
        if email.is_empty() {
            continue;
        }
        let tr = Tr(lang);
        let (subject, body) = message(
            tr,
            &alert,
            &unit,
            &topics,
            state.config.public_url.as_deref().unwrap_or(""),
        );
        let key = format!("monitoring.alert:{alert_id}:{user_id}");
        // A refused address is checked before any statement: the transaction stays usable.
        let queued = crate::mail::enqueue_in(
            tx,
            &crate::mail::Mail {
                idempotency_key: &key,
                to: &email,
                subject: &subject,
                body: &body,
                html: None,
                context: "monitoring.alert",
                unit_id: Some(alert.unit_id),
            },
        )
        .await;
        match queued {
            Ok(Some(_)) => sent += 1,
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(user = user_id, error = %err, "monitoring: alert e-mail refused")
            }
        }
    }
    Ok(sent)
}

/// The name of a topic key in `tr`'s language (every topic for `None`; the key itself when
/// the taxonomy no longer has it).
pub fn topic_name(tr: Tr, topics: &[(String, String, String)], topic: Option<&str>) -> String {
    match topic {
        None => tr.t("monitoring-all-topics"),
        Some(t) => topics
            .iter()
            .find(|x| x.0 == t)
            .map(|x| {
                if tr.lang() == Lang::En {
                    x.2.clone()
                } else {
                    x.1.clone()
                }
            })
            .unwrap_or_else(|| t.to_string()),
    }
}

/// Subject and plain-text body of an alert e-mail in the recipient's language.
/// The alert's e-mail; its link starts with `base` (the deployment's public address, empty when
/// none is configured: a background job answers no request whose address it could use).
fn message(
    tr: Tr,
    a: &Alert,
    unit: &str,
    topics: &[(String, String, String)],
    base: &str,
) -> (String, String) {
    let topic = topic_name(tr, topics, a.topic.as_deref());
    let terms: Vec<String> = serde_json::from_str(&a.terms).unwrap_or_default();
    let subject = tr.ta(
        "monitoring-alert-mail-subject",
        &[("topic", topic.clone()), ("unit", unit.to_string())],
    );
    let body = tr.ta(
        "monitoring-alert-mail-body",
        &[
            ("topic", topic),
            ("unit", unit.to_string()),
            ("count", a.count.to_string()),
            ("hour", crate::kit::time::show_unix_secs(a.bucket_start)),
            ("baseline", format!("{:.1}", a.baseline)),
            ("terms", terms.join(", ")),
            ("link", format!("{base}/monitoring/alerts/{}", a.id)),
        ],
    );
    (subject, body)
}

/// Items of a series as the spike engine reads them.
fn spike_items<'a>(
    rows: &'a [store::SeriesItem],
    series: &'a str,
    area: &'a str,
) -> Vec<duluan_vitext::spikes::Item<'a>> {
    rows.iter()
        .map(|r| duluan_vitext::spikes::Item {
            time: r.1,
            series,
            text: &r.2,
            negative: r.3.map(|d| d == Direction::Negative),
            area: Some(area),
        })
        .collect()
}

/// A series of the count-based run: `(topic, unit)`; topic `None` is every topic of the unit.
type SeriesId = (Option<String>, i64);

/// One detection run over topic × area and area series; returns the alerts raised.
///
/// It reads hourly **counts** (never texts) of the last two hours and of the same two hours on
/// each of the previous days that make the seasonal baseline, scores every series with
/// `duluan_vitext::spikes::score`, and reads texts only for a bucket that spikes (and its
/// baseline hours) to explain it with `duluan_vitext::spikes::explain`. Its cost grows with the
/// items of 16 hours, not with the history, so it keeps up at 1,000,000 items a day.
pub async fn run(state: &AppState, now: i64) -> AppResult<usize> {
    use duluan_vitext::spikes::{Counts, Spike, explain, score};
    let db = &state.db;
    let thresholds = thresholds_map(store::list_thresholds(db).await?);
    let seasons = duluan_vitext::spikes::Options::default().seasons as i64;
    let cur = now.div_euclid(3600);
    let recent = [cur - 1, cur];
    let mut cells: HashMap<SeriesId, HashMap<i64, Counts>> = HashMap::new();
    for k in 0..=seasons {
        let from = (cur - 1 - 24 * k) * 3600;
        let to = (cur + 1 - 24 * k) * 3600;
        for (topic, unit, hour, n, neg, known) in store::hour_counts(db, from, to).await? {
            let add = |c: &mut Counts| {
                c.count += n as u32;
                c.negative += neg as u32;
                c.known += known as u32;
            };
            if let Some(t) = topic {
                add(cells
                    .entry((Some(t), unit))
                    .or_default()
                    .entry(hour)
                    .or_default());
            }
            add(cells
                .entry((None, unit))
                .or_default()
                .entry(hour)
                .or_default());
        }
    }
    // Candidates: a recent hour with enough items for its topic's threshold.
    let mut candidates: Vec<(SeriesId, i64)> = vec![];
    for (series, hours) in &cells {
        let th = threshold_for(&thresholds, series.0.as_deref());
        for b in recent {
            if hours
                .get(&b)
                .is_some_and(|c| c.count as i64 >= th.min_volume)
            {
                candidates.push((series.clone(), b));
            }
        }
    }
    // Topic series first: a spike seen in a topic is not raised again for "every topic".
    candidates.sort_by(|a, b| {
        (a.0.0.is_none(), &a.0.0, a.0.1, a.1).cmp(&(b.0.0.is_none(), &b.0.0, b.0.1, b.1))
    });
    let mut first_hour: HashMap<i64, i64> = HashMap::new();
    let mut raised = 0;
    let mut hot: Vec<(i64, i64)> = vec![]; // (unit, bucket start) already alerted in this run
    for ((topic, unit), b) in candidates {
        let th = threshold_for(&thresholds, topic.as_deref());
        let opts = options(th);
        // The baseline covers the days the unit has history for (at least three are needed).
        let lo = match first_hour.get(&unit) {
            Some(h) => *h,
            None => {
                let h = store::first_item_time(db, unit, now - HISTORY)
                    .await?
                    .map_or(cur, |t| t.div_euclid(3600));
                first_hour.insert(unit, h);
                h
            }
        };
        let hours = &cells[&(topic.clone(), unit)];
        let base: Vec<i64> = (1..=seasons)
            .map(|k| b - 24 * k)
            .filter(|&x| x >= lo)
            .collect();
        let base_counts: Vec<Counts> = base
            .iter()
            .map(|x| hours.get(x).copied().unwrap_or_default())
            .collect();
        let Some(verdict) = score(hours[&b], &base_counts, &opts) else {
            continue;
        };
        let start = b * 3600;
        if topic.is_none()
            && (hot.contains(&(unit, start)) || store::alerts_at(db, unit, start).await? > 0)
        {
            continue;
        }
        let key = model::series_key(topic.as_deref(), unit);
        if store::alert_key_exists(db, &format!("{key}|{start}")).await? {
            hot.push((unit, start));
            continue;
        }
        // Texts of the spiking hour and of its baseline hours, for the explanation.
        let now_rows =
            store::series_items(db, unit, topic.as_deref(), start, start + 3600, 5000).await?;
        let per_base = (5000 / base.len().max(1)) as i64;
        let mut base_rows = vec![];
        for x in &base {
            base_rows.extend(
                store::series_items(
                    db,
                    unit,
                    topic.as_deref(),
                    x * 3600,
                    x * 3600 + 3600,
                    per_base,
                )
                .await?,
            );
        }
        let area = unit.to_string();
        let e = explain(
            &spike_items(&now_rows, &key, &area),
            &spike_items(&base_rows, &key, &area),
            &opts,
        );
        let examples: Vec<i64> = e.examples.iter().map(|&i| now_rows[i].0).collect();
        let spike = Spike {
            series: key.clone(),
            start,
            end: start + 3600,
            kind: verdict.kind,
            count: hours[&b].count,
            baseline_mean: verdict.baseline_mean,
            baseline_sd: verdict.baseline_sd,
            z: verdict.z,
            negative_share: verdict.negative_share,
            top_terms: e.top_terms,
            examples: e.examples,
            areas: e.areas,
        };
        if raise(
            state,
            &key,
            AlertKind::TopicArea,
            topic.clone(),
            unit,
            None,
            &spike,
            examples,
            now,
        )
        .await?
        .is_some()
        {
            raised += 1;
        }
        hot.push((unit, start));
    }
    Ok(raised)
}

/// Spike detection on one emerging stream's items.
pub async fn check_cluster(state: &AppState, cluster_id: i64, now: i64) -> AppResult<usize> {
    let db = &state.db;
    let Some(cluster) = store::find_cluster(db, cluster_id).await? else {
        return Ok(0);
    };
    let thresholds = thresholds_map(store::list_thresholds(db).await?);
    let th = threshold_for(&thresholds, None);
    let ids = store::cluster_member_ids(db, cluster_id, 20_000).await?;
    let items: Vec<Item> = store::items_by_ids(db, &ids).await?;
    let rows: Vec<store::SeriesItem> = items
        .iter()
        .map(|i| (i.id, i.occurred_at, i.body.clone(), i.direction()))
        .collect();
    let units: Vec<Option<i64>> = items.iter().map(|i| i.unit_id).collect();
    let key = format!("c:{cluster_id}");
    let mut raised = 0;
    for (spike, examples) in detect_recent(&key, &rows, &units, th, now) {
        let unit = spike
            .areas
            .first()
            .and_then(|a| a.0.parse::<i64>().ok())
            .unwrap_or(cluster.scope_unit_id);
        // The same surge already raised as a topic × area spike is not raised twice.
        if store::alerts_at(db, unit, spike.start).await? > 0 {
            continue;
        }
        if raise(
            state,
            &key,
            AlertKind::Cluster,
            None,
            cluster.scope_unit_id,
            Some(cluster_id),
            &spike,
            examples,
            now,
        )
        .await?
        .is_some()
        {
            raised += 1;
        }
    }
    Ok(raised)
}
