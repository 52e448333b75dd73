//! A survey's paper settings (whoever may print: `DesignSurveys`): double entry of keyed fields,
//! and the days a landed sheet's crops are kept; and the disagreement report of double entry
//! (every clerk of the survey: it shows only what a verifier sees when adjudicating).

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::model::{self, Disagreement, EntryStats, MAX_RETENTION_DAYS, Settings};
use super::print::clerk_survey;
use super::store;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::AppResult;
use crate::surveys::survey_for;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The settings form.
#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    /// `on` when checked.
    #[serde(default)]
    pub double_entry: String,
    /// Days.
    #[serde(default)]
    pub retention_days: String,
}

/// `POST /surveys/{id}/paper/settings`.
pub async fn save_settings(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let Some(retention_days) = f
        .retention_days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (0..=MAX_RETENTION_DAYS).contains(d))
    else {
        let msg = tr.ta(
            "paper-error-retention",
            &[("max", MAX_RETENTION_DAYS.to_string())],
        );
        return super::print::render(&state, &auth, &s, true, msg).await;
    };
    let settings = Settings {
        double_entry: f.double_entry == "on",
        retention_days,
    };
    let mut tx = state.db.begin().await?;
    store::save_settings(&mut tx, s.id, &settings, auth.user.id, Utc::now()).await?;
    audit::entry(&auth.ctx.actor(), "survey.paper_settings")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(json!({"double_entry": settings.double_entry,
                       "retention_days": settings.retention_days}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/paper", s.id)).into_response())
}

#[derive(Template)]
#[template(path = "surveys/paper/entries.html")]
struct ReportTemplate {
    c: Chrome,
    survey_id: i64,
    double_entry: bool,
    pairs: Vec<EntryStats>,
    verifiers: Vec<EntryStats>,
    disagreements: Vec<Disagreement>,
}

/// `GET /surveys/{id}/paper/entries`: the disagreement report.
pub async fn show_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (s, _) = clerk_survey(&state, &auth, id).await?;
    let tr = auth.ctx.tr;
    let rows: Vec<model::ReportRow> = store::entry_rows(&state.db, s.id)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.item_id,
                r.sheet_key.trim_start_matches(['S', 'C']).to_string(),
                r.question,
                r.user_id,
                r.user_name.unwrap_or_else(|| "—".into()),
                r.value,
                r.final_value,
            )
        })
        .collect();
    let report = model::entry_report(&rows);
    let settings = store::settings(&state.db, s.id).await?;
    Ok(page(ReportTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("paper-report-title"), s.title)),
        survey_id: s.id,
        double_entry: settings.double_entry,
        pairs: report.pairs,
        verifiers: report.verifiers,
        disagreements: report.disagreements,
    }))
}
