//! Certificate status as verifiers see it: the stored status plus the clock.

use serde::{Deserialize, Serialize};

/// What is stored; `expired` is never stored because it follows from the clock.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum StoredStatus {
    Active,
    Suspended,
    Revoked,
    Superseded,
}

impl StoredStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StoredStatus::Active => "active",
            StoredStatus::Suspended => "suspended",
            StoredStatus::Revoked => "revoked",
            StoredStatus::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<StoredStatus> {
        Some(match s {
            "active" => StoredStatus::Active,
            "suspended" => StoredStatus::Suspended,
            "revoked" => StoredStatus::Revoked,
            "superseded" => StoredStatus::Superseded,
            _ => return None,
        })
    }
}

/// The status every verification surface reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerifiedStatus {
    Valid,
    Expired,
    Suspended,
    Revoked,
    Superseded,
}

impl VerifiedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifiedStatus::Valid => "valid",
            VerifiedStatus::Expired => "expired",
            VerifiedStatus::Suspended => "suspended",
            VerifiedStatus::Revoked => "revoked",
            VerifiedStatus::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<VerifiedStatus> {
        Some(match s {
            "valid" => VerifiedStatus::Valid,
            "expired" => VerifiedStatus::Expired,
            "suspended" => VerifiedStatus::Suspended,
            "revoked" => VerifiedStatus::Revoked,
            "superseded" => VerifiedStatus::Superseded,
            _ => return None,
        })
    }
}

/// Which side of its expiry an `active` certificate must be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// `expires_at > now`
    NotYet,
    /// `expires_at <= now`
    Passed,
}

/// How storage finds the certificates a verifier would see with status `v`: the
/// inverse of [`verified_status`], so a search by status agrees with verification.
pub fn stored_for(v: VerifiedStatus) -> (StoredStatus, Option<Expiry>) {
    match v {
        VerifiedStatus::Valid => (StoredStatus::Active, Some(Expiry::NotYet)),
        VerifiedStatus::Expired => (StoredStatus::Active, Some(Expiry::Passed)),
        VerifiedStatus::Suspended => (StoredStatus::Suspended, None),
        VerifiedStatus::Revoked => (StoredStatus::Revoked, None),
        VerifiedStatus::Superseded => (StoredStatus::Superseded, None),
    }
}

/// Revocation, suspension and supersession outrank expiry: a revoked certificate
/// stays "revoked" after its expiry date, which is what a verifier needs to know.
pub fn verified_status(
    stored: StoredStatus,
    expires_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> VerifiedStatus {
    match stored {
        StoredStatus::Revoked => VerifiedStatus::Revoked,
        StoredStatus::Superseded => VerifiedStatus::Superseded,
        StoredStatus::Suspended => VerifiedStatus::Suspended,
        StoredStatus::Active if now >= expires_at => VerifiedStatus::Expired,
        StoredStatus::Active => VerifiedStatus::Valid,
    }
}

/// What an admin does to a certificate's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    Suspend,
    Reinstate,
    Revoke,
}

impl StatusAction {
    /// The audit action, e.g. `certificate.suspended`.
    pub fn audit_action(self) -> &'static str {
        match self {
            StatusAction::Suspend => "certificate.suspended",
            StatusAction::Reinstate => "certificate.reinstated",
            StatusAction::Revoke => "certificate.revoked",
        }
    }
}

/// Why a status action is refused; each has a stable code for the 409 problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefusedTransition {
    #[error("the certificate is revoked, and revocation is final")]
    Revoked,
    #[error("the certificate is superseded by a newer one; act on that one instead")]
    Superseded,
    #[error("the certificate is already suspended")]
    AlreadySuspended,
    #[error("only a suspended certificate can be reinstated, and this one is not suspended")]
    NotSuspended,
}

impl RefusedTransition {
    pub fn code(self) -> &'static str {
        match self {
            RefusedTransition::Revoked => "certificate_revoked",
            RefusedTransition::Superseded => "certificate_superseded",
            RefusedTransition::AlreadySuspended => "already_suspended",
            RefusedTransition::NotSuspended => "not_suspended",
        }
    }
}

