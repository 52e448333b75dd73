//! The sources page: lists sources, creates API integrations (their token shown once) and feeds,
//! turns sources on and off, and syncs the internal sources on demand.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::kit::scope::require_roots;
use crate::monitoring::model::{self, PollStatus, SourceKind};
use crate::monitoring::store::{self, Source};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

use super::import::ocr_info;
use super::internal::sync_internal;

/// One line of the sources list.
pub struct SourceLine {
    /// The source.
    pub s: Source,
    /// Items.
    pub items: i64,
    /// Kind label.
    pub kind_label: String,
    /// Unit name.
    pub unit: String,
    /// Last poll, formatted.
    pub polled: String,
    /// Next poll, formatted.
    pub next: String,
}

/// The sources page.
#[derive(Template)]
#[template(path = "monitoring/sources.html")]
pub struct SourcesTemplate {
    c: Chrome,
    sources: Vec<SourceLine>,
    imports: Vec<(store::Import, String)>,
    can_manage: bool,
    token: Option<(String, String)>,
    errors: Vec<String>,
    file_errors: Vec<String>,
    flash: Option<String>,
    ocr: Option<String>,
    units: Vec<(i64, String)>,
    form: SourceForm,
}

/// The new-source form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SourceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    poll_minutes: String,
}

/// Renders the sources page (with a flash, a new token, or errors).
#[allow(clippy::too_many_arguments)]
pub(super) async fn sources_page(
    state: &AppState,
    auth: &Auth,
    token: Option<(String, String)>,
    errors: Vec<String>,
    file_errors: Vec<String>,
    flash: Option<String>,
    form: SourceForm,
) -> AppResult<Response> {
    let roots = require_roots(&auth.user, &[Capability::ViewMonitoring])?;
    let tr = auth.ctx.tr;
    let subtree = crate::orgs::subtree_ids(&state.db, &roots).await?;
    let all = store::list_sources(&state.db).await?;
    let visible: Vec<(Source, i64)> = all
        .into_iter()
        .filter(|(s, _)| subtree.binary_search(&s.unit_id).is_ok())
        .collect();
    let unit_ids: Vec<i64> = visible.iter().map(|(s, _)| s.unit_id).collect();
    let names: HashMap<i64, String> = crate::orgs::unit_names(&state.db, &unit_ids)
        .await?
        .into_iter()
        .collect();
    let source_names: HashMap<i64, String> = visible
        .iter()
        .map(|(s, _)| (s.id, s.name.clone()))
        .collect();
    let sources = visible
        .into_iter()
        .map(|(s, items)| SourceLine {
            kind_label: tr.t(&s.kind.label_key()),
            unit: names.get(&s.unit_id).cloned().unwrap_or_default(),
            polled: crate::kit::time::show_unix(s.last_polled_at),
            next: if s.kind == SourceKind::Feed {
                crate::kit::time::show_unix(Some(s.next_poll_at))
            } else {
                String::new()
            },
            items,
            s,
        })
        .collect();
    let imports = store::list_imports(&state.db, 20)
        .await?
        .into_iter()
        .filter_map(|i| {
            let name = source_names.get(&i.source_id)?.clone();
            Some((i, name))
        })
        .collect();
    let manage_roots = auth.user.roots_with(Capability::ManageMonitoring);
    let units = crate::orgs::units_near(&state.db, &manage_roots, 1)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let ocr = crate::monitoring::ingest::ocr_status(tr);
    Ok(page(SourcesTemplate {
        c: auth.ctx.chrome("monitoring-sources-title"),
        sources,
        imports,
        can_manage: !manage_roots.is_empty(),
        token,
        file_errors,
        flash,
        ocr,
        units,
        form,
        errors,
    }))
}

/// Whether OCR works here, as a sentence for the page (`None`: it works).
pub fn ocr_status(tr: Tr) -> Option<String> {
    match ocr_info() {
        Some(info) if info.vietnamese => None,
        Some(_) => Some(tr.t("monitoring-ocr-no-vie")),
        None => Some(tr.t("monitoring-ocr-missing")),
    }
}

/// `GET /monitoring/sources`.
pub async fn show_sources(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    sources_page(
        &state,
        &auth,
        None,
        vec![],
        vec![],
        None,
        SourceForm::default(),
    )
    .await
}

