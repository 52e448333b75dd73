//! Training's pages: the courses with the form that creates one, one course with its sessions,
//! enrolment, attendance and completion (`sessions` holds the sessions' actions, `materials`
//! the files'), and the coverage of the network (`coverage`).

pub mod coverage;
pub mod materials;
pub mod sessions;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::accounts::model::{Capability, CurrentUser};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::training::actions;
use crate::training::model::{CourseDraft, check_course};
use crate::training::store::{self, Course, NewCourse};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The capabilities that read training.
pub(crate) const READ: [Capability; 2] = [Capability::ManageCollaborators, Capability::ViewReports];

pub(crate) fn today() -> NaiveDate {
    crate::kit::time::vn_date(Utc::now())
}

pub(crate) fn parse_day(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
}

/// The courses page.
#[derive(Template)]
#[template(path = "training/list.html")]
pub struct ListTemplate {
    c: Chrome,
    courses: Vec<(i64, String, String, String)>,
    units: Vec<(i64, String)>,
    f: CourseForm,
    errors: Vec<(&'static str, String)>,
}

impl ListTemplate {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The course form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CourseForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    trainer: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    description: String,
}

async fn list_page(
    state: &AppState,
    auth: &Auth,
    f: CourseForm,
    errors: Vec<(&'static str, &'static str)>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = crate::kit::scope::require_roots(&auth.user, &READ)?;
    let units = crate::orgs::subtree_ids(&state.db, &roots).await?;
    let courses = store::list_courses(&state.db, &units).await?;
    let ids: Vec<i64> = courses.iter().map(|c| c.unit_id).collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(&state.db, &ids)
        .await?
        .into_iter()
        .collect();
    let manage = auth.user.roots_with(Capability::ManageCollaborators);
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let mut response = page(ListTemplate {
        c: auth.ctx.chrome("training-title"),
        courses: courses
            .into_iter()
            .map(|c| {
                (
                    c.id,
                    c.title,
                    format!(
                        "{} – {}",
                        c.starts_on.format("%d/%m/%Y"),
                        c.ends_on.format("%d/%m/%Y")
                    ),
                    names.get(&c.unit_id).cloned().unwrap_or_default(),
                )
            })
            .collect(),
        units: crate::orgs::units_near(&state.db, &manage, 1)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect(),
        errors: errors.into_iter().map(|(f, k)| (f, tr.t(k))).collect(),
        f,
    });
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /training`.
pub async fn list_courses(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    list_page(&state, &auth, CourseForm::default(), vec![]).await
}

/// `POST /training`: creates a course; with an error, the page again with what was typed.
pub async fn create_course(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<CourseForm>,
) -> AppResult<Response> {
    crate::kit::scope::require_roots(&auth.user, &[Capability::ManageCollaborators])?;
    let unit_id = crate::kit::bounds::parse_id(&f.unit)?
        .ok_or(AppError::BadRequest("training-error-unit"))?;
    crate::accounts::require(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        unit_id,
    )
    .await?;
    let d = CourseDraft {
        title: crate::kit::text::one_line(&f.title),
        trainer: crate::kit::text::one_line(&f.trainer),
        place: crate::kit::text::one_line(&f.place),
        starts_on: parse_day(&f.starts_on),
        ends_on: parse_day(&f.ends_on),
        description: crate::kit::text::free_text(&f.description),
    };
    let errors = check_course(&d);
    let (Some(starts_on), Some(ends_on)) = (d.starts_on, d.ends_on) else {
        return list_page(&state, &auth, f, errors).await;
    };
    if !errors.is_empty() {
        return list_page(&state, &auth, f, errors).await;
    }
    let id = actions::create_course(
        &state.db,
        &auth.ctx.actor(),
        &NewCourse {
            unit_id,
            title: &d.title,
            trainer: &d.trainer,
            place: &d.place,
            starts_on,
            ends_on,
            description: &d.description,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/training/{id}?ok=created")).into_response())
}

/// A participant as shown.
pub struct ParticipantLine {
    id: i64,
    who: String,
    staff: bool,
    attended: bool,
    /// How many of the course's sessions they attended.
    sessions_attended: usize,
    completed_on: String,
}

/// A session as shown: trainer and place are the course's when the session has none.
pub struct SessionLine {
    id: i64,
    day: String,
    held_on: String,
    starts_at: String,
    topic: String,
    trainer: String,
    place: String,
    own_trainer: String,
    own_place: String,
    present: Vec<i64>,
    future: bool,
}

impl SessionLine {
    fn has(&self, participant: &i64) -> bool {
        self.present.contains(participant)
    }
}

/// The course page.
#[derive(Template)]
#[template(path = "training/course.html")]
pub struct CourseTemplate {
    c: Chrome,
    course: Course,
    unit: String,
    days: String,
    participants: Vec<ParticipantLine>,
    sessions: Vec<SessionLine>,
    session_form: sessions::SessionForm,
    first_day: String,
    last_day: String,
    materials: Vec<(i64, String, String)>,
    completed: usize,
    manage: bool,
    pseudonyms: Vec<String>,
    today: String,
    errors: Vec<String>,
    flash: Option<String>,
}

/// The page's flash.
#[derive(Debug, Default, Deserialize)]
pub struct FlashQuery {
    #[serde(default)]
    ok: String,
}

pub(crate) async fn course_for(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(Course, bool)> {
    let course = store::find_course(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let manage = crate::accounts::can(
        &state.db,
        user,
        Capability::ManageCollaborators,
        course.unit_id,
    )
    .await?;
    if !manage
        && !crate::accounts::can(&state.db, user, Capability::ViewReports, course.unit_id).await?
    {
        return Err(AppError::NotFound);
    }
    Ok((course, manage))
}

async fn course_page(
    state: &AppState,
    auth: &Auth,
    course: Course,
    manage: bool,
    errors: Vec<String>,
    flash: Option<String>,
) -> AppResult<Response> {
    course_page_with(
        state,
        auth,
        course,
        manage,
        errors,
        flash,
        sessions::SessionForm::default(),
    )
    .await
}

/// The course page, with the new session's form as typed.
pub(crate) async fn course_page_with(
    state: &AppState,
    auth: &Auth,
    course: Course,
    manage: bool,
    errors: Vec<String>,
    flash: Option<String>,
    session_form: sessions::SessionForm,
) -> AppResult<Response> {
    let db = &state.db;
    let participants = store::list_participants(db, course.id).await?;
    let attendance = store::list_attendance(db, course.id).await?;
    let today = today();
    let session_lines: Vec<SessionLine> = store::list_sessions(db, course.id)
        .await?
        .into_iter()
        .map(|s| SessionLine {
            id: s.id,
            day: s.held_on.format("%d/%m/%Y").to_string(),
            held_on: s.held_on.format("%Y-%m-%d").to_string(),
            starts_at: s.starts_at.unwrap_or_default(),
            trainer: if s.trainer.is_empty() {
                course.trainer.clone()
            } else {
                s.trainer.clone()
            },
            place: if s.place.is_empty() {
                course.place.clone()
            } else {
                s.place.clone()
            },
            topic: s.topic,
            own_trainer: s.trainer,
            own_place: s.place,
            present: attendance
                .iter()
                .filter(|(session, _)| *session == s.id)
                .map(|(_, p)| *p)
                .collect(),
            future: s.held_on > today,
        })
        .collect();
    let collaborator_ids: Vec<i64> = participants
        .iter()
        .filter_map(|p| p.collaborator_id)
        .collect();
    let pseudonyms: HashMap<i64, String> =
        crate::collaborators::pseudonyms_of(db, &collaborator_ids)
            .await?
            .into_iter()
            .collect();
    let user_ids: Vec<i64> = participants.iter().filter_map(|p| p.user_id).collect();
    let names = crate::accounts::display_names(db, &user_ids).await?;
    let lines: Vec<ParticipantLine> = participants
        .iter()
        .map(|p| ParticipantLine {
            id: p.id,
            who: match (p.collaborator_id, p.user_id) {
                (Some(c), _) => pseudonyms.get(&c).cloned().unwrap_or_default(),
                (None, Some(u)) => names.get(&u).cloned().unwrap_or_default(),
                _ => String::new(),
            },
            staff: p.user_id.is_some(),
            attended: p.attended,
            sessions_attended: attendance.iter().filter(|(_, a)| *a == p.id).count(),
            completed_on: p
                .completed_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        })
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let mut response = page(CourseTemplate {
        c: auth.ctx.chrome_titled(course.title.clone()),
        unit: crate::orgs::unit_names(db, &[course.unit_id])
            .await?
            .pop()
            .map(|u| u.1)
            .unwrap_or_default(),
        days: format!(
            "{} – {}",
            course.starts_on.format("%d/%m/%Y"),
            course.ends_on.format("%d/%m/%Y")
        ),
        completed: lines.iter().filter(|l| !l.completed_on.is_empty()).count(),
        materials: store::list_materials(db, course.id)
            .await?
            .into_iter()
            .map(|m| (m.id, m.file_name, format!("{} KB", (m.size + 1023) / 1024)))
            .collect(),
        participants: lines,
        sessions: session_lines,
        session_form,
        first_day: course.starts_on.format("%Y-%m-%d").to_string(),
        last_day: course.ends_on.format("%Y-%m-%d").to_string(),
        pseudonyms: if manage {
            crate::collaborators::briefings::active_pseudonyms(db, course.unit_id).await?
        } else {
            vec![]
        },
        manage,
        today: course.ends_on.min(today).format("%Y-%m-%d").to_string(),
        errors,
        flash,
        course,
    });
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /training/{id}`.
pub async fn show_course(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> AppResult<Response> {
    let (course, manage) = course_for(&state, &auth.user, id).await?;
    let flash = [
        "created",
        "enrolled",
        "recorded",
        "material",
        "session-added",
        "session-saved",
        "session-removed",
        "attendance",
    ]
    .into_iter()
    .find(|k| *k == q.ok)
    .map(|k| auth.ctx.tr.t(&format!("training-flash-{k}")));
    course_page(&state, &auth, course, manage, vec![], flash).await
}

/// `POST /training/{id}/enrol`: collaborators ticked or typed by code, staff by login.
pub async fn enrol(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let (course, manage) = course_for(&state, &auth.user, id).await?;
    if !manage {
        return Err(AppError::Forbidden);
    }
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut wanted: Vec<String> = vec![];
    for p in fields
        .iter()
        .filter(|(k, _)| k == "collaborator")
        .map(|(_, v)| v.as_str())
        .chain(get("collaborators").split(|c: char| c.is_whitespace() || c == ',' || c == ';'))
        .map(|p| p.trim().to_uppercase())
        .filter(|p| !p.is_empty())
    {
        if !wanted.contains(&p) {
            wanted.push(p);
        }
    }
    let mut errors = vec![];
    let collaborators = match crate::collaborators::briefings::resolve_attendees(
        &state.db,
        course.unit_id,
        None,
        &wanted,
        tr,
    )
    .await?
    {
        Ok(ids) => ids,
        Err(messages) => {
            errors.extend(messages);
            vec![]
        }
    };
    let mut users = vec![];
    for login in get("staff")
        .split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match crate::accounts::user_id_by_name(&state.db, &login.to_lowercase()).await? {
            Some(u) => users.push(u),
            None => errors.push(tr.ta("training-error-login", &[("login", login.to_string())])),
        }
    }
    if collaborators.is_empty() && users.is_empty() && errors.is_empty() {
        errors.push(tr.t("training-error-nobody"));
    }
    if !errors.is_empty() {
        return course_page(&state, &auth, course, manage, errors, None).await;
    }
    actions::enrol(
        &state.db,
        &auth.ctx.actor(),
        &course,
        &collaborators,
        &users,
    )
    .await?;
    Ok(Redirect::to(&format!("/training/{id}?ok=enrolled")).into_response())
}

/// `POST /training/{id}/record`: for each participant, `attended-{p}` and `completed-{p}` (a
/// day, empty when not completed). A course with sessions takes no `attended-{p}` (it follows
/// the sessions' attendance) and refuses a completion to someone who attended none of them.
pub async fn record(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let (course, manage) = course_for(&state, &auth.user, id).await?;
    if !manage {
        return Err(AppError::Forbidden);
    }
    let participants = store::list_participants(&state.db, id).await?;
    let with_sessions = !store::list_sessions(&state.db, id).await?.is_empty();
    let attendance = store::list_attendance(&state.db, id).await?;
    let mut rows = vec![];
    let mut errors = vec![];
    for p in &participants {
        let attended = (!with_sessions).then(|| {
            fields
                .iter()
                .any(|(k, _)| *k == format!("attended-{}", p.id))
        });
        let raw = fields
            .iter()
            .find(|(k, _)| *k == format!("completed-{}", p.id))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        let completed = if raw.is_empty() {
            None
        } else {
            match parse_day(&raw).filter(|d| *d <= today() && *d >= course.starts_on) {
                Some(d) => Some(d),
                None => {
                    errors.push(tr.ta("training-error-completed", &[("day", raw.clone())]));
                    None
                }
            }
        };
        if completed.is_some() && with_sessions && !attendance.iter().any(|(_, a)| *a == p.id) {
            let who = participant_name(&state, p).await?;
            errors.push(tr.ta("training-error-completed-absent", &[("who", who)]));
        }
        rows.push((p.id, attended, completed));
    }
    if !errors.is_empty() {
        return course_page(&state, &auth, course, manage, errors, None).await;
    }
    actions::record(&state.db, &auth.ctx.actor(), &course, &rows).await?;
    Ok(Redirect::to(&format!("/training/{id}?ok=recorded")).into_response())
}

/// How a participant is named on the pages: a collaborator by pseudonym, staff by name.
pub(crate) async fn participant_name(
    state: &AppState,
    p: &store::Participant,
) -> AppResult<String> {
    Ok(match (p.collaborator_id, p.user_id) {
        (Some(c), _) => crate::collaborators::pseudonyms_of(&state.db, &[c])
            .await?
            .pop()
            .map(|x| x.1)
            .unwrap_or_default(),
        (None, Some(u)) => crate::accounts::display_names(&state.db, &[u])
            .await?
            .remove(&u)
            .unwrap_or_default(),
        _ => String::new(),
    })
}
