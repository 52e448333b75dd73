//! The coverage matrix of a unit: representation targets against its active collaborators, and
//! setting a target.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::value_name;
use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::app::AppState;
use crate::audit;
use crate::collaborators::model::{AppliesTo, Cell, CollaboratorStatus, Dimension, TargetOn};
use crate::collaborators::store::{self, Collaborator};
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// A column of the coverage matrix.
struct Column {
    label: String,
    applies_to_children: bool,
}

/// The coverage page.
#[derive(Template)]
#[template(path = "collaborators/coverage.html")]
struct CoverageTemplate {
    c: Chrome,
    unit_id: i64,
    unit_name: String,
    columns: Vec<Column>,
    rows: Vec<(i64, String, Vec<Option<Cell>>)>,
    unmet: usize,
    can_manage: bool,
    dimensions: Vec<(String, String)>,
}

/// Query of the coverage page.
#[derive(Deserialize, Default)]
pub struct CoverageQuery {
    /// Parsed by `kit::bounds::parse_id` (a clear 400 for a bad number).
    #[serde(default)]
    unit: String,
}

/// `GET /collaborators/coverage`: targets of a unit against its active collaborators.
pub async fn show_coverage(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CoverageQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let roots = crate::kit::scope::roots(
        &auth.user,
        &[Capability::ManageCollaborators, Capability::ViewReports],
    );
    let unit_id = crate::kit::bounds::parse_id(&q.unit)?
        .or(roots.first().copied())
        .ok_or(AppError::Forbidden)?;
    if !can(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        unit_id,
    )
    .await?
        && !can(&state.db, &auth.user, Capability::ViewReports, unit_id).await?
    {
        return Err(AppError::Forbidden);
    }
    let today = Utc::now().date_naive();
    let subtree = crate::orgs::rollup(&state.db, unit_id, today).await?;
    let parent: HashMap<i64, Option<i64>> = subtree.iter().map(|u| (u.id, u.parent_id)).collect();
    let child_of = |mut id: i64| -> Option<i64> {
        for _ in 0..64 {
            match parent.get(&id).copied().flatten() {
                Some(p) if p == unit_id => return Some(id),
                Some(p) if parent.contains_key(&p) => id = p,
                _ => return None,
            }
        }
        None
    };
    let ids: Vec<i64> = subtree.iter().map(|u| u.id).collect();
    let active: Vec<Collaborator> = store::list_collaborators(&state.db, &ids, 20000)
        .await?
        .into_iter()
        .filter(|c| c.status == CollaboratorStatus::Active)
        .collect();
    let targets = store::list_targets(&state.db, &[unit_id]).await?;
    let values = store::list_values(&state.db).await?;
    let matches = |c: &Collaborator, t: &store::Target| {
        t.dimension
            .dimension()
            .is_none_or(|d| c.attribute(d) == t.value_key)
    };
    let columns: Vec<Column> = targets
        .iter()
        .map(|t| {
            let what = match t.dimension.dimension() {
                None => tr.t("collaborators-target-any"),
                Some(d) => value_name(tr, &values, d, &t.value_key),
            };
            Column {
                label: tr.ta(
                    "collaborators-target-label",
                    &[("what", what), ("min", t.minimum.to_string())],
                ),
                applies_to_children: t.applies_to == AppliesTo::Children,
            }
        })
        .collect();
    let children: Vec<&crate::orgs::model::Unit> = subtree
        .iter()
        .filter(|u| u.parent_id == Some(unit_id))
        .collect();
    let mut rows = vec![];
    let mut unmet = 0;
    let unit_name = subtree
        .iter()
        .find(|u| u.id == unit_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    // The unit's own row: targets that apply to the whole unit.
    let own: Vec<Option<Cell>> = targets
        .iter()
        .map(|t| {
            (t.applies_to == AppliesTo::Unit).then(|| Cell {
                have: active.iter().filter(|c| matches(c, t)).count() as i64,
                need: t.minimum as i64,
            })
        })
        .collect();
    unmet += own.iter().flatten().filter(|c| !c.met()).count();
    rows.push((unit_id, unit_name.clone(), own));
    if targets.iter().any(|t| t.applies_to == AppliesTo::Children) {
        let mut per_child: HashMap<i64, Vec<&Collaborator>> = HashMap::new();
        for c in &active {
            let key = if c.unit_id == unit_id {
                None
            } else {
                child_of(c.unit_id)
            };
            if let Some(k) = key {
                per_child.entry(k).or_default().push(c);
            }
        }
        for ch in &children {
            let list = per_child.get(&ch.id).cloned().unwrap_or_default();
            let cells: Vec<Option<Cell>> = targets
                .iter()
                .map(|t| {
                    (t.applies_to == AppliesTo::Children).then(|| Cell {
                        have: list.iter().filter(|c| matches(c, t)).count() as i64,
                        need: t.minimum as i64,
                    })
                })
                .collect();
            unmet += cells.iter().flatten().filter(|c| !c.met()).count();
            rows.push((ch.id, ch.name.clone(), cells));
        }
    }
    let mut dimensions = vec![("any".to_string(), tr.t("collaborators-target-any"))];
    for v in &values {
        dimensions.push((
            format!("{}:{}", v.dimension.key(), v.key),
            format!(
                "{}: {}",
                tr.t(&format!("collaborators-dim-{}", v.dimension.key())),
                value_name(tr, &values, v.dimension, &v.key)
            ),
        ));
    }
    Ok(page(CoverageTemplate {
        c: auth.ctx.chrome("collaborators-coverage-title"),
        unit_id,
        unit_name,
        columns,
        rows,
        unmet,
        can_manage: can(
            &state.db,
            &auth.user,
            Capability::ManageCollaborators,
            unit_id,
        )
        .await?,
        dimensions,
    }))
}

/// The target form.
#[derive(Deserialize)]
pub struct TargetForm {
    unit_id: i64,
    applies_to: String,
    what: String,
    minimum: String,
}

/// `POST /collaborators/targets`.
pub async fn set_target(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<TargetForm>,
) -> AppResult<Response> {
    require(
        &state.db,
        &auth.user,
        Capability::ManageCollaborators,
        f.unit_id,
    )
    .await?;
    let applies = AppliesTo::parse(&f.applies_to)
        .ok_or(AppError::BadRequest("collaborators-error-target"))?;
    let (on, value) = match f.what.split_once(':') {
        Some((d, v)) => match Dimension::parse(d) {
            Some(d) => (TargetOn::of(d), v.to_string()),
            None => return Err(AppError::BadRequest("collaborators-error-target")),
        },
        None if f.what.trim() == TargetOn::Any.key() => (TargetOn::Any, String::new()),
        None => return Err(AppError::BadRequest("collaborators-error-target")),
    };
    if let Some(d) = on.dimension() {
        let values = store::list_values(&state.db).await?;
        if !values.iter().any(|v| v.dimension == d && v.key == value) {
            return Err(AppError::BadRequest("collaborators-error-target"));
        }
    }
    let minimum = f
        .minimum
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (0..=1000).contains(n))
        .ok_or(AppError::BadRequest("collaborators-error-count"))?;
    let mut tx = state.db.begin().await?;
    store::upsert_target(&mut tx, f.unit_id, applies, on, &value, minimum).await?;
    audit::record_in(
        &mut tx,
        &auth.ctx.actor(),
        "collaborator.target",
        "collaborator_target",
        "",
        Some(f.unit_id),
        json!({"applies_to": applies.key(), "dimension": on.key(), "value": value, "minimum": minimum}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/collaborators/coverage?unit={}", f.unit_id)).into_response())
}
