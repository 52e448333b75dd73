//! The SQL of the results: completed interviews with their case's design weight and stratum.

use std::collections::HashMap;

use super::model::Row;
use crate::db::Db;
use crate::error::AppResult;
use crate::with_db;

/// Rows read per batch.
const BATCH: i64 = 5_000;

/// The completed interviews of a survey, whatever version they answered (variables keep their
/// names across versions), with the design weight and stratum of the case they belong to, if
/// any. Only top-level answers are kept.
pub async fn completed_rows(db: &Db, survey_id: i64) -> AppResult<Vec<Row>> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let batch: Vec<(String, String, Option<f64>, Option<String>)> = with_db!(db, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.data, k.weight, f.stratum FROM survey_responses r
                 LEFT JOIN survey_cases k ON k.id = r.case_id
                 LEFT JOIN survey_frame_rows f ON f.id = k.frame_row_id
                 WHERE r.survey_id = $1 AND r.status = 'complete' AND r.id > $2
                 ORDER BY r.id LIMIT $3",
            )
            .bind(survey_id)
            .bind(&after)
            .bind(BATCH)
            .fetch_all(pool)
            .await?
        });
        let Some(last) = batch.last() else { break };
        after = last.0.clone();
        for (_, data, weight, stratum) in batch {
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&data).unwrap_or_default();
            let answers: HashMap<String, String> = map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    serde_json::Value::String(s) => Some((k, s)),
                    _ => None,
                })
                .collect();
            out.push(Row {
                answers,
                weight,
                stratum,
            });
        }
    }
    Ok(out)
}
