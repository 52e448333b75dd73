//! Monitoring's domain types and pure rules: the closed sets it stores (source kinds and poll
//! outcomes, directions, qualities, label and model kinds, cluster and alert statuses, alert and
//! spike kinds, read into enums at the store), how an incoming text is prepared (legacy encodings
//! repaired, NFC, quality flags), the JSON of the ingest API with its per-item errors, times,
//! thresholds, and the effective topic and direction of an item.

use duluan_vitext::legacy::{self, Encoding};
use duluan_vitext::normalize::normalize;
use duluan_vitext::syllable::quality;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::kit::keys::stored_keys;

stored_keys! {
    /// Where items come from (`monitor_sources.kind`).
    pub enum SourceKind: "source kind" {
        /// Pushed through the ingest API with the source's token.
        Api = "api",
        /// Uploaded files.
        File = "file",
        /// An RSS or Atom feed polled by the server.
        Feed = "feed",
        /// The reporting context's opinion streams (internal).
        Reporting = "reporting",
        /// Survey answers (internal).
        Surveys = "surveys",
        /// Entered by hand.
        Manual = "manual",
    }
}

impl SourceKind {
    /// Message key of its name.
    pub fn label_key(self) -> String {
        format!("monitoring-kind-{}", self.key())
    }
}

stored_keys! {
    /// The outcome of a source's last poll or sync (`monitor_sources.last_status`, empty until
    /// the first one: the store reads the empty value as `None`).
    pub enum PollStatus: "poll status" {
        /// Fetched (or synced).
        Ok = "ok",
        /// The feed answered "not modified".
        NotModified = "not-modified",
        /// The poll failed (the error is kept beside it).
        Failed = "failed",
    }
}

stored_keys! {
    /// Direction of an item (*chiều hướng*).
    pub enum Direction: "direction" {
        /// Positive.
        Positive = "positive",
        /// Neutral.
        Neutral = "neutral",
        /// Negative.
        Negative = "negative",
    }
}

impl Direction {
    /// Message key of its name.
    pub fn label_key(self) -> String {
        format!("monitoring-direction-{}", self.key())
    }
}

stored_keys! {
    /// What a person's label or a model is about (`monitor_labels.kind`, `monitor_models.kind`).
    pub enum LabelKind: "label kind" {
        /// The topic of an item.
        Topic = "topic",
        /// The direction of an item.
        Direction = "direction",
    }
}

stored_keys! {
    /// Where an emerging stream (a cluster) stands (`monitor_clusters.status`).
    pub enum ClusterStatus: "cluster status" {
        /// Found by clustering, not decided yet.
        Candidate = "candidate",
        /// Made into a reporting stream.
        Promoted = "promoted",
        /// Dismissed by an analyst.
        Dismissed = "dismissed",
    }
}

stored_keys! {
    /// Where an alert stands (`monitor_alerts.status`).
    pub enum AlertStatus: "alert status" {
        /// Raised, nobody has acted.
        Open = "open",
        /// An analyst has seen it.
        Acknowledged = "acknowledged",
        /// Dealt with.
        Closed = "closed",
    }
}

impl AlertStatus {
    /// Message key of its name.
    pub fn label_key(self) -> String {
        format!("monitoring-alert-status-{}", self.key())
    }
}

stored_keys! {
    /// Which series an alert is about (`monitor_alerts.kind`).
    pub enum AlertKind: "alert kind" {
        /// A topic in an area.
        TopicArea = "topic_area",
        /// An emerging stream.
        Cluster = "cluster",
    }
}

stored_keys! {
    /// What rose in a spike (`monitor_alerts.spike_kind`).
    pub enum SpikeKind: "spike kind" {
        /// The number of items.
        Volume = "volume",
        /// The share of negative items.
        Negative = "negative",
        /// Both.
        Both = "both",
    }
}

