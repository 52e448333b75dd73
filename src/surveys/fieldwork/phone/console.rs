//! The interviewer console (`/interviewer`): the telephone queues of the surveys in the
//! interviewer's scope, "next case" (one case claimed atomically), and the case page: the
//! telephone number (each read audited), previous attempts, the questionnaire in interviewer
//! wording through the respondent engine (a response in mode `phone` linked to the case), and
//! the outcome of the attempt. Each page answered extends the claim. Laid out for a phone as well
//! as a desktop.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use duluan_forms::{Engine, Mode};
use serde::Deserialize;
use serde_json::json;

use super::{Outcome, Settings, is_final};
use crate::accounts::model::Capability;
use crate::accounts::require;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::kit::scope;
use crate::surveys::fieldwork::quotas::live;
use crate::surveys::fieldwork::quotas::pages::{QuotaView, question_dims, quota_views};
use crate::surveys::fieldwork::store;
use crate::surveys::live_version;
use crate::surveys::model::{CollectionMode, Disposition, Survey};
use crate::surveys::respondent::{self, StepView, parse_record, record_json};
use crate::surveys::store as sstore;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// A survey's queue as listed.
pub struct QueueLine {
    id: i64,
    title: String,
    open: i64,
    claimed: i64,
    hours: String,
    held: Option<i64>,
}

#[derive(Template)]
#[template(path = "surveys/fieldwork/phone/console.html")]
struct ConsoleTemplate {
    c: Chrome,
    queues: Vec<QueueLine>,
    flash: Option<String>,
}

/// The console's query: a notice after an action.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ConsoleQuery {
    /// `empty`, `hours`, `done`, `saved`.
    #[serde(default)]
    pub note: String,
}

/// `GET /interviewer`: the telephone queues in the interviewer's scope.
pub async fn show_console(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ConsoleQuery>,
) -> AppResult<Response> {
    scope::require_roots(&auth.user, &[Capability::Interview])?;
    let tr = auth.ctx.tr;
    let now = Utc::now();
    let all = store::phone_surveys(&state.db, now).await?;
    let units: Vec<i64> = all.iter().map(|s| s.2).collect();
    let allowed = scope::filter(&state.db, &auth.user, &[Capability::Interview], &units).await?;
    let mut queues = Vec::new();
    for (id, title, unit, open, claimed) in all {
        if !allowed.contains(&unit) {
            continue;
        }
        let s = store::phone_settings(&state.db, id).await?;
        queues.push(QueueLine {
            id,
            title,
            open,
            claimed,
            hours: format!("{}:00–{}:00", s.hours_from, s.hours_to),
            held: store::held_claim(&state.db, id, auth.user.id, now).await?,
        });
    }
    let flash = match q.note.as_str() {
        "empty" | "hours" | "done" | "saved" | "quota" => {
            Some(tr.t(&format!("phone-note-{}", q.note)))
        }
        _ => None,
    };
    Ok(page(ConsoleTemplate {
        c: auth.ctx.chrome("phone-console-title"),
        queues,
        flash,
    }))
}

/// The survey `id` if the user may interview for it.
async fn interview_survey(state: &AppState, auth: &Auth, id: i64) -> AppResult<Survey> {
    let s = sstore::find_survey(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::Interview, s.unit_id).await?;
    Ok(s)
}

/// `POST /interviewer/surveys/{id}/next`: the case the interviewer already holds, or the next
/// one of the queue claimed for them.
pub async fn next_case(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = interview_survey(&state, &auth, id).await?;
    let now = Utc::now();
    if let Some(cid) = store::held_claim(&state.db, s.id, auth.user.id, now).await? {
        return Ok(Redirect::to(&format!("/interviewer/cases/{cid}")).into_response());
    }
    let settings = store::phone_settings(&state.db, s.id).await?;
    if !settings.within_hours(now) {
        return Ok(Redirect::to("/interviewer?note=hours").into_response());
    }
    match store::claim_next(&state.db, s.id, auth.user.id, settings, now).await? {
        Some(cid) => Ok(Redirect::to(&format!("/interviewer/cases/{cid}")).into_response()),
        None => Ok(Redirect::to("/interviewer?note=empty").into_response()),
    }
}

