//! Mail (*thư điện tử*): the one way the platform sends e-mail — survey invitations, reporting
//! reminders, monitoring alerts. Other contexts call [`enqueue`] with an idempotency key; a
//! background sender ([`spawn_workers`]) delivers the outbox through the SMTP server whose
//! settings the administrator keeps in the database (`/admin/mail`).
//!
//! Invariants: a message is queued at most once per idempotency key (a unique index, so a restart
//! or a retried job never sends twice); nothing queued is lost: a failed delivery is retried with
//! exponential backoff (1, 2, 4 … minutes, at most 6 hours) and after
//! [`model::MAX_ATTEMPTS`] attempts (at once when the server refuses it permanently, a 5xx reply)
//! it stays in the outbox as `failed` ([`undelivered`]), shown to the administrator,
//! who may queue it again; a worker claims a message before sending, so two workers never send
//! the same one; the SMTP password is never shown or logged.

pub mod model;
pub mod pages;
pub mod store;

use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::app::AppState;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use model::{MAX_ATTEMPTS, Security, Settings, next_attempt};

/// A message to send.
#[derive(Clone, Debug)]
pub struct Mail<'a> {
    /// Unique per message the caller means: the same key never sends twice
    /// (e.g. `reporting.reminder:1:42:2026-11:before`).
    pub idempotency_key: &'a str,
    /// One recipient address.
    pub to: &'a str,
    /// Subject.
    pub subject: &'a str,
    /// Plain-text body.
    pub body: &'a str,
    /// HTML body sent beside the plain text (`multipart/alternative`), if any. The caller
    /// sanitizes it (see `surveys::fieldwork::email::render`).
    pub html: Option<&'a str>,
    /// The calling context and purpose (`reporting.reminder`, `surveys.invitation`, …).
    pub context: &'a str,
    /// The unit the message concerns, if any.
    pub unit_id: Option<i64>,
}

/// Queues a message; `Ok(None)` when a message with the same key was queued before.
/// An invalid recipient address is refused (`mail-error-recipient`).
pub async fn enqueue(db: &Db, mail: &Mail<'_>) -> AppResult<Option<i64>> {
    let mut tx = db.begin().await?;
    let id = enqueue_in(&mut tx, mail).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`enqueue`] inside the transaction of the change that causes the message: the message is
/// queued if and only if the change is kept.
pub async fn enqueue_in(tx: &mut Tx, mail: &Mail<'_>) -> AppResult<Option<i64>> {
    if !model::is_email(mail.to) {
        return Err(AppError::BadRequest("mail-error-recipient"));
    }
    store::insert_message(
        tx,
        mail.idempotency_key,
        mail.to.trim(),
        mail.subject,
        mail.body,
        mail.html.unwrap_or(""),
        mail.context,
        mail.unit_id,
        Utc::now(),
    )
    .await
}

/// What one pass of the sender did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendSummary {
    /// Delivered.
    pub sent: usize,
    /// Failed this time (retried later or given up).
    pub failed: usize,
}

/// Sends every due message of the outbox once (when sending is enabled).
pub async fn send_due(db: &Db) -> AppResult<SendSummary> {
    let settings = store::find_settings(db).await?;
    let mut summary = SendSummary::default();
    if !settings.enabled {
        return Ok(summary);
    }
    let now = Utc::now();
    let due = store::list_due(db, now, PASS).await?;
    if due.is_empty() {
        return Ok(summary);
    }
    // One transport per pass: its pool keeps SMTP connections open from one message to the
    // next instead of a connection (and TLS handshake) per message, and [`IN_FLIGHT`] messages
    // go at once, so a server's latency per message does not set the pace alone.
    let transport = transport(&settings);
    let outcomes: Vec<AppResult<Option<bool>>> = futures_util::stream::iter(due)
        .map(|m| send_one(db, &transport, &settings, m, now))
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    for o in outcomes {
        match o? {
            Some(true) => summary.sent += 1,
            Some(false) => summary.failed += 1,
            None => {}
        }
    }
    Ok(summary)
}

/// Messages delivered at once by one pass (and SMTP connections it keeps open).
const IN_FLIGHT: usize = 8;

