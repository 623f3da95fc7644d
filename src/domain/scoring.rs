//! The outcome of an assessment, from the scores alone and deterministically.
//!
//! Not-applicable items count nowhere. Only statutory items (duties under the Act
//! at the premises' tier) decide: refused for any critical item below
//! `critical_fail_below`, a weighted statutory percentage below
//! `min_overall_percent`, a section whose statutory items fall below its floor, or
//! nothing statutory assessable. Otherwise every item below `condition_below`
//! raises a condition (good-practice items too, where the checklist says so), and
//! any condition means certified with conditions. Otherwise certified. Each rule
//! can only get better as a score rises, so raising a score never worsens the outcome.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use std::collections::HashSet;

use super::checklist::{Basis, Checklist, ChecklistItem, Facts};
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
    /// Over the section's statutory items only: what the floor is tested on.
    /// None when it has none scored at this tier.
    #[serde(default)]
    pub statutory_percent: Option<f64>,
    /// The lowest statutory percentage that does not refuse; None: no floor.
    #[serde(default)]
    pub floor_percent: Option<u32>,
    /// Whether the floor was met; None where no floor applies.
    #[serde(default)]
    pub floor_met: Option<bool>,
    #[serde(skip)]
    statutory_earned: u32,
    #[serde(skip)]
    statutory_possible: u32,
}

impl SectionResult {
    fn new(section: &super::checklist::Section, rules: &super::checklist::ScoringRules) -> Self {
        SectionResult {
            id: section.id.clone(),
            title: section.title.clone(),
            earned: 0,
            possible: 0,
            percent: None,
            items_scored: 0,
            items_not_applicable: 0,
            statutory_percent: None,
            floor_percent: section.floor(rules),
            floor_met: None,
            statutory_earned: 0,
            statutory_possible: 0,
        }
    }

    fn add(&mut self, weight: u32, score: u8, max: u8, basis: Basis) {
        self.items_scored += 1;
        self.earned += weight * u32::from(score);
        self.possible += weight * u32::from(max);
        if basis == Basis::Statutory {
            self.statutory_earned += weight * u32::from(score);
            self.statutory_possible += weight * u32::from(max);
        }
    }

    fn finish(&mut self) {
        self.percent = (self.possible > 0).then(|| percent(self.earned, self.possible));
        let has_statutory = self.statutory_possible > 0;
        self.statutory_percent =
            has_statutory.then(|| percent(self.statutory_earned, self.statutory_possible));
        self.floor_met = self.floor_percent.filter(|_| has_statutory).map(|floor| {
            u64::from(self.statutory_earned) * 100
                >= u64::from(floor) * u64::from(self.statutory_possible)
        });
    }
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
    /// Over the statutory items: what `min_overall_percent` is tested on. Equal to
    /// `overall_percent` when every item is statutory (version 1).
    #[serde(default)]
    pub statutory_percent: Option<f64>,
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
    #[error("item `{0}`: not applicable needs the reason in the note")]
    NotApplicableWithoutReason(String),
    #[error("item `{item_id}`: a score of {score} needs evidence linked to the item")]
    EvidenceMissing { item_id: String, score: u8 },
}

impl ScoringError {
    /// The checklist item the error is about.
    pub fn item_id(&self) -> Option<&str> {
        match self {
            ScoringError::Unscored(_) => None,
            ScoringError::OutOfRange { item_id, .. }
            | ScoringError::EvidenceMissing { item_id, .. } => Some(item_id),
            ScoringError::UnknownItem(id)
            | ScoringError::CriticalNotApplicable(id)
            | ScoringError::NotApplicableWithoutReason(id) => Some(id),
        }
    }
}

/// The premises an assessment is for, as far as scoring needs to know: the tier,
/// the facts that applicability rules test, and which items have evidence linked.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub tier: Tier,
    pub facts: Facts,
    pub evidenced: HashSet<String>,
}

impl Case {
    pub fn new(facts: Facts, evidenced: HashSet<String>) -> Case {
        Case {
            tier: facts.tier,
            facts,
            evidenced,
        }
    }

    /// Every item of the tier has evidence; nothing else known.
    pub fn fully_evidenced(checklist: &Checklist, tier: Tier) -> Case {
        let evidenced = checklist
            .applicable_items(tier)
            .iter()
            .map(|(_, i)| i.id.clone())
            .collect();
        Case::new(
            Facts {
                tier,
                ..Facts::default()
            },
            evidenced,
        )
    }
}

