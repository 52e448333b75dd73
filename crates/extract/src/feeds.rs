//! RSS (0.9x, 1.0, 2.0), Atom and JSON Feed entries to plain text by `feed-rs`, and polite
//! polling: conditional requests (ETag, Last-Modified) and exponential backoff on failures.
//! The app does the HTTP; everything here is pure.

use crate::{Quality, clean, clean_opt, html};
use chrono::{DateTime, Utc};
use std::fmt;
use std::time::Duration;

/// One entry of a feed, its texts NFC with legacy encodings repaired and HTML stripped.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedEntry {
    /// The entry's guid or id (`feed-rs` derives a stable one when the feed gives none).
    pub id: String,
    /// Title, as plain text.
    pub title: Option<String>,
    /// Content, else summary, else title, as plain text (never empty).
    pub text: String,
    /// Link to the entry's page.
    pub link: Option<String>,
    /// Publication time.
    pub published: Option<DateTime<Utc>>,
    /// Last update time.
    pub updated: Option<DateTime<Utc>>,
    /// How well-formed the text's Vietnamese is.
    pub quality: Quality,
}

/// Why a feed could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedError {
    /// The address gave an HTML page, not a feed; `feed_links` are the feed addresses the page
    /// announces (`<link rel="alternate" type="application/rss+xml" href="…">`), if any.
    NotAFeed {
        /// Feed links found in the page, as written (maybe relative).
        feed_links: Vec<String>,
    },
    /// Nothing was received.
    Empty,
    /// A broken feed; the text gives the parser's words.
    Malformed(String),
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedError::NotAFeed { feed_links } if feed_links.is_empty() => f.write_str(
                "this address gives a web page (HTML), not an RSS or Atom feed; use the site's feed address",
            ),
            FeedError::NotAFeed { feed_links } => write!(
                f,
                "this address gives a web page (HTML), not an RSS or Atom feed; the page names its feed: {}",
                feed_links.join(", ")
            ),
            FeedError::Empty => f.write_str("the feed is empty"),
            FeedError::Malformed(why) => write!(f, "not a readable RSS or Atom feed: {why}"),
        }
    }
}

impl std::error::Error for FeedError {}

/// Whether the bytes start like an HTML page.
fn looks_html(bytes: &[u8], content_type: Option<&str>) -> bool {
    let ct_html = content_type.is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        c.starts_with("text/html") || c.starts_with("application/xhtml")
    });
    let start: Vec<u8> = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(512)
        .map(u8::to_ascii_lowercase)
        .collect();
    let has = |needle: &[u8]| start.windows(needle.len()).any(|w| w == needle);
    ct_html || start.starts_with(b"<!doctype html") || has(b"<html")
}

/// `href`s of `<link rel="alternate" type="application/rss+xml|atom+xml">` in an HTML page.
fn feed_links(bytes: &[u8]) -> Vec<String> {
    let page = String::from_utf8_lossy(&bytes[..bytes.len().min(256 << 10)]);
    let lower = page.to_ascii_lowercase();
    let mut links = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<link") {
        let start = from + i;
        let end = lower[start..].find('>').map_or(lower.len(), |j| start + j);
        let tag = &lower[start..end];
        if tag.contains("alternate")
            && (tag.contains("application/rss+xml") || tag.contains("application/atom+xml"))
            && let Some(h) = tag.find("href=")
        {
            let value_start = start + h + 5;
            let raw = &page[value_start..end];
            let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
            let value = match quote {
                Some(q) => raw[1..].split(q).next().unwrap_or(""),
                None => raw
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or(""),
            };
            if !value.is_empty() && links.len() < 10 {
                links.push(html::decode_entities(value));
            }
        }
        from = end;
    }
    links
}

