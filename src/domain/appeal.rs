//! An appeal against an assessment: `lodged → in_review → decided`.
//!
//! The operator may appeal once, within a window after a refusal or a certificate
//! with conditions, naming the items. A second advisor rescores only those items;
//! the outcome is recomputed from the original scores with the appealed items
//! replaced, by the same scoring as any assessment ([`scoring::assess_until`]).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::scoring::{self, Assessment, Case, ConditionDraft, EventWindow, Outcome, ScoringError};
use crate::domain::checklist::Checklist;

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
pub enum AppealState {
    Lodged,
    InReview,
    Decided,
}

impl AppealState {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealState::Lodged => "lodged",
            AppealState::InReview => "in_review",
            AppealState::Decided => "decided",
        }
    }

    pub fn parse(s: &str) -> Option<AppealState> {
        Some(match s {
            "lodged" => AppealState::Lodged,
            "in_review" => AppealState::InReview,
            "decided" => AppealState::Decided,
            _ => return None,
        })
    }
}

/// What the reviewer does to an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealAction {
    Claim,
    Score,
    Decide,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AppealRefused {
    #[error("the appeal is already claimed by an advisor")]
    AlreadyClaimed,
    #[error("the appeal has not been claimed by an advisor yet")]
    NotClaimed,
    #[error("the appeal has already been decided")]
    AlreadyDecided,
}

impl AppealRefused {
    pub fn code(self) -> &'static str {
        match self {
            AppealRefused::AlreadyClaimed => "appeal_claimed",
            AppealRefused::NotClaimed => "appeal_not_claimed",
            AppealRefused::AlreadyDecided => "appeal_decided",
        }
    }
}

/// The state after `action`, or why the action is refused in `from`.
pub fn transition(action: AppealAction, from: AppealState) -> Result<AppealState, AppealRefused> {
    use AppealAction::*;
    use AppealState::*;
    match (action, from) {
        (_, Decided) => Err(AppealRefused::AlreadyDecided),
        (Claim, Lodged) => Ok(InReview),
        (Claim, InReview) => Err(AppealRefused::AlreadyClaimed),
        (Score | Decide, Lodged) => Err(AppealRefused::NotClaimed),
        (Score, InReview) => Ok(InReview),
        (Decide, InReview) => Ok(Decided),
    }
}

/// Why an assessment cannot be appealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotAppealable {
    #[error("only a completed assessment can be appealed")]
    NotDecided,
    #[error("a certificate without conditions leaves nothing to appeal")]
    CertifiedWithoutConditions,
    #[error("the appeal window closed on {0}")]
    WindowClosed(time::OffsetDateTime),
}

impl NotAppealable {
    pub fn code(self) -> &'static str {
        match self {
            NotAppealable::NotDecided => "not_decided",
            NotAppealable::CertifiedWithoutConditions => "not_appealable",
            NotAppealable::WindowClosed(_) => "appeal_window_closed",
        }
    }
}

/// When the window to appeal an assessment decided at `decided_at` closes.
pub fn window_closes(decided_at: time::OffsetDateTime, days: u32) -> time::OffsetDateTime {
    decided_at + time::Duration::days(i64::from(days))
}

/// Whether an assessment with `outcome`, decided at `decided_at`, may be appealed
/// `at`; if so, when the window closes. A refusal or conditions may be appealed;
/// a plain certificate may not.
pub fn may_lodge(
    outcome: Option<Outcome>,
    decided_at: Option<time::OffsetDateTime>,
    at: time::OffsetDateTime,
    window_days: u32,
) -> Result<time::OffsetDateTime, NotAppealable> {
    let (Some(outcome), Some(decided_at)) = (outcome, decided_at) else {
        return Err(NotAppealable::NotDecided);
    };
    if outcome == Outcome::Certified {
        return Err(NotAppealable::CertifiedWithoutConditions);
    }
    let closes = window_closes(decided_at, window_days);
    if at >= closes {
        return Err(NotAppealable::WindowClosed(closes));
    }
    Ok(closes)
}

/// The final scores: the original ones, with each appealed item's score replaced
/// by the reviewer's where the reviewer gave one. Nothing else can change.
pub fn merge(
    original: &HashMap<String, Option<u8>>,
    appealed: &HashSet<String>,
    rescored: &HashMap<String, Option<u8>>,
) -> HashMap<String, Option<u8>> {
    let mut out = original.clone();
    for (item, score) in rescored {
        if appealed.contains(item) {
            out.insert(item.clone(), *score);
        }
    }
    out
}

