//! The responses browser for survey staff (*xem phiếu trả lời*): filter by status and day,
//! counts per day and per unit, one response with its answers, corrections checked by the
//! forms engine, deletion; every read of one response, every change and every deletion is
//! audited.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use duluan_forms::Record;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::collect::options;
use crate::surveys::model::{ResponseStatus, Survey, field_name, set_answer};
use crate::surveys::store::{self, ResponseFilter};
use crate::surveys::survey_for;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// Query of the browser.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

/// A response as a line.
pub struct Line {
    id: String,
    short: String,
    status: String,
    mode: String,
    started: String,
    completed: String,
}

#[derive(Template)]
#[template(path = "surveys/responses.html")]
struct ListTemplate {
    c: Chrome,
    id: i64,
    lines: Vec<Line>,
    total: i64,
    status: String,
    from: String,
    to: String,
    pages: Vec<(i64, bool)>,
    per_day: Vec<(String, i64, i64, usize)>,
    per_unit: Vec<(String, i64)>,
    error: Option<String>,
    anonymous: bool,
}

const PAGE: i64 = 50;

fn date_arg(s: &str) -> Result<Option<NaiveDate>, ()> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ())
}

/// `GET /surveys/{id}/responses`: the browser.
pub async fn list_responses(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewResponses).await?;
    let tr = auth.ctx.tr;
    let mut error = None;
    let (from, to) = match (date_arg(&q.from), date_arg(&q.to)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            error = Some(tr.t("surveys-error-date"));
            (None, None)
        }
    };
    let status = crate::kit::bounds::parse_choice(&q.status, ResponseStatus::parse)?;
    // An anonymous survey's unfinished responses still carry their token or device link and
    // their exact times; listing them next to the complete ones would let staff pair the two
    // (same answers, new id). Staff see complete responses only, and only their day.
    let status = if s.anonymous {
        Some(ResponseStatus::Complete)
    } else {
        status
    };
    let filter = ResponseFilter { status, from, to };
    let page_no = i64::from(crate::kit::bounds::PageNo::parse(&q.page)?.get());
    let (rows, total) =
        store::list_responses(&state.db, id, &filter, PAGE, (page_no - 1) * PAGE).await?;
    let mut per_day: Vec<(String, i64, i64, usize)> = Vec::new();
    for (day, st, n) in store::count_per_day(&state.db, id).await? {
        if per_day.last().map(|d| d.0 != day).unwrap_or(true) {
            per_day.push((day.clone(), 0, 0, 0));
        }
        let last = per_day.last_mut().unwrap();
        if st == ResponseStatus::Complete {
            last.1 += n
        } else {
            last.2 += n
        }
    }
    let max = per_day.iter().map(|d| d.1 + d.2).max().unwrap_or(1).max(1);
    for d in &mut per_day {
        d.3 = (((d.1 + d.2) * 20) / max) as usize;
    }
    let units = store::count_per_unit(&state.db, id).await?;
    let ids: Vec<i64> = units.iter().filter_map(|u| u.0).collect();
    let names = crate::orgs::unit_names(&state.db, &ids).await?;
    let per_unit = units
        .iter()
        .map(|(u, n)| {
            let name = u
                .and_then(|u| names.iter().find(|(i, _)| *i == u).map(|(_, n)| n.clone()))
                .unwrap_or_else(|| "—".into());
            (name, *n)
        })
        .collect();
    let time_format = if s.anonymous {
        "%d/%m/%Y"
    } else {
        "%d/%m/%Y %H:%M"
    };
    let fmt = |t: chrono::DateTime<Utc>| t.format(time_format).to_string();
    Ok(page(ListTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("surveys-responses"), s.title)),
        id,
        lines: rows
            .iter()
            .map(|r| Line {
                id: r.id.clone(),
                short: r.id.chars().take(8).collect(),
                status: tr.t(&r.status.label_key()),
                mode: r.mode.key().to_string(),
                started: fmt(r.started_at),
                completed: r.completed_at.map(fmt).unwrap_or_default(),
            })
            .collect(),
        total,
        status: q.status.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        pages: (1..=(total + PAGE - 1) / PAGE)
            .map(|p| (p, p == page_no))
            .collect(),
        per_day,
        per_unit,
        error,
        anonymous: s.anonymous,
    }))
}

/// One answer as shown and edited.
pub struct AnswerLine {
    field: String,
    label: String,
    name: String,
    value: String,
    shown: String,
    error: Option<String>,
    /// An open answer typed without marks, with its marks restored by the machine.
    restored: Option<String>,
}

#[derive(Template)]
#[template(path = "surveys/response.html")]
struct ResponseTemplate {
    c: Chrome,
    id: i64,
    rid: String,
    status: String,
    answers: Vec<AnswerLine>,
    error: Option<String>,
    /// Files that came with the interview (`(name, content type, size in KiB)`).
    files: Vec<(String, String, i64)>,
}

/// The files of a response, sizes in KiB (rounded up).
async fn files_of(state: &AppState, rid: &str) -> AppResult<Vec<(String, String, i64)>> {
    Ok(crate::surveys::openrosa::list_files(&state.db, rid)
        .await?
        .into_iter()
        .map(|(n, t, size)| (n, t, (size + 1023) / 1024))
        .collect())
}

