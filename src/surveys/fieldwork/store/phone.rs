//! Telephone fieldwork: calling rules, the queue and its atomic claim, attempts, activity, claims
//! released or reassigned, and cases moved to the telephone queue.

use chrono::{DateTime, Duration, Utc};

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::surveys::fieldwork::phone::{CLAIM_MINUTES, Settings, final_keys_sql};
use crate::surveys::model::{CollectionMode, Disposition};
use crate::{with_conn, with_db};

/// A survey's calling rules (the defaults when never set).
pub async fn phone_settings(db: &Db, survey_id: i64) -> AppResult<Settings> {
    let row: Option<(i32, i32, i32, i32)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT max_attempts, hours_from, hours_to, retry_minutes FROM survey_phone_settings
         WHERE survey_id = $1"
    )
    .bind(survey_id)
    .fetch_optional(pool)
    .await?);
    Ok(row.map_or_else(Settings::default, |(m, f, t, r)| Settings {
        max_attempts: m.into(),
        hours_from: f.into(),
        hours_to: t.into(),
        retry_minutes: r.into(),
    }))
}

/// Stores a survey's calling rules.
pub async fn save_phone_settings(
    tx: &mut Tx,
    survey_id: i64,
    s: Settings,
    by: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "INSERT INTO survey_phone_settings
             (survey_id, max_attempts, hours_from, hours_to, retry_minutes, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (survey_id) DO UPDATE SET max_attempts = excluded.max_attempts,
             hours_from = excluded.hours_from, hours_to = excluded.hours_to,
             retry_minutes = excluded.retry_minutes, updated_by = excluded.updated_by,
             updated_at = excluded.updated_at"
    )
    .bind(survey_id)
    .bind(s.max_attempts as i32)
    .bind(s.hours_from as i32)
    .bind(s.hours_to as i32)
    .bind(s.retry_minutes as i32)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|_| ())?);
    Ok(())
}

/// A survey with telephone cases: `(survey id, title, unit, open cases, claimed now)`.
pub type PhoneSurvey = (i64, String, i64, i64, i64);

/// Surveys with open (released, not final, not held by a quota) telephone cases below their
/// maximum attempts.
pub async fn phone_surveys(db: &Db, now: DateTime<Utc>) -> AppResult<Vec<PhoneSurvey>> {
    let sql = format!(
        "SELECT s.id, s.title, s.unit_id, COUNT(*),
                SUM(CASE WHEN k.assigned_to IS NOT NULL AND k.claim_expires_at >= $1 THEN 1 ELSE 0 END)
         FROM survey_cases k JOIN surveys s ON s.id = k.survey_id
         LEFT JOIN survey_phone_settings p ON p.survey_id = s.id
         WHERE k.mode = 'phone' AND k.released_at IS NOT NULL
           AND k.disposition NOT IN ({}) AND k.attempts < COALESCE(p.max_attempts, $2)
           AND k.quota_held = 0
         GROUP BY s.id, s.title, s.unit_id ORDER BY s.title, s.id",
        final_keys_sql()
    );
    Ok(with_db!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(now)
    .bind(Settings::default().max_attempts as i32)
    .fetch_all(pool)
    .await?))
}

/// The case `user` holds an unexpired claim on in a survey, if any.
pub async fn held_claim(
    db: &Db,
    survey_id: i64,
    user: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM survey_cases WHERE survey_id = $1 AND mode = 'phone' AND assigned_to = $2
           AND claim_expires_at >= $3 ORDER BY id LIMIT 1"
    )
    .bind(survey_id)
    .bind(user)
    .bind(now)
    .fetch_optional(pool)
    .await?))
}

