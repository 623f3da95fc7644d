//! Whether an advisor may assess a given application: accreditation current, the
//! premises kind in scope, and no tie to the operator's organisation.

use serde::{Deserialize, Serialize};

use crate::domain::tier::PremisesKind;

/// The scheme's standing of an accreditation. Lapsing is not stored: it follows
/// from `accredited_until` and the date.
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
pub enum AccreditationStatus {
    Active,
    Suspended,
    Withdrawn,
}

impl AccreditationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccreditationStatus::Active => "active",
            AccreditationStatus::Suspended => "suspended",
            AccreditationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<AccreditationStatus> {
        Some(match s {
            "active" => AccreditationStatus::Active,
            "suspended" => AccreditationStatus::Suspended,
            "withdrawn" => AccreditationStatus::Withdrawn,
            _ => return None,
        })
    }
}

/// What an admin does to an accreditation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccreditationAction {
    /// Extend `accredited_until` (a lapsed accreditation too); the status stays.
    Renew,
    Suspend,
    Reinstate,
    /// Final: a withdrawn accreditation is never reinstated or renewed.
    Withdraw,
}

impl AccreditationAction {
    /// The audit action, e.g. `advisor.suspended`.
    pub fn audit_action(self) -> &'static str {
        match self {
            AccreditationAction::Renew => "advisor.renewed",
            AccreditationAction::Suspend => "advisor.suspended",
            AccreditationAction::Reinstate => "advisor.reinstated",
            AccreditationAction::Withdraw => "advisor.withdrawn",
        }
    }
}

/// Why an action on an accreditation is refused; each has a stable code for the
/// 409 problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefusedAccreditation {
    #[error("the accreditation is withdrawn, and withdrawal is final: accredit the advisor anew")]
    Withdrawn,
    #[error("the accreditation is already suspended")]
    AlreadySuspended,
    #[error("only a suspended accreditation can be reinstated, and this one is not suspended")]
    NotSuspended,
}

impl RefusedAccreditation {
    pub fn code(self) -> &'static str {
        match self {
            RefusedAccreditation::Withdrawn => "accreditation_withdrawn",
            RefusedAccreditation::AlreadySuspended => "already_suspended",
            RefusedAccreditation::NotSuspended => "not_suspended",
        }
    }
}

/// The status an action leads to from `from`, or why it may not happen. Lapsing
/// is not a status: a lapsed accreditation (stored `active`, date passed) can be
/// renewed, suspended or withdrawn like a current one.
pub fn transition(
    action: AccreditationAction,
    from: AccreditationStatus,
) -> Result<AccreditationStatus, RefusedAccreditation> {
    use AccreditationAction as A;
    use AccreditationStatus as S;
    match (from, action) {
        (S::Withdrawn, _) => Err(RefusedAccreditation::Withdrawn),
        (status, A::Renew) => Ok(status),
        (S::Active, A::Suspend) => Ok(S::Suspended),
        (S::Suspended, A::Suspend) => Err(RefusedAccreditation::AlreadySuspended),
        (S::Suspended, A::Reinstate) => Ok(S::Active),
        (S::Active, A::Reinstate) => Err(RefusedAccreditation::NotSuspended),
        (S::Active | S::Suspended, A::Withdraw) => Ok(S::Withdrawn),
    }
}

/// Why a renewal date is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefusedRenewal {
    #[error("must not be in the past")]
    InThePast,
    #[error("must be later than the accreditation's current end, {0}")]
    NotLater(time::Date),
}

