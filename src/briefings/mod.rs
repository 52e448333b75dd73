//! Briefings and orientation (*giao ban, thông tin định hướng*): what a unit tells its network of
//! collaborators and how it meets them.
//!
//! **Orientation information** (*thông tin định hướng*) — a unit's analysts (`SendOrientation`)
//! send a message (the text, key facts, what to say about the issue, possibly linked to a hot
//! spot) to the collaborators of its subtree, or to them and the units' reporters; each recipient
//! sees it in the app (and by e-mail when they have an address), and opening it is their read
//! receipt; the sender sees who has read it, by unit, and who has not.
//!
//! **Briefing sessions** (*hội nghị giao ban*, `pages::sessions`): scheduled one-off or monthly,
//! with invitations in the app and by e-mail to the unit's accounts, and by e-mail with a personal
//! reply link to the collaborators of the registry who have an address (`pages::guests`);
//! attendance by pseudonym (the collaborators context's ledger, `collaborators::briefings`),
//! minutes, opinions raised as streams. A session typed with a past start is a briefing recorded
//! after the fact (nobody invited). The dated attendance records kept before sessions existed
//! became held sessions (migration 0055); their old addresses lead to them.
//!
//! Invariants: the audience is fixed when the message is sent (one recipient row each, written
//! with the message, its e-mails and the audit entry in one transaction); a message never
//! changes; only its recipients and the readers of its sending unit (`SendOrientation` there) may
//! open it; a read receipt is set once, by the recipient opening it, and is not audited (it is
//! the recipient's own act, not a change of anyone's data).

pub mod actions;
mod demo;
pub mod model;
pub mod pages;
pub mod store;

use crate::app::AppState;
use crate::db::Db;
use crate::error::AppResult;

pub use demo::load_demo;

/// An orientation message linked to a hot spot, for its page: `(id, title, read, recipients)`.
pub async fn for_hotspot(db: &Db, hotspot_id: i64) -> AppResult<Vec<(i64, String, i64, i64)>> {
    let messages = store::list_for_hotspot(db, hotspot_id).await?;
    let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
    let counts = store::counts(db, &ids).await?;
    Ok(messages
        .into_iter()
        .map(|m| {
            let (read, total) = counts
                .iter()
                .find(|c| c.0 == m.id)
                .map(|c| (c.1, c.2))
                .unwrap_or((0, 0));
            (m.id, m.title, read, total)
        })
        .collect())
}

/// Routes of the briefings context.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/briefings", get(pages::show_home))
        .route(
            "/briefings/orientation",
            get(pages::show_new).post(pages::send),
        )
        .route("/briefings/orientation/{id}", get(pages::show_message))
        .route(
            "/briefings/sessions",
            get(pages::sessions::list_sessions).post(pages::sessions::schedule),
        )
        .route(
            "/briefings/sessions/{id}",
            get(pages::sessions::show_session),
        )
        .route(
            "/briefings/sessions/{id}/reply",
            post(pages::sessions::reply),
        )
        .route(
            "/briefings/sessions/{id}/held",
            post(pages::sessions::record_held),
        )
        .route(
            "/briefings/sessions/{id}/minutes",
            post(pages::sessions::save_minutes),
        )
        .route(
            "/briefings/sessions/{id}/streams",
            post(pages::sessions::raise_stream),
        )
        .route(
            "/briefings/sessions/{id}/next",
            post(pages::sessions::schedule_next),
        )
        .route(
            "/briefings/sessions/{id}/cancel",
            post(pages::sessions::cancel),
        )
        .route(
            "/briefings/reply/{token}",
            get(pages::guests::show_reply).post(pages::guests::post_reply),
        )
        .route("/collaborators/briefings", get(pages::guests::old_list))
        .route(
            "/collaborators/briefings/{id}",
            get(pages::guests::old_record),
        )
}
