//! All SQL of the collaborator network: attribute lists, collaborators (representation), their
//! identities (personal data, a table apart), targets, activity.

use chrono::{DateTime, NaiveDate, Utc};

use crate::collaborators::model::{
    AttributeValue, CollaboratorInput, CollaboratorStatus, Dimension,
};
use crate::db::{Db, Tx, placeholders};
use crate::error::{AppError, AppResult};
use crate::{with_conn, with_db};

/// Every allowed attribute value, in order.
pub async fn list_values(db: &Db) -> AppResult<Vec<AttributeValue>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT dimension, key, name_vi, name_en FROM collaborator_attributes ORDER BY dimension, sort_order, key"
    )
    .fetch_all(pool)
    .await?
    }))
}

/// Adds a value to a dimension's list (the deployment's configuration).
pub async fn insert_value(tx: &mut Tx, v: &AttributeValue) -> AppResult<bool> {
    let n = with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO collaborator_attributes (dimension, key, name_vi, name_en, sort_order)
         VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(sort_order), 0) + 10 FROM collaborator_attributes))
         ON CONFLICT (dimension, key) DO NOTHING"
    )
    .bind(v.dimension.key())
    .bind(&v.key)
    .bind(&v.name_vi)
    .bind(&v.name_en)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(n == 1)
}

/// A collaborator's representation side (no identity).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Collaborator {
    /// Id.
    pub id: i64,
    /// Pseudonymous id shown everywhere but to the managing unit.
    pub pseudonym: String,
    /// Unit.
    pub unit_id: i64,
    /// Where the collaborator stands.
    #[sqlx(try_from = "String")]
    pub status: CollaboratorStatus,
    /// Sector.
    pub sector: String,
    /// Organisation.
    pub organisation: String,
    /// Stratum.
    pub stratum: String,
    /// Age band.
    pub age_band: String,
    /// Gender.
    pub gender: String,
    /// Ethnicity.
    pub ethnicity: String,
    /// Religion.
    pub religion: String,
    /// Term start.
    pub term_from: Option<NaiveDate>,
    /// Term end.
    pub term_to: Option<NaiveDate>,
    /// Successor.
    pub replaced_by: Option<i64>,
}

impl Collaborator {
    /// The value of a dimension.
    pub fn attribute(&self, d: Dimension) -> &str {
        match d {
            Dimension::Sector => &self.sector,
            Dimension::Organisation => &self.organisation,
            Dimension::Stratum => &self.stratum,
            Dimension::AgeBand => &self.age_band,
            Dimension::Gender => &self.gender,
            Dimension::Ethnicity => &self.ethnicity,
            Dimension::Religion => &self.religion,
        }
    }
}

const SELECT: &str = "SELECT id, pseudonym, unit_id, status, sector, organisation, stratum, age_band, gender, ethnicity,
    religion, term_from, term_to, replaced_by FROM collaborators";

/// The identity of a collaborator (personal data).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Identity {
    /// Full name.
    pub full_name: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Consent date.
    pub consent_date: Option<NaiveDate>,
}

/// Inserts one collaborator and its identity; returns its id.
async fn insert_one(tx: &mut Tx, c: &CollaboratorInput, now: DateTime<Utc>) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        let a = &c.attributes.0;
        // Eight random hex digits (short enough to type on a briefing's attendance list): among
        // 100,000 collaborators two draws meet about once, so a taken one is drawn again.
        let mut tries = 0;
        let id: i64 = loop {
            let pseudonym = format!(
                "CTV-{}",
                &uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase()
            );
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO collaborators (pseudonym, unit_id, status, stratum, sector, organisation, age_band, gender,
                   ethnicity, religion, term_from, term_to, created_at, updated_at)
                 VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
                 ON CONFLICT (pseudonym) DO NOTHING RETURNING id",
            )
            .bind(&pseudonym)
            .bind(c.unit_id)
            .bind(&a[0])
            .bind(&a[1])
            .bind(&a[2])
            .bind(&a[3])
            .bind(&a[4])
            .bind(&a[5])
            .bind(&a[6])
            .bind(c.term_from)
            .bind(c.term_to)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await?;
            tries += 1;
            match id {
                Some(id) => break id,
                None if tries < 20 => continue,
                None => {
                    return Err(crate::error::AppError::Internal(anyhow::anyhow!(
                        "no free collaborator pseudonym after {tries} draws"
                    )));
                }
            }
        };
        sqlx::query(
            "INSERT INTO collaborator_identities (collaborator_id, full_name, phone, email, consent_date, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&c.full_name)
        .bind(&c.phone)
        .bind(&c.email)
        .bind(c.consent_date)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        id
    }))
}

