//! Per-caller rate limits: a token bucket per caller, refilled at the caller's rate up to
//! its burst. A caller over its rate is answered 429 with `Retry-After`; others are not
//! affected.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept at most; past it, buckets that are full again (idle callers) are dropped.
const MAX_BUCKETS: usize = 10_000;

struct Bucket {
    tokens: f64,
    updated: Instant,
    /// The caller's rate and capacity, to judge this bucket by its own when evicting.
    rate: f64,
    capacity: f64,
}

pub struct RateLimiter {
    default_rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `rate` requests per second (0: no limit) with `burst` more at once.
    pub fn new(rate: f64, burst: u32) -> Self {
        Self {
            default_rate: if rate.is_finite() { rate.max(0.0) } else { 0.0 },
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `caller` at `rate` (the default when `None`; 0 for no limit).
    /// `Err(secs)`: over the rate, retry in `secs`.
    pub fn check(&self, caller: &str, rate: Option<f64>) -> Result<(), u64> {
        let rate = rate
            .filter(|r| r.is_finite() && *r >= 0.0)
            .unwrap_or(self.default_rate);
        if rate == 0.0 {
            return Ok(());
        }
        let capacity = self.burst.max(rate);
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(caller) {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * b.rate < b.capacity
            });
        }
        let bucket = buckets.entry(caller.to_owned()).or_insert(Bucket {
            tokens: capacity,
            updated: now,
            rate,
            capacity,
        });
        bucket.rate = rate;
        bucket.capacity = capacity;
        let refill = now.duration_since(bucket.updated).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimiter;

    #[test]
    fn a_caller_over_its_burst_is_refused_and_others_are_not() {
        let limiter = RateLimiter::new(1.0, 3);
        for _ in 0..3 {
            assert!(limiter.check("a", None).is_ok());
        }
        assert_eq!(limiter.check("a", None), Err(1));
        assert!(limiter.check("b", None).is_ok());
        // No limit for a caller whose rate is 0.
        for _ in 0..100 {
            assert!(limiter.check("c", Some(0.0)).is_ok());
        }
    }
}
