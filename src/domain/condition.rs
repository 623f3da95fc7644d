//! A certificate's condition, tracked to closure: `open → evidence_submitted →
//! accepted | rejected`, where `rejected` is open again (the operator submits new
//! evidence). Who may review it, when it is overdue, and what holds a certificate
//! suspended: an admin's suspension and each overdue condition, independently.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::accreditation::Ineligible;
use crate::domain::status::{RefusedTransition, StatusAction, StoredStatus, transition};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum ConditionState {
    Open,
    EvidenceSubmitted,
    Accepted,
    Rejected,
}

impl ConditionState {
    pub const ALL: [ConditionState; 4] = [
        ConditionState::Open,
        ConditionState::EvidenceSubmitted,
        ConditionState::Accepted,
        ConditionState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConditionState::Open => "open",
            ConditionState::EvidenceSubmitted => "evidence_submitted",
            ConditionState::Accepted => "accepted",
            ConditionState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ConditionState> {
        ConditionState::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Waiting for the operator: reminders go out and it can become overdue.
    pub fn awaits_evidence(self) -> bool {
        matches!(self, ConditionState::Open | ConditionState::Rejected)
    }

    /// In words, for pages.
    pub fn words(self) -> &'static str {
        match self {
            ConditionState::Open => "Open",
            ConditionState::EvidenceSubmitted => "Evidence submitted",
            ConditionState::Accepted => "Accepted",
            ConditionState::Rejected => "Evidence rejected",
        }
    }
}

/// What someone does to a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionAction {
    /// The operator attaches evidence with a note.
    SubmitEvidence,
    /// The reviewer accepts the evidence: the condition is met.
    Accept,
    /// The reviewer rejects the evidence, with a note: open again.
    Reject,
}

impl ConditionAction {
    /// The audit action and the history's word.
    pub fn audit_action(self) -> &'static str {
        match self {
            ConditionAction::SubmitEvidence => "condition.evidence_submitted",
            ConditionAction::Accept => "condition.accepted",
            ConditionAction::Reject => "condition.rejected",
        }
    }
}

/// Why an action on a condition is refused; each has a stable code for the 409.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefusedCondition {
    #[error("the condition is accepted already: it is closed")]
    Closed,
    #[error("evidence was submitted and awaits review; wait for the reviewer's decision")]
    AwaitingReview,
    #[error("there is no evidence to review: the condition is {0}")]
    NothingToReview(&'static str),
}

impl RefusedCondition {
    pub fn code(self) -> &'static str {
        match self {
            RefusedCondition::Closed => "condition_closed",
            RefusedCondition::AwaitingReview => "condition_awaiting_review",
            RefusedCondition::NothingToReview(_) => "condition_not_awaiting_review",
        }
    }
}

/// The state an action leads to from `from`, or why it may not happen.
pub fn transition_condition(
    from: ConditionState,
    action: ConditionAction,
) -> Result<ConditionState, RefusedCondition> {
    use ConditionAction as A;
    use ConditionState as S;
    match (from, action) {
        (S::Accepted, _) => Err(RefusedCondition::Closed),
        (S::Open | S::Rejected, A::SubmitEvidence) => Ok(S::EvidenceSubmitted),
        (S::EvidenceSubmitted, A::SubmitEvidence) => Err(RefusedCondition::AwaitingReview),
        (S::EvidenceSubmitted, A::Accept) => Ok(S::Accepted),
        (S::EvidenceSubmitted, A::Reject) => Ok(S::Rejected),
        (s @ (S::Open | S::Rejected), A::Accept | A::Reject) => {
            Err(RefusedCondition::NothingToReview(s.as_str()))
        }
    }
}

/// Why an advisor may not review a condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusedReviewer {
    #[error(
        "only the advisor who raised this condition may review it while their accreditation is current"
    )]
    NotTheRaiser,
    #[error("{0}")]
    Ineligible(Ineligible),
}

