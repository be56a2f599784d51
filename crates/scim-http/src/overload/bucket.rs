//! A token bucket: `rate` tokens a second flow in up to `capacity`; a request
//! takes one. Time comes in as a parameter, so the arithmetic is tested
//! without sleeping.

use std::time::{Duration, Instant};

/// One tenant's bucket.
#[derive(Debug, Clone)]
pub(crate) struct TokenBucket {
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub(crate) fn full(capacity: u32, now: Instant) -> TokenBucket {
        TokenBucket {
            tokens: f64::from(capacity.max(1)),
            updated: now,
        }
    }

    fn refill(&mut self, rate: u32, capacity: u32, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * f64::from(rate)).min(f64::from(capacity));
        self.updated = now;
    }

    /// Takes a token, or says how long until one is there (`rate` > 0;
    /// a `capacity` below 1 holds one token).
    pub(crate) fn take(&mut self, rate: u32, capacity: u32, now: Instant) -> Result<(), Duration> {
        let capacity = capacity.max(1);
        self.refill(rate, capacity, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / f64::from(rate.max(1)),
            ))
        }
    }

    /// Whether the bucket is full at `now`: it then says nothing a new bucket
    /// would not, and may be forgotten.
    pub(crate) fn is_full(&self, rate: u32, capacity: u32, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens + elapsed * f64::from(rate) >= f64::from(capacity.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(3, start);
        for _ in 0..3 {
            assert_eq!(bucket.take(10, 3, start), Ok(()));
        }
        let wait = bucket.take(10, 3, start).unwrap_err();
        assert!(
            (wait.as_secs_f64() - 0.1).abs() < 1e-9,
            "one token every 100 ms: {wait:?}"
        );
        // 50 ms later half a token has flowed in: still refused, 50 ms to go.
        let half = start + Duration::from_millis(50);
        let wait = bucket.take(10, 3, half).unwrap_err();
        assert!((wait.as_secs_f64() - 0.05).abs() < 1e-9, "{wait:?}");
        assert_eq!(
            bucket.take(10, 3, start + Duration::from_millis(100)),
            Ok(())
        );
        assert!(
            bucket
                .take(10, 3, start + Duration::from_millis(100))
                .is_err()
        );
    }

    #[test]
    fn an_idle_bucket_fills_up_to_its_capacity_only() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(2, start);
        bucket.take(1, 2, start).unwrap();
        bucket.take(1, 2, start).unwrap();
        assert!(!bucket.is_full(1, 2, start));
        let later = start + Duration::from_secs(3600);
        assert!(bucket.is_full(1, 2, later));
        assert_eq!(bucket.take(1, 2, later), Ok(()));
        assert_eq!(bucket.take(1, 2, later), Ok(()));
        assert!(bucket.take(1, 2, later).is_err(), "not 3,600 tokens");
    }

    #[test]
    fn a_capacity_of_zero_holds_one_token() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(0, start);
        assert!(bucket.take(5, 0, start).is_ok());
        assert!(bucket.take(5, 0, start).is_err());
        assert!(
            bucket
                .take(5, 0, start + Duration::from_millis(200))
                .is_ok()
        );
    }
}