/// The case `cid` if the user holds its claim now, with its survey and calling rules.
async fn held_case(
    state: &AppState,
    auth: &Auth,
    cid: i64,
) -> AppResult<(store::PhoneCase, Survey, Settings)> {
    let case = store::find_phone_case(&state.db, cid)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = interview_survey(state, auth, case.survey_id).await?;
    let holds = case.mode == CollectionMode::Phone
        && case.released_at.is_some()
        && case.assigned_to == Some(auth.user.id)
        && case.claim_expires_at.is_some_and(|t| t >= Utc::now());
    if !holds {
        return Err(AppError::Conflict("phone-error-not-held"));
    }
    let settings = store::phone_settings(&state.db, s.id).await?;
    Ok((case, s, settings))
}

#[derive(Template)]
#[template(path = "surveys/fieldwork/phone/case.html")]
struct CaseTemplate {
    c: Chrome,
    tr: Tr,
    case_id: i64,
    survey_title: String,
    phone: Option<String>,
    attempts: i64,
    max_attempts: i64,
    disposition: String,
    appointment: String,
    /// `(when, outcome, disposition, note)`.
    history: Vec<(String, String, String, String)>,
    step: Option<StepView>,
    outcomes: Vec<(String, String)>,
    /// The survey's quotas, for the interviewer to skip full cells.
    quotas: Vec<QuotaView>,
    /// The quota whose full cell this case is in already, if any.
    quota_full: Option<String>,
}

pub(super) fn interviewer_options(tr: Tr) -> duluan_forms::Options {
    let mut o = respondent::options(tr);
    o.mode = Mode::Interviewer;
    o
}

