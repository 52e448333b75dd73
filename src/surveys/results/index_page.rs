//! The satisfaction index page (`GET /surveys/{id}/results/index`, `ViewSurveyResults`): the
//! index and its dimensions with their intervals (`model::index`), the index by a domain (the
//! place that handled the case, by default) with each domain compared with all the others, and
//! the index across the waves of the series with its changes. A questionnaire without two groups
//! of 1–5 Likert questions has no index, and the page says so.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::charts::Bar;
use super::model::{self, index, waves};
use super::{ResultsQuery, chart_pages, store};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::{live_version, survey_for};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The domain the index is cut by when the query names none (the template's question).
const DEFAULT_BY: &str = "noi_giai_quyet";

struct RowView {
    label: String,
    n: usize,
    value: Option<String>,
    diff: Option<String>,
    real: bool,
}

#[derive(Template)]
#[template(path = "surveys/index.html")]
struct IndexTemplate {
    c: Chrome,
    survey_id: i64,
    weighted: bool,
    has_design: bool,
    k: usize,
    /// `None`: the questionnaire has no index.
    overall: Option<RowView>,
    dims: Vec<RowView>,
    singles: Vec<(String, String)>,
    by: String,
    by_rows: Vec<RowView>,
    by_chart: String,
    waves: Vec<RowView>,
    waves_chart: String,
}

fn fmt(l: &model::Line) -> Option<String> {
    l.value
        .map(|(e, lo, hi)| format!("{e:.1} ({lo:.1}–{hi:.1})"))
}

fn signed(x: f64) -> String {
    if x >= 0.0 {
        format!("+{x:.1}")
    } else {
        format!("−{:.1}", -x)
    }
}

fn row(l: &model::Line) -> RowView {
    RowView {
        label: l.label.clone(),
        n: l.n,
        value: fmt(l),
        diff: None,
        real: false,
    }
}

/// The index of one wave: its interviews, weighting and dimensions, as a line.
async fn wave_index(
    state: &AppState,
    survey_id: i64,
    weighted_asked: bool,
    label: String,
    lang: &'static str,
) -> AppResult<Option<model::Line>> {
    let Some(version) = live_version(&state.db, survey_id).await? else {
        return Ok(None);
    };
    let engine = crate::surveys::media::results_engine(&state.db, &version).await?;
    let data = super::interviews(state, survey_id).await?;
    let spec = store::weighting(&state.db, survey_id).await?;
    let weighted = weighted_asked && (data.has_design() || spec.active());
    let k = state.config.results_min_cell as usize;
    tokio::task::spawn_blocking(move || {
        let Some(dims) = index::dimensions(&engine.form().form, lang) else {
            return Ok(None);
        };
        let prepared = model::prepare(&data, &spec, weighted)?;
        let (_, y) = index::scores(&dims, &data);
        let s = model::Settings {
            weighted,
            k,
            level: 0.95,
            method: duluan_stats::CipropMethod::Logit,
            totals: false,
        };
        index::mean_line(&prepared.design, &y, None, s, "index", &label).map(Some)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("index: {e}")))?
    .map_err(|e: String| AppError::Internal(anyhow::anyhow!("index: {e}")))
}

/// `GET /surveys/{id}/results/index`.
pub async fn show_index(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewSurveyResults).await?;
    let tr = auth.ctx.tr;
    let lang = tr.lang().code();
    let super::Inputs {
        engine,
        data,
        has_design,
        spec,
        settings,
        ..
    } = super::inputs(&state, s.id, &q).await?;
    let singles = model::single_questions(engine.form(), lang);
    let by = match q.by.trim() {
        "" if singles.iter().any(|x| x.0 == DEFAULT_BY) => DEFAULT_BY.to_string(),
        b => b.to_string(),
    };
    let e2 = engine.clone();
    let by2 = by.clone();
    let computed = tokio::task::spawn_blocking(move || {
        let f = e2.form();
        let Some(dims) = index::dimensions(&f.form, lang) else {
            return Ok(None);
        };
        let prepared = model::prepare(&data, &spec, settings.weighted)?;
        let d = &prepared.design;
        let (per, y) = index::scores(&dims, &data);
        let overall = index::mean_line(d, &y, None, settings, "index", "")?;
        let mut dim_lines = Vec::new();
        for (dim, scores) in dims.iter().zip(&per) {
            dim_lines.push(index::mean_line(
                d, scores, None, settings, &dim.name, &dim.label,
            )?);
        }
        let mut by_rows = Vec::new();
        if let Some((_, choices)) = model::single_choices(f, &by2, lang) {
            let col = data.column(&by2);
            let domains: Vec<(String, String, Vec<bool>)> = choices
                .iter()
                .map(|(name, label)| {
                    (
                        name.clone(),
                        label.clone(),
                        (0..data.n).map(|i| col.get(i) == name).collect(),
                    )
                })
                .collect();
            by_rows = index::by_domain(d, &y, &domains, settings)?;
        }
        Ok::<_, String>(Some((overall, dim_lines, by_rows)))
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("index: {e}")))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!("index: {e}")))?;
    let weighted_asked = q.weighted.trim() != "0";
    let mut view = IndexTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("index-title"), s.title)),
        survey_id: s.id,
        weighted: settings.weighted,
        has_design,
        k: state.config.results_min_cell as usize,
        overall: None,
        dims: vec![],
        singles,
        by,
        by_rows: vec![],
        by_chart: String::new(),
        waves: vec![],
        waves_chart: String::new(),
    };
    if let Some((overall, dims, by_rows)) = computed {
        view.overall = Some(row(&overall));
        view.dims = dims.iter().map(row).collect();
        let bars: Vec<Bar> = by_rows
            .iter()
            .map(|v| Bar {
                label: v.line.label.clone(),
                value: v.line.value,
                note: Some(if v.line.value.is_some() {
                    format!("n = {}", v.line.n)
                } else {
                    tr.t("results-chart-hidden")
                }),
            })
            .collect();
        if !bars.is_empty() {
            view.by_chart =
                super::charts::means(&tr.t("index-by-chart"), &bars, &chart_pages::locale(tr));
        }
        view.by_rows = by_rows
            .iter()
            .map(|v| RowView {
                label: v.line.label.clone(),
                n: v.line.n,
                value: fmt(&v.line),
                diff: v.diff.map(|(x, lo, hi, _)| {
                    format!("{} ({}; {})", signed(x), signed(lo), signed(hi))
                }),
                real: v.diff.is_some_and(|d| d.3),
            })
            .collect();
        // Across the waves of the series.
        let mut lines: Vec<model::Line> = Vec::new();
        let mut labels = Vec::new();
        for w in super::waves::visible_waves(&state, &auth, &s).await? {
            let label = super::waves::wave_label(&w, tr);
            if let Some(l) = wave_index(&state, w.id, weighted_asked, label.clone(), lang).await? {
                labels.push(label);
                lines.push(l);
            }
        }
        if lines.len() >= 2 {
            let mut previous: Option<&model::Line> = None;
            for l in &lines {
                let ch = previous.and_then(|p| waves::change(p, l, 0.95, None));
                view.waves.push(RowView {
                    label: l.label.clone(),
                    n: l.n,
                    value: fmt(l),
                    diff: ch.map(|c| {
                        format!(
                            "Δ {} ({}; {})",
                            signed(c.diff),
                            signed(c.lower),
                            signed(c.upper)
                        )
                    }),
                    real: ch.is_some_and(|c| c.significant),
                });
                previous = Some(l);
            }
            let cells: Vec<waves::WaveCell> =
                lines.iter().map(|l| (Some(l.clone()), None)).collect();
            view.waves_chart = chart_pages::waves_chart(
                &tr.t("index-waves-chart"),
                false,
                &labels,
                &[(tr.t("index-title"), cells)],
                tr,
            );
        }
    }
    Ok(page(view))
}
