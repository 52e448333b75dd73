//! Waves compared (`GET /surveys/{id}/results/waves`): every wave of the survey's series that
//! the reader may see, each computed with its own questionnaire, interviews and weighting as
//! its own results page does, then every question of this wave lined up across them with the
//! change from the previous wave, its interval and whether it is real (`model::waves`), paired
//! where two waves interviewed the same frame members.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::model::{self, waves};
use super::{ResultsQuery, store};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::{live_version, survey_for};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

pub struct WaveView {
    pub id: i64,
    pub label: String,
    pub n: usize,
    pub current: bool,
    pub weighting_error: Option<String>,
    /// Members also interviewed in the previous wave (0: independent samples).
    pub shared: usize,
}

pub struct CellView {
    pub value: Option<String>,
    pub change: Option<String>,
    pub significant: bool,
}

pub struct AcrossView {
    pub name: String,
    pub label: String,
    /// The chart across waves (inline SVG; empty with one wave).
    pub chart: String,
    pub rows: Vec<(String, Vec<CellView>)>,
}

#[derive(Template)]
#[template(path = "surveys/waves.html")]
struct WavesTemplate {
    c: Chrome,
    survey_id: i64,
    weighted: bool,
    k: usize,
    waves: Vec<WaveView>,
    questions: Vec<AcrossView>,
}

/// What one wave's figures came to.
struct WaveFigures {
    survey: crate::surveys::model::Survey,
    n: usize,
    results: Vec<model::QuestionResult>,
    weighting_error: Option<String>,
    /// Frame members also interviewed in the previous wave (a panel), when their covariance
    /// is used.
    shared: usize,
}

fn signed(x: f64, share: bool) -> String {
    let v = if share { x * 100.0 } else { x };
    let digits = if share { 1 } else { 2 };
    if v >= 0.0 {
        format!("+{v:.digits$}")
    } else {
        format!("−{:.digits$}", -v)
    }
}

/// Every wave the reader may see, computed, and the questions of survey `s` lined up across them.
async fn compute_waves(
    state: &AppState,
    auth: &Auth,
    s: &crate::surveys::model::Survey,
    weighted_asked: bool,
) -> AppResult<(
    Vec<WaveFigures>,
    Vec<model::QuestionResult>,
    Vec<waves::Across>,
)> {
    let tr = auth.ctx.tr;
    let lang = tr.lang().code();
    let mut figures: Vec<WaveFigures> = Vec::new();
    // Each wave's interviews and design, for the covariance of panel waves.
    let mut held: Vec<(std::sync::Arc<model::Data>, duluan_stats::Design)> = Vec::new();
    for w in visible_waves(state, auth, s).await? {
        let Some(version) = live_version(&state.db, w.id).await? else {
            continue;
        };
        let engine = crate::surveys::media::results_engine(&state.db, &version).await?;
        let data = super::interviews(state, w.id).await?;
        let spec = store::weighting(&state.db, w.id).await?;
        let weighted = weighted_asked && (data.has_design() || spec.active());
        let settings = model::Settings {
            weighted,
            k: state.config.results_min_cell as usize,
            level: 0.95,
            method: state.config.ci_method(),
            totals: false,
        };
        let e2 = engine.clone();
        let (n, results, werr, data, design) = tokio::task::spawn_blocking(move || {
            let prepared = model::prepare(&data, &spec, settings.weighted)?;
            let r = model::compute(e2.form(), &data, &prepared.design, settings, lang, None)?;
            Ok::<_, String>((
                data.n,
                r,
                prepared.weighting.and_then(Result::err),
                data,
                prepared.design,
            ))
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("waves: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("waves: {e}")))?;
        held.push((data, design));
        figures.push(WaveFigures {
            survey: w,
            n,
            results,
            weighting_error: werr.map(|e| super::weighting::error_text(&e, &engine, tr)),
            shared: 0,
        });
    }
    let reference = figures
        .iter()
        .find(|f| f.survey.id == s.id)
        .map(|f| f.results.clone())
        .unwrap_or_default();
    // Consecutive waves that interviewed some of the same frame members (a panel): the
    // covariance of every line's two estimates.
    let lines: Vec<(String, model::Kind, Vec<String>)> = reference
        .iter()
        .map(|q| {
            let keys = q.lines.iter().map(|l| l.key.clone()).collect();
            (q.name.clone(), q.kind, keys)
        })
        .collect();
    let (shared, covs) = tokio::task::spawn_blocking(move || {
        let mut shared = vec![0usize; held.len()];
        let mut covs: std::collections::HashMap<(usize, String, String), f64> =
            std::collections::HashMap::new();
        for k in 1..held.len() {
            let a = waves::PanelWave {
                data: &held[k - 1].0,
                design: &held[k - 1].1,
            };
            let b = waves::PanelWave {
                data: &held[k].0,
                design: &held[k].1,
            };
            shared[k] = waves::shared_members(&a, &b);
            if shared[k] < 2 {
                continue;
            }
            for (name, kind, keys) in &lines {
                for key in keys {
                    if let Some(c) = waves::panel_cov(&a, &b, name, *kind, key) {
                        covs.insert((k, name.clone(), key.clone()), c);
                    }
                }
            }
        }
        (shared, covs)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("waves: {e}")))?;
    for (f, m) in figures.iter_mut().zip(shared) {
        f.shared = m;
    }
    let per: Vec<Vec<model::QuestionResult>> = figures.iter().map(|f| f.results.clone()).collect();
    let aligned = waves::align(&reference, &per, 0.95, &|k, name, key| {
        covs.get(&(k, name.to_string(), key.to_string())).copied()
    });
    Ok((figures, reference, aligned))
}

/// How a wave is named: `Đợt 2 (Thăm dò thường kỳ)`.
pub(super) fn wave_label(w: &crate::surveys::model::Survey, tr: crate::web::i18n::Tr) -> String {
    tr.ta(
        "waves-wave",
        &[
            ("wave", w.wave.to_string()),
            (
                "purpose",
                tr.t(&format!("surveys-purpose-{}", w.purpose.key())),
            ),
        ],
    )
}

/// The waves of survey `s`'s series whose results the reader may see, in wave order.
pub(super) async fn visible_waves(
    state: &AppState,
    auth: &Auth,
    s: &crate::surveys::model::Survey,
) -> AppResult<Vec<crate::surveys::model::Survey>> {
    let mut out = Vec::new();
    for w in crate::surveys::store::list_series(&state.db, &s.series).await? {
        if crate::accounts::can(
            &state.db,
            &auth.user,
            Capability::ViewSurveyResults,
            w.unit_id,
        )
        .await?
        {
            out.push(w);
        }
    }
    Ok(out)
}

/// A question's lines across waves as the chart takes them.
fn chart_lines(
    r: &model::QuestionResult,
    a: &waves::Across,
    tr: crate::web::i18n::Tr,
) -> Vec<(String, Vec<waves::WaveCell>)> {
    let share = r.kind != model::Kind::Mean;
    a.lines
        .iter()
        .map(|(key, label, cells)| {
            let label = match key.as_str() {
                model::MEAN if !share => tr.t("results-mean"),
                model::MEDIAN if !share => tr.t("results-median"),
                _ => label.clone(),
            };
            (label, cells.clone())
        })
        .collect()
}

/// `GET /surveys/{id}/results/waves/charts/{file}`: a question's chart across waves.
pub async fn download_wave_chart(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, file)): Path<(i64, String)>,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewSurveyResults).await?;
    let tr = auth.ctx.tr;
    let name = super::chart_pages::chart_name(&file)?.to_string();
    let (figures, reference, aligned) =
        compute_waves(&state, &auth, &s, q.weighted.trim() != "0").await?;
    let labels: Vec<String> = figures.iter().map(|f| wave_label(&f.survey, tr)).collect();
    let (r, a) = reference
        .iter()
        .zip(&aligned)
        .find(|(r, _)| r.name == name)
        .ok_or(AppError::NotFound)?;
    let svg = super::chart_pages::waves_chart(
        &r.label,
        r.kind != model::Kind::Mean,
        &labels,
        &chart_lines(r, a, tr),
        tr,
    );
    super::chart_pages::file_response(svg, &file, &format!("duluan-{}-waves-{name}", s.id)).await
}

