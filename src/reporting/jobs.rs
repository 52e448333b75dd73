//! Reporting's background work: reminders before the due day to assigned units that have not
//! sent their report, a reminder after it to late units and a summary to the centre, by e-mail
//! through `crate::mail` and as in-app notifications; and the page where the centre keeps each
//! unit's reminder address.
//!
//! Idempotent across restarts: every message and notification carries a key
//! (`reporting.reminder:{type}:{unit}:{period}` …) that the outbox and the notification table
//! accept once, so running the job again — after a restart or on two nodes — sends nothing twice.

use std::collections::HashSet;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Deserialize;

use crate::accounts::can;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::reporting::model::{Period, ReportKind, Schedule};
use crate::reporting::store;
use crate::web::ctx::Auth;
use crate::web::i18n::{Lang, Tr};
use crate::web::layout::{Chrome, page};

/// What one run of the reminder job queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReminderSummary {
    /// E-mails queued.
    pub emails: usize,
    /// In-app notifications added.
    pub notifications: usize,
}

/// The periods of a type whose deadline may be near `now`, with their due dates.
fn candidates(t: &store::ReportType, now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
    let kind = t.kind;
    let s = Schedule {
        kind,
        due_day: t.due_day,
        lock_after_days: t.lock_after_days,
        due_hours: t.due_hours,
        deadline: t.deadline,
    };
    let today = now.date_naive();
    let raw: Vec<String> = match kind {
        ReportKind::Monthly => vec![
            Period::month(today).as_str().to_string(),
            Period::month(today - Duration::days(today.day() as i64))
                .as_str()
                .to_string(),
        ],
        ReportKind::Quarterly => {
            let q = today.month0() / 3 + 1;
            let (py, pq) = if q == 1 {
                (today.year() - 1, 4)
            } else {
                (today.year(), q - 1)
            };
            vec![format!("{}-Q{q}", today.year()), format!("{py}-Q{pq}")]
        }
        ReportKind::Yearly => vec![today.year().to_string(), (today.year() - 1).to_string()],
        ReportKind::Thematic | ReportKind::AdHoc => vec!["once".into()],
        ReportKind::Quick => vec![],
    };
    raw.into_iter()
        .filter_map(|p| Period::parse(kind, &p).ok())
        .map(|p| {
            let due = s.deadlines(&p, now).0;
            (p.as_str().to_string(), due)
        })
        .collect()
}

/// The names of the arguments reminder messages use (Fluent needs them as static strings).
const ARG_NAMES: [&str; 6] = ["type", "period", "unit", "due", "missing", "list"];

/// A stored notification in the reader's language: its message key and arguments rendered by
/// `tr`, or the stored (Vietnamese) text of notifications that have no key.
pub fn render_notification(tr: Tr, n: &store::Notification) -> String {
    if n.message_key.is_empty() {
        return n.message.clone();
    }
    let args: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&n.args).unwrap_or_default();
    let args: Vec<(&'static str, String)> = ARG_NAMES
        .iter()
        .filter_map(|name| {
            args.get(*name)
                .and_then(|v| v.as_str())
                .map(|v| (*name, v.to_string()))
        })
        .collect();
    tr.ta(&n.message_key, &args)
}

