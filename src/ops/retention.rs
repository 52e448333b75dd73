//! Retention (*thời hạn lưu giữ*): each kind of data the deployment chooses to keep for a
//! limited time is deleted by a job once it is older (monitored items, alert notifications,
//! unfinished survey responses, audit entries; see `Config::retain_*`), and the crops of landed
//! paper sheets after each survey's own days. Each context deletes its
//! own rows through its public function; this job only decides the dates, logs what went
//! (counts, never contents) and records one audit entry per run that removed anything. It also
//! prunes the search index's change log of what every live node has applied.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::AppState;
use crate::error::AppResult;
use crate::kit::time::{add_months, start_of_day, vn_date};

/// How often the job runs.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// What one run removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Monitored items (with their labels and stream memberships).
    pub monitoring_items: u64,
    /// Alert notifications.
    pub notifications: u64,
    /// Unfinished survey responses.
    pub partial_responses: u64,
    /// Audit entries.
    pub audit_entries: u64,
    /// Crops of landed paper sheets (each survey's own setting).
    pub paper_crops: u64,
}

impl Purged {
    fn any(&self) -> bool {
        *self != Purged::default()
    }
}

/// The first instant kept when `months` months are kept before `now` (Vietnam's calendar:
/// from the start of the same day `months` months earlier).
fn months_before(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    let today = vn_date(now);
    let first = add_months(today, -(months as i32));
    // `add_months` gives the first of the month: keep the day of the month where it exists.
    let day = chrono::Datelike::day(&today);
    let kept = (0..4)
        .find_map(|back| {
            chrono::NaiveDate::from_ymd_opt(
                chrono::Datelike::year(&first),
                chrono::Datelike::month(&first),
                day - back,
            )
        })
        .unwrap_or(first);
    start_of_day(kept)
}

/// One run at `now` with the deployment's settings.
pub async fn run(state: &AppState, now: DateTime<Utc>) -> AppResult<Purged> {
    let c = &state.config;
    let mut out = Purged::default();
    if c.retain_monitoring_months > 0 {
        let before = months_before(now, c.retain_monitoring_months).timestamp();
        out.monitoring_items = crate::monitoring::purge_items_before(state, before).await?;
    }
    if c.retain_notifications_days > 0 {
        let before = now - chrono::Duration::days(i64::from(c.retain_notifications_days));
        out.notifications =
            crate::monitoring::purge_notifications_before(&state.db, before.timestamp()).await?;
    }
    if c.retain_partial_days > 0 {
        out.partial_responses =
            crate::surveys::jobs::purge_partials(&state.db, now, c.retain_partial_days).await?;
    }
    if c.retain_audit_months > 0 {
        let before = months_before(now, c.retain_audit_months.max(12));
        out.audit_entries = crate::audit::purge_before(&state.db, before).await?;
    }
    // Each survey sets its own days (paper settings); the answers stay.
    out.paper_crops = crate::surveys::paper::purge_crops(&state.db, now).await?;
    // Not personal data and not a setting: the search index's change log keeps what a live
    // node still has to apply.
    let pruned = crate::monitoring::prune_index_log(&state.db, now.timestamp()).await?;
    tracing::debug!(entries = pruned, "retention: search change log pruned");
    if out.any() {
        tracing::info!(
            monitoring_items = out.monitoring_items,
            notifications = out.notifications,
            partial_responses = out.partial_responses,
            audit_entries = out.audit_entries,
            paper_crops = out.paper_crops,
            "retention: data past its time deleted"
        );
        let actor = crate::audit::Actor {
            user_id: None,
            username: "system".into(),
            ip: String::new(),
        };
        crate::audit::record(
            &state.db,
            &actor,
            "retention.purge",
            "retention",
            "",
            None,
            serde_json::to_value(out).unwrap_or_default(),
        )
        .await?;
    }
    Ok(out)
}

/// Starts the job (`duluan serve`).
pub fn spawn_workers(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if !super::lease::hold(&state, "retention", EVERY).await {
                continue;
            }
            let done = run(&state, Utc::now()).await;
            super::job_ran("retention", done.is_ok());
            if let Err(err) = done {
                tracing::warn!(error = %err, "retention job failed");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_counted_on_vietnams_calendar() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        // 31 March in Vietnam (UTC+7): three months earlier is 31 December.
        assert_eq!(
            months_before(at("2026-03-31T10:00:00+07:00"), 3),
            at("2025-12-31T00:00:00+07:00")
        );
        // 31 May minus 3 months: 28 February (no 31 February).
        assert_eq!(
            months_before(at("2026-05-31T10:00:00+07:00"), 3),
            at("2026-02-28T00:00:00+07:00")
        );
        // Just after midnight in Vietnam is already the next day.
        assert_eq!(
            months_before(at("2026-01-31T17:30:00Z"), 12),
            at("2025-02-01T00:00:00+07:00")
        );
    }
}
