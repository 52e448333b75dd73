//! Report pages: report types with their assigned units (the centre), the list of a user's
//! reports, one report with its skeleton and streams, and the workflow steps
//! (submit, accept, return with a comment, reopen with a reason), each audited.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::reporting::actions;
use crate::reporting::model::{
    Period, ReportKind, Schedule, Status, Step, clean, end_of_day, is_locked, transition,
};
use crate::reporting::pages::{StreamLine, stream_lines, units_in_scope};
use crate::reporting::store::{self, Report, ReportType};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

fn schedule(t: &ReportType) -> Schedule {
    Schedule {
        kind: ReportKind::parse(&t.kind).unwrap_or(ReportKind::Monthly),
        due_day: t.due_day,
        lock_after_days: t.lock_after_days,
        due_hours: t.due_hours,
        deadline: t.deadline,
    }
}

/// A date and time in Vietnam, for display.
pub fn show_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::reporting::model::vn_offset())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// A report type as a line.
struct TypeLine {
    id: i64,
    name: String,
    kind: String,
    deadline: String,
    assigned: i64,
}

fn type_line(auth: &Auth, t: &ReportType) -> TypeLine {
    let tr = auth.ctx.tr;
    let deadline = match ReportKind::parse(&t.kind) {
        Some(k) if k.periodic() => tr.ta(
            "reporting-type-due-rule",
            &[
                ("day", t.due_day.to_string()),
                ("lock", t.lock_after_days.to_string()),
            ],
        ),
        Some(ReportKind::Quick) => tr.ta(
            "reporting-type-due-hours",
            &[("hours", t.due_hours.to_string())],
        ),
        _ => t.deadline.map(show_time).unwrap_or_default(),
    };
    TypeLine {
        id: t.id,
        name: t.name.clone(),
        kind: tr.t(&format!("reporting-type-kind-{}", t.kind)),
        deadline,
        assigned: t.assigned,
    }
}

/// The report types page.
#[derive(Template)]
#[template(path = "reporting/types.html")]
struct TypesTemplate {
    c: Chrome,
    types: Vec<TypeLine>,
    kinds: Vec<(String, String)>,
    form: TypeForm,
    errors: Vec<(&'static str, &'static str)>,
    can_review: bool,
}

impl TypesTemplate {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| self.c.tr.t(k))
            .unwrap_or_default()
    }
}

/// The new-type form.
#[derive(Deserialize, Default, Clone)]
pub struct TypeForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    instructions: String,
    #[serde(default)]
    due_day: String,
    #[serde(default)]
    lock_after_days: String,
    #[serde(default)]
    due_hours: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    units: String,
    #[serde(default)]
    all_communes: String,
}

async fn types_page(
    state: &AppState,
    auth: &Auth,
    form: TypeForm,
    errors: Vec<(&'static str, &'static str)>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    if !auth.user.has_anywhere(Capability::ViewReports)
        && !auth.user.has_anywhere(Capability::EditReports)
    {
        return Err(AppError::Forbidden);
    }
    let types = store::list_types(&state.db)
        .await?
        .iter()
        .map(|t| type_line(auth, t))
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        page(TypesTemplate {
            c: auth.ctx.chrome("reporting-types-title"),
            types,
            kinds: ReportKind::ALL
                .iter()
                .map(|k| {
                    (
                        k.key().to_string(),
                        tr.t(&format!("reporting-type-kind-{}", k.key())),
                    )
                })
                .collect(),
            form,
            errors,
            can_review: auth.user.has_anywhere(Capability::ReviewReports),
        }),
    )
        .into_response())
}

/// `GET /reporting/types`.
pub async fn list_types(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let form = TypeForm {
        kind: "monthly".into(),
        due_day: "15".into(),
        lock_after_days: "10".into(),
        due_hours: "24".into(),
        all_communes: "yes".into(),
        ..Default::default()
    };
    types_page(&state, &auth, form, vec![]).await
}

