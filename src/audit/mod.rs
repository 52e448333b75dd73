//! Audit log (*nhật ký hệ thống*): every write, and every read of personal data, with who, when,
//! what, which unit and from which address.
//!
//! Invariants: the application only appends (the database refuses UPDATE and DELETE);
//! an entry carries the path of its unit at the time, so an administrator sees exactly the entries
//! of their subtree; failing to write an entry fails the action that caused it.

pub mod model;
pub mod pages;
pub mod store;

use crate::db::Db;
use crate::error::AppResult;
pub use model::Actor;

/// Records one action. `unit_id` is the unit the object belongs to (for scoping the log).
pub async fn record(
    db: &Db,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: &str,
    unit_id: Option<i64>,
    detail: serde_json::Value,
) -> AppResult<()> {
    let path = match unit_id {
        Some(id) => crate::orgs::path_of(db, id).await?,
        None => String::new(),
    };
    store::insert_entry(
        db,
        chrono::Utc::now(),
        actor,
        action,
        object_type,
        object_id,
        unit_id,
        &path,
        &detail.to_string(),
    )
    .await
}

/// Routes of the audit pages.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/admin/audit", get(pages::list_audit))
}