/// Claims, delivers and marks one message: `Some(true)` sent, `Some(false)` failed, `None` when
/// another worker had claimed it.
async fn send_one(
    db: &Db,
    transport: &Result<Transport, String>,
    settings: &Settings,
    m: store::Queued,
    now: chrono::DateTime<Utc>,
) -> AppResult<Option<bool>> {
    // Claim: nobody else takes it for the next 10 minutes.
    if !store::claim(db, m.id, now + chrono::Duration::minutes(10), now).await? {
        return Ok(None);
    }
    let sent = match transport {
        Ok(t) => deliver(t, settings, &m).await,
        Err(e) => Err((e.clone(), false)),
    };
    match sent {
        Ok(()) => {
            store::mark_sent(db, m.id, Utc::now()).await?;
            Ok(Some(true))
        }
        Err((err, permanent)) => {
            let attempts = m.attempts + 1;
            tracing::warn!(id = m.id, attempts, permanent, error = %err, "mail delivery failed");
            // A permanent refusal (an SMTP 5xx reply, e.g. an unknown mailbox) is not retried.
            store::mark_failed(
                db,
                m.id,
                &err,
                next_attempt(attempts, Utc::now()),
                permanent || attempts >= MAX_ATTEMPTS,
            )
            .await?;
            Ok(Some(false))
        }
    }
}

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// The SMTP transport of the settings, with a pool of at most [`IN_FLIGHT`] connections.
fn transport(s: &Settings) -> Result<Transport, String> {
    let builder = match s.security {
        Security::None => Transport::builder_dangerous(&s.host),
        Security::StartTls => {
            Transport::starttls_relay(&s.host).map_err(|e| format!("TLS: {e}"))?
        }
        Security::Tls => Transport::relay(&s.host).map_err(|e| format!("TLS: {e}"))?,
    };
    let mut builder = builder
        .port(s.port as u16)
        .timeout(Some(Duration::from_secs(20)))
        .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(IN_FLIGHT as u32));
    if !s.username.is_empty() {
        builder = builder.credentials(Credentials::new(s.username.clone(), s.password.clone()));
    }
    Ok(builder.build())
}

/// Delivers one message; an error says whether the server refused it permanently (5xx).
async fn deliver(t: &Transport, s: &Settings, m: &store::Queued) -> Result<(), (String, bool)> {
    let message = build_message(s, m).map_err(|e| (e, false))?;
    t.send(message).await.map(|_| ()).map_err(|e| {
        let permanent = e.is_permanent();
        (format!("SMTP: {e}"), permanent)
    })
}

fn build_message(s: &Settings, m: &store::Queued) -> Result<Message, String> {
    let from_addr = s
        .from_address
        .parse()
        .map_err(|e| format!("sender address: {e}"))?;
    let to_addr = m
        .recipient
        .parse()
        .map_err(|e| format!("recipient address: {e}"))?;
    let name = (!s.from_name.is_empty()).then(|| s.from_name.clone());
    let message = Message::builder()
        .from(Mailbox::new(name, from_addr))
        .to(Mailbox::new(None, to_addr))
        .subject(m.subject.clone())
        .message_id(Some(format!(
            "<{}@duluan>",
            hex::encode(
                &<sha2::Sha256 as sha2::Digest>::digest(m.idempotency_key.as_bytes())[..12]
            )
        )));
    if m.body_html.is_empty() {
        message.header(ContentType::TEXT_PLAIN).body(m.body.clone())
    } else {
        message.multipart(MultiPart::alternative_plain_html(
            m.body.clone(),
            m.body_html.clone(),
        ))
    }
    .map_err(|e| format!("message: {e}"))
}

/// A message of the outbox that will not be delivered: refused permanently by the SMTP server
/// (a 5xx reply) or given up after [`MAX_ATTEMPTS`] attempts.
#[derive(Clone, Debug)]
pub struct Undelivered {
    /// Its outbox id (increasing: callers read on from the last one they handled).
    pub id: i64,
    /// The idempotency key it was queued with.
    pub idempotency_key: String,
    /// The server's last reply.
    pub error: String,
}

/// The undelivered messages whose idempotency key starts with `prefix` and whose id is above
/// `after`, oldest first, at most `limit` (for the contexts that queued them, e.g. bounces of
/// survey invitations).
pub async fn undelivered(
    db: &Db,
    prefix: &str,
    after: i64,
    limit: i64,
) -> AppResult<Vec<Undelivered>> {
    Ok(store::list_failed_by_key_prefix(db, prefix, after, limit)
        .await?
        .into_iter()
        .map(|(id, idempotency_key, error)| Undelivered {
            id,
            idempotency_key,
            error,
        })
        .collect())
}

/// Messages waiting in the outbox (queued or to be retried): a gauge of `/metrics`.
pub async fn outbox_depth(db: &Db) -> AppResult<i64> {
    store::pending_count(db).await
}

/// How often the sender looks at the outbox.
pub const SEND_EVERY: Duration = Duration::from_secs(5);

/// Messages one pass of the sender takes.
pub const PASS: i64 = 100;

/// Starts the background sender: every [`SEND_EVERY`] it delivers the due messages, pass after
/// pass without waiting while passes come back full (a backlog leaves at the SMTP server's
/// speed, not at [`PASS`] messages per [`SEND_EVERY`]). Call once per process.
pub fn spawn_workers(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SEND_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if !crate::ops::lease::hold(&state, "mail_send", SEND_EVERY).await {
                continue;
            }
            loop {
                let pass = send_due(&state.db).await;
                crate::ops::job_ran("mail_send", pass.is_ok());
                match pass {
                    Ok(s) => {
                        metrics::counter!("duluan_mail_sent_total").increment(s.sent as u64);
                        metrics::counter!("duluan_mail_failed_total").increment(s.failed as u64);
                        if (s.sent + s.failed) as i64 >= PASS {
                            continue;
                        }
                        break;
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "mail sender pass failed");
                        break;
                    }
                }
            }
        }
    });
}

/// Routes of the administrator's mail page.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/admin/mail",
            get(pages::show_mail).post(pages::update_settings),
        )
        .route("/admin/mail/test", post(pages::send_test))
        .route("/admin/mail/{id}/retry", post(pages::retry_message))
}