/// Resolves the unit list of a form (codes or `#id`, separated by commas, spaces or lines) and,
/// when asked, every commune, ward and special zone directly under `root`.
async fn resolve_units(
    state: &AppState,
    raw: &str,
    all_communes: bool,
    root: i64,
) -> AppResult<Result<Vec<i64>, &'static str>> {
    let mut ids = vec![];
    for token in raw
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        match crate::orgs::resolve_unit_ref(&state.db, token).await? {
            Some(id) => ids.push(id),
            None => return Ok(Err("reporting-type-error-unit")),
        }
    }
    if all_communes {
        for u in crate::orgs::units_near(&state.db, &[root], 1).await? {
            if u.parent_id == Some(root)
                && matches!(u.kind.as_str(), "ward" | "commune" | "special_zone")
                && u.valid_on(Utc::now().date_naive())
            {
                ids.push(u.id);
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(Ok(ids))
}

/// `POST /reporting/types`: the centre creates a type with its assigned units.
pub async fn create_type(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<TypeForm>,
) -> AppResult<Response> {
    let roots = auth.user.roots_with(Capability::ReviewReports);
    let Some(&owner) = roots.first() else {
        return Err(AppError::Forbidden);
    };
    let mut errors = vec![];
    let kind = ReportKind::parse(&form.kind);
    if kind.is_none() {
        errors.push(("kind", "reporting-type-error-kind"));
    }
    let name = clean(&form.name);
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(("name", "reporting-type-error-name"));
    }
    let num = |s: &str, lo: i32, hi: i32| {
        s.trim()
            .parse::<i32>()
            .ok()
            .filter(|n| (lo..=hi).contains(n))
    };
    let due_day = num(&form.due_day, 1, 31);
    if due_day.is_none() {
        errors.push(("due_day", "reporting-type-error-due-day"));
    }
    let lock = num(&form.lock_after_days, 0, 365);
    if lock.is_none() {
        errors.push(("lock_after_days", "reporting-type-error-lock"));
    }
    let hours = num(&form.due_hours, 1, 720);
    if hours.is_none() {
        errors.push(("due_hours", "reporting-type-error-hours"));
    }
    let deadline = NaiveDate::parse_from_str(form.deadline.trim(), "%Y-%m-%d")
        .ok()
        .map(end_of_day);
    if matches!(kind, Some(ReportKind::Thematic | ReportKind::AdHoc)) && deadline.is_none() {
        errors.push(("deadline", "reporting-type-error-deadline"));
    }
    let units = match resolve_units(&state, &form.units, form.all_communes == "yes", owner).await? {
        Ok(u) => u,
        Err(key) => {
            errors.push(("units", key));
            vec![]
        }
    };
    if errors.is_empty() && units.is_empty() {
        errors.push(("units", "reporting-type-error-no-units"));
    }
    for u in &units {
        if !can(&state.db, &auth.user, Capability::ReviewReports, *u).await? {
            errors.push(("units", "reporting-type-error-unit-scope"));
            break;
        }
    }
    if !errors.is_empty() {
        return types_page(&state, &auth, form, errors).await;
    }
    let kind = kind.expect("checked");
    actions::create_type(
        &state.db,
        &auth.ctx.actor(),
        &store::NewType {
            kind: kind.key(),
            name: &name,
            instructions: &clean(&form.instructions),
            due_day: due_day.expect("checked"),
            lock_after_days: lock.expect("checked"),
            due_hours: hours.expect("checked"),
            deadline,
            owner_unit_id: owner,
        },
        &units,
        Utc::now(),
    )
    .await?;
    Ok(Redirect::to("/reporting/types").into_response())
}

/// A report as a line.
pub struct ReportLine {
    /// Id.
    pub id: i64,
    /// Type name.
    pub type_name: String,
    /// Unit name.
    pub unit: String,
    /// Period.
    pub period: String,
    /// Status key.
    pub status_key: String,
    /// Status label.
    pub status: String,
    /// Due.
    pub due: String,
}

async fn report_lines(
    state: &AppState,
    auth: &Auth,
    reports: &[Report],
) -> AppResult<Vec<ReportLine>> {
    let tr = auth.ctx.tr;
    let ids: Vec<i64> = reports.iter().map(|r| r.unit_id).collect();
    let names = crate::orgs::unit_names(&state.db, &ids).await?;
    let now = Utc::now();
    Ok(reports
        .iter()
        .map(|r| {
            let status = Status::parse(&r.status);
            let key = if status != Status::Accepted && is_locked(status, r.lock_at, now) {
                "locked".to_string()
            } else {
                r.status.clone()
            };
            ReportLine {
                id: r.id,
                type_name: r.type_name.clone(),
                unit: crate::reporting::pages::unit_name(&names, r.unit_id),
                period: period_label(auth, &r.period),
                status: tr.t(&format!("reporting-report-status-{key}")),
                status_key: key,
                due: show_time(r.due_at),
            }
        })
        .collect())
}

fn period_label(auth: &Auth, period: &str) -> String {
    if period == "once" {
        auth.ctx.tr.t("reporting-report-period-once")
    } else {
        period.to_string()
    }
}

/// The reports page.
#[derive(Template)]
#[template(path = "reporting/reports.html")]
struct ReportsTemplate {
    c: Chrome,
    openable: Vec<(i64, String, i64, String)>,
    default_period: String,
    reports: Vec<ReportLine>,
    to_review: Vec<ReportLine>,
}

/// `GET /reporting/reports`: reports the user may open, see and review.
pub async fn list_reports(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let editable = units_in_scope(&state, &auth.user, Capability::EditReports).await?;
    let editable_ids: Vec<i64> = editable.iter().map(|u| u.id).collect();
    // Assignments of the user's own units (not every unit under a city-level analyst).
    let own: Vec<i64> = auth.user.roots_with(Capability::EditReports);
    let assignments = store::list_assignments(&state.db, &own).await?;
    let types = store::list_types(&state.db).await?;
    let names = crate::orgs::unit_names(&state.db, &own).await?;
    let openable = assignments
        .iter()
        .filter_map(|(t, u)| {
            let ty = types.iter().find(|x| x.id == *t)?;
            Some((
                *t,
                ty.name.clone(),
                *u,
                crate::reporting::pages::unit_name(&names, *u),
            ))
        })
        .collect();
    let visible = units_in_scope(&state, &auth.user, Capability::ViewReports).await?;
    let mut ids: Vec<i64> = visible.iter().map(|u| u.id).collect();
    ids.extend(editable_ids);
    ids.sort_unstable();
    ids.dedup();
    let reports = store::list_reports_of_units(&state.db, &ids, 200).await?;
    let review_roots = auth.user.roots_with(Capability::ReviewReports);
    let waiting = store::list_submitted(&state.db, &review_roots).await?;
    let last_month = Utc::now().date_naive() - Duration::days(20);
    Ok(page(ReportsTemplate {
        c: auth.ctx.chrome("reporting-reports-title"),
        openable,
        default_period: Period::month(last_month).as_str().to_string(),
        reports: report_lines(&state, &auth, &reports).await?,
        to_review: report_lines(&state, &auth, &waiting).await?,
    }))
}

/// The form that opens (or creates) a unit's report for a period.
#[derive(Deserialize)]
pub struct OpenForm {
    /// `type id:unit id`.
    assignment: String,
    #[serde(default)]
    period: String,
}

/// `POST /reporting/reports/open`.
pub async fn open_report(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<OpenForm>,
) -> AppResult<Response> {
    let (type_id, unit_id) = form
        .assignment
        .split_once(':')
        .and_then(|(t, u)| Some((t.parse::<i64>().ok()?, u.parse::<i64>().ok()?)))
        .ok_or(AppError::BadRequest("reporting-report-error-not-assigned"))?;
    require(&state.db, &auth.user, Capability::EditReports, unit_id).await?;
    let t = store::find_type(&state.db, type_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::list_type_units(&state.db, t.id)
        .await?
        .contains(&unit_id)
    {
        return Err(AppError::BadRequest("reporting-report-error-not-assigned"));
    }
    let s = schedule(&t);
    let raw = if s.kind.periodic() || s.kind == ReportKind::Quick {
        form.period.clone()
    } else {
        "once".to_string()
    };
    let raw = if s.kind == ReportKind::Quick && raw.trim().is_empty() {
        Utc::now().date_naive().format("%Y-%m-%d").to_string()
    } else {
        raw
    };
    let period = Period::parse(s.kind, &raw).map_err(AppError::BadRequest)?;
    let now = Utc::now();
    let (due, lock) = s.deadlines(&period, now);
    let (id, _) = actions::open_report(
        &state.db,
        &auth.ctx.actor(),
        t.id,
        unit_id,
        period.as_str(),
        due,
        lock,
        now,
    )
    .await?;
    Ok(Redirect::to(&format!("/reporting/reports/{id}")).into_response())
}

/// One report.
#[derive(Template)]
#[template(path = "reporting/report.html")]
struct ReportTemplate {
    c: Chrome,
    r: ReportLine,
    general_mood: String,
    causes: String,
    forecast: String,
    recommendations: String,
    groups: Vec<(String, Vec<StreamLine>)>,
    available: Vec<StreamLine>,
    events: Vec<(String, String, String, String)>,
    editable: bool,
    locked: bool,
    lock_at: String,
    can_review: bool,
    can_reopen: bool,
    flash: Option<String>,
    error: Option<String>,
    attachments: Vec<(i64, String, String)>,
}

/// Query of the report page.
#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    ok: String,
}

/// `GET /reporting/reports/{id}`.
pub async fn show_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    report_page(&state, &auth, id, &q.ok, None).await
}

