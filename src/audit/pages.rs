//! The audit log page for administrators, with filters, scoped to their subtrees.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit::model::{AuditEntry, AuditFilter};
use crate::audit::store;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

const PAGE_SIZE: i64 = 100;

/// The audit page.
#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    c: Chrome,
    filter: AuditFilter,
    entries: Vec<AuditEntry>,
    page: u32,
    has_next: bool,
    next_query: String,
    prev_query: String,
}

fn query_for(filter: &AuditFilter, page: u32) -> String {
    let e = crate::error::urlencode;
    format!(
        "user={}&action={}&from={}&to={}&page={}",
        e(&filter.user),
        e(&filter.action),
        e(&filter.from),
        e(&filter.to),
        page
    )
}

/// `GET /admin/audit`.
pub async fn list_audit(
    State(state): State<AppState>,
    auth: Auth,
    Query(filter): Query<AuditFilter>,
) -> AppResult<Response> {
    let roots = auth.user.roots_with(Capability::ViewAudit);
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    let mut prefixes = Vec::new();
    if crate::orgs::any_top_level(&state.db, &roots).await? {
        prefixes.push(String::new());
    } else {
        for r in &roots {
            prefixes.push(crate::orgs::path_of(&state.db, *r).await?);
        }
    }
    let page_no = crate::kit::bounds::PageNo::parse(&filter.page)?.get();
    let mut entries = store::list_entries(
        &state.db,
        &prefixes,
        &filter,
        PAGE_SIZE + 1,
        (page_no as i64 - 1) * PAGE_SIZE,
    )
    .await?;
    let has_next = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    crate::audit::record(
        &state.db,
        &auth.ctx.actor(),
        "audit_read",
        "audit_log",
        "",
        roots.first().copied(),
        serde_json::json!({"user": filter.user, "action": filter.action, "from": filter.from, "to": filter.to}),
    )
    .await?;
    Ok(page(AuditTemplate {
        c: auth.ctx.chrome("audit-title"),
        next_query: query_for(&filter, page_no + 1),
        prev_query: query_for(&filter, page_no.saturating_sub(1).max(1)),
        filter,
        entries,
        page: page_no,
        has_next,
    }))
}
