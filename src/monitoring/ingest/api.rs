//! The ingest API: `POST /api/monitoring/items` with a source's token, every item stored or none.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::json;

use crate::app::AppState;
use crate::error::AppResult;
use crate::monitoring::model::{self, ApiItem, ItemError};
use crate::monitoring::store;
use crate::web::i18n::{Lang, Tr};

use super::{Incoming, ingest, prepare_batch};

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
