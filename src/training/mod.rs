//! Training (*tập huấn*): the courses a unit runs for its collaborators and staff — topic,
//! trainer, days, place, description and materials — who was enrolled, who attended and who
//! completed it, and the coverage of the network: who has never been trained, or not within the
//! last N months, by unit and by a representation attribute.
//!
//! Collaborators are enrolled by their pseudonymous registry code (`collaborators::briefings::
//! resolve_attendees` checks they are active in the unit's subtree), staff by their login; the
//! pages show pseudonyms only. Courses are kept by the network's keepers (`ManageCollaborators`)
//! and read by them and the units' report readers (`ViewReports`).
//!
//! Invariants: every write is one transaction with its audit entry; a person is enrolled once
//! per course; a completion is a day, not after today.
//!
//! Materials are files kept in the database (`training_materials`: PDF, DOCX, PNG, JPEG up to
//! 10 MiB, checked by name and first bytes, a DOCX's archive directory checked), served as
//! attachments to the course's readers.
//!
//! Not built yet: a course's separate dated sessions with their own attendance.

pub mod actions;
mod demo;
pub mod model;
pub mod pages;
mod store;

use crate::app::AppState;

pub use demo::load_demo;

/// The months (1–12) of `year` in which a course of `unit`'s subtree began (for the yearly work
/// plan's "done").
pub async fn course_months(
    db: &crate::db::Db,
    unit: i64,
    year: i32,
) -> crate::error::AppResult<Vec<u32>> {
    use chrono::Datelike;
    let units = crate::orgs::subtree_ids(db, &[unit]).await?;
    let (Some(from), Some(to)) = (
        chrono::NaiveDate::from_ymd_opt(year, 1, 1),
        chrono::NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(vec![]);
    };
    Ok(store::list_course_days(db, &units, from, to)
        .await?
        .iter()
        .map(|d| d.month())
        .collect())
}

/// Routes of training.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/training",
            get(pages::list_courses).post(pages::create_course),
        )
        .route("/training/coverage", get(pages::show_coverage))
        .route("/training/{id}", get(pages::show_course))
        .route("/training/{id}/enrol", post(pages::enrol))
        .route("/training/{id}/record", post(pages::record))
        .route(
            "/training/{id}/materials",
            post(pages::upload_material).layer(axum::extract::DefaultBodyLimit::max(
                crate::reporting::model::MAX_ATTACHMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/training/materials/{id}", get(pages::download_material))
}
