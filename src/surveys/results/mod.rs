//! Survey results (*kết quả điều tra*): the figures a leader or analyst reads, computed by
//! `duluan_stats` from the completed interviews — each choice's share with its 95 % confidence
//! interval (R's `svyciprop`, logit method, t with the design's degrees of freedom; the exact
//! interval where everyone answered alike), means of numbers, n and design effects, and a
//! crosstab of two single choices (row percentages with intervals, the Rao-Scott test in plain
//! words) — weighted by the sample's design weights and strata when the survey was fielded from a
//! sample, with small cells suppressed.
//!
//! Weighting: a survey may be weighted to population tables (post-stratification, raking,
//! calibration, trimming) on its weighting page (`weighting.rs`); the results then use those
//! weights, say so, and show the diagnostics.
//!
//! Layout: `model/` computes (no IO: `data` the interviews by column, `weighting` and
//! `population` the weighting and its tables, `crosstab`), `store.rs` reads the interviews and
//! keeps the weighting, `weighting.rs` is the weighting page, `export.rs` the CSV of the figures,
//! `rscript/` the data and R script that recompute the figures, `chart_pages.rs` the charts,
//! `waves.rs` the waves compared, `cache.rs` the interviews kept per server, `filters.rs` the period and the frame's domains, this file is the results page (`GET /surveys/{id}/results`,
//! `ViewSurveyResults`).
//!
//! Invariants: a published figure never rests on fewer than the deployment's smallest cell
//! (`Config::results_min_cell`, default [`SMALL_CELL`]) respondents (see
//! `model::suppressed`); nothing here shows a single response; every figure says whether it is
//! weighted, its n and its interval level.

mod cache;
mod chart_pages;
pub mod charts;
pub mod demo;
mod export;
mod figures;
mod filters;
mod index_page;
pub mod model;
mod rscript;
mod store;
mod waves;
mod weighting;

pub use cache::{CACHED_CELLS, CACHED_SURVEYS, Cache, FULL_READ_AFTER, interviews};
pub use figures::{Figures, figure_brief, figures};
pub use filters::{MAX_FRAME_DOMAINS, Period};
use filters::{frame_domains, period_mask};
pub use store::copy_weighting;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::{live_version, survey_for};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// Smallest number of respondents a published cell rests on, unless the deployment sets
/// another (`--results-min-cell`, `DULUAN_RESULTS_MIN_CELL`, 3 to 100).
pub const SMALL_CELL: usize = 5;

/// Routes of the results pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/surveys/{id}/results", get(show_results))
        .route("/surveys/{id}/results.csv", get(export::export_results))
        .route("/surveys/{id}/results/waves", get(waves::show_waves))
        .route("/surveys/{id}/results/index", get(index_page::show_index))
        .route(
            "/surveys/{id}/results/charts/{file}",
            get(chart_pages::download_chart),
        )
        .route(
            "/surveys/{id}/results/waves/charts/{file}",
            get(waves::download_wave_chart),
        )
        .route(
            "/surveys/{id}/results.R.zip",
            get(rscript::download_rscript),
        )
        .merge(weighting::routes())
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
    /// Domains: the single-choice question every figure is cut by.
    #[serde(default)]
    pub by: String,
    /// Crosstab percentages: `col` for column percentages, row percentages otherwise.
    #[serde(default)]
    pub pct: String,
    /// Filter: interviews completed on or after this day (`YYYY-MM-DD`, Vietnam's calendar).
    #[serde(default)]
    pub from: String,
    /// Filter: interviews completed on or before this day.
    #[serde(default)]
    pub to: String,
}

