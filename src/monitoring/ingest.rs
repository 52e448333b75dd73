//! Ingest: every way items enter the store goes through [`prepare_batch`] (text repaired and
//! normalised, quality flagged, area resolved and kept inside the source's subtree, topic and
//! direction checked, predictions added, an external id for idempotency) and is written whole
//! by `store::insert_items`. Entry points: the JSON API (`POST /api/monitoring/items` with a
//! source's token), file import (CSV, JSONL, text, DOCX, PDF, images through OCR), feeds
//! (`feeds.rs`), and the internal sources (the reporting context's opinion streams). The
//! sources page lists them and creates API integrations and feeds.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::monitoring::model::{self, ApiItem, ItemError};
use crate::monitoring::store::{self, NewItem, Source};
use crate::web::ctx::Auth;
use crate::web::i18n::{Lang, Tr};
use crate::web::layout::{Chrome, page};

/// An item on its way in, from any entry point.
#[derive(Clone, Debug, Default)]
pub struct Incoming {
    /// The sender's id.
    pub external_id: Option<String>,
    /// Text.
    pub text: String,
    /// Title.
    pub title: String,
    /// Time (unix seconds), or now.
    pub time: Option<i64>,
    /// Area as the sender wrote it (a unit code or `#id`).
    pub area: Option<String>,
    /// Area already resolved.
    pub unit_id: Option<i64>,
    /// Topic key.
    pub topic: Option<String>,
    /// Direction key.
    pub direction: Option<String>,
    /// Link.
    pub url: String,
    /// Language.
    pub lang: String,
    /// Read by OCR.
    pub via_ocr: bool,
    /// Legacy encoding already repaired upstream.
    pub legacy: Option<String>,
    /// Line (files) or position (API) for error messages.
    pub place: usize,
}

/// The topic keys of the taxonomy (the reporting context's topics).
pub async fn topic_keys(db: &Db) -> AppResult<Vec<(String, String, String)>> {
    Ok(crate::reporting::topics(db)
        .await?
        .into_iter()
        .map(|t| (t.key, t.name_vi, t.name_en))
        .collect())
}

