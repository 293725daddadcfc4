//! Limits repeated failed token requests per client id: after `max_failures` failures
//! within `window`, further requests for that client id get 429 until the oldest failure
//! leaves the window. Kept per replica, in memory.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many keys are tracked before expired entries are swept, and at most.
const SWEEP_ABOVE: usize = 10_000;
const TRACKED_AT_MOST: usize = 100_000;

#[derive(Debug)]
pub struct FailureLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl FailureLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        FailureLimiter {
            max_failures: max_failures.max(1),
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// None when a request for `key` may proceed; otherwise the seconds to wait.
    pub fn retry_after(&self, key: &str, now: Instant) -> Option<u64> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let recent = failures.get_mut(key)?;
        self.expire(recent, now);
        if recent.len() < self.max_failures {
            return None;
        }
        let oldest = *recent.front()?;
        let wait = (oldest + self.window).saturating_duration_since(now);
        Some(wait.as_secs().max(1))
    }

    /// Records a failure for `key`.
    pub fn failed(&self, key: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > SWEEP_ABOVE && !failures.contains_key(key) {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|last| now.duration_since(*last) < self.window)
            });
            if failures.len() >= TRACKED_AT_MOST {
                // Memory stays bounded under a flood of distinct keys.
                return;
            }
        }
        let recent = failures.entry(key.to_string()).or_default();
        self.expire(recent, now);
        recent.push_back(now);
    }

    /// Forgets the failures of `key` (after a success).
    pub fn succeeded(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(key);
    }

    fn expire(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_beyond_the_limit_wait_for_the_window() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(limiter.retry_after("a", start), None);
            limiter.failed("a", start + Duration::from_secs(i));
        }
        let wait = limiter.retry_after("a", start + Duration::from_secs(10));
        assert_eq!(wait, Some(50));
        // Another client id is not affected.
        assert_eq!(limiter.retry_after("b", start), None);
        // Once the oldest failure leaves the window, one more attempt is allowed.
        assert_eq!(
            limiter.retry_after("a", start + Duration::from_secs(60)),
            None
        );
        limiter.succeeded("a");
        assert_eq!(
            limiter.retry_after("a", start + Duration::from_secs(10)),
            None
        );
    }
}