/// A crosstab as shown.
struct CrosstabView {
    titles: (String, String),
    /// Column labels and, for column percentages, `n = …` of each.
    columns: Vec<(String, String)>,
    /// Row label, respondents, cells (`Some("41.2 (30.1–53.2)")` or `None` when hidden).
    rows: Vec<(String, usize, Vec<Option<String>>)>,
    n: usize,
    /// The test in plain words.
    test: Option<String>,
    /// Column percentages (each column choice's respondents split over the row choices), with
    /// each column's respondents; else row percentages.
    by_column: bool,
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
    /// The estimated number in the population with its interval, when the weights stand for
    /// a population.
    total: Option<String>,
}

struct QuestionView {
    name: String,
    label: String,
    kind: &'static str,
    n: usize,
    lines: Vec<LineView>,
    /// By domain: each line's label and its cell per domain (`None`: hidden).
    by_lines: Vec<(String, Vec<Option<String>>)>,
    /// Its chart (inline SVG), when it shows figures.
    chart: String,
}

#[derive(Template)]
#[template(path = "surveys/results.html")]
struct ResultsTemplate {
    c: Chrome,
    survey_id: i64,
    interviews: usize,
    weighted: bool,
    has_design: bool,
    /// What weighted means here (design weights, or weighted to population tables).
    weighting_note: String,
    /// Why the weighting failed, when it did.
    weighting_error: Option<String>,
    /// The diagnostics, when weighted to population tables.
    diagnostics: Option<weighting::DiagnosticsView>,
    k: usize,
    questions: Vec<QuestionView>,
    /// Domains: the question, its choices `(label, n)`.
    by: String,
    by_columns: Vec<(String, usize)>,
    /// The stacked chart of the Likert questions, if any.
    likert: Option<String>,
    /// The query string the chart downloads carry (`?weighted=0` or empty).
    chart_query: String,
    /// Whether the reader may take the row-level data with the R script (`ViewResponses`).
    can_rscript: bool,
    /// Open answers summarised.
    open: Vec<model::open::OpenSummary>,
    error: Option<String>,
    /// `(name, wording)` of the questions a crosstab may cross.
    singles: Vec<(String, String)>,
    row: String,
    col: String,
    crosstab: Option<CrosstabView>,
    crosstab_error: Option<String>,
    /// Column percentages asked for.
    pct_col: bool,
    /// The same for the link that switches weighted and unweighted.
    toggle_query: String,
    /// The completion period shown (`YYYY-MM-DD` or empty).
    from: String,
    to: String,
    /// What the period keeps, in words.
    period_note: Option<String>,
    /// Domains from the sample's frame: `(column, label)`.
    frame_domains: Vec<(String, String)>,
    /// The waves of the series `(survey, label, this one)`, when there are several.
    waves: Vec<(i64, String, bool)>,
    /// Whether the lines carry estimated numbers in the population.
    totals: bool,
}

fn pct(x: f64) -> String {
    format!("{:.1}", x * 100.0)
}

/// What every results view computes from: the live questionnaire, the completed interviews,
/// the weighting, and how (weighted when the interviews carry a design or the survey a
/// weighting, and the query does not say `0`).
struct Inputs {
    engine: std::sync::Arc<duluan_forms::Engine>,
    data: std::sync::Arc<model::Data>,
    has_design: bool,
    spec: model::weighting::Spec,
    settings: model::Settings,
    /// The completion period asked for.
    period: Period,
    /// The interviews it keeps (`None`: all): a domain of the whole design.
    within: Option<Vec<bool>>,
}

