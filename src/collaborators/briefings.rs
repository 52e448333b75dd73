//! Briefings' attendance ledger (*giao ban, sinh hoạt cộng tác viên*): who of the network attended
//! a briefing, by pseudonymous id, as a dated record of the unit; each attendance counts as a
//! briefing in the collaborator's activity of that month (and so against the inactivity flag).
//! The briefings context (`crate::briefings`) owns the sessions and their pages and writes here
//! through these functions when a session is held or its attendance corrected; the records kept
//! before sessions existed were made sessions by migration 0055.
//!
//! Invariants: a record and its attendance are written in one transaction (the caller's);
//! attendees are collaborators of the unit's subtree who were active on the day; the record names
//! no one (pseudonyms only); every write is audited.

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use serde_json::json;

use crate::audit;
use crate::collaborators::model::CollaboratorStatus;
use crate::collaborators::store::{self, Collaborator};
use crate::error::AppResult;

/// Every pseudonym given, ticked or typed (separated by spaces, commas, semicolons or lines),
/// upper-cased and without repeats, in order.
pub fn pseudonyms_from<'a>(
    ticked: impl IntoIterator<Item = &'a str>,
    typed: &'a str,
) -> Vec<String> {
    let mut seen = HashSet::new();
    ticked
        .into_iter()
        .chain(typed.split(|c: char| c.is_whitespace() || c == ',' || c == ';'))
        .map(|p| p.trim().to_uppercase())
        .filter(|p| !p.is_empty() && seen.insert(p.clone()))
        .collect()
}

/// The collaborators that typed or ticked pseudonyms stand for, as attendees of a briefing of
/// `unit` on `held_on`: each must exist, belong to the unit's subtree and be active that day
/// (active now, or replaced or ended since and within their term on the day). `Err` holds one
/// translated message per kind of problem, naming the pseudonyms. Also used by the briefing
/// sessions of the briefings context.
pub async fn resolve_attendees(
    db: &crate::db::Db,
    unit: i64,
    held_on: Option<NaiveDate>,
    wanted: &[String],
    tr: crate::web::i18n::Tr,
) -> AppResult<Result<Vec<i64>, Vec<String>>> {
    let mut errors = vec![];
    if wanted.len() > 2000 {
        errors.push(tr.t("collaborators-briefing-error-too-many"));
    }
    let found = store::find_by_pseudonyms(db, wanted).await?;
    let unit_ids: Vec<i64> = found.iter().map(|c| c.unit_id).collect();
    let within: HashSet<i64> = crate::orgs::filter_within(db, &[unit], &unit_ids)
        .await?
        .into_iter()
        .collect();
    let active_on = |c: &Collaborator| {
        c.status == CollaboratorStatus::Active
            || matches!((held_on, c.term_to), (Some(d), Some(t)) if d <= t)
    };
    let mut attendees = vec![];
    let mut unknown = vec![];
    let mut elsewhere = vec![];
    let mut inactive = vec![];
    for p in wanted {
        match found.iter().find(|c| &c.pseudonym == p) {
            None => unknown.push(p.clone()),
            Some(c) if !within.contains(&c.unit_id) => elsewhere.push(p.clone()),
            Some(c) if !active_on(c) => inactive.push(p.clone()),
            Some(c) => attendees.push(c.id),
        }
    }
    for (list, key) in [
        (unknown, "collaborators-briefing-error-unknown"),
        (elsewhere, "collaborators-briefing-error-elsewhere"),
        (inactive, "collaborators-briefing-error-inactive"),
    ] {
        if !list.is_empty() {
            errors.push(tr.ta(key, &[("ids", list.join(", "))]));
        }
    }
    Ok(if errors.is_empty() {
        Ok(attendees)
    } else {
        Err(errors)
    })
}

/// Records a briefing held and who attended (`collaborator_briefing.create`) in the caller's
/// transaction: each attendance counts in the collaborator's activity of that month. Returns its
/// id.
pub async fn record_briefing_in(
    tx: &mut crate::db::Tx,
    actor: &crate::audit::Actor,
    unit: i64,
    held_on: NaiveDate,
    topic: &str,
    attendees: &[i64],
) -> AppResult<i64> {
    let period = held_on.format("%Y-%m").to_string();
    let id = store::insert_briefing(
        tx,
        unit,
        held_on,
        &period,
        topic,
        attendees,
        actor.user_id,
        Utc::now(),
    )
    .await?;
    audit::record_in(
        tx,
        actor,
        "collaborator_briefing.create",
        "collaborator_briefing",
        &id.to_string(),
        Some(unit),
        json!({"held_on": held_on.to_string(), "attendees": attendees.len()}),
    )
    .await?;
    Ok(id)
}

/// The pseudonyms of the active collaborators of `unit`'s subtree, in order (the attendance list
/// of a briefing).
pub async fn active_pseudonyms(db: &crate::db::Db, unit: i64) -> AppResult<Vec<String>> {
    let units = crate::orgs::subtree_ids(db, &[unit]).await?;
    let mut out: Vec<String> = store::list_collaborators(db, &units, 20000)
        .await?
        .into_iter()
        .filter(|c| c.status == CollaboratorStatus::Active)
        .map(|c| c.pseudonym)
        .collect();
    out.sort();
    Ok(out)
}

/// How many collaborators attended the record `id`.
pub async fn attendee_count(db: &crate::db::Db, id: i64) -> AppResult<usize> {
    Ok(store::list_attendees(db, id).await?.len())
}

/// Who attended the record `id`, by pseudonym, in order.
pub async fn attendee_pseudonyms(db: &crate::db::Db, id: i64) -> AppResult<Vec<String>> {
    Ok(store::list_attendees(db, id)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect())
}

/// Corrects who attended the record `id` (`collaborator_briefing.correct`) in the caller's
/// transaction: the attendance is replaced; the date and topic stay.
pub async fn correct_briefing_in(
    tx: &mut crate::db::Tx,
    actor: &crate::audit::Actor,
    id: i64,
    unit: i64,
    attendees: &[i64],
) -> AppResult<()> {
    store::replace_attendance(tx, id, attendees).await?;
    audit::record_in(
        tx,
        actor,
        "collaborator_briefing.correct",
        "collaborator_briefing",
        &id.to_string(),
        Some(unit),
        json!({"attendees": attendees.len()}),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_gathered_once() {
        assert_eq!(
            pseudonyms_from(
                ["CTV-CCCC3333", "CTV-BBBB2222"],
                "ctv-aaaa1111, CTV-BBBB2222;\nCTV-AAAA1111  "
            ),
            ["CTV-CCCC3333", "CTV-BBBB2222", "CTV-AAAA1111"]
        );
    }
}