/// One message of the job: a notification for `unit` and, when the unit has an address, an
/// e-mail in the address's language. Returns `(notifications, e-mails)` added.
#[allow(clippy::too_many_arguments)]
async fn notify(
    db: &Db,
    contacts: &[store::Contact],
    key: &str,
    unit: i64,
    what: &str,
    args: &[(&'static str, String)],
    link: &str,
    context: &str,
    now: DateTime<Utc>,
) -> AppResult<(usize, usize)> {
    let subject_key = format!("reporting-mail-{what}-subject");
    let json_args: serde_json::Map<String, serde_json::Value> = args
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
        .collect();
    // The notification and its e-mail in one transaction (both also carry idempotency keys, so
    // the next run redoes neither).
    let mut tx = db.begin().await?;
    let added = store::insert_notification(
        &mut tx,
        &store::NewNotification {
            key,
            unit_id: unit,
            message: &Tr(Lang::Vi).ta(&subject_key, args),
            message_key: &subject_key,
            args: &serde_json::Value::Object(json_args).to_string(),
            link,
        },
        now,
    )
    .await?;
    let mut emails = 0;
    if let Some(c) = contacts.iter().find(|c| c.unit_id == unit) {
        let tr = Tr(Lang::parse(&c.lang).unwrap_or(Lang::Vi));
        let queued = crate::mail::enqueue_in(
            &mut tx,
            &crate::mail::Mail {
                idempotency_key: key,
                to: &c.email,
                subject: &tr.ta(&subject_key, args),
                body: &tr.ta(&format!("reporting-mail-{what}-body"), args),
                html: None,
                context,
                unit_id: Some(unit),
            },
        )
        .await?;
        emails = queued.is_some() as usize;
    }
    tx.commit().await?;
    Ok((added as usize, emails))
}

/// Sends what is due at `now`: reminders `days_before` days before the due date to assigned
/// units that have not sent, reminders to late units and a summary to the centre in the week after.
/// E-mails are written in the language of each address (`/reporting/contacts`); in-app
/// notifications are rendered in each reader's language when read.
pub async fn run_reminders(
    db: &Db,
    now: DateTime<Utc>,
    days_before: i64,
) -> AppResult<ReminderSummary> {
    let mut summary = ReminderSummary::default();
    let contacts = store::list_contacts(db).await?;
    let mut add = |(n, e): (usize, usize)| {
        summary.notifications += n;
        summary.emails += e;
    };
    for t in store::list_types(db).await? {
        for (period, due) in candidates(&t, now) {
            let before = now >= due - Duration::days(days_before) && now < due;
            let after = now >= due && now < due + Duration::days(7);
            if !before && !after {
                continue;
            }
            let sent: HashSet<i64> = store::list_sent_units(db, t.id, &period)
                .await?
                .into_iter()
                .collect();
            let missing: Vec<i64> = store::list_type_units(db, t.id)
                .await?
                .into_iter()
                .filter(|u| !sent.contains(u))
                .collect();
            let names = crate::orgs::unit_names(db, &missing).await?;
            let due_text = crate::kit::time::show(due);
            let what = if before { "reminder" } else { "late" };
            for unit in &missing {
                let name = crate::reporting::pages::unit_name(&names, *unit);
                let args = [
                    ("type", t.name.clone()),
                    ("period", period.clone()),
                    ("unit", name.clone()),
                    ("due", due_text.clone()),
                ];
                let key = format!("reporting.{what}:{}:{unit}:{period}", t.id);
                add(notify(
                    db,
                    &contacts,
                    &key,
                    *unit,
                    what,
                    &args,
                    "/reporting/reports",
                    "reporting.reminder",
                    now,
                )
                .await?);
            }
            if after {
                let key = format!("reporting.summary:{}:{period}", t.id);
                let list: Vec<String> = missing
                    .iter()
                    .map(|u| format!("- {}", crate::reporting::pages::unit_name(&names, *u)))
                    .collect();
                let args = [
                    ("type", t.name.clone()),
                    ("period", period.clone()),
                    ("due", due_text.clone()),
                    ("missing", missing.len().to_string()),
                    ("list", list.join("\n")),
                ];
                add(notify(
                    db,
                    &contacts,
                    &key,
                    t.owner_unit_id,
                    "summary",
                    &args,
                    "/reporting/completeness",
                    "reporting.summary",
                    now,
                )
                .await?);
            }
        }
    }
    Ok(summary)
}

/// Days before the due date when units are reminded.
pub const REMIND_DAYS_BEFORE: i64 = 3;

/// Starts the reminder job: every ten minutes it queues what is due (idempotent). Call once at
/// start-up (`app::spawn`), next to `crate::mail::spawn_workers`.
pub fn spawn_workers(state: AppState) {
    // Attachment files this node kept in its folder before migration 0045 go into the database
    // (every node runs this: each holds only its own files).
    let mover = state.clone();
    tokio::spawn(async move {
        match crate::reporting::attachments::move_files_in(&mover).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                files = n,
                "reporting: attachment files moved into the database"
            ),
            Err(err) => tracing::warn!(error = %err, "reporting: attachment files not moved"),
        }
    });
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let period = std::time::Duration::from_secs(600);
            if !crate::ops::lease::hold(&state, "reporting_reminders", period).await {
                continue;
            }
            let run = run_reminders(&state.db, Utc::now(), REMIND_DAYS_BEFORE).await;
            crate::ops::job_ran("reporting_reminders", run.is_ok());
            if let Err(err) = run {
                tracing::warn!(error = %err, "reporting reminders failed");
            }
        }
    });
}

