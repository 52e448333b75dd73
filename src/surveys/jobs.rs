//! Background work of the surveys context: deleting the abandoned unfinished responses of
//! anonymous surveys.
//!
//! An unfinished response of an anonymous survey still carries what the complete one drops (the
//! token's case or the device's resume hash, exact times); kept forever it would tie answers to
//! a token long after the respondent walked away. It is deleted once it has not changed for
//! `--survey-abandoned-days` (`DULUAN_SURVEY_ABANDONED_DAYS`, default 7). The token stays
//! usable: its holder starts again.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::db::Db;
use crate::error::AppResult;
use crate::surveys::store;

/// Deletes the unfinished responses of anonymous surveys untouched for `days` days before
/// `now`; returns how many.
pub async fn purge_abandoned(db: &Db, now: DateTime<Utc>, days: u32) -> AppResult<u64> {
    let before = now - chrono::Duration::days(i64::from(days));
    store::delete_abandoned_partials(db, before).await
}

/// Deletes the unfinished responses of every survey last changed more than `days` before
/// `now` (retention, `--retain-partial-days`); returns how many.
pub async fn purge_partials(db: &Db, now: DateTime<Utc>, days: u32) -> AppResult<u64> {
    store::delete_partials_before(db, now - chrono::Duration::days(i64::from(days))).await
}

/// Starts the hourly purge (from `app::serve`, not in tests: they call [`purge_abandoned`]).
pub fn spawn_workers(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            let period = Duration::from_secs(3600);
            if !crate::ops::lease::hold(&state, "surveys_purge_abandoned", period).await {
                continue;
            }
            let days = state.config.survey_abandoned_days;
            let run = purge_abandoned(&state.db, Utc::now(), days).await;
            crate::ops::job_ran("surveys_purge_abandoned", run.is_ok());
            match run {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "abandoned anonymous responses deleted"),
                Err(err) => {
                    tracing::warn!(error = %err, "could not delete abandoned anonymous responses")
                }
            }
        }
    });
}
