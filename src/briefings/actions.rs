//! The briefings context's writes, one function per action, each one transaction with its audit
//! entry: sending an orientation message (its recipients and their e-mails), scheduling a session
//! (its invitations and e-mails), replies, attendance and minutes, streams raised, cancelling.

use std::collections::HashSet;

use chrono::Utc;
use serde_json::json;

use crate::accounts::Member;
use crate::audit::{self, Actor};
use crate::briefings::model::{Reply, SessionStatus};
use crate::briefings::store::sessions::{self, NewSession, Session};
use crate::briefings::store::{self, NewMessage, guests};
use crate::collaborators::Contact;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::web::i18n::Tr;

/// Sends a message to `members` (`orientation.send`): the message, one recipient row each (its
/// read receipt), and an e-mail to each who has an address, queued in the same transaction;
/// returns its id.
pub async fn send_message(
    db: &Db,
    actor: &Actor,
    m: &NewMessage<'_>,
    members: &[Member],
    base: &str,
) -> AppResult<i64> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let id = store::insert_message(&mut tx, m, actor.user_id.unwrap_or_default(), now).await?;
    let mut mailed = 0;
    for member in members {
        store::insert_recipient(&mut tx, id, member.user_id, member.unit_id).await?;
        if member.email.is_empty() {
            continue;
        }
        let tr = Tr(member.lang);
        let subject = tr.ta("briefings-mail-subject", &[("title", m.title.to_string())]);
        let body = tr.ta(
            "briefings-mail-body",
            &[
                ("title", m.title.to_string()),
                ("body", m.body.to_string()),
                ("link", format!("{base}/briefings/orientation/{id}")),
            ],
        );
        let key = format!("briefings.orientation:{id}:{}", member.user_id);
        let queued = crate::mail::enqueue_in(
            &mut tx,
            &crate::mail::Mail {
                idempotency_key: &key,
                to: &member.email,
                subject: &subject,
                body: &body,
                html: None,
                context: "briefings.orientation",
                unit_id: Some(member.unit_id),
            },
        )
        .await;
        match queued {
            Ok(_) => mailed += 1,
            Err(err) => tracing::warn!(message = id, error = %err, "briefings: e-mail refused"),
        }
    }
    audit::entry(actor, "orientation.send")
        .object("orientation_message", id)
        .unit(m.unit_id)
        .detail(
            json!({"audience": m.audience.key(), "recipients": members.len(),
            "mailed": mailed, "hotspot": m.hotspot_id}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Who a session is for: the unit's people with accounts and, by e-mail only, the collaborators
/// of the network whose identity holds an address (those whose address is an invited account's
/// are not invited twice); `base` starts the links in the e-mails.
pub struct Invitees<'a> {
    /// Accounts (collaborators and reporters of the subtree).
    pub members: &'a [Member],
    /// Collaborators of the registry with an e-mail address.
    pub guests: &'a [Contact],
    /// `http(s)://host` of the links.
    pub base: &'a str,
}

/// Schedules a session (`briefing.schedule`) in one transaction. A session still to come invites:
/// an invitation and an e-mail for each member, and for each guest a personal reply link (only
/// its digest kept) by e-mail. A session typed with a start already past is a briefing recorded
/// after the fact: nobody is invited. `None` when the session it follows already has its next one.
pub async fn schedule_session(
    db: &Db,
    actor: &Actor,
    s: &NewSession<'_>,
    invitees: &Invitees<'_>,
) -> AppResult<Option<i64>> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(id) =
        sessions::insert_session(&mut tx, s, actor.user_id.unwrap_or_default(), now).await?
    else {
        return Ok(None);
    };
    let upcoming = s.starts_at > now;
    let (members, guests) = if upcoming {
        (invitees.members, invitees.guests)
    } else {
        (&[][..], &[][..])
    };
    let base = invitees.base;
    let when = crate::kit::time::show(s.starts_at);
    let mut mailed = 0;
    for member in members {
        sessions::insert_invitation(&mut tx, id, member.user_id).await?;
        if member.email.is_empty() {
            continue;
        }
        let body = invitation_body(
            Tr(member.lang),
            s,
            &when,
            format!("{base}/briefings/sessions/{id}"),
        );
        let key = format!("briefings.invitation:{id}:{}", member.user_id);
        mailed += queue_invitation(
            &mut tx,
            Tr(member.lang),
            s,
            &when,
            &key,
            &member.email,
            member.unit_id,
            &body,
        )
        .await;
    }
    let account_emails: HashSet<String> = members
        .iter()
        .map(|m| m.email.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    let mut guests_invited = 0;
    for guest in guests {
        if account_emails.contains(&guest.email.trim().to_lowercase()) {
            continue;
        }
        let token = crate::kit::secret::new_secret();
        if !guests::insert_guest(
            &mut tx,
            id,
            guest.id,
            &crate::kit::secret::hash_secret(&token),
        )
        .await?
        {
            continue;
        }
        guests_invited += 1;
        // Collaborators without an account have no language setting: Vietnamese.
        let tr = Tr(crate::web::i18n::Lang::Vi);
        let body = invitation_body(tr, s, &when, format!("{base}/briefings/reply/{token}"));
        let key = format!("briefings.guest:{id}:{}", guest.id);
        mailed += queue_invitation(
            &mut tx,
            tr,
            s,
            &when,
            &key,
            &guest.email,
            guest.unit_id,
            &body,
        )
        .await;
    }
    audit::entry(actor, "briefing.schedule")
        .object("briefing_session", id)
        .unit(s.unit_id)
        .detail(
            json!({"invited": members.len(), "guests": guests_invited, "mailed": mailed,
            "upcoming": upcoming, "monthly": s.monthly, "previous": s.previous_id}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// The text of an invitation whose reply is at `link`.
fn invitation_body(tr: Tr, s: &NewSession<'_>, when: &str, link: String) -> String {
    tr.ta(
        "briefings-invite-body",
        &[
            ("title", s.title.to_string()),
            ("when", when.to_string()),
            ("place", s.place.to_string()),
            ("online", s.link.to_string()),
            ("agenda", s.agenda.to_string()),
            ("link", link),
        ],
    )
}

/// Queues an invitation e-mail in the transaction; 1 when queued, 0 when the address was refused
/// (logged).
#[allow(clippy::too_many_arguments)]
async fn queue_invitation(
    tx: &mut crate::db::Tx,
    tr: Tr,
    s: &NewSession<'_>,
    when: &str,
    key: &str,
    to: &str,
    unit_id: i64,
    body: &str,
) -> usize {
    let subject = tr.ta(
        "briefings-invite-subject",
        &[("title", s.title.to_string()), ("when", when.to_string())],
    );
    let queued = crate::mail::enqueue_in(
        tx,
        &crate::mail::Mail {
            idempotency_key: key,
            to,
            subject: &subject,
            body,
            html: None,
            context: "briefings.invitation",
            unit_id: Some(unit_id),
        },
    )
    .await;
    match queued {
        Ok(_) => 1,
        Err(err) => {
            tracing::warn!(key, error = %err, "briefings: invitation e-mail refused");
            0
        }
    }
}

/// A collaborator's reply through their link (`briefing.guest_reply`): `NotFound` for an unknown
/// link, `Conflict` once the session is no longer to come. Returns the session.
pub async fn guest_reply(db: &Db, actor: &Actor, token: &str, reply: Reply) -> AppResult<Session> {
    let (session_id, collaborator, _) =
        guests::find_by_token(db, &crate::kit::secret::hash_secret(token))
            .await?
            .ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    let current = sessions::find_session_in(&mut tx, session_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != SessionStatus::Scheduled {
        return Err(AppError::Conflict("briefings-error-not-scheduled"));
    }
    guests::set_guest_reply(&mut tx, session_id, collaborator, reply, Utc::now()).await?;
    audit::entry(actor, "briefing.guest_reply")
        .object("briefing_session", session_id)
        .unit(current.unit_id)
        .detail(json!({"reply": reply.key(), "collaborator": collaborator}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(current)
}

/// An invitee's reply (`briefing.reply`); `NotFound` when not invited.
pub async fn reply(db: &Db, actor: &Actor, session: &Session, reply: Reply) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let user = actor.user_id.unwrap_or_default();
    if !sessions::set_reply(&mut tx, session.id, user, reply, Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    audit::entry(actor, "briefing.reply")
        .object("briefing_session", session.id)
        .unit(session.unit_id)
        .detail(json!({"reply": reply.key()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a session held (`briefing.held`): the collaborators context's dated attendance record
/// (each attendance counts in the collaborator's month), the status and the minutes, in one
/// transaction. On a session already held it corrects who attended (`briefing.attendance`):
/// the record's attendance is replaced (the minutes have their own form).
pub async fn record_held(
    db: &Db,
    actor: &Actor,
    session: &Session,
    attendees: &[i64],
    minutes: &str,
) -> AppResult<()> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let current = sessions::find_session_in(&mut tx, session.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let action = match (current.status, current.collaborator_briefing_id) {
        (SessionStatus::Scheduled, _) => {
            let held_on = crate::kit::time::vn_date(current.starts_at);
            let record = crate::collaborators::briefings::record_briefing_in(
                &mut tx,
                actor,
                current.unit_id,
                held_on,
                &current.title,
                attendees,
            )
            .await?;
            sessions::set_held(&mut tx, session.id, record, minutes, now).await?;
            "briefing.held"
        }
        (SessionStatus::Held, Some(record)) => {
            crate::collaborators::briefings::correct_briefing_in(
                &mut tx,
                actor,
                record,
                current.unit_id,
                attendees,
            )
            .await?;
            "briefing.attendance"
        }
        _ => return Err(AppError::Conflict("briefings-error-not-scheduled")),
    };
    audit::entry(actor, action)
        .object("briefing_session", session.id)
        .unit(session.unit_id)
        .detail(json!({"attendees": attendees.len()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves the minutes of a held session (`briefing.minutes`).
pub async fn save_minutes(
    db: &Db,
    actor: &Actor,
    session: &Session,
    minutes: &str,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    sessions::set_minutes(&mut tx, session.id, minutes, Utc::now()).await?;
    audit::entry(actor, "briefing.minutes")
        .object("briefing_session", session.id)
        .unit(session.unit_id)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Cancels a scheduled session (`briefing.cancel`).
pub async fn cancel(db: &Db, actor: &Actor, session: &Session) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let current = sessions::find_session_in(&mut tx, session.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != SessionStatus::Scheduled {
        return Err(AppError::Conflict("briefings-error-not-scheduled"));
    }
    sessions::set_cancelled(&mut tx, session.id, Utc::now()).await?;
    audit::entry(actor, "briefing.cancel")
        .object("briefing_session", session.id)
        .unit(session.unit_id)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// An opinion raised at a session becomes an opinion stream of the session's unit and month
/// (`briefing.stream`), checked as the stream form checks it (personal data included), linked to
/// the session, in one transaction; `Err` holds the form's field errors.
pub async fn raise_stream(
    db: &Db,
    actor: &Actor,
    session: &Session,
    form: &crate::reporting::model::StreamForm,
) -> AppResult<Result<i64, Vec<crate::reporting::model::FieldError>>> {
    let mut tx = db.begin().await?;
    let stream =
        match crate::reporting::create_stream(&mut tx, form, actor.user_id.unwrap_or_default())
            .await?
        {
            Ok(id) => id,
            Err(errors) => return Ok(Err(errors)),
        };
    sessions::insert_stream_link(&mut tx, session.id, stream).await?;
    audit::entry(actor, "briefing.stream")
        .object("briefing_session", session.id)
        .unit(session.unit_id)
        .detail(json!({"stream": stream}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(stream))
}