/// The assessment on appeal, decided at `at`: the same scoring as any assessment,
/// over the merged scores.
#[allow(clippy::too_many_arguments)]
pub fn reassess(
    checklist: &Checklist,
    case: &Case,
    original: &HashMap<String, Option<u8>>,
    appealed: &HashSet<String>,
    rescored: &HashMap<String, Option<u8>>,
    at: time::OffsetDateTime,
    event: Option<EventWindow>,
) -> Result<Assessment, ScoringError> {
    scoring::assess_until(
        checklist,
        case,
        &merge(original, appealed, rescored),
        at,
        event,
    )
}

/// What an appeal's decision does to the certificate.
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
pub enum Consequence {
    /// The outcome (and any conditions) stand: nothing is issued.
    Unchanged,
    /// A refusal overturned: a certificate is issued.
    Issued,
    /// Conditions lifted or changed: a new certificate supersedes the old one.
    Reissued,
    /// Now refused: the certificate is withdrawn.
    Withdrawn,
}

impl Consequence {
    pub fn as_str(self) -> &'static str {
        match self {
            Consequence::Unchanged => "unchanged",
            Consequence::Issued => "issued",
            Consequence::Reissued => "reissued",
            Consequence::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Consequence> {
        Some(match s {
            "unchanged" => Consequence::Unchanged,
            "issued" => Consequence::Issued,
            "reissued" => Consequence::Reissued,
            "withdrawn" => Consequence::Withdrawn,
            _ => return None,
        })
    }
}

/// The items the conditions are raised on: two sets of conditions differ when
/// they name different items (due dates are counted afresh on any issue).
fn condition_items(conditions: &[ConditionDraft]) -> Vec<&str> {
    let mut items: Vec<&str> = conditions.iter().map(|c| c.item_id.as_str()).collect();
    items.sort_unstable();
    items
}

/// What the decision does, from the outcome and conditions before and after.
pub fn consequence(
    before: Outcome,
    before_conditions: &[ConditionDraft],
    after: Outcome,
    after_conditions: &[ConditionDraft],
) -> Consequence {
    match (before, after) {
        (Outcome::Refused, Outcome::Refused) => Consequence::Unchanged,
        (Outcome::Refused, _) => Consequence::Issued,
        (_, Outcome::Refused) => Consequence::Withdrawn,
        (b, a)
            if b == a
                && condition_items(before_conditions) == condition_items(after_conditions) =>
        {
            Consequence::Unchanged
        }
        _ => Consequence::Reissued,
    }
}

/// Appeals a caller sees: operators their organisation's; advisors the lodged
/// appeals they may take (see [`may_review`]) and those they claimed; admins all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppealScope {
    All,
    Organisation(String),
    Advisor {
        advisor_id: String,
        /// None while the accreditation does not admit any premises today.
        queue: Option<super::scope::Queue>,
    },
}

/// What a scope looks at in an appeal.
pub struct AppealFacts<'a> {
    pub organisation_id: &'a str,
    pub state: AppealState,
    pub kind: super::tier::PremisesKind,
    /// The advisor who made the assessment appealed against.
    pub original_advisor_id: Option<&'a str>,
    pub reviewer_id: Option<&'a str>,
}

impl AppealScope {
    pub fn admits(&self, a: &AppealFacts<'_>) -> bool {
        match self {
            AppealScope::All => true,
            AppealScope::Organisation(own) => !own.is_empty() && own == a.organisation_id,
            AppealScope::Advisor { advisor_id, queue } => {
                a.reviewer_id == Some(advisor_id.as_str())
                    || (a.state == AppealState::Lodged
                        && a.original_advisor_id != Some(advisor_id.as_str())
                        && queue
                            .as_ref()
                            .is_some_and(|q| q.admits(a.kind, a.organisation_id)))
            }
        }
    }
}

/// Why an advisor may not review an appeal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MayNotReview {
    #[error("the advisor who made the assessment cannot review the appeal against it")]
    OriginalAssessor,
    #[error("the advisor who signed the assessment off cannot review the appeal against it")]
    SignedOff,
    #[error("{0}")]
    Ineligible(super::accreditation::Ineligible),
}

