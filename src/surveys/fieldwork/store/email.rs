//! Fieldwork by e-mail: a survey's templates and schedule, the cases due for an invitation or a
//! reminder (with the address the job mails, read here and nowhere else), the mailed tokens, and
//! what happens to a case when a mail is queued, refused (bounce) or opted out of.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::surveys::fieldwork::email::{MailKind, Schedule, Template};
use crate::surveys::model::Disposition;
use crate::{with_conn, with_db};

/// A survey's saved templates.
pub async fn list_templates(db: &Db, survey_id: i64) -> AppResult<Vec<Template>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT kind, lang, subject, body_text, body_html FROM survey_email_templates
         WHERE survey_id = $1 ORDER BY kind, lang"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?))
}

/// Replaces a survey's templates.
pub async fn save_templates(
    tx: &mut Tx,
    survey_id: i64,
    templates: &[Template],
    by: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query("DELETE FROM survey_email_templates WHERE survey_id = $1")
            .bind(survey_id)
            .execute(&mut *conn)
            .await?;
        for t in templates {
            sqlx::query(
                "INSERT INTO survey_email_templates (survey_id, kind, lang, subject, body_text, body_html, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(survey_id)
            .bind(t.kind.key())
            .bind(&t.lang)
            .bind(&t.subject)
            .bind(&t.body_text)
            .bind(&t.body_html)
            .bind(by)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        Ok::<(), AppError>(())
    })
}

/// A survey's schedule, when saved.
pub async fn find_schedule(db: &Db, survey_id: i64) -> AppResult<Option<Schedule>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT survey_id, reminder_days, last_reminder_days, pace, base_url, sending, last_run_at
         FROM survey_email_settings WHERE survey_id = $1"
    )
    .bind(survey_id)
    .fetch_optional(pool)
    .await?))
}

/// The schedules of the surveys whose sending is on.
pub async fn list_sending(db: &Db) -> AppResult<Vec<Schedule>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT survey_id, reminder_days, last_reminder_days, pace, base_url, sending, last_run_at
         FROM survey_email_settings WHERE sending ORDER BY survey_id"
    )
    .fetch_all(pool)
    .await?))
}

/// Saves a survey's schedule (sending on or off as given; a fresh start forgets the last run,
/// so the first run may send one minute's worth).
pub async fn save_schedule(
    tx: &mut Tx,
    s: &Schedule,
    by: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO survey_email_settings (survey_id, reminder_days, last_reminder_days, pace, base_url, sending, last_run_at, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8)
             ON CONFLICT (survey_id) DO UPDATE SET reminder_days = $2, last_reminder_days = $3,
                 pace = $4, base_url = $5, sending = $6, updated_by = $7, updated_at = $8,
                 last_run_at = CASE WHEN survey_email_settings.sending THEN survey_email_settings.last_run_at ELSE NULL END",
        )
        .bind(s.survey_id)
        .bind(s.reminder_days)
        .bind(s.last_reminder_days)
        .bind(s.pace)
        .bind(&s.base_url)
        .bind(s.sending)
        .bind(by)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok::<(), AppError>(())
    })
}

/// Records a run of the job for a survey.
pub async fn update_last_run(db: &Db, survey_id: i64, at: DateTime<Utc>) -> AppResult<()> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE survey_email_settings SET last_run_at = $1 WHERE survey_id = $2"
    )
    .bind(at)
    .bind(survey_id)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// A case due for a mail, with its address and language.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Due {
    /// Case.
    pub id: i64,
    /// Address.
    pub email: String,
    /// Language code from the frame (`vi`, `en`, or anything else: Vietnamese).
    pub lang: Option<String>,
}

/// Released e-mail cases with nothing returned, never unsubscribed nor bounced nor held by a
/// quota, whose address exists: those not invited yet (`Invite`), or invited before
/// `invited_before` with no response started and not reminded yet (`Reminder`), or also
/// reminded before `reminded_before` (`LastReminder`). At most `limit`, by case id from above `after`.
#[allow(clippy::too_many_arguments)]
pub async fn list_due(
    db: &Db,
    survey_id: i64,
    kind: MailKind,
    invited_before: DateTime<Utc>,
    reminded_before: DateTime<Utc>,
    after: i64,
    limit: i64,
) -> AppResult<Vec<Due>> {
    let extra = match kind {
        MailKind::Invite => {
            "AND NOT EXISTS (SELECT 1 FROM survey_case_events e WHERE e.case_id = k.id AND e.kind = 'invited')"
        }
        MailKind::Reminder => {
            "AND EXISTS (SELECT 1 FROM survey_case_events e WHERE e.case_id = k.id AND e.kind = 'invited' AND e.at <= $2)
             AND NOT EXISTS (SELECT 1 FROM survey_case_events e WHERE e.case_id = k.id AND e.kind = 'reminded')
             AND NOT EXISTS (SELECT 1 FROM survey_responses r WHERE r.case_id = k.id)"
        }
        MailKind::LastReminder => {
            "AND EXISTS (SELECT 1 FROM survey_case_events e WHERE e.case_id = k.id AND e.kind = 'invited' AND e.at <= $2)
             AND EXISTS (SELECT 1 FROM survey_case_events e WHERE e.case_id = k.id AND e.kind = 'reminded' AND e.note = 'reminder' AND e.at <= $3)
             AND NOT EXISTS (SELECT 1 FROM survey_case_events e WHERE e.case_id = k.id AND e.kind = 'reminded' AND e.note = 'last')
             AND NOT EXISTS (SELECT 1 FROM survey_responses r WHERE r.case_id = k.id)"
        }
    };
    let sql = format!(
        "SELECT k.id, c.email, c.lang FROM survey_cases k
         JOIN survey_contacts c ON c.frame_row_id = k.frame_row_id
         WHERE k.survey_id = $1 AND k.mode = 'email' AND k.released_at IS NOT NULL
           AND k.disposition = '3.19' AND c.email IS NOT NULL AND k.quota_held = 0
           AND NOT EXISTS (SELECT 1 FROM survey_case_events e WHERE e.case_id = k.id AND e.kind IN ('unsubscribed', 'bounced'))
           AND k.id > $5 {extra}
         ORDER BY k.id LIMIT $4"
    );
    Ok(with_db!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(survey_id)
    .bind(invited_before)
    .bind(reminded_before)
    .bind(limit)
    .bind(after)
    .fetch_all(pool)
    .await?))
}