async fn report_page(
    state: &AppState,
    auth: &Auth,
    id: i64,
    ok: &str,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let r = store::find_report(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_edit = can(&state.db, &auth.user, Capability::EditReports, r.unit_id).await?;
    let can_view =
        can_edit || can(&state.db, &auth.user, Capability::ViewReports, r.unit_id).await?;
    if !can_view {
        return Err(AppError::NotFound);
    }
    let can_review = can(&state.db, &auth.user, Capability::ReviewReports, r.unit_id).await?;
    let topics = store::list_topics(&state.db).await?;
    let status = Status::parse(&r.status);
    let now = Utc::now();
    let locked = is_locked(status, r.lock_at, now);
    let editable = can_edit && transition(status, r.lock_at, now, Step::Edit).is_ok();
    let included = store::list_report_streams(&state.db, id).await?;
    let lines = stream_lines(state, tr, &topics, &included).await?;
    let mut groups: Vec<(String, Vec<StreamLine>)> = vec![];
    for scope in crate::reporting::model::Scope::KEYS {
        let label = tr.t(&crate::reporting::model::Scope::label_key(scope));
        groups.push((label, vec![]));
    }
    for l in lines {
        let i = crate::reporting::model::Scope::KEYS
            .iter()
            .position(|k| *k == l.scope_key)
            .unwrap_or(0);
        groups[i].1.push(l);
    }
    let available = if editable && r.period.len() == 7 {
        let today = now.date_naive();
        let units: Vec<i64> = crate::orgs::rollup(&state.db, r.unit_id, today)
            .await?
            .iter()
            .map(|u| u.id)
            .collect();
        let free: Vec<_> = store::list_streams_of_units(&state.db, &units, &r.period, 500)
            .await?
            .into_iter()
            .filter(|s| s.report_id.is_none())
            .collect();
        stream_lines(state, tr, &topics, &free).await?
    } else {
        vec![]
    };
    let events = store::list_events(&state.db, id)
        .await?
        .into_iter()
        .map(|e| {
            (
                show_time(e.at),
                e.username,
                tr.t(&format!("reporting-report-status-{}", e.action)),
                e.comment,
            )
        })
        .collect();
    let line = report_lines(state, auth, std::slice::from_ref(&r))
        .await?
        .remove(0);
    let flash = (!ok.is_empty()).then(|| tr.t(&format!("reporting-report-flash-{ok}")));
    Ok(page(ReportTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", r.type_name, line.unit)),
        r: line,
        general_mood: r.general_mood,
        causes: r.causes,
        forecast: r.forecast,
        recommendations: r.recommendations,
        groups,
        available,
        events,
        editable,
        locked,
        lock_at: show_time(r.lock_at),
        can_review: can_review && status == Status::Submitted,
        can_reopen: can_review && (locked || status == Status::Submitted),
        flash,
        error: error.map(|k| tr.t(k)),
        attachments: store::list_attachments(&state.db, id)
            .await?
            .into_iter()
            .map(|a| {
                (
                    a.id,
                    a.file_name,
                    format!("{:.1} KiB", a.size as f64 / 1024.0),
                )
            })
            .collect(),
    }))
}

