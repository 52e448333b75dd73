//! Yearly work plans (*kế hoạch công tác dư luận xã hội năm*): each unit plans its year's
//! activities — briefings, surveys, training, thematic reports, others — by month, and sees them
//! linked automatically to what was done; the centre sees plan against done for every unit.
//!
//! "Done" is read from the contexts that hold the activity, never typed: a briefing held in the
//! unit's subtree (`collaborators::briefing_months`, which briefing sessions record into), a
//! survey created (`surveys::survey_months`), a course held (`training::course_months`: in the
//! months of its sessions, else of its days), a thematic report issued
//! (`documents::thematic_months`); only "other" activities are ticked by hand. An item is done in its month, done late (a later month of the year), missed (its month is
//! past) or upcoming.
//!
//! Plans are kept by the network's keepers (`ManageCollaborators`) and read by them and the
//! units' report readers (`ViewReports`). Invariants: one plan per unit and year; every write is
//! one transaction with its audit entry.

pub mod actions;
mod demo;
pub mod model;
pub mod pages;
mod store;

use crate::app::AppState;

pub use demo::load_demo;

/// Routes of the work plans.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/plans", get(pages::show_overview))
        .route("/plans/{unit}/{year}", get(pages::show_plan))
        .route("/plans/{unit}/{year}/items", post(pages::add_item))
        .route(
            "/plans/{unit}/{year}/items/{item}/remove",
            post(pages::remove_item),
        )
        .route(
            "/plans/{unit}/{year}/items/{item}/tick",
            post(pages::tick_item),
        )
}
