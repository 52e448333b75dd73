//! Documents (*văn bản*): the reports a unit issues in the Vietnamese administrative layout —
//! the monthly report on the state of opinion (*báo cáo tình hình dư luận xã hội*) of a unit's
//! subtree, thematic and quick reports, and survey reports — as DOCX and PDF
//! (`duluan-documents`).
//!
//! Terms: *thể thức* (the issuer's settings: bodies, symbol, place, signatory, recipients),
//! *số, ký hiệu* (number and symbol, `12-BC/BTGDVTU`), *dự thảo* (draft), *duyệt* (approve),
//! *nơi nhận* (recipients).
//!
//! A draft is assembled from the data (`generate.rs`: reporting's city streams and completeness
//! through `reporting::digest`, monitoring's volume and alerts through `monitoring::digest`,
//! surveys' figures through `surveys::results::figures`, small cells hidden as on the results
//! page), each block naming the page its figures come from; it is edited block by block.
//! Workflow: draft → review (writer: `ReviewReports`) → approved (approver:
//! `ApproveDocuments`, the unit's leader) or returned to draft with a reason.
//!
//! Invariants: an approved document is frozen — its number is the next of its unit's year
//! (`document_numbers`, taken in the approval's transaction), its rendered document, PDF and
//! DOCX are stored with their SHA-256 in the same transaction as the status and the audit entry,
//! and it never changes; a new version is a new draft (`previous_id`) that supersedes it when
//! approved. Drafts are readable only by writers and approvers; issued documents by readers of
//! reports at the unit.

pub mod actions;
mod demo;
mod generate;
pub mod model;
pub mod pages;
mod store;

use crate::app::AppState;
use crate::error::AppResult;

pub use demo::load_demo;

/// The issuer settings of a unit: as set, or the defaults drawn from the tree.
pub async fn issuer_of(state: &AppState, unit_id: i64) -> AppResult<model::Issuer> {
    if let Some(i) = store::find_issuer(&state.db, unit_id).await? {
        return Ok(i);
    }
    let unit = crate::orgs::find_unit(&state.db, unit_id).await?;
    let parent = match unit.as_ref().and_then(|u| u.parent_id) {
        Some(p) => crate::orgs::find_unit(&state.db, p).await?,
        None => None,
    };
    Ok(model::Issuer::default_for(
        unit.as_ref().map_or("", |u| u.name.as_str()),
        parent.as_ref().map(|p| p.name.as_str()),
    ))
}

/// An issued document, for other contexts (the leaders' dashboard).
#[derive(Clone, Debug)]
pub struct Issued {
    /// Id (its page: `/documents/{id}`).
    pub id: i64,
    /// Title.
    pub title: String,
    /// Number.
    pub number: Option<i32>,
    /// Date of issue.
    pub issued_on: Option<chrono::NaiveDate>,
}

/// The latest approved documents of the given units, newest first.
pub async fn latest_issued(
    db: &crate::db::Db,
    units: &[i64],
    limit: i64,
) -> AppResult<Vec<Issued>> {
    Ok(store::list_documents(db, units, true, limit)
        .await?
        .into_iter()
        .filter(|d| d.status == model::DocStatus::Approved)
        .map(|d| Issued {
            id: d.id,
            title: d.title,
            number: d.number,
            issued_on: d.issued_on,
        })
        .collect())
}

/// The months (1–12) of `year` in which `unit`'s subtree issued a thematic report (for the yearly
/// work plan's "done").
pub async fn thematic_months(db: &crate::db::Db, unit: i64, year: i32) -> AppResult<Vec<u32>> {
    use chrono::Datelike;
    let units = crate::orgs::subtree_ids(db, &[unit]).await?;
    let (Some(from), Some(to)) = (
        chrono::NaiveDate::from_ymd_opt(year, 1, 1),
        chrono::NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(vec![]);
    };
    Ok(
        store::list_issue_days(db, &units, model::DocKind::Thematic, from, to)
            .await?
            .iter()
            .map(|d| d.month())
            .collect(),
    )
}

/// Routes of the documents context.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/documents",
            get(pages::list_documents).post(pages::create_document),
        )
        .route(
            "/documents/settings",
            get(pages::settings::show_settings).post(pages::settings::save_settings),
        )
        .route("/documents/{id}", get(pages::show::show_document))
        .route("/documents/{id}/title", post(pages::show::update_title))
        .route(
            "/documents/{id}/blocks/{block}",
            post(pages::show::update_block),
        )
        .route(
            "/documents/{id}/charts/{block}",
            get(pages::show::block_svg),
        )
        .route("/documents/{id}/submit", post(pages::show::submit_document))
        .route("/documents/{id}/return", post(pages::show::return_document))
        .route(
            "/documents/{id}/approve",
            post(pages::show::approve_document),
        )
        .route(
            "/documents/{id}/reissue",
            post(pages::show::reissue_document),
        )
        .route("/documents/{id}/{file}", get(pages::files::download))
        .route("/documents/assets/documents.css", get(stylesheet))
}

async fn stylesheet() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/documents.css"),
    )
        .into_response()
}
