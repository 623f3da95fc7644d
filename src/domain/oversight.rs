//! Advisor oversight: when an accreditation is suspended or withdrawn, which of
//! the advisor's certificates are flagged for review, and how a review is
//! resolved. A certificate has at most one open review; an admin closes it by
//! confirming the certificate or by ordering a reassessment (final either way).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::accreditation::{AccreditationAction, AccreditationStatus};
use super::status::StoredStatus;

/// What happened to the accreditation that put a certificate under review.
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
pub enum ReviewCause {
    Suspended,
    Withdrawn,
}

impl ReviewCause {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewCause::Suspended => "suspended",
            ReviewCause::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewCause> {
        Some(match s {
            "suspended" => ReviewCause::Suspended,
            "withdrawn" => ReviewCause::Withdrawn,
            _ => return None,
        })
    }

    /// The accreditation actions that flag certificates: suspending and withdrawing.
    /// Renewing and reinstating flag nothing (and clear nothing).
    pub fn of(action: AccreditationAction) -> Option<ReviewCause> {
        match action {
            AccreditationAction::Suspend => Some(ReviewCause::Suspended),
            AccreditationAction::Withdraw => Some(ReviewCause::Withdrawn),
            AccreditationAction::Renew | AccreditationAction::Reinstate => None,
        }
    }

    /// The flag as police and admins read it on the record.
    pub fn flag_text(self) -> &'static str {
        match self {
            ReviewCause::Suspended => "Assessor's accreditation suspended — review",
            ReviewCause::Withdrawn => "Assessor's accreditation withdrawn — review",
        }
    }
}

/// How an admin closes a review.
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
pub enum Resolution {
    /// The certificate stands as issued.
    Confirmed,
    /// The operator is asked to have the premises assessed again by a set date;
    /// the certificate stays valid meanwhile, marked on the record.
    ReassessmentOrdered,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Confirmed => "confirmed",
            Resolution::ReassessmentOrdered => "reassessment_ordered",
        }
    }

    pub fn parse(s: &str) -> Option<Resolution> {
        Some(match s {
            "confirmed" => Resolution::Confirmed,
            "reassessment_ordered" => Resolution::ReassessmentOrdered,
            _ => return None,
        })
    }

    /// The audit action, e.g. `review.confirmed`.
    pub fn audit_action(self) -> &'static str {
        match self {
            Resolution::Confirmed => "review.confirmed",
            Resolution::ReassessmentOrdered => "review.reassessment_ordered",
        }
    }
}

/// Where a review stands: `open`, or the resolution it was closed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Open,
    Confirmed,
    ReassessmentOrdered,
}

impl ReviewState {
    pub fn of(resolution: Option<Resolution>) -> ReviewState {
        match resolution {
            None => ReviewState::Open,
            Some(Resolution::Confirmed) => ReviewState::Confirmed,
            Some(Resolution::ReassessmentOrdered) => ReviewState::ReassessmentOrdered,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Open => "open",
            ReviewState::Confirmed => "confirmed",
            ReviewState::ReassessmentOrdered => "reassessment_ordered",
        }
    }
}

/// What is known of one certificate when deciding whether to flag it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flaggable<'a> {
    pub certificate_id: &'a str,
    pub advisor_id: &'a str,
    pub status: StoredStatus,
    pub expires_at: OffsetDateTime,
    /// The cause of its open review, if it has one.
    pub open: Option<ReviewCause>,
    /// Whether a reassessment was ordered for it already.
    pub reassessment_ordered: bool,
}

/// What to do with one certificate when an accreditation is suspended or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagDecision {
    /// Open a review.
    Flag,
    /// Its review opened for the suspension stays open and now says withdrawn:
    /// still one open review, never two.
    Escalate,
    Leave(Unflagged),
}

