//! Survey results (*kết quả điều tra*): the figures a leader or analyst reads, computed by
//! `duluan_stats` from the completed interviews — each choice's share with its 95 % confidence
//! interval (R's `svyciprop`, logit method, t with the design's degrees of freedom; the exact
//! interval where everyone answered alike), means of numbers, n and design effects, and a
//! crosstab of two single choices (row percentages with intervals, the Rao-Scott test in plain
//! words) — weighted by the sample's design weights and strata when the survey was fielded from a
//! sample, with small cells suppressed.
//!
//! Layout: `model.rs` computes (no IO), `store.rs` reads the interviews, this file is the page
//! (`GET /surveys/{id}/results`, `ViewSurveyResults`).
//!
//! Invariants: a published figure never rests on fewer than [`SMALL_CELL`] respondents (see
//! `model::suppressed`); nothing here shows a single response; every figure says whether it is
//! weighted, its n and its interval level.

pub mod model;
mod store;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::{engine_for, live_version, survey_for};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// Smallest number of respondents a published cell rests on.
pub const SMALL_CELL: usize = 5;

/// Routes of the results pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/surveys/{id}/results", get(show_results))
        .route("/surveys/{id}/results.csv", get(export_results))
}

/// The page's query.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ResultsQuery {
    /// `0` for unweighted figures; weighted by default when the interviews carry a design.
    #[serde(default)]
    pub weighted: String,
    /// Crosstab: the row question.
    #[serde(default)]
    pub row: String,
    /// Crosstab: the column question.
    #[serde(default)]
    pub col: String,
}

/// A crosstab as shown.
struct CrosstabView {
    titles: (String, String),
    columns: Vec<String>,
    /// Row label, respondents, cells (`Some("41.2 (30.1–53.2)")` or `None` when hidden).
    rows: Vec<(String, usize, Vec<Option<String>>)>,
    n: usize,
    /// The test in plain words.
    test: Option<String>,
}

/// One line as shown.
struct LineView {
    label: String,
    n: usize,
    /// `(estimate, lower, upper)` formatted, or `None` when suppressed.
    value: Option<(String, String, String)>,
    deff: String,
    /// Width of the bar in percent (shares only).
    bar: f64,
}

struct QuestionView {
    name: String,
    label: String,
    kind: &'static str,
    n: usize,
    lines: Vec<LineView>,
}

#[derive(Template)]
#[template(path = "surveys/results.html")]
struct ResultsTemplate {
    c: Chrome,
    survey_id: i64,
    interviews: usize,
    weighted: bool,
    has_design: bool,
    k: usize,
    questions: Vec<QuestionView>,
    error: Option<String>,
    /// `(name, wording)` of the questions a crosstab may cross.
    singles: Vec<(String, String)>,
    row: String,
    col: String,
    crosstab: Option<CrosstabView>,
    crosstab_error: Option<String>,
}

fn pct(x: f64) -> String {
    format!("{:.1}", x * 100.0)
}

/// What every results view computes from: the live questionnaire, the completed interviews,
/// and how (weighted when the interviews carry a design and the query does not say `0`).
struct Inputs {
    engine: std::sync::Arc<duluan_forms::Engine>,
    rows: Vec<model::Row>,
    has_design: bool,
    settings: model::Settings,
}

