//! The paper page of a survey (`DesignSurveys` to print, a clerk to upload scans): print a batch
//! of anonymous sheets numbered on from the last, download a batch as PDF (rendered on demand
//! off the async workers: the same layout and sheets give the same bytes), and the sheets by
//! status.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use duluan_paper::{Layout, LayoutOptions, SheetId};
use serde::Deserialize;
use serde_json::json;

use super::model::MAX_BATCH_SHEETS;
use super::store;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::model::Survey;
use crate::surveys::survey_for;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// A batch as listed.
pub struct BatchView {
    id: i64,
    first: String,
    last: String,
    sheets: i64,
    created: String,
}

#[derive(Template)]
#[template(path = "surveys/paper/index.html")]
struct PaperTemplate {
    c: Chrome,
    survey_id: i64,
    can_print: bool,
    batches: Vec<BatchView>,
    /// `(status label, count)`.
    sheets: Vec<(String, i64)>,
    open_items: i64,
    error: String,
    double_entry: bool,
    retention_days: i64,
}

/// The survey if the user is a clerk there (`VerifyForms` or `DesignSurveys`); whether they may
/// print.
pub async fn clerk_survey(state: &AppState, auth: &Auth, id: i64) -> AppResult<(Survey, bool)> {
    match survey_for(&state.db, auth, id, Capability::DesignSurveys).await {
        Ok(s) => Ok((s, true)),
        Err(AppError::Forbidden) => Ok((
            survey_for(&state.db, auth, id, Capability::VerifyForms).await?,
            false,
        )),
        Err(e) => Err(e),
    }
}

pub(super) async fn render(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    can_print: bool,
    error: String,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let batches = store::list_batches(&state.db, s.id)
        .await?
        .into_iter()
        .map(|b| BatchView {
            id: b.id,
            first: if b.first_number == 0 {
                tr.t("paper-batch-cases")
            } else {
                format!("{:06}", b.first_number)
            },
            last: if b.first_number == 0 {
                String::new()
            } else {
                format!("{:06}", b.first_number + b.sheets - 1)
            },
            sheets: b.sheets,
            created: crate::kit::time::show(b.created_at),
        })
        .collect();
    let sheets = store::sheet_counts(&state.db, s.id)
        .await?
        .into_iter()
        .map(|(st, n)| (tr.t(&format!("paper-sheet-{}", st.key())), n))
        .collect();
    let open_items = store::count_open(&state.db, s.id).await?;
    let settings = store::settings(&state.db, s.id).await?;
    let status = if error.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = page(PaperTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("paper-title"), s.title)),
        survey_id: s.id,
        can_print,
        batches,
        sheets,
        open_items,
        error,
        double_entry: settings.double_entry,
        retention_days: settings.retention_days,
    });
    Ok((status, body).into_response())
}

/// `GET /surveys/{id}/paper`.
pub async fn show_paper(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (s, can_print) = clerk_survey(&state, &auth, id).await?;
    render(&state, &auth, &s, can_print, String::new()).await
}

/// The print form.
#[derive(Debug, Deserialize)]
pub struct BatchForm {
    /// Anonymous sheets to print.
    #[serde(default)]
    pub sheets: String,
    /// `cases`: one sheet for each case released to paper mode that has none yet.
    #[serde(default)]
    pub kind: String,
}

/// The layout of a version as the forms engine's form laid out on A4, in the survey's default
/// language; refused when the questionnaire has repeats (not taken on paper yet). The form id
/// printed in the QR code is the survey's (`duluan-42`): waves of a series share their form id,
/// and a page must name the one survey it belongs to.
fn layout_for(survey_id: i64, form_json: &str) -> Result<Layout, &'static str> {
    let mut form = duluan_forms::Form::from_json(form_json).map_err(|_| "paper-error-layout")?;
    form.id = format!("duluan-{survey_id}");
    let opts = LayoutOptions {
        language: form
            .default_language
            .clone()
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "vi".into()),
        ..LayoutOptions::default()
    };
    let layout = duluan_paper::layout(&form, &opts).map_err(|_| "paper-error-layout")?;
    if layout.questions.iter().any(|q| q.instance.is_some()) {
        return Err("paper-error-repeats");
    }
    Ok(layout)
}

