//! A small in-memory token bucket per client address for the public survey endpoints: a burst
//! of `BURST` requests, refilled at `rate` per second. The key is the address found by
//! `kit::client_addr` (an IPv6 client by its /64), nothing the client can vary at will, and
//! there is no bucket shared by a whole survey: one client's flood slows only that client.
//!
//! The rate comes from the typed configuration (`--survey-rate`, `DULUAN_SURVEY_RATE`: requests
//! per second per address; `0` turns the limit off, e.g. for load benchmarks); the default is 10
//! per second with a burst of 60.
//! Buckets live in memory only, one table per server (addresses are never written anywhere),
//! and are swept when the table grows.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Requests a client may make at once.
pub const BURST: f64 = 60.0;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of one server (in `AppState`): two servers in one process, such as the test
/// suite's, never share a client's budget.
#[derive(Clone, Default)]
pub struct Limiter(Arc<Mutex<HashMap<IpAddr, Bucket>>>);

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The addresses stay in memory and out of logs.
        f.write_str("Limiter")
    }
}

impl Limiter {
    /// Takes one token for the client `key` at `rate` requests per second (`0`: no limit);
    /// `false` when the client must slow down.
    pub fn allow(&self, key: IpAddr, rate: f64) -> bool {
        self.allow_at(key, Instant::now(), rate)
    }

    fn allow_at(&self, key: IpAddr, now: Instant, rate: f64) -> bool {
        if rate == 0.0 {
            return true;
        }
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, b| now.duration_since(b.at).as_secs_f64() * rate < BURST);
        }
        let b = map.entry(key).or_insert(Bucket {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_refilled() {
        let t0 = Instant::now();
        let limiter = Limiter::default();
        let key: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..BURST as usize {
            assert!(limiter.allow_at(key, t0, 10.0));
        }
        assert!(!limiter.allow_at(key, t0, 10.0));
        assert!(limiter.allow_at(key, t0 + Duration::from_millis(150), 10.0));
        assert!(!limiter.allow_at(key, t0 + Duration::from_millis(150), 10.0));
        assert!(limiter.allow_at("192.0.2.2".parse().unwrap(), t0, 10.0));
    }
}
