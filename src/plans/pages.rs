//! Work plans' pages: the centre's plan-versus-done overview of its units for a year, and one
//! unit's plan with its forms.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, Utc};
use serde::Deserialize;

use crate::accounts::model::{Capability, CurrentUser};
use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::plans::actions;
use crate::plans::model::{ItemKind, Progress, check_item, progress, progress_all};
use crate::plans::store::{self, Item};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The capabilities that read plans.
const READ: [Capability; 2] = [Capability::ManageCollaborators, Capability::ViewReports];

fn this_year() -> i32 {
    crate::kit::time::vn_date(Utc::now()).year()
}

fn today_month() -> (i32, u32) {
    let d = crate::kit::time::vn_date(Utc::now());
    (d.year(), d.month())
}

fn parse_year(raw: &str) -> AppResult<i32> {
    if raw.trim().is_empty() {
        return Ok(this_year());
    }
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or(AppError::BadRequest("plans-error-year"))
}

/// The months of `year` in which each kind of activity was done in `unit`'s subtree (read from
/// the contexts that hold them).
async fn done_months(db: &Db, unit: i64, year: i32) -> AppResult<Vec<(ItemKind, Vec<u32>)>> {
    Ok(vec![
        (
            ItemKind::Briefing,
            crate::collaborators::briefing_months(db, unit, year).await?,
        ),
        (
            ItemKind::Survey,
            crate::surveys::survey_months(db, unit, year).await?,
        ),
        (
            ItemKind::Training,
            crate::training::course_months(db, unit, year).await?,
        ),
        (
            ItemKind::ThematicReport,
            crate::documents::thematic_months(db, unit, year).await?,
        ),
    ])
}

/// How each item stands: "other" items by their own tick, the others kind by kind against the
/// activities done (each activity counting for one item).
fn standing(items: &[Item], year: i32, done: &[(ItemKind, Vec<u32>)]) -> Vec<Progress> {
    let today = today_month();
    let mut out = vec![Progress::Upcoming; items.len()];
    for (i, item) in items.iter().enumerate() {
        if item.kind == ItemKind::Other {
            let months: Vec<u32> = item
                .done_on
                .filter(|d| d.year() == year)
                .map(|d| vec![d.month()])
                .unwrap_or_default();
            out[i] = progress(item.month as u32, year, &months, today);
        }
    }
    for (kind, months_done) in done {
        let idx: Vec<usize> = (0..items.len())
            .filter(|i| items[*i].kind == *kind)
            .collect();
        let months: Vec<u32> = idx.iter().map(|i| items[*i].month as u32).collect();
        for (i, p) in idx
            .iter()
            .zip(progress_all(&months, year, months_done, today))
        {
            out[*i] = p;
        }
    }
    out
}

/// A unit's line of the overview.
pub struct UnitLine {
    unit_id: i64,
    name: String,
    planned: usize,
    done: usize,
    missed: usize,
}

/// The overview page.
#[derive(Template)]
#[template(path = "plans/overview.html")]
pub struct OverviewTemplate {
    c: Chrome,
    year: i32,
    lines: Vec<UnitLine>,
}

/// The year chosen.
#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
}

/// `GET /plans?year=`: each unit of the reader's scope (their units and those one level below)
/// with its plan's planned, done and missed activities.
pub async fn show_overview(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let roots = crate::kit::scope::require_roots(&auth.user, &READ)?;
    let year = parse_year(&q.year)?;
    let db = &state.db;
    let units = crate::orgs::units_near(db, &roots, 1).await?;
    let ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let plans = store::list_plans(db, &ids, year).await?;
    let plan_ids: Vec<i64> = plans.iter().map(|p| p.id).collect();
    let items = store::list_items(db, &plan_ids).await?;
    let mut lines = vec![];
    for u in units {
        let (mut planned, mut done, mut missed) = (0, 0, 0);
        if let Some(plan) = plans.iter().find(|p| p.unit_id == u.id) {
            let mine: Vec<Item> = items
                .iter()
                .filter(|i| i.plan_id == plan.id)
                .cloned()
                .collect();
            let states = standing(&mine, year, &done_months(db, u.id, year).await?);
            planned = mine.len();
            done = states.iter().filter(|s| s.is_done()).count();
            missed = states.iter().filter(|s| **s == Progress::Missed).count();
        }
        lines.push(UnitLine {
            unit_id: u.id,
            name: u.name,
            planned,
            done,
            missed,
        });
    }
    Ok(page(OverviewTemplate {
        c: auth.ctx.chrome("plans-title"),
        year,
        lines,
    }))
}

/// An item as shown.
pub struct ItemLine {
    id: i64,
    kind: String,
    title: String,
    month: i32,
    state: String,
    state_key: &'static str,
    other: bool,
    done_on: String,
}

