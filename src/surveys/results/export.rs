//! The figures of the results page as CSV: the same rule of small cells (an export of
//! aggregates publishes nothing the page hides), labels neutralised against formula injection.
//! Numbers with 6 decimals, or `?precision=full` at full precision (the shortest form that reads
//! back as the same number), for comparisons such as the R script's (`rscript/`).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{ResultsQuery, model};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::survey_for;
use crate::web::ctx::Auth;

/// How many digits the numbers get.
#[derive(Debug, Default, Deserialize)]
pub struct Precision {
    /// `full`: every digit needed to read the same number back; otherwise 6 decimals.
    #[serde(default)]
    precision: String,
}

/// `GET /surveys/{id}/results.csv`: the page's figures as a table, each row a line of a
/// question, suppressed cells empty and flagged (the same rule as the page: an export of
/// aggregates publishes nothing the page hides), each choice's estimated number in the
/// population where the weights stand for one, over the period asked for.
pub async fn export_results(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
    Query(p): Query<Precision>,
) -> AppResult<Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let s = survey_for(&state.db, &auth, id, Capability::ViewSurveyResults).await?;
    let tr = auth.ctx.tr;
    let lang = tr.lang().code();
    let (results, settings, _) = super::figures::compute(&state, s.id, &q, lang).await?;
    let weighted = settings.weighted;
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
        "total",
        "total_lower",
        "total_upper",
    ])
    .map_err(csv_err)?;
    let w = if weighted { "1" } else { "0" };
    let full = p.precision == "full";
    let num = |x: f64| {
        if full {
            format!("{x}")
        } else {
            format!("{x:.6}")
        }
    };
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
                "",
                "",
                "",
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
            // The number in the population, where the weights stand for one.
            let (t, tlo, thi) = match (l.value, l.total) {
                (Some(_), Some((t, lo, hi))) => (num(t), num(lo), num(hi)),
                _ => Default::default(),
            };
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
                &t,
                &tlo,
                &thi,
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
