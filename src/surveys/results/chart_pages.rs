//! The results' charts on the pages and as files: a chart per question (shares with their
//! intervals, or mean and median), one stacked chart of the questionnaire's Likert questions
//! that share a scale, and a chart per question across waves — inline SVG on the pages, and
//! `GET /surveys/{id}/results/charts/{name}.svg|png` and
//! `GET /surveys/{id}/results/waves/charts/{name}.svg|png` as downloads (PNG drawn by
//! `duluan-render` off the async workers). Charts are drawn from the same figures as the page,
//! so a hidden cell is hidden in them too.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use duluan_forms::check::CheckedForm;

use super::charts::{self, Bar, Locale, Scale};
use super::model::{self, Kind, QuestionResult};
use super::{Inputs, ResultsQuery, inputs};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::survey_for;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;

/// The chart name of the stacked Likert chart.
pub const LIKERT: &str = "likert";

/// How the charts write numbers in the user's language.
pub fn locale(tr: Tr) -> Locale {
    Locale {
        decimal_comma: tr.lang().code() == "vi",
        hidden: tr.t("results-suppressed"),
    }
}

/// The chart of one question's figures.
pub fn question_chart(r: &QuestionResult, tr: Tr) -> String {
    let loc = locale(tr);
    let hidden = tr.t("results-chart-hidden");
    let lines: Vec<Bar> = r
        .lines
        .iter()
        .map(|l| Bar {
            label: match l.key.as_str() {
                model::MEAN if r.kind == Kind::Mean => tr.t("results-mean"),
                model::MEDIAN if r.kind == Kind::Mean => tr.t("results-median"),
                _ => l.label.clone(),
            },
            value: l.value,
            note: Some(if l.value.is_some() {
                format!("n = {}", l.n)
            } else {
                hidden.clone()
            }),
        })
        .collect();
    match r.kind {
        Kind::Mean => charts::means(&r.label, &lines, &loc),
        _ => charts::bars(&r.label, &lines, &loc),
    }
}

/// The stacked chart of the single-choice questions shown as a Likert scale that share the
/// most common choice list (at least two of them), if any.
pub fn likert_chart(form: &CheckedForm, results: &[QuestionResult], tr: Tr) -> Option<String> {
    let lang = tr.lang().code();
    let mut by_list: std::collections::BTreeMap<usize, Vec<&QuestionResult>> = Default::default();
    for r in results
        .iter()
        .filter(|r| r.kind == Kind::Single && !r.lines.is_empty())
    {
        let &id = form.by_name.get(&r.name)?;
        let node = &form.nodes[id as usize];
        let likert = form
            .question(id)
            .and_then(|q| q.appearance.as_deref())
            .is_some_and(|a| a.contains("likert"));
        if let (true, Some(list)) = (likert, node.list) {
            by_list.entry(list).or_default().push(r);
        }
    }
    let (list, rows) = by_list.into_iter().max_by_key(|(_, v)| v.len())?;
    if rows.len() < 2 {
        return None;
    }
    let fallback = form.form.default_language.as_deref();
    let categories: Vec<String> = form
        .form
        .choices
        .get(list)?
        .choices
        .iter()
        .map(|c| c.label.get(lang, fallback).unwrap_or(&c.name).to_string())
        .collect();
    let rows: Vec<(String, Vec<Option<f64>>)> = rows
        .iter()
        .map(|r| {
            (
                r.label.clone(),
                r.lines.iter().map(|l| l.value.map(|v| v.0)).collect(),
            )
        })
        .collect();
    Some(charts::stacked(
        &tr.t("results-likert-title"),
        &categories,
        &rows,
        &locale(tr),
    ))
}

/// The chart of one question across waves: a line per choice (or mean and median).
pub fn waves_chart(
    title: &str,
    share: bool,
    wave_labels: &[String],
    lines: &[(String, Vec<model::waves::WaveCell>)],
    tr: Tr,
) -> String {
    let series: Vec<(String, Vec<Option<charts::Estimate>>)> = lines
        .iter()
        .map(|(label, cells)| {
            (
                label.clone(),
                cells
                    .iter()
                    .map(|(l, _)| l.as_ref().and_then(|l| l.value))
                    .collect(),
            )
        })
        .collect();
    charts::waves(
        title,
        wave_labels,
        &series,
        if share { Scale::Share } else { Scale::Mean },
        &locale(tr),
    )
}

/// A chart as a download: `name.svg`, or `name.png` drawn at twice its size.
pub async fn file_response(svg: String, file: &str, stem: &str) -> AppResult<Response> {
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if file.ends_with(".png") {
        let png = tokio::task::spawn_blocking(move || duluan_render::svg_to_png(&svg, 2.0))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("chart: {e}")))?
            .map_err(|e| AppError::Internal(anyhow::anyhow!("chart: {e}")))?;
        return Ok((
            [
                (header::CONTENT_TYPE, "image/png".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{safe}.png\""),
                ),
            ],
            png,
        )
            .into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}.svg\""),
            ),
        ],
        svg,
    )
        .into_response())
}

/// `name` of `name.svg` / `name.png`; a 404 for anything else.
pub fn chart_name(file: &str) -> AppResult<&str> {
    file.strip_suffix(".svg")
        .or_else(|| file.strip_suffix(".png"))
        .filter(|n| !n.is_empty())
        .ok_or(AppError::NotFound)
}

/// `GET /surveys/{id}/results/charts/{file}`: a question's chart (or `likert`) as on the page.
pub async fn download_chart(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, file)): Path<(i64, String)>,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewSurveyResults).await?;
    let tr = auth.ctx.tr;
    let name = chart_name(&file)?.to_string();
    let Inputs {
        engine,
        data,
        spec,
        settings,
        within,
        ..
    } = inputs(&state, s.id, &q).await?;
    let lang = tr.lang().code();
    let e2 = engine.clone();
    let results = tokio::task::spawn_blocking(move || {
        let prepared = model::prepare(&data, &spec, settings.weighted)?;
        let settings = prepared.settings(settings, &data);
        model::compute(
            e2.form(),
            &data,
            &prepared.design,
            settings,
            lang,
            within.as_deref(),
        )
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("chart: {e}")))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!("chart: {e}")))?;
    let svg = if name == LIKERT {
        likert_chart(engine.form(), &results, tr).ok_or(AppError::NotFound)?
    } else {
        let r = results
            .iter()
            .find(|r| r.name == name && !r.lines.is_empty())
            .ok_or(AppError::NotFound)?;
        question_chart(r, tr)
    };
    file_response(svg, &file, &format!("duluan-{}-{name}", s.id)).await
}