fn check_item(
    checklist: &Checklist,
    case: &Case,
    item: &ChecklistItem,
    score: Option<u8>,
) -> Result<(), ScoringError> {
    let rules = &checklist.scoring;
    match score {
        None if !item.may_be_not_applicable(&case.facts) => {
            Err(ScoringError::CriticalNotApplicable(item.id.clone()))
        }
        Some(s) if s > rules.max_score => Err(ScoringError::OutOfRange {
            item_id: item.id.clone(),
            score: s,
            max: rules.max_score,
        }),
        Some(s)
            if item.evidence_required
                && rules.evidence_from_score.is_some_and(|from| s >= from)
                && !case.evidenced.contains(&item.id) =>
        {
            Err(ScoringError::EvidenceMissing {
                item_id: item.id.clone(),
                score: s,
            })
        }
        _ => Ok(()),
    }
}

/// Checks one score and its note before they are stored, by the same rules as
/// [`assess`]; from version 2, not applicable needs its reason in the note.
pub fn check_score(
    checklist: &Checklist,
    case: &Case,
    item_id: &str,
    score: Option<u8>,
    note: &str,
) -> Result<(), ScoringError> {
    let applicable = checklist.applicable_items(case.tier);
    let (_, item) = applicable
        .iter()
        .find(|(_, i)| i.id == item_id)
        .ok_or_else(|| ScoringError::UnknownItem(item_id.to_string()))?;
    check_item(checklist, case, item, score)?;
    if score.is_none() && checklist.version >= 2 && note.trim().is_empty() {
        return Err(ScoringError::NotApplicableWithoutReason(item.id.clone()));
    }
    Ok(())
}

fn percent(earned: u32, possible: u32) -> f64 {
    (f64::from(earned) * 1000.0 / f64::from(possible)).round() / 10.0
}

/// When an event runs: its gates open at `start` and it ends at `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventWindow {
    pub start: time::OffsetDateTime,
    pub end: time::OffsetDateTime,
}