impl From<duluan_vitext::spikes::SpikeKind> for SpikeKind {
    fn from(k: duluan_vitext::spikes::SpikeKind) -> SpikeKind {
        match k {
            duluan_vitext::spikes::SpikeKind::Volume => SpikeKind::Volume,
            duluan_vitext::spikes::SpikeKind::Negative => SpikeKind::Negative,
            duluan_vitext::spikes::SpikeKind::Both => SpikeKind::Both,
        }
    }
}

/// Most items in one API batch.
pub const MAX_BATCH: usize = 1000;

/// Most bytes of text in one item (1 MiB); a longer item is refused with its place.
pub const MAX_ITEM_BYTES: usize = 1 << 20;

/// Most bytes of an uploaded file (20 MiB, the server's body limit).
pub const MAX_FILE_BYTES: usize = 20 << 20;

/// A prediction below this confidence does not decide an item's topic or direction.
pub const MIN_CONFIDENCE: f64 = 0.5;

stored_keys! {
    /// How readable a text is, as the Vietnamese text engine judges it (`monitor_items.quality`,
    /// whose column default is `good`).
    #[derive(Default)]
    pub enum Quality: "item quality" {
        /// Well-formed Vietnamese (or not Vietnamese at all).
        #[default]
        Good = "good",
        /// Typed without diacritics.
        Unaccented = "unaccented",
        /// Many malformed syllables (OCR damage, broken encoding).
        Damaged = "damaged",
    }
}

impl Quality {
    /// Message key of its name.
    pub fn label_key(self) -> String {
        format!("monitoring-quality-{}", self.key())
    }
}

impl From<duluan_extract::Quality> for Quality {
    fn from(q: duluan_extract::Quality) -> Quality {
        match q {
            duluan_extract::Quality::Good => Quality::Good,
            duluan_extract::Quality::Unaccented => Quality::Unaccented,
            duluan_extract::Quality::Damaged => Quality::Damaged,
        }
    }
}

/// A text ready to store: repaired, normalised, judged.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    /// Title (NFC, one line).
    pub title: String,
    /// Body (NFC).
    pub body: String,
    /// Quality flag.
    pub quality: Quality,
    /// The legacy encoding repaired (`tcvn3`, `vni`, `utf8-as-cp1252`), if any.
    pub legacy: Option<&'static str>,
}

/// Prepares a text; `Err` carries the message key of the reason (empty, binary, too long).
pub fn prepare(title: &str, body: &str) -> Result<Prepared, &'static str> {
    if body.len() + title.len() > MAX_ITEM_BYTES {
        return Err("monitoring-error-too-long");
    }
    if looks_binary(body) || looks_binary(title) {
        return Err("monitoring-error-binary");
    }
    let (repaired, enc) = legacy::repair(body);
    let legacy = (enc != Encoding::Unicode).then(|| enc.name());
    let body = normalize(&repaired)
        .replace("\r\n", "\n")
        .trim()
        .to_string();
    if body.is_empty() {
        return Err("monitoring-error-empty");
    }
    let title = normalize(title)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let q = quality(&body);
    let quality = if q.looks_damaged() {
        Quality::Damaged
    } else if q.looks_unaccented() {
        Quality::Unaccented
    } else {
        Quality::Good
    };
    Ok(Prepared {
        title,
        body,
        quality,
        legacy,
    })
}

/// Control characters other than tab and line ends, or the replacement character in bulk:
/// not text.
fn looks_binary(s: &str) -> bool {
    let mut bad = 0usize;
    let mut total = 0usize;
    for c in s.chars().take(100_000) {
        total += 1;
        if c == '\0'
            || (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
            || c == '\u{FFFD}'
        {
            bad += 1;
        }
    }
    s.contains('\0') || (total > 0 && bad * 20 > total)
}

/// An item of the ingest API, as sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiItem {
    /// The sender's id of the item: a replay with the same id creates nothing.
    #[serde(default)]
    pub id: Option<String>,
    /// The text.
    pub text: String,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// When it was said or published (RFC 3339, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, or unix
    /// seconds); the time of arrival when absent.
    #[serde(default)]
    pub time: Option<serde_json::Value>,
    /// The area: a unit code (or `#id`).
    #[serde(default)]
    pub area: Option<String>,
    /// Topic key, when the sender knows it.
    #[serde(default)]
    pub topic: Option<String>,
    /// Direction key, when the sender knows it.
    #[serde(default)]
    pub direction: Option<String>,
    /// Link to the original.
    #[serde(default)]
    pub url: Option<String>,
    /// Language code (`vi` by default).
    #[serde(default)]
    pub lang: Option<String>,
}

