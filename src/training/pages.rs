//! Training's pages: the courses with the form that creates one, one course with enrolment,
//! attendance and completion, and the coverage of the network.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::accounts::model::{Capability, CurrentUser};
use crate::app::AppState;
use crate::collaborators::model::Dimension;
use crate::error::{AppError, AppResult};
use crate::training::actions;
use crate::training::model::{CourseDraft, DEFAULT_MONTHS, check_course, trained_lately};
use crate::training::store::{self, Course, NewCourse};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// The capabilities that read training.
const READ: [Capability; 2] = [Capability::ManageCollaborators, Capability::ViewReports];

fn today() -> NaiveDate {
    crate::kit::time::vn_date(Utc::now())
}

fn parse_day(raw: &str) -> Option<NaiveDate> {
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
    completed_on: String,
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

async fn course_for(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<(Course, bool)> {
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
    let db = &state.db;
    let participants = store::list_participants(db, course.id).await?;
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
        pseudonyms: if manage {
            crate::collaborators::briefings::active_pseudonyms(db, course.unit_id).await?
        } else {
            vec![]
        },
        manage,
        today: course.ends_on.min(today()).format("%Y-%m-%d").to_string(),
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
    let flash = ["created", "enrolled", "recorded", "material"]
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
/// day, empty when not completed).
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
    let mut rows = vec![];
    let mut errors = vec![];
    for p in &participants {
        let attended = fields
            .iter()
            .any(|(k, _)| *k == format!("attended-{}", p.id));
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
        rows.push((p.id, attended, completed));
    }
    if !errors.is_empty() {
        return course_page(&state, &auth, course, manage, errors, None).await;
    }
    actions::record(&state.db, &auth.ctx.actor(), &course, &rows).await?;
    Ok(Redirect::to(&format!("/training/{id}?ok=recorded")).into_response())
}

/// One group of the coverage: a unit or an attribute value.
pub struct CoverageLine {
    name: String,
    total: usize,
    lately: usize,
    never: usize,
}

/// The coverage page.
#[derive(Template)]
#[template(path = "training/coverage.html")]
pub struct CoverageTemplate {
    c: Chrome,
    units: Vec<(i64, String)>,
    unit_id: i64,
    months: u32,
    dimensions: Vec<(&'static str, String)>,
    by: &'static str,
    by_unit: Vec<CoverageLine>,
    by_value: Vec<CoverageLine>,
    total: usize,
    lately: usize,
    not_lately: Vec<(String, String, String)>,
}

/// The coverage query.
#[derive(Debug, Default, Deserialize)]
pub struct CoverageQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    by: String,
}

fn group(lines: &mut Vec<CoverageLine>, name: &str, lately: bool, never: bool) {
    let i = match lines.iter().position(|l| l.name == name) {
        Some(i) => i,
        None => {
            lines.push(CoverageLine {
                name: name.to_string(),
                total: 0,
                lately: 0,
                never: 0,
            });
            lines.len() - 1
        }
    };
    lines[i].total += 1;
    lines[i].lately += usize::from(lately);
    lines[i].never += usize::from(never);
}

/// `GET /training/coverage?unit=&months=12&by=stratum`: the active collaborators of a unit's
/// subtree, trained within the last `months` (1 to 60, 12 by default) or not, and never trained,
/// by unit and by one representation attribute; those not trained lately by pseudonym.
pub async fn show_coverage(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CoverageQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = crate::kit::scope::require_roots(&auth.user, &READ)?;
    let db = &state.db;
    let months = if q.months.trim().is_empty() {
        DEFAULT_MONTHS
    } else {
        q.months
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=60).contains(m))
            .ok_or(AppError::BadRequest("training-error-months"))?
    };
    let by =
        crate::kit::bounds::parse_choice(&q.by, Dimension::parse)?.unwrap_or(Dimension::Stratum);
    let unit_id = match crate::kit::bounds::parse_id(&q.unit)? {
        Some(u) => {
            if !crate::orgs::is_within(db, &roots, u).await? {
                return Err(AppError::NotFound);
            }
            u
        }
        None => roots[0],
    };
    let members = crate::collaborators::network_members(db, unit_id, by, tr).await?;
    let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
    let last: HashMap<i64, NaiveDate> = store::last_completions(db, &ids)
        .await?
        .into_iter()
        .collect();
    let unit_ids: Vec<i64> = members.iter().map(|m| m.unit_id).collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(db, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let today = today();
    let (mut by_unit, mut by_value, mut not_lately) = (vec![], vec![], vec![]);
    let mut lately_total = 0;
    for m in &members {
        let done = last.get(&m.id).copied();
        let lately = trained_lately(done, today, months);
        lately_total += usize::from(lately);
        let unit = names.get(&m.unit_id).cloned().unwrap_or_default();
        group(&mut by_unit, &unit, lately, done.is_none());
        let value = if m.value.is_empty() {
            tr.t("training-value-none")
        } else {
            m.value.clone()
        };
        group(&mut by_value, &value, lately, done.is_none());
        if !lately {
            not_lately.push((
                m.pseudonym.clone(),
                unit,
                done.map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_else(|| tr.t("training-never")),
            ));
        }
    }
    by_unit.sort_by(|a, b| a.name.cmp(&b.name));
    by_value.sort_by(|a, b| a.name.cmp(&b.name));
    not_lately.sort();
    Ok(page(CoverageTemplate {
        c: auth.ctx.chrome("training-coverage-title"),
        units: crate::orgs::units_near(db, &roots, 1)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect(),
        unit_id,
        months,
        dimensions: Dimension::ALL
            .into_iter()
            .map(|d| (d.key(), tr.t(&format!("collaborators-dim-{}", d.key()))))
            .collect(),
        by: by.key(),
        total: members.len(),
        lately: lately_total,
        by_unit,
        by_value,
        not_lately,
    }))
}

/// `POST /training/{id}/materials`: a file (PDF, DOCX, PNG, JPEG; at most 10 MiB, checked by its
/// name and its first bytes; a DOCX's archive directory checked before it is kept).
pub async fn upload_material(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let (course, manage) = course_for(&state, &auth.user, id).await?;
    if !manage {
        return Err(AppError::Forbidden);
    }
    let mut upload = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("reporting-attachment-error-size"))?
    {
        if field.name() == Some("file") {
            let name = crate::reporting::model::clean_file_name(field.file_name().unwrap_or(""));
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest("reporting-attachment-error-size"))?;
            upload = Some((name, bytes));
        }
    }
    let (name, bytes) = upload.ok_or(AppError::BadRequest("reporting-attachment-error-empty"))?;
    let mime =
        crate::reporting::model::attachment_type(&name, &bytes).map_err(AppError::BadRequest)?;
    if name.to_ascii_lowercase().ends_with(".docx") {
        let check = bytes.clone();
        let checked =
            crate::uploads::read_blocking(std::time::Duration::from_secs(10), move || {
                duluan_filecheck::zip::check_directory(&check, &duluan_extract::DOCX_LIMITS)
            })
            .await;
        if !matches!(checked, Ok(Ok(_))) {
            return Err(AppError::BadRequest("upload-attachment-refused"));
        }
    }
    actions::add_material(&state.db, &auth.ctx.actor(), &course, &name, mime, &bytes).await?;
    Ok(Redirect::to(&format!("/training/{id}?ok=material")).into_response())
}

/// `GET /training/materials/{id}`: the file, for the course's readers, as an attachment.
pub async fn download_material(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    use axum::http::header;
    let (m, bytes) = store::find_material(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    course_for(&state, &auth.user, m.course_id).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        m.file_name
            .chars()
            .map(|c| if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            })
            .collect::<String>(),
        crate::error::urlencode(&m.file_name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, m.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