/// The status an action leads to from `from`, or why it may not happen.
///
/// Only the stored status counts, not the clock: an expired certificate (stored
/// `active`) can still be suspended or revoked, so that verifiers see "revoked"
/// rather than merely "expired"; reinstating one makes it read "expired" again,
/// never "valid".
pub fn transition(
    action: StatusAction,
    from: StoredStatus,
) -> Result<StoredStatus, RefusedTransition> {
    match (from, action) {
        (StoredStatus::Revoked, _) => Err(RefusedTransition::Revoked),
        (StoredStatus::Superseded, _) => Err(RefusedTransition::Superseded),
        (StoredStatus::Active, StatusAction::Suspend) => Ok(StoredStatus::Suspended),
        (StoredStatus::Suspended, StatusAction::Suspend) => {
            Err(RefusedTransition::AlreadySuspended)
        }
        (StoredStatus::Suspended, StatusAction::Reinstate) => Ok(StoredStatus::Active),
        (StoredStatus::Active, StatusAction::Reinstate) => Err(RefusedTransition::NotSuspended),
        (StoredStatus::Active | StoredStatus::Suspended, StatusAction::Revoke) => {
            Ok(StoredStatus::Revoked)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn active_is_valid_until_expiry_then_expired() {
        let exp = datetime!(2027-01-01 00:00 UTC);
        assert_eq!(
            verified_status(
                StoredStatus::Active,
                exp,
                datetime!(2026-12-31 23:59:59 UTC)
            ),
            VerifiedStatus::Valid
        );
        assert_eq!(
            verified_status(StoredStatus::Active, exp, exp),
            VerifiedStatus::Expired
        );
    }

    #[test]
    fn stored_states_outrank_expiry() {
        let exp = datetime!(2020-01-01 00:00 UTC);
        let now = datetime!(2026-01-01 00:00 UTC);
        for (stored, want) in [
            (StoredStatus::Revoked, VerifiedStatus::Revoked),
            (StoredStatus::Suspended, VerifiedStatus::Suspended),
            (StoredStatus::Superseded, VerifiedStatus::Superseded),
        ] {
            assert_eq!(verified_status(stored, exp, now), want);
        }
    }

    #[test]
    fn stored_status_round_trips() {
        for s in [
            StoredStatus::Active,
            StoredStatus::Suspended,
            StoredStatus::Revoked,
            StoredStatus::Superseded,
        ] {
            assert_eq!(StoredStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(StoredStatus::parse("expired"), None);
    }

    #[test]
    fn verified_status_round_trips() {
        for v in [
            VerifiedStatus::Valid,
            VerifiedStatus::Expired,
            VerifiedStatus::Suspended,
            VerifiedStatus::Revoked,
            VerifiedStatus::Superseded,
        ] {
            assert_eq!(VerifiedStatus::parse(v.as_str()), Some(v));
        }
        assert_eq!(VerifiedStatus::parse("active"), None);
    }

    #[test]
    fn stored_for_is_the_inverse_of_verified_status() {
        let now = datetime!(2026-06-01 12:00 UTC);
        let all_stored = [
            StoredStatus::Active,
            StoredStatus::Suspended,
            StoredStatus::Revoked,
            StoredStatus::Superseded,
        ];
        for expires_at in [
            now - time::Duration::days(1),
            now,
            now + time::Duration::days(1),
        ] {
            for stored in all_stored {
                let seen = verified_status(stored, expires_at, now);
                let (want_stored, expiry) = stored_for(seen);
                assert_eq!(want_stored, stored, "{seen:?}");
                match expiry {
                    Some(Expiry::NotYet) => assert!(expires_at > now),
                    Some(Expiry::Passed) => assert!(expires_at <= now),
                    None => {}
                }
            }
        }
    }

    #[test]
    fn allowed_transitions() {
        use StatusAction::*;
        use StoredStatus::*;
        assert_eq!(transition(Suspend, Active), Ok(Suspended));
        assert_eq!(transition(Reinstate, Suspended), Ok(Active));
        assert_eq!(transition(Revoke, Active), Ok(Revoked));
        assert_eq!(transition(Revoke, Suspended), Ok(Revoked));
    }

    #[test]
    fn refused_transitions_say_why() {
        use StatusAction::*;
        use StoredStatus::*;
        assert_eq!(
            transition(Suspend, Suspended),
            Err(RefusedTransition::AlreadySuspended)
        );
        assert_eq!(
            transition(Reinstate, Active),
            Err(RefusedTransition::NotSuspended)
        );
        for action in [Suspend, Reinstate, Revoke] {
            assert_eq!(transition(action, Revoked), Err(RefusedTransition::Revoked));
            assert_eq!(
                transition(action, Superseded),
                Err(RefusedTransition::Superseded)
            );
        }
        assert_eq!(
            RefusedTransition::Revoked.code(),
            "certificate_revoked",
            "codes are part of the API"
        );
    }
}
