//! Case pages: a survey's sampled cases (no contact data), one case's history, and its contact,
//! shown only on request to a user who may read contacts, each read audited.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::model::Contact;
use super::store;
use crate::accounts::model::Capability;
use crate::accounts::require;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::kit::bounds::PageNo;
use crate::surveys::survey_for;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// Cases per page.
const PAGE: i64 = 100;

/// A case as shown.
pub struct CaseView {
    id: i64,
    ext_id: String,
    stratum: String,
    batch: String,
    mode: String,
    disposition: String,
    attempts: i64,
    weight: String,
    released: String,
}

fn view(tr: Tr, c: store::CaseLine) -> CaseView {
    CaseView {
        id: c.id,
        ext_id: c.ext_id.unwrap_or_default(),
        stratum: c.stratum.unwrap_or_default(),
        batch: c.replicate.map(|r| r.to_string()).unwrap_or_default(),
        mode: if c.released_at.is_some() {
            tr.t(&format!("fieldwork-mode-{}", c.mode.key()))
        } else {
            tr.t("fieldwork-case-reserve")
        },
        disposition: if c.released_at.is_some() {
            format!(
                "{} {}",
                c.disposition.key(),
                tr.t(&c.disposition.label_key())
            )
        } else {
            String::new()
        },
        attempts: c.attempts,
        weight: c.weight.map(|w| format!("{w:.3}")).unwrap_or_default(),
        released: c
            .released_at
            .map(crate::kit::time::show)
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "surveys/fieldwork/cases.html")]
struct CasesTemplate {
    c: Chrome,
    survey_id: i64,
    cases: Vec<CaseView>,
    total: i64,
    page_no: u32,
    pages: u32,
}

/// The case list's query.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CasesQuery {
    /// Page number (from 1).
    #[serde(default)]
    pub page: String,
}

/// `GET /surveys/{id}/fieldwork/cases`.
pub async fn list_cases(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<CasesQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let page_no = PageNo::parse(&q.page)?;
    let (lines, total) =
        store::list_cases(&state.db, s.id, PAGE, page_no.offset(PAGE as usize) as i64).await?;
    Ok(page(CasesTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("fieldwork-cases-title"), s.title)),
        survey_id: s.id,
        cases: lines.into_iter().map(|c| view(tr, c)).collect(),
        total,
        page_no: page_no.get(),
        pages: ((total + PAGE - 1) / PAGE).max(1) as u32,
    }))
}

#[derive(Template)]
#[template(path = "surveys/fieldwork/case.html")]
struct CaseTemplate {
    c: Chrome,
    survey_id: i64,
    case: CaseView,
    /// `(when, what, mode, outcome, disposition, note)`.
    events: Vec<(String, String, String, String, String, String)>,
    can_contact: bool,
    contact: Option<Contact>,
    no_contact: bool,
}

async fn render_case(
    state: &AppState,
    auth: &Auth,
    id: i64,
    cid: i64,
    reveal: bool,
) -> AppResult<Response> {
    let s = survey_for(&state.db, auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let case = store::find_case(&state.db, s.id, cid)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_contact =
        crate::accounts::can(&state.db, &auth.user, Capability::ReadContacts, s.unit_id).await?;
    let mut contact = None;
    let mut no_contact = false;
    if reveal {
        require(&state.db, &auth.user, Capability::ReadContacts, s.unit_id).await?;
        // The read is recorded before anything is shown.
        audit::entry(&auth.ctx.actor(), "survey.contact_read")
            .object("survey_case", cid)
            .unit(s.unit_id)
            .detail(json!({"survey": s.id}))
            .write_alone(&state.db)
            .await?;
        contact = store::find_contact(&state.db, cid).await?;
        no_contact = contact.is_none();
    }
    let events = store::list_events(&state.db, cid)
        .await?
        .into_iter()
        .map(|e| {
            (
                crate::kit::time::show(e.at),
                tr.t(&format!("fieldwork-event-{}", e.kind)),
                tr.t(&format!("fieldwork-mode-{}", e.mode.key())),
                e.outcome.unwrap_or_default(),
                e.disposition
                    .map(|d| d.key().to_string())
                    .unwrap_or_default(),
                e.note,
            )
        })
        .collect();
    Ok(page(CaseTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} #{}", tr.t("fieldwork-case-title"), cid)),
        survey_id: s.id,
        case: view(tr, case),
        events,
        can_contact,
        contact,
        no_contact,
    }))
}

/// `GET /surveys/{id}/fieldwork/cases/{cid}`: the case and its history.
pub async fn show_case(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, cid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    render_case(&state, &auth, id, cid, false).await
}

/// `POST /surveys/{id}/fieldwork/cases/{cid}/contact`: the case with its contact (audited).
pub async fn show_contact(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, cid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    render_case(&state, &auth, id, cid, true).await
}