async fn inputs(state: &AppState, survey_id: i64, q: &ResultsQuery) -> AppResult<Inputs> {
    let version = live_version(&state.db, survey_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let engine = engine_for(&version.form_json)?;
    let rows = store::completed_rows(&state.db, survey_id).await?;
    let has_design = model::has_design(&rows);
    Ok(Inputs {
        engine,
        rows,
        has_design,
        settings: model::Settings {
            weighted: has_design && q.weighted.trim() != "0",
            k: SMALL_CELL,
            level: 0.95,
        },
    })
}

/// `GET /surveys/{id}/results`.
pub async fn show_results(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewSurveyResults).await?;
    let tr = auth.ctx.tr;
    let Inputs {
        engine: form,
        rows,
        has_design,
        settings,
    } = inputs(&state, s.id, &q).await?;
    let weighted = settings.weighted;
    // The computation is CPU work on every interview: off the async workers.
    let lang = tr.lang().code();
    let (row, col) = (q.row.trim().to_string(), q.col.trim().to_string());
    let asked = !row.is_empty() || !col.is_empty();
    let (r2, c2) = (row.clone(), col.clone());
    let (computed, singles, crossed) = tokio::task::spawn_blocking(move || {
        let f = form.form();
        let crossed = asked.then(|| model::crosstab(f, &rows, &r2, &c2, settings, lang));
        (
            model::compute(f, &rows, settings, lang).map(|r| (r, rows.len())),
            model::single_questions(f, lang),
            crossed,
        )
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("results: {e}")))?;
    let (crosstab, crosstab_error) = match crossed {
        None => (None, None),
        Some(Ok(x)) => (Some(crosstab_view(x, tr)), None),
        Some(Err(e)) => (
            None,
            Some(match e.split_once(':') {
                Some(("unknown", name)) => {
                    tr.ta("results-crosstab-unknown", &[("name", name.to_string())])
                }
                _ => tr.t("results-crosstab-same"),
            }),
        ),
    };
    let (questions, interviews, error) = match computed {
        Ok((r, n)) => (r, n, None),
        Err(e) => (vec![], 0, Some(tr.ta("results-error", &[("detail", e)]))),
    };
    let questions = questions
        .into_iter()
        .map(|r| QuestionView {
            name: r.name,
            label: r.label,
            kind: match r.kind {
                model::Kind::Single => "single",
                model::Kind::Multiple => "multiple",
                model::Kind::Mean => "mean",
            },
            n: r.n,
            lines: r
                .lines
                .into_iter()
                .map(|l| {
                    let share = r.kind != model::Kind::Mean;
                    let f = |x: f64| if share { pct(x) } else { format!("{x:.2}") };
                    LineView {
                        label: l.label,
                        n: l.n,
                        bar: match (share, l.value) {
                            (true, Some((e, _, _))) => (e * 100.0).clamp(0.0, 100.0),
                            _ => 0.0,
                        },
                        value: l.value.map(|(e, lo, hi)| (f(e), f(lo), f(hi))),
                        deff: l.deff.map(|d| format!("{d:.2}")).unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(page(ResultsTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("results-title"), s.title)),
        survey_id: s.id,
        interviews,
        weighted,
        has_design,
        k: SMALL_CELL,
        questions,
        error,
        singles,
        row,
        col,
        crosstab,
        crosstab_error,
    }))
}

/// `GET /surveys/{id}/results.csv`: the page's figures as a table, each row a line of a
/// question, suppressed cells empty and flagged (the same rule as the page: an export of
/// aggregates publishes nothing the page hides).
pub async fn export_results(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let s = survey_for(&state.db, &auth, id, Capability::ViewSurveyResults).await?;
    let tr = auth.ctx.tr;
    let Inputs {
        engine,
        rows,
        settings,
        ..
    } = inputs(&state, s.id, &q).await?;
    let weighted = settings.weighted;
    let lang = tr.lang().code();
    let results =
        tokio::task::spawn_blocking(move || model::compute(engine.form(), &rows, settings, lang))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("results: {e}")))?
            .map_err(|e| AppError::Internal(anyhow::anyhow!("results: {e}")))?;
    let csv_err = |e: csv::Error| AppError::Internal(e.into());
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "question",
        "question_label",
        "kind",
        "line",
        "n",
        "estimate",
        "lower",
        "upper",
        "deff",
        "suppressed",
        "weighted",
    ])
    .map_err(csv_err)?;
    let w = if weighted { "1" } else { "0" };
    let num = |x: f64| format!("{x:.6}");
    for r in &results {
        let kind = match r.kind {
            model::Kind::Single => "share",
            model::Kind::Multiple => "share_multiple",
            model::Kind::Mean => "mean",
        };
        let label = crate::kit::csv::text_cell(&r.label);
        if r.lines.is_empty() {
            out.write_record([
                r.name.as_str(),
                &label,
                kind,
                "",
                "",
                "",
                "",
                "",
                "",
                "1",
                w,
            ])
            .map_err(csv_err)?;
        }
        for l in &r.lines {
            let line = crate::kit::csv::text_cell(&l.label);
            let (n, e, lo, hi, deff, hidden) = match l.value {
                Some((e, lo, hi)) => (
                    l.n.to_string(),
                    num(e),
                    num(lo),
                    num(hi),
                    l.deff.map(num).unwrap_or_default(),
                    "0",
                ),
                None => Default::default(),
            };
            let hidden = if l.value.is_none() { "1" } else { hidden };
            out.write_record([
                r.name.as_str(),
                &label,
                kind,
                &line,
                &n,
                &e,
                &lo,
                &hi,
                &deff,
                hidden,
                w,
            ])
            .map_err(csv_err)?;
        }
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let disposition = format!("attachment; filename=\"duluan-results-{}.csv\"", s.id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

fn crosstab_view(x: model::Crosstab, tr: crate::web::i18n::Tr) -> CrosstabView {
    CrosstabView {
        titles: x.titles,
        columns: x.columns,
        rows: x
            .rows
            .into_iter()
            .map(|(label, n, lines)| {
                let cells = lines
                    .into_iter()
                    .map(|l| {
                        l.value
                            .map(|(e, lo, hi)| format!("{} ({}–{})", pct(e), pct(lo), pct(hi)))
                    })
                    .collect();
                (label, n, cells)
            })
            .collect(),
        n: x.n,
        test: x.test.map(|(f, ndf, ddf, p)| {
            let key = if p < 0.05 {
                "results-crosstab-related"
            } else {
                "results-crosstab-not-shown"
            };
            tr.ta(
                key,
                &[
                    ("f", format!("{f:.2}")),
                    ("ndf", format!("{ndf:.2}")),
                    ("ddf", format!("{ddf:.0}")),
                    ("p", format!("{p:.3}")),
                ],
            )
        }),
    }
}
