//! Reporting pages: the reporting home, opinion streams (the phone form with the personal-data
//! warning, the list, one stream), and helpers shared by the other page files.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::can;
use crate::accounts::model::{Capability, CurrentUser};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::reporting::model::{
    Breadth, Direction, FieldError, Intensity, Period, PiiWarning, Scope, StreamForm, personal_data,
};
use crate::reporting::store::{self, Stream, Topic};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// `(key, label)` options of a choice.
pub fn options(tr: Tr, keys: &[&str], label: fn(&str) -> String) -> Vec<(String, String)> {
    keys.iter()
        .map(|k| (k.to_string(), tr.t(&label(k))))
        .collect()
}

/// The directions of a stream as `(key, label)` choices.
pub fn direction_options(tr: Tr) -> Vec<(String, String)> {
    Direction::ALL
        .iter()
        .map(|d| (d.key().to_string(), tr.t(&d.label_key())))
        .collect()
}

/// A topic's name in the user's language.
pub fn topic_name(tr: Tr, topics: &[Topic], id: i64) -> String {
    topics
        .iter()
        .find(|t| t.id == id)
        .map(|t| match tr.lang() {
            crate::web::i18n::Lang::Vi => t.name_vi.clone(),
            crate::web::i18n::Lang::En => t.name_en.clone(),
        })
        .unwrap_or_default()
}

/// The name of a unit among `units`, or `#id`.
pub fn unit_name(units: &[(i64, String)], id: i64) -> String {
    units
        .iter()
        .find(|(u, _)| *u == id)
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| format!("#{id}"))
}

/// A stream as a line in lists.
pub struct StreamLine {
    /// Id.
    pub id: i64,
    /// Unit name.
    pub unit: String,
    /// Unit id.
    pub unit_id: i64,
    /// Month.
    pub period: String,
    /// Topic name.
    pub topic: String,
    /// Topic id.
    pub topic_id: i64,
    /// Summary.
    pub summary: String,
    /// Scope label.
    pub scope: String,
    /// Scope key.
    pub scope_key: String,
    /// Breadth label.
    pub breadth: String,
    /// Direction label.
    pub direction: String,
    /// Intensity label.
    pub intensity: String,
    /// In a report.
    pub in_report: bool,
    /// Merged into a city stream.
    pub city_stream_id: Option<i64>,
}

/// Lines of streams with names resolved in one query.
pub async fn stream_lines(
    state: &AppState,
    tr: Tr,
    topics: &[Topic],
    streams: &[Stream],
) -> AppResult<Vec<StreamLine>> {
    let ids: Vec<i64> = streams.iter().map(|s| s.unit_id).collect();
    let names: std::collections::HashMap<i64, String> = crate::orgs::unit_names(&state.db, &ids)
        .await?
        .into_iter()
        .collect();
    Ok(streams
        .iter()
        .map(|s| StreamLine {
            id: s.id,
            unit: names
                .get(&s.unit_id)
                .cloned()
                .unwrap_or_else(|| format!("#{}", s.unit_id)),
            unit_id: s.unit_id,
            period: s.period.clone(),
            topic: topic_name(tr, topics, s.topic_id),
            topic_id: s.topic_id,
            summary: s.summary.clone(),
            scope: tr.t(&Scope::label_key(&s.scope)),
            scope_key: s.scope.clone(),
            breadth: tr.t(&Breadth::label_key(&s.breadth)),
            direction: tr.t(&s.direction.label_key()),
            intensity: tr.t(&Intensity::label_key(&s.intensity)),
            in_report: s.report_id.is_some(),
            city_stream_id: s.city_stream_id,
        })
        .collect())
}

/// The reporting home.
#[derive(Template)]
#[template(path = "reporting/home.html")]
struct HomeTemplate {
    c: Chrome,
    can_stream: bool,
    can_edit: bool,
    can_review: bool,
    can_view: bool,
    notifications: Vec<(String, String, String)>,
}

