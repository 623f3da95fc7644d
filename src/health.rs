//! Issue 12 part F. `/healthz` without queueing: one database check runs every
//! `health_check_interval_ms` on a connection of its own (`db::health::Probe`), one
//! at a time, off the request workers; every `/healthz` reads its last result from
//! two atomics. A check that fails turns `/healthz` to 503 at once; one that hangs
//! does so once the last good check is stale (three intervals, at least a second).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crate::db::Db;
use crate::domain::metrics::{database_up, stale_after_ms};

pub struct DbHealth {
    epoch: Instant,
    /// Milliseconds from `epoch` to the end of the last check that answered.
    last_ok_ms: AtomicU64,
    last_check_ok: AtomicBool,
    interval: Duration,
    started: AtomicBool,
}

impl DbHealth {
    /// Up, as of now (the service has just reached its database to start).
    pub fn new(interval: Duration) -> DbHealth {
        DbHealth {
            epoch: Instant::now(),
            last_ok_ms: AtomicU64::new(0),
            last_check_ok: AtomicBool::new(true),
            interval,
            started: AtomicBool::new(false),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn record(&self, ok: bool) {
        if ok {
            self.last_ok_ms.store(self.now_ms(), Ordering::Release);
        }
        self.last_check_ok.store(ok, Ordering::Release);
    }

    /// Whether the database answers, from the last check (no I/O).
    pub fn is_up(&self) -> bool {
        let since = self
            .now_ms()
            .saturating_sub(self.last_ok_ms.load(Ordering::Acquire));
        let interval_ms = u64::try_from(self.interval.as_millis()).unwrap_or(u64::MAX);
        database_up(
            self.last_check_ok.load(Ordering::Acquire),
            since,
            stale_after_ms(interval_ms),
        )
    }

    /// Starts the checks on the current tokio runtime (once; a no-op outside one).
    /// They stop when the last handle on this `DbHealth` is dropped.
    pub fn start_checks(self: &Arc<Self>, db: &Db) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak: Weak<DbHealth> = Arc::downgrade(self);
        let interval = self.interval;
        let mut probe = db.probe();
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                if weak.strong_count() == 0 {
                    break;
                }
                let Ok((back, ok)) = tokio::task::spawn_blocking(move || {
                    let ok = probe.check();
                    (probe, ok)
                })
                .await
                else {
                    break;
                };
                probe = back;
                match weak.upgrade() {
                    Some(health) => {
                        if health.last_check_ok.load(Ordering::Acquire) != ok {
                            if ok {
                                tracing::info!("database check answers again");
                            } else {
                                tracing::warn!("database check failed: /healthz answers 503");
                            }
                        }
                        health.record(ok);
                    }
                    None => break,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_is_down_at_once_and_a_good_one_up_again() {
        let health = DbHealth::new(Duration::from_millis(500));
        assert!(health.is_up(), "up from the start");
        health.record(false);
        assert!(!health.is_up());
        health.record(true);
        assert!(health.is_up());
    }
}