/// Inserts many collaborators in one transaction (all or nothing); returns their ids.
pub async fn insert_collaborators(
    tx: &mut Tx,
    rows: &[CollaboratorInput],
    now: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(rows.len());
    for c in rows {
        ids.push(insert_one(tx, c, now).await?);
    }
    Ok(ids)
}

/// Replaces `old` by a new person with the same unit and representation slot: the old record
/// stays (status `replaced`, pointing at its successor), history is kept.
pub async fn replace_collaborator(
    tx: &mut Tx,
    old: i64,
    new: &CollaboratorInput,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let id = insert_one(tx, new, now).await?;
    let n = with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE collaborators SET status = 'replaced', replaced_by = $1, term_to = COALESCE(term_to, $2), updated_at = $3
         WHERE id = $4 AND status = 'active'",
    )
    .bind(id)
    .bind(now.date_naive())
    .bind(now)
    .bind(old)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    if n == 0 {
        return Err(AppError::Conflict("collaborators-error-not-active"));
    }
    Ok(id)
}

/// One collaborator.
pub async fn find_collaborator(db: &Db, id: i64) -> AppResult<Option<Collaborator>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The identity of a collaborator.
pub async fn find_identity(db: &Db, id: i64) -> AppResult<Option<Identity>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT full_name, phone, email, consent_date FROM collaborator_identities WHERE collaborator_id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    }))
}

/// Collaborators of the given units (active first), at most `limit`.
pub async fn list_collaborators(
    db: &Db,
    units: &[i64],
    limit: i64,
) -> AppResult<Vec<Collaborator>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE unit_id IN ({}) ORDER BY CASE status WHEN 'active' THEN 0 ELSE 1 END, unit_id, id LIMIT {}",
        placeholders(1, units.len()),
        limit.clamp(1, 20000)
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// Pseudonyms of the given collaborators: `(id, pseudonym)`.
pub async fn list_pseudonyms(db: &Db, ids: &[i64]) -> AppResult<Vec<(i64, String)>> {
    let mut out = vec![];
    for chunk in ids.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id, pseudonym FROM collaborators WHERE id IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<(i64, String)> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for i in chunk {
                q = q.bind(*i);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// Names of the given collaborators (for managers of their unit): `(id, full name)`.
pub async fn list_names(db: &Db, ids: &[i64]) -> AppResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT collaborator_id, full_name FROM collaborator_identities WHERE collaborator_id IN ({})",
        placeholders(1, ids.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for i in ids {
            q = q.bind(*i);
        }
        q.fetch_all(pool).await?
    }))
}

/// A representation target.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Target {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Where it applies.
    pub applies_to: crate::collaborators::model::AppliesTo,
    /// What it counts.
    pub dimension: crate::collaborators::model::TargetOn,
    /// Value key (empty for `any`).
    pub value_key: String,
    /// Minimum number of active collaborators.
    pub minimum: i32,
}

/// Sets a target (replacing the minimum of the same target).
pub async fn upsert_target(
    tx: &mut Tx,
    unit_id: i64,
    applies_to: crate::collaborators::model::AppliesTo,
    dimension: crate::collaborators::model::TargetOn,
    value_key: &str,
    minimum: i32,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO collaborator_targets (unit_id, applies_to, dimension, value_key, minimum) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (unit_id, applies_to, dimension, value_key) DO UPDATE SET minimum = excluded.minimum"
    )
    .bind(unit_id)
    .bind(applies_to.key())
    .bind(dimension.key())
    .bind(value_key)
    .bind(minimum)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(())
}

