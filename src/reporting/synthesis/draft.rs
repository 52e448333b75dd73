//! The printable city report draft of a month.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::reporting::model::Scope;
use crate::reporting::pages::topic_name;
use crate::reporting::store;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::workspace::{CityLine, MonthQuery, city_line, month_or_last, visible_keys};

/// The printable city report draft.
#[derive(Template)]
#[template(path = "reporting/draft.html")]
struct DraftTemplate {
    c: Chrome,
    period: String,
    sections: Vec<(String, Vec<(String, CityLine)>)>,
    empty: bool,
}

/// `GET /reporting/synthesis/draft`: the city report of a month from the merged streams,
/// grouped local / domestic / international, widest first.
pub async fn show_draft(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    if !auth.user.has_anywhere(Capability::ReviewReports) {
        return Err(AppError::Forbidden);
    }
    let tr = auth.ctx.tr;
    let period = month_or_last(&q.period);
    // Only the city streams and the units of their (visible) members are needed here.
    let keys = visible_keys(&state, &auth, &period).await?;
    let mut unit_ids: Vec<i64> = keys
        .iter()
        .filter(|k| k.city_stream_id.is_some())
        .map(|k| k.unit_id)
        .collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let names: HashMap<i64, String> = crate::orgs::unit_names(&state.db, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let topics = store::list_topics(&state.db).await?;
    let mut sections: Vec<(String, Vec<(String, CityLine)>)> = Scope::KEYS
        .iter()
        .map(|k| (tr.t(&Scope::label_key(k)), vec![]))
        .collect();
    for c in store::list_city_streams(&state.db, &period).await? {
        let topic = topic_name(tr, &topics, c.topic_id);
        let mut city = city_line(tr, c);
        let mut seen = HashSet::new();
        for k in keys.iter().filter(|k| k.city_stream_id == Some(city.id)) {
            if seen.insert(k.unit_id) {
                city.units
                    .push(names.get(&k.unit_id).cloned().unwrap_or_default());
            }
        }
        if city.units.is_empty() {
            continue;
        }
        let i = Scope::KEYS
            .iter()
            .position(|k| *k == city.scope_key)
            .unwrap_or(0);
        sections[i].1.push((topic, city));
    }
    for s in &mut sections {
        s.1.sort_by_key(|item| std::cmp::Reverse(item.1.units.len()));
    }
    let empty = sections.iter().all(|s| s.1.is_empty());
    Ok(page(DraftTemplate {
        c: auth
            .ctx
            .chrome_titled(tr.ta("reporting-draft-title", &[("period", period.clone())])),
        period,
        sections,
        empty,
    }))
}