/// Who reviews: the advisor who raised the condition, while they may still assess
/// these premises; once they may not (lapsed, suspended, withdrawn, out of scope,
/// tied), any advisor who may assess them today. `raiser` and `caller` are each
/// advisor's standing for these premises today (`accreditation::check`).
pub fn may_review(
    caller_is_raiser: bool,
    raiser: &Result<(), Ineligible>,
    caller: &Result<(), Ineligible>,
) -> Result<(), RefusedReviewer> {
    if !caller_is_raiser && raiser.is_ok() {
        return Err(RefusedReviewer::NotTheRaiser);
    }
    caller.clone().map_err(RefusedReviewer::Ineligible)
}

/// Whether a condition should now hold its certificate suspended: still awaiting
/// evidence `grace_days` after its due date. Evidence awaiting review does not
/// count: the operator has done their part.
pub fn overdue(
    state: ConditionState,
    due_at: time::OffsetDateTime,
    grace_days: u32,
    now: time::OffsetDateTime,
) -> bool {
    state.awaits_evidence() && now >= due_at + time::Duration::days(i64::from(grace_days))
}

/// The reason shown on the record when an overdue condition suspends a certificate.
pub fn overdue_reason(item_id: &str) -> String {
    format!("condition {item_id} overdue")
}

/// What holds a certificate suspended.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holder {
    /// An admin's suspension: only an admin's reinstatement lifts it.
    Admin,
    /// An overdue condition (its id): only accepting its evidence lifts it.
    Condition(String),
}

impl Holder {
    pub fn as_key(&self) -> String {
        match self {
            Holder::Admin => "admin".to_string(),
            Holder::Condition(id) => format!("condition:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Holder> {
        match key {
            "admin" => Some(Holder::Admin),
            _ => key
                .strip_prefix("condition:")
                .map(|id| Holder::Condition(id.to_string())),
        }
    }
}

/// Why an admin's reinstatement is refused while a condition holds the certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusedReinstatement {
    #[error(transparent)]
    Status(RefusedTransition),
    #[error(
        "an overdue condition holds the certificate suspended; it is reinstated when that condition's evidence is accepted"
    )]
    HeldByCondition,
}

impl RefusedReinstatement {
    pub fn code(&self) -> &'static str {
        match self {
            RefusedReinstatement::Status(why) => why.code(),
            RefusedReinstatement::HeldByCondition => "held_by_condition",
        }
    }
}

/// The holds on one certificate and the status they give.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holds(pub BTreeSet<Holder>);

impl Holds {
    pub fn of(keys: impl IntoIterator<Item = String>) -> Holds {
        Holds(keys.into_iter().filter_map(|k| Holder::parse(&k)).collect())
    }

    pub fn admin(&self) -> bool {
        self.0.contains(&Holder::Admin)
    }

    pub fn by_condition(&self) -> bool {
        self.0.iter().any(|h| matches!(h, Holder::Condition(_)))
    }

    /// An admin suspends: from active as before; a certificate already held by an
    /// overdue condition gains the admin's hold too (its status stays suspended),
    /// so that accepting the condition's evidence does not lift the admin's decision.
    pub fn admin_suspend(&self, from: StoredStatus) -> Result<StoredStatus, RefusedTransition> {
        match from {
            StoredStatus::Suspended if !self.admin() && self.by_condition() => {
                Ok(StoredStatus::Suspended)
            }
            _ => transition(StatusAction::Suspend, from),
        }
    }

    /// An admin reinstates: lifts the admin's hold only; an overdue condition still
    /// holding the certificate refuses it (the condition must be closed first).
    pub fn admin_reinstate(
        &self,
        from: StoredStatus,
    ) -> Result<StoredStatus, RefusedReinstatement> {
        let to = transition(StatusAction::Reinstate, from).map_err(RefusedReinstatement::Status)?;
        if self.by_condition() {
            return Err(RefusedReinstatement::HeldByCondition);
        }
        Ok(to)
    }

