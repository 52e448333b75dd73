//! A small in-memory token bucket per client address (and host) for the public survey
//! endpoints: a burst of `BURST` requests, refilled at `rate` per second.
//!
//! The rate comes from the typed configuration (`--survey-rate`, `DULUAN_SURVEY_RATE`: requests
//! per second per address; `0` turns the limit off, e.g. for load benchmarks); the default is 10
//! per second with a burst of 60.
//! Buckets live in memory only (addresses are never written anywhere) and are swept when the
//! table grows.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Requests a client may make at once.
pub const BURST: f64 = 60.0;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Takes one token for `key` at `rate` requests per second (`0`: no limit); `false` when the
/// client must slow down.
pub fn allow(key: &str, rate: f64) -> bool {
    allow_at(key, Instant::now(), rate)
}

fn allow_at(key: &str, now: Instant, rate: f64) -> bool {
    if rate == 0.0 {
        return true;
    }
    static BUCKETS: OnceLock<Mutex<HashMap<String, Bucket>>> = OnceLock::new();
    let mut map = BUCKETS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if map.len() > 100_000 {
        map.retain(|_, b| now.duration_since(b.at).as_secs_f64() * rate < BURST);
    }
    let b = map.entry(key.to_string()).or_insert(Bucket {
        tokens: BURST,
        at: now,
    });
    let elapsed = now.duration_since(b.at).as_secs_f64();
    b.tokens = (b.tokens + elapsed * rate).min(BURST);
    b.at = now;
    if b.tokens >= 1.0 {
        b.tokens -= 1.0;
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_refilled() {
        let t0 = Instant::now();
        let key = "test-bucket";
        for _ in 0..BURST as usize {
            assert!(allow_at(key, t0, 10.0));
        }
        assert!(!allow_at(key, t0, 10.0));
        assert!(allow_at(key, t0 + Duration::from_millis(150), 10.0));
        assert!(!allow_at(key, t0 + Duration::from_millis(150), 10.0));
        assert!(allow_at("other", t0, 10.0));
    }
}
