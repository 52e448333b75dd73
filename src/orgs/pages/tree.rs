//! Browsing the organisation tree: the list with search, one unit with its children and lineage,
//! and the roll-up of a unit as of a date.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::{UnitLine, line};
use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::orgs::model::{LineageEvent, LineageLink};
use crate::orgs::store::{self, UnitWithCount};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// The browse/search page.
#[derive(Template)]
#[template(path = "orgs/list.html")]
struct ListTemplate {
    c: Chrome,
    q: String,
    units: Vec<UnitLine>,
    searched: bool,
    can_import: bool,
}

/// Query of the browse page.
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
}

/// `GET /orgs`: the user's top units, or search results within their subtrees.
pub async fn list_units(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = auth.user.roots_with(Capability::ViewUnits);
    let kinds = store::list_kinds(&state.db).await?;
    let q = query.q.trim().to_string();
    let units = if q.is_empty() {
        let mut lines = vec![];
        for u in store::list_units_by_ids(&state.db, &roots).await? {
            let n = store::count_children(&state.db, u.id).await?;
            lines.push(line(tr, &kinds, &u, n));
        }
        lines
    } else {
        store::search_units(&state.db, &roots, &q, 200)
            .await?
            .iter()
            .map(|u| line(tr, &kinds, u, -1))
            .collect()
    };
    Ok(page(ListTemplate {
        c: auth.ctx.chrome("orgs-title"),
        searched: !q.is_empty(),
        q,
        units,
        can_import: auth.user.has_anywhere(Capability::ManageUnits),
    }))
}

/// The unit page.
#[derive(Template)]
#[template(path = "orgs/unit.html")]
struct UnitTemplate {
    c: Chrome,
    unit: UnitLine,
    note: String,
    ancestors: Vec<(i64, String, bool)>,
    children: Vec<UnitLine>,
    predecessors: Vec<LinkLine>,
    successors: Vec<LinkLine>,
    can_manage: bool,
    events: Vec<(&'static str, String)>,
    today: String,
    flash: Option<String>,
    errors: Vec<String>,
}

struct LinkLine {
    id: i64,
    name: String,
    event: String,
    date: String,
    visible: bool,
}

async fn link_lines(
    state: &AppState,
    auth: &Auth,
    links: Vec<LineageLink>,
) -> AppResult<Vec<LinkLine>> {
    let roots = auth.user.roots_with(Capability::ViewUnits);
    let ids: Vec<i64> = links.iter().map(|l| l.other_id).collect();
    let visible = store::filter_within(&state.db, &roots, &ids).await?;
    Ok(links
        .into_iter()
        .map(|l| LinkLine {
            visible: visible.contains(&l.other_id),
            id: l.other_id,
            name: l.other_name,
            event: auth.ctx.tr.t(&format!("lineage-{}", l.event)),
            date: l.effective_date.format("%d/%m/%Y").to_string(),
        })
        .collect())
}

/// Query of pages that show a confirmation.
#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    ok: String,
}

fn flash(tr: Tr, key: &str) -> Option<String> {
    key.starts_with("flash-").then(|| tr.t(key))
}

pub(super) async fn unit_page(
    state: &AppState,
    auth: &Auth,
    id: i64,
    flash_key: &str,
    errors: Vec<String>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let unit = store::find_unit(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::ViewUnits, id).await?;
    let kinds = store::list_kinds(&state.db).await?;
    let roots = auth.user.roots_with(Capability::ViewUnits);
    let ancestors = store::list_ancestors(&state.db, id).await?;
    let ancestor_ids: Vec<i64> = ancestors.iter().map(|a| a.id).collect();
    let visible = store::filter_within(&state.db, &roots, &ancestor_ids).await?;
    let children: Vec<UnitWithCount> = store::list_children(&state.db, id).await?;
    let predecessors =
        link_lines(state, auth, store::list_predecessors(&state.db, id).await?).await?;
    let successors = link_lines(state, auth, store::list_successors(&state.db, id).await?).await?;
    let failed = !errors.is_empty();
    let response = page(UnitTemplate {
        c: auth.ctx.chrome_titled(unit.name.clone()),
        note: unit.note.clone(),
        unit: line(tr, &kinds, &unit, children.len() as i64),
        ancestors: ancestors
            .iter()
            .map(|a| (a.id, a.name.clone(), visible.contains(&a.id)))
            .collect(),
        children: children
            .iter()
            .map(|c| line(tr, &kinds, &c.unit, c.children))
            .collect(),
        predecessors,
        successors,
        can_manage: can(&state.db, &auth.user, Capability::ManageUnits, id).await?,
        events: LineageEvent::ALL
            .iter()
            .map(|e| (e.key(), tr.t(&format!("lineage-{}", e.key()))))
            .collect(),
        today: Utc::now().date_naive().format("%Y-%m-%d").to_string(),
        flash: flash(tr, flash_key),
        errors,
    });
    Ok(crate::kit::form::respond(response, failed))
}

/// `GET /orgs/{id}`.
pub async fn show_unit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> AppResult<Response> {
    unit_page(&state, &auth, id, &q.ok, vec![]).await
}

/// The roll-up page.
#[derive(Template)]
#[template(path = "orgs/rollup.html")]
struct RollupTemplate {
    c: Chrome,
    id: i64,
    name: String,
    date: String,
    units: Vec<UnitLine>,
}

/// Query of the roll-up page.
#[derive(Deserialize)]
pub struct RollupQuery {
    #[serde(default)]
    date: String,
}

/// `GET /orgs/{id}/rollup?date=YYYY-MM-DD`: everything under the unit as of the date, lineage
/// included.
pub async fn show_rollup(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<RollupQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let unit = store::find_unit(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::ViewUnits, id).await?;
    let date = match crate::orgs::model::parse_date(&q.date) {
        Ok(Some(d)) => d,
        Ok(None) => Utc::now().date_naive(),
        Err(_) => return Err(AppError::BadRequest("unit-error-date")),
    };
    let kinds = store::list_kinds(&state.db).await?;
    let units = store::list_rollup(&state.db, id, date).await?;
    Ok(page(RollupTemplate {
        c: auth.ctx.chrome_titled(unit.name.clone()),
        id,
        name: unit.name,
        date: date.format("%Y-%m-%d").to_string(),
        units: units.iter().map(|u| line(tr, &kinds, u, -1)).collect(),
    }))
}