/// `GET /reporting`: what the user can do here, and the notifications of the user's own units.
pub async fn show_home(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let u = &auth.user;
    let own = crate::kit::scope::roots(u, &[Capability::EditReports, Capability::ReviewReports]);
    let notifications = store::list_notifications(&state.db, &own)
        .await?
        .into_iter()
        .map(|n| {
            (
                crate::reporting::jobs::render_notification(auth.ctx.tr, &n),
                n.link,
                crate::kit::time::show(n.created_at),
            )
        })
        .collect();
    Ok(page(HomeTemplate {
        notifications,
        c: auth.ctx.chrome("reporting-title"),
        can_stream: u.has_anywhere(Capability::ReportStreams),
        can_edit: u.has_anywhere(Capability::EditReports),
        can_review: u.has_anywhere(Capability::ReviewReports),
        can_view: u.has_anywhere(Capability::ViewReports),
    }))
}

/// The stream form (new stream), on a phone first.
#[derive(Template)]
#[template(path = "reporting/stream_form.html")]
struct StreamFormTemplate {
    c: Chrome,
    form: StreamForm,
    units: Vec<(i64, String)>,
    topics: Vec<(i64, String)>,
    scopes: Vec<(String, String)>,
    breadths: Vec<(String, String)>,
    directions: Vec<(String, String)>,
    intensities: Vec<(String, String)>,
    errors: Vec<FieldError>,
    warnings: Vec<PiiWarning>,
}

impl StreamFormTemplate {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| self.c.tr.t(k))
            .unwrap_or_default()
    }

    fn field_label(&self, field: &str) -> String {
        self.c
            .tr
            .t(&format!("reporting-stream-{}", field.replace('_', "-")))
    }

    fn kind_label(&self, kind: &str) -> String {
        self.c.tr.t(&format!("reporting-pii-kind-{kind}"))
    }
}

async fn stream_form_page(
    state: &AppState,
    auth: &Auth,
    form: StreamForm,
    errors: Vec<FieldError>,
    warnings: Vec<PiiWarning>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = auth.user.roots_with(Capability::ReportStreams);
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    let units = crate::orgs::units_near(&state.db, &roots, 1)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let topics = store::list_topics(&state.db)
        .await?
        .into_iter()
        .map(|t| (t.id, topic_name(tr, std::slice::from_ref(&t), t.id)))
        .collect();
    let status = if errors.is_empty() && warnings.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = page(StreamFormTemplate {
        c: auth.ctx.chrome("reporting-stream-new-title"),
        form,
        units,
        topics,
        scopes: options(tr, Scope::KEYS, Scope::label_key),
        breadths: options(tr, Breadth::KEYS, Breadth::label_key),
        directions: direction_options(tr),
        intensities: options(tr, Intensity::KEYS, Intensity::label_key),
        errors,
        warnings,
    });
    Ok((status, body).into_response())
}

/// `GET /reporting/streams/new`.
pub async fn show_new_stream(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let roots = auth.user.roots_with(Capability::ReportStreams);
    let form = StreamForm {
        client_id: uuid::Uuid::now_v7().to_string(),
        unit_id: roots.first().map(|r| r.to_string()).unwrap_or_default(),
        period: Period::month(Utc::now().date_naive()).as_str().to_string(),
        scope: "local".into(),
        breadth: "some".into(),
        direction: Direction::Uneasy.key().into(),
        intensity: "medium".into(),
        ..Default::default()
    };
    stream_form_page(&state, &auth, form, vec![], vec![]).await
}