/// One error of a batch: the item's position (0-based), the field, the message key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemError {
    /// Position in the batch (0-based), or line of a file (1-based).
    pub index: usize,
    /// Field name.
    pub field: String,
    /// Message key.
    pub key: &'static str,
}

/// Parses a time: RFC 3339, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` (Vietnam time, UTC+7), or unix
/// seconds; `None` when it is none of those or outside 1990–2100.
pub fn parse_time(raw: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
    let s = raw.trim();
    let vn = crate::kit::time::vn_offset();
    let t = if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.timestamp()
    } else if let Ok(n) = s.parse::<i64>() {
        n
    } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        vn.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .single()?
            .timestamp()
    } else {
        let dt = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
            .ok()?;
        vn.from_local_datetime(&dt).single()?.timestamp()
    };
    (631_152_000..=4_102_444_800).contains(&t).then_some(t)
}

/// A time given as JSON: a string or a number.
pub fn parse_json_time(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::String(s) => parse_time(s),
        serde_json::Value::Number(n) => n.as_i64().and_then(|n| parse_time(&n.to_string())),
        _ => None,
    }
}

/// A stable id for an item that came without one: the hash of what identifies its content.
pub fn content_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    format!("sha256:{}", hex::encode(&h.finalize()[..16]))
}

/// The monitoring direction of a reporting stream's direction.
pub fn direction_of_stream(d: crate::reporting::model::Direction) -> Direction {
    use crate::reporting::model::Direction as Stream;
    match d {
        Stream::Agree => Direction::Positive,
        Stream::Uneasy => Direction::Neutral,
        Stream::Worried | Stream::Indignant | Stream::Oppose => Direction::Negative,
    }
}

/// Effective value of a label: a person's label, else the source's, else a confident prediction.
pub fn effective<T>(label: Option<T>, source: Option<T>, predicted: Option<(T, f64)>) -> Option<T> {
    label
        .or(source)
        .or(predicted.and_then(|(v, c)| (c >= MIN_CONFIDENCE).then_some(v)))
}

/// A spike threshold: a bucket needs at least `min_volume` items and a z-score of `z`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    /// Minimum items in the hour.
    pub min_volume: i64,
    /// Minimum z-score.
    pub z: f64,
}

/// Parses a threshold form; `Err` names the field's message key.
pub fn parse_threshold(
    min_volume: &str,
    z: &str,
) -> Result<Threshold, (&'static str, &'static str)> {
    let min_volume: i64 = min_volume
        .trim()
        .parse()
        .ok()
        .filter(|v| (1..=1_000_000).contains(v))
        .ok_or(("min_volume", "monitoring-threshold-error-volume"))?;
    let z: f64 = z
        .trim()
        .replace(',', ".")
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && (1.0..=50.0).contains(v))
        .ok_or(("z", "monitoring-threshold-error-z"))?;
    Ok(Threshold { min_volume, z })
}