/// A renewal extends the accreditation: to a day not in the past and later than
/// the current `accredited_until` (which may itself have passed: a lapsed
/// accreditation is renewed the same way).
pub fn check_renewal(
    current_until: time::Date,
    new_until: time::Date,
    today: time::Date,
) -> Result<(), RefusedRenewal> {
    if new_until < today {
        Err(RefusedRenewal::InThePast)
    } else if new_until <= current_until {
        Err(RefusedRenewal::NotLater(current_until))
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accreditation<'a> {
    pub status: AccreditationStatus,
    pub accredited_until: time::Date,
    pub scopes: &'a [PremisesKind],
    pub tied_organisation_id: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ineligible {
    #[error("the advisor's accreditation is suspended")]
    Suspended,
    #[error("the advisor's accreditation is withdrawn")]
    Withdrawn,
    #[error("the advisor's accreditation lapsed on {0}")]
    Lapsed(time::Date),
    #[error("the advisor is not accredited for {0} premises")]
    OutOfScope(&'static str),
    #[error("the advisor has a tie to the operator's organisation (conflict of interest)")]
    ConflictOfInterest,
}

pub fn check(
    a: &Accreditation<'_>,
    kind: PremisesKind,
    operator_organisation_id: &str,
    today: time::Date,
) -> Result<(), Ineligible> {
    match a.status {
        AccreditationStatus::Active => {}
        AccreditationStatus::Suspended => return Err(Ineligible::Suspended),
        AccreditationStatus::Withdrawn => return Err(Ineligible::Withdrawn),
    }
    // Accredited "until" a date includes that whole day.
    if today > a.accredited_until {
        return Err(Ineligible::Lapsed(a.accredited_until));
    }
    if !a.scopes.contains(&kind) {
        return Err(Ineligible::OutOfScope(kind.as_str()));
    }
    if a.tied_organisation_id == Some(operator_organisation_id) {
        return Err(Ineligible::ConflictOfInterest);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn acc(scopes: &[PremisesKind]) -> Accreditation<'_> {
        Accreditation {
            status: AccreditationStatus::Active,
            accredited_until: date!(2027 - 06 - 30),
            scopes,
            tied_organisation_id: Some("org-tied"),
        }
    }

    #[test]
    fn eligible_when_current_in_scope_and_untied() {
        let scopes = [PremisesKind::Building];
        assert_eq!(
            check(
                &acc(&scopes),
                PremisesKind::Building,
                "org-1",
                date!(2027 - 06 - 30)
            ),
            Ok(())
        );
    }

    #[test]
    fn each_rule_refuses() {
        let scopes = [PremisesKind::Building];
        let today = date!(2026 - 11 - 23);
        assert_eq!(
            check(&acc(&scopes), PremisesKind::Event, "org-1", today),
            Err(Ineligible::OutOfScope("event"))
        );
        assert_eq!(
            check(&acc(&scopes), PremisesKind::Building, "org-tied", today),
            Err(Ineligible::ConflictOfInterest)
        );
        assert_eq!(
            check(
                &acc(&scopes),
                PremisesKind::Building,
                "org-1",
                date!(2027 - 07 - 01)
            ),
            Err(Ineligible::Lapsed(date!(2027 - 06 - 30)))
        );
        let suspended = Accreditation {
            status: AccreditationStatus::Suspended,
            ..acc(&scopes)
        };
        assert_eq!(
            check(&suspended, PremisesKind::Building, "org-1", today),
            Err(Ineligible::Suspended)
        );
        let withdrawn = Accreditation {
            status: AccreditationStatus::Withdrawn,
            ..acc(&scopes)
        };
        assert_eq!(
            check(&withdrawn, PremisesKind::Building, "org-1", today),
            Err(Ineligible::Withdrawn)
        );
    }

    #[test]
    fn allowed_transitions() {
        use AccreditationAction::*;
        use AccreditationStatus::*;
        assert_eq!(transition(Renew, Active), Ok(Active));
        assert_eq!(transition(Renew, Suspended), Ok(Suspended));
        assert_eq!(transition(Suspend, Active), Ok(Suspended));
        assert_eq!(transition(Reinstate, Suspended), Ok(Active));
        assert_eq!(transition(Withdraw, Active), Ok(Withdrawn));
        assert_eq!(transition(Withdraw, Suspended), Ok(Withdrawn));
    }

    #[test]
    fn withdrawal_is_final_and_refusals_say_why() {
        use AccreditationAction::*;
        use AccreditationStatus::*;
        for action in [Renew, Suspend, Reinstate, Withdraw] {
            assert_eq!(
                transition(action, Withdrawn),
                Err(RefusedAccreditation::Withdrawn)
            );
        }
        assert_eq!(
            transition(Suspend, Suspended),
            Err(RefusedAccreditation::AlreadySuspended)
        );
        assert_eq!(
            transition(Reinstate, Active),
            Err(RefusedAccreditation::NotSuspended)
        );
        assert_eq!(
            RefusedAccreditation::Withdrawn.code(),
            "accreditation_withdrawn",
            "codes are part of the API"
        );
    }

    #[test]
    fn renewal_extends_to_a_day_not_past() {
        let today = date!(2027 - 03 - 01);
        // A lapsed accreditation is renewed like a current one.
        assert_eq!(
            check_renewal(date!(2027 - 01 - 31), date!(2028 - 01 - 31), today),
            Ok(())
        );
        assert_eq!(check_renewal(date!(2027 - 01 - 31), today, today), Ok(()));
        assert_eq!(
            check_renewal(date!(2027 - 01 - 31), date!(2027 - 02 - 28), today),
            Err(RefusedRenewal::InThePast)
        );
        assert_eq!(
            check_renewal(date!(2027 - 06 - 30), date!(2027 - 06 - 30), today),
            Err(RefusedRenewal::NotLater(date!(2027 - 06 - 30)))
        );
        assert_eq!(
            check_renewal(date!(2027 - 06 - 30), date!(2027 - 05 - 01), today),
            Err(RefusedRenewal::NotLater(date!(2027 - 06 - 30)))
        );
    }
}
