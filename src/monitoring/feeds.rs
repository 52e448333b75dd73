//! RSS/Atom feeds polled on a schedule, politely: conditional requests (`If-None-Match`,
//! `If-Modified-Since`), a timeout, a size limit, and exponential backoff after failures (up to a
//! day). Entries become items keyed by their guid, so a feed read twice adds nothing; an entry
//! that cannot be taken in is skipped with the reason in the source's status; a page that is not
//! a feed (an HTML page, an error page) is a failure shown on the sources page.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::monitoring::ingest::{self, Incoming};
use crate::monitoring::model::{PollStatus, SourceKind};
use crate::monitoring::store::{self, Source};

/// Largest feed document read (bytes).
const MAX_FEED_BYTES: usize = 10 << 20;
/// Longest wait for a feed.
const TIMEOUT: Duration = Duration::from_secs(20);

/// What one poll did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// New entries taken in (and entries skipped).
    Fetched { created: usize, skipped: usize },
    /// `304 Not Modified`.
    NotModified,
    /// Failed: the reason, in English and Vietnamese.
    Failed(String),
}

/// When to poll next: the normal interval after a success, doubling after each failure in a row,
/// never more than a day.
pub fn next_poll(now: i64, poll_minutes: i64, failures: i64) -> i64 {
    let base = poll_minutes.max(5) * 60;
    if failures == 0 {
        return now + base;
    }
    let factor = 1i64 << failures.clamp(0, 10);
    now + (base * factor).min(86_400)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!(
            "duluan/",
            env!("CARGO_PKG_VERSION"),
            " (opinion monitoring; feed reader)"
        ))
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .expect("HTTP client")
}

async fn fetch(
    source: &Source,
) -> Result<Option<(Vec<u8>, Option<String>, String, String)>, String> {
    let mut req = client().get(&source.url);
    if !source.etag.is_empty() {
        req = req.header(reqwest::header::IF_NONE_MATCH, &source.etag);
    }
    if !source.last_modified.is_empty() {
        req = req.header(reqwest::header::IF_MODIFIED_SINCE, &source.last_modified);
    }
    let mut resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            "hết thời gian chờ / timed out".to_string()
        } else {
            format!("không kết nối được / cannot connect: {e}")
        }
    })?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(format!(
            "máy chủ trả lời / server answered HTTP {}",
            status.as_u16()
        ));
    }
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let etag = header(reqwest::header::ETAG).unwrap_or_default();
    let last_modified = header(reqwest::header::LAST_MODIFIED).unwrap_or_default();
    let mut body: Vec<u8> = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_FEED_BYTES {
                    return Err("nguồn tin quá lớn / feed too large (> 10 MiB)".into());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Err(if e.is_timeout() {
                    "hết thời gian chờ / timed out".to_string()
                } else {
                    format!("đọc bị gián đoạn / read interrupted: {e}")
                });
            }
        }
    }
    Ok(Some((body, content_type, etag, last_modified)))
}

/// Polls one feed now and records the outcome on the source.
pub async fn poll(state: &AppState, source: &Source, now: i64) -> AppResult<Outcome> {
    let outcome = match fetch(source).await {
        Ok(None) => Outcome::NotModified,
        Err(reason) => Outcome::Failed(reason),
        Ok(Some((body, content_type, etag, last_modified))) => {
            match duluan_extract::feeds::parse_feed(&body, content_type.as_deref()) {
                Err(e) => Outcome::Failed(e.to_string()),
                Ok(entries) => {
                    let mut incoming: Vec<Incoming> = entries
                        .into_iter()
                        .enumerate()
                        .filter(|(_, e)| !e.text.trim().is_empty())
                        .map(|(i, e)| {
                            let title = e.title.clone().unwrap_or_default();
                            let text = if e.text.trim().is_empty() {
                                title.clone()
                            } else {
                                e.text.clone()
                            };
                            Incoming {
                                external_id: Some(e.id.clone()),
                                text,
                                title,
                                time: e.published.or(e.updated).map(|t| t.timestamp()),
                                url: e.link.clone().unwrap_or_default(),
                                lang: "vi".into(),
                                place: i,
                                ..Default::default()
                            }
                        })
                        .collect();
                    let total = incoming.len();
                    let mut created = 0;
                    // Entries that cannot be taken in are dropped; the others still go in.
                    for _ in 0..3 {
                        match ingest::ingest(state, source, incoming.clone(), None).await? {
                            Ok((ids, _)) => {
                                created = ids.len();
                                break;
                            }
                            Err(errors) => {
                                incoming.retain(|i| !errors.iter().any(|e| e.index == i.place));
                            }
                        }
                    }
                    store::update_poll(
                        &state.db,
                        source.id,
                        &etag,
                        &last_modified,
                        0,
                        next_poll(now, source.poll_minutes, 0),
                        now,
                        PollStatus::Ok,
                        "",
                    )
                    .await?;
                    return Ok(Outcome::Fetched {
                        created,
                        skipped: total - incoming.len(),
                    });
                }
            }
        }
    };
    match &outcome {
        Outcome::NotModified => {
            store::update_poll(
                &state.db,
                source.id,
                &source.etag,
                &source.last_modified,
                0,
                next_poll(now, source.poll_minutes, 0),
                now,
                PollStatus::NotModified,
                "",
            )
            .await?
        }
        Outcome::Failed(reason) => {
            let failures = source.failures + 1;
            store::update_poll(
                &state.db,
                source.id,
                &source.etag,
                &source.last_modified,
                failures,
                next_poll(now, source.poll_minutes, failures),
                now,
                PollStatus::Failed,
                reason,
            )
            .await?
        }
        Outcome::Fetched { .. } => {}
    }
    Ok(outcome)
}

/// Polls every feed that is due.
pub async fn poll_due(state: &AppState, now: i64) -> AppResult<usize> {
    let due = store::due_feeds(&state.db, now).await?;
    let n = due.len();
    for source in due {
        if let Outcome::Failed(reason) = poll(state, &source, now).await? {
            tracing::info!(source = source.id, %reason, "monitoring: feed poll failed");
        }
    }
    Ok(n)
}

/// `POST /monitoring/sources/{id}/poll`: polls a feed now.
pub async fn poll_now(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
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
    if source.kind != SourceKind::Feed {
        return Err(AppError::BadRequest("monitoring-source-error-kind"));
    }
    // The request is recorded before the poll: a poll fetches over the network, which no
    // transaction may span, and then writes as the background job does. Failing to record the
    // request fails it, and nothing is fetched.
    audit::entry(&auth.ctx.actor(), "monitoring_feed_poll")
        .object("monitor_source", id)
        .unit(source.unit_id)
        .detail(json!({"url": source.url}))
        .write_alone(&state.db)
        .await?;
    poll(&state, &source, Utc::now().timestamp()).await?;
    Ok(Redirect::to("/monitoring/sources").into_response())
}

use crate::web::ctx::Auth;

#[cfg(test)]
mod tests {
    use super::next_poll;

    #[test]
    fn backoff_doubles_and_stops_at_a_day() {
        assert_eq!(next_poll(0, 60, 0), 3600);
        assert_eq!(next_poll(0, 60, 1), 7200);
        assert_eq!(next_poll(0, 60, 3), 28_800);
        assert_eq!(next_poll(0, 60, 9), 86_400);
        assert_eq!(next_poll(0, 1, 0), 300);
    }
}
