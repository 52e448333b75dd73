//! Live quota counts and screening, called by every collection path (web link, token, e-mail
//! link, telephone console) and by the pages that show counts.
//!
//! - [`screen`] before a step is stored or a questionnaire completed: whether the respondent's
//!   cell, as far as it is known, is full in a quota that stops respondents;
//! - [`screen_out`] then records it on the case (AAPOR 4.80, an event naming the quota);
//! - [`count_completion`] after a completion: one more in each of the respondent's cells, and
//!   the hold of the frame cases of a cell that just became full;
//! - [`recount`] rebuilds every count from the stored interviews and the holds from the counts
//!   (after a quota is made or changed, and when the monitor or the quota page is shown), so a
//!   count missed by a crash between a completion and its increment is made good. Interviews
//!   sent as JSON submissions (offline devices, already collected) are not screened and are
//!   counted by the next recount.

use std::collections::HashMap;

use chrono::Utc;
use duluan_forms::{Answer, Record};

use super::{FrameValues, Quota, cell_of};
use crate::db::Db;
use crate::error::AppResult;
use crate::surveys::fieldwork::phone::is_final;
use crate::surveys::fieldwork::store;

/// A respondent stopped by a full cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Screened {
    /// The quota's name (for the case's history).
    pub quota: String,
    /// The quota's own message; empty for the standard notice.
    pub message: String,
}

fn answer<'a>(record: &'a Record, name: &str) -> Option<&'a str> {
    match record.get(name)? {
        Answer::Value(v) => Some(v.as_str()),
        Answer::Repeat(_) => None,
    }
}

/// Whether the respondent of `case_id` (if any) with these answers falls in a full cell of a
/// quota that stops respondents. Cells not known yet (a question not answered) do not stop.
pub async fn screen(
    db: &Db,
    survey_id: i64,
    case_id: Option<i64>,
    record: &Record,
) -> AppResult<Option<Screened>> {
    let quotas = store::list_quotas(db, survey_id).await?;
    let stopping: Vec<&Quota> = quotas.iter().filter(|q| q.action.stops()).collect();
    if stopping.is_empty() {
        return Ok(None);
    }
    let frame = match case_id {
        Some(cid) if stopping.iter().any(|q| q.uses_frame()) => store::case_frame(db, cid).await?,
        _ => None,
    };
    for q in stopping {
        if let Some(cell) = cell_of(&q.dims, |n| answer(record, n), frame.as_ref())
            && q.stops_at(&cell)
        {
            return Ok(Some(Screened {
                quota: q.name.clone(),
                message: q.message.clone(),
            }));
        }
    }
    Ok(None)
}

/// Records a screened-out case: disposition 4.80 unless complete, an event naming the quota,
/// the telephone claim freed. `mode` is the mode the respondent was reached in.
pub async fn screen_out(
    db: &Db,
    case_id: i64,
    mode: &str,
    s: &Screened,
    user: Option<i64>,
) -> AppResult<()> {
    store::screen_out_case(db, case_id, mode, &s.quota, user, Utc::now()).await?;
    Ok(())
}

/// Counts a completed interview in its cells; a frame cell of a closing quota that became full
/// holds its cases at once.
pub async fn count_completion(
    db: &Db,
    survey_id: i64,
    case_id: Option<i64>,
    record: &Record,
) -> AppResult<()> {
    let quotas = store::list_quotas(db, survey_id).await?;
    if quotas.is_empty() {
        return Ok(());
    }
    let frame = match case_id {
        Some(cid) if quotas.iter().any(|q| q.uses_frame()) => store::case_frame(db, cid).await?,
        _ => None,
    };
    let mut hold = false;
    for q in &quotas {
        if let Some(cell) = cell_of(&q.dims, |n| answer(record, n), frame.as_ref())
            && store::add_completion(db, q.id, &cell).await?
        {
            hold |= q.frame_only() && q.action.stops();
        }
    }
    if hold {
        apply_holds(db, survey_id).await?;
    }
    Ok(())
}

/// Rebuilds the counts of every quota of the survey from the stored interviews, then the holds.
/// A quota crossing only frame columns counts complete cases (so it counts on an anonymous
/// survey too); any other counts complete responses, with the frame row of their case.
pub async fn recount(db: &Db, survey_id: i64) -> AppResult<()> {
    let quotas = store::list_quotas(db, survey_id).await?;
    if quotas.is_empty() {
        // The last quota deleted: nothing holds a case any more.
        return store::clear_held(db, survey_id).await;
    }
    let started = Utc::now();
    let mut counts: Vec<HashMap<String, i64>> = vec![HashMap::new(); quotas.len()];
    if quotas.iter().any(Quota::frame_only) {
        let mut after = 0;
        loop {
            let batch = store::frame_case_batch(db, survey_id, after).await?;
            let Some(last) = batch.last() else { break };
            after = last.0;
            for (_, d, _, frame) in &batch {
                if *d != crate::surveys::model::Disposition::Complete {
                    continue;
                }
                for (i, q) in quotas.iter().enumerate().filter(|(_, q)| q.frame_only()) {
                    if let Some(cell) = cell_of(&q.dims, |_| None, Some(frame)) {
                        *counts[i].entry(cell).or_default() += 1;
                    }
                }
            }
        }
    }
    if quotas.iter().any(|q| !q.frame_only()) {
        let mut after = String::new();
        loop {
            let batch = store::completed_batch(db, survey_id, &after).await?;
            let Some(last) = batch.last() else { break };
            after = last.0.clone();
            for (_, data, frame) in &batch {
                let record: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(data).unwrap_or_default();
                let read = |n: &str| record.get(n).and_then(serde_json::Value::as_str);
                for (i, q) in quotas.iter().enumerate().filter(|(_, q)| !q.frame_only()) {
                    if let Some(cell) = cell_of(&q.dims, read, frame.as_ref()) {
                        *counts[i].entry(cell).or_default() += 1;
                    }
                }
            }
        }
    }
    for (q, c) in quotas.iter().zip(counts) {
        let filled: Vec<(String, i64)> = c.into_iter().collect();
        store::write_counts(db, q.id, started, &filled).await?;
    }
    apply_holds(db, survey_id).await
}

/// Holds the cases not final yet whose frame cell is full in a closing quota crossing only frame
/// columns, and frees every other held case.
async fn apply_holds(db: &Db, survey_id: i64) -> AppResult<()> {
    let quotas = store::list_quotas(db, survey_id).await?;
    let closing: Vec<&Quota> = quotas
        .iter()
        .filter(|q| q.frame_only() && q.action.stops())
        .collect();
    let (mut hold, mut free) = (Vec::new(), Vec::new());
    let mut after = 0;
    loop {
        let batch = store::frame_case_batch(db, survey_id, after).await?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        for (id, d, held, frame) in &batch {
            let want = !is_final(*d) && closing.iter().any(|q| held_by(q, frame));
            if want != *held {
                if want { hold.push(*id) } else { free.push(*id) }
            }
        }
    }
    store::set_held(db, &hold, true).await?;
    store::set_held(db, &free, false).await?;
    if !hold.is_empty() || !free.is_empty() {
        tracing::debug!(
            survey_id,
            held = hold.len(),
            freed = free.len(),
            "quota holds"
        );
    }
    Ok(())
}

fn held_by(q: &Quota, frame: &FrameValues) -> bool {
    cell_of(&q.dims, |_| None, Some(frame)).is_some_and(|c| q.stops_at(&c))
}
