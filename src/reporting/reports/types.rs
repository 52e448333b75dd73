//! Report type pages (the centre): the list of types with their assigned units, and creating a type.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::accounts::can;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::reporting::actions;
use crate::reporting::model::{ReportKind, clean, end_of_day};
use crate::reporting::store::{self, ReportType};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

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
    let deadline = match t.kind {
        k if k.periodic() => tr.ta(
            "reporting-type-due-rule",
            &[
                ("day", t.due_day.to_string()),
                ("lock", t.lock_after_days.to_string()),
            ],
        ),
        ReportKind::Quick => tr.ta(
            "reporting-type-due-hours",
            &[("hours", t.due_hours.to_string())],
        ),
        _ => t.deadline.map(crate::kit::time::show).unwrap_or_default(),
    };
    TypeLine {
        id: t.id,
        name: t.name.clone(),
        kind: tr.t(&format!("reporting-type-kind-{}", t.kind.key())),
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
            kind,
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
