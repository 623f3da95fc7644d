//! The second sign-off: for the tiers and kinds the scheme names, the assessor's
//! completion is an evaluation, and a second person makes the certification
//! decision (as ISO/IEC 17065 keeps the two apart). Every outcome goes to
//! sign-off, a refusal as much as a certificate: a refusal is a decision too.
//!
//! in_review --complete--> awaiting_sign_off --approve--> completed
//!                                            --return---> in_review (with a note)

use serde::{Deserialize, Serialize};

use crate::domain::accreditation::Ineligible;
use crate::domain::actor::Role;
use crate::domain::application::ApplicationStatus;
use crate::domain::tier::{PremisesKind, Tier};

/// Which premises need a second sign-off: those whose tier OR kind is listed.
/// Two empty lists turn the sign-off off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignOffRule {
    pub tiers: Vec<Tier>,
    pub kinds: Vec<PremisesKind>,
}

impl SignOffRule {
    pub fn needs_sign_off(&self, tier: Tier, kind: PremisesKind) -> bool {
        self.tiers.contains(&tier) || self.kinds.contains(&kind)
    }
}

/// Where completing an assessment leaves the application.
pub fn after_completion(needs_sign_off: bool) -> ApplicationStatus {
    if needs_sign_off {
        ApplicationStatus::AwaitingSignOff
    } else {
        ApplicationStatus::Completed
    }
}

/// What the reviewer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The outcome stands: a certificate is issued, or the refusal is final.
    Approve,
    /// Back to the assessor, with a note saying why.
    Return,
}

impl Decision {
    /// As stored and audited.
    pub fn past_tense(self) -> &'static str {
        match self {
            Decision::Approve => "approved",
            Decision::Return => "returned",
        }
    }

    pub fn from_past_tense(s: &str) -> Option<Decision> {
        Some(match s {
            "approved" => Decision::Approve,
            "returned" => Decision::Return,
            _ => return None,
        })
    }
}

/// Why a sign-off is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("only an admin or an accredited advisor may sign off an assessment")]
    NotAReviewer,
    #[error(
        "you assessed this application, and an assessor can never sign off their own assessment: another reviewer must"
    )]
    OwnAssessment,
    #[error("{0}")]
    Ineligible(Ineligible),
    #[error("the application is {0}; only an application awaiting sign-off can be signed off")]
    NotAwaiting(&'static str),
    #[error("a note is required to return an assessment, saying what the assessor should look at")]
    NoteRequired,
}

/// Who is asking to sign off, as the rule sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer<'a> {
    pub user_id: &'a str,
    pub role: Role,
    /// For an advisor: whether their accreditation admits these premises today
    /// (current, in scope, no tie to the operator). Admins need none.
    pub eligibility: Result<(), Ineligible>,
}

/// Whether `reviewer` may sign off the assessment made by `assessor_id`. The
/// assessor is refused first, whatever their role or accreditation.
pub fn may_sign_off(reviewer: &Reviewer<'_>, assessor_id: &str) -> Result<(), Refused> {
    if reviewer.user_id == assessor_id {
        return Err(Refused::OwnAssessment);
    }
    match reviewer.role {
        Role::Admin => Ok(()),
        Role::Advisor => reviewer.eligibility.clone().map_err(Refused::Ineligible),
        Role::Operator | Role::Police => Err(Refused::NotAReviewer),
    }
}

