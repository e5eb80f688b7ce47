//! The `--max-segments-per-second` token bucket.

use std::time::Instant;

/// A token bucket of documents: it holds at most one second's allowance and refills
/// continuously at `rate` documents a second.
///
/// A request takes one token per document. A request with more documents than one second's
/// allowance passes when the bucket is full and leaves it in debt, which the refill repays
/// before the next request passes; so the long-run rate never exceeds `rate`.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket of `rate` documents a second (at least one document), as of `now`.
    pub fn new(rate: u32, now: Instant) -> Self {
        let rate = f64::from(rate.max(1));
        TokenBucket {
            rate,
            tokens: rate,
            last: now,
        }
    }

    /// The documents a second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Takes `documents` tokens at `now` if the bucket allows it; `false` (and nothing taken)
    /// when the request must be throttled.
    pub fn try_take(&mut self, documents: usize, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate);
        let wanted = documents as f64;
        if self.tokens >= wanted.min(self.rate) {
            self.tokens -= wanted;
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
    fn refills_at_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(10, t0);
        assert!(b.try_take(6, t0));
        assert!(b.try_take(4, t0));
        assert!(!b.try_take(1, t0));
        assert!(b.try_take(0, t0));
        // 0.15 s later: 1.5 tokens
        let t1 = t0 + Duration::from_millis(150);
        assert!(!b.try_take(2, t1));
        assert!(b.try_take(1, t1));
        // never more than one second's worth
        let t2 = t1 + Duration::from_secs(60);
        assert!(b.try_take(10, t2));
        assert!(!b.try_take(1, t2));
    }

    #[test]
    fn big_requests_pass_on_a_full_bucket_and_leave_debt() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(10, t0);
        assert!(b.try_take(50, t0));
        // 40 in debt: 4 s to repay before even one document passes, 5 s for a full bucket
        assert!(!b.try_take(1, t0 + Duration::from_millis(4050)));
        assert!(b.try_take(1, t0 + Duration::from_millis(4200)));
        assert!(!b.try_take(50, t0 + Duration::from_millis(4300)));
        assert_eq!(TokenBucket::new(0, t0).rate(), 1.0);
    }

    #[test]
    fn a_clock_that_goes_back_adds_nothing() {
        let t0 = Instant::now() + Duration::from_secs(5);
        let mut b = TokenBucket::new(2, t0);
        assert!(b.try_take(2, t0));
        assert!(!b.try_take(1, t0 - Duration::from_secs(3)));
        assert!(b.try_take(1, t0 + Duration::from_millis(600)));
    }
}
