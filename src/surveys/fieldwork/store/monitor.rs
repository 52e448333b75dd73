//! Counts behind the fieldwork monitor.

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::error::AppResult;
use crate::surveys::model::{CollectionMode, Disposition};
use crate::with_db;

/// Released cases of a survey per `(mode, disposition)`.
pub async fn count_released(
    db: &Db,
    survey_id: i64,
) -> AppResult<Vec<(CollectionMode, Disposition, i64)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT mode, disposition, COUNT(*) FROM survey_cases
         WHERE survey_id = $1 AND (released_at IS NOT NULL OR sample_id IS NULL)
         GROUP BY mode, disposition ORDER BY mode, disposition"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?))
}

/// Cases drawn but not released yet.
pub async fn count_unreleased(db: &Db, survey_id: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND sample_id IS NOT NULL AND released_at IS NULL"
    )
    .bind(survey_id)
    .fetch_one(pool)
    .await?
    }))
}

/// Complete responses per day (the days the responses keep), oldest first.
pub async fn completes_per_day(db: &Db, survey_id: i64) -> AppResult<Vec<(DateTime<Utc>, i64)>> {
    let rows: Vec<(Option<DateTime<Utc>>,)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT completed_at FROM survey_responses WHERE survey_id = $1 AND status = 'complete'"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?);
    let mut days: std::collections::BTreeMap<DateTime<Utc>, i64> = Default::default();
    for (t,) in rows {
        if let Some(t) = t {
            *days.entry(crate::surveys::store::day_of(t)).or_default() += 1;
        }
    }
    Ok(days.into_iter().collect())
}