/// `POST /monitoring/sources`: a new API integration (its token shown once) or feed.
pub async fn create_source(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<SourceForm>,
) -> AppResult<Response> {
    require_roots(&auth.user, &[Capability::ManageMonitoring])?;
    let tr = auth.ctx.tr;
    let mut errors = vec![];
    let name = form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(tr.t("monitoring-source-error-name"));
    }
    // A person creates API, feed and file sources; the internal ones are the platform's.
    let kind = SourceKind::parse(&form.kind)
        .filter(|k| matches!(k, SourceKind::Api | SourceKind::Feed | SourceKind::File));
    if kind.is_none() {
        errors.push(tr.t("monitoring-source-error-kind"));
    }
    let url = form.url.trim().to_string();
    if kind == Some(SourceKind::Feed)
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        errors.push(tr.t("monitoring-source-error-url"));
    }
    let poll: i64 = if form.poll_minutes.trim().is_empty() {
        60
    } else {
        match form.poll_minutes.trim().parse::<i64>() {
            Ok(m) if (5..=10_080).contains(&m) => m,
            _ => {
                errors.push(tr.t("monitoring-source-error-poll"));
                60
            }
        }
    };
    let unit_id: Option<i64> = form.unit_id.trim().parse().ok();
    let allowed = match unit_id {
        Some(u) => {
            crate::accounts::can(&state.db, &auth.user, Capability::ManageMonitoring, u).await?
        }
        None => false,
    };
    if !allowed {
        errors.push(tr.t("monitoring-source-error-unit"));
    }
    if !errors.is_empty() {
        let mut r = sources_page(&state, &auth, None, errors, vec![], None, form).await?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let unit_id = unit_id.expect("checked");
    let kind = kind.expect("checked");
    let now = Utc::now().timestamp();
    let (token, hash) = model::new_token();
    let hint = format!("…{}", &token[token.len() - 4..]);
    let is_api = kind == SourceKind::Api;
    let mut tx = state.db.begin().await?;
    let id = store::insert_source_in(
        &mut tx,
        &store::NewSource {
            kind,
            name: &name,
            unit_id,
            url: if kind == SourceKind::Feed { &url } else { "" },
            token_hash: is_api.then_some(hash.as_str()),
            token_hint: if is_api { &hint } else { "" },
            poll_minutes: poll,
            created_by: Some(auth.user.id),
        },
        now,
    )
    .await?;
    audit::entry(&auth.ctx.actor(), "monitoring_source_create")
        .object("monitor_source", id)
        .unit(unit_id)
        .detail(json!({"kind": kind.key(), "name": name, "url": url}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    let token = is_api.then(|| (name.clone(), token));
    let flash = Some(tr.t("monitoring-source-created"));
    sources_page(
        &state,
        &auth,
        token,
        vec![],
        vec![],
        flash,
        SourceForm::default(),
    )
    .await
}

/// The on/off form.
#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

/// `POST /monitoring/sources/{id}/active`.
pub async fn toggle_source(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> AppResult<Response> {
    let source = store::find_source(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::accounts::require(
        &state.db,
        &auth.user,
        Capability::ManageMonitoring,
        source.unit_id,
    )
    .await?;
    let active = form.active == "yes";
    let mut tx = state.db.begin().await?;
    store::set_source_active(&mut tx, id, active).await?;
    let action = if active {
        "monitoring_source_on"
    } else {
        "monitoring_source_off"
    };
    audit::entry(&auth.ctx.actor(), action)
        .object("monitor_source", id)
        .unit(source.unit_id)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/monitoring/sources").into_response())
}

/// `POST /monitoring/sources/sync`: takes in the reporting context's new streams now.
pub async fn sync_now(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    require_roots(&auth.user, &[Capability::ManageMonitoring])?;
    let n = sync_internal(&state, Utc::now().timestamp()).await?;
    let flash = Some(
        auth.ctx
            .tr
            .ta("monitoring-sync-done", &[("count", n.to_string())]),
    );
    sources_page(
        &state,
        &auth,
        None,
        vec![],
        vec![],
        flash,
        SourceForm::default(),
    )
    .await
}
