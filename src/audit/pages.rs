//! The audit log page for administrators, with filters, scoped to their subtrees.
//!
//! Scope: entries whose unit lies under the reader's `ViewAudit` grants; entries of no unit only
//! for platform-wide readers (a grant at one top-level unit is not everything). Details: shown
//! only when the reader may read the entry's object there (responses, collaborators, reports,
//! monitoring, mail each need their own capability), and then with personal data masked
//! (`model::redact_detail`).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use crate::accounts::model::Capability;
use crate::app::AppState;
use std::collections::HashMap;

use crate::audit::model::{AuditEntry, AuditFilter, redact_detail};
use crate::audit::store;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

const PAGE_SIZE: i64 = 100;

/// An entry as the page shows it.
struct Line {
    entry: AuditEntry,
    /// The detail, masked; `None` when the reader may not read it.
    detail: Option<String>,
}

/// The audit page.
#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    c: Chrome,
    filter: AuditFilter,
    entries: Vec<Line>,
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

/// The capability needed to read the detail of an entry about `object_type`, beyond reading the
/// log: the one needed to read that object itself.
fn capability_for(object_type: &str) -> Option<Capability> {
    let kind = object_type.split(['.', '_']).next().unwrap_or_default();
    match (object_type, kind) {
        ("survey_response", _) | (_, "response") => Some(Capability::ViewResponses),
        (_, "collaborator") => Some(Capability::ManageCollaborators),
        (_, "report" | "stream" | "city") => Some(Capability::ViewReports),
        (_, "monitor" | "monitoring") => Some(Capability::ViewMonitoring),
        (_, "survey") => Some(Capability::ViewSurveyResults),
        (_, "mail") => Some(Capability::ManageUsers),
        _ => None,
    }
}

/// Pairs each entry with what the reader may see of its detail: one scope query per capability
/// met on the page, not one per entry.
async fn with_details(
    state: &AppState,
    auth: &Auth,
    entries: Vec<AuditEntry>,
) -> AppResult<Vec<Line>> {
    let mut allowed: HashMap<Option<Capability>, Vec<i64>> = HashMap::new();
    for e in &entries {
        let cap = capability_for(&e.object_type);
        if allowed.contains_key(&cap) {
            continue;
        }
        let units: Vec<i64> = entries
            .iter()
            .filter(|o| capability_for(&o.object_type) == cap)
            .filter_map(|o| o.unit_id)
            .collect();
        let roots = auth.user.roots_with(cap.unwrap_or(Capability::ViewAudit));
        allowed.insert(
            cap,
            crate::orgs::filter_within(&state.db, &roots, &units).await?,
        );
    }
    Ok(entries
        .into_iter()
        .map(|entry| {
            let cap = capability_for(&entry.object_type);
            let readable = match entry.unit_id {
                Some(unit) => allowed.get(&cap).is_some_and(|ids| ids.contains(&unit)),
                // An entry of no unit: for a platform-wide reader who holds the capability.
                None => auth
                    .user
                    .platform_with(cap.unwrap_or(Capability::ViewAudit)),
            };
            let detail = redact_detail(&entry.detail, readable);
            Line { entry, detail }
        })
        .collect())
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
    if auth.user.platform_with(Capability::ViewAudit) {
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
    let entries = with_details(&state, &auth, entries).await?;
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