/// The status a decision leads to from `from`, or why it may not be taken. A return
/// needs a note (blank is none).
pub fn transition(
    from: ApplicationStatus,
    decision: Decision,
    note: &str,
) -> Result<ApplicationStatus, Refused> {
    if from != ApplicationStatus::AwaitingSignOff {
        return Err(Refused::NotAwaiting(from.as_str()));
    }
    match decision {
        Decision::Approve => Ok(ApplicationStatus::Completed),
        Decision::Return if note.trim().is_empty() => Err(Refused::NoteRequired),
        Decision::Return => Ok(ApplicationStatus::InReview),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ALL_STATUSES: [ApplicationStatus; 6] = [
        ApplicationStatus::Draft,
        ApplicationStatus::Submitted,
        ApplicationStatus::InReview,
        ApplicationStatus::Completed,
        ApplicationStatus::Withdrawn,
        ApplicationStatus::AwaitingSignOff,
    ];

    fn reviewer(user_id: &str, role: Role, eligibility: Result<(), Ineligible>) -> Reviewer<'_> {
        Reviewer {
            user_id,
            role,
            eligibility,
        }
    }

    #[test]
    fn tier_or_kind_decides_and_empty_lists_turn_it_off() {
        let default = SignOffRule {
            tiers: vec![Tier::Enhanced],
            kinds: vec![PremisesKind::Event],
        };
        assert!(default.needs_sign_off(Tier::Enhanced, PremisesKind::Building));
        assert!(default.needs_sign_off(Tier::Standard, PremisesKind::Event));
        assert!(default.needs_sign_off(Tier::OutOfScope, PremisesKind::Event));
        assert!(!default.needs_sign_off(Tier::Standard, PremisesKind::Building));
        assert!(!default.needs_sign_off(Tier::OutOfScope, PremisesKind::Building));
        let off = SignOffRule::default();
        for tier in [Tier::OutOfScope, Tier::Standard, Tier::Enhanced] {
            for kind in [PremisesKind::Building, PremisesKind::Event] {
                assert!(!off.needs_sign_off(tier, kind));
            }
        }
        assert_eq!(after_completion(true), ApplicationStatus::AwaitingSignOff);
        assert_eq!(after_completion(false), ApplicationStatus::Completed);
    }

    #[test]
    fn who_may_sign_off() {
        assert_eq!(
            may_sign_off(&reviewer("admin", Role::Admin, Ok(())), "adv-1"),
            Ok(())
        );
        assert_eq!(
            may_sign_off(&reviewer("adv-2", Role::Advisor, Ok(())), "adv-1"),
            Ok(())
        );
        assert_eq!(
            may_sign_off(&reviewer("adv-1", Role::Advisor, Ok(())), "adv-1"),
            Err(Refused::OwnAssessment)
        );
        assert_eq!(
            may_sign_off(
                &reviewer("adv-2", Role::Advisor, Err(Ineligible::ConflictOfInterest)),
                "adv-1"
            ),
            Err(Refused::Ineligible(Ineligible::ConflictOfInterest))
        );
        assert_eq!(
            may_sign_off(
                &reviewer("adv-2", Role::Advisor, Err(Ineligible::OutOfScope("event"))),
                "adv-1"
            ),
            Err(Refused::Ineligible(Ineligible::OutOfScope("event")))
        );
        for role in [Role::Operator, Role::Police] {
            assert_eq!(
                may_sign_off(&reviewer("x", role, Ok(())), "adv-1"),
                Err(Refused::NotAReviewer)
            );
        }
    }

    #[test]
    fn transitions() {
        use ApplicationStatus as S;
        assert_eq!(
            transition(S::AwaitingSignOff, Decision::Approve, ""),
            Ok(S::Completed)
        );
        assert_eq!(
            transition(S::AwaitingSignOff, Decision::Return, "check item 3"),
            Ok(S::InReview)
        );
        assert_eq!(
            transition(S::AwaitingSignOff, Decision::Return, "  \n"),
            Err(Refused::NoteRequired)
        );
        for from in ALL_STATUSES
            .into_iter()
            .filter(|s| *s != S::AwaitingSignOff)
        {
            for decision in [Decision::Approve, Decision::Return] {
                assert_eq!(
                    transition(from, decision, "note"),
                    Err(Refused::NotAwaiting(from.as_str()))
                );
            }
        }
        for d in [Decision::Approve, Decision::Return] {
            assert_eq!(Decision::from_past_tense(d.past_tense()), Some(d));
        }
    }

    #[test]
    fn eligible_advisors_see_what_awaits_sign_off_as_they_see_the_queue() {
        use crate::domain::scope::{ApplicationFacts, ApplicationScope, Queue};
        let scope = ApplicationScope::Advisor {
            advisor_id: "adv-2".into(),
            queue: Some(Queue {
                kinds: vec![PremisesKind::Building],
                excluded_organisation: Some("tied".into()),
            }),
        };
        let facts = |org, status, kind| ApplicationFacts {
            organisation_id: org,
            advisor_id: Some("adv-1"),
            status,
            kind,
        };
        use ApplicationStatus as S;
        assert!(scope.admits(&facts("org", S::AwaitingSignOff, PremisesKind::Building)));
        assert!(!scope.admits(&facts("tied", S::AwaitingSignOff, PremisesKind::Building)));
        assert!(!scope.admits(&facts("org", S::AwaitingSignOff, PremisesKind::Event)));
        // Someone else's assessment in review or completed stays theirs.
        assert!(!scope.admits(&facts("org", S::InReview, PremisesKind::Building)));
        assert!(!scope.admits(&facts("org", S::Completed, PremisesKind::Building)));
    }

    fn any_role() -> impl Strategy<Value = Role> {
        prop::sample::select(Role::ALL.to_vec())
    }

    fn any_eligibility() -> impl Strategy<Value = Result<(), Ineligible>> {
        prop_oneof![
            Just(Ok(())),
            Just(Err(Ineligible::Suspended)),
            Just(Err(Ineligible::Withdrawn)),
            Just(Err(Ineligible::ConflictOfInterest)),
            Just(Err(Ineligible::OutOfScope("event"))),
        ]
    }

    proptest! {
        /// The assessor never signs off their own assessment, whatever their role
        /// or accreditation.
        #[test]
        fn the_assessor_never_signs_off(id in "[a-z0-9-]{1,12}", role in any_role(), eligibility in any_eligibility()) {
            prop_assert_eq!(
                may_sign_off(&reviewer(&id, role, eligibility), &id),
                Err(Refused::OwnAssessment)
            );
        }

        /// Only an application awaiting sign-off moves, and only to completed or
        /// back to in review.
        #[test]
        fn sign_off_moves_only_awaiting_applications(
            from in prop::sample::select(ALL_STATUSES.to_vec()),
            approve in any::<bool>(),
            note in ".{0,20}",
        ) {
            let decision = if approve { Decision::Approve } else { Decision::Return };
            match transition(from, decision, &note) {
                Ok(to) => {
                    prop_assert_eq!(from, ApplicationStatus::AwaitingSignOff);
                    prop_assert_eq!(to, if approve { ApplicationStatus::Completed } else { ApplicationStatus::InReview });
                    prop_assert!(approve || !note.trim().is_empty());
                }
                Err(_) => prop_assert!(from != ApplicationStatus::AwaitingSignOff || (!approve && note.trim().is_empty())),
            }
        }
    }
}