/// Claims the next case of a survey's telephone queue for `user`: released, telephone, not
/// final, below the maximum attempts, not held by a quota, free (or its claim expired), its appointment due or, with
/// none, the retry delay passed; due appointments first, then priority, fewest attempts, oldest
/// last attempt. One UPDATE that re-checks the claim, so two interviewers never get one case; on
/// PostgreSQL the candidate is locked with `SKIP LOCKED`, and a lost race is retried.
pub async fn claim_next(
    db: &Db,
    survey_id: i64,
    user: i64,
    s: Settings,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let lock = match db {
        Db::Sqlite(_) => "",
        Db::Pg(_) => " FOR UPDATE SKIP LOCKED",
    };
    let free = "(assigned_to IS NULL OR claim_expires_at < $3)";
    let sql = format!(
        "UPDATE survey_cases SET assigned_to = $1, claim_expires_at = $2
         WHERE id = (SELECT id FROM survey_cases
             WHERE survey_id = $4 AND mode = 'phone' AND released_at IS NOT NULL
               AND disposition NOT IN ({finals}) AND attempts < $5 AND quota_held = 0 AND {free}
               AND ((appointment_at IS NOT NULL AND appointment_at <= $3)
                    OR (appointment_at IS NULL AND (last_attempt_at IS NULL OR last_attempt_at <= $6)))
             ORDER BY (appointment_at IS NULL), appointment_at, priority DESC, attempts,
                      (last_attempt_at IS NOT NULL), last_attempt_at, id
             LIMIT 1{lock})
           AND {free}
         RETURNING id",
        finals = final_keys_sql()
    );
    let expires = now + Duration::minutes(CLAIM_MINUTES);
    let retry_before = now - Duration::minutes(s.retry_minutes);
    for _ in 0..20 {
        let got: Option<i64> = with_db!(db, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(user)
        .bind(expires)
        .bind(now)
        .bind(survey_id)
        .bind(s.max_attempts as i32)
        .bind(retry_before)
        .fetch_optional(pool)
        .await?);
        if got.is_some() {
            return Ok(got);
        }
        // Nothing claimed: either the queue is empty or another interviewer took the candidate
        // between the choice and the update. Ask whether a candidate is left.
        let left_sql = format!(
            "SELECT COUNT(*) FROM survey_cases
             WHERE survey_id = $1 AND mode = 'phone' AND released_at IS NOT NULL
               AND disposition NOT IN ({finals}) AND attempts < $2 AND quota_held = 0
               AND (assigned_to IS NULL OR claim_expires_at < $3)
               AND ((appointment_at IS NOT NULL AND appointment_at <= $3)
                    OR (appointment_at IS NULL AND (last_attempt_at IS NULL OR last_attempt_at <= $4)))",
            finals = final_keys_sql()
        );
        let left: i64 = with_db!(db, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(
            left_sql.clone()
        ))
        .bind(survey_id)
        .bind(s.max_attempts as i32)
        .bind(now)
        .bind(retry_before)
        .fetch_one(pool)
        .await?);
        if left == 0 {
            return Ok(None);
        }
    }
    Err(AppError::Conflict("phone-error-busy"))
}

/// Extends `user`'s claim on a case to `until` (an interview in progress keeps its case).
pub async fn extend_claim(db: &Db, case_id: i64, user: i64, until: DateTime<Utc>) -> AppResult<()> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE survey_cases SET claim_expires_at = $1 WHERE id = $2 AND assigned_to = $3"
    )
    .bind(until)
    .bind(case_id)
    .bind(user)
    .execute(pool)
    .await
    .map(|_| ())?);
    Ok(())
}

/// A case as the telephone console needs it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PhoneCase {
    /// Case id.
    pub id: i64,
    /// Survey.
    pub survey_id: i64,
    /// Mode.
    pub mode: CollectionMode,
    /// Disposition.
    pub disposition: Disposition,
    /// Attempts so far.
    pub attempts: i64,
    /// Appointment.
    pub appointment_at: Option<DateTime<Utc>>,
    /// Holder of the claim.
    pub assigned_to: Option<i64>,
    /// When the claim lapses.
    pub claim_expires_at: Option<DateTime<Utc>>,
    /// Released.
    pub released_at: Option<DateTime<Utc>>,
}

