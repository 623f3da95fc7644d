//! The outcome of an assessment, from the scores alone and deterministically.
//!
//! Not-applicable items count nowhere. Refused: any critical item below
//! `critical_fail_below`, a weighted overall below `min_overall_percent`, or nothing
//! assessable. Otherwise every item below `condition_below` raises a condition, and
//! any condition means certified with conditions. Otherwise certified. Each rule
//! can only get better as a score rises, so raising a score never worsens the outcome.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::checklist::{Checklist, ChecklistItem};
use super::tier::Tier;

/// Ordered worst to best.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Refused,
    CertifiedWithConditions,
    Certified,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Refused => "refused",
            Outcome::CertifiedWithConditions => "certified_with_conditions",
            Outcome::Certified => "certified",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "refused" => Outcome::Refused,
            "certified_with_conditions" => Outcome::CertifiedWithConditions,
            "certified" => Outcome::Certified,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SectionResult {
    pub id: String,
    pub title: String,
    pub earned: u32,
    pub possible: u32,
    /// None when every item of the section was not applicable.
    pub percent: Option<f64>,
    pub items_scored: u32,
    pub items_not_applicable: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CriticalFailure {
    pub item_id: String,
    pub text: String,
    pub score: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AssessmentResult {
    /// Weighted, rounded to one decimal for display; decisions use exact integers.
    pub overall_percent: f64,
    pub earned: u32,
    pub possible: u32,
    pub sections: Vec<SectionResult>,
    pub critical_failures: Vec<CriticalFailure>,
    /// The explanation, one line per rule applied.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConditionDraft {
    pub item_id: String,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: time::OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub outcome: Outcome,
    pub result: AssessmentResult,
    pub conditions: Vec<ConditionDraft>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoringError {
    #[error("{} item(s) not scored yet", .0.len())]
    Unscored(Vec<String>),
    #[error("item `{item_id}`: score {score} is above the maximum {max}")]
    OutOfRange { item_id: String, score: u8, max: u8 },
    #[error("`{0}` is not a checklist item for this tier")]
    UnknownItem(String),
    #[error("item `{0}` is critical and cannot be marked not applicable")]
    CriticalNotApplicable(String),
}

fn check_item(
    checklist: &Checklist,
    item: &ChecklistItem,
    score: Option<u8>,
) -> Result<(), ScoringError> {
    match score {
        None if item.critical => Err(ScoringError::CriticalNotApplicable(item.id.clone())),
        Some(s) if s > checklist.scoring.max_score => Err(ScoringError::OutOfRange {
            item_id: item.id.clone(),
            score: s,
            max: checklist.scoring.max_score,
        }),
        _ => Ok(()),
    }
}

/// Checks one score before it is stored, by the same rules as [`assess`].
pub fn check_score(
    checklist: &Checklist,
    tier: Tier,
    item_id: &str,
    score: Option<u8>,
) -> Result<(), ScoringError> {
    let applicable = checklist.applicable_items(tier);
    let (_, item) = applicable
        .iter()
        .find(|(_, i)| i.id == item_id)
        .ok_or_else(|| ScoringError::UnknownItem(item_id.to_string()))?;
    check_item(checklist, item, score)
}

fn percent(earned: u32, possible: u32) -> f64 {
    (f64::from(earned) * 1000.0 / f64::from(possible)).round() / 10.0
}

/// When a condition raised at `completed_at` falls due: `days` later, but for an
/// event never after it ends. The event's certificate expires when the event ends,
/// so a later date would ask for a measure nobody could check while it mattered.
pub fn condition_due(
    completed_at: time::OffsetDateTime,
    days: u32,
    event_end: Option<time::OffsetDateTime>,
) -> time::OffsetDateTime {
    let due = completed_at + time::Duration::days(i64::from(days));
    match event_end {
        Some(end) if end < due => end,
        _ => due,
    }
}

/// Section and overall percentages over the items scored so far, while an
/// assessment is under way: the same weights, rounding and not-applicable rule as
/// [`assess`] (whose percentages these are once every item is scored), but
/// unscored items are simply left out. Scores for unknown items are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Tally {
    /// None until something assessable is scored.
    pub overall_percent: Option<f64>,
    pub earned: u32,
    pub possible: u32,
    pub sections: Vec<SectionResult>,
    /// Applicable items without a score yet, in checklist order.
    pub unscored: Vec<String>,
}

pub fn tally(checklist: &Checklist, tier: Tier, scores: &HashMap<String, Option<u8>>) -> Tally {
    let max = u32::from(checklist.scoring.max_score);
    let mut sections: Vec<SectionResult> = Vec::new();
    let mut unscored = Vec::new();
    let (mut earned, mut possible) = (0u32, 0u32);
    for (section, item) in checklist.applicable_items(tier) {
        if sections.last().is_none_or(|s| s.id != section.id) {
            sections.push(SectionResult {
                id: section.id.clone(),
                title: section.title.clone(),
                earned: 0,
                possible: 0,
                percent: None,
                items_scored: 0,
                items_not_applicable: 0,
            });
        }
        let Some(current) = sections.last_mut() else {
            continue;
        };
        match scores.get(&item.id) {
            None => unscored.push(item.id.clone()),
            Some(None) => current.items_not_applicable += 1,
            Some(Some(score)) => {
                let score = u32::from(*score).min(max);
                current.items_scored += 1;
                current.earned += item.weight * score;
                current.possible += item.weight * max;
                earned += item.weight * score;
                possible += item.weight * max;
            }
        }
    }
    for s in &mut sections {
        s.percent = (s.possible > 0).then(|| percent(s.earned, s.possible));
    }
    Tally {
        overall_percent: (possible > 0).then(|| percent(earned, possible)),
        earned,
        possible,
        sections,
        unscored,
    }
}

/// [`assess_until`] for premises that do not end: a building.
pub fn assess(
    checklist: &Checklist,
    tier: Tier,
    scores: &HashMap<String, Option<u8>>,
    completed_at: time::OffsetDateTime,
) -> Result<Assessment, ScoringError> {
    assess_until(checklist, tier, scores, completed_at, None)
}

/// `scores`: item id → Some(score), or None for not applicable; absent = not scored.
/// `event_end`: when an event ends; conditions fall due by then at the latest
/// (see [`condition_due`]).
pub fn assess_until(
    checklist: &Checklist,
    tier: Tier,
    scores: &HashMap<String, Option<u8>>,
    completed_at: time::OffsetDateTime,
    event_end: Option<time::OffsetDateTime>,
) -> Result<Assessment, ScoringError> {
    let rules = &checklist.scoring;
    let applicable = checklist.applicable_items(tier);
    let unscored: Vec<String> = applicable
        .iter()
        .filter(|(_, i)| !scores.contains_key(&i.id))
        .map(|(_, i)| i.id.clone())
        .collect();
    if !unscored.is_empty() {
        return Err(ScoringError::Unscored(unscored));
    }
    if let Some(unknown) = scores
        .keys()
        .filter(|id| !applicable.iter().any(|(_, i)| &i.id == *id))
        .min()
    {
        return Err(ScoringError::UnknownItem(unknown.clone()));
    }

    let mut sections: Vec<SectionResult> = Vec::new();
    let mut critical_failures = Vec::new();
    let mut conditions = Vec::new();
    let (mut earned, mut possible) = (0u32, 0u32);
    for (section, item) in &applicable {
        let score = scores.get(&item.id).copied().flatten();
        check_item(checklist, item, score)?;
        if sections.last().is_none_or(|s| s.id != section.id) {
            sections.push(SectionResult {
                id: section.id.clone(),
                title: section.title.clone(),
                earned: 0,
                possible: 0,
                percent: None,
                items_scored: 0,
                items_not_applicable: 0,
            });
        }
        let Some(current) = sections.last_mut() else {
            continue;
        };
        let Some(score) = score else {
            current.items_not_applicable += 1;
            continue;
        };
        current.items_scored += 1;
        current.earned += item.weight * u32::from(score);
        current.possible += item.weight * u32::from(rules.max_score);
        earned += item.weight * u32::from(score);
        possible += item.weight * u32::from(rules.max_score);
        if item.critical && score < rules.critical_fail_below {
            critical_failures.push(CriticalFailure {
                item_id: item.id.clone(),
                text: item.text.clone(),
                score,
            });
        } else if score < rules.condition_below {
            let days = if item.critical {
                rules.critical_condition_due_days
            } else {
                rules.condition_due_days
            };
            conditions.push(ConditionDraft {
                item_id: item.id.clone(),
                text: format!("Bring fully into place: {}", item.text),
                due_at: condition_due(completed_at, days, event_end),
            });
        }
    }
    for s in &mut sections {
        s.percent = (s.possible > 0).then(|| percent(s.earned, s.possible));
    }

    let overall_percent = if possible > 0 {
        percent(earned, possible)
    } else {
        0.0
    };
    let mut reasons = Vec::new();
    let below_threshold =
        u64::from(earned) * 100 < u64::from(rules.min_overall_percent) * u64::from(possible);
    let outcome = if possible == 0 {
        reasons.push("Nothing assessable: every item was marked not applicable".to_string());
        Outcome::Refused
    } else {
        reasons.push(format!(
            "Overall {overall_percent}% (refused below {}%)",
            rules.min_overall_percent
        ));
        for f in &critical_failures {
            reasons.push(format!(
                "Critical item {} scored {} (needs at least {})",
                f.item_id, f.score, rules.critical_fail_below
            ));
        }
        if !critical_failures.is_empty() || below_threshold {
            Outcome::Refused
        } else if !conditions.is_empty() {
            reasons.push(format!(
                "{} item(s) scored below {} and raise conditions",
                conditions.len(),
                rules.condition_below
            ));
            Outcome::CertifiedWithConditions
        } else {
            reasons.push(format!(
                "Every item scored at least {}",
                rules.condition_below
            ));
            Outcome::Certified
        }
    };
    if outcome == Outcome::Refused && below_threshold && possible > 0 {
        reasons.push("Overall score is below the threshold".to_string());
    }
    Ok(Assessment {
        outcome,
        result: AssessmentResult {
            overall_percent,
            earned,
            possible,
            sections,
            critical_failures,
            reasons,
        },
        conditions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FILES: [&str; 2] = [
        include_str!("../../config/checklists/building.toml"),
        include_str!("../../config/checklists/event.toml"),
    ];
    const AT: time::OffsetDateTime = time::macros::datetime!(2026-11-23 12:00 UTC);

    fn all_max(c: &Checklist, tier: Tier) -> HashMap<String, Option<u8>> {
        c.applicable_items(tier)
            .iter()
            .map(|(_, i)| (i.id.clone(), Some(c.scoring.max_score)))
            .collect()
    }

    fn each_case() -> Vec<(Checklist, Tier)> {
        FILES
            .iter()
            .flat_map(|f| {
                let c = Checklist::parse(f).expect("valid file");
                [Tier::OutOfScope, Tier::Standard, Tier::Enhanced].map(|t| (c.clone(), t))
            })
            .collect()
    }

    #[test]
    fn everything_at_maximum_certifies() {
        for (c, tier) in each_case() {
            let a = assess(&c, tier, &all_max(&c, tier), AT).expect("assess");
            assert_eq!(a.outcome, Outcome::Certified, "{} {tier:?}", c.id());
            assert_eq!(a.result.overall_percent, 100.0);
            assert!(a.conditions.is_empty());
        }
    }

    #[test]
    fn any_critical_item_at_zero_refuses() {
        for (c, tier) in each_case() {
            for (_, item) in c.applicable_items(tier).iter().filter(|(_, i)| i.critical) {
                let mut s = all_max(&c, tier);
                s.insert(item.id.clone(), Some(0));
                let a = assess(&c, tier, &s, AT).expect("assess");
                assert_eq!(
                    a.outcome,
                    Outcome::Refused,
                    "{} {tier:?} {}",
                    c.id(),
                    item.id
                );
                assert_eq!(a.result.critical_failures[0].item_id, item.id);
            }
        }
    }

    #[test]
    fn one_non_critical_gap_gives_one_condition_naming_it() {
        for (c, tier) in each_case() {
            for (_, item) in c.applicable_items(tier).iter().filter(|(_, i)| !i.critical) {
                let mut s = all_max(&c, tier);
                s.insert(item.id.clone(), Some(0));
                let a = assess(&c, tier, &s, AT).expect("assess");
                assert_eq!(
                    a.outcome,
                    Outcome::CertifiedWithConditions,
                    "{} {}",
                    c.id(),
                    item.id
                );
                assert_eq!(a.conditions.len(), 1);
                assert_eq!(a.conditions[0].item_id, item.id);
                assert_eq!(
                    a.conditions[0].due_at,
                    AT + time::Duration::days(i64::from(c.scoring.condition_due_days))
                );
            }
        }
    }

    #[test]
    fn condition_due_dates_never_fall_after_the_event_ends() {
        let days = 90;
        let later = AT + time::Duration::days(200);
        let soon = AT + time::Duration::days(10);
        assert_eq!(condition_due(AT, days, None), AT + time::Duration::days(90));
        assert_eq!(
            condition_due(AT, days, Some(later)),
            AT + time::Duration::days(90)
        );
        assert_eq!(condition_due(AT, days, Some(soon)), soon);
        let exactly = AT + time::Duration::days(90);
        assert_eq!(condition_due(AT, days, Some(exactly)), exactly);
    }

    #[test]
    fn an_events_conditions_are_due_by_its_end() {
        let c = Checklist::parse(FILES[1]).expect("valid");
        let items = c.applicable_items(Tier::Enhanced);
        let mut s = all_max(&c, Tier::Enhanced);
        // One critical and one non-critical gap that raise conditions, 30 and 90 days.
        let critical = items.iter().find(|(_, i)| i.critical).expect("critical").1;
        let other = items.iter().find(|(_, i)| !i.critical).expect("other").1;
        s.insert(critical.id.clone(), Some(c.scoring.critical_fail_below));
        s.insert(other.id.clone(), Some(0));
        let ends = AT + time::Duration::days(45);
        let a = assess_until(&c, Tier::Enhanced, &s, AT, Some(ends)).expect("assess");
        assert_eq!(a.outcome, Outcome::CertifiedWithConditions);
        let due: HashMap<&str, time::OffsetDateTime> = a
            .conditions
            .iter()
            .map(|cd| (cd.item_id.as_str(), cd.due_at))
            .collect();
        assert_eq!(
            due[critical.id.as_str()],
            AT + time::Duration::days(i64::from(c.scoring.critical_condition_due_days))
        );
        assert_eq!(due[other.id.as_str()], ends);
        // Everything else is as for premises that do not end.
        let open_ended = assess(&c, Tier::Enhanced, &s, AT).expect("assess");
        assert_eq!(a.result, open_ended.result);
        assert_eq!(a.outcome, open_ended.outcome);
    }

    #[test]
    fn unscored_items_are_listed_in_file_order() {
        let c = Checklist::parse(FILES[0]).expect("valid");
        let mut s = all_max(&c, Tier::Standard);
        let items = c.applicable_items(Tier::Standard);
        s.remove(&items[3].1.id);
        s.remove(&items[1].1.id);
        assert_eq!(
            assess(&c, Tier::Standard, &s, AT),
            Err(ScoringError::Unscored(vec![
                items[1].1.id.clone(),
                items[3].1.id.clone()
            ]))
        );
    }

    #[test]
    fn bad_scores_are_refused() {
        let c = Checklist::parse(FILES[0]).expect("valid");
        let items = c.applicable_items(Tier::Standard);
        let critical = items.iter().find(|(_, i)| i.critical).expect("critical").1;
        assert_eq!(
            check_score(&c, Tier::Standard, &critical.id, None),
            Err(ScoringError::CriticalNotApplicable(critical.id.clone()))
        );
        assert!(matches!(
            check_score(&c, Tier::Standard, &critical.id, Some(5)),
            Err(ScoringError::OutOfRange { .. })
        ));
        assert_eq!(
            check_score(&c, Tier::Standard, "nope", Some(1)),
            Err(ScoringError::UnknownItem("nope".into()))
        );
        let enhanced_only = c
            .applicable_items(Tier::Enhanced)
            .iter()
            .find(|(_, i)| !i.tiers.contains(&Tier::Standard))
            .expect("an enhanced-only item")
            .1
            .id
            .clone();
        assert_eq!(
            check_score(&c, Tier::Standard, &enhanced_only, Some(1)),
            Err(ScoringError::UnknownItem(enhanced_only))
        );
    }

    #[test]
    fn everything_not_applicable_refuses() {
        let c = Checklist::parse(FILES[0]).expect("valid");
        let s: HashMap<String, Option<u8>> = c
            .applicable_items(Tier::Standard)
            .iter()
            .map(|(_, i)| (i.id.clone(), if i.critical { Some(0) } else { None }))
            .collect();
        let a = assess(&c, Tier::Standard, &s, AT).expect("assess");
        assert_eq!(a.outcome, Outcome::Refused);
    }

    #[test]
    fn the_tally_leaves_out_unscored_and_not_applicable_items() {
        let c = Checklist::parse(FILES[0]).expect("valid");
        let items = c.applicable_items(Tier::Standard);
        let empty = tally(&c, Tier::Standard, &HashMap::new());
        assert_eq!(empty.overall_percent, None);
        assert_eq!(empty.unscored.len(), items.len());
        assert!(empty.sections.iter().all(|s| s.percent.is_none()));
        // One item at half marks: its section and the whole stand at 50%.
        let (section, first) = &items[0];
        let half = c.scoring.max_score / 2;
        let mut s = HashMap::from([(first.id.clone(), Some(half))]);
        let t = tally(&c, Tier::Standard, &s);
        assert_eq!(t.overall_percent, Some(50.0));
        assert_eq!(t.sections[0].id, section.id);
        assert_eq!(t.sections[0].percent, Some(50.0));
        assert_eq!(t.unscored.len(), items.len() - 1);
        // A non-critical item marked not applicable changes no percentage.
        let na = items
            .iter()
            .find(|(_, i)| !i.critical)
            .expect("non-critical")
            .1;
        s.insert(na.id.clone(), None);
        let with_na = tally(&c, Tier::Standard, &s);
        assert_eq!(with_na.overall_percent, Some(50.0));
        assert_eq!(with_na.unscored.len(), items.len() - 2);
    }

    /// Random valid score sheets for one file and tier.
    fn sheet() -> impl Strategy<Value = (usize, Tier, Vec<Option<u8>>)> {
        (
            0usize..2,
            prop_oneof![Just(Tier::Standard), Just(Tier::Enhanced)],
        )
            .prop_flat_map(|(f, tier)| {
                let c = Checklist::parse(FILES[f]).expect("valid");
                let items: Vec<bool> = c
                    .applicable_items(tier)
                    .iter()
                    .map(|(_, i)| i.critical)
                    .collect();
                let max = c.scoring.max_score;
                let per_item: Vec<_> = items
                    .into_iter()
                    .map(move |critical| {
                        if critical {
                            (0..=max).prop_map(Some).boxed()
                        } else {
                            prop_oneof![4 => (0..=max).prop_map(Some), 1 => Just(None)].boxed()
                        }
                    })
                    .collect();
                (Just(f), Just(tier), per_item)
            })
    }

    fn to_map(c: &Checklist, tier: Tier, v: &[Option<u8>]) -> HashMap<String, Option<u8>> {
        c.applicable_items(tier)
            .iter()
            .zip(v)
            .map(|((_, i), s)| (i.id.clone(), *s))
            .collect()
    }

    proptest! {
        #[test]
        fn raising_a_score_never_worsens_the_outcome((f, tier, v) in sheet(), pick in any::<prop::sample::Index>()) {
            let c = Checklist::parse(FILES[f]).expect("valid");
            let idx = pick.index(v.len());
            prop_assume!(matches!(v[idx], Some(s) if s < c.scoring.max_score));
            let before = assess(&c, tier, &to_map(&c, tier, &v), AT).expect("assess");
            let mut raised = v.clone();
            raised[idx] = v[idx].map(|s| s + 1);
            let after = assess(&c, tier, &to_map(&c, tier, &raised), AT).expect("assess");
            prop_assert!(after.outcome >= before.outcome, "{:?} -> {:?}", before.outcome, after.outcome);
            prop_assert!(after.result.earned > before.result.earned);
        }

        #[test]
        fn not_applicable_items_count_nowhere((f, tier, v) in sheet(), pick in any::<prop::sample::Index>()) {
            let c = Checklist::parse(FILES[f]).expect("valid");
            let items = c.applicable_items(tier);
            let idx = pick.index(v.len());
            prop_assume!(!items[idx].1.critical);
            let mut na = v.clone();
            na[idx] = None;
            let a = assess(&c, tier, &to_map(&c, tier, &na), AT).expect("assess");
            let section = &items[idx].0.id;
            // The other sections are untouched by this item.
            let mut with_score = v.clone();
            with_score[idx] = Some(c.scoring.max_score);
            let b = assess(&c, tier, &to_map(&c, tier, &with_score), AT).expect("assess");
            for (x, y) in a.result.sections.iter().zip(&b.result.sections) {
                if &x.id != section {
                    prop_assert_eq!(x, y);
                }
            }
            prop_assert!(!a.conditions.iter().any(|cd| cd.item_id == items[idx].1.id));
        }

        #[test]
        fn a_complete_tally_has_the_assessments_percentages((f, tier, v) in sheet()) {
            let c = Checklist::parse(FILES[f]).expect("valid");
            let m = to_map(&c, tier, &v);
            let a = assess(&c, tier, &m, AT).expect("assess");
            let t = tally(&c, tier, &m);
            prop_assert!(t.unscored.is_empty());
            prop_assert_eq!(&t.sections, &a.result.sections);
            prop_assert_eq!((t.earned, t.possible), (a.result.earned, a.result.possible));
            prop_assert_eq!(t.overall_percent.unwrap_or(0.0), a.result.overall_percent);
        }

        #[test]
        fn deterministic_and_bounded((f, tier, v) in sheet()) {
            let c = Checklist::parse(FILES[f]).expect("valid");
            let m = to_map(&c, tier, &v);
            let a = assess(&c, tier, &m, AT).expect("assess");
            prop_assert_eq!(&a, &assess(&c, tier, &m, AT).expect("assess"));
            prop_assert!((0.0..=100.0).contains(&a.result.overall_percent));
            for s in &a.result.sections {
                if let Some(p) = s.percent {
                    prop_assert!((0.0..=100.0).contains(&p));
                }
            }
        }
    }
}
