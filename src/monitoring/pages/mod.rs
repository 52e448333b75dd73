//! Monitoring's main pages: the overview (volume and direction over time per topic and area as
//! server-drawn SVG, topics, areas, top terms, open alerts, emerging streams, sources), search
//! (diacritic-insensitive, phrases, filters, highlighted snippets, scoped to the user's subtree),
//! and one item with its labels and the models' predictions (marked as machine-made).
//!
//! Here: the helpers the pages share; one file per page (`overview`, `search`, `item`), their
//! public items re-exported so routes write `pages::show_search`.

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;

mod item;
mod overview;
mod search;

pub use item::*;
pub use overview::*;
pub use search::*;

fn roots(auth: &Auth) -> AppResult<Vec<i64>> {
    crate::kit::scope::require_roots(&auth.user, &[Capability::ViewMonitoring])
}

/// Topic names in the user's language.
async fn topic_names(state: &AppState, tr: Tr) -> AppResult<Vec<(String, String)>> {
    crate::monitoring::learn::choices(state, tr, crate::monitoring::model::LabelKind::Topic).await
}

/// Resolves an area typed or chosen (`id`, `#id` or a code) inside the user's roots.
async fn area_in_scope(state: &AppState, auth: &Auth, raw: &str) -> AppResult<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    // `#id` (the pages' selects) or a code.
    let id = crate::orgs::resolve_unit_ref(&state.db, raw).await?;
    match id {
        Some(id)
            if crate::accounts::can(&state.db, &auth.user, Capability::ViewMonitoring, id)
                .await? =>
        {
            Ok(Some(id))
        }
        _ => Err(AppError::BadRequest("monitoring-error-area")),
    }
}