/// A unit's plan page.
#[derive(Template)]
#[template(path = "plans/plan.html")]
pub struct PlanTemplate {
    c: Chrome,
    unit_id: i64,
    year: i32,
    items: Vec<ItemLine>,
    planned: usize,
    done: usize,
    missed: usize,
    can_edit: bool,
    kinds: Vec<(&'static str, String)>,
    flash: Option<String>,
}

/// The page's flash.
#[derive(Debug, Default, Deserialize)]
pub struct FlashQuery {
    #[serde(default)]
    ok: String,
}

async fn readable(state: &AppState, user: &CurrentUser, unit: i64) -> AppResult<bool> {
    for cap in READ {
        if crate::accounts::can(&state.db, user, cap, unit).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `GET /plans/{unit}/{year}`.
pub async fn show_plan(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit, year)): Path<(i64, i32)>,
    Query(q): Query<FlashQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    if !(2000..=2100).contains(&year) || !readable(&state, &auth.user, unit).await? {
        return Err(AppError::NotFound);
    }
    let db = &state.db;
    let name = crate::orgs::unit_names(db, &[unit])
        .await?
        .pop()
        .map(|u| u.1)
        .ok_or(AppError::NotFound)?;
    let plans = store::list_plans(db, &[unit], year).await?;
    let plan_ids: Vec<i64> = plans.iter().map(|p| p.id).collect();
    let items = store::list_items(db, &plan_ids).await?;
    let states = standing(&items, year, &done_months(db, unit, year).await?);
    let lines: Vec<ItemLine> = items
        .into_iter()
        .zip(states.iter())
        .map(|(i, s)| ItemLine {
            id: i.id,
            kind: tr.t(&i.kind.label_key()),
            other: i.kind == ItemKind::Other,
            done_on: i
                .done_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            title: i.title,
            month: i.month,
            state: tr.t(&format!("plans-state-{}", s.key())),
            state_key: s.key(),
        })
        .collect();
    let flash = ["added", "removed", "ticked"]
        .into_iter()
        .find(|k| *k == q.ok)
        .map(|k| tr.t(&format!("plans-flash-{k}")));
    Ok(page(PlanTemplate {
        c: auth.ctx.chrome_titled(tr.ta(
            "plans-plan-title",
            &[("unit", name), ("year", year.to_string())],
        )),
        unit_id: unit,
        year,
        planned: lines.len(),
        done: states.iter().filter(|s| s.is_done()).count(),
        missed: states.iter().filter(|s| **s == Progress::Missed).count(),
        items: lines,
        can_edit: crate::accounts::can(db, &auth.user, Capability::ManageCollaborators, unit)
            .await?,
        kinds: ItemKind::ALL
            .into_iter()
            .map(|k| (k.key(), tr.t(&k.label_key())))
            .collect(),
        flash,
    }))
}

async fn editable(state: &AppState, auth: &Auth, unit: i64, year: i32) -> AppResult<()> {
    if !(2000..=2100).contains(&year) || !readable(state, &auth.user, unit).await? {
        return Err(AppError::NotFound);
    }
    crate::accounts::require(&state.db, &auth.user, Capability::ManageCollaborators, unit).await
}

/// The add form.
#[derive(Debug, Default, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    month: String,
}

/// `POST /plans/{unit}/{year}/items`.
pub async fn add_item(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit, year)): Path<(i64, i32)>,
    Form(f): Form<AddForm>,
) -> AppResult<Response> {
    editable(&state, &auth, unit, year).await?;
    let kind = crate::kit::bounds::parse_choice(&f.kind, ItemKind::parse)?
        .ok_or(AppError::BadRequest("plans-error-kind"))?;
    let title = crate::kit::text::one_line(&f.title);
    let month = f.month.trim().parse::<u32>().unwrap_or(0);
    check_item(&title, month).map_err(AppError::BadRequest)?;
    actions::add_item(
        &state.db,
        &auth.ctx.actor(),
        unit,
        year,
        kind,
        &title,
        month,
    )
    .await?;
    Ok(Redirect::to(&format!("/plans/{unit}/{year}?ok=added")).into_response())
}

async fn plan_of(state: &AppState, unit: i64, year: i32) -> AppResult<i64> {
    store::list_plans(&state.db, &[unit], year)
        .await?
        .first()
        .map(|p| p.id)
        .ok_or(AppError::NotFound)
}

/// `POST /plans/{unit}/{year}/items/{item}/remove`.
pub async fn remove_item(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit, year, item)): Path<(i64, i32, i64)>,
) -> AppResult<Response> {
    editable(&state, &auth, unit, year).await?;
    let plan = plan_of(&state, unit, year).await?;
    actions::remove_item(&state.db, &auth.ctx.actor(), unit, plan, item).await?;
    Ok(Redirect::to(&format!("/plans/{unit}/{year}?ok=removed")).into_response())
}

/// The tick form.
#[derive(Debug, Default, Deserialize)]
pub struct TickForm {
    /// A day, or empty to untick.
    #[serde(default)]
    done_on: String,
}

/// `POST /plans/{unit}/{year}/items/{item}/tick`: an "other" activity done on a day (not after
/// today), or not done.
pub async fn tick_item(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit, year, item)): Path<(i64, i32, i64)>,
    Form(f): Form<TickForm>,
) -> AppResult<Response> {
    editable(&state, &auth, unit, year).await?;
    let plan = plan_of(&state, unit, year).await?;
    let done_on = if f.done_on.trim().is_empty() {
        None
    } else {
        Some(
            NaiveDate::parse_from_str(f.done_on.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| *d <= crate::kit::time::vn_date(Utc::now()) && d.year() >= 2000)
                .ok_or(AppError::BadRequest("plans-error-day"))?,
        )
    };
    actions::tick(&state.db, &auth.ctx.actor(), unit, plan, item, done_on).await?;
    Ok(Redirect::to(&format!("/plans/{unit}/{year}?ok=ticked")).into_response())
}