/// Parses a feed into entries (feed order).
///
/// `content_type` is the HTTP `Content-Type`, if known: an HTML type with a body that is not a
/// feed gives [`FeedError::NotAFeed`].
pub fn parse_feed(bytes: &[u8], content_type: Option<&str>) -> Result<Vec<FeedEntry>, FeedError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FeedError::Empty);
    }
    let parsed = std::panic::catch_unwind(|| feed_rs::parser::parse(bytes));
    let feed = match parsed {
        Ok(Ok(feed)) => feed,
        Ok(Err(e)) => {
            return Err(if looks_html(bytes, content_type) {
                FeedError::NotAFeed {
                    feed_links: feed_links(bytes),
                }
            } else {
                FeedError::Malformed(e.to_string())
            });
        }
        Err(_) => return Err(FeedError::Malformed("the feed parser failed".to_string())),
    };
    let mut entries = Vec::with_capacity(feed.entries.len());
    for e in feed.entries {
        let title = e
            .title
            .as_ref()
            .and_then(|t| clean_opt(&html::to_text(&t.content)));
        let body = e
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .map(html::to_text)
            .filter(|t| !t.trim().is_empty())
            .or_else(|| {
                e.summary
                    .as_ref()
                    .map(|s| html::to_text(&s.content))
                    .filter(|t| !t.trim().is_empty())
            });
        let text = match body {
            Some(b) => clean(b.trim()).0.trim().to_string(),
            None => title.clone().unwrap_or_default(),
        };
        if text.is_empty() {
            continue;
        }
        let link = e
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(e.links.first())
            .map(|l| l.href.trim().to_string())
            .filter(|h| !h.is_empty());
        entries.push(FeedEntry {
            id: e.id,
            title,
            quality: Quality::of(&text),
            text,
            link,
            published: e.published,
            updated: e.updated,
        });
    }
    Ok(entries)
}

/// State of polling one feed, kept by the app between polls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollState {
    /// `ETag` of the last response, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` of the last response, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// Failures in a row since the last success.
    pub failures: u32,
    /// When to poll next.
    pub next_due: DateTime<Utc>,
}

impl PollState {
    /// A feed never polled: due at `now`.
    pub fn new(now: DateTime<Utc>) -> PollState {
        PollState {
            etag: None,
            last_modified: None,
            failures: 0,
            next_due: now,
        }
    }
}

/// What a poll gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollOutcome {
    /// `200 OK` with a feed; the response's validators (absent ones are forgotten).
    Fetched {
        /// The response's `ETag`.
        etag: Option<String>,
        /// The response's `Last-Modified`.
        last_modified: Option<String>,
    },
    /// `304 Not Modified`.
    NotModified,
    /// An error status, a network error, or a body that is not a feed.
    Failed,
    /// No answer within the app's timeout.
    TimedOut,
    /// `429` or `503` with `Retry-After`: a failure, and not before this delay.
    RetryAfter(Duration),
}

/// Polling intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    /// Interval after a success or `304` (default 30 min).
    pub interval: Duration,
    /// Longest wait after failures (default 24 h).
    pub max_backoff: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            interval: Duration::from_secs(30 * 60),
            max_backoff: Duration::from_secs(24 * 3600),
        }
    }
}

/// The state after a poll, with the default [`PollPolicy`].
///
/// Success or `304`: failures reset, next poll after the interval. Failure or timeout number
/// *n* in a row: next poll after interval × 2ⁿ, at most 24 h (30 min → 1 h, 2 h, 4 h … 24 h).
///
/// ```
/// use duluan_extract::feeds::{next_poll, PollOutcome, PollState};
/// use chrono::{TimeZone, Utc};
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap();
/// let s = next_poll(&PollState::new(now), &PollOutcome::Failed, now);
/// assert_eq!((s.failures, s.next_due), (1, Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()));
/// ```
pub fn next_poll(state: &PollState, outcome: &PollOutcome, now: DateTime<Utc>) -> PollState {
    next_poll_with(state, outcome, now, &PollPolicy::default())
}

/// [`next_poll`] with an explicit policy.
pub fn next_poll_with(
    state: &PollState,
    outcome: &PollOutcome,
    now: DateTime<Utc>,
    policy: &PollPolicy,
) -> PollState {
    let after = |d: Duration| {
        let d = d.min(policy.max_backoff.max(policy.interval));
        now + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(1))
    };
    let backoff = |failures: u32| {
        let factor = 1u32.checked_shl(failures.min(30)).unwrap_or(u32::MAX);
        policy
            .interval
            .checked_mul(factor)
            .unwrap_or(policy.max_backoff)
            .min(policy.max_backoff)
    };
    match outcome {
        PollOutcome::Fetched {
            etag,
            last_modified,
        } => PollState {
            etag: etag.clone(),
            last_modified: last_modified.clone(),
            failures: 0,
            next_due: after(policy.interval),
        },
        PollOutcome::NotModified => PollState {
            failures: 0,
            next_due: after(policy.interval),
            ..state.clone()
        },
        PollOutcome::Failed | PollOutcome::TimedOut => {
            let failures = state.failures.saturating_add(1);
            PollState {
                failures,
                next_due: after(backoff(failures)),
                ..state.clone()
            }
        }
        PollOutcome::RetryAfter(wait) => {
            let failures = state.failures.saturating_add(1);
            PollState {
                failures,
                next_due: after(backoff(failures).max(*wait)),
                ..state.clone()
            }
        }
    }
}
