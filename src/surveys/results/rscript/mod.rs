//! Reproducible in R (*tái lập bằng R*): `GET /surveys/{id}/results.R.zip`, a ZIP of the
//! interviews the results page computes from (`data.csv`), the population tables it is weighted
//! to (`population_1.csv` …) and an R script (`results.R`) that recomputes every figure of the
//! page with R's `survey` package and writes them to `r_results.csv`, at full precision.
//!
//! The script follows `model` step by step: the design of `model::design` (`svydesign` with the
//! design weights and strata, or equal weights), the weighting of `model::weighting::apply`
//! (`postStratify`, `rake`, `calibrate` on the same model matrix, `trimWeights`) only where the
//! page's weighting succeeded, then per question the domain of the answered interviews as a
//! `subset` of the whole design (within the completion period asked for), shares with
//! `svyciprop` (the deployment's method) or the exact interval the page shows where everyone
//! answered alike, each choice's number in the population with `svytotal` where the weights
//! stand for one, means with `svymean` and t intervals, medians with `svyquantile`
//! (`qrule = "math"`, Woodruff). It computes every figure, hidden or not: the
//! small-cell rule is the page's business, and the data are row-level anyway.
//!
//! Row-level data: the download takes `ViewResponses` besides `ViewSurveyResults` and is audited
//! (`survey.results_r`). Only the questions the page covers are written (no free text).
//!
//! Nothing typed by a person reaches the script as code: variable names are written in backticks
//! only when they are plain ASCII names (any other gets an alias, `.q3`, set by position), choice
//! names and levels only inside escaped R string literals (non-ASCII as `\u{…}`, so that the
//! script parses the same in any locale), labels and the title only in comments, themselves
//! written as escaped string literals (no line break or bidirectional control gets through).
//!
//! Layout: this file is the route and the bundle; `data.rs` writes the CSV files, `script.rs` the
//! R code, `tests.rs` checks both.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use duluan_forms::check::CheckedForm;
use duluan_stats::Factor;
use serde_json::json;

use super::model::weighting::{Method, PopTable, RAKE_EPSILON, RAKE_MAXIT, Spec};
use super::model::{self, Data, Kind, Settings};
use super::{Inputs, ResultsQuery, inputs};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::kit::csv::{is_plain_number, text_cell};
use crate::surveys::survey_for;
use crate::web::ctx::Auth;

/// `GET /surveys/{id}/results.R.zip` (`?weighted=0` as the page): the data, the population
/// tables and the R script of the page's figures.
pub async fn download_rscript(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewSurveyResults).await?;
    // Row-level data: what the responses browser and the exports require.
    crate::accounts::require(&state.db, &auth.user, Capability::ViewResponses, s.unit_id).await?;
    let Inputs {
        engine,
        data,
        spec,
        settings,
        period,
        ..
    } = inputs(&state, s.id, &q).await?;
    let n = data.n;
    let about = About {
        survey_id: s.id,
        title: s.title.clone(),
        lang: auth.ctx.tr.lang().code(),
        period,
    };
    let zip =
        tokio::task::spawn_blocking(move || bundle(engine.form(), &data, &spec, settings, &about))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("results.R.zip: {e}")))?
            .map_err(|e| match e {
                BundleError::Unsupported => AppError::BadRequest("results-r-unsupported"),
                BundleError::Write(e) => AppError::Internal(anyhow::anyhow!("results.R.zip: {e}")),
            })?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "survey.results_r",
        "survey",
        &s.id.to_string(),
        Some(s.unit_id),
        json!({"interviews": n, "weighted": settings.weighted}),
    )
    .await?;
    let disposition = format!("attachment; filename=\"duluan-results-{}-R.zip\"", s.id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        zip,
    )
        .into_response())
}

/// What the script's comments say about the survey.
pub struct About {
    /// The survey.
    pub survey_id: i64,
    /// Its title (a comment only).
    pub title: String,
    /// The language of the labels in comments.
    pub lang: &'static str,
    /// The completion period the page was filtered to.
    pub period: super::Period,
}

/// Why no bundle was written.
#[derive(Debug)]
pub enum BundleError {
    /// A name, level or answer that R cannot hold (a NUL character).
    Unsupported,
    /// Writing the archive failed.
    Write(String),
}

impl From<std::io::Error> for BundleError {
    fn from(e: std::io::Error) -> Self {
        BundleError::Write(e.to_string())
    }
}

impl From<zip::result::ZipError> for BundleError {
    fn from(e: zip::result::ZipError) -> Self {
        BundleError::Write(e.to_string())
    }
}