/// `POST /reporting/reports/{id}`: saves the skeleton and the chosen streams (fields repeated
/// as `stream`), then submits when `action=submit`.
pub async fn update_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let r = store::find_report(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&state.db, &auth.user, Capability::EditReports, r.unit_id).await?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| clean(v))
            .unwrap_or_default()
    };
    let chosen: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "stream")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let now = Utc::now();
    let status = Status::parse(&r.status);
    if let Err(key) = transition(status, r.lock_at, now, Step::Edit) {
        return Ok((
            axum::http::StatusCode::CONFLICT,
            report_page(&state, &auth, id, "", Some(key)).await?,
        )
            .into_response());
    }
    for (name, value) in &fields {
        if value.chars().count() > 20000 {
            let _ = name;
            return Err(AppError::BadRequest("reporting-report-error-too-long"));
        }
    }
    let units: Vec<i64> = crate::orgs::rollup(&state.db, r.unit_id, now.date_naive())
        .await?
        .iter()
        .map(|u| u.id)
        .collect();
    let mut allowed: Vec<i64> = store::list_streams_of_units(&state.db, &units, &r.period, 5000)
        .await?
        .into_iter()
        .filter(|s| s.report_id.is_none() || s.report_id == Some(id))
        .map(|s| s.id)
        .collect();
    allowed.sort_unstable();
    actions::update_report(
        &state.db,
        &auth.ctx.actor(),
        &r,
        &store::ReportText {
            general_mood: &get("general_mood"),
            causes: &get("causes"),
            forecast: &get("forecast"),
            recommendations: &get("recommendations"),
        },
        &chosen,
        &allowed,
        now,
    )
    .await?;
    if get("action") == "submit" {
        return step(&state, &auth, id, Step::Submit, "").await;
    }
    Ok(Redirect::to(&format!("/reporting/reports/{id}?ok=saved")).into_response())
}