/// One case of the telephone console.
pub async fn find_phone_case(db: &Db, case_id: i64) -> AppResult<Option<PhoneCase>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, survey_id, mode, disposition, attempts,
                appointment_at, assigned_to, claim_expires_at, released_at
         FROM survey_cases WHERE id = $1 AND sample_id IS NOT NULL"
    )
    .bind(case_id)
    .fetch_optional(pool)
    .await?))
}

/// Records an attempt by the claim's holder: the attempt counted, the disposition and
/// appointment set, the claim freed, the event written; `None` when `user` does not hold the
/// claim (or the case is complete). Returns the attempts now.
#[allow(clippy::too_many_arguments)]
pub async fn record_attempt(
    tx: &mut Tx,
    case_id: i64,
    user: i64,
    outcome: &str,
    disposition: Disposition,
    appointment: Option<DateTime<Utc>>,
    note: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let attempts: Option<i64> = with_conn!(&mut *tx, |conn| sqlx::query_scalar(
        "UPDATE survey_cases SET attempts = attempts + 1, last_attempt_at = $1,
             disposition = $2, appointment_at = $3, assigned_to = NULL,
             claim_expires_at = NULL, updated_at = $1
         WHERE id = $4 AND assigned_to = $5 AND (disposition <> '1.1' OR $2 = '1.1')
         RETURNING attempts"
    )
    .bind(now)
    .bind(disposition.key())
    .bind(appointment)
    .bind(case_id)
    .bind(user)
    .fetch_optional(&mut *conn)
    .await?);
    if attempts.is_some() {
        add_event(
            tx,
            case_id,
            now,
            "attempt",
            CollectionMode::Phone,
            Some(outcome),
            Some(disposition),
            Some(user),
            note,
        )
        .await?;
    }
    Ok(attempts)
}

/// Writes one event of a case's history.
#[allow(clippy::too_many_arguments)]
pub async fn add_event(
    tx: &mut Tx,
    case_id: i64,
    at: DateTime<Utc>,
    kind: &str,
    mode: CollectionMode,
    outcome: Option<&str>,
    disposition: Option<Disposition>,
    user: Option<i64>,
    note: &str,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO survey_case_events (case_id, at, kind, mode, outcome, disposition, user_id, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(case_id)
    .bind(at)
    .bind(kind)
    .bind(mode.key())
    .bind(outcome)
    .bind(disposition.map(|d| d.key()))
    .bind(user)
    .bind(note)
    .execute(&mut *conn)
    .await
    .map(|_| ())?
    });
    Ok(())
}

/// Attempts and completes per interviewer per day: `(day (Vietnam), interviewer's user id,
/// attempts, completes)`, from the cases' history (no respondent data), newest day first.
pub async fn activity(db: &Db, survey_id: i64) -> AppResult<Vec<(String, i64, i64, i64)>> {
    let rows: Vec<(DateTime<Utc>, i64, Option<String>)> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT e.at, e.user_id, e.disposition FROM survey_case_events e
         JOIN survey_cases k ON k.id = e.case_id
         WHERE k.survey_id = $1 AND e.kind = 'attempt' AND e.mode = 'phone' AND e.user_id IS NOT NULL"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?
    });
    let mut by: std::collections::BTreeMap<(String, i64), (i64, i64)> = Default::default();
    for (at, user, d) in rows {
        let day = crate::kit::time::vn_date(at).to_string();
        let e = by.entry((day, user)).or_default();
        e.0 += 1;
        if d.as_deref() == Some(Disposition::Complete.key()) {
            e.1 += 1;
        }
    }
    let mut out: Vec<_> = by
        .into_iter()
        .map(|((day, user), (a, c))| (day, user, a, c))
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(out)
}

