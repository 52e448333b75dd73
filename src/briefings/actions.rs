//! The briefings context's writes: sending an orientation message to its audience, with each
//! recipient, their e-mail and the audit entry in one transaction.

use chrono::Utc;
use serde_json::json;

use crate::accounts::Member;
use crate::audit::{self, Actor};
use crate::briefings::store::{self, NewMessage};
use crate::db::Db;
use crate::error::AppResult;
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
