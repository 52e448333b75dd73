//! The briefings context's writes, one function per action, each one transaction with its audit
//! entry: sending an orientation message (its recipients and their e-mails), scheduling a session
//! (its invitations and e-mails), replies, attendance and minutes, streams raised, cancelling.

use chrono::Utc;
use serde_json::json;

use crate::accounts::Member;
use crate::audit::{self, Actor};
use crate::briefings::model::{Reply, SessionStatus};
use crate::briefings::store::sessions::{self, NewSession, Session};
use crate::briefings::store::{self, NewMessage};
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
                ("link", format!("/briefings/orientation/{id}")),
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

/// Schedules a session and invites `members` (`briefing.schedule`): the session, an invitation
/// each and an e-mail to each who has an address, in one transaction; `None` when the session it
/// follows has its next one already.
pub async fn schedule_session(
    db: &Db,
    actor: &Actor,
    s: &NewSession<'_>,
    members: &[Member],
) -> AppResult<Option<i64>> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(id) =
        sessions::insert_session(&mut tx, s, actor.user_id.unwrap_or_default(), now).await?
    else {
        return Ok(None);
    };
    let when = crate::kit::time::show(s.starts_at);
    for member in members {
        sessions::insert_invitation(&mut tx, id, member.user_id).await?;
        if member.email.is_empty() {
            continue;
        }
        let tr = Tr(member.lang);
        let subject = tr.ta(
            "briefings-invite-subject",
            &[("title", s.title.to_string()), ("when", when.clone())],
        );
        let body = tr.ta(
            "briefings-invite-body",
            &[
                ("title", s.title.to_string()),
                ("when", when.clone()),
                ("place", s.place.to_string()),
                ("online", s.link.to_string()),
                ("agenda", s.agenda.to_string()),
                ("link", format!("/briefings/sessions/{id}")),
            ],
        );
        let key = format!("briefings.invitation:{id}:{}", member.user_id);
        if let Err(err) = crate::mail::enqueue_in(
            &mut tx,
            &crate::mail::Mail {
                idempotency_key: &key,
                to: &member.email,
                subject: &subject,
                body: &body,
                html: None,
                context: "briefings.invitation",
                unit_id: Some(member.unit_id),
            },
        )
        .await
        {
            tracing::warn!(session = id, error = %err, "briefings: invitation e-mail refused");
        }
    }
    audit::entry(actor, "briefing.schedule")
        .object("briefing_session", id)
        .unit(s.unit_id)
        .detail(json!({"invited": members.len(), "monthly": s.monthly, "previous": s.previous_id}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Some(id))
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
/// transaction.
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
    if current.status != SessionStatus::Scheduled {
        return Err(AppError::Conflict("briefings-error-not-scheduled"));
    }
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
    audit::entry(actor, "briefing.held")
        .object("briefing_session", session.id)
        .unit(session.unit_id)
        .detail(json!({"attendees": attendees.len(), "record": record}))
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
