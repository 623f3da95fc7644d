//! Certificate status as verifiers see it: the stored status plus the clock.

use serde::{Deserialize, Serialize};

/// What is stored; `expired` is never stored because it follows from the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
}
