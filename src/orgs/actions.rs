//! The organisation tree's writes, one function per action: each runs the change and its audit
//! entry in one transaction, so a failed audit write leaves the tree as it was.

use chrono::{NaiveDate, Utc};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::orgs::model::{CsvUnit, LineageEvent, Population, UnitInput, UnitKind};
use crate::orgs::store::{self, ImportSummary};

/// Creates a unit under `parent` with its population; returns its id.
pub async fn create_unit(
    db: &Db,
    actor: &Actor,
    input: &UnitInput,
    parent: Option<i64>,
    population: &Population,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let now = Utc::now();
    let id = store::insert_unit(&mut tx, input, parent, now).await?;
    store::update_population(&mut tx, id, population, now).await?;
    audit::entry(actor, "unit_create")
        .object("unit", id)
        .unit(id)
        .detail(
            json!({"name": input.name, "code": input.code, "kind": input.kind, "parent_id": parent,
                       "population": population.count, "population_source": population.source}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a unit (its population too) and moves it under `parent` when that differs; returns
/// whether it moved. A conflict (`unit-error-cycle`) when the new parent lies inside the unit's
/// subtree.
pub async fn update_unit(
    db: &Db,
    actor: &Actor,
    id: i64,
    input: &UnitInput,
    parent: Option<i64>,
    population: &Population,
) -> AppResult<bool> {
    let mut tx = db.begin().await?;
    let now = Utc::now();
    let moved = store::update_unit(&mut tx, id, input, parent, now).await?;
    if moved {
        after_move(&mut tx, &[id]).await?;
    }
    let before = store::update_population(&mut tx, id, population, now)
        .await?
        .unwrap_or_default();
    let mut detail =
        json!({"name": input.name, "code": input.code, "kind": input.kind, "parent_id": parent});
    if before != *population {
        detail["population"] = json!({"from": before.count, "to": population.count});
        detail["population_source"] = json!({"from": before.source, "to": population.source});
    }
    audit::entry(actor, "unit_update")
        .object("unit", id)
        .unit(id)
        .detail(detail)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(moved)
}

/// Records that `predecessor` became (part of) `successor`; returns the link's id.
pub async fn add_lineage(
    db: &Db,
    actor: &Actor,
    predecessor: i64,
    successor: i64,
    event: LineageEvent,
    date: NaiveDate,
    note: &str,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let link = store::insert_lineage(&mut tx, predecessor, successor, event, date, note).await?;
    audit::entry(actor, "lineage_add")
        .object("unit_lineage", link)
        .unit(successor)
        .detail(json!({"predecessor_id": predecessor, "event": event.key(), "date": date}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(link)
}

/// Imports checked CSV rows, all or nothing, with one audit entry scoped to `scope_unit`.
pub async fn import_units(
    db: &Db,
    actor: &Actor,
    rows: &[CsvUnit],
    scope_unit: Option<i64>,
) -> AppResult<ImportSummary> {
    let mut tx = db.begin().await?;
    let summary = store::import_units(&mut tx, rows, Utc::now()).await?;
    after_move(&mut tx, &summary.moved).await?;
    audit::entry(actor, "unit_import")
        .object("unit", "")
        .unit(scope_unit)
        .detail(json!({"created": summary.created, "updated": summary.updated}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    after_large_import(db, rows.len()).await?;
    Ok(summary)
}

/// What a population import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PopulationSummary {
    /// Rows read.
    pub rows: usize,
    /// Units whose population or reference changed.
    pub changed: usize,
}

/// Sets the populations of units (checked rows: `(unit id, code, population)`), all or nothing:
/// each unit that changes gets its own audit entry (what it was, what it is), the import one
/// more, scoped to `scope_unit`.
pub async fn import_populations(
    db: &Db,
    actor: &Actor,
    rows: &[(i64, String, Population)],
    scope_unit: Option<i64>,
) -> AppResult<PopulationSummary> {
    let mut tx = db.begin().await?;
    let now = Utc::now();
    let mut summary = PopulationSummary {
        rows: rows.len(),
        changed: 0,
    };
    for (id, code, population) in rows {
        let Some(before) = store::update_population(&mut tx, *id, population, now).await? else {
            return Err(crate::error::AppError::NotFound);
        };
        if before == *population {
            continue;
        }
        summary.changed += 1;
        audit::entry(actor, "unit_population_update")
            .object("unit", id)
            .unit(*id)
            .detail(json!({"code": code,
                           "population": {"from": before.count, "to": population.count},
                           "population_source": {"from": before.source, "to": population.source}}))
            .write(&mut tx)
            .await?;
    }
    audit::entry(actor, "unit_population_import")
        .object("unit", "")
        .unit(scope_unit)
        .detail(json!({"rows": summary.rows, "changed": summary.changed}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(summary)
}

/// `duluan orgs import`: checks a unit CSV file whole and imports it, all or nothing, into the
/// configured database (migrated first), recorded as the command line acting at the machine;
/// errors are listed line by line, in English.
pub async fn import_file(
    database: &crate::config::DatabaseConfig,
    bytes: &[u8],
) -> anyhow::Result<ImportSummary> {
    let db = database.open().await?;
    db.migrate().await?;
    let kinds = store::list_kinds(&db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let stored = store::map_codes(&db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rows = crate::orgs::model::parse_units_csv(bytes, &kinds, &stored).map_err(|errors| {
        let tr = crate::web::i18n::Tr(crate::web::i18n::Lang::En);
        let lines: Vec<String> = errors
            .iter()
            .map(|e| crate::orgs::pages::describe_csv_error(tr, e))
            .collect();
        anyhow::anyhow!(
            "nothing imported; {} error(s):\n{}",
            lines.len(),
            lines.join("\n")
        )
    })?;
    let actor = Actor {
        user_id: None,
        username: "cli".into(),
        ip: String::new(),
    };
    let summary = import_units(&db, &actor, &rows, None)
        .await
        .map_err(|e| anyhow::anyhow!("import failed: {e}"));
    db.close().await;
    summary
}

/// Imports rows without an audit entry: for the benchmarks' bulk loads, where no one acts.
pub async fn import_units_unaudited(db: &Db, rows: &[CsvUnit]) -> AppResult<ImportSummary> {
    let mut tx = db.begin().await?;
    let summary = store::import_units(&mut tx, rows, Utc::now()).await?;
    after_move(&mut tx, &summary.moved).await?;
    tx.commit().await?;
    after_large_import(db, rows.len()).await?;
    Ok(summary)
}

/// Units moved: what other contexts derived from their ancestry follows in the move's own
/// transaction (monitoring's search index keeps each item's ancestors: their items are indexed
/// again).
async fn after_move(tx: &mut Tx, moved: &[i64]) -> AppResult<()> {
    if moved.is_empty() {
        return Ok(());
    }
    let units = store::subtree_ids_in(tx, moved).await?;
    crate::monitoring::units_moved(tx, &units).await?;
    Ok(())
}

/// A large import changes the tables' shape: refresh the planner's statistics so that subtree
/// and roll-up queries keep their index plans (PostgreSQL otherwise scans).
async fn after_large_import(db: &Db, rows: usize) -> AppResult<()> {
    if rows >= 1000 {
        store::refresh_statistics(db).await?;
    }
    Ok(())
}

/// Adds a unit type at the end of the list.
pub async fn create_kind(
    db: &Db,
    actor: &Actor,
    kind: &UnitKind,
    scope_unit: Option<i64>,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::insert_kind(&mut tx, kind).await?;
    audit::entry(actor, "unit_type_create")
        .object("unit_type", &kind.key)
        .unit(scope_unit)
        .detail(json!({"name_vi": kind.name_vi, "name_en": kind.name_en}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
