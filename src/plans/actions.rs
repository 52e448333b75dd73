//! Work plans' writes, one function per action, each one transaction with its audit entry.

use chrono::{NaiveDate, Utc};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::plans::model::{ItemKind, MAX_ITEMS};
use crate::plans::store;

/// Adds an activity to a unit's plan of a year, creating the plan when missing
/// (`work_plan.add`).
pub async fn add_item(
    db: &Db,
    actor: &Actor,
    unit_id: i64,
    year: i32,
    kind: ItemKind,
    title: &str,
    month: u32,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let plan = store::ensure_plan(
        &mut tx,
        unit_id,
        year,
        actor.user_id.unwrap_or_default(),
        Utc::now(),
    )
    .await?;
    if store::count_items_in(&mut tx, plan).await? >= MAX_ITEMS as i64 {
        return Err(AppError::BadRequest("plans-error-many"));
    }
    let id = store::insert_item(&mut tx, plan, kind, title, month as i32).await?;
    audit::entry(actor, "work_plan.add")
        .object("work_plan", plan)
        .unit(unit_id)
        .detail(json!({"item": id, "kind": kind.key(), "month": month, "year": year}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes an activity (`work_plan.remove`).
pub async fn remove_item(
    db: &Db,
    actor: &Actor,
    unit_id: i64,
    plan_id: i64,
    item_id: i64,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    if !store::delete_item(&mut tx, plan_id, item_id).await? {
        return Err(AppError::NotFound);
    }
    audit::entry(actor, "work_plan.remove")
        .object("work_plan", plan_id)
        .unit(unit_id)
        .detail(json!({"item": item_id}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Ticks an "other" activity done on a day, or unticks it (`work_plan.tick`).
pub async fn tick(
    db: &Db,
    actor: &Actor,
    unit_id: i64,
    plan_id: i64,
    item_id: i64,
    done_on: Option<NaiveDate>,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    if !store::set_done(&mut tx, plan_id, item_id, done_on).await? {
        return Err(AppError::NotFound);
    }
    audit::entry(actor, "work_plan.tick")
        .object("work_plan", plan_id)
        .unit(unit_id)
        .detail(json!({"item": item_id, "done": done_on}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