/// Targets set at the given units.
pub async fn list_targets(db: &Db, units: &[i64]) -> AppResult<Vec<Target>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id, unit_id, applies_to, dimension, value_key, minimum FROM collaborator_targets
         WHERE unit_id IN ({}) ORDER BY unit_id, applies_to, dimension, value_key",
        placeholders(1, units.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for u in units {
            q = q.bind(*u);
        }
        q.fetch_all(pool).await?
    }))
}

/// Records activity of a period (replacing what was recorded).
pub async fn upsert_activity(
    tx: &mut Tx,
    id: i64,
    period: &str,
    items: i32,
    briefings: i32,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO collaborator_activity (collaborator_id, period, items, briefings) VALUES ($1, $2, $3, $4)
         ON CONFLICT (collaborator_id, period) DO UPDATE SET items = excluded.items, briefings = excluded.briefings"
    )
    .bind(id)
    .bind(period)
    .bind(items)
    .bind(briefings)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(())
}

/// Activity of collaborators: `(collaborator, period, items, briefings)`, periods from `from` on.
pub async fn list_activity(
    db: &Db,
    ids: &[i64],
    from: &str,
) -> AppResult<Vec<(i64, String, i32, i32)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT collaborator_id, period, items, briefings FROM collaborator_activity
         WHERE period >= $1 AND collaborator_id IN ({}) ORDER BY period DESC",
        placeholders(2, ids.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(from);
        for i in ids {
            q = q.bind(*i);
        }
        q.fetch_all(pool).await?
    }))
}

/// Periods without activity after which a collaborator is flagged (the deployment's setting).
pub async fn find_inactive_after(db: &Db) -> AppResult<i32> {
    let n: Option<i32> = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT inactive_after_periods FROM collaborator_settings WHERE id = 1"
    )
    .fetch_optional(pool)
    .await?);
    Ok(n.unwrap_or(crate::collaborators::model::INACTIVE_AFTER_PERIODS as i32))
}

/// Sets the inactivity threshold.
pub async fn update_inactive_after(tx: &mut Tx, periods: i32, now: DateTime<Utc>) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO collaborator_settings (id, inactive_after_periods, updated_at) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET inactive_after_periods = excluded.inactive_after_periods,
               updated_at = excluded.updated_at",
        )
        .bind(periods)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// Renames a value of a dimension's list; `false` when there is no such value.
pub async fn update_value(tx: &mut Tx, v: &AttributeValue) -> AppResult<bool> {
    let n = with_conn!(tx, |conn| {
        sqlx::query(
            "UPDATE collaborator_attributes SET name_vi = $1, name_en = $2 WHERE dimension = $3 AND key = $4",
        )
        .bind(&v.name_vi)
        .bind(&v.name_en)
        .bind(v.dimension.key())
        .bind(&v.key)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(n == 1)
}

/// How many collaborators (of any status) and targets use a value.
pub async fn count_value_uses(db: &Db, d: Dimension, key: &str) -> AppResult<(i64, i64)> {
    // The column name comes from the closed list of dimensions, never from input.
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT (SELECT COUNT(*) FROM collaborators WHERE {} = $1),
                (SELECT COUNT(*) FROM collaborator_targets WHERE dimension = $2 AND value_key = $1)",
        d.key()
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(key)
        .bind(d.key())
        .fetch_one(pool)
        .await?))
}