    /// The status once `holder` lets go: active again only if nothing else holds a
    /// suspended certificate; any other status is left as it is.
    pub fn release(&mut self, holder: &Holder, from: StoredStatus) -> StoredStatus {
        self.0.remove(holder);
        if from == StoredStatus::Suspended && self.0.is_empty() {
            StoredStatus::Active
        } else {
            from
        }
    }

    /// The status once `holder` takes hold: an active certificate is suspended;
    /// revoked and superseded ones stay as they are.
    pub fn hold(&mut self, holder: Holder, from: StoredStatus) -> StoredStatus {
        match from {
            StoredStatus::Active | StoredStatus::Suspended => {
                self.0.insert(holder);
                StoredStatus::Suspended
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    use ConditionAction as A;
    use ConditionState as S;

    #[test]
    fn evidence_is_submitted_then_accepted_or_rejected() {
        assert_eq!(
            transition_condition(S::Open, A::SubmitEvidence),
            Ok(S::EvidenceSubmitted)
        );
        assert_eq!(
            transition_condition(S::EvidenceSubmitted, A::Accept),
            Ok(S::Accepted)
        );
        assert_eq!(
            transition_condition(S::EvidenceSubmitted, A::Reject),
            Ok(S::Rejected)
        );
        // Rejected is open again.
        assert_eq!(
            transition_condition(S::Rejected, A::SubmitEvidence),
            Ok(S::EvidenceSubmitted)
        );
    }

    #[test]
    fn refusals_have_codes() {
        assert_eq!(
            transition_condition(S::Open, A::Accept).map_err(|e| e.code()),
            Err("condition_not_awaiting_review")
        );
        assert_eq!(
            transition_condition(S::EvidenceSubmitted, A::SubmitEvidence).map_err(|e| e.code()),
            Err("condition_awaiting_review")
        );
        for a in [A::SubmitEvidence, A::Accept, A::Reject] {
            assert_eq!(
                transition_condition(S::Accepted, a).map_err(|e| e.code()),
                Err("condition_closed")
            );
        }
        for s in ConditionState::ALL {
            assert_eq!(ConditionState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn the_raiser_reviews_until_their_accreditation_stops() {
        let ok = Ok(());
        let lapsed = Err(Ineligible::Lapsed(time::macros::date!(2026 - 01 - 01)));
        assert_eq!(may_review(true, &ok, &ok), Ok(()));
        assert_eq!(
            may_review(false, &ok, &ok),
            Err(RefusedReviewer::NotTheRaiser)
        );
        assert_eq!(may_review(false, &lapsed, &ok), Ok(()));
        assert_eq!(
            may_review(false, &lapsed, &Err(Ineligible::ConflictOfInterest)),
            Err(RefusedReviewer::Ineligible(Ineligible::ConflictOfInterest))
        );
        assert_eq!(
            may_review(
                true,
                &Err(Ineligible::Suspended),
                &Err(Ineligible::Suspended)
            ),
            Err(RefusedReviewer::Ineligible(Ineligible::Suspended))
        );
    }

    #[test]
    fn overdue_after_the_grace_period_only_while_awaiting_evidence() {
        let due = datetime!(2027-01-01 00:00 UTC);
        assert!(!overdue(S::Open, due, 14, datetime!(2027-01-14 23:59 UTC)));
        assert!(overdue(S::Open, due, 14, datetime!(2027-01-15 00:00 UTC)));
        assert!(overdue(
            S::Rejected,
            due,
            14,
            datetime!(2027-02-01 00:00 UTC)
        ));
        assert!(!overdue(
            S::EvidenceSubmitted,
            due,
            14,
            datetime!(2027-02-01 00:00 UTC)
        ));
        assert!(!overdue(
            S::Accepted,
            due,
            14,
            datetime!(2027-02-01 00:00 UTC)
        ));
    }

    #[test]
    fn holds_are_independent() {
        let c = Holder::Condition("c1".into());
        let mut h = Holds::default();
        assert_eq!(
            h.hold(c.clone(), StoredStatus::Active),
            StoredStatus::Suspended
        );
        // An admin may add their hold; reinstating is refused while the condition holds.
        assert_eq!(
            h.admin_suspend(StoredStatus::Suspended),
            Ok(StoredStatus::Suspended)
        );
        h.hold(Holder::Admin, StoredStatus::Suspended);
        assert_eq!(
            h.admin_reinstate(StoredStatus::Suspended)
                .map_err(|e| e.code()),
            Err("held_by_condition")
        );
        // Accepting the condition's evidence leaves the admin's hold.
        assert_eq!(
            h.release(&c, StoredStatus::Suspended),
            StoredStatus::Suspended
        );
        assert_eq!(
            h.admin_reinstate(StoredStatus::Suspended),
            Ok(StoredStatus::Active)
        );
        assert_eq!(
            h.release(&Holder::Admin, StoredStatus::Suspended),
            StoredStatus::Active
        );
        // A revoked certificate stays revoked.
        assert_eq!(
            h.hold(c.clone(), StoredStatus::Revoked),
            StoredStatus::Revoked
        );
        assert_eq!(
            Holds::default().admin_suspend(StoredStatus::Suspended),
            Err(RefusedTransition::AlreadySuspended)
        );
        assert_eq!(Holder::parse(&c.as_key()), Some(c));
    }

    #[derive(Debug, Clone)]
    enum Step {
        Sweep(i64),
        Submit,
        Accept,
        Reject,
        AdminSuspend,
        AdminReinstate,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0i64..60).prop_map(Step::Sweep),
            Just(Step::Submit),
            Just(Step::Accept),
            Just(Step::Reject),
            Just(Step::AdminSuspend),
            Just(Step::AdminReinstate),
        ]
    }

    proptest! {
        /// Whatever the steps and however many sweeps: the certificate is suspended
        /// for the overdue condition at most once, it is suspended exactly while
        /// something holds it, and the condition is never accepted without evidence.
        #[test]
        fn suspended_for_overdue_at_most_once(steps in proptest::collection::vec(step(), 0..40)) {
            let due = datetime!(2027-01-01 00:00 UTC);
            let grace = 14;
            let id = Holder::Condition("c".into());
            let mut state = S::Open;
            let mut overdue_marked = false;
            let mut suspensions_for_overdue = 0;
            let mut evidence_seen = false;
            let mut status = StoredStatus::Active;
            let mut holds = Holds::default();
            for s in steps {
                match s {
                    Step::Sweep(day) => {
                        let now = due + time::Duration::days(day);
                        // The conditional UPDATE: only an unmarked, overdue condition.
                        if !overdue_marked && overdue(state, due, grace, now) {
                            overdue_marked = true;
                            suspensions_for_overdue += 1;
                            status = holds.hold(id.clone(), status);
                        }
                    }
                    Step::Submit => if let Ok(to) = transition_condition(state, A::SubmitEvidence) {
                        state = to;
                        evidence_seen = true;
                    },
                    Step::Accept => if let Ok(to) = transition_condition(state, A::Accept) {
                        prop_assert!(evidence_seen);
                        state = to;
                        status = holds.release(&id, status);
                    },
                    Step::Reject => if let Ok(to) = transition_condition(state, A::Reject) {
                        state = to;
                    },
                    Step::AdminSuspend => if let Ok(to) = holds.admin_suspend(status) {
                        status = holds.hold(Holder::Admin, to);
                    },
                    Step::AdminReinstate => if holds.admin_reinstate(status).is_ok() {
                        status = holds.release(&Holder::Admin, status);
                    },
                }
                prop_assert!(suspensions_for_overdue <= 1);
                prop_assert_eq!(status == StoredStatus::Suspended, !holds.0.is_empty());
                if state == S::Accepted {
                    prop_assert!(!holds.0.contains(&id));
                }
            }
        }
    }
}