/// When a condition raised at `completed_at` falls due: `days` later, but for an
/// event before its gates open — once people are inside nothing can be put right
/// or checked in time. Raised after the gates opened (a multi-day event), by its
/// end at the latest.
pub fn condition_due(
    completed_at: time::OffsetDateTime,
    days: u32,
    event: Option<EventWindow>,
) -> time::OffsetDateTime {
    let due = completed_at + time::Duration::days(i64::from(days));
    match event {
        Some(w) if completed_at < w.start => due.min(w.start),
        Some(w) => due.min(w.end),
        None => due,
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
    /// Over the statutory items scored so far.
    pub statutory_percent: Option<f64>,
    pub sections: Vec<SectionResult>,
    /// Applicable items without a score yet, in checklist order.
    pub unscored: Vec<String>,
}

/// Sums the scores section by section; unscored items go to the second list.
fn sum_sections(
    checklist: &Checklist,
    tier: Tier,
    scores: &HashMap<String, Option<u8>>,
) -> (Vec<SectionResult>, Vec<String>) {
    let rules = &checklist.scoring;
    let mut sections: Vec<SectionResult> = Vec::new();
    let mut unscored = Vec::new();
    for (section, item) in checklist.applicable_items(tier) {
        if sections.last().is_none_or(|s| s.id != section.id) {
            sections.push(SectionResult::new(section, rules));
        }
        let Some(current) = sections.last_mut() else {
            continue;
        };
        match scores.get(&item.id) {
            None => unscored.push(item.id.clone()),
            Some(None) => current.items_not_applicable += 1,
            Some(Some(score)) => current.add(
                item.weight,
                (*score).min(rules.max_score),
                rules.max_score,
                item.basis_at(tier),
            ),
        }
    }
    for s in &mut sections {
        s.finish();
    }
    (sections, unscored)
}

/// (earned, possible, statutory earned, statutory possible) over all sections.
fn totals(sections: &[SectionResult]) -> (u32, u32, u32, u32) {
    sections.iter().fold((0, 0, 0, 0), |t, s| {
        (
            t.0 + s.earned,
            t.1 + s.possible,
            t.2 + s.statutory_earned,
            t.3 + s.statutory_possible,
        )
    })
}

pub fn tally(checklist: &Checklist, tier: Tier, scores: &HashMap<String, Option<u8>>) -> Tally {
    let (sections, unscored) = sum_sections(checklist, tier, scores);
    let (earned, possible, statutory_earned, statutory_possible) = totals(&sections);
    Tally {
        overall_percent: (possible > 0).then(|| percent(earned, possible)),
        earned,
        possible,
        statutory_percent: (statutory_possible > 0)
            .then(|| percent(statutory_earned, statutory_possible)),
        sections,
        unscored,
    }
}

/// [`assess_until`] for premises that do not end: a building.
pub fn assess(
    checklist: &Checklist,
    case: &Case,
    scores: &HashMap<String, Option<u8>>,
    completed_at: time::OffsetDateTime,
) -> Result<Assessment, ScoringError> {
    assess_until(checklist, case, scores, completed_at, None)
}

/// `scores`: item id → Some(score), or None for not applicable; absent = not scored.
/// `event`: when an event runs; conditions fall due before its gates open (see
/// [`condition_due`]).
pub fn assess_until(
    checklist: &Checklist,
    case: &Case,
    scores: &HashMap<String, Option<u8>>,
    completed_at: time::OffsetDateTime,
    event: Option<EventWindow>,
) -> Result<Assessment, ScoringError> {
    let rules = &checklist.scoring;
    let tier = case.tier;
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

    let mut critical_failures = Vec::new();
    let mut conditions = Vec::new();
    for (_, item) in &applicable {
        let score = scores.get(&item.id).copied().flatten();
        check_item(checklist, case, item, score)?;
        let Some(score) = score else {
            continue;
        };
        let basis = item.basis_at(tier);
        if item.critical_at(tier) && score < rules.critical_fail_below {
            critical_failures.push(CriticalFailure {
                item_id: item.id.clone(),
                text: item.text.clone(),
                score,
            });
        } else if score < rules.condition_below
            && (basis == Basis::Statutory || rules.good_practice_conditions)
        {
            let days = if item.critical_at(tier) {
                rules.critical_condition_due_days
            } else {
                rules.condition_due_days
            };
            let text = match basis {
                Basis::Statutory => format!("Bring fully into place: {}", item.text),
                Basis::GoodPractice => format!("Good practice to bring into place: {}", item.text),
            };
            conditions.push(ConditionDraft {
                item_id: item.id.clone(),
                text,
                due_at: condition_due(completed_at, days, event),
            });
        }
    }
    let (sections, _) = sum_sections(checklist, tier, scores);
    let (earned, possible, statutory_earned, statutory_possible) = totals(&sections);
    let overall_percent = if possible > 0 {
        percent(earned, possible)
    } else {
        0.0
    };
    let statutory_percent =
        (statutory_possible > 0).then(|| percent(statutory_earned, statutory_possible));
    let below_threshold = u64::from(statutory_earned) * 100
        < u64::from(rules.min_overall_percent) * u64::from(statutory_possible);
    let floors_broken: Vec<&SectionResult> = sections
        .iter()
        .filter(|s| s.floor_met == Some(false))
        .collect();
    let mut reasons = Vec::new();
    let outcome = if statutory_possible == 0 {
        reasons
            .push("Nothing assessable: every statutory item was marked not applicable".to_string());
        Outcome::Refused
    } else {
        match statutory_percent {
            Some(p) if statutory_possible != possible => reasons.push(format!(
                "Statutory items {p}% (refused below {}%); overall with good practice {overall_percent}%",
                rules.min_overall_percent
            )),
            _ => reasons.push(format!(
                "Overall {overall_percent}% (refused below {}%)",
                rules.min_overall_percent
            )),
        }
        for f in &critical_failures {
            reasons.push(format!(
                "Critical item {} scored {} (needs at least {})",
                f.item_id, f.score, rules.critical_fail_below
            ));
        }
        for s in &floors_broken {
            reasons.push(format!(
                "Section {} statutory items {}% (refused below {}%)",
                s.title,
                s.statutory_percent.unwrap_or(0.0),
                s.floor_percent.unwrap_or(0)
            ));
        }
        if !critical_failures.is_empty() || below_threshold || !floors_broken.is_empty() {
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
    if outcome == Outcome::Refused && below_threshold && statutory_possible > 0 {
        reasons.push("Overall score is below the threshold".to_string());
    }
    Ok(Assessment {
        outcome,
        result: AssessmentResult {
            overall_percent,
            earned,
            possible,
            statutory_percent,
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

    /// Version 1 (still stored, still scored for the applications that started on
    /// it) and version 2 of both checklists.
    const FILES: [&str; 4] = [
        include_str!("../../config/checklists/building.toml"),
        include_str!("../../config/checklists/event.toml"),
        include_str!("../../config/checklists/building-v2.toml"),
        include_str!("../../config/checklists/event-v2.toml"),
    ];
    const BUILDING_V2: usize = 2;
    const EVENT_V2: usize = 3;
    const AT: time::OffsetDateTime = time::macros::datetime!(2026-11-23 12:00 UTC);

    fn all_max(c: &Checklist, tier: Tier) -> HashMap<String, Option<u8>> {
        c.applicable_items(tier)
            .iter()
            .map(|(_, i)| (i.id.clone(), Some(c.scoring.max_score)))
            .collect()
    }

    fn case(c: &Checklist, tier: Tier) -> Case {
        Case::fully_evidenced(c, tier)
    }

    fn parsed(f: usize) -> Checklist {
        Checklist::parse(FILES[f]).expect("valid file")
    }

    fn each_case() -> Vec<(Checklist, Tier)> {
        (0..FILES.len())
            .flat_map(|f| {
                let c = parsed(f);
                [Tier::OutOfScope, Tier::Standard, Tier::Enhanced].map(|t| (c.clone(), t))
            })
            .collect()
    }

    #[test]
    fn everything_at_maximum_certifies() {
        for (c, tier) in each_case() {
            let a = assess(&c, &case(&c, tier), &all_max(&c, tier), AT).expect("assess");
            assert_eq!(a.outcome, Outcome::Certified, "{} {tier:?}", c.id());
            assert_eq!(a.result.overall_percent, 100.0);
            assert_eq!(a.result.statutory_percent, Some(100.0));
            assert!(a.conditions.is_empty());
        }
    }

    #[test]
    fn any_critical_item_below_the_critical_mark_refuses() {
        for (c, tier) in each_case() {
            let critical = c.applicable_items(tier);
            for (_, item) in critical.iter().filter(|(_, i)| i.critical_at(tier)) {
                for score in 0..c.scoring.critical_fail_below {
                    let mut s = all_max(&c, tier);
                    s.insert(item.id.clone(), Some(score));
                    let a = assess(&c, &case(&c, tier), &s, AT).expect("assess");
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
    }

    #[test]
    fn version_2_refuses_a_critical_duty_only_partly_in_place() {
        for f in [BUILDING_V2, EVENT_V2] {
            let c = parsed(f);
            assert_eq!(c.scoring.critical_fail_below, 3);
            let items = c.applicable_items(Tier::Standard);
            let critical = items
                .iter()
                .find(|(_, i)| i.critical_at(Tier::Standard))
                .expect("critical")
                .1;
            let mut s = all_max(&c, Tier::Standard);
            s.insert(critical.id.clone(), Some(2));
            let a = assess(&c, &case(&c, Tier::Standard), &s, AT).expect("assess");
            assert_eq!(a.outcome, Outcome::Refused, "{}", critical.id);
        }
    }

    /// The core rule, for every item of every checklist at every tier.
    #[test]
    fn one_non_critical_gap_gives_one_condition_naming_it() {
        for (c, tier) in each_case() {
            let items = c.applicable_items(tier);
            for (_, item) in items.iter().filter(|(_, i)| !i.critical_at(tier)) {
                let mut s = all_max(&c, tier);
                s.insert(item.id.clone(), Some(0));
                let a = assess(&c, &case(&c, tier), &s, AT).expect("assess");
                assert_eq!(
                    a.outcome,
                    Outcome::CertifiedWithConditions,
                    "{} {tier:?} {}",
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

    fn measure_section(id: &str) -> bool {
        [
            "measures-assessment",
            "monitoring",
            "movement",
            "physical",
            "information",
        ]
        .contains(&id)
    }

    #[test]
    fn an_enhanced_building_at_1_on_every_measure_item_is_not_certified() {
        let c = parsed(BUILDING_V2);
        let mut s = all_max(&c, Tier::Enhanced);
        let mut measures = 0;
        for (section, item) in c.applicable_items(Tier::Enhanced) {
            if measure_section(&section.id) {
                s.insert(item.id.clone(), Some(1));
                measures += 1;
            }
        }
        assert!(measures >= 15, "the enhanced measure items: {measures}");
        let a = assess(&c, &case(&c, Tier::Enhanced), &s, AT).expect("assess");
        assert_eq!(a.outcome, Outcome::Refused);
        let broken: Vec<&str> = a
            .result
            .sections
            .iter()
            .filter(|s| s.floor_met == Some(false))
            .map(|s| s.id.as_str())
            .collect();
        assert!(broken.contains(&"monitoring"), "{broken:?}");
        assert!(
            a.result
                .reasons
                .iter()
                .any(|r| r.contains("refused below 50%"))
        );
        // Version 1 certified the same sheet: the gap this version closes.
        let v1 = parsed(0);
        let mut s1 = all_max(&v1, Tier::Enhanced);
        for (section, item) in v1.applicable_items(Tier::Enhanced) {
            if ["monitoring", "movement", "physical", "information"].contains(&section.id.as_str())
            {
                s1.insert(item.id.clone(), Some(1));
            }
        }
        let old = assess(&v1, &case(&v1, Tier::Enhanced), &s1, AT).expect("assess");
        assert_ne!(old.outcome, Outcome::Refused, "v1 certified it");
    }

    #[test]
    fn the_enhanced_measures_are_assessed_against_the_attack_methods() {
        for f in [BUILDING_V2, EVENT_V2] {
            let c = parsed(f);
            let (_, item) = c.item("meas-01").expect("meas-01");
            assert!(item.critical_at(Tier::Enhanced));
            assert_eq!(item.statute_at(Tier::Enhanced), Some("s.6(1)(a)"));
            assert!(
                c.applicable_items(Tier::Standard)
                    .iter()
                    .all(|(_, i)| i.id != "meas-01")
            );
            let (_, doc) = c.item("doc-01").expect("doc-01");
            assert!(
                doc.critical_at(Tier::Enhanced),
                "the compliance document gates enhanced"
            );
            assert!(
                !doc.critical_at(Tier::Standard),
                "advised, not a duty, for standard"
            );
            assert_eq!(doc.basis_at(Tier::Standard), Basis::GoodPractice);
        }
    }

    #[test]
    fn a_small_venue_is_never_refused_for_good_practice() {
        for f in [BUILDING_V2, EVENT_V2] {
            let c = parsed(f);
            for tier in [Tier::OutOfScope, Tier::Standard] {
                let items = c.applicable_items(tier);
                let mut s = all_max(&c, tier);
                let mut good_practice = 0;
                for (_, item) in &items {
                    if item.basis_at(tier) == Basis::GoodPractice {
                        s.insert(item.id.clone(), Some(0));
                        good_practice += 1;
                    }
                }
                assert!(good_practice >= 4, "{} {tier:?}", c.id());
                let a = assess(&c, &case(&c, tier), &s, AT).expect("assess");
                assert_eq!(
                    a.outcome,
                    Outcome::CertifiedWithConditions,
                    "{} {tier:?}",
                    c.id()
                );
                assert_eq!(a.result.statutory_percent, Some(100.0));
                assert!(a.result.overall_percent < 100.0);
                assert_eq!(a.conditions.len(), good_practice);
                assert!(
                    a.conditions
                        .iter()
                        .all(|cd| cd.text.starts_with("Good practice"))
                );
            }
        }
    }

    #[test]
    fn version_1_counts_every_item_as_statutory() {
        // The four items the issue calls good practice, at 0 under version 1:
        // each counts in the deciding percentage and raises a condition.
        let c = parsed(0);
        let mut s = all_max(&c, Tier::Standard);
        for id in ["gov-05", "proc-05", "coop-02", "doc-02"] {
            assert!(s.contains_key(id), "{id} in version 1");
            s.insert(id.to_string(), Some(0));
        }
        let a = assess(&c, &case(&c, Tier::Standard), &s, AT).expect("assess");
        assert_eq!(a.result.statutory_percent, Some(a.result.overall_percent));
        assert!(a.result.statutory_percent < Some(100.0));
        assert_eq!(a.conditions.len(), 4);
    }

    fn facts(head_count: u32, tier: Tier, person: &str, before_commencement: bool) -> Facts {
        Facts {
            head_count,
            tier,
            responsible_person: person.to_string(),
            before_commencement,
        }
    }

    #[test]
    fn notification_not_applicable_for_a_150_person_voluntary_premises() {
        let c = parsed(BUILDING_V2);
        let small = Case::new(
            facts(150, Tier::OutOfScope, "organisation", false),
            HashSet::new(),
        );
        assert_eq!(
            check_score(
                &c,
                &small,
                "gov-02",
                None,
                "150 people: below 200, not in scope"
            ),
            Ok(())
        );
        assert_eq!(
            check_score(&c, &small, "gov-02", None, "  "),
            Err(ScoringError::NotApplicableWithoutReason("gov-02".into()))
        );
        // In scope and in force: the law applies, so it cannot be not applicable.
        let in_scope = Case::new(
            facts(450, Tier::Standard, "organisation", false),
            HashSet::new(),
        );
        assert_eq!(
            check_score(&c, &in_scope, "gov-02", None, "not yet"),
            Err(ScoringError::CriticalNotApplicable("gov-02".into()))
        );
        // Before the Act comes into force, nobody has to notify.
        let early = Case::new(
            facts(450, Tier::Standard, "organisation", true),
            HashSet::new(),
        );
        assert_eq!(
            check_score(&c, &early, "gov-02", None, "the Act is not yet in force"),
            Ok(())
        );
        // And the whole assessment of the small premises certifies with it.
        let mut s = all_max(&c, Tier::OutOfScope);
        s.insert("gov-02".into(), None);
        let evidenced = Case {
            facts: small.facts.clone(),
            ..case(&c, Tier::OutOfScope)
        };
        let a = assess(&c, &evidenced, &s, AT).expect("assess");
        assert_eq!(a.outcome, Outcome::Certified);
        let in_force = Case {
            facts: in_scope.facts.clone(),
            ..case(&c, Tier::Standard)
        };
        let mut s = all_max(&c, Tier::Standard);
        s.insert("gov-02".into(), None);
        assert_eq!(
            assess(&c, &in_force, &s, AT),
            Err(ScoringError::CriticalNotApplicable("gov-02".into()))
        );
    }

    #[test]
    fn no_designated_senior_individual_where_the_responsible_person_is_one() {
        let c = parsed(BUILDING_V2);
        let person = Case::new(
            facts(1200, Tier::Enhanced, "individual", false),
            HashSet::new(),
        );
        let company = Case::new(
            facts(1200, Tier::Enhanced, "organisation", false),
            HashSet::new(),
        );
        assert_eq!(
            check_score(&c, &person, "gov-04", None, "a sole trader runs it"),
            Ok(())
        );
        assert_eq!(
            check_score(&c, &company, "gov-04", None, "no one"),
            Err(ScoringError::CriticalNotApplicable("gov-04".into()))
        );
    }

    #[test]
    fn a_4_on_an_evidence_required_item_without_evidence_is_refused_at_save() {
        let c = parsed(BUILDING_V2);
        let (_, item) = c.item("gov-01").expect("gov-01");
        assert!(item.evidence_required);
        let none = Case::new(
            facts(450, Tier::Standard, "organisation", false),
            HashSet::new(),
        );
        assert_eq!(
            check_score(&c, &none, "gov-01", Some(4), ""),
            Err(ScoringError::EvidenceMissing {
                item_id: "gov-01".into(),
                score: 4
            })
        );
        assert!(matches!(
            check_score(&c, &none, "gov-01", Some(3), ""),
            Err(ScoringError::EvidenceMissing { score: 3, .. })
        ));
        assert_eq!(check_score(&c, &none, "gov-01", Some(2), ""), Ok(()));
        let with = Case {
            evidenced: HashSet::from(["gov-01".to_string()]),
            ..none.clone()
        };
        assert_eq!(check_score(&c, &with, "gov-01", Some(4), ""), Ok(()));
        // Version 1 never read evidence_required.
        let v1 = parsed(0);
        assert_eq!(check_score(&v1, &none, "gov-01", Some(4), ""), Ok(()));
    }

    #[test]
    fn communication_with_the_public_is_critical_and_needs_evidence() {
        for f in [BUILDING_V2, EVENT_V2] {
            let c = parsed(f);
            let item = c
                .sections
                .iter()
                .flat_map(|s| &s.items)
                .find(|i| i.statute.as_deref() == Some("s.5(3)(d)"))
                .expect("the s.5(3)(d) item");
            assert!(
                item.critical_at(Tier::Standard) && item.evidence_required,
                "{}",
                item.id
            );
        }
    }

    #[test]
    fn every_statutory_section_reports_its_floor() {
        let c = parsed(BUILDING_V2);
        let a = assess(
            &c,
            &case(&c, Tier::Enhanced),
            &all_max(&c, Tier::Enhanced),
            AT,
        )
        .expect("assess");
        for s in &a.result.sections {
            if s.statutory_percent.is_some() {
                assert!(s.floor_percent.is_some(), "{}", s.id);
                assert_eq!(s.floor_met, Some(true), "{}", s.id);
            } else {
                assert_eq!(s.floor_met, None, "{}", s.id);
            }
        }
        let json = serde_json::to_value(&a.result).expect("json");
        assert!(
            json["sections"][0].get("statutory_earned").is_none(),
            "sums stay inside"
        );
        assert!(json["sections"][0]["floor_met"].is_boolean());
    }

    #[test]
    fn an_events_conditions_fall_due_before_its_gates_open() {
        let days = 90;
        let opens = AT + time::Duration::days(10);
        let ends = opens + time::Duration::days(3);
        let w = EventWindow {
            start: opens,
            end: ends,
        };
        assert_eq!(condition_due(AT, days, None), AT + time::Duration::days(90));
        assert_eq!(condition_due(AT, days, Some(w)), opens);
        let far = EventWindow {
            start: AT + time::Duration::days(200),
            end: AT + time::Duration::days(201),
        };
        assert_eq!(
            condition_due(AT, days, Some(far)),
            AT + time::Duration::days(90)
        );
        // Assessed after the gates opened (a festival's second day): by its end.
        let during = opens + time::Duration::hours(30);
        assert_eq!(condition_due(during, days, Some(w)), ends);

        let c = parsed(EVENT_V2);
        let items = c.applicable_items(Tier::Enhanced);
        let other = items
            .iter()
            .find(|(_, i)| !i.critical_at(Tier::Enhanced))
            .expect("other")
            .1;
        let mut s = all_max(&c, Tier::Enhanced);
        s.insert(other.id.clone(), Some(0));
        let a = assess_until(&c, &case(&c, Tier::Enhanced), &s, AT, Some(w)).expect("assess");
        assert_eq!(a.conditions[0].due_at, opens);
        let open_ended = assess(&c, &case(&c, Tier::Enhanced), &s, AT).expect("assess");
        assert_eq!(a.result, open_ended.result);
    }

    #[test]
    fn unscored_items_are_listed_in_file_order() {
        let c = parsed(0);
        let mut s = all_max(&c, Tier::Standard);
        let items = c.applicable_items(Tier::Standard);
        s.remove(&items[3].1.id);
        s.remove(&items[1].1.id);
        assert_eq!(
            assess(&c, &case(&c, Tier::Standard), &s, AT),
            Err(ScoringError::Unscored(vec![
                items[1].1.id.clone(),
                items[3].1.id.clone()
            ]))
        );
    }

    #[test]
    fn bad_scores_are_refused() {
        for f in [0, BUILDING_V2] {
            let c = parsed(f);
            let cs = case(&c, Tier::Standard);
            let items = c.applicable_items(Tier::Standard);
            let critical = items
                .iter()
                .find(|(_, i)| i.critical_at(Tier::Standard) && i.not_applicable_when.is_empty())
                .expect("critical")
                .1;
            assert_eq!(
                check_score(&c, &cs, &critical.id, None, "why"),
                Err(ScoringError::CriticalNotApplicable(critical.id.clone()))
            );
            assert!(matches!(
                check_score(&c, &cs, &critical.id, Some(5), ""),
                Err(ScoringError::OutOfRange { .. })
            ));
            assert_eq!(
                check_score(&c, &cs, "nope", Some(1), ""),
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
                check_score(&c, &cs, &enhanced_only, Some(1), ""),
                Err(ScoringError::UnknownItem(enhanced_only))
            );
        }
    }

    #[test]
    fn everything_not_applicable_refuses() {
        for f in [0, BUILDING_V2] {
            let c = parsed(f);
            let s: HashMap<String, Option<u8>> = c
                .applicable_items(Tier::Standard)
                .iter()
                .map(|(_, i)| (i.id.clone(), if i.critical { Some(0) } else { None }))
                .collect();
            let a = assess(&c, &case(&c, Tier::Standard), &s, AT).expect("assess");
            assert_eq!(a.outcome, Outcome::Refused);
        }
    }

    #[test]
    fn the_tally_leaves_out_unscored_and_not_applicable_items() {
        let c = parsed(0);
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
            0usize..FILES.len(),
            prop_oneof![Just(Tier::Standard), Just(Tier::Enhanced)],
        )
            .prop_flat_map(|(f, tier)| {
                let c = parsed(f);
                let items: Vec<bool> = c
                    .applicable_items(tier)
                    .iter()
                    .map(|(_, i)| i.critical_at(tier))
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
            let c = parsed(f);
            let cs = case(&c, tier);
            let idx = pick.index(v.len());
            prop_assume!(matches!(v[idx], Some(s) if s < c.scoring.max_score));
            let before = assess(&c, &cs, &to_map(&c, tier, &v), AT).expect("assess");
            let mut raised = v.clone();
            raised[idx] = v[idx].map(|s| s + 1);
            let after = assess(&c, &cs, &to_map(&c, tier, &raised), AT).expect("assess");
            prop_assert!(after.outcome >= before.outcome, "{:?} -> {:?}", before.outcome, after.outcome);
            prop_assert!(after.result.earned > before.result.earned);
        }

        #[test]
        fn good_practice_never_decides_a_refusal((f, tier, v) in sheet()) {
            let c = parsed(f);
            let cs = case(&c, tier);
            let items = c.applicable_items(tier);
            let (mut low, mut high) = (v.clone(), v.clone());
            for (i, (_, item)) in items.iter().enumerate() {
                if item.basis_at(tier) == Basis::GoodPractice {
                    low[i] = Some(0);
                    high[i] = Some(c.scoring.max_score);
                }
            }
            let low = assess(&c, &cs, &to_map(&c, tier, &low), AT).expect("assess");
            let high = assess(&c, &cs, &to_map(&c, tier, &high), AT).expect("assess");
            prop_assert_eq!(low.outcome == Outcome::Refused, high.outcome == Outcome::Refused);
            prop_assert_eq!(low.result.statutory_percent, high.result.statutory_percent);
        }

        #[test]
        fn not_applicable_items_count_nowhere((f, tier, v) in sheet(), pick in any::<prop::sample::Index>()) {
            let c = parsed(f);
            let cs = case(&c, tier);
            let items = c.applicable_items(tier);
            let idx = pick.index(v.len());
            prop_assume!(!items[idx].1.critical_at(tier));
            let mut na = v.clone();
            na[idx] = None;
            let a = assess(&c, &cs, &to_map(&c, tier, &na), AT).expect("assess");
            let section = &items[idx].0.id;
            // The other sections are untouched by this item.
            let mut with_score = v.clone();
            with_score[idx] = Some(c.scoring.max_score);
            let b = assess(&c, &cs, &to_map(&c, tier, &with_score), AT).expect("assess");
            for (x, y) in a.result.sections.iter().zip(&b.result.sections) {
                if &x.id != section {
                    prop_assert_eq!(x, y);
                }
            }
            prop_assert!(!a.conditions.iter().any(|cd| cd.item_id == items[idx].1.id));
        }

        #[test]
        fn a_complete_tally_has_the_assessments_percentages((f, tier, v) in sheet()) {
            let c = parsed(f);
            let m = to_map(&c, tier, &v);
            let a = assess(&c, &case(&c, tier), &m, AT).expect("assess");
            let t = tally(&c, tier, &m);
            prop_assert!(t.unscored.is_empty());
            prop_assert_eq!(&t.sections, &a.result.sections);
            prop_assert_eq!((t.earned, t.possible), (a.result.earned, a.result.possible));
            prop_assert_eq!(t.overall_percent.unwrap_or(0.0), a.result.overall_percent);
            prop_assert_eq!(t.statutory_percent, a.result.statutory_percent);
        }

        #[test]
        fn deterministic_and_bounded((f, tier, v) in sheet()) {
            let c = parsed(f);
            let m = to_map(&c, tier, &v);
            let cs = case(&c, tier);
            let a = assess(&c, &cs, &m, AT).expect("assess");
            prop_assert_eq!(&a, &assess(&c, &cs, &m, AT).expect("assess"));
            prop_assert!((0.0..=100.0).contains(&a.result.overall_percent));
            for s in &a.result.sections {
                if let Some(p) = s.percent {
                    prop_assert!((0.0..=100.0).contains(&p));
                }
            }
        }
    }
}