/// Why a certificate is not flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unflagged {
    /// Issued by someone else.
    AnotherAdvisor,
    /// Revoked or superseded: it gives no assurance to review.
    NotActive,
    Expired,
    /// Under review already for this cause (or for a withdrawal).
    AlreadyOpen,
    /// A reassessment was ordered: the strongest outcome a review has.
    ReassessmentOrdered,
}

pub fn decide(
    c: &Flaggable<'_>,
    advisor_id: &str,
    cause: ReviewCause,
    now: OffsetDateTime,
) -> FlagDecision {
    use FlagDecision::{Escalate, Flag, Leave};
    if c.advisor_id != advisor_id {
        return Leave(Unflagged::AnotherAdvisor);
    }
    // A suspended certificate is flagged too: lifting its suspension (its overdue
    // condition met) must not bring it back unreviewed.
    if !matches!(c.status, StoredStatus::Active | StoredStatus::Suspended) {
        return Leave(Unflagged::NotActive);
    }
    if now >= c.expires_at {
        return Leave(Unflagged::Expired);
    }
    match (c.open, cause) {
        (Some(ReviewCause::Suspended), ReviewCause::Withdrawn) => Escalate,
        (Some(_), _) => Leave(Unflagged::AlreadyOpen),
        (None, _) if c.reassessment_ordered => Leave(Unflagged::ReassessmentOrdered),
        (None, _) => Flag,
    }
}

/// The certificates to flag or escalate, with what to do to each.
pub fn to_flag<'a>(
    certs: &'a [Flaggable<'a>],
    advisor_id: &str,
    cause: ReviewCause,
    now: OffsetDateTime,
) -> Vec<(&'a Flaggable<'a>, FlagDecision)> {
    certs
        .iter()
        .map(|c| (c, decide(c, advisor_id, cause, now)))
        .filter(|(_, d)| !matches!(d, FlagDecision::Leave(_)))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefusedResolution {
    #[error("this review is closed already: the certificate was confirmed")]
    AlreadyConfirmed,
    #[error("this review is closed already: a reassessment was ordered")]
    AlreadyReassessed,
}

impl RefusedResolution {
    pub fn code(self) -> &'static str {
        "review_resolved"
    }
}

/// Closing a review: only an open one, once.
pub fn resolve(
    current: Option<Resolution>,
    to: Resolution,
) -> Result<Resolution, RefusedResolution> {
    match current {
        None => Ok(to),
        Some(Resolution::Confirmed) => Err(RefusedResolution::AlreadyConfirmed),
        Some(Resolution::ReassessmentOrdered) => Err(RefusedResolution::AlreadyReassessed),
    }
}

/// The day by which a reassessment ordered on `day` is to be done.
pub fn reassess_by(day: Date, within_days: u32) -> Date {
    day.saturating_add(time::Duration::days(i64::from(within_days)))
}