/// A comment or reason with a workflow step.
#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    comment: String,
}

async fn step(
    state: &AppState,
    auth: &Auth,
    id: i64,
    step: Step,
    comment: &str,
) -> AppResult<Response> {
    let r = store::find_report(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let cap = match step {
        Step::Edit | Step::Submit => Capability::EditReports,
        _ => Capability::ReviewReports,
    };
    require(&state.db, &auth.user, cap, r.unit_id).await?;
    let comment = clean(comment);
    if matches!(step, Step::Return | Step::Reopen) && comment.is_empty() {
        let key = if step == Step::Return {
            "reporting-report-error-comment"
        } else {
            "reporting-report-error-reason"
        };
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            report_page(state, auth, id, "", Some(key)).await?,
        )
            .into_response());
    }
    let now = Utc::now();
    let status = Status::parse(&r.status);
    let to = match transition(status, r.lock_at, now, step) {
        Ok(to) => to,
        Err(key) => {
            return Ok((
                axum::http::StatusCode::CONFLICT,
                report_page(state, auth, id, "", Some(key)).await?,
            )
                .into_response());
        }
    };
    // Reopening gives the unit the type's lock period again from now.
    let lock_at = if step == Step::Reopen {
        let t = store::find_type(&state.db, r.report_type_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Some(now + Duration::days(t.lock_after_days.max(1) as i64))
    } else {
        None
    };
    let change = actions::StepChange {
        step,
        to,
        lock_at,
        comment: &comment,
        now,
    };
    let actor = auth.ctx.actor();
    match step {
        Step::Submit | Step::Edit => actions::submit_report(&state.db, &actor, &r, &change).await?,
        Step::Accept => actions::accept_report(&state.db, &actor, &r, &change).await?,
        Step::Return => actions::return_report(&state.db, &actor, &r, &change).await?,
        Step::Reopen => actions::reopen_report(&state.db, &actor, &r, &change).await?,
    }
    Ok(Redirect::to(&format!("/reporting/reports/{id}?ok={}", to.key())).into_response())
}

/// `POST /reporting/reports/{id}/submit`.
pub async fn submit_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    step(&state, &auth, id, Step::Submit, "").await
}

/// `POST /reporting/reports/{id}/accept`.
pub async fn accept_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> AppResult<Response> {
    step(&state, &auth, id, Step::Accept, &f.comment).await
}

/// `POST /reporting/reports/{id}/return`.
pub async fn return_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> AppResult<Response> {
    step(&state, &auth, id, Step::Return, &f.comment).await
}

/// `POST /reporting/reports/{id}/reopen`.
pub async fn reopen_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> AppResult<Response> {
    step(&state, &auth, id, Step::Reopen, &f.comment).await
}