/// `POST /surveys/{id}/paper/batches`: prints `sheets` anonymous sheets of the live version, or
/// (`kind=cases`) a sheet for each case released to paper mode that has none yet.
pub async fn create_batch(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<BatchForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let for_cases = f.kind == "cases";
    let n = match f.sheets.trim().parse::<i64>() {
        _ if for_cases => MAX_BATCH_SHEETS,
        Ok(n) if (1..=MAX_BATCH_SHEETS).contains(&n) => n,
        _ => {
            let msg = tr.ta(
                "paper-error-sheets",
                &[("max", MAX_BATCH_SHEETS.to_string())],
            );
            return render(&state, &auth, &s, true, msg).await;
        }
    };
    let Some(version) = crate::surveys::live_version(&state.db, s.id).await? else {
        return render(&state, &auth, &s, true, tr.t("paper-error-unpublished")).await;
    };
    if crate::surveys::refuse_encrypted(&*crate::surveys::engine_for(&version.form_json)?).is_err()
    {
        return render(
            &state,
            &auth,
            &s,
            true,
            tr.t("surveys-encrypted-offline-only"),
        )
        .await;
    }
    let layout = match store::layout_of(&state.db, version.id).await? {
        Some(json) => serde_json::from_str::<Layout>(&json)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored layout unreadable: {e}")))?,
        None => match layout_for(s.id, &version.form_json) {
            Ok(l) => l,
            Err(key) => return render(&state, &auth, &s, true, tr.t(key)).await,
        },
    };
    let json = serde_json::to_string(&layout)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("layout not written: {e}")))?;
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    store::lock_printing(&mut tx, s.id).await?;
    store::keep_layout(&mut tx, s.id, version.id, &layout.fingerprint, &json, now).await?;
    let (batch, first, n) = if for_cases {
        match store::insert_case_batch(&mut tx, s.id, version.id, n, auth.user.id, now).await? {
            Some((batch, n)) => (batch, 0, n),
            None => {
                drop(tx);
                return render(&state, &auth, &s, true, tr.t("paper-error-no-cases")).await;
            }
        }
    } else {
        let (batch, first) =
            store::insert_anonymous_batch(&mut tx, s.id, version.id, n, auth.user.id, now).await?;
        (batch, first, n)
    };
    audit::entry(&auth.ctx.actor(), "survey.paper_print")
        .object("paper_batch", batch)
        .unit(s.unit_id)
        .detail(
            json!({"survey": s.id, "version": version.version, "sheets": n, "first": first,
                       "cases": for_cases}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/paper", s.id)).into_response())
}

/// `GET /surveys/{id}/paper/batches/{b}.pdf`: the batch's sheets as one PDF.
pub async fn batch_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, file)): Path<(i64, String)>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let b: i64 = file
        .strip_suffix(".pdf")
        .and_then(|n| n.parse().ok())
        .ok_or(AppError::NotFound)?;
    let batch = store::find_batch(&state.db, s.id, b)
        .await?
        .ok_or(AppError::NotFound)?;
    let json = store::layout_of(&state.db, batch.version_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let layout: Layout = serde_json::from_str(&json)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored layout unreadable: {e}")))?;
    let sheets: Vec<SheetId> = store::sheets_of_batch(&state.db, batch.id)
        .await?
        .into_iter()
        .filter_map(|(number, case)| match (number, case) {
            (Some(n), _) => Some(SheetId::Anonymous(n as u32)),
            (None, Some(c)) => Some(SheetId::Case(super::model::case_code(c))),
            (None, None) => None,
        })
        .collect();
    let pdf = tokio::task::spawn_blocking(move || duluan_paper::render_pdf(&layout, &sheets))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering stopped: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("batch not rendered: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"phieu-{}-{}.pdf\"", s.id, batch.id),
            ),
        ],
        pdf,
    )
        .into_response())
}