async fn load(
    state: &AppState,
    s: &Survey,
    rid: &str,
) -> AppResult<(store::ResponseRow, std::sync::Arc<duluan_forms::Engine>)> {
    let row = store::find_response(&state.db, rid)
        .await?
        .filter(|r| r.survey_id == s.id)
        // Unfinished anonymous responses are not for staff eyes (see `list_responses`).
        .filter(|r| !(s.anonymous && r.status != ResponseStatus::Complete))
        .ok_or(AppError::NotFound)?;
    let version = store::find_version(&state.db, row.version_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        row,
        crate::surveys::media::engine_of(&state.db, &version).await?,
    ))
}

/// The answers as the response page shows them; open answers typed without marks get a
/// restored reading, by the deployment's adapted model once there is one.
fn answer_lines(
    state: &AppState,
    engine: &duluan_forms::Engine,
    answers: &Record,
    tr: crate::web::i18n::Tr,
    issues: bool,
) -> Vec<AnswerLine> {
    let restorer = state.monitoring.adapted_restorer();
    let eval = engine.evaluate(answers, &options(tr));
    eval.questions
        .iter()
        .filter(|q| q.relevant && q.kind.is_input())
        .map(|q| {
            let shown = if q.choices.is_empty() {
                q.value.clone()
            } else {
                q.value
                    .split(' ')
                    .filter(|v| !v.is_empty())
                    .map(|v| {
                        q.choices
                            .iter()
                            .find(|c| c.name == v)
                            .map(|c| format!("{v} — {}", c.label))
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let mut name = q.name.clone();
            for i in &q.instance {
                name.push_str(&format!("[{}]", i + 1));
            }
            // Open answers are short (a questionnaire's text field): restored in place.
            let restored = (matches!(q.kind, duluan_forms::QuestionType::Text)
                && q.value.len() <= 2_000)
                .then(|| crate::kit::text::reading_now(restorer.as_deref(), &q.value))
                .flatten();
            AnswerLine {
                restored,
                field: field_name(&q.name, &q.instance),
                label: q.label.clone(),
                name,
                value: q.value.clone(),
                shown,
                error: if issues {
                    q.issue.as_ref().map(|i| i.message.clone())
                } else {
                    None
                },
            }
        })
        .collect()
}

/// `GET /surveys/{id}/responses/{rid}`: one response (the read is audited).
pub async fn show_response(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, rid)): Path<(i64, String)>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewResponses).await?;
    let (row, engine) = load(&state, &s, &rid).await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "survey.response.view",
        "survey_response",
        &rid,
        Some(s.unit_id),
        json!({"survey": id}),
    )
    .await?;
    let answers: Record = serde_json::from_str(&row.data).unwrap_or_default();
    Ok(page(ResponseTemplate {
        c: auth.ctx.chrome("surveys-response"),
        id,
        status: auth.ctx.tr.t(&row.status.label_key()),
        answers: answer_lines(&state, &engine, &answers, auth.ctx.tr, false),
        files: files_of(&state, &rid).await?,
        rid,
        error: None,
    }))
}

/// `POST /surveys/{id}/responses/{rid}`: a correction; a complete response stays valid (the
/// forms engine checks it) or nothing is saved.
pub async fn update_response(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, rid)): Path<(i64, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewResponses).await?;
    let (row, engine) = load(&state, &s, &rid).await?;
    let tr = auth.ctx.tr;
    let mut answers: Record = serde_json::from_str(&row.data).unwrap_or_default();
    let before = engine.evaluate(&answers, &options(tr));
    let mut changed = Vec::new();
    for q in before
        .questions
        .iter()
        .filter(|q| q.relevant && q.kind.is_input())
    {
        let field = field_name(&q.name, &q.instance);
        let values: Vec<&str> = fields
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, v)| v.trim())
            .collect();
        if values.is_empty() {
            continue;
        }
        let value = if q.kind.is_select_multiple() {
            values
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            values.join(" ")
        };
        let value: String =
            unicode_normalization::UnicodeNormalization::nfc(value.as_str()).collect();
        if value != q.value {
            // Which answer changed, never its old or new value: answers stay in the response
            // tables, where the survey's own rules (anonymity, deletion, scope) apply to them.
            changed.push(json!({"question": q.name, "instance": q.instance}));
            set_answer(&mut answers, engine.form(), &q.name, &q.instance, value);
        }
    }
    let after = engine.evaluate(&answers, &options(tr));
    if row.status == ResponseStatus::Complete && !after.is_complete() {
        let mut r = page(ResponseTemplate {
            c: auth.ctx.chrome("surveys-response"),
            id,
            status: tr.t(&row.status.label_key()),
            answers: answer_lines(&state, &engine, &answers, tr, true),
            files: files_of(&state, &rid).await?,
            rid,
            error: Some(tr.t("surveys-error-invalid-edit")),
        });
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let record = if row.status == ResponseStatus::Complete {
        &after.record
    } else {
        &answers
    };
    let data = serde_json::to_string(record).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = state.db.begin().await?;
    store::update_response_data(&mut tx, &rid, &data, Utc::now()).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "survey.response.update",
        "survey_response",
        &rid,
        Some(s.unit_id),
        json!({"survey": id, "changes": changed}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{id}/responses/{rid}")).into_response())
}

/// `POST /surveys/{id}/responses/{rid}/delete`: deletes a response (audited).
pub async fn delete_response(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, rid)): Path<(i64, String)>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewResponses).await?;
    let (row, _) = load(&state, &s, &rid).await?;
    let mut tx = state.db.begin().await?;
    store::delete_response(&mut tx, &rid).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "survey.response.delete",
        "survey_response",
        &rid,
        Some(s.unit_id),
        json!({"survey": id, "status": row.status.key()}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{id}/responses")).into_response())
}
