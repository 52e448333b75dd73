//! Response scenarios (*kịch bản ứng phó*), their steps, and partner organisations.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::error::AppResult;
use crate::hotspots::model::{Agency, StepSpec};
use crate::{with_conn, with_db};

/// A partner organisation outside the tree of units (*cơ quan phối hợp*).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Partner {
    /// Id.
    pub id: i64,
    /// The unit that works with it.
    pub unit_id: i64,
    /// Name.
    pub name: String,
    /// E-mail address for its tasks (possibly empty).
    pub email: String,
}

/// Adds a partner; `None` when the unit already has one of that name.
pub async fn insert_partner(
    tx: &mut Tx,
    unit_id: i64,
    name: &str,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO hotspot_partners (unit_id, name, email, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (unit_id, name) DO NOTHING RETURNING id",
        )
        .bind(unit_id)
        .bind(name)
        .bind(email)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
    }))
}

/// The active partners of `units`, by name.
pub async fn list_partners(db: &Db, units: &[i64]) -> AppResult<Vec<Partner>> {
    let mut out: Vec<Partner> = Vec::new();
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id, unit_id, name, email FROM hotspot_partners
             WHERE active AND unit_id IN ({}) ORDER BY name, id",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Partner> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// One partner.
pub async fn find_partner(db: &Db, id: i64) -> AppResult<Option<Partner>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, unit_id, name, email FROM hotspot_partners WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?))
}

/// A scenario template.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Scenario {
    /// Id.
    pub id: i64,
    /// The unit that keeps it (its subtree may use it).
    pub unit_id: i64,
    /// Topic.
    pub topic_id: Option<i64>,
    /// Title.
    pub title: String,
    /// What it is for.
    pub description: String,
}

/// Adds a scenario; returns its id.
pub async fn insert_scenario(
    tx: &mut Tx,
    unit_id: i64,
    topic_id: Option<i64>,
    title: &str,
    description: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO hotspot_scenarios (unit_id, topic_id, title, description, created_by,
                created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(unit_id)
        .bind(topic_id)
        .bind(title)
        .bind(description)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    }))
}

/// The scenarios kept by `units`, by title.
pub async fn list_scenarios(db: &Db, units: &[i64]) -> AppResult<Vec<Scenario>> {
    let mut out: Vec<Scenario> = Vec::new();
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id, unit_id, topic_id, title, description FROM hotspot_scenarios
             WHERE unit_id IN ({}) ORDER BY title, id",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<Scenario> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// One scenario.
pub async fn find_scenario(db: &Db, id: i64) -> AppResult<Option<Scenario>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, unit_id, topic_id, title, description FROM hotspot_scenarios WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?))
}

/// A step as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Step {
    /// Id.
    pub id: i64,
    /// Position.
    pub position: i32,
    /// What to do.
    pub title: String,
    /// Who.
    pub agency: Agency,
    /// Partner.
    pub partner_id: Option<i64>,
    /// Days after the start.
    pub offset_days: i32,
    /// Orientation message to prepare.
    pub message: String,
}

/// Appends a step at the end of a scenario.
pub async fn insert_step(tx: &mut Tx, scenario_id: i64, s: &StepSpec) -> AppResult<i64> {
    let position: i32 = with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM hotspot_scenario_steps WHERE scenario_id = $1"
    )
    .bind(scenario_id)
    .fetch_one(&mut *conn)
    .await?
    });
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO hotspot_scenario_steps (scenario_id, position, title, agency, partner_id,
                offset_days, message) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(scenario_id)
        .bind(position)
        .bind(&s.title)
        .bind(s.agency.key())
        .bind(s.partner_id)
        .bind(s.offset_days)
        .bind(&s.message)
        .fetch_one(&mut *conn)
        .await?
    }))
}

/// A scenario's steps in order.
pub async fn list_steps(db: &Db, scenario_id: i64) -> AppResult<Vec<Step>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, position, title, agency, partner_id, offset_days, message
         FROM hotspot_scenario_steps WHERE scenario_id = $1 ORDER BY position, id"
    )
    .bind(scenario_id)
    .fetch_all(pool)
    .await?))
}

/// A scenario's steps in order, inside a transaction.
pub async fn list_steps_in(tx: &mut Tx, scenario_id: i64) -> AppResult<Vec<Step>> {
    Ok(with_conn!(tx, |conn| sqlx::query_as(
        "SELECT id, position, title, agency, partner_id, offset_days, message
         FROM hotspot_scenario_steps WHERE scenario_id = $1 ORDER BY position, id"
    )
    .bind(scenario_id)
    .fetch_all(&mut *conn)
    .await?))
}
