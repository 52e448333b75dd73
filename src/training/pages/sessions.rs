//! A course's sessions (*buổi học*) on its page: added, changed and removed by the course's
//! keepers, each within the course's days, and who of the enrolled attended each, ticked on a
//! phone.

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::training::actions;
use crate::training::model::{MAX_SESSIONS, SessionDraft, check_session, parse_time};
use crate::training::pages::{course_for, course_page_with, parse_day, participant_name, today};
use crate::training::store::{self, Course, Participant, SessionFields};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;

/// The session form (add and edit).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    pub(crate) held_on: String,
    #[serde(default)]
    pub(crate) starts_at: String,
    #[serde(default)]
    pub(crate) topic: String,
    #[serde(default)]
    pub(crate) trainer: String,
    #[serde(default)]
    pub(crate) place: String,
}

/// The form cleaned and checked: the session's fields, or the messages, each naming its field.
fn checked(f: &SessionForm, course: &Course, tr: Tr) -> Result<SessionDraft, Vec<String>> {
    let time = parse_time(&f.starts_at);
    let d = SessionDraft {
        held_on: parse_day(&f.held_on),
        starts_at: time.ok().flatten(),
        bad_time: time.is_err(),
        topic: crate::kit::text::one_line(&f.topic),
        trainer: crate::kit::text::one_line(&f.trainer),
        place: crate::kit::text::one_line(&f.place),
    };
    let errors = check_session(&d, course.starts_on, course.ends_on);
    if errors.is_empty() {
        return Ok(d);
    }
    Err(errors
        .into_iter()
        .map(|(field, key)| {
            let message = tr.ta(
                key,
                &[
                    ("from", course.starts_on.format("%d/%m/%Y").to_string()),
                    ("to", course.ends_on.format("%d/%m/%Y").to_string()),
                ],
            );
            format!("{}: {message}", tr.t(&format!("training-session-{field}")))
        })
        .collect())
}

/// The messages for participants with a completion day who would be left with no session
/// attended, given who attends what after the change (`(session, participant)`).
async fn completed_without_sessions(
    state: &AppState,
    tr: Tr,
    participants: &[Participant],
    attendance_after: &[(i64, i64)],
) -> AppResult<Vec<String>> {
    let mut errors = vec![];
    for p in participants.iter().filter(|p| p.completed_on.is_some()) {
        if !attendance_after.iter().any(|(_, a)| *a == p.id) {
            let who = participant_name(state, p).await?;
            errors.push(tr.ta("training-error-completed-needs", &[("who", who)]));
        }
    }
    Ok(errors)
}

/// `POST /training/{id}/sessions`: a new session of the course.
pub async fn add_session(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<SessionForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let (course, manage) = course_for(&state, &auth.user, id).await?;
    if !manage {
        return Err(AppError::Forbidden);
    }
    let d = match checked(&f, &course, tr) {
        Ok(d) => d,
        Err(errors) => {
            return course_page_with(&state, &auth, course, manage, errors, None, f).await;
        }
    };
    if store::list_sessions(&state.db, id).await?.len() >= MAX_SESSIONS {
        let e = tr.ta(
            "training-error-sessions-full",
            &[("max", MAX_SESSIONS.to_string())],
        );
        return course_page_with(&state, &auth, course, manage, vec![e], None, f).await;
    }
    let time = d.starts_at.map(|t| t.format("%H:%M").to_string());
    actions::add_session(
        &state.db,
        &auth.ctx.actor(),
        &course,
        &session_fields(&d, time.as_deref()),
    )
    .await?;
    Ok(Redirect::to(&format!("/training/{id}?ok=session-added#sessions")).into_response())
}

fn session_fields<'a>(d: &'a SessionDraft, time: Option<&'a str>) -> SessionFields<'a> {
    SessionFields {
        held_on: d.held_on.unwrap_or_default(),
        starts_at: time,
        topic: &d.topic,
        trainer: &d.trainer,
        place: &d.place,
    }
}