impl From<csv::Error> for BundleError {
    fn from(e: csv::Error) -> Self {
        BundleError::Write(e.to_string())
    }
}

/// One covered question as the script sees it.
struct Question {
    name: String,
    /// How the script names its column (`` `age` `` or `` `.q3` ``).
    code: String,
    label: String,
    kind: Kind,
    /// `(name, label)` of its choices.
    choices: Vec<(String, String)>,
    /// Whether the page shows its figures (else it is only a population table's variable that
    /// the live questionnaire no longer covers).
    figures: bool,
}

/// The ZIP: `data.csv`, `population_{k}.csv` when weighted to population tables, `results.R`.
pub fn bundle(
    form: &CheckedForm,
    data: &Data,
    spec: &Spec,
    settings: Settings,
    about: &About,
) -> Result<Vec<u8>, BundleError> {
    let mut questions = questions(form, about.lang);
    // The design exactly as `model::design` builds it, and the weighting only where the page's
    // succeeded (a failed one leaves the page on the design weights).
    let uses_design = settings.weighted && data.has_design();
    let weighting = if settings.weighted && spec.active() && data.n >= 2 {
        match model::prepare(data, spec, true).map(|p| p.weighting) {
            Ok(Some(Ok(_))) => Weighting::Applied,
            _ => Weighting::Failed,
        }
    } else {
        Weighting::None
    };
    if weighting == Weighting::Applied {
        for v in spec.tables.iter().flat_map(|t| &t.variables) {
            if !questions.iter().any(|q| q.name == *v) {
                questions.push(Question {
                    name: v.clone(),
                    code: column_code(v, questions.len() + 1),
                    label: v.clone(),
                    kind: Kind::Single,
                    choices: vec![],
                    figures: false,
                });
            }
        }
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("data.csv", options)?;
    write_data(&mut zip, data, &questions, uses_design)?;
    if weighting == Weighting::Applied {
        for (k, t) in spec.tables.iter().enumerate() {
            zip.start_file(format!("population_{}.csv", k + 1), options)?;
            write_population(&mut zip, t)?;
        }
    }
    // Numbers in the population where the page shows them.
    let settings = Settings {
        totals: settings.weighted && (data.has_design() || weighting == Weighting::Applied),
        ..settings
    };
    let script = script(
        data,
        spec,
        settings,
        about,
        &questions,
        uses_design,
        weighting,
    )?;
    zip.start_file("results.R", options)?;
    zip.write_all(script.as_bytes())?;
    Ok(zip.finish()?.into_inner())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Weighting {
    None,
    Applied,
    Failed,
}

fn text(t: &duluan_forms::model::Text, lang: &str, fallback: Option<&str>, name: &str) -> String {
    t.get(lang, fallback).unwrap_or(name).to_string()
}

/// The covered questions in questionnaire order (`model::covered`), each variable once.
fn questions(form: &CheckedForm, lang: &str) -> Vec<Question> {
    let fallback = form.form.default_language.as_deref();
    let mut out: Vec<Question> = Vec::new();
    for (i, kind) in model::covered(form) {
        let Some(q) = form.question(i as u32) else {
            continue;
        };
        if out.iter().any(|x| x.name == q.name) {
            continue;
        }
        let choices = form.nodes[i]
            .list
            .and_then(|l| form.form.choices.get(l))
            .map(|l| {
                l.choices
                    .iter()
                    .map(|c| (c.name.clone(), text(&c.label, lang, fallback, &c.name)))
                    .collect()
            })
            .unwrap_or_default();
        out.push(Question {
            name: q.name.clone(),
            code: column_code(&q.name, out.len() + 1),
            label: text(&q.label, lang, fallback, &q.name),
            kind,
            choices,
            figures: true,
        });
    }
    out
}

/// How the script names the column of variable `name`, the `j`-th: `` `name` `` when plain,
/// else `` `.qj` ``.
fn column_code(name: &str, j: usize) -> String {
    if is_plain_name(name) {
        format!("`{name}`")
    } else {
        format!("`.q{j}`")
    }
}

/// A name written as is (in backticks) into R code: an ASCII letter or `_`, then ASCII letters,
/// digits, `_`, `.` or `-`. Anything else gets an alias.
fn is_plain_name(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b.first(), Some(c) if c.is_ascii_alphabetic() || *c == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

mod data;
mod script;
#[cfg(test)]
mod tests;

use data::*;
use script::*;