/// Stores a mailed token of a case and the case event of its mail (`invited` or `reminded`,
/// the note naming the reminder), in the transaction that queues the mail.
pub async fn insert_mailed(
    tx: &mut Tx,
    case_id: i64,
    token_hash: &str,
    kind: MailKind,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (event, note) = match kind {
        MailKind::Invite => ("invited", ""),
        MailKind::Reminder => ("reminded", "reminder"),
        MailKind::LastReminder => ("reminded", "last"),
    };
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO survey_case_tokens (token_hash, case_id, kind, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(case_id)
        .bind(kind.key())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE survey_cases SET attempts = attempts + 1, updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO survey_case_events (case_id, at, kind, mode, outcome, disposition, user_id, note)
             VALUES ($1, $2, $3, 'email', NULL, NULL, NULL, $4)",
        )
        .bind(case_id)
        .bind(now)
        .bind(event)
        .bind(note)
        .execute(&mut *conn)
        .await?;
        Ok::<(), AppError>(())
    })
}

/// The case of a mailed token: `(case id, survey id, disposition)`.
pub async fn find_mailed_case(
    db: &Db,
    token_hash: &str,
) -> AppResult<Option<(i64, i64, Disposition)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT k.id, k.survey_id, k.disposition FROM survey_case_tokens t
         JOIN survey_cases k ON k.id = t.case_id WHERE t.token_hash = $1"
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?))
}

/// Records an event that ends a case's mail (`unsubscribed`, `bounced`) once, and moves its
/// disposition from "nothing returned" to `to` (a case already answered keeps its own).
/// `false` when the event was already there.
pub async fn stop_mail(
    tx: &mut Tx,
    case_id: i64,
    event: &str,
    to: Disposition,
    note: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    with_conn!(tx, |conn| {
        let seen: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM survey_case_events WHERE case_id = $1 AND kind = $2 LIMIT 1",
        )
        .bind(case_id)
        .bind(event)
        .fetch_optional(&mut *conn)
        .await?;
        if seen.is_some() {
            return Ok(false);
        }
        let moved = sqlx::query(
            "UPDATE survey_cases SET disposition = $1, updated_at = $2 WHERE id = $3 AND disposition = '3.19'",
        )
        .bind(to.key())
        .bind(now)
        .bind(case_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        sqlx::query(
            "INSERT INTO survey_case_events (case_id, at, kind, mode, outcome, disposition, user_id, note)
             VALUES ($1, $2, $3, 'email', NULL, $4, NULL, $5)",
        )
        .bind(case_id)
        .bind(now)
        .bind(event)
        .bind((moved == 1).then(|| to.key()))
        .bind(note)
        .execute(&mut *conn)
        .await?;
        Ok::<bool, AppError>(true)
    })
}

/// Whether a case exists and is a case of the e-mail mode (bounces of other mails are ignored).
pub async fn is_email_case(db: &Db, case_id: i64) -> AppResult<bool> {
    let n: i64 = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_cases WHERE id = $1 AND mode = 'email'"
    )
    .bind(case_id)
    .fetch_one(pool)
    .await?);
    Ok(n == 1)
}

/// The e-mail counts of a survey: `(e-mail cases, invited, reminded, unsubscribed, bounced,
/// answered)` (cases, not mails).
pub async fn counts(db: &Db, survey_id: i64) -> AppResult<[i64; 6]> {
    let ev = |kind: &str| {
        format!(
            "(SELECT COUNT(DISTINCT e.case_id) FROM survey_case_events e JOIN survey_cases k ON k.id = e.case_id
              WHERE k.survey_id = $1 AND e.kind = '{kind}')"
        )
    };
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND mode = 'email' AND released_at IS NOT NULL),
                {}, {}, {}, {},
                (SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND mode = 'email' AND released_at IS NOT NULL AND disposition = '1.1')",
        ev("invited"),
        ev("reminded"),
        ev("unsubscribed"),
        ev("bounced")
    );
    let row: (i64, i64, i64, i64, i64, i64) =
        with_db!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(survey_id)
            .fetch_one(pool)
            .await?);
    Ok([row.0, row.1, row.2, row.3, row.4, row.5])
}
