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
//! - `entries.rs`: the survey's paper settings (double entry, crops' retention) and the
//!   disagreement report of double entry.
//! - `land.rs`: a sheet with every page read and nothing open checked by the forms engine and
//!   stored as a response, or sent back with the engine's message.
//! - `model.rs`: kinds and the pure steps; `store/`: its SQL.
//!
//! Invariants: a page is read once per sheet (a second reading is a duplicate and changes
//! nothing); an upload where no page is one of ours stores nothing; keyed fields (digits,
//! dates, text) are never guessed: a person types them from the crop; under double entry two
//! different verifiers type them blind, and a disagreement is settled by a third.

mod entries;
mod land;
pub mod model;
mod print;
mod scans;
mod store;
mod verify;

/// Deletes the crops of landed sheets older than their survey's retention (days after landing,
/// 365 unless the survey says; 0 keeps them) at `now`; the answers stay. Returns how many crops
/// went. Run by the retention job (`ops::retention`).
pub async fn purge_crops(
    db: &crate::db::Db,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::error::AppResult<u64> {
    let mut n = 0;
    for (survey_id, days) in store::surveys_with_landed_crops(db).await? {
        if days > 0 {
            let before = now - chrono::Duration::days(days);
            n += store::delete_landed_crops(db, survey_id, before).await?;
        }
    }
    Ok(n)
}

/// The body limit of a scan upload (`POST /surveys/{id}/paper/scans`), above the server's
/// global one; `None` for any other request (`app::body_limit`).
pub fn scan_upload_limit(method: &axum::http::Method, path: &str) -> Option<usize> {
    let mut parts = path.split('/');
    let scan = method == axum::http::Method::POST
        && parts.next() == Some("")
        && parts.next() == Some("surveys")
        && parts
            .next()
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        && parts.next() == Some("paper")
        && parts.next() == Some("scans")
        && parts.next().is_none();
    scan.then_some(model::MAX_SCAN_BYTES + SCAN_FORM_OVERHEAD)
}

/// The multipart envelope around a scan (boundaries, headers, the CSRF field).
const SCAN_FORM_OVERHEAD: usize = 64 << 10;

/// Routes of paper mode.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/surveys/{id}/paper", get(print::show_paper))
        .route("/surveys/{id}/paper/batches", post(print::create_batch))
        .route("/surveys/{id}/paper/settings", post(entries::save_settings))
        .route("/surveys/{id}/paper/entries", get(entries::show_report))
        .route("/surveys/{id}/paper/batches/{file}", get(print::batch_pdf))
        .route(
            "/surveys/{id}/paper/scans",
            post(scans::upload_scan).layer(axum::extract::DefaultBodyLimit::max(
                model::MAX_SCAN_BYTES + SCAN_FORM_OVERHEAD,
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

#[cfg(test)]
mod tests {
    use axum::http::Method;

    use super::*;

    #[test]
    fn only_scan_uploads_have_the_larger_body_limit() {
        let big = Some(model::MAX_SCAN_BYTES + SCAN_FORM_OVERHEAD);
        assert_eq!(
            scan_upload_limit(&Method::POST, "/surveys/12/paper/scans"),
            big
        );
        for (m, p) in [
            (Method::GET, "/surveys/12/paper/scans"),
            (Method::POST, "/surveys/12/paper/scans/x"),
            (Method::POST, "/surveys/x/paper/scans"),
            (Method::POST, "/surveys//paper/scans"),
            (Method::POST, "/surveys/12/paper/batches"),
            (Method::POST, "/surveys/12/import"),
        ] {
            assert_eq!(scan_upload_limit(&m, p), None, "{m} {p}");
        }
    }
}