/// Checks and prepares a batch for `source`: every item or the list of errors.
pub async fn prepare_batch(
    state: &AppState,
    source: &Source,
    incoming: Vec<Incoming>,
    now: i64,
) -> AppResult<Result<Vec<NewItem>, Vec<ItemError>>> {
    let db = &state.db;
    let codes = state.monitoring.unit_codes(db).await?;
    let topics: Vec<String> = topic_keys(db).await?.into_iter().map(|t| t.0).collect();
    state.monitoring.refresh_models(db, false).await?;
    let (topic_model, direction_model) = {
        let m = state.monitoring.models.read().expect("models lock");
        (
            m.topic.as_ref().map(|x| x.1.clone()),
            m.direction.as_ref().map(|x| x.1.clone()),
        )
    };
    let mut errors: Vec<ItemError> = vec![];
    let mut out: Vec<NewItem> = Vec::with_capacity(incoming.len());
    let mut places: Vec<usize> = Vec::with_capacity(incoming.len());
    let mut areas: Vec<i64> = vec![];
    for inc in incoming {
        let err = |field: &str, key: &'static str| ItemError {
            index: inc.place,
            field: field.to_string(),
            key,
        };
        let prepared = match model::prepare(&inc.title, &inc.text) {
            Ok(p) => p,
            Err(key) => {
                errors.push(err("text", key));
                continue;
            }
        };
        let unit_id = match (&inc.unit_id, inc.area.as_deref().map(str::trim)) {
            (Some(u), _) => *u,
            (None, None | Some("")) => source.unit_id,
            (None, Some(a)) => {
                let found = a
                    .strip_prefix('#')
                    .and_then(|n| n.parse::<i64>().ok())
                    .or_else(|| codes.get(a).copied());
                match found {
                    Some(u) => u,
                    None => {
                        errors.push(err("area", "monitoring-error-area"));
                        continue;
                    }
                }
            }
        };
        if let Some(t) = &inc.topic
            && !topics.iter().any(|k| k == t)
        {
            errors.push(err("topic", "monitoring-error-topic"));
            continue;
        }
        if let Some(d) = &inc.direction
            && !model::is_direction(d)
        {
            errors.push(err("direction", "monitoring-error-direction"));
            continue;
        }
        let time = inc.time.unwrap_or(now);
        let external_id = match inc.external_id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => {
                if id.len() > 200 {
                    errors.push(err("id", "monitoring-error-id"));
                    continue;
                }
                id.to_string()
            }
            _ => model::content_id(&[
                &prepared.title,
                &prepared.body,
                &time.to_string(),
                &unit_id.to_string(),
            ]),
        };
        let predict = |m: &Option<std::sync::Arc<duluan_vitext::classify::Classifier>>| {
            m.as_ref().map(|m| {
                let p = m.predict(&prepared.body);
                (p.label.to_string(), p.confidence)
            })
        };
        areas.push(unit_id);
        places.push(inc.place);
        out.push(NewItem {
            external_id,
            unit_id,
            occurred_at: time,
            lang: if inc.lang.is_empty() {
                "vi".into()
            } else {
                inc.lang.chars().take(8).collect()
            },
            pred_topic: predict(&topic_model),
            pred_direction: predict(&direction_model),
            title: prepared.title,
            body: prepared.body,
            quality: prepared.quality.key(),
            via_ocr: inc.via_ocr,
            legacy_encoding: inc
                .legacy
                .or(prepared.legacy.map(str::to_string))
                .unwrap_or_default(),
            url: inc.url.chars().take(2000).collect(),
            src_topic: inc.topic,
            src_direction: inc.direction,
            skip_index: false,
        });
    }
    // Areas must lie in the source's subtree.
    areas.sort_unstable();
    areas.dedup();
    let inside = crate::orgs::filter_within(db, &[source.unit_id], &areas).await?;
    if inside.len() != areas.len() {
        for (item, place) in out.iter().zip(&places) {
            if !inside.contains(&item.unit_id) {
                errors.push(ItemError {
                    index: *place,
                    field: "area".into(),
                    key: "monitoring-error-area-outside",
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(Ok(out))
    } else {
        errors.sort_by_key(|e| e.index);
        Ok(Err(errors))
    }
}

/// Prepares and stores a batch; returns the new ids, or the errors (nothing stored).
pub async fn ingest(
    state: &AppState,
    source: &Source,
    incoming: Vec<Incoming>,
    import: Option<&store::NewImport<'_>>,
) -> AppResult<Result<(Vec<i64>, usize), Vec<ItemError>>> {
    ingest_recorded(state, source, incoming, import, None).await
}

/// The audit entry of a batch a person sent (a file import), written in the batch's own
/// transaction; `created` (the new items) is added to its detail.
pub struct BatchEntry<'a> {
    /// Who.
    pub actor: &'a crate::audit::Actor,
    /// The action.
    pub action: &'a str,
    /// What (a JSON object).
    pub detail: serde_json::Value,
}

/// [`ingest`] with the audit entry `entry` in the same transaction as the items.
pub async fn ingest_recorded(
    state: &AppState,
    source: &Source,
    incoming: Vec<Incoming>,
    import: Option<&store::NewImport<'_>>,
    entry: Option<BatchEntry<'_>>,
) -> AppResult<Result<(Vec<i64>, usize), Vec<ItemError>>> {
    let now = Utc::now().timestamp();
    let n = incoming.len();
    let items = match prepare_batch(state, source, incoming, now).await? {
        Ok(items) => items,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut tx = state.db.begin().await?;
    let (ids, _) = store::insert_items_in(&mut tx, source.id, import, &items, now).await?;
    if let Some(e) = entry {
        let mut detail = e.detail;
        detail["created"] = json!(ids.len());
        audit::entry(e.actor, e.action)
            .object("monitor_source", source.id)
            .unit(source.unit_id)
            .detail(detail)
            .write(&mut tx)
            .await?;
    }
    tx.commit().await?;
    if !ids.is_empty() {
        state.monitoring.wake.notify_one();
    }
    Ok(Ok((ids, n)))
}

// ---------------------------------------------------------------- the API

fn api_error(status: StatusCode, key: &'static str) -> Response {
    (
        status,
        axum::Json(json!({
            "error": key,
            "message_vi": Tr(Lang::Vi).t(key),
            "message_en": Tr(Lang::En).t(key),
        })),
    )
        .into_response()
}

/// `POST /api/monitoring/items` with `Authorization: Bearer <token>` and
/// `{"items": [{"id", "text", "title", "time", "area", "topic", "direction", "url", "lang"}]}`:
/// all items stored or none; a replayed batch creates nothing new.
pub async fn api_ingest(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    match api_ingest_inner(&state, &headers, &body).await {
        Ok(r) => r,
        Err(err) => {
            tracing::error!(error = %err, "monitoring API failed");
            api_error(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
    }
}

async fn api_ingest_inner(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> AppResult<Response> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if token.is_empty() {
        return Ok(api_error(
            StatusCode::UNAUTHORIZED,
            "monitoring-api-no-token",
        ));
    }
    let Some(source) = store::find_source_by_token(&state.db, &model::token_hash(token)).await?
    else {
        return Ok(api_error(
            StatusCode::UNAUTHORIZED,
            "monitoring-api-bad-token",
        ));
    };
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => {
            return Ok(api_error(
                StatusCode::BAD_REQUEST,
                "monitoring-api-bad-json",
            ));
        }
    };
    let list = match &value {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(o) => match o.get("items") {
            Some(serde_json::Value::Array(a)) => a.clone(),
            _ => {
                return Ok(api_error(
                    StatusCode::BAD_REQUEST,
                    "monitoring-api-no-items",
                ));
            }
        },
        _ => {
            return Ok(api_error(
                StatusCode::BAD_REQUEST,
                "monitoring-api-no-items",
            ));
        }
    };
    if list.is_empty() {
        return Ok(api_error(
            StatusCode::BAD_REQUEST,
            "monitoring-api-no-items",
        ));
    }
    if list.len() > model::MAX_BATCH {
        return Ok(api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "monitoring-api-too-many",
        ));
    }
    let mut incoming = Vec::with_capacity(list.len());
    let mut errors: Vec<ItemError> = vec![];
    for (i, v) in list.into_iter().enumerate() {
        let item: ApiItem = match serde_json::from_value(v) {
            Ok(it) => it,
            Err(e) => {
                let msg = e.to_string();
                let field = msg
                    .split('`')
                    .nth(1)
                    .filter(|_| msg.contains("field"))
                    .unwrap_or("")
                    .to_string();
                errors.push(ItemError {
                    index: i,
                    field,
                    key: "monitoring-api-bad-item",
                });
                continue;
            }
        };
        let time = match &item.time {
            None | Some(serde_json::Value::Null) => None,
            Some(t) => match model::parse_json_time(t) {
                Some(t) => Some(t),
                None => {
                    errors.push(ItemError {
                        index: i,
                        field: "time".into(),
                        key: "monitoring-error-time",
                    });
                    continue;
                }
            },
        };
        incoming.push(Incoming {
            external_id: item.id,
            text: item.text,
            title: item.title.unwrap_or_default(),
            time,
            area: item.area,
            unit_id: None,
            topic: item.topic.filter(|t| !t.trim().is_empty()),
            direction: item.direction.filter(|t| !t.trim().is_empty()),
            url: item.url.unwrap_or_default(),
            lang: item.lang.unwrap_or_default(),
            via_ocr: false,
            legacy: None,
            place: i,
        });
    }
    let outcome = if errors.is_empty() {
        ingest(state, &source, incoming, None).await?
    } else {
        // Report every error at once: also check the items that parsed.
        let now = Utc::now().timestamp();
        if let Err(more) = prepare_batch(state, &source, incoming, now).await? {
            errors.extend(more);
        }
        errors.sort_by_key(|e| e.index);
        Err(errors)
    };
    Ok(match outcome {
        Ok((ids, n)) => (
            StatusCode::OK,
            axum::Json(json!({"received": n, "created": ids.len(), "duplicates": n - ids.len(), "ids": ids})),
        )
            .into_response(),
        Err(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({
                "error": "monitoring-api-invalid",
                "message_vi": Tr(Lang::Vi).t("monitoring-api-invalid"),
                "message_en": Tr(Lang::En).t("monitoring-api-invalid"),
                "errors": errors.iter().map(|e| json!({
                    "index": e.index,
                    "field": e.field,
                    "error": e.key,
                    "message_vi": Tr(Lang::Vi).t(e.key),
                    "message_en": Tr(Lang::En).t(e.key),
                })).collect::<Vec<_>>(),
            })),
        )
            .into_response(),
    })
}

// ---------------------------------------------------------------- internal sources

/// Source of a kind, created at `unit_id` when missing.
pub async fn internal_source(db: &Db, kind: &str, name: &str, unit_id: i64) -> AppResult<Source> {
    if let Some(s) = store::find_source_of_kind(db, kind).await? {
        return Ok(s);
    }
    let now = Utc::now().timestamp();
    let id = store::insert_source(
        db,
        &store::NewSource {
            kind,
            name,
            unit_id,
            poll_minutes: 0,
            ..Default::default()
        },
        now,
    )
    .await?;
    store::find_source(db, id).await?.ok_or(AppError::NotFound)
}

/// Brings the reporting context's new opinion streams in as items; returns how many.
pub async fn sync_internal(state: &AppState, now: i64) -> AppResult<usize> {
    let db = &state.db;
    let existing = store::find_source_of_kind(db, "reporting").await?;
    let cursor = existing.as_ref().map_or(0, |s| s.cursor);
    let mut total = 0;
    let mut cursor = cursor;
    loop {
        let streams = crate::reporting::streams_for_monitoring(db, cursor, 500).await?;
        let Some(last) = streams.last().map(|s| s.id) else {
            break;
        };
        let source = match &existing {
            Some(s) => s.clone(),
            None => {
                let first = streams[0].unit_id;
                let top = crate::orgs::ancestor_ids(db, &[first])
                    .await?
                    .get(&first)
                    .and_then(|v| v.first().copied())
                    .unwrap_or(first);
                internal_source(db, "reporting", "Luồng ý kiến (báo cáo dư luận)", top).await?
            }
        };
        let incoming: Vec<Incoming> = streams
            .into_iter()
            .enumerate()
            .map(|(i, s)| Incoming {
                external_id: Some(format!("stream:{}", s.id)),
                text: s.text,
                title: String::new(),
                time: Some(s.created_at),
                area: None,
                unit_id: Some(s.unit_id),
                topic: Some(s.topic_key),
                direction: Some(model::direction_of_stream(&s.direction).to_string()),
                url: format!("/reporting/streams/{}", s.id),
                lang: "vi".into(),
                via_ocr: false,
                legacy: None,
                place: i,
            })
            .collect();
        match ingest(state, &source, incoming, None).await? {
            Ok((ids, _)) => total += ids.len(),
            Err(errors) => {
                tracing::warn!(
                    ?errors,
                    "monitoring: some opinion streams could not be taken in"
                );
            }
        }
        cursor = last;
        store::set_cursor(db, source.id, cursor, "ok", now).await?;
    }
    Ok(total)
}

// ---------------------------------------------------------------- pages

use crate::monitoring::roots as monitoring_roots;

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

fn fmt_time(t: Option<i64>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| {
            d.with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("offset"))
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "—".into())
}

/// Formats a unix time in Vietnam time.
pub fn format_time(t: i64) -> String {
    fmt_time(Some(t))
}

/// Renders the sources page (with a flash, a new token, or errors).
#[allow(clippy::too_many_arguments)]
async fn sources_page(
    state: &AppState,
    auth: &Auth,
    token: Option<(String, String)>,
    errors: Vec<String>,
    file_errors: Vec<String>,
    flash: Option<String>,
    form: SourceForm,
) -> AppResult<Response> {
    let roots = monitoring_roots(auth, Capability::ViewMonitoring)?;
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
            kind_label: tr.t(&format!("monitoring-kind-{}", s.kind)),
            unit: names.get(&s.unit_id).cloned().unwrap_or_default(),
            polled: fmt_time(s.last_polled_at),
            next: if s.kind == "feed" {
                fmt_time(Some(s.next_poll_at))
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
    monitoring_roots(&auth, Capability::ManageMonitoring)?;
    let tr = auth.ctx.tr;
    let mut errors = vec![];
    let name = form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(tr.t("monitoring-source-error-name"));
    }
    let kind = form.kind.trim();
    if !matches!(kind, "api" | "feed" | "file") {
        errors.push(tr.t("monitoring-source-error-kind"));
    }
    let url = form.url.trim().to_string();
    if kind == "feed" && !(url.starts_with("http://") || url.starts_with("https://")) {
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
    let now = Utc::now().timestamp();
    let (token, hash) = model::new_token();
    let hint = format!("…{}", &token[token.len() - 4..]);
    let is_api = kind == "api";
    let mut tx = state.db.begin().await?;
    let id = store::insert_source_in(
        &mut tx,
        &store::NewSource {
            kind,
            name: &name,
            unit_id,
            url: if kind == "feed" { &url } else { "" },
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
        .detail(json!({"kind": kind, "name": name, "url": url}))
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
    monitoring_roots(&auth, Capability::ManageMonitoring)?;
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

/// The message key of a file error and its detail (the parser's words), if any.
fn file_error_key(kind: &duluan_extract::FileErrorKind) -> (&'static str, String) {
    use duluan_extract::FileErrorKind as K;
    match kind {
        K::Empty => ("monitoring-file-empty", String::new()),
        K::NotText => ("monitoring-file-not-text", String::new()),
        K::Unsupported(what) => ("monitoring-file-unsupported", what.clone()),
        K::Malformed(why) => ("monitoring-file-malformed", why.clone()),
        K::MissingColumn => ("monitoring-file-missing-column", String::new()),
        K::UnknownColumn => ("monitoring-file-unknown-column", String::new()),
        K::DuplicateColumn => ("monitoring-file-duplicate-column", String::new()),
        K::InvalidValue(v) => ("monitoring-file-invalid-value", v.clone()),
        K::EmptyText => ("monitoring-error-empty", String::new()),
        K::TooLarge { bytes, max } => ("monitoring-error-too-long", format!("{bytes} > {max}")),
        K::Encrypted => ("monitoring-file-encrypted", String::new()),
        K::NeedsOcr => ("monitoring-file-needs-ocr", String::new()),
        K::Ocr(why) => ("monitoring-file-ocr-failed", why.clone()),
        K::TooManyErrors(n) => ("monitoring-file-too-many-errors", n.to_string()),
        // Messages with their own arguments, built by `file_error_text`.
        K::Refused(_)
        | K::TooManyPages { .. }
        | K::TooManyOcrPages { .. }
        | K::OcrTimeLimit { .. } => ("upload-error-unreadable", String::new()),
    }
}

/// The message of a file refused by one of its limits, with its numbers.
fn limit_text(tr: Tr, kind: &duluan_extract::FileErrorKind) -> Option<String> {
    use duluan_extract::FileErrorKind as K;
    Some(match kind {
        K::Refused(r) => crate::uploads::refusal_text(tr, r),
        K::TooManyPages { pages, max } => tr.ta(
            "upload-pdf-too-many-pages",
            &[("pages", pages.to_string()), ("max", max.to_string())],
        ),
        K::TooManyOcrPages { max } => {
            tr.ta("upload-ocr-too-many-pages", &[("max", max.to_string())])
        }
        K::OcrTimeLimit { seconds, pages } => tr.ta(
            "upload-ocr-time-limit",
            &[
                ("seconds", seconds.to_string()),
                ("pages", pages.to_string()),
            ],
        ),
        _ => return None,
    })
}

/// Message of a file error, with its place, in the user's language.
fn file_error_text(tr: Tr, e: &duluan_extract::FileError) -> String {
    let (key, detail) = file_error_key(&e.kind);
    let mut place: Vec<String> = vec![];
    if let Some(l) = e.line {
        place.push(tr.ta("monitoring-file-at-line", &[("line", l.to_string())]));
    }
    if let Some(p) = e.page {
        place.push(tr.ta("monitoring-file-at-page", &[("page", p.to_string())]));
    }
    if let Some(c) = &e.column {
        place.push(tr.ta("monitoring-file-at-column", &[("column", c.clone())]));
    }
    let what = limit_text(tr, &e.kind).unwrap_or_else(|| tr.t(key));
    let text = if detail.is_empty() {
        format!("{} {what}", place.join(" "))
    } else {
        format!("{} {what} ({detail})", place.join(" "))
    };
    text.trim().to_string()
}

/// What OCR can do here, found once per process.
fn ocr_info() -> Option<duluan_extract::ocr::OcrInfo> {
    static INFO: std::sync::OnceLock<Option<duluan_extract::ocr::OcrInfo>> =
        std::sync::OnceLock::new();
    INFO.get_or_init(duluan_extract::ocr::available).clone()
}

/// All the OCR of one uploaded file: the request times out after 60 s, so OCR stops (and
/// tesseract is killed) before it, rather than running on after the user was told it failed.
const FILE_OCR_TIME: std::time::Duration = std::time::Duration::from_secs(40);

/// Longest the whole read of an uploaded file may take before the user gets an answer.
const FILE_READ_TIME: std::time::Duration = std::time::Duration::from_secs(50);

/// `POST /monitoring/import` (multipart: `file`, optional `source_id`): every item of the file
/// or nothing, with each error's line and column.
pub async fn import_file(
    State(state): State<AppState>,
    auth: Auth,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let roots = monitoring_roots(&auth, Capability::ManageMonitoring)?;
    let tr = auth.ctx.tr;
    let mut bytes: Option<(String, Vec<u8>)> = None;
    let mut source_id: Option<i64> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("tep").to_string();
                match field.bytes().await {
                    Ok(b) => bytes = Some((name, b.to_vec())),
                    Err(_) => return Err(AppError::BadRequest("monitoring-file-too-large")),
                }
            }
            Some("source_id") => {
                source_id = field.text().await.ok().and_then(|t| t.trim().parse().ok());
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = bytes.filter(|b| !b.1.is_empty()) else {
        let errs = vec![tr.t("monitoring-file-empty")];
        let mut r = sources_page(
            &state,
            &auth,
            None,
            vec![],
            errs,
            None,
            SourceForm::default(),
        )
        .await?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    let source = match source_id {
        Some(id) => {
            let s = store::find_source(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            crate::accounts::require(
                &state.db,
                &auth.user,
                Capability::ManageMonitoring,
                s.unit_id,
            )
            .await?;
            if s.kind != "file" {
                return Err(AppError::BadRequest("monitoring-source-error-kind"));
            }
            Some(s)
        }
        None => {
            let unit = roots[0];
            store::list_sources(&state.db)
                .await?
                .into_iter()
                .find(|(s, _)| s.kind == "file" && s.unit_id == unit)
                .map(|(s, _)| s)
        }
    };
    let options = duluan_extract::Options {
        ocr: ocr_info().is_some_and(|i| i.vietnamese),
        ocr_total_timeout: FILE_OCR_TIME,
        ..duluan_extract::Options::default()
    };
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let file_name = name.clone();
    // Off the async workers and within a time limit: the OCR budget ends first and kills
    // tesseract; the limit below answers the user even if a reader is slower than expected.
    let extracted = match crate::uploads::read_blocking(FILE_READ_TIME, move || {
        duluan_extract::extract(&file_name, &bytes, &options)
    })
    .await
    {
        Ok(x) => x,
        Err(u) => {
            let errs = vec![crate::uploads::unfinished_text(tr, &u)];
            let mut r = sources_page(
                &state,
                &auth,
                None,
                vec![],
                errs,
                None,
                SourceForm::default(),
            )
            .await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let extracted = match extracted {
        Ok(x) => x,
        Err(errors) => {
            // A file refused by a limit (zip bomb, too many pages, OCR budget) is a bad request;
            // a file with line errors is unprocessable.
            let refused = errors.iter().any(|e| limit_text(tr, &e.kind).is_some());
            let errs = errors
                .iter()
                .take(50)
                .map(|e| file_error_text(tr, e))
                .collect();
            let mut r = sources_page(
                &state,
                &auth,
                None,
                vec![],
                errs,
                None,
                SourceForm::default(),
            )
            .await?;
            *r.status_mut() = if refused {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return Ok(r);
        }
    };
    // The file's default source is created only now that the file has been read.
    let source = match source {
        Some(s) => s,
        None => {
            let id = store::insert_source(
                &state.db,
                &store::NewSource {
                    kind: "file",
                    name: "Tệp nhập vào",
                    unit_id: roots[0],
                    created_by: Some(auth.user.id),
                    ..Default::default()
                },
                Utc::now().timestamp(),
            )
            .await?;
            store::find_source(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?
        }
    };
    let format = format!("{:?}", extracted.format).to_lowercase();
    let mut incoming = vec![];
    let mut time_errors = vec![];
    for (i, it) in extracted.items.iter().enumerate() {
        let time = match &it.time {
            Some(t) if !t.trim().is_empty() => match model::parse_time(t) {
                Some(t) => Some(t),
                None => {
                    time_errors.push(ItemError {
                        index: it.line,
                        field: "time".into(),
                        key: "monitoring-error-time",
                    });
                    None
                }
            },
            _ => None,
        };
        incoming.push(Incoming {
            external_id: Some(
                it.external_id
                    .clone()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or_else(|| format!("file:{sha}:{i}")),
            ),
            text: it.text.clone(),
            title: it.title.clone().unwrap_or_default(),
            time,
            area: it.area.clone(),
            unit_id: None,
            topic: it.topic.clone().filter(|s| !s.trim().is_empty()),
            direction: it.direction.clone().filter(|s| !s.trim().is_empty()),
            url: it.url.clone().unwrap_or_default(),
            lang: it.lang.clone().unwrap_or_default(),
            via_ocr: it.via_ocr,
            legacy: it.legacy_encoding.clone(),
            place: it.line,
        });
    }
    let warnings = extracted.warnings.join("\n");
    let import = store::NewImport {
        file_name: &name,
        format: &format,
        sha256: &sha,
        ocr_pages: extracted.ocr_pages as i64,
        warnings: &warnings,
        created_by: Some(auth.user.id),
    };
    let actor = auth.ctx.actor();
    let entry = BatchEntry {
        actor: &actor,
        action: "monitoring_import",
        detail: json!({"file": name, "format": format, "items": incoming.len(), "ocr_pages": extracted.ocr_pages}),
    };
    let outcome = if time_errors.is_empty() {
        ingest_recorded(&state, &source, incoming, Some(&import), Some(entry)).await?
    } else {
        Err(time_errors)
    };
    match outcome {
        Err(errors) => {
            let errs = errors
                .iter()
                .take(50)
                .map(|e| {
                    format!(
                        "{} {} — {}",
                        tr.ta("monitoring-file-at-line", &[("line", e.index.to_string())]),
                        tr.ta("monitoring-file-at-column", &[("column", e.field.clone())]),
                        tr.t(e.key)
                    )
                })
                .collect();
            let mut r = sources_page(
                &state,
                &auth,
                None,
                vec![],
                errs,
                None,
                SourceForm::default(),
            )
            .await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Ok((ids, n)) => {
            let flash = Some(tr.ta(
                "monitoring-import-done",
                &[
                    ("name", name.clone()),
                    ("count", n.to_string()),
                    ("created", ids.len().to_string()),
                ],
            ));
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
    }
}
