//! Surveys (*điều tra, thăm dò dư luận xã hội*): not built yet (issue 5).
//! The navigation entry says so; this module only reserves its place in the router and the demo.

use crate::db::Db;

/// Routes of the survey pages (none yet).
pub fn routes() -> axum::Router<crate::app::AppState> {
    axum::Router::new()
}

/// Demo data of this context (none yet).
pub async fn load_demo(_db: &Db) -> anyhow::Result<()> {
    Ok(())
}