/// The reminder addresses page.
#[derive(Template)]
#[template(path = "reporting/contacts.html")]
struct ContactsTemplate {
    c: Chrome,
    text: String,
    errors: Vec<String>,
    saved: bool,
}

/// `GET /reporting/contacts`: each unit's reminder address, as `code,email` lines.
pub async fn show_contacts(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    if !auth.user.has_anywhere(Capability::ReviewReports) {
        return Err(AppError::Forbidden);
    }
    let saved = auth.ctx.path.contains("ok=");
    contacts_page(&state, &auth, None, vec![], saved).await
}

async fn contacts_page(
    state: &AppState,
    auth: &Auth,
    text: Option<String>,
    errors: Vec<String>,
    saved: bool,
) -> AppResult<Response> {
    let text = match text {
        Some(t) => t,
        None => {
            let contacts = store::list_contacts(&state.db).await?;
            let ids: Vec<i64> = contacts.iter().map(|c| c.unit_id).collect();
            let roots = auth.user.roots_with(Capability::ReviewReports);
            let visible = crate::orgs::filter_within(&state.db, &roots, &ids).await?;
            let units = crate::orgs::units_by_ids(&state.db, &visible).await?;
            units
                .iter()
                .filter_map(|u| {
                    let c = contacts.iter().find(|c| c.unit_id == u.id)?;
                    Some(format!(
                        "{},{},{}",
                        u.code.clone().unwrap_or(format!("#{}", u.id)),
                        c.email,
                        c.lang
                    ))
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        page(ContactsTemplate {
            c: auth.ctx.chrome("reporting-contacts-title"),
            text,
            errors,
            saved,
        }),
    )
        .into_response())
}

/// The contacts form.
#[derive(Deserialize)]
pub struct ContactsForm {
    #[serde(default)]
    contacts: String,
}

/// `POST /reporting/contacts`: all lines checked first (errors name the line), then saved at once.
pub async fn update_contacts(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<ContactsForm>,
) -> AppResult<Response> {
    let roots = auth.user.roots_with(Capability::ReviewReports);
    let Some(&owner) = roots.first() else {
        return Err(AppError::Forbidden);
    };
    let tr = auth.ctx.tr;
    let mut rows = vec![];
    let mut errors = vec![];
    for (i, line) in form.contacts.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let n = (i + 1).to_string();
        let cells: Vec<&str> = line.split([',', ';', '\t']).map(str::trim).collect();
        let (code, email, lang) = match cells.as_slice() {
            [code, email] => (*code, *email, "vi"),
            [code, email, lang] => (*code, *email, *lang),
            _ => {
                errors.push(tr.ta("reporting-contacts-error-line", &[("line", n)]));
                continue;
            }
        };
        let Some(lang) = Lang::parse(&lang.to_lowercase()) else {
            errors.push(tr.ta(
                "reporting-contacts-error-lang",
                &[("line", n), ("lang", lang.to_string())],
            ));
            continue;
        };
        let unit = crate::orgs::resolve_unit_ref(&state.db, code).await?;
        match unit {
            None => errors.push(tr.ta(
                "reporting-contacts-error-unit",
                &[("line", n.clone()), ("code", code.to_string())],
            )),
            Some(u) if !can(&state.db, &auth.user, Capability::ReviewReports, u).await? => errors
                .push(tr.ta(
                    "reporting-contacts-error-scope",
                    &[("line", n.clone()), ("code", code.to_string())],
                )),
            Some(u) => {
                if crate::mail::model::is_email(email) {
                    rows.push(store::Contact {
                        unit_id: u,
                        email: email.to_string(),
                        lang: lang.code().to_string(),
                    });
                } else {
                    errors.push(tr.ta(
                        "reporting-contacts-error-email",
                        &[("line", n), ("email", email.to_string())],
                    ));
                }
            }
        }
    }
    if !errors.is_empty() {
        return contacts_page(&state, &auth, Some(form.contacts), errors, false).await;
    }
    crate::reporting::actions::update_contacts(&state.db, &auth.ctx.actor(), owner, &rows).await?;
    Ok(Redirect::to("/reporting/contacts?ok=1").into_response())
}
