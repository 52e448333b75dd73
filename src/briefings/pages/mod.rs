//! The briefings pages: the home with the orientation messages received and sent, the form that
//! sends one, and one message (the recipient's reading is their receipt; the sender sees the
//! receipts).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::briefings::model::{Audience, Draft, check, read_share};
use crate::briefings::store::{self, NewMessage};
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

pub mod guests;
pub mod sessions;

/// A message in a list.
pub struct Line {
    id: i64,
    title: String,
    at: String,
    unread: bool,
    receipts: String,
}

/// The home page.
#[derive(Template)]
#[template(path = "briefings/home.html")]
pub struct HomeTemplate {
    c: Chrome,
    received: Vec<Line>,
    unread: usize,
    sent: Vec<Line>,
    can_send: bool,
    can_keep_attendance: bool,
}

/// `GET /briefings`: for everyone signed in.
pub async fn show_home(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let received: Vec<Line> = store::list_received(&state.db, auth.user.id)
        .await?
        .into_iter()
        .map(|r| Line {
            id: r.id,
            title: r.title,
            at: crate::kit::time::show(r.sent_at),
            unread: r.read_at.is_none(),
            receipts: String::new(),
        })
        .collect();
    let unread = received.iter().filter(|l| l.unread).count();
    let send_roots = auth.user.roots_with(Capability::SendOrientation);
    let sent = if send_roots.is_empty() {
        vec![]
    } else {
        let units = crate::orgs::subtree_ids(&state.db, &send_roots).await?;
        let messages = store::list_sent(&state.db, &units).await?;
        let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
        let counts: HashMap<i64, (i64, i64)> = store::counts(&state.db, &ids)
            .await?
            .into_iter()
            .map(|(id, read, total)| (id, (read, total)))
            .collect();
        messages
            .into_iter()
            .map(|m| {
                let (read, total) = counts.get(&m.id).copied().unwrap_or((0, 0));
                Line {
                    id: m.id,
                    title: m.title,
                    at: crate::kit::time::show(m.sent_at),
                    unread: false,
                    receipts: tr.ta(
                        "briefings-receipts",
                        &[("read", read.to_string()), ("total", total.to_string())],
                    ),
                }
            })
            .collect()
    };
    Ok(page(HomeTemplate {
        c: auth.ctx.chrome("briefings-title"),
        received,
        unread,
        sent,
        can_send: !send_roots.is_empty(),
        can_keep_attendance: auth.user.has_anywhere(Capability::ManageCollaborators),
    }))
}

