//! Issue 12 part F. Pure rules behind `/metrics` and `/healthz`: certificates
//! counted as a verifier sees them, and whether the last database check still
//! stands.

use crate::domain::reminders::NotificationStatus;
use crate::domain::status::{StoredStatus, VerifiedStatus, stored_for};

pub const VERIFIED: [VerifiedStatus; 5] = [
    VerifiedStatus::Valid,
    VerifiedStatus::Expired,
    VerifiedStatus::Suspended,
    VerifiedStatus::Revoked,
    VerifiedStatus::Superseded,
];

pub const OUTBOX: [NotificationStatus; 4] = [
    NotificationStatus::Pending,
    NotificationStatus::Sent,
    NotificationStatus::Failed,
    NotificationStatus::Skipped,
];

/// Every verified status with its count, from the counts per stored status and the
/// number of active certificates whose expiry has passed (the inverse of
/// [`stored_for`]). Unknown stored values are left out; every status is listed,
/// zeros too, so a scrape always has the same series.
pub fn verified_counts(
    by_stored: &[(String, i64)],
    active_expired: i64,
) -> [(VerifiedStatus, i64); 5] {
    let stored = |s: StoredStatus| {
        by_stored
            .iter()
            .filter(|(name, _)| StoredStatus::parse(name) == Some(s))
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    VERIFIED.map(|v| {
        let n = match stored_for(v) {
            (s, None) => stored(s),
            (_, Some(crate::domain::status::Expiry::Passed)) => active_expired,
            (s, Some(crate::domain::status::Expiry::NotYet)) => stored(s) - active_expired,
        };
        (v, n.max(0))
    })
}

/// Every outbox status with its count (zeros too).
pub fn outbox_counts(by_status: &[(String, i64)]) -> [(NotificationStatus, i64); 4] {
    OUTBOX.map(|s| {
        let n = by_status
            .iter()
            .filter(|(name, _)| NotificationStatus::parse(name) == Some(s))
            .map(|(_, n)| *n)
            .sum();
        (s, n)
    })
}

/// Whether the database counts as reachable: the last check answered, and it is
/// recent — a check that hangs (a server that stopped answering without closing
/// the connection) turns the answer to "unreachable" after `stale_after_ms`.
pub fn database_up(last_check_ok: bool, ms_since_last_ok: u64, stale_after_ms: u64) -> bool {
    last_check_ok && ms_since_last_ok <= stale_after_ms
}

/// How long a good check stands: three check intervals (at least one second), so
/// that one slow check does not flap, and a hung one is noticed within seconds.
pub fn stale_after_ms(interval_ms: u64) -> u64 {
    interval_ms.saturating_mul(3).max(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_verifiers_view() {
        let stored = vec![
            ("active".to_string(), 10),
            ("suspended".to_string(), 2),
            ("revoked".to_string(), 1),
            ("archived".to_string(), 99),
        ];
        let counts = verified_counts(&stored, 3);
        assert_eq!(
            counts,
            [
                (VerifiedStatus::Valid, 7),
                (VerifiedStatus::Expired, 3),
                (VerifiedStatus::Suspended, 2),
                (VerifiedStatus::Revoked, 1),
                (VerifiedStatus::Superseded, 0),
            ]
        );
        assert_eq!(verified_counts(&[], 0).map(|(_, n)| n), [0; 5]);
    }

    #[test]
    fn outbox_lists_every_status() {
        let counts = outbox_counts(&[("pending".into(), 4), ("sent".into(), 2)]);
        assert_eq!(counts.map(|(_, n)| n), [4, 2, 0, 0]);
    }

    #[test]
    fn a_good_check_stands_until_it_is_stale() {
        assert!(database_up(true, 0, 1500));
        assert!(database_up(true, 1500, 1500));
        assert!(!database_up(true, 1501, 1500));
        assert!(!database_up(false, 0, 1500));
        assert_eq!(stale_after_ms(500), 1500);
        assert_eq!(stale_after_ms(100), 1000);
    }
}