/// `POST /reporting/streams/new`: checks, warns on personal data, saves.
pub async fn create_stream(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<StreamForm>,
) -> AppResult<Response> {
    let input = match form.parse() {
        Ok(i) => i,
        Err(errors) => return stream_form_page(&state, &auth, form, errors, vec![]).await,
    };
    if !can(
        &state.db,
        &auth.user,
        Capability::ReportStreams,
        input.unit_id,
    )
    .await?
    {
        return stream_form_page(
            &state,
            &auth,
            form,
            vec![("unit_id", "reporting-stream-error-unit")],
            vec![],
        )
        .await;
    }
    let topics = store::list_topics(&state.db).await?;
    if !topics.iter().any(|t| t.id == input.topic_id) {
        return stream_form_page(
            &state,
            &auth,
            form,
            vec![("topic_id", "reporting-stream-error-topic")],
            vec![],
        )
        .await;
    }
    let warnings = personal_data(&form.free_text());
    if !warnings.is_empty() && form.confirm_pii != "yes" {
        return stream_form_page(&state, &auth, form, vec![], warnings).await;
    }
    let (id, _) = crate::reporting::actions::create_stream(
        &state.db,
        &auth.ctx.actor(),
        &input,
        !warnings.is_empty(),
    )
    .await?;
    Ok(Redirect::to(&format!("/reporting/streams/{id}?ok=1")).into_response())
}

/// The list of streams.
#[derive(Template)]
#[template(path = "reporting/streams.html")]
struct StreamsTemplate {
    c: Chrome,
    period: String,
    streams: Vec<StreamLine>,
    can_stream: bool,
}

/// Query with a period.
#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    ok: String,
}

/// `GET /reporting/streams`: streams of the units the user may see.
pub async fn list_streams(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let units = crate::kit::scope::units(
        &state.db,
        &auth.user,
        &[Capability::ViewReports, Capability::ReportStreams],
    )
    .await?;
    let ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let period = if crate::reporting::model::parse_month(&q.period).is_some() {
        q.period.trim().to_string()
    } else {
        String::new()
    };
    let streams = store::list_streams_of_units(&state.db, &ids, &period, 500).await?;
    let topics = store::list_topics(&state.db).await?;
    Ok(page(StreamsTemplate {
        c: auth.ctx.chrome("reporting-streams-title"),
        period,
        streams: stream_lines(&state, tr, &topics, &streams).await?,
        can_stream: auth.user.has_anywhere(Capability::ReportStreams),
    }))
}

/// One stream.
#[derive(Template)]
#[template(path = "reporting/stream.html")]
struct StreamTemplate {
    c: Chrome,
    s: StreamLine,
    strata: String,
    areas: String,
    causes: String,
    forecast: String,
    recommendation: String,
    evidence: Vec<String>,
    saved: bool,
    hotspot_form: Option<crate::hotspots::OpenFrom>,
}

/// Whether the user may read what belongs to `unit_id` (reports, streams).
pub async fn may_read(state: &AppState, user: &CurrentUser, unit_id: i64) -> AppResult<bool> {
    Ok(
        can(&state.db, user, Capability::ViewReports, unit_id).await?
            || can(&state.db, user, Capability::ReportStreams, unit_id).await?,
    )
}

/// `GET /reporting/streams/{id}`.
pub async fn show_stream(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let s = store::find_stream(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_read(&state, &auth.user, s.unit_id).await? {
        return Err(AppError::NotFound);
    }
    let topics = store::list_topics(&state.db).await?;
    let line = stream_lines(&state, auth.ctx.tr, &topics, std::slice::from_ref(&s))
        .await?
        .remove(0);
    let hotspot_form =
        crate::hotspots::open_from_form(&state.db, &auth.user, crate::hotspots::Source::Stream, id)
            .await?;
    Ok(page(StreamTemplate {
        c: auth.ctx.chrome("reporting-stream-title"),
        hotspot_form,
        s: line,
        strata: s.strata,
        areas: s.areas,
        causes: s.causes,
        forecast: s.forecast,
        recommendation: s.recommendation,
        evidence: s
            .evidence
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
        saved: !q.ok.is_empty(),
    }))
}
