//! What other contexts read of a month's reporting (the documents' synthesis report, the
//! leaders' dashboard): the city streams with the units that reported them inside a subtree, and
//! the completeness of each monthly report type there. Figures only; no page.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::db::Db;
use crate::error::AppResult;
use crate::reporting::model::{Direction, ReportKind, Scope};
use crate::reporting::pages::topic_name;
use crate::reporting::store;
use crate::web::i18n::Tr;

/// A city stream of a month as the units of a subtree reported it.
#[derive(Clone, Debug)]
pub struct SynthesisLine {
    /// The city stream's id (its page: `/reporting/synthesis?period=…&topic=…`).
    pub id: i64,
    /// Topic id.
    pub topic_id: i64,
    /// Topic name in the translator's language.
    pub topic: String,
    /// Scope key (`local`, `domestic`, `international`: [`Scope::KEYS`]).
    pub scope_key: &'static str,
    /// Direction.
    pub direction: Direction,
    /// Summary.
    pub summary: String,
    /// Causes.
    pub causes: String,
    /// Forecast.
    pub forecast: String,
    /// Recommendation.
    pub recommendation: String,
    /// Names of the units inside the subtree that reported it (its breadth), in name order.
    pub units: Vec<String>,
}

/// The city streams of `period` (`YYYY-MM`) with at least one member stream reported by a unit
/// within `roots`' subtrees, widest first within each scope (scopes in [`Scope::KEYS`] order).
pub async fn month_synthesis(
    db: &Db,
    tr: Tr,
    roots: &[i64],
    period: &str,
) -> AppResult<Vec<SynthesisLine>> {
    let keys = store::list_period_stream_keys(db, period).await?;
    let mut unit_ids: Vec<i64> = keys
        .iter()
        .filter(|k| k.city_stream_id.is_some())
        .map(|k| k.unit_id)
        .collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let visible: HashSet<i64> = crate::orgs::filter_within(db, roots, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(db, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let topics = store::list_topics(db).await?;
    let mut out = Vec::new();
    for c in store::list_city_streams(db, period).await? {
        let mut units: Vec<String> = keys
            .iter()
            .filter(|k| k.city_stream_id == Some(c.id) && visible.contains(&k.unit_id))
            .map(|k| k.unit_id)
            .collect::<HashSet<i64>>()
            .into_iter()
            .map(|id| names.get(&id).cloned().unwrap_or_default())
            .collect();
        if units.is_empty() {
            continue;
        }
        units.sort();
        let scope_key = Scope::KEYS
            .iter()
            .find(|k| **k == c.scope)
            .copied()
            .unwrap_or(Scope::KEYS[0]);
        out.push(SynthesisLine {
            id: c.id,
            topic_id: c.topic_id,
            topic: topic_name(tr, &topics, c.topic_id),
            scope_key,
            direction: c.direction,
            summary: c.summary,
            causes: c.causes,
            forecast: c.forecast,
            recommendation: c.recommendation,
            units,
        });
    }
    let scope_rank = |k: &str| Scope::KEYS.iter().position(|s| *s == k).unwrap_or(0);
    out.sort_by(|a, b| {
        scope_rank(a.scope_key)
            .cmp(&scope_rank(b.scope_key))
            .then(b.units.len().cmp(&a.units.len()))
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// The completeness of one monthly report type in a subtree for a month.
#[derive(Clone, Debug)]
pub struct TypeCompleteness {
    /// The report type's id (its page: `/reporting/completeness?type=…`).
    pub type_id: i64,
    /// Its name.
    pub name: String,
    /// Units of the subtree assigned to it.
    pub expected: usize,
    /// Of those, how many submitted (or were accepted).
    pub sent: usize,
    /// Of those, how many by the due date.
    pub on_time: usize,
    /// Names of the expected units that sent nothing, in name order.
    pub missing: Vec<String>,
}

/// Completeness of every active monthly report type with assigned units under `unit_id` (as of
/// `today`, lineage included) for `period`.
pub async fn month_completeness(
    db: &Db,
    unit_id: i64,
    period: &str,
    today: NaiveDate,
) -> AppResult<Vec<TypeCompleteness>> {
    let subtree = crate::orgs::rollup(db, unit_id, today).await?;
    let names: HashMap<i64, &str> = subtree.iter().map(|u| (u.id, u.name.as_str())).collect();
    let mut out = Vec::new();
    for t in store::list_types(db).await? {
        if t.kind != ReportKind::Monthly {
            continue;
        }
        let expected: Vec<i64> = store::list_type_units(db, t.id)
            .await?
            .into_iter()
            .filter(|id| names.contains_key(id))
            .collect();
        if expected.is_empty() {
            continue;
        }
        let mut sent = HashSet::new();
        let mut on_time = HashSet::new();
        for (_, s, o) in store::list_period_senders(db, t.id, period, period).await? {
            sent.extend(s.split(',').filter_map(|x| x.parse::<i64>().ok()));
            on_time.extend(o.split(',').filter_map(|x| x.parse::<i64>().ok()));
        }
        let mut missing: Vec<String> = expected
            .iter()
            .filter(|id| !sent.contains(id))
            .map(|id| names.get(id).copied().unwrap_or_default().to_string())
            .collect();
        missing.sort();
        out.push(TypeCompleteness {
            type_id: t.id,
            name: t.name,
            expected: expected.len(),
            sent: expected.iter().filter(|id| sent.contains(id)).count(),
            on_time: expected.iter().filter(|id| on_time.contains(id)).count(),
            missing,
        });
    }
    Ok(out)
}