/// `GET /surveys/{id}/results/waves`.
pub async fn show_waves(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewSurveyResults).await?;
    let tr = auth.ctx.tr;
    let weighted_asked = q.weighted.trim() != "0";
    let (figures, reference, aligned) = compute_waves(&state, &auth, &s, weighted_asked).await?;
    let labels: Vec<String> = figures.iter().map(|f| wave_label(&f.survey, tr)).collect();
    let questions = reference
        .iter()
        .zip(aligned)
        .map(|(r, a)| {
            let share = r.kind != model::Kind::Mean;
            let f = |x: f64| {
                if share {
                    format!("{:.1}", x * 100.0)
                } else {
                    format!("{x:.2}")
                }
            };
            let chart = if figures.len() >= 2 {
                super::chart_pages::waves_chart(
                    &r.label,
                    share,
                    &labels,
                    &chart_lines(r, &a, tr),
                    tr,
                )
            } else {
                String::new()
            };
            AcrossView {
                name: r.name.clone(),
                label: r.label.clone(),
                chart,
                rows: chart_lines(r, &a, tr)
                    .into_iter()
                    .map(|(label, cells)| {
                        let cells = cells
                            .into_iter()
                            .map(|(line, ch)| CellView {
                                value: line
                                    .and_then(|l| l.value)
                                    .map(|(e, lo, hi)| format!("{} ({}–{})", f(e), f(lo), f(hi))),
                                change: ch.map(|c| {
                                    format!(
                                        "Δ {} ({}; {})",
                                        signed(c.diff, share),
                                        signed(c.lower, share),
                                        signed(c.upper, share)
                                    )
                                }),
                                significant: ch.is_some_and(|c| c.significant),
                            })
                            .collect();
                        (label, cells)
                    })
                    .collect(),
            }
        })
        .collect();
    let waves = figures
        .iter()
        .zip(labels)
        .map(|(f, label)| WaveView {
            id: f.survey.id,
            label,
            n: f.n,
            current: f.survey.id == s.id,
            weighting_error: f.weighting_error.clone(),
            shared: f.shared,
        })
        .collect();
    Ok(page(WavesTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("waves-title"), s.title)),
        survey_id: s.id,
        weighted: weighted_asked,
        k: state.config.results_min_cell as usize,
        waves,
        questions,
    }))
}
