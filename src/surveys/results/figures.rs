//! The results page's figures for other contexts (the documents' survey report and synthesis,
//! the leaders' dashboard) and for the CSV export: computed the same way as the page, with the
//! same rule of small cells, so that nothing published outside the page shows what it hides.

use super::{Inputs, ResultsQuery, inputs, model};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::i18n::Tr;

/// A survey's figures over its whole fieldwork.
#[derive(Clone, Debug)]
pub struct Figures {
    /// Weighted by the design and the weighting (when the interviews carry a design).
    pub weighted: bool,
    /// Confidence level of the intervals (0.95).
    pub level: f64,
    /// Smallest cell shown.
    pub k: usize,
    /// Completed interviews.
    pub interviews: usize,
    /// One per question, in questionnaire order; suppressed cells have no value.
    pub results: Vec<model::QuestionResult>,
    /// The chart of each question (SVG, same order), drawn from the same figures.
    pub charts: Vec<String>,
}

/// The figures of the results page for `q`, computed off the async workers; `lang` names the
/// labels' language. Returns the figures and whether they are weighted.
pub(super) async fn compute(
    state: &AppState,
    survey_id: i64,
    q: &ResultsQuery,
    lang: &'static str,
) -> AppResult<(Vec<model::QuestionResult>, model::Settings, usize)> {
    let Inputs {
        engine,
        data,
        spec,
        settings,
        within,
        ..
    } = inputs(state, survey_id, q).await?;
    tokio::task::spawn_blocking(move || {
        let prepared = model::prepare(&data, &spec, settings.weighted)?;
        let settings = prepared.settings(settings, &data);
        let n = within
            .as_ref()
            .map_or(data.n, |w| w.iter().filter(|x| **x).count());
        model::compute(
            engine.form(),
            &data,
            &prepared.design,
            settings,
            lang,
            within.as_deref(),
        )
        .map(|r| (r, settings, n))
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("results: {e}")))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!("results: {e}")))
}

/// The figures of survey `survey_id` (its published version, every completed interview,
/// weighted when it can be), labels and charts in `tr`'s language. The caller checks that the
/// reader may see the survey's results.
pub async fn figures(state: &AppState, survey_id: i64, tr: Tr) -> AppResult<Figures> {
    let (results, settings, interviews) =
        compute(state, survey_id, &ResultsQuery::default(), tr.lang().code()).await?;
    let charts = results
        .iter()
        .map(|r| super::chart_pages::question_chart(r, tr))
        .collect();
    Ok(Figures {
        weighted: settings.weighted,
        level: settings.level,
        k: settings.k,
        interviews,
        results,
        charts,
    })
}

impl Figures {
    /// The questions that say something about opinion, in questionnaire order, for a summary
    /// that cannot show them all: single- or multiple-choice questions with some shown figure
    /// whose intervals are not all of zero width (a question the weighting calibrates to the
    /// population, such as sex or age group, is known exactly and says nothing about opinion);
    /// questions that share their choices with two others (a rating scale) first.
    pub fn opinion_questions(&self) -> Vec<&model::QuestionResult> {
        let informative = |r: &&model::QuestionResult| {
            r.kind != model::Kind::Mean
                && r.lines.iter().any(|l| l.value.is_some())
                && !r
                    .lines
                    .iter()
                    .filter_map(|l| l.value)
                    .all(|v| (v.2 - v.1).abs() < 1e-9)
        };
        fn signature(r: &model::QuestionResult) -> Vec<&str> {
            r.lines.iter().map(|l| l.key.as_str()).collect()
        }
        let mut scales = vec![];
        let mut others = vec![];
        for r in self.results.iter().filter(informative) {
            let sig = signature(r);
            let shared = self
                .results
                .iter()
                .filter(|o| o.lines.len() > 1 && signature(o) == sig)
                .count();
            if shared >= 3 {
                scales.push(r);
            } else {
                others.push(r);
            }
        }
        scales.extend(others);
        scales
    }
}

/// A survey's figure for one question as evidence for another context (a hot spot): the
/// survey's unit and a label with the question's shown shares (at most four, small cells
/// hidden as on the results page), when the survey exists, `user` may read its results there
/// and it has the question; with an empty `question`, the survey itself.
pub async fn figure_brief(
    state: &AppState,
    user: &crate::accounts::model::CurrentUser,
    survey_id: i64,
    question: &str,
    tr: Tr,
) -> AppResult<Option<(i64, String)>> {
    use crate::accounts::model::Capability;
    let Some(s) = crate::surveys::find_survey(&state.db, survey_id).await? else {
        return Ok(None);
    };
    if !crate::accounts::can(&state.db, user, Capability::ViewSurveyResults, s.unit_id).await? {
        return Ok(None);
    }
    if question.is_empty() {
        return Ok(Some((s.unit_id, s.title)));
    }
    // A survey with no completed interview has no figure to cite.
    if crate::surveys::complete_count(&state.db, survey_id).await? == 0 {
        return Ok(None);
    }
    let f = figures(state, survey_id, tr).await?;
    let Some(r) = f.results.iter().find(|r| r.name == question) else {
        return Ok(None);
    };
    let shown: Vec<String> = r
        .lines
        .iter()
        .filter_map(|l| l.value.map(|v| (l, v)))
        .take(4)
        .map(|(l, (est, lo, hi))| {
            if r.kind == model::Kind::Mean {
                format!("{}: {est:.2} ({lo:.2}–{hi:.2})", l.label)
            } else {
                format!(
                    "{}: {:.0}% ({:.0}–{:.0}%)",
                    l.label,
                    est * 100.0,
                    lo * 100.0,
                    hi * 100.0
                )
            }
        })
        .collect();
    Ok(Some((
        s.unit_id,
        format!(
            "{} — {} (n = {}): {}",
            s.title,
            r.label,
            r.n,
            shown.join("; ")
        ),
    )))
}
