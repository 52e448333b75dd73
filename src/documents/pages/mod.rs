//! The documents' pages: the list with the forms that generate a draft (this file), one
//! document with its editing and workflow (`show`), its files (`files`), and the issuer's
//! settings (`settings`).

use askama::Template;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::can;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::documents::model::{DocKind, DocStatus, Issuer, check_title};
use crate::documents::{generate, issuer_of, store};
use crate::error::{AppError, AppResult};
use crate::kit::bounds;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

pub mod files;
pub mod settings;
pub mod show;

/// The capabilities that open documents at all.
pub const READ_CAPS: [Capability; 3] = [
    Capability::ViewReports,
    Capability::ReviewReports,
    Capability::ApproveDocuments,
];

/// Whether the user may read document `d`: an issued one with any of [`READ_CAPS`] at its unit,
/// a draft or one in review only as its writer (`ReviewReports`) or approver.
pub async fn may_read(state: &AppState, auth: &Auth, d: &store::Document) -> AppResult<bool> {
    let caps: &[Capability] = match d.status {
        DocStatus::Approved | DocStatus::Superseded => &READ_CAPS,
        DocStatus::Draft | DocStatus::Review => &READ_CAPS[1..],
    };
    for cap in caps {
        if can(&state.db, &auth.user, *cap, d.unit_id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// One line of the list.
pub struct DocLine {
    id: i64,
    title: String,
    kind: String,
    unit: String,
    status: String,
    status_key: &'static str,
    number: String,
    updated: String,
}

/// The list page.
#[derive(Template)]
#[template(path = "documents/list.html")]
pub struct ListTemplate {
    c: Chrome,
    docs: Vec<DocLine>,
    units: Vec<(i64, String)>,
    topics: Vec<(i64, String)>,
    surveys: Vec<(i64, String)>,
    month: String,
    can_write: bool,
}

/// `GET /documents`: documents of the user's scope, newest first; drafts only for writers and
/// approvers.
pub async fn list_documents(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let read_roots = crate::kit::scope::require_roots(&auth.user, &READ_CAPS)?;
    let work_roots = crate::kit::scope::roots(&auth.user, &READ_CAPS[1..]);
    let units = crate::orgs::subtree_ids(&state.db, &read_roots).await?;
    let work: std::collections::HashSet<i64> = crate::orgs::subtree_ids(&state.db, &work_roots)
        .await?
        .into_iter()
        .collect();
    let docs: Vec<store::Document> = store::list_documents(&state.db, &units, false, 200)
        .await?
        .into_iter()
        .filter(|d| {
            matches!(d.status, DocStatus::Approved | DocStatus::Superseded)
                || work.contains(&d.unit_id)
        })
        .collect();
    let ids: Vec<i64> = docs.iter().map(|d| d.unit_id).collect();
    let names: std::collections::HashMap<i64, String> = crate::orgs::unit_names(&state.db, &ids)
        .await?
        .into_iter()
        .collect();
    let lines = docs
        .into_iter()
        .map(|d| DocLine {
            id: d.id,
            kind: tr.t(&d.kind.label_key()),
            unit: names.get(&d.unit_id).cloned().unwrap_or_default(),
            status: tr.t(&d.status.label_key()),
            status_key: d.status.key(),
            number: d.number.map(|n| n.to_string()).unwrap_or_default(),
            updated: crate::kit::time::show(d.updated_at),
            title: d.title,
        })
        .collect();
    let write_roots = auth.user.roots_with(Capability::ReviewReports);
    let can_write = !write_roots.is_empty();
    let units = crate::orgs::unit_names(&state.db, &write_roots).await?;
    let topics = crate::reporting::topics(&state.db)
        .await?
        .into_iter()
        .map(|t| {
            (
                t.id,
                match tr.lang() {
                    crate::web::i18n::Lang::Vi => t.name_vi,
                    crate::web::i18n::Lang::En => t.name_en,
                },
            )
        })
        .collect();
    let surveys = readable_surveys(&state, &auth)
        .await?
        .into_iter()
        .map(|s| (s.id, s.title))
        .collect();
    let today = crate::kit::time::vn_date(Utc::now());
    // The month just ended is the one a synthesis usually reports.
    let month = crate::kit::time::add_months(today, -1)
        .format("%Y-%m")
        .to_string();
    Ok(page(ListTemplate {
        c: auth.ctx.chrome("documents-title"),
        docs: lines,
        units,
        topics,
        surveys,
        month,
        can_write,
    }))
}

/// Surveys whose results the user may read, newest first (at most 200).
pub async fn readable_surveys(
    state: &AppState,
    auth: &Auth,
) -> AppResult<Vec<crate::surveys::model::Survey>> {
    let roots = auth.user.roots_with(Capability::ViewSurveyResults);
    let units = crate::orgs::subtree_ids(&state.db, &roots).await?;
    let mut out = crate::surveys::surveys_of_units(&state.db, &units).await?;
    out.truncate(200);
    Ok(out)
}

/// The form that generates a draft.
#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    survey: String,
    #[serde(default)]
    title: String,
    /// A hot spot, for a quick report on its situation.
    #[serde(default)]
    hotspot: String,
}

/// `POST /documents`: generates a draft of the chosen kind from the data and opens it.
pub async fn create_document(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<NewForm>,
) -> AppResult<Response> {
    let kind = bounds::parse_choice(&f.kind, DocKind::parse)?
        .ok_or(AppError::BadRequest("documents-error-kind"))?;
    let unit_id = bounds::parse_id(&f.unit)?.ok_or(AppError::BadRequest("documents-error-unit"))?;
    crate::accounts::require(&state.db, &auth.user, Capability::ReviewReports, unit_id).await?;
    let unit = crate::orgs::find_unit(&state.db, unit_id)
        .await?
        .ok_or(AppError::BadRequest("documents-error-unit"))?;
    let issuer: Issuer = issuer_of(&state, unit_id).await?;
    let period_ok = |p: &str| crate::kit::time::parse_month(p).map(|_| p.trim().to_string());
    let (period, survey_id, (title, blocks)) = match kind {
        DocKind::Synthesis => {
            let period =
                period_ok(&f.period).ok_or(AppError::BadRequest("documents-error-period"))?;
            let surveys = within(&state, unit_id, readable_surveys(&state, &auth).await?).await?;
            let draft = generate::synthesis(
                &state,
                unit_id,
                &unit.name,
                &issuer.issuing_body,
                &period,
                &surveys,
            )
            .await?;
            (period, None, draft)
        }
        DocKind::Thematic => {
            let period =
                period_ok(&f.period).ok_or(AppError::BadRequest("documents-error-period"))?;
            let topic =
                bounds::parse_id(&f.topic)?.ok_or(AppError::BadRequest("documents-error-topic"))?;
            let draft = generate::thematic(&state, unit_id, topic, &period).await?;
            (period, None, draft)
        }
        DocKind::Quick => match bounds::parse_id(&f.hotspot)? {
            Some(h) => {
                let s = crate::hotspots::situation(&state.db, &auth.user, h)
                    .await?
                    .ok_or(AppError::NotFound)?;
                if s.unit_id != unit_id {
                    return Err(AppError::BadRequest("documents-error-unit"));
                }
                (String::new(), None, generate::hotspot(&s))
            }
            None => {
                let title = crate::kit::text::one_line(&f.title);
                check_title(&title).map_err(AppError::BadRequest)?;
                let draft = generate::quick(&state, unit_id, &title, Utc::now()).await?;
                (String::new(), None, draft)
            }
        },
        DocKind::Survey => {
            let id = bounds::parse_id(&f.survey)?
                .ok_or(AppError::BadRequest("documents-error-survey"))?;
            let s = crate::surveys::find_survey(&state.db, id)
                .await?
                .ok_or(AppError::BadRequest("documents-error-survey"))?;
            crate::accounts::require(
                &state.db,
                &auth.user,
                Capability::ViewSurveyResults,
                s.unit_id,
            )
            .await?;
            if crate::surveys::live_version(&state.db, s.id)
                .await?
                .is_none()
            {
                return Err(AppError::BadRequest("documents-error-survey-unpublished"));
            }
            let draft = generate::survey(&state, &s).await?;
            (String::new(), Some(s.id), draft)
        }
    };
    let id = crate::documents::actions::create_document(
        &state.db,
        &auth.ctx.actor(),
        &store::NewDocument {
            unit_id,
            kind,
            period: &period,
            survey_id,
            title: &title,
            version: 1,
            previous_id: None,
        },
        &blocks,
    )
    .await?;
    Ok(Redirect::to(&format!("/documents/{id}")).into_response())
}

/// The surveys among `surveys` owned by a unit within `unit_id`'s subtree.
async fn within(
    state: &AppState,
    unit_id: i64,
    surveys: Vec<crate::surveys::model::Survey>,
) -> AppResult<Vec<crate::surveys::model::Survey>> {
    let ids: Vec<i64> = surveys.iter().map(|s| s.unit_id).collect();
    let inside: std::collections::HashSet<i64> =
        crate::orgs::filter_within(&state.db, &[unit_id], &ids)
            .await?
            .into_iter()
            .collect();
    Ok(surveys
        .into_iter()
        .filter(|s| inside.contains(&s.unit_id))
        .collect())
}

/// Query of pages that pick a unit.
#[derive(Debug, Default, Deserialize)]
pub struct UnitQuery {
    #[serde(default)]
    pub(crate) unit: String,
}
