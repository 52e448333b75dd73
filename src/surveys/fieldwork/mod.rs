//! Fieldwork (*triển khai thu thập*): sampling frames (*khung mẫu*), samples (*mẫu*) drawn from
//! them with a seed, and the cases (*trường hợp*) they create — one per sampled member, one
//! record across the web, e-mail, telephone and paper modes, with its design weight, release
//! batch, mode, disposition (AAPOR code) and history — and the fieldwork monitor with the AAPOR
//! outcome rates.
//!
//! Layout: `model.rs` (frames read from a table, designs, the draw, no IO), `store/` (all its SQL,
//! a file per sub-resource), `frames.rs` (frame pages: import, built from the tree), `samples.rs` (sample size,
//! draw, release), `cases.rs` (case list, history and the audited contact), `monitor.rs`,
//! `email.rs` (templates, schedule and the job that mails invitations and reminders) with
//! `email_pages.rs` (its page and the opt-out at `/u/{token}`), `phone/` (telephone fieldwork:
//! the interviewer console and the supervisor's page), `quotas/` (quota targets, live counts,
//! screening and the quota page).
//!
//! Invariants: a frame and a sample are stored whole or not at all, with their audit entry; a
//! case belongs to at most one (sample, frame row); contacts live only in `survey_contacts` and
//! are read one case at a time by users who may read them, each read audited; a drawn case counts
//! in the outcome rates only once released; design weights of released cases stand for their
//! whole stratum (`model::released_weight`).

pub mod cases;
pub mod demo;
pub mod email;
pub mod email_pages;
pub mod frames;
pub mod model;
pub mod monitor;
pub mod phone;
pub mod quotas;
pub mod samples;
mod store;
#[cfg(test)]
mod tests;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

/// Routes of the fieldwork pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/surveys/{id}/fieldwork", get(monitor::show_monitor))
        .route(
            "/surveys/{id}/fieldwork/frames",
            get(frames::show_frames).post(frames::import_frame).layer(
                axum::extract::DefaultBodyLimit::max(frames::MAX_FRAME_BYTES + (1 << 20)),
            ),
        )
        .route(
            "/surveys/{id}/fieldwork/frames/tree",
            post(frames::build_from_tree),
        )
        .route(
            "/surveys/{id}/fieldwork/samples",
            get(samples::show_samples).post(samples::draw_sample),
        )
        .route(
            "/surveys/{id}/fieldwork/samples/{sid}/release",
            post(samples::release_batch),
        )
        .route("/surveys/{id}/fieldwork/cases", get(cases::list_cases))
        .route("/surveys/{id}/fieldwork/cases/{cid}", get(cases::show_case))
        .route(
            "/surveys/{id}/fieldwork/cases/{cid}/contact",
            post(cases::show_contact),
        )
        .merge(email_routes())
        .merge(phone_routes())
        .merge(quota_routes())
}

/// Routes of the quota page.
fn quota_routes() -> Router<AppState> {
    use quotas::pages;
    Router::new()
        .route(
            "/surveys/{id}/fieldwork/quotas",
            get(pages::show_quotas).post(pages::create_quota),
        )
        .route(
            "/surveys/{id}/fieldwork/quotas/{qid}",
            post(pages::update_quota),
        )
        .route(
            "/surveys/{id}/fieldwork/quotas/{qid}/delete",
            post(pages::delete_quota),
        )
}

/// Routes of fieldwork by e-mail: the survey's page, and the respondent's opt-out (no login).
fn email_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/surveys/{id}/fieldwork/email",
            get(email_pages::show_email).post(email_pages::save_email),
        )
        .route(
            "/surveys/{id}/fieldwork/email/sending",
            post(email_pages::set_sending),
        )
        .route(
            "/u/{token}",
            get(email_pages::show_unsubscribe).post(email_pages::unsubscribe),
        )
}

/// Routes of telephone fieldwork: the interviewer console and the supervisor's page.
fn phone_routes() -> Router<AppState> {
    use phone::{console, supervisor};
    Router::new()
        .route("/interviewer", get(console::show_console))
        .route("/interviewer/surveys/{id}/next", post(console::next_case))
        .route("/interviewer/cases/{cid}", get(console::show_case))
        .route("/interviewer/cases/{cid}/answers", post(console::step_case))
        .route(
            "/interviewer/cases/{cid}/outcome",
            post(console::record_attempt),
        )
        .route("/surveys/{id}/fieldwork/phone", get(supervisor::show_phone))
        .route(
            "/surveys/{id}/fieldwork/phone/settings",
            post(supervisor::save_settings),
        )
        .route(
            "/surveys/{id}/fieldwork/phone/cases/{cid}/claim",
            post(supervisor::set_claim),
        )
        .route(
            "/surveys/{id}/fieldwork/phone/switch",
            post(supervisor::switch_mode),
        )
}