/// The case's response so far, with its engine (the live version when none started).
async fn case_response(
    state: &AppState,
    s: &Survey,
    cid: i64,
) -> AppResult<(Option<sstore::ResponseRow>, std::sync::Arc<Engine>, i64)> {
    if let Some(row) = sstore::find_partial_for_case(&state.db, cid).await? {
        let version = sstore::find_version(&state.db, row.version_id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok((
            Some(row),
            crate::surveys::media::engine_of(&state.db, &version).await?,
            version.id,
        ));
    }
    let version = live_version(&state.db, s.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let engine = crate::surveys::media::engine_of(&state.db, &version).await?;
    crate::surveys::refuse_encrypted(&engine)?;
    Ok((None, engine, version.id))
}

#[allow(clippy::too_many_arguments)]
async fn render_case(
    state: &AppState,
    auth: &Auth,
    case: &store::PhoneCase,
    s: &Survey,
    settings: Settings,
    step: Option<StepView>,
    answers: &duluan_forms::Record,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    require(&state.db, &auth.user, Capability::ReadContacts, s.unit_id).await?;
    let quota_list = store::list_quotas(&state.db, s.id).await?;
    let quota_full = if quota_list.is_empty() || case.disposition == Disposition::Complete {
        None
    } else {
        live::screen(&state.db, s.id, Some(case.id), answers)
            .await?
            .map(|sc| sc.quota)
    };
    let quotas = quota_views(&quota_list, &question_dims(&state.db, s, tr).await?, tr);
    // The read is recorded before the number is shown.
    audit::entry(&auth.ctx.actor(), "survey.contact_read")
        .object("survey_case", case.id)
        .unit(s.unit_id)
        .detail(json!({"survey": s.id, "mode": "phone"}))
        .write_alone(&state.db)
        .await?;
    let phone = store::find_contact(&state.db, case.id)
        .await?
        .and_then(|c| c.phone);
    let history = store::list_events(&state.db, case.id)
        .await?
        .into_iter()
        .map(|e| {
            (
                crate::kit::time::show(e.at),
                match e.outcome.as_deref().and_then(Outcome::parse) {
                    Some(o) => tr.t(&o.label_key()),
                    None => tr.t(&format!("fieldwork-event-{}", e.kind)),
                },
                e.disposition
                    .map(|d| format!("{} {}", d.key(), tr.t(&d.label_key())))
                    .unwrap_or_default(),
                e.note,
            )
        })
        .collect();
    let outcomes = Outcome::ALL
        .iter()
        .filter(|o| **o != Outcome::Completed)
        .map(|o| (o.key().to_string(), tr.t(&o.label_key())))
        .collect();
    let mut r = page(CaseTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} #{}", tr.t("phone-case-title"), case.id)),
        tr,
        case_id: case.id,
        survey_title: s.title.clone(),
        phone,
        attempts: case.attempts,
        max_attempts: settings.max_attempts,
        disposition: format!(
            "{} {}",
            case.disposition.key(),
            tr.t(&case.disposition.label_key())
        ),
        appointment: case
            .appointment_at
            .map(crate::kit::time::show)
            .unwrap_or_default(),
        history,
        step,
        outcomes,
        quotas,
        quota_full,
    });
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

/// `GET /interviewer/cases/{cid}`: the case held by the interviewer.
pub async fn show_case(
    State(state): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
) -> AppResult<Response> {
    let (case, s, settings) = held_case(&state, &auth, cid).await?;
    let mut answers = duluan_forms::Record::new();
    let step = if case.disposition == Disposition::Complete {
        None
    } else {
        let (row, engine, _) = case_response(&state, &s, cid).await?;
        answers = row
            .as_ref()
            .map(|r| parse_record(&r.data))
            .unwrap_or_default();
        let page_id = row.map(|r| r.page).unwrap_or_default();
        Some(respondent::show(
            &engine,
            &answers,
            &page_id,
            false,
            &interviewer_options(auth.ctx.tr),
        ))
    };
    render_case(&state, &auth, &case, &s, settings, step, &answers).await
}

/// `POST /interviewer/cases/{cid}/answers`: one page of the questionnaire; a completed
/// questionnaire completes the response, sets the case 1.1 and records the attempt.
pub async fn step_case(
    State(state): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (case, s, settings) = held_case(&state, &auth, cid).await?;
    let now = Utc::now();
    // Every page answered keeps the case for the interviewer a while longer.
    store::extend_claim(
        &state.db,
        cid,
        auth.user.id,
        now + chrono::Duration::minutes(super::CLAIM_MINUTES),
    )
    .await?;
    let (mut row, mut engine, version_id) = case_response(&state, &s, cid).await?;
    if row.is_none() {
        let id = uuid::Uuid::new_v4().to_string();
        // The case keeps its disposition while the interview runs (a partial is not final
        // here: if the claim lapses, the case goes back to the queue with its answers); the
        // attempt's outcome sets it.
        sstore::insert_case_partial(
            &state.db,
            &sstore::NewResponse {
                id: &id,
                survey_id: s.id,
                version_id,
                case_id: Some(cid),
                resume_hash: None,
                mode: CollectionMode::Phone,
                unit_id: Some(s.unit_id),
            },
            "",
            "{}",
            false,
            now,
        )
        .await?;
        let (r, e, _) = case_response(&state, &s, cid).await?;
        row = r;
        engine = e;
    }
    let Some(row) = row else {
        return Err(AppError::Conflict("phone-error-not-held"));
    };
    let mut answers = parse_record(&row.data);
    let opts = interviewer_options(auth.ctx.tr);
    let outcome = respondent::step(&engine, &mut answers, &fields, &opts);
    let current = match &outcome {
        respondent::Outcome::Complete(record) => record,
        respondent::Outcome::Show { .. } => &answers,
    };
    // A full quota cell ends the interview: the attempt is recorded "quota full" (4.80).
    if let Some(sc) = live::screen(&state.db, s.id, Some(cid), current).await? {
        sstore::update_partial(&state.db, &row.id, &row.page, &record_json(current), now).await?;
        record_outcome(
            &state,
            &auth,
            &case,
            &s,
            settings,
            Outcome::QuotaFull,
            None,
            &sc.quota,
        )
        .await?;
        return Ok(Redirect::to("/interviewer?note=quota").into_response());
    }
    match outcome {
        respondent::Outcome::Complete(record) => {
            sstore::complete_response(&state.db, &row.id, &record_json(&record), false, now)
                .await?;
            live::count_completion(&state.db, s.id, Some(cid), &record).await?;
            record_outcome(
                &state,
                &auth,
                &case,
                &s,
                settings,
                Outcome::Completed,
                None,
                "",
            )
            .await?;
            Ok(Redirect::to("/interviewer?note=done").into_response())
        }
        respondent::Outcome::Show { page, issues, .. } => {
            sstore::update_partial(&state.db, &row.id, &page, &record_json(&answers), now).await?;
            let step = respondent::show(&engine, &answers, &page, issues, &opts);
            let case = store::find_phone_case(&state.db, cid)
                .await?
                .ok_or(AppError::NotFound)?;
            render_case(&state, &auth, &case, &s, settings, Some(step), &answers).await
        }
    }
}

/// Records an attempt (with the final event when it reaches the maximum) and its audit entry in
/// one transaction.
#[allow(clippy::too_many_arguments)]
async fn record_outcome(
    state: &AppState,
    auth: &Auth,
    case: &store::PhoneCase,
    s: &Survey,
    settings: Settings,
    outcome: Outcome,
    appointment: Option<DateTime<Utc>>,
    note: &str,
) -> AppResult<()> {
    let now = Utc::now();
    let d = outcome.disposition();
    let mut tx = state.db.begin().await?;
    let attempts = store::record_attempt(
        &mut tx,
        case.id,
        auth.user.id,
        outcome.key(),
        d,
        appointment,
        note,
        now,
    )
    .await?
    .ok_or(AppError::Conflict("phone-error-not-held"))?;
    if !is_final(d) && attempts >= settings.max_attempts {
        store::add_event(
            &mut tx,
            case.id,
            now,
            "final",
            CollectionMode::Phone,
            None,
            Some(d),
            None,
            "",
        )
        .await?;
    }
    audit::entry(&auth.ctx.actor(), "survey.phone_attempt")
        .object("survey_case", case.id)
        .unit(s.unit_id)
        .detail(json!({"survey": s.id, "outcome": outcome.key(), "disposition": d.key()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The outcome form.
#[derive(Clone, Debug, Deserialize)]
pub struct OutcomeForm {
    /// Outcome key.
    #[serde(default)]
    pub outcome: String,
    /// Appointment, `YYYY-MM-DDTHH:MM` in Vietnam time.
    #[serde(default)]
    pub appointment: String,
    /// Note (no respondent data).
    #[serde(default)]
    pub note: String,
}

/// `POST /interviewer/cases/{cid}/outcome`: the outcome of this attempt.
pub async fn record_attempt(
    State(state): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
    Form(f): Form<OutcomeForm>,
) -> AppResult<Response> {
    let (case, s, settings) = held_case(&state, &auth, cid).await?;
    let outcome = Outcome::parse(f.outcome.trim())
        .filter(|o| *o != Outcome::Completed)
        .ok_or(AppError::BadRequest("phone-error-outcome"))?;
    let appointment = if outcome == Outcome::Appointment {
        let at = NaiveDateTime::parse_from_str(f.appointment.trim(), "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|t| t.and_local_timezone(crate::kit::time::vn_offset()).single())
            .map(|t| t.with_timezone(&Utc))
            .ok_or(AppError::BadRequest("phone-error-appointment"))?;
        Some(at)
    } else {
        None
    };
    let note = crate::kit::text::one_line(&f.note);
    let note: String = note.chars().take(500).collect();
    record_outcome(
        &state,
        &auth,
        &case,
        &s,
        settings,
        outcome,
        appointment,
        &note,
    )
    .await?;
    Ok(Redirect::to("/interviewer?note=saved").into_response())
}