/// A reviewer must be a different advisor — neither the one who assessed nor the
/// one who signed the assessment off — accredited today in scope for the premises
/// and without a tie to the operator's organisation.
pub fn may_review(
    reviewer_id: &str,
    original_advisor_id: Option<&str>,
    signed_off_by: Option<&str>,
    eligibility: Result<(), super::accreditation::Ineligible>,
) -> Result<(), MayNotReview> {
    if original_advisor_id == Some(reviewer_id) {
        return Err(MayNotReview::OriginalAssessor);
    }
    if signed_off_by == Some(reviewer_id) {
        return Err(MayNotReview::SignedOff);
    }
    eligibility.map_err(MayNotReview::Ineligible)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tier::Tier;
    use proptest::prelude::*;
    use time::macros::datetime;

    const BUILDING: &str = include_str!("../../config/checklists/building.toml");
    const AT: time::OffsetDateTime = datetime!(2026-12-01 12:00 UTC);

    fn cond(item: &str) -> ConditionDraft {
        ConditionDraft {
            item_id: item.into(),
            text: String::new(),
            due_at: AT,
        }
    }

    #[test]
    fn the_state_machine_goes_lodged_in_review_decided() {
        use AppealAction::*;
        use AppealState::*;
        assert_eq!(transition(Claim, Lodged), Ok(InReview));
        assert_eq!(transition(Score, InReview), Ok(InReview));
        assert_eq!(transition(Decide, InReview), Ok(Decided));
        assert_eq!(
            transition(Claim, InReview),
            Err(AppealRefused::AlreadyClaimed)
        );
        assert_eq!(transition(Score, Lodged), Err(AppealRefused::NotClaimed));
        assert_eq!(transition(Decide, Lodged), Err(AppealRefused::NotClaimed));
        for a in [Claim, Score, Decide] {
            assert_eq!(transition(a, Decided), Err(AppealRefused::AlreadyDecided));
        }
        for s in ["lodged", "in_review", "decided"] {
            assert_eq!(AppealState::parse(s).map(|x| x.as_str()), Some(s));
        }
        for s in ["unchanged", "issued", "reissued", "withdrawn"] {
            assert_eq!(Consequence::parse(s).map(|x| x.as_str()), Some(s));
        }
    }

    #[test]
    fn the_window_is_open_for_refusals_and_conditions_until_it_closes() {
        let decided = AT;
        let inside = AT + time::Duration::days(20);
        let closes = AT + time::Duration::days(21);
        for outcome in [Outcome::Refused, Outcome::CertifiedWithConditions] {
            assert_eq!(
                may_lodge(Some(outcome), Some(decided), inside, 21),
                Ok(closes)
            );
            assert_eq!(
                may_lodge(Some(outcome), Some(decided), closes, 21),
                Err(NotAppealable::WindowClosed(closes))
            );
        }
        assert_eq!(
            may_lodge(Some(Outcome::Certified), Some(decided), inside, 21),
            Err(NotAppealable::CertifiedWithoutConditions)
        );
        assert_eq!(
            may_lodge(None, None, inside, 21),
            Err(NotAppealable::NotDecided)
        );
        // A window of no days is closed from the start.
        assert!(matches!(
            may_lodge(Some(Outcome::Refused), Some(decided), decided, 0),
            Err(NotAppealable::WindowClosed(_))
        ));
    }

    #[test]
    fn consequences_of_each_change() {
        use Outcome::*;
        let c = [cond("a")];
        let d = [cond("b")];
        assert_eq!(
            consequence(Refused, &[], Refused, &[]),
            Consequence::Unchanged
        );
        assert_eq!(
            consequence(Refused, &[], Certified, &[]),
            Consequence::Issued
        );
        assert_eq!(
            consequence(Refused, &[], CertifiedWithConditions, &c),
            Consequence::Issued
        );
        assert_eq!(
            consequence(CertifiedWithConditions, &c, Certified, &[]),
            Consequence::Reissued
        );
        assert_eq!(
            consequence(CertifiedWithConditions, &c, CertifiedWithConditions, &d),
            Consequence::Reissued
        );
        assert_eq!(
            consequence(CertifiedWithConditions, &c, CertifiedWithConditions, &c),
            Consequence::Unchanged
        );
        assert_eq!(
            consequence(CertifiedWithConditions, &c, Refused, &[]),
            Consequence::Withdrawn
        );
        assert_eq!(
            consequence(Certified, &[], Refused, &[]),
            Consequence::Withdrawn
        );
    }

    #[test]
    fn only_a_different_eligible_advisor_reviews() {
        use crate::domain::accreditation::Ineligible;
        use crate::domain::scope::Queue;
        use crate::domain::tier::PremisesKind::*;
        assert_eq!(
            may_review("a", Some("a"), None, Ok(())),
            Err(MayNotReview::OriginalAssessor)
        );
        assert_eq!(
            may_review("b", Some("a"), None, Err(Ineligible::ConflictOfInterest)),
            Err(MayNotReview::Ineligible(Ineligible::ConflictOfInterest))
        );
        assert_eq!(may_review("b", Some("a"), None, Ok(())), Ok(()));
        assert_eq!(
            may_review("c", Some("a"), Some("c"), Ok(())),
            Err(MayNotReview::SignedOff)
        );
        let scope = AppealScope::Advisor {
            advisor_id: "b".into(),
            queue: Some(Queue {
                kinds: vec![Building],
                excluded_organisation: Some("tied".into()),
            }),
        };
        let facts = |org, state, kind, original, reviewer| AppealFacts {
            organisation_id: org,
            state,
            kind,
            original_advisor_id: original,
            reviewer_id: reviewer,
        };
        use AppealState::*;
        assert!(scope.admits(&facts("org", Lodged, Building, Some("a"), None)));
        assert!(!scope.admits(&facts("org", Lodged, Building, Some("b"), None)));
        assert!(!scope.admits(&facts("tied", Lodged, Building, Some("a"), None)));
        assert!(!scope.admits(&facts("org", Lodged, Event, Some("a"), None)));
        assert!(!scope.admits(&facts("org", InReview, Building, Some("a"), Some("c"))));
        assert!(scope.admits(&facts("org", Decided, Building, Some("a"), Some("b"))));
        let own = AppealScope::Organisation("org".into());
        assert!(own.admits(&facts("org", Lodged, Building, None, None)));
        assert!(!own.admits(&facts("other", Lodged, Building, None, None)));
    }

    /// A score sheet for the standard tier, some items appealed, and rescores
    /// for any items (appealed or not).
    #[allow(clippy::type_complexity)]
    fn appeal_case() -> impl Strategy<
        Value = (
            HashMap<String, Option<u8>>,
            HashSet<String>,
            HashMap<String, Option<u8>>,
        ),
    > {
        let c = Checklist::parse(BUILDING).expect("valid");
        let items: Vec<(String, bool)> = c
            .applicable_items(Tier::Standard)
            .iter()
            .map(|(_, i)| (i.id.clone(), i.critical))
            .collect();
        let max = c.scoring.max_score;
        let n = items.len();
        let score = move |critical: bool| {
            if critical {
                (0..=max).prop_map(Some).boxed()
            } else {
                prop_oneof![4 => (0..=max).prop_map(Some), 1 => Just(None)].boxed()
            }
        };
        let originals: Vec<_> = items.iter().map(|(_, cr)| score(*cr)).collect();
        let rescores: Vec<_> = items
            .iter()
            .map(|(_, cr)| prop::option::of(score(*cr)))
            .collect();
        (originals, prop::collection::vec(any::<bool>(), n), rescores).prop_map(
            move |(orig, picked, re)| {
                let ids: Vec<String> = items.iter().map(|(id, _)| id.clone()).collect();
                let original = ids.iter().cloned().zip(orig).collect();
                let appealed = ids
                    .iter()
                    .zip(&picked)
                    .filter(|(_, p)| **p)
                    .map(|(id, _)| id.clone())
                    .collect();
                let rescored = ids
                    .iter()
                    .zip(re)
                    .filter_map(|(id, s)| s.map(|s| (id.clone(), s)))
                    .collect();
                (original, appealed, rescored)
            },
        )
    }

    proptest! {
        #[test]
        fn an_appeal_never_changes_an_item_that_was_not_appealed(
            (original, appealed, rescored) in appeal_case()
        ) {
            let merged = merge(&original, &appealed, &rescored);
            prop_assert_eq!(merged.len(), original.len());
            for (item, score) in &original {
                if !appealed.contains(item) {
                    prop_assert_eq!(merged.get(item), Some(score));
                } else if let Some(new) = rescored.get(item) {
                    prop_assert_eq!(merged.get(item), Some(new));
                }
            }
        }

        #[test]
        fn the_outcome_after_an_appeal_is_the_scoring_of_the_final_scores(
            (original, appealed, rescored) in appeal_case()
        ) {
            let c = Checklist::parse(BUILDING).expect("valid");
            let case = Case::fully_evidenced(&c, Tier::Standard);
            let on_appeal = reassess(&c, &case, &original, &appealed, &rescored, AT, None)
                .expect("reassess");
            let fresh = scoring::assess(&c, &case, &merge(&original, &appealed, &rescored), AT)
                .expect("assess");
            prop_assert_eq!(&on_appeal, &fresh);
            // Nothing appealed: the appeal decides what the assessment did.
            let none = reassess(&c, &case, &original, &HashSet::new(), &rescored, AT, None)
                .expect("reassess");
            prop_assert_eq!(none, scoring::assess(&c, &case, &original, AT).expect("assess"));
        }
    }
}
