//! Paper questionnaires (*phiếu giấy*): the survey's live version laid out on A4 by
//! `duluan_paper`, printed in batches of anonymous sheets numbered in sequence, scanned stacks
//! read back, and a verifier resolving what the reader does not decide. The same forms engine,
//! the same responses as every other mode (mode `paper`).
//!
//! - `print.rs`: the paper page (`/surveys/{id}/paper`), a batch printed, its PDF rendered on
//!   demand off the async workers.
//! - `scans.rs`: a scanned stack uploaded by a clerk, read within a time limit, each page's
//!   result kept (read, to verify, unreadable, duplicate, another survey's), in one transaction.
//! - `verify.rs`: the queue, one item at a time with its crop; the crop's route; `/paper/verify`,
//!   the surveys with items waiting for the user.
//! - `land.rs`: a sheet with every page read and nothing open checked by the forms engine and
//!   stored as a response, or sent back with the engine's message.
//! - `model.rs`: kinds and the pure steps; `store/`: its SQL.
//!
//! Invariants: a page is read once per sheet (a second reading is a duplicate and changes
//! nothing); an upload where no page is one of ours stores nothing; keyed fields (digits,
//! dates, text) are never guessed: a person types them from the crop.

mod land;
pub mod model;
mod print;
mod scans;
mod store;
mod verify;

/// Routes of paper mode.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/surveys/{id}/paper", get(print::show_paper))
        .route("/surveys/{id}/paper/batches", post(print::create_batch))
        .route("/surveys/{id}/paper/batches/{file}", get(print::batch_pdf))
        .route(
            "/surveys/{id}/paper/scans",
            post(scans::upload_scan).layer(axum::extract::DefaultBodyLimit::max(
                model::MAX_SCAN_BYTES + (64 << 10),
            )),
        )
        .route("/paper/verify", get(verify::show_queues))
        .route("/surveys/{id}/paper/verify", get(verify::show_verify))
        .route(
            "/surveys/{id}/paper/items/{item}",
            post(verify::resolve_item),
        )
        .route(
            "/surveys/{id}/paper/items/{item}/crop",
            get(verify::item_crop),
        )
}
