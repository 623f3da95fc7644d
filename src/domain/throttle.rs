//! How often someone may try to log in: a few failures free, then an exponential
//! wait. Pure: the record of failures and the time are passed in (the service
//! keeps the records, per account and per client address).

use std::time::{Duration, Instant};

/// The failures recorded for one account or one client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub last: Instant,
}

/// A throttle policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed back to back before any wait.
    pub free: u32,
    /// The wait after the first failure past `free`; it doubles with each one after.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Failures older than this are forgotten.
    pub forget_after: Duration,
}

impl Policy {
    /// Per account: 5 failures, then 1 s, 2 s, 4 s, … up to 15 minutes (about a
    /// hundred guesses a day at most), forgotten after a day without one.
    pub const ACCOUNT: Policy = Policy {
        free: 5,
        base: Duration::from_secs(1),
        max: Duration::from_secs(15 * 60),
        forget_after: Duration::from_secs(24 * 60 * 60),
    };

    /// Per client address: more room (several people may share an address), the
    /// same curve after it.
    pub const ADDRESS: Policy = Policy {
        free: 20,
        base: Duration::from_secs(1),
        max: Duration::from_secs(15 * 60),
        forget_after: Duration::from_secs(24 * 60 * 60),
    };

    /// The record as it stands at `now` (None once forgotten).
    pub fn current(&self, record: Option<Failures>, now: Instant) -> Option<Failures> {
        record.filter(|f| now.saturating_duration_since(f.last) < self.forget_after)
    }

    /// How long after its last failure a record must wait before the next try.
    pub fn delay(&self, failures: u32) -> Duration {
        if failures < self.free {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free).min(30);
        self.base
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
    }

    /// How long until another try is allowed: None when it is allowed now.
    pub fn wait(&self, record: Option<Failures>, now: Instant) -> Option<Duration> {
        let f = self.current(record, now)?;
        let delay = self.delay(f.count);
        // Free failures never wait, even when another log-in recorded its failure
        // at an instant later than this one's `now` (read before taking the lock).
        if delay.is_zero() {
            return None;
        }
        let until = f.last + delay;
        (until > now).then(|| until - now)
    }

    /// The record after one more failure at `now`.
    pub fn failed(&self, record: Option<Failures>, now: Instant) -> Failures {
        let count = self.current(record, now).map_or(0, |f| f.count);
        Failures {
            count: count.saturating_add(1),
            last: now,
        }
    }
}

/// Whole seconds to tell a client to wait (rounded up, at least 1).
pub fn retry_after_seconds(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Policy = Policy::ACCOUNT;

    fn after(n: u32, now: Instant) -> Option<Failures> {
        (0..n).fold(None, |r, _| Some(P.failed(r, now)))
    }

    #[test]
    fn five_failures_are_free_then_the_wait_doubles_up_to_a_cap() {
        let now = Instant::now();
        for n in 0..5 {
            assert_eq!(P.wait(after(n, now), now), None, "{n} failures");
        }
        assert_eq!(P.wait(after(5, now), now), Some(Duration::from_secs(1)));
        assert_eq!(P.wait(after(6, now), now), Some(Duration::from_secs(2)));
        assert_eq!(P.wait(after(8, now), now), Some(Duration::from_secs(8)));
        assert_eq!(P.wait(after(40, now), now), Some(P.max));
        assert_eq!(P.delay(u32::MAX), P.max);
    }

    #[test]
    fn the_wait_runs_down_and_old_failures_are_forgotten() {
        let t0 = Instant::now();
        let r = after(7, t0);
        assert_eq!(
            P.wait(r, t0 + Duration::from_millis(1500)),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(P.wait(r, t0 + Duration::from_secs(4)), None);
        let later = t0 + P.forget_after;
        assert_eq!(P.current(r, later), None);
        assert_eq!(P.failed(r, later).count, 1, "counting starts again");
    }

    #[test]
    fn a_free_failure_recorded_a_moment_later_imposes_no_wait() {
        // Two log-ins at once: the other read the clock later but took the lock
        // first, so the record's last failure is after this attempt's `now`.
        let now = Instant::now();
        let later = now + Duration::from_millis(5);
        for n in 1..5 {
            assert_eq!(P.wait(after(n, later), now), None, "{n} failures");
        }
        assert!(P.wait(after(5, later), now).is_some(), "past the free ones");
    }

    #[test]
    fn retry_after_is_rounded_up() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(2001)), 3);
        assert_eq!(retry_after_seconds(Duration::from_secs(4)), 4);
    }
}