async fn inputs(state: &AppState, survey_id: i64, q: &ResultsQuery) -> AppResult<Inputs> {
    let version = live_version(&state.db, survey_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let engine = crate::surveys::media::results_engine(&state.db, &version).await?;
    let period = q.period()?;
    let data = interviews(state, survey_id).await?;
    let spec = store::weighting(&state.db, survey_id).await?;
    let has_design = data.has_design() || spec.active();
    let within = period_mask(&data, period);
    Ok(Inputs {
        engine,
        data,
        has_design,
        spec,
        period,
        within,
        settings: model::Settings {
            weighted: has_design && q.weighted.trim() != "0",
            k: state.config.results_min_cell as usize,
            level: 0.95,
            method: state.config.ci_method(),
            totals: false,
        },
    })
}

/// A count as people read it: rounded, thousands grouped (`12.345` in Vietnamese, `12,345` in
/// English).
fn count(x: f64, tr: crate::web::i18n::Tr) -> String {
    let digits = format!("{:.0}", x.round().abs());
    let sep = if tr.lang().code() == "vi" { '.' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    if x.round() < 0.0 {
        out.insert(0, '-');
    }
    out
}

fn line_view(kind: model::Kind, l: model::Line, tr: crate::web::i18n::Tr) -> LineView {
    let share = kind != model::Kind::Mean;
    let total = l
        .total
        .filter(|_| l.value.is_some())
        .map(|(t, lo, hi)| format!("{} ({}–{})", count(t, tr), count(lo, tr), count(hi, tr)));
    let f = |x: f64| if share { pct(x) } else { format!("{x:.2}") };
    LineView {
        label: match l.label.as_str() {
            model::MEAN if !share => tr.t("results-mean"),
            model::MEDIAN if !share => tr.t("results-median"),
            _ => l.label,
        },
        n: l.n,
        bar: match (share, l.value) {
            (true, Some((e, _, _))) => (e * 100.0).clamp(0.0, 100.0),
            _ => 0.0,
        },
        value: l.value.map(|(e, lo, hi)| (f(e), f(lo), f(hi))),
        deff: l.deff.map(|d| format!("{d:.2}")).unwrap_or_default(),
        total,
    }
}

fn kind_key(k: model::Kind) -> &'static str {
    match k {
        model::Kind::Single => "single",
        model::Kind::Multiple => "multiple",
        model::Kind::Mean => "mean",
    }
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
        data,
        has_design,
        spec,
        settings,
        period,
        within,
    } = inputs(&state, s.id, &q).await?;
    let frame_domains = frame_domains(&data, tr);
    let weighted = settings.weighted;
    let lang = tr.lang().code();
    let (row, col, by) = (
        q.row.trim().to_string(),
        q.col.trim().to_string(),
        q.by.trim().to_string(),
    );
    let asked = !row.is_empty() || !col.is_empty();
    let by_column = q.pct.trim() == "col";
    // Example open answers are individual words: for readers of interviews only.
    let can_rscript =
        crate::accounts::can(&state.db, &auth.user, Capability::ViewResponses, s.unit_id).await?;
    let (r2, c2, b2) = (row.clone(), col.clone(), by.clone());
    let spec2 = spec.clone();
    let form2 = form.clone();
    // The computation is CPU work on every interview: off the async workers.
    let frame_names: Vec<String> = frame_domains.iter().map(|f| f.0.clone()).collect();
    let done = tokio::task::spawn_blocking(move || {
        let f = form2.form();
        let prepared = model::prepare(&data, &spec2, settings.weighted)?;
        let settings = prepared.settings(settings, &data);
        let d = &prepared.design;
        let within = within.as_deref();
        // Column percentages are the row percentages of the crossing the other way round.
        let crossed = asked.then(|| {
            if by_column {
                model::crosstab(f, &data, d, &c2, &r2, settings, lang, within)
            } else {
                model::crosstab(f, &data, d, &r2, &c2, settings, lang, within)
            }
        });
        // Domains: a single choice, or what the frame says of each interview (its stratum,
        // unit or an attribute), each value a domain.
        let by_choices = if b2.is_empty() {
            None
        } else if frame_names.contains(&b2) {
            let values = data
                .frame_columns()
                .into_iter()
                .find(|c| c.0 == b2)
                .map(|c| c.1)
                .unwrap_or_default();
            Some((
                b2.clone(),
                values
                    .into_iter()
                    .map(|v| (v.to_string(), v.to_string()))
                    .collect::<Vec<_>>(),
            ))
        } else {
            model::single_choices(f, &b2, lang)
        };
        let (overall, by_results) = match &by_choices {
            Some((_, choices)) => {
                let by_col = data.column(&b2);
                let masks: Vec<Vec<bool>> = choices
                    .iter()
                    .map(|(name, _)| {
                        (0..data.n)
                            .map(|i| by_col.get(i) == name && within.is_none_or(|w| w[i]))
                            .collect()
                    })
                    .collect();
                let per = model::compute_by(f, &data, d, settings, lang, &masks)?;
                let cols: Vec<(String, usize)> = choices
                    .iter()
                    .zip(&masks)
                    .map(|((_, label), m)| (label.clone(), m.iter().filter(|b| **b).count()))
                    .collect();
                (
                    model::compute(f, &data, d, settings, lang, within)?,
                    Some((cols, per)),
                )
            }
            None => (model::compute(f, &data, d, settings, lang, within)?, None),
        };
        let open = model::open::summarise(f, &data, settings.k, lang, within, can_rscript);
        let kept = within.map_or(data.n, |w| w.iter().filter(|b| **b).count());
        Ok::<_, String>((
            open,
            overall,
            kept,
            by_results,
            by_choices.is_none() && !b2.is_empty(),
            model::single_questions(f, lang),
            crossed,
            prepared.weighting,
        ))
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("results: {e}")))?;
    let singles;
    let mut error = None;
    let mut weighting_error = None;
    let mut diagnostics = None;
    let mut questions = vec![];
    let mut interviews = 0;
    let mut by_columns = vec![];
    let mut crosstab = None;
    let mut crosstab_error = None;
    let mut likert = None;
    let mut open = vec![];
    match done {
        Err(e) => {
            error = Some(tr.ta("results-error", &[("detail", e)]));
            singles = vec![];
        }
        Ok((summaries, overall, n, by_results, bad_by, sq, crossed, w)) => {
            open = summaries;
            singles = sq;
            interviews = n;
            if bad_by {
                error = Some(tr.ta("results-crosstab-unknown", &[("name", by.clone())]));
            }
            match w {
                Some(Ok(diag)) => {
                    diagnostics = Some(weighting::diagnostics_view(&diag, &form, tr));
                }
                Some(Err(e)) => weighting_error = Some(weighting::error_text(&e, &form, tr)),
                None => {}
            }
            match crossed {
                None => {}
                Some(Ok(x)) => crosstab = Some(crosstab_view(x, by_column, tr)),
                Some(Err(e)) => {
                    crosstab_error = Some(match e.split_once(':') {
                        Some(("unknown", name)) => {
                            tr.ta("results-crosstab-unknown", &[("name", name.to_string())])
                        }
                        _ => tr.t("results-crosstab-same"),
                    })
                }
            }
            let mut per = by_results.map(|(cols, per)| {
                by_columns = cols;
                per
            });
            likert = chart_pages::likert_chart(form.form(), &overall, tr);
            for (j, r) in overall.into_iter().enumerate() {
                let chart = if r.lines.is_empty() {
                    String::new()
                } else {
                    chart_pages::question_chart(&r, tr)
                };
                let kind = r.kind;
                let mut by_lines: Vec<(String, Vec<Option<String>>)> = vec![];
                if let Some(per) = per.as_mut() {
                    let labels: Vec<String> = r
                        .lines
                        .iter()
                        .map(|l| line_view(kind, l.clone(), tr).label)
                        .collect();
                    for (li, label) in labels.into_iter().enumerate() {
                        let cells = per
                            .iter()
                            .map(|p| {
                                p[j].lines.get(li).cloned().and_then(|l| {
                                    let v = line_view(kind, l, tr);
                                    v.value.map(|(e, lo, hi)| format!("{e} ({lo}–{hi})"))
                                })
                            })
                            .collect();
                        by_lines.push((label, cells));
                    }
                }
                questions.push(QuestionView {
                    name: r.name,
                    label: r.label,
                    kind: kind_key(kind),
                    n: r.n,
                    lines: r
                        .lines
                        .into_iter()
                        .map(|l| line_view(kind, l, tr))
                        .collect(),
                    by_lines,
                    chart,
                });
            }
        }
    }
    let keep = q.keep(weighted, has_design, period);
    let totals = questions
        .iter()
        .any(|q| q.lines.iter().any(|l| l.total.is_some()));
    // The other waves of the series, to move between them with the same view.
    let series = waves::visible_waves(&state, &auth, &s).await?;
    let waves: Vec<(i64, String, bool)> = if series.len() > 1 {
        series
            .iter()
            .map(|w| (w.id, waves::wave_label(w, tr), w.id == s.id))
            .collect()
    } else {
        vec![]
    };
    let weighting_note = if !weighted {
        tr.t("results-unweighted")
    } else if spec.active() && weighting_error.is_none() {
        tr.ta(
            "results-weighted-population",
            &[
                ("method", weighting::method_text(spec.method, tr)),
                ("tables", spec.tables.len().to_string()),
            ],
        )
    } else {
        tr.t("results-weighted")
    };
    Ok(page(ResultsTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("results-title"), s.title)),
        survey_id: s.id,
        interviews,
        weighted,
        has_design,
        weighting_note,
        weighting_error,
        diagnostics,
        k: state.config.results_min_cell as usize,
        questions,
        error,
        singles,
        row,
        col,
        by,
        by_columns,
        likert,
        can_rscript,
        open,
        chart_query: if keep.is_empty() {
            String::new()
        } else {
            format!("?{keep}")
        },
        toggle_query: q.keep(!weighted, has_design, period),
        period_note: (period.0.is_some() || period.1.is_some()).then(|| {
            let day = |d: Option<chrono::NaiveDate>| {
                d.map_or("…".to_string(), |d| d.format("%d/%m/%Y").to_string())
            };
            tr.ta(
                "results-filter-note",
                &[("from", day(period.0)), ("to", day(period.1))],
            )
        }),
        from: period.0.map(|d| d.to_string()).unwrap_or_default(),
        to: period.1.map(|d| d.to_string()).unwrap_or_default(),
        frame_domains,
        waves,
        totals,
        crosstab,
        crosstab_error,
        pct_col: by_column,
    }))
}