/// Removes a value from a dimension's list.
pub async fn delete_value(tx: &mut Tx, d: Dimension, key: &str) -> AppResult<bool> {
    let n = with_conn!(tx, |conn| {
        sqlx::query("DELETE FROM collaborator_attributes WHERE dimension = $1 AND key = $2")
            .bind(d.key())
            .bind(key)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(n == 1)
}

/// Collaborators by pseudonym (`CTV-…`, exact).
pub async fn find_by_pseudonyms(db: &Db, pseudonyms: &[String]) -> AppResult<Vec<Collaborator>> {
    if pseudonyms.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE pseudonym IN ({})",
        placeholders(1, pseudonyms.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for p in pseudonyms {
            q = q.bind(p);
        }
        q.fetch_all(pool).await?
    }))
}

/// Records a briefing and who attended, in one transaction; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_briefing(
    tx: &mut Tx,
    unit_id: i64,
    held_on: NaiveDate,
    period: &str,
    topic: &str,
    attendees: &[i64],
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    with_conn!(tx, |conn| {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO collaborator_briefings (unit_id, held_on, period, topic, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(unit_id)
        .bind(held_on)
        .bind(period)
        .bind(topic)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        for c in attendees {
            sqlx::query(
                "INSERT INTO collaborator_briefing_attendance (briefing_id, collaborator_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(*c)
            .execute(&mut *conn)
            .await?;
        }
        Ok::<i64, AppError>(id)
    })
}

/// Who attended a briefing: `(collaborator id, pseudonym)`.
pub async fn list_attendees(db: &Db, briefing_id: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT c.id, c.pseudonym FROM collaborator_briefing_attendance a
         JOIN collaborators c ON c.id = a.collaborator_id WHERE a.briefing_id = $1 ORDER BY c.pseudonym"
    )
    .bind(briefing_id)
    .fetch_all(pool)
    .await?
    }))
}

/// Replaces who attended the record `id`.
pub async fn replace_attendance(tx: &mut Tx, id: i64, attendees: &[i64]) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query("DELETE FROM collaborator_briefing_attendance WHERE briefing_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        for c in attendees {
            sqlx::query(
                "INSERT INTO collaborator_briefing_attendance (briefing_id, collaborator_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(*c)
            .execute(&mut *conn)
            .await?;
        }
        Ok::<(), AppError>(())
    })
}

/// The e-mail contacts of the active collaborators of `units` who have an address:
/// `(id, pseudonym, unit, e-mail)` (personal data: for sending only).
pub async fn list_contacts(db: &Db, units: &[i64]) -> AppResult<Vec<(i64, String, i64, String)>> {
    let mut out = vec![];
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT c.id, c.pseudonym, c.unit_id, i.email FROM collaborators c
             JOIN collaborator_identities i ON i.collaborator_id = c.id
             WHERE c.status = 'active' AND i.email <> '' AND c.unit_id IN ({})
             ORDER BY c.id",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<(i64, String, i64, String)> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// Briefings attended per collaborator and month: `(collaborator, period, count)`, from `from` on.
pub async fn list_attendance(
    db: &Db,
    ids: &[i64],
    from: &str,
) -> AppResult<Vec<(i64, String, i64)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT a.collaborator_id, b.period, COUNT(*) FROM collaborator_briefing_attendance a
         JOIN collaborator_briefings b ON b.id = a.briefing_id
         WHERE b.period >= $1 AND a.collaborator_id IN ({})
         GROUP BY a.collaborator_id, b.period",
        placeholders(2, ids.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql).bind(from);
        for i in ids {
            q = q.bind(*i);
        }
        q.fetch_all(pool).await?
    }))
}

/// The months (`YYYY-MM`) of `year` in which briefings were recorded at `units`.
pub async fn list_briefing_periods(db: &Db, units: &[i64], year: i32) -> AppResult<Vec<String>> {
    let mut out = vec![];
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT period FROM collaborator_briefings
             WHERE period >= $1 AND period <= $2 AND unit_id IN ({})",
            placeholders(3, chunk.len())
        ));
        let rows: Vec<String> = with_db!(db, |pool| {
            let mut q = sqlx::query_scalar(sql)
                .bind(format!("{year:04}-01"))
                .bind(format!("{year:04}-12"));
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}