/// The new message page.
#[derive(Template)]
#[template(path = "briefings/new.html")]
pub struct NewTemplate {
    c: Chrome,
    units: Vec<(i64, String)>,
    audiences: Vec<(&'static str, String)>,
    hotspots: Vec<(i64, String)>,
    f: SendForm,
    errors: Vec<(&'static str, String)>,
}

impl NewTemplate {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The send form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    key_facts: String,
    #[serde(default)]
    talking_points: String,
    #[serde(default)]
    hotspot: String,
}

/// A hot spot preselected by its page's link.
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    hotspot: String,
}

async fn new_page(
    state: &AppState,
    auth: &Auth,
    f: SendForm,
    errors: Vec<(&'static str, &'static str)>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = crate::kit::scope::require_roots(&auth.user, &[Capability::SendOrientation])?;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let mut response = page(NewTemplate {
        c: auth.ctx.chrome("briefings-new-title"),
        units: crate::orgs::unit_names(&state.db, &roots).await?,
        audiences: Audience::ALL
            .into_iter()
            .map(|a| (a.key(), tr.t(&a.label_key())))
            .collect(),
        hotspots: crate::hotspots::linkable(&state.db, &auth.user).await?,
        errors: errors.into_iter().map(|(f, k)| (f, tr.t(k))).collect(),
        f,
    });
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /briefings/orientation`: the form (for `SendOrientation`).
pub async fn show_new(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let f = SendForm {
        hotspot: q.hotspot,
        audience: Audience::Collaborators.key().into(),
        ..SendForm::default()
    };
    new_page(&state, &auth, f, vec![]).await
}

/// `POST /briefings/orientation`: checks the message whole, then sends it to everyone of its
/// audience in the unit's subtree; with an error, the form again with what was typed.
pub async fn send(
    State(state): State<AppState>,
    auth: Auth,
    headers: axum::http::HeaderMap,
    Form(f): Form<SendForm>,
) -> AppResult<Response> {
    crate::kit::scope::require_roots(&auth.user, &[Capability::SendOrientation])?;
    let unit_id = crate::kit::bounds::parse_id(&f.unit)?
        .ok_or(AppError::BadRequest("briefings-error-unit"))?;
    crate::accounts::require(&state.db, &auth.user, Capability::SendOrientation, unit_id).await?;
    let draft = Draft {
        title: crate::kit::text::one_line(&f.title),
        body: crate::kit::text::free_text(&f.body),
        key_facts: crate::kit::text::free_text(&f.key_facts),
        talking_points: crate::kit::text::free_text(&f.talking_points),
    };
    let mut errors = check(&draft);
    let audience = Audience::parse(&f.audience);
    if audience.is_none() {
        errors.push(("audience", "briefings-error-audience"));
    }
    let hotspot_id = match crate::kit::bounds::parse_id(&f.hotspot)? {
        Some(h) => {
            if crate::hotspots::title_if_readable(&state.db, &auth.user, h)
                .await?
                .is_none()
            {
                errors.push(("hotspot", "briefings-error-hotspot"));
            }
            Some(h)
        }
        None => None,
    };
    let members = match audience {
        Some(a) => crate::accounts::members_within(&state.db, unit_id, a.roles()).await?,
        None => vec![],
    };
    if audience.is_some() && members.is_empty() {
        errors.push(("audience", "briefings-error-nobody"));
    }
    if !errors.is_empty() {
        return new_page(&state, &auth, f, errors).await;
    }
    let id = crate::briefings::actions::send_message(
        &state.db,
        &auth.ctx.actor(),
        &NewMessage {
            unit_id,
            title: &draft.title,
            body: &draft.body,
            key_facts: &draft.key_facts,
            talking_points: &draft.talking_points,
            audience: audience.unwrap_or(Audience::Collaborators),
            hotspot_id,
        },
        &members,
        &crate::kit::origin::base(&state.config, &headers),
    )
    .await?;
    Ok(Redirect::to(&format!("/briefings/orientation/{id}?ok=sent")).into_response())
}

/// One unit's receipts.
pub struct UnitReceipts {
    unit: String,
    read: usize,
    total: usize,
}

/// The message page.
#[derive(Template)]
#[template(path = "briefings/message.html")]
pub struct MessageTemplate {
    c: Chrome,
    m: store::Message,
    sent: String,
    from: String,
    audience: String,
    facts: Vec<String>,
    hotspot: Option<(i64, String)>,
    sender_view: bool,
    read: usize,
    total: usize,
    share: u32,
    by_unit: Vec<UnitReceipts>,
    unread_people: Vec<(String, String)>,
    flash: bool,
}

/// The page's flash.
#[derive(Debug, Default, Deserialize)]
pub struct MessageQuery {
    #[serde(default)]
    ok: String,
}

/// `GET /briefings/orientation/{id}`: a recipient reads it (their receipt, once); the sending
/// unit's senders read it with its receipts; anyone else gets 404.
pub async fn show_message(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<MessageQuery>,
) -> AppResult<Response> {
    let db = &state.db;
    let m = store::find_message(db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let receipt = store::receipt(db, id, auth.user.id).await?;
    let sender_view =
        crate::accounts::can(db, &auth.user, Capability::SendOrientation, m.unit_id).await?;
    if receipt.is_none() && !sender_view {
        return Err(AppError::NotFound);
    }
    if matches!(receipt, Some(None)) {
        store::mark_read(db, id, auth.user.id, Utc::now()).await?;
    }
    let hotspot = match m.hotspot_id {
        Some(h) => crate::hotspots::title_if_readable(db, &auth.user, h)
            .await?
            .map(|t| (h, t)),
        None => None,
    };
    let (mut read, mut total, mut by_unit, mut unread_people) = (0, 0, vec![], vec![]);
    if sender_view {
        let recipients = store::list_recipients(db, id).await?;
        total = recipients.len();
        read = recipients.iter().filter(|r| r.2.is_some()).count();
        let units: Vec<i64> = recipients.iter().map(|r| r.1).collect();
        let names: HashMap<i64, String> = crate::orgs::unit_names(db, &units)
            .await?
            .into_iter()
            .collect();
        let people: Vec<i64> = recipients
            .iter()
            .filter(|r| r.2.is_none())
            .map(|r| r.0)
            .collect();
        let people_names = crate::accounts::display_names(db, &people).await?;
        for (user, unit, at) in &recipients {
            let name = names.get(unit).cloned().unwrap_or_default();
            match by_unit
                .iter_mut()
                .find(|u: &&mut UnitReceipts| u.unit == name)
            {
                Some(u) => {
                    u.total += 1;
                    u.read += usize::from(at.is_some());
                }
                None => by_unit.push(UnitReceipts {
                    unit: name.clone(),
                    read: usize::from(at.is_some()),
                    total: 1,
                }),
            }
            if at.is_none() {
                unread_people.push((people_names.get(user).cloned().unwrap_or_default(), name));
            }
        }
        by_unit.sort_by(|a, b| a.unit.cmp(&b.unit));
        unread_people.sort();
    }
    let from = crate::orgs::unit_names(db, &[m.unit_id])
        .await?
        .pop()
        .map(|u| u.1)
        .unwrap_or_default();
    let sender = match m.sent_by {
        Some(u) if sender_view => crate::accounts::display_names(db, &[u])
            .await?
            .remove(&u)
            .unwrap_or_default(),
        _ => String::new(),
    };
    Ok(page(MessageTemplate {
        c: auth.ctx.chrome_titled(m.title.clone()),
        sent: crate::kit::time::show(m.sent_at),
        from: if sender.is_empty() {
            from
        } else {
            format!("{from} · {sender}")
        },
        audience: auth.ctx.tr.t(&m.audience.label_key()),
        facts: m
            .key_facts
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        hotspot,
        sender_view,
        share: read_share(read, total),
        read,
        total,
        by_unit,
        unread_people,
        flash: q.ok == "sent",
        m,
    }))
}
