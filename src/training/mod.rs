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
//! Sessions (*buổi học*): a course may have dated sessions (day, optional start time, topic,
//! trainer and place, the last two defaulting to the course's), each within the course's days,
//! and who of the enrolled attended each. While a course has sessions, a participant's
//! `attended` is kept in step with them in the same transaction (attended at least one), a
//! completion is refused to someone who attended none, and someone with a completion keeps at
//! least one session attended (unticking or removing their last one is refused).
//!
//! The coverage page's default window is a deployment setting (`training_settings`, 12 months
//! at first), kept by those who keep the collaborator settings
//! (`collaborators::settings::settings_unit`); `?months=` overrides it for one view.

pub mod actions;
mod demo;
pub mod model;
pub mod pages;
mod store;

use crate::app::AppState;

pub use demo::load_demo;

/// The months (1–12) of `year` in which the courses of `unit`'s subtree were held, one entry
/// per course and month (for the yearly work plan's "done"): a course with sessions counts in
/// the months of its sessions, one without in the months of its days
/// ([`model::held_months`]).
pub async fn course_months(
    db: &crate::db::Db,
    unit: i64,
    year: i32,
) -> crate::error::AppResult<Vec<u32>> {
    let units = crate::orgs::subtree_ids(db, &[unit]).await?;
    let (Some(from), Some(to)) = (
        chrono::NaiveDate::from_ymd_opt(year, 1, 1),
        chrono::NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(vec![]);
    };
    let courses = store::list_course_spans(db, &units, from, to).await?;
    let ids: Vec<i64> = courses.iter().map(|c| c.0).collect();
    let mut days: std::collections::HashMap<i64, Vec<chrono::NaiveDate>> = Default::default();
    for (course, day) in store::list_session_days(db, &ids).await? {
        days.entry(course).or_default().push(day);
    }
    Ok(courses
        .iter()
        .flat_map(|(id, first, last)| {
            model::held_months(
                year,
                *first,
                *last,
                days.get(id).map(Vec::as_slice).unwrap_or_default(),
            )
        })
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
        .route(
            "/training/coverage",
            get(pages::coverage::show_coverage).post(pages::coverage::update_coverage_months),
        )
        .route("/training/{id}", get(pages::show_course))
        .route("/training/{id}/enrol", post(pages::enrol))
        .route("/training/{id}/record", post(pages::record))
        .route(
            "/training/{id}/sessions",
            post(pages::sessions::add_session),
        )
        .route(
            "/training/{id}/sessions/{session}",
            post(pages::sessions::edit_session),
        )
        .route(
            "/training/{id}/sessions/{session}/remove",
            post(pages::sessions::remove_session),
        )
        .route(
            "/training/{id}/sessions/{session}/attendance",
            post(pages::sessions::record_attendance),
        )
        .route(
            "/training/{id}/materials",
            post(pages::materials::upload_material).layer(axum::extract::DefaultBodyLimit::max(
                crate::reporting::model::MAX_ATTACHMENT_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/training/materials/{id}",
            get(pages::materials::download_material),
        )
}