/// `POST /training/{id}/sessions/{session}`: changes a session.
pub async fn edit_session(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, session)): Path<(i64, i64)>,
    Form(f): Form<SessionForm>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let (course, manage) = course_for(&state, &auth.user, id).await?;
    if !manage {
        return Err(AppError::Forbidden);
    }
    let before = store::find_session(&state.db, id, session)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = match checked(&f, &course, tr) {
        Ok(d) => d,
        Err(errors) => {
            let errors = errors
                .into_iter()
                .map(|e| {
                    format!(
                        "{} {e}",
                        tr.ta(
                            "training-session-of",
                            &[("day", before.held_on.format("%d/%m/%Y").to_string())]
                        )
                    )
                })
                .collect();
            return course_page_with(
                &state,
                &auth,
                course,
                manage,
                errors,
                None,
                SessionForm::default(),
            )
            .await;
        }
    };
    let time = d.starts_at.map(|t| t.format("%H:%M").to_string());
    if !actions::edit_session(
        &state.db,
        &auth.ctx.actor(),
        &course,
        &before,
        &session_fields(&d, time.as_deref()),
    )
    .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/training/{id}?ok=session-saved#sessions")).into_response())
}

/// `POST /training/{id}/sessions/{session}/remove`: removes a session and its attendance, unless
/// that leaves someone with a completion day with no session attended while others remain.
pub async fn remove_session(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, session)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (course, manage) = course_for(&state, &auth.user, id).await?;
    if !manage {
        return Err(AppError::Forbidden);
    }
    let sessions = store::list_sessions(&state.db, id).await?;
    if !sessions.iter().any(|s| s.id == session) {
        return Err(AppError::NotFound);
    }
    // While other sessions remain, who completed the course keeps one attended.
    if sessions.len() > 1 {
        let participants = store::list_participants(&state.db, id).await?;
        let after: Vec<(i64, i64)> = store::list_attendance(&state.db, id)
            .await?
            .into_iter()
            .filter(|(s, _)| *s != session)
            .collect();
        let errors = completed_without_sessions(&state, auth.ctx.tr, &participants, &after).await?;
        if !errors.is_empty() {
            return course_page_with(
                &state,
                &auth,
                course,
                manage,
                errors,
                None,
                SessionForm::default(),
            )
            .await;
        }
    }
    if !actions::remove_session(&state.db, &auth.ctx.actor(), &course, session).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/training/{id}?ok=session-removed#sessions")).into_response())
}

/// `POST /training/{id}/sessions/{session}/attendance`: `present` once for each participant
/// (by id) who attended; the others did not. Only the course's participants, only for a
/// session held by today, and never leaving someone with a completion day with no session
/// attended.
pub async fn record_attendance(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, session)): Path<(i64, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let (course, manage) = course_for(&state, &auth.user, id).await?;
    if !manage {
        return Err(AppError::Forbidden);
    }
    let session = store::find_session(&state.db, id, session)
        .await?
        .ok_or(AppError::NotFound)?;
    let participants = store::list_participants(&state.db, id).await?;
    let enrolled: Vec<i64> = participants.iter().map(|p| p.id).collect();
    let mut present = vec![];
    let mut errors = vec![];
    for (_, raw) in fields.iter().filter(|(k, _)| k == "present") {
        match raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|p| enrolled.contains(p))
        {
            Some(p) if !present.contains(&p) => present.push(p),
            Some(_) => {}
            None => {
                errors.push(tr.t("training-error-not-enrolled"));
                break;
            }
        }
    }
    if !present.is_empty() && session.held_on > today() {
        errors.push(tr.ta(
            "training-error-session-future",
            &[("day", session.held_on.format("%d/%m/%Y").to_string())],
        ));
    }
    if errors.is_empty() {
        // Who completed the course keeps at least one session attended.
        let mut after: Vec<(i64, i64)> = store::list_attendance(&state.db, id)
            .await?
            .into_iter()
            .filter(|(s, _)| *s != session.id)
            .collect();
        after.extend(present.iter().map(|p| (session.id, *p)));
        errors = completed_without_sessions(&state, tr, &participants, &after).await?;
    }
    if !errors.is_empty() {
        return course_page_with(
            &state,
            &auth,
            course,
            manage,
            errors,
            None,
            SessionForm::default(),
        )
        .await;
    }
    actions::record_attendance(&state.db, &auth.ctx.actor(), &course, &session, &present).await?;
    Ok(Redirect::to(&format!(
        "/training/{id}?ok=attendance#session-{}",
        session.id
    ))
    .into_response())
}
