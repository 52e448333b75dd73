//! Operations (*vận hành*): what a deployment watches. `GET /metrics` gives the process's
//! figures in Prometheus's text format — requests by route and status with their latency,
//! background job runs and failures, survey submissions, and at each scrape the depth of the
//! mail outbox and of the search index's backlog and the database pool's connections. It is
//! closed unless the deployment sets a token (`--metrics-token`, `DULUAN_METRICS_TOKEN`), which
//! the scraper sends as `Authorization: Bearer …`; a wrong or missing token gets 401, and
//! without a configured token the route does not exist (404).
//!
//! The recorder is the `metrics` crate's global one, installed once per process by the first
//! server (`recorder`); other contexts record through the `metrics` macros or [`job_ran`].
//! Labels are bounded: a route is its template (`/surveys/{id}/results`), never a path with
//! ids, and an unknown method is `other`.
//!
//! `backup.rs`: `duluan backup` and `duluan restore` of the embedded database, and the lock a
//! server holds on its data folder.

pub mod backup;
pub mod inventory;
pub mod lease;
pub mod retention;
mod store;

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::app::AppState;

/// Upper bounds of the latency histogram's buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Name of the request counter.
pub const REQUESTS: &str = "duluan_http_requests_total";
/// Name of the latency histogram.
pub const LATENCY: &str = "duluan_http_request_duration_seconds";

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (`None` if another recorder was installed
/// first: metrics are then not served).
pub fn recorder() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(LATENCY.into()), LATENCY_BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(err) => {
                    tracing::warn!(error = %err, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// Records one run of a background job and whether it failed.
pub fn job_ran(job: &'static str, ok: bool) {
    metrics::counter!("duluan_job_runs_total", "job" => job).increment(1);
    if !ok {
        metrics::counter!("duluan_job_failures_total", "job" => job).increment(1);
    }
}

/// Middleware: counts every request by method, route template and status, and times it.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "HEAD" => "HEAD",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let start = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(LATENCY, "route" => route).record(start.elapsed().as_secs_f64());
    response
}

/// Routes of operations.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(show_metrics))
        .merge(inventory::routes())
}

/// Whether `headers` carry the bearer `token` (compared in constant time).
fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (given.trim().as_bytes(), token.as_bytes());
    // Length first (it is not secret), then every byte whatever the first difference.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /metrics`.
async fn show_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state
        .config
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return crate::error::AppError::NotFound.into_response();
    };
    if !authorised(&headers, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "metrics: a valid bearer token is required\n",
        )
            .into_response();
    }
    let Some(handle) = recorder() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics: no recorder\n").into_response();
    };
    // Figures read at the scrape: queues and the database pool.
    match crate::mail::outbox_depth(&state.db).await {
        Ok(n) => metrics::gauge!("duluan_mail_outbox_pending").set(n as f64),
        Err(err) => tracing::warn!(error = %err, "metrics: mail outbox depth"),
    }
    match crate::monitoring::index_backlog(&state.db, &state.monitoring).await {
        Ok(n) => metrics::gauge!("duluan_search_index_backlog").set(n as f64),
        Err(err) => tracing::warn!(error = %err, "metrics: search index backlog"),
    }
    let (size, idle) = state.db.pool_state();
    metrics::gauge!("duluan_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("duluan_db_pool_connections", "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!("duluan_up").set(1.0);
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}