/// An accreditation's standing on `day`, as the register shows it: `active`,
/// `lapsed` (stored active, end passed), `suspended` or `withdrawn`.
pub fn standing_on(status: AccreditationStatus, until: Date, day: Date) -> &'static str {
    match status {
        AccreditationStatus::Active if day > until => "lapsed",
        other => other.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    const NOW: OffsetDateTime = datetime!(2027-03-01 12:00 UTC);

    fn cert(id: &str) -> Flaggable<'_> {
        Flaggable {
            certificate_id: id,
            advisor_id: "ada",
            status: StoredStatus::Active,
            expires_at: datetime!(2028-03-01 00:00 UTC),
            open: None,
            reassessment_ordered: false,
        }
    }

    #[test]
    fn only_the_advisors_active_unexpired_certificates_are_flagged() {
        let c = cert("c");
        assert_eq!(
            decide(&c, "ada", ReviewCause::Suspended, NOW),
            FlagDecision::Flag
        );
        // Suspended (for an overdue condition, say): flagged, so that lifting the
        // suspension does not bring it back unreviewed.
        let suspended = Flaggable {
            status: StoredStatus::Suspended,
            ..cert("c")
        };
        assert_eq!(
            decide(&suspended, "ada", ReviewCause::Withdrawn, NOW),
            FlagDecision::Flag
        );
        assert_eq!(
            decide(&c, "bob", ReviewCause::Suspended, NOW),
            FlagDecision::Leave(Unflagged::AnotherAdvisor)
        );
        for status in [StoredStatus::Revoked, StoredStatus::Superseded] {
            let c = Flaggable {
                status,
                ..cert("c")
            };
            assert_eq!(
                decide(&c, "ada", ReviewCause::Withdrawn, NOW),
                FlagDecision::Leave(Unflagged::NotActive)
            );
        }
        let expired = Flaggable {
            expires_at: NOW,
            ..cert("c")
        };
        assert_eq!(
            decide(&expired, "ada", ReviewCause::Suspended, NOW),
            FlagDecision::Leave(Unflagged::Expired),
            "expired at the very instant counts as expired, as on the verify page"
        );
    }

    #[test]
    fn an_open_review_is_never_doubled_and_a_withdrawal_escalates_it() {
        let open_s = Flaggable {
            open: Some(ReviewCause::Suspended),
            ..cert("c")
        };
        assert_eq!(
            decide(&open_s, "ada", ReviewCause::Suspended, NOW),
            FlagDecision::Leave(Unflagged::AlreadyOpen)
        );
        assert_eq!(
            decide(&open_s, "ada", ReviewCause::Withdrawn, NOW),
            FlagDecision::Escalate
        );
        let open_w = Flaggable {
            open: Some(ReviewCause::Withdrawn),
            ..cert("c")
        };
        for cause in [ReviewCause::Suspended, ReviewCause::Withdrawn] {
            assert_eq!(
                decide(&open_w, "ada", cause, NOW),
                FlagDecision::Leave(Unflagged::AlreadyOpen)
            );
        }
        let reassessed = Flaggable {
            reassessment_ordered: true,
            ..cert("c")
        };
        assert_eq!(
            decide(&reassessed, "ada", ReviewCause::Withdrawn, NOW),
            FlagDecision::Leave(Unflagged::ReassessmentOrdered)
        );
    }

    #[test]
    fn to_flag_keeps_only_what_changes() {
        let certs = [
            cert("a"),
            Flaggable {
                advisor_id: "bob",
                ..cert("b")
            },
            Flaggable {
                open: Some(ReviewCause::Suspended),
                ..cert("c")
            },
        ];
        let ids: Vec<(&str, FlagDecision)> = to_flag(&certs, "ada", ReviewCause::Withdrawn, NOW)
            .into_iter()
            .map(|(c, d)| (c.certificate_id, d))
            .collect();
        assert_eq!(
            ids,
            vec![("a", FlagDecision::Flag), ("c", FlagDecision::Escalate)]
        );
    }

    #[test]
    fn a_review_is_resolved_once() {
        use Resolution::*;
        assert_eq!(resolve(None, Confirmed), Ok(Confirmed));
        assert_eq!(resolve(None, ReassessmentOrdered), Ok(ReassessmentOrdered));
        assert_eq!(
            resolve(Some(Confirmed), ReassessmentOrdered),
            Err(RefusedResolution::AlreadyConfirmed)
        );
        assert_eq!(
            resolve(Some(ReassessmentOrdered), Confirmed),
            Err(RefusedResolution::AlreadyReassessed)
        );
        assert_eq!(
            RefusedResolution::AlreadyConfirmed.code(),
            "review_resolved"
        );
        assert_eq!(ReviewState::of(None), ReviewState::Open);
        assert_eq!(
            ReviewState::of(Some(ReassessmentOrdered)).as_str(),
            "reassessment_ordered"
        );
    }

    #[test]
    fn causes_words_and_dates() {
        assert_eq!(
            ReviewCause::of(AccreditationAction::Suspend),
            Some(ReviewCause::Suspended)
        );
        assert_eq!(ReviewCause::of(AccreditationAction::Reinstate), None);
        assert_eq!(ReviewCause::of(AccreditationAction::Renew), None);
        assert!(
            ReviewCause::Withdrawn
                .flag_text()
                .contains("withdrawn — review")
        );
        assert_eq!(
            reassess_by(date!(2027 - 03 - 01), 90),
            date!(2027 - 05 - 30)
        );
        let until = date!(2027 - 06 - 30);
        assert_eq!(
            standing_on(AccreditationStatus::Active, until, until),
            "active"
        );
        assert_eq!(
            standing_on(AccreditationStatus::Active, until, date!(2027 - 07 - 01)),
            "lapsed"
        );
        assert_eq!(
            standing_on(AccreditationStatus::Suspended, until, until),
            "suspended"
        );
        for c in [ReviewCause::Suspended, ReviewCause::Withdrawn] {
            assert_eq!(ReviewCause::parse(c.as_str()), Some(c));
        }
        for r in [Resolution::Confirmed, Resolution::ReassessmentOrdered] {
            assert_eq!(Resolution::parse(r.as_str()), Some(r));
        }
    }

    /// One step of what admins may do, in any order.
    #[derive(Debug, Clone)]
    enum Step {
        Flag(ReviewCause),
        Resolve(usize, Resolution),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            prop_oneof![Just(ReviewCause::Suspended), Just(ReviewCause::Withdrawn)]
                .prop_map(Step::Flag),
            (
                0usize..4,
                prop_oneof![
                    Just(Resolution::Confirmed),
                    Just(Resolution::ReassessmentOrdered)
                ]
            )
                .prop_map(|(i, r)| Step::Resolve(i, r)),
        ]
    }

    /// Reviews as stored: (certificate index, cause, resolution).
    type Store = Vec<(usize, ReviewCause, Option<Resolution>)>;

    fn apply_flags(store: &mut Store, ids: &[String], cause: ReviewCause) -> usize {
        let facts: Vec<Flaggable<'_>> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| Flaggable {
                open: store
                    .iter()
                    .find(|(c, _, r)| *c == i && r.is_none())
                    .map(|(_, cause, _)| *cause),
                reassessment_ordered: store
                    .iter()
                    .any(|(c, _, r)| *c == i && *r == Some(Resolution::ReassessmentOrdered)),
                ..cert(id)
            })
            .collect();
        let mut changed = 0;
        for (c, decision) in to_flag(&facts, "ada", cause, NOW) {
            let i = ids
                .iter()
                .position(|id| id == c.certificate_id)
                .unwrap_or(0);
            match decision {
                FlagDecision::Flag => store.push((i, cause, None)),
                FlagDecision::Escalate => {
                    for row in store.iter_mut().filter(|r| r.0 == i && r.2.is_none()) {
                        row.1 = cause;
                    }
                }
                FlagDecision::Leave(_) => {}
            }
            changed += 1;
        }
        changed
    }

    proptest! {
        /// Whatever admins do, in whatever order, a certificate never has two open
        /// reviews, and flagging for the same cause twice in a row changes nothing.
        #[test]
        fn flagging_never_duplicates(steps in proptest::collection::vec(step(), 0..24)) {
            let ids: Vec<String> = (0..4).map(|i| format!("c{i}")).collect();
            let mut store: Store = Vec::new();
            for s in steps {
                match s {
                    Step::Flag(cause) => {
                        apply_flags(&mut store, &ids, cause);
                        prop_assert_eq!(apply_flags(&mut store, &ids, cause), 0);
                    }
                    Step::Resolve(i, to) => {
                        if let Some(row) = store.iter_mut().find(|r| r.0 == i && r.2.is_none()) {
                            row.2 = Some(resolve(row.2, to).map_err(|e| TestCaseError::fail(e.to_string()))?);
                        }
                    }
                }
                for i in 0..ids.len() {
                    let open = store.iter().filter(|r| r.0 == i && r.2.is_none()).count();
                    prop_assert!(open <= 1, "certificate {} has {} open reviews", i, open);
                }
            }
        }
    }
}
