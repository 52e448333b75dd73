//! Briefing sessions (*hội nghị giao ban*): the list and the form that schedules one, one
//! session with the invitee's reply, and the unit's forms for attendance, minutes, the opinions
//! raised (streams), the next month's session and cancelling.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::accounts::model::{Capability, CurrentUser, Role};
use crate::app::AppState;
use crate::briefings::actions;
use crate::briefings::model::{Reply, SessionDraft, SessionStatus, check_session};
use crate::briefings::store::guests;
use crate::briefings::store::sessions::{self, NewSession, Session};
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// Who is invited to a unit's briefing: its collaborators and reporters.
const INVITED: [Role; 2] = [Role::Collaborator, Role::Reporter];

/// A session in a list.
pub struct SessionLine {
    id: i64,
    title: String,
    when: String,
    unit: String,
    status: String,
    status_key: &'static str,
    reply: String,
}

/// The sessions page.
#[derive(Template)]
#[template(path = "briefings/sessions.html")]
pub struct SessionsTemplate {
    c: Chrome,
    lines: Vec<SessionLine>,
    units: Vec<(i64, String)>,
    f: ScheduleForm,
    errors: Vec<(&'static str, String)>,
}

impl SessionsTemplate {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The schedule form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    title: String,
    /// `YYYY-MM-DDTHH:MM`, Vietnam time.
    #[serde(default)]
    starts: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    monthly: String,
}

/// The units whose sessions `user` reads: where they keep the network or read reports.
async fn readable_units(state: &AppState, user: &CurrentUser) -> AppResult<Vec<i64>> {
    let roots = crate::kit::scope::roots(
        user,
        &[Capability::ManageCollaborators, Capability::ViewReports],
    );
    crate::orgs::subtree_ids(&state.db, &roots).await
}

async fn sessions_page(
    state: &AppState,
    auth: &Auth,
    f: ScheduleForm,
    errors: Vec<(&'static str, &'static str)>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let units = readable_units(state, &auth.user).await?;
    let mut list = sessions::list_sessions(&state.db, &units).await?;
    let invited = sessions::list_invited(&state.db, auth.user.id).await?;
    let replies: HashMap<i64, Reply> = invited.iter().copied().collect();
    let extra: Vec<i64> = invited
        .iter()
        .map(|i| i.0)
        .filter(|id| !list.iter().any(|s| s.id == *id))
        .collect();
    list.extend(sessions::sessions_by_ids(&state.db, &extra).await?);
    list.sort_by(|a, b| b.starts_at.cmp(&a.starts_at).then(b.id.cmp(&a.id)));
    let ids: Vec<i64> = list.iter().map(|s| s.unit_id).collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(&state.db, &ids)
        .await?
        .into_iter()
        .collect();
    let lines = list
        .into_iter()
        .map(|s| SessionLine {
            id: s.id,
            when: crate::kit::time::show(s.starts_at),
            unit: names.get(&s.unit_id).cloned().unwrap_or_default(),
            status: tr.t(&s.status.label_key()),
            status_key: s.status.key(),
            reply: replies
                .get(&s.id)
                .map(|r| tr.t(&r.label_key()))
                .unwrap_or_default(),
            title: s.title,
        })
        .collect();
    let manage = auth.user.roots_with(Capability::ManageCollaborators);
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let mut response = page(SessionsTemplate {
        c: auth.ctx.chrome("briefings-sessions-list"),
        lines,
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

/// `GET /briefings/sessions`: the sessions of the reader's units and those they are invited to.
pub async fn list_sessions(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    sessions_page(&state, &auth, ScheduleForm::default(), vec![]).await
}

/// Reads `YYYY-MM-DDTHH:MM` typed in Vietnam time.
fn parse_start(raw: &str) -> Option<chrono::DateTime<Utc>> {
    let local = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").ok()?;
    let at = crate::kit::time::vn_offset()
        .from_local_datetime(&local)
        .single()?
        .with_timezone(&Utc);
    let now = Utc::now();
    (at > now - chrono::Duration::days(366) && at < now + chrono::Duration::days(731)).then_some(at)
}

/// `POST /briefings/sessions`: schedules a session and invites the unit's collaborators and
/// reporters; with an error, the page again with what was typed.
pub async fn schedule(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<ScheduleForm>,
) -> AppResult<Response> {
    crate::kit::scope::require_roots(&auth.user, &[Capability::ManageCollaborators])?;
    let unit_id = crate::kit::bounds::parse_id(&f.unit)?
        .ok_or(AppError::BadRequest("briefings-error-unit"))?;
    crate::accounts::require(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        unit_id,
    )
    .await?;
    let draft = SessionDraft {
        title: crate::kit::text::one_line(&f.title),
        place: crate::kit::text::one_line(&f.place),
        link: f.link.trim().to_string(),
        agenda: crate::kit::text::free_text(&f.agenda),
    };
    let mut errors = check_session(&draft);
    let starts_at = parse_start(&f.starts);
    if starts_at.is_none() {
        errors.push(("starts", "briefings-error-starts"));
    }
    let Some(starts_at) = starts_at.filter(|_| errors.is_empty()) else {
        return sessions_page(&state, &auth, f, errors).await;
    };
    let members = crate::accounts::members_within(&state.db, unit_id, &INVITED).await?;
    let guests = crate::collaborators::contacts_within(&state.db, unit_id).await?;
    let base = crate::kit::origin::base(&state.config, &headers);
    let id = actions::schedule_session(
        &state.db,
        &auth.ctx.actor(),
        &NewSession {
            unit_id,
            title: &draft.title,
            starts_at,
            place: &draft.place,
            link: &draft.link,
            agenda: &draft.agenda,
            monthly: !f.monthly.is_empty(),
            previous_id: None,
        },
        &actions::Invitees {
            members: &members,
            guests: &guests,
            base: &base,
        },
    )
    .await?
    .ok_or(AppError::Conflict("briefings-error-next-exists"))?;
    let ok = if starts_at > Utc::now() {
        "scheduled"
    } else {
        "recorded"
    };
    Ok(Redirect::to(&format!("/briefings/sessions/{id}?ok={ok}")).into_response())
}

/// What the reader may do with a session.
struct Access {
    manage: bool,
    reply: Option<Reply>,
}

/// Reads a session: its unit's readers (network keepers or report readers) and its invitees;
/// 404 for anyone else.
async fn session_for(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(Session, Access)> {
    let db = &state.db;
    let s = sessions::find_session(db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let manage = crate::accounts::can(db, user, Capability::ManageCollaborators, s.unit_id).await?;
    let read = manage || crate::accounts::can(db, user, Capability::ViewReports, s.unit_id).await?;
    let reply = sessions::list_invitations(db, id)
        .await?
        .into_iter()
        .find(|i| i.0 == user.id)
        .map(|i| i.1);
    if !read && reply.is_none() {
        return Err(AppError::NotFound);
    }
    Ok((s, Access { manage, reply }))
}

/// The session page.
#[derive(Template)]
#[template(path = "briefings/session.html")]
pub struct SessionTemplate {
    c: Chrome,
    s: Session,
    unit: String,
    when: String,
    status: String,
    my_reply: Option<String>,
    replies: Vec<(&'static str, String)>,
    manage: bool,
    invitations: Vec<(String, String, &'static str)>,
    counts: (usize, usize, usize),
    /// Collaborators invited by e-mail: `(pseudonym, reply)`.
    guests: Vec<(String, String)>,
    guest_counts: (usize, usize, usize),
    /// The attendance form's ticks: `(pseudonym, ticked)`.
    choices: Vec<(String, bool)>,
    /// Who attended, once held (managers only).
    attendees: Vec<String>,
    attended: usize,
    streams: Vec<(i64, String)>,
    topics: Vec<(i64, String)>,
    directions: Vec<(&'static str, String)>,
    next: Option<i64>,
    stream_form: StreamFields,
    errors: Vec<(&'static str, String)>,
    flash: Option<String>,
}

impl SessionTemplate {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The page's flash.
#[derive(Debug, Default, Deserialize)]
pub struct SessionQuery {
    #[serde(default)]
    ok: String,
}

/// The opinion-raised form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct StreamFields {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    confirm_pii: String,
}

#[allow(clippy::too_many_arguments)]
async fn session_page(
    state: &AppState,
    auth: &Auth,
    s: Session,
    access: Access,
    stream_form: StreamFields,
    errors: Vec<(&'static str, String)>,
    flash: Option<String>,
    tr: Tr,
) -> AppResult<Response> {
    let db = &state.db;
    let (mut invitations, mut counts) = (vec![], (0, 0, 0));
    if access.manage {
        let inv = sessions::list_invitations(db, s.id).await?;
        let ids: Vec<i64> = inv.iter().map(|i| i.0).collect();
        let names = crate::accounts::display_names(db, &ids).await?;
        for (user, reply, _) in inv {
            match reply {
                Reply::Attend => counts.0 += 1,
                Reply::Excused => counts.1 += 1,
                Reply::Pending => counts.2 += 1,
            }
            invitations.push((
                names.get(&user).cloned().unwrap_or_default(),
                tr.t(&reply.label_key()),
                reply.key(),
            ));
        }
        invitations.sort();
    }
    let (mut guests, mut guest_counts, mut expected) = (vec![], (0, 0, 0), vec![]);
    if access.manage {
        let list = guests::list_guests(db, s.id).await?;
        let ids: Vec<i64> = list.iter().map(|g| g.0).collect();
        let names: HashMap<i64, String> = crate::collaborators::pseudonyms_of(db, &ids)
            .await?
            .into_iter()
            .collect();
        for (id, reply, _) in list {
            let name = names.get(&id).cloned().unwrap_or_default();
            match reply {
                Reply::Attend => {
                    guest_counts.0 += 1;
                    expected.push(name.clone());
                }
                Reply::Excused => guest_counts.1 += 1,
                Reply::Pending => guest_counts.2 += 1,
            }
            guests.push((name, tr.t(&reply.label_key())));
        }
        guests.sort();
    }
    let attendees = match (access.manage, s.collaborator_briefing_id) {
        (true, Some(b)) => crate::collaborators::briefings::attendee_pseudonyms(db, b).await?,
        _ => vec![],
    };
    let attended = match s.collaborator_briefing_id {
        Some(_) if access.manage => attendees.len(),
        Some(b) => crate::collaborators::briefings::attendee_count(db, b).await?,
        None => 0,
    };
    // Ticked at first: who said they would come, or, to correct a held session, who came.
    let ticked = if s.status == SessionStatus::Held {
        &attendees
    } else {
        &expected
    };
    let choices = if access.manage && s.status != SessionStatus::Cancelled {
        let mut all = crate::collaborators::briefings::active_pseudonyms(db, s.unit_id).await?;
        for p in ticked {
            if !all.contains(p) {
                all.push(p.clone());
            }
        }
        all.into_iter()
            .map(|p| {
                let on = ticked.contains(&p);
                (p, on)
            })
            .collect()
    } else {
        vec![]
    };
    let stream_ids = sessions::list_stream_links(db, s.id).await?;
    let streams = crate::reporting::stream_summaries(db, &stream_ids, tr).await?;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let mut response = page(SessionTemplate {
        c: auth.ctx.chrome_titled(s.title.clone()),
        unit: crate::orgs::unit_names(db, &[s.unit_id])
            .await?
            .pop()
            .map(|u| u.1)
            .unwrap_or_default(),
        when: crate::kit::time::show(s.starts_at),
        status: tr.t(&s.status.label_key()),
        my_reply: access.reply.map(|r| tr.t(&r.label_key())),
        replies: [Reply::Attend, Reply::Excused]
            .into_iter()
            .map(|r| (r.key(), tr.t(&r.label_key())))
            .collect(),
        manage: access.manage,
        invitations,
        counts,
        guests,
        guest_counts,
        choices,
        attendees,
        attended,
        streams,
        topics: crate::hotspots::pages::topic_choices(db, tr).await?,
        directions: crate::reporting::model::Direction::ALL
            .into_iter()
            .map(|d| (d.key(), tr.t(&format!("reporting-direction-{}", d.key()))))
            .collect(),
        next: sessions::find_next(db, s.id).await?,
        stream_form,
        errors,
        flash,
        s,
    });
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /briefings/sessions/{id}`.
pub async fn show_session(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<SessionQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let (s, access) = session_for(&state, &auth.user, id).await?;
    let flash = [
        "scheduled",
        "recorded",
        "replied",
        "held",
        "attendance",
        "minutes",
        "stream",
        "next",
        "cancelled",
    ]
    .into_iter()
    .find(|k| *k == q.ok)
    .map(|k| tr.t(&format!("briefings-flash-{k}")));
    session_page(
        &state,
        &auth,
        s,
        access,
        StreamFields::default(),
        vec![],
        flash,
        tr,
    )
    .await
}

/// The reply form.
#[derive(Debug, Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    reply: String,
}

/// `POST /briefings/sessions/{id}/reply`: an invitee attends or is excused.
pub async fn reply(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ReplyForm>,
) -> AppResult<Response> {
    let (s, access) = session_for(&state, &auth.user, id).await?;
    if access.reply.is_none() {
        return Err(AppError::Forbidden);
    }
    if s.status != SessionStatus::Scheduled {
        return Err(AppError::Conflict("briefings-error-not-scheduled"));
    }
    let r = crate::kit::bounds::parse_choice(&f.reply, Reply::parse)?
        .filter(|r| *r != Reply::Pending)
        .ok_or(AppError::BadRequest("briefings-error-reply"))?;
    actions::reply(&state.db, &auth.ctx.actor(), &s, r).await?;
    Ok(Redirect::to(&format!("/briefings/sessions/{id}?ok=replied")).into_response())
}

async fn managed(state: &AppState, auth: &Auth, id: i64) -> AppResult<(Session, Access)> {
    let (s, access) = session_for(state, &auth.user, id).await?;
    if !access.manage {
        return Err(AppError::Forbidden);
    }
    Ok((s, access))
}

/// `POST /briefings/sessions/{id}/held`: who attended (ticked or typed pseudonyms) and the
/// minutes; the attendance counts in each collaborator's month.
pub async fn record_held(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let (s, _) = managed(&state, &auth, id).await?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let wanted = crate::collaborators::briefings::pseudonyms_from(
        fields
            .iter()
            .filter(|(k, _)| k == "attendee")
            .map(|(_, v)| v.as_str()),
        &get("attendees"),
    );
    let minutes = crate::kit::text::free_text(&get("minutes"));
    if minutes.chars().count() > crate::briefings::model::MAX_TEXT {
        return Err(AppError::BadRequest("briefings-error-text-long"));
    }
    let held_on = crate::kit::time::vn_date(s.starts_at);
    if held_on > crate::kit::time::vn_date(Utc::now()) {
        return Err(AppError::BadRequest("briefings-error-future"));
    }
    let attendees = match crate::collaborators::briefings::resolve_attendees(
        &state.db,
        s.unit_id,
        Some(held_on),
        &wanted,
        tr,
    )
    .await?
    {
        Ok(ids) => ids,
        Err(messages) => {
            let (s, access) = managed(&state, &auth, id).await?;
            let errors = messages.into_iter().map(|m| ("attendees", m)).collect();
            return session_page(
                &state,
                &auth,
                s,
                access,
                StreamFields::default(),
                errors,
                None,
                tr,
            )
            .await;
        }
    };
    actions::record_held(&state.db, &auth.ctx.actor(), &s, &attendees, &minutes).await?;
    let ok = if s.status == SessionStatus::Held {
        "attendance"
    } else {
        "held"
    };
    Ok(Redirect::to(&format!("/briefings/sessions/{id}?ok={ok}")).into_response())
}

/// The minutes form.
#[derive(Debug, Default, Deserialize)]
pub struct MinutesForm {
    #[serde(default)]
    minutes: String,
}

/// `POST /briefings/sessions/{id}/minutes`.
pub async fn save_minutes(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<MinutesForm>,
) -> AppResult<Response> {
    let (s, _) = managed(&state, &auth, id).await?;
    let minutes = crate::kit::text::free_text(&f.minutes);
    if minutes.chars().count() > crate::briefings::model::MAX_TEXT {
        return Err(AppError::BadRequest("briefings-error-text-long"));
    }
    actions::save_minutes(&state.db, &auth.ctx.actor(), &s, &minutes).await?;
    Ok(Redirect::to(&format!("/briefings/sessions/{id}?ok=minutes")).into_response())
}

/// `POST /briefings/sessions/{id}/streams`: an opinion raised at the session becomes an opinion
/// stream of its unit and month (a draft the unit adds to its report), checked like the stream
/// form, personal data included.
pub async fn raise_stream(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<StreamFields>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let (s, access) = managed(&state, &auth, id).await?;
    if s.status != SessionStatus::Held {
        return Err(AppError::Conflict("briefings-error-not-held"));
    }
    let form = crate::reporting::model::StreamForm {
        client_id: String::new(),
        unit_id: s.unit_id.to_string(),
        period: crate::kit::time::vn_date(s.starts_at)
            .format("%Y-%m")
            .to_string(),
        topic_id: f.topic.clone(),
        summary: f.summary.clone(),
        scope: "local".into(),
        breadth: "some".into(),
        direction: f.direction.clone(),
        intensity: "medium".into(),
        confirm_pii: if f.confirm_pii.is_empty() {
            String::new()
        } else {
            "yes".into()
        },
        ..Default::default()
    };
    match actions::raise_stream(&state.db, &auth.ctx.actor(), &s, &form).await? {
        Ok(_) => Ok(Redirect::to(&format!("/briefings/sessions/{id}?ok=stream")).into_response()),
        Err(errors) => {
            let errors = errors.into_iter().map(|(f, k)| (f, tr.t(k))).collect();
            session_page(&state, &auth, s, access, f, errors, None, tr).await
        }
    }
}

/// `POST /briefings/sessions/{id}/next`: the next month's session of a monthly one, same hour,
/// place and agenda, its own invitations.
pub async fn schedule_next(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (s, _) = managed(&state, &auth, id).await?;
    if !s.monthly {
        return Err(AppError::BadRequest("briefings-error-not-monthly"));
    }
    let local = s.starts_at.with_timezone(&crate::kit::time::vn_offset());
    let day = crate::kit::time::add_months(local.date_naive(), 1);
    let starts_at = crate::kit::time::vn_offset()
        .from_local_datetime(&day.and_time(local.time()))
        .single()
        .ok_or(AppError::BadRequest("briefings-error-starts"))?
        .with_timezone(&Utc);
    let members = crate::accounts::members_within(&state.db, s.unit_id, &INVITED).await?;
    let guests = crate::collaborators::contacts_within(&state.db, s.unit_id).await?;
    let base = crate::kit::origin::base(&state.config, &headers);
    let next = actions::schedule_session(
        &state.db,
        &auth.ctx.actor(),
        &NewSession {
            unit_id: s.unit_id,
            title: &s.title,
            starts_at,
            place: &s.place,
            link: &s.link,
            agenda: &s.agenda,
            monthly: true,
            previous_id: Some(s.id),
        },
        &actions::Invitees {
            members: &members,
            guests: &guests,
            base: &base,
        },
    )
    .await?
    .ok_or(AppError::Conflict("briefings-error-next-exists"))?;
    Ok(Redirect::to(&format!("/briefings/sessions/{next}?ok=next")).into_response())
}

/// `POST /briefings/sessions/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (s, _) = managed(&state, &auth, id).await?;
    actions::cancel(&state.db, &auth.ctx.actor(), &s).await?;
    Ok(Redirect::to(&format!("/briefings/sessions/{id}?ok=cancelled")).into_response())
}