/// Released telephone cases by attempts: `(attempts, cases, final cases)`.
pub async fn cases_by_attempts(db: &Db, survey_id: i64) -> AppResult<Vec<(i64, i64, i64)>> {
    let sql = format!(
        "SELECT attempts, COUNT(*),
                SUM(CASE WHEN disposition IN ({}) THEN 1 ELSE 0 END)
         FROM survey_cases WHERE survey_id = $1 AND mode = 'phone' AND released_at IS NOT NULL
         GROUP BY attempts ORDER BY attempts",
        final_keys_sql()
    );
    let rows: Vec<(i64, i64, Option<i64>)> =
        with_db!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(survey_id)
            .fetch_all(pool)
            .await?);
    Ok(rows
        .into_iter()
        .map(|(a, n, f)| (a, n, f.unwrap_or(0)))
        .collect())
}

/// Claims held now: `(case id, holder's user id, attempts, expires)`.
pub async fn claims(db: &Db, survey_id: i64) -> AppResult<Vec<(i64, i64, i64, DateTime<Utc>)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT k.id, k.assigned_to, k.attempts, k.claim_expires_at
         FROM survey_cases k
         WHERE k.survey_id = $1 AND k.mode = 'phone' AND k.claim_expires_at IS NOT NULL
           AND k.assigned_to IS NOT NULL
         ORDER BY k.claim_expires_at, k.id LIMIT 200"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?))
}

/// Sets (`Some`) or frees (`None`) the claim on a telephone case of a survey; whether it exists.
pub async fn set_claim(
    tx: &mut Tx,
    survey_id: i64,
    case_id: i64,
    holder: Option<(i64, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let done = with_conn!(tx, |conn| sqlx::query(
        "UPDATE survey_cases SET assigned_to = $1, claim_expires_at = $2, updated_at = $3
         WHERE id = $4 AND survey_id = $5 AND mode = 'phone' AND released_at IS NOT NULL"
    )
    .bind(holder.map(|h| h.0))
    .bind(holder.map(|h| h.1))
    .bind(now)
    .bind(case_id)
    .bind(survey_id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(done == 1)
}

/// Moves released, not final web or e-mail cases of a survey (`ids`, or all when `None`) to
/// the telephone queue, claims and appointments cleared, each with a `mode` event; returns the
/// ids moved.
pub async fn move_to_phone(
    tx: &mut Tx,
    survey_id: i64,
    ids: Option<&[i64]>,
    by: i64,
    now: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
    let pick = match ids {
        Some([]) => return Ok(Vec::new()),
        Some(ids) => format!(" AND id IN ({})", crate::db::placeholders(2, ids.len())),
        None => String::new(),
    };
    let sql = format!(
        "SELECT id FROM survey_cases WHERE survey_id = $1 AND released_at IS NOT NULL
           AND mode IN ('web', 'email') AND disposition NOT IN ({}){pick} ORDER BY id",
        final_keys_sql()
    );
    let moved: Vec<i64> = with_conn!(&mut *tx, |conn| {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(survey_id);
        for id in ids.unwrap_or_default() {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *conn).await?
    });
    for chunk in moved.chunks(super::CHUNK) {
        let upd = sqlx::AssertSqlSafe(format!(
            "UPDATE survey_cases SET mode = 'phone', assigned_to = NULL, claim_expires_at = NULL,
                 appointment_at = NULL, updated_at = $1 WHERE id IN ({})",
            crate::db::placeholders(2, chunk.len())
        ));
        let events = sqlx::AssertSqlSafe(format!(
            "INSERT INTO survey_case_events (case_id, at, kind, mode, outcome, disposition, user_id, note)
             SELECT id, $1, 'mode', 'phone', NULL, NULL, $2, '' FROM survey_cases WHERE id IN ({})",
            crate::db::placeholders(3, chunk.len())
        ));
        with_conn!(&mut *tx, |conn| {
            let mut q = sqlx::query(upd).bind(now);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?;
            let mut q = sqlx::query(events).bind(now).bind(by);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?;
            Ok::<(), AppError>(())
        })?;
    }
    Ok(moved)
}
