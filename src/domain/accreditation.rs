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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accreditation<'a> {
    pub active: bool,
    pub accredited_until: time::Date,
    pub scopes: &'a [PremisesKind],
    pub tied_organisation_id: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ineligible {
    #[error("the advisor's accreditation is suspended")]
    Suspended,
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
    if !a.active {
        return Err(Ineligible::Suspended);
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
            active: true,
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
            active: false,
            ..acc(&scopes)
        };
        assert_eq!(
            check(&suspended, PremisesKind::Building, "org-1", today),
            Err(Ineligible::Suspended)
        );
    }
}