fn crosstab_view(x: model::Crosstab, by_column: bool, tr: crate::web::i18n::Tr) -> CrosstabView {
    let cell = |l: &model::Line| {
        l.value
            .map(|(e, lo, hi)| format!("{} ({}–{})", pct(e), pct(lo), pct(hi)))
    };
    let (titles, columns, rows, column_n) = if by_column {
        // `x` crosses the column question by the row question: turn it back.
        let rows = x
            .columns
            .iter()
            .enumerate()
            .map(|(r, label)| {
                let n = x.rows.iter().map(|c| c.2.get(r).map_or(0, |l| l.n)).sum();
                let cells = x.rows.iter().map(|c| c.2.get(r).and_then(cell)).collect();
                (label.clone(), n, cells)
            })
            .collect();
        (
            (x.titles.1.clone(), x.titles.0.clone()),
            x.rows.iter().map(|c| c.0.clone()).collect(),
            rows,
            x.rows.iter().map(|c| c.1).collect(),
        )
    } else {
        let rows = x
            .rows
            .iter()
            .map(|(label, n, lines)| (label.clone(), *n, lines.iter().map(cell).collect()))
            .collect();
        (x.titles.clone(), x.columns.clone(), rows, vec![])
    };
    let columns = columns
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let n = column_n
                .get(i)
                .map_or(String::new(), |n| format!("n = {n}"));
            (c, n)
        })
        .collect();
    CrosstabView {
        titles,
        columns,
        rows,
        by_column,
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