/// A random API token (shown once) and its SHA-256 (stored).
pub fn new_token() -> (String, String) {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("dlm_{}", hex::encode(bytes));
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of an API token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// The series key of a topic × area spike.
pub fn series_key(topic: Option<&str>, unit_id: i64) -> String {
    format!("t:{}|u:{unit_id}", topic.unwrap_or("*"))
}

/// Splits a series key back into (topic, unit).
pub fn parse_series(key: &str) -> Option<(Option<String>, i64)> {
    let rest = key.strip_prefix("t:")?;
    let (topic, unit) = rest.split_once("|u:")?;
    let unit = unit.parse().ok()?;
    Some(((topic != "*").then(|| topic.to_string()), unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_repairs_legacy_and_normalises() {
        let p = prepare(
            "",
            "Ng\u{AD}êi d©n ph\u{AD}êng Ninh KiÒu lo l¾ng vÒ ngËp óng",
        )
        .unwrap();
        assert_eq!(p.body, "Người dân phường Ninh Kiều lo lắng về ngập úng");
        assert_eq!(p.legacy, Some("tcvn3"));
        let nfd = prepare("", "Ngu\u{31b}\u{300}o\u{31b}i da\u{302}n").unwrap();
        assert_eq!(nfd.body, "Người dân");
        let flat = prepare("", "nguoi dan phuong ninh kieu lo lang ve ngap ung keo dai").unwrap();
        assert_eq!(flat.quality, Quality::Unaccented);
        assert_eq!(prepare("", "   \n "), Err("monitoring-error-empty"));
        assert_eq!(prepare("", "ab\0cd"), Err("monitoring-error-binary"));
        let big = "a".repeat(MAX_ITEM_BYTES + 1);
        assert_eq!(prepare("", &big), Err("monitoring-error-too-long"));
    }

    #[test]
    fn times_parse_in_vietnam_time() {
        assert_eq!(parse_time("2026-11-28T07:00:00+07:00"), Some(1_795_824_000));
        assert_eq!(parse_time("2026-11-28 07:00"), Some(1_795_824_000));
        assert_eq!(parse_time("2026-11-28"), Some(1_795_798_800));
        assert_eq!(parse_time("hôm qua"), None);
        assert_eq!(parse_time("99"), None);
    }

    #[test]
    fn series_keys_round_trip() {
        let k = series_key(Some("land"), 42);
        assert_eq!(parse_series(&k), Some((Some("land".into()), 42)));
        assert_eq!(parse_series(&series_key(None, 7)), Some((None, 7)));
        assert_eq!(parse_series("x"), None);
    }

    #[test]
    fn stored_keys_read_into_enums_and_unknown_ones_are_errors() {
        use crate::kit::keys::assert_keys;
        assert_keys(&SourceKind::ALL, SourceKind::key);
        assert_keys(&Quality::ALL, Quality::key);
        assert_keys(&PollStatus::ALL, PollStatus::key);
        assert_keys(&Direction::ALL, Direction::key);
        assert_keys(&LabelKind::ALL, LabelKind::key);
        assert_keys(&ClusterStatus::ALL, ClusterStatus::key);
        assert_keys(&AlertStatus::ALL, AlertStatus::key);
        assert_keys(&AlertKind::ALL, AlertKind::key);
        assert_keys(&SpikeKind::ALL, SpikeKind::key);
    }

    #[test]
    fn streams_directions_map_onto_items_directions() {
        use crate::reporting::model::Direction as Stream;
        let mapped: Vec<Direction> = Stream::ALL.into_iter().map(direction_of_stream).collect();
        assert_eq!(mapped[0], Direction::Positive);
        assert_eq!(direction_of_stream(Stream::Uneasy), Direction::Neutral);
        assert_eq!(direction_of_stream(Stream::Oppose), Direction::Negative);
    }

    #[test]
    fn effective_prefers_people_then_sources_then_confident_models() {
        assert_eq!(effective(Some("a"), Some("b"), Some(("c", 0.9))), Some("a"));
        assert_eq!(effective(None, Some("b"), Some(("c", 0.9))), Some("b"));
        assert_eq!(effective(None, None, Some(("c", 0.9))), Some("c"));
        assert_eq!(effective(None, None, Some(("c", 0.3))), None);
    }
}
