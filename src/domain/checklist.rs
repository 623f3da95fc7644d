//! Checklists as data: sections of items, the tier thresholds and the scoring
//! rules, parsed from TOML and validated before anything is scored against them.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::scoring::{self, Outcome};
use super::tier::{PremisesKind, Tier, TierThresholds};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub kind: PremisesKind,
    pub version: u32,
    pub title: String,
    pub tiers: TierThresholds,
    pub scoring: ScoringRules,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringRules {
    /// Every item is scored 0..=max_score.
    pub max_score: u8,
    /// A weighted overall percentage below this refuses.
    pub min_overall_percent: u32,
    /// A critical item scoring below this is a critical failure, which refuses.
    pub critical_fail_below: u8,
    /// Any item scoring below this raises a condition.
    pub condition_below: u8,
    pub condition_due_days: u32,
    /// Conditions on critical items are due sooner.
    pub critical_condition_due_days: u32,
    /// Building certificates; events are valid until the event ends.
    pub validity_months: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub items: Vec<ChecklistItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub id: String,
    pub text: String,
    pub guidance: String,
    pub tiers: Vec<Tier>,
    pub weight: u32,
    pub critical: bool,
    pub evidence_required: bool,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChecklistError {
    #[error("toml: {0}")]
    Toml(String),
    #[error("version must be at least 1")]
    Version,
    #[error("{0}")]
    Rules(String),
    #[error("section `{section}`: {problem}")]
    Section { section: String, problem: String },
    #[error("section `{section}`, item `{item}`: {problem}")]
    Item {
        section: String,
        item: String,
        problem: String,
    },
    #[error("duplicate {what} id `{id}`")]
    Duplicate { what: &'static str, id: String },
    #[error("no item applies to the {0} tier")]
    EmptyTier(&'static str),
    #[error(
        "item `{item}` ({tier} tier): at 0 with everything else at maximum it scores {outcome}, \
         but a single non-critical gap must give certified_with_conditions; lower its weight or min_overall_percent"
    )]
    SingleGap {
        item: String,
        tier: &'static str,
        outcome: &'static str,
    },
}

fn valid_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Checklist {
    pub fn parse(source: &str) -> Result<Checklist, ChecklistError> {
        let checklist: Checklist = toml::from_str(source)
            .map_err(|e| ChecklistError::Toml(e.to_string().trim().to_string()))?;
        checklist.validate()?;
        Ok(checklist)
    }

    /// `{kind}-v{version}`, e.g. `building-v1`.
    pub fn id(&self) -> String {
        format!("{}-v{}", self.kind.as_str(), self.version)
    }

    /// The items that apply to `tier`, in file order. Premises below the standard
    /// threshold certify voluntarily against the standard items.
    pub fn applicable_items(&self, tier: Tier) -> Vec<(&Section, &ChecklistItem)> {
        let tier = tier.max(Tier::Standard);
        self.sections
            .iter()
            .flat_map(|s| s.items.iter().map(move |i| (s, i)))
            .filter(|(_, i)| i.tiers.contains(&tier))
            .collect()
    }

    pub fn item(&self, id: &str) -> Option<(&Section, &ChecklistItem)> {
        self.sections
            .iter()
            .flat_map(|s| s.items.iter().map(move |i| (s, i)))
            .find(|(_, i)| i.id == id)
    }

    fn validate(&self) -> Result<(), ChecklistError> {
        if self.version == 0 {
            return Err(ChecklistError::Version);
        }
        let r = &self.scoring;
        if r.max_score == 0 {
            return Err(ChecklistError::Rules(
                "scoring.max_score must be at least 1".into(),
            ));
        }
        if !(1 <= r.critical_fail_below
            && r.critical_fail_below <= r.condition_below
            && r.condition_below <= r.max_score)
        {
            return Err(ChecklistError::Rules(
                "scoring: need 1 <= critical_fail_below <= condition_below <= max_score".into(),
            ));
        }
        if r.min_overall_percent > 100 {
            return Err(ChecklistError::Rules(
                "scoring.min_overall_percent must be at most 100".into(),
            ));
        }
        if self.tiers.standard_min >= self.tiers.enhanced_min {
            return Err(ChecklistError::Rules(
                "tiers.standard_min must be below tiers.enhanced_min".into(),
            ));
        }
        let mut section_ids = HashSet::new();
        let mut item_ids = HashSet::new();
        for s in &self.sections {
            let section_problem = |problem: &str| ChecklistError::Section {
                section: s.id.clone(),
                problem: problem.to_string(),
            };
            if !valid_id(&s.id) {
                return Err(section_problem(
                    "ids are 1-32 lowercase letters, digits or '-'",
                ));
            }
            if !section_ids.insert(s.id.as_str()) {
                return Err(ChecklistError::Duplicate {
                    what: "section",
                    id: s.id.clone(),
                });
            }
            if s.title.trim().is_empty() {
                return Err(section_problem("title must not be empty"));
            }
            if s.items.is_empty() {
                return Err(section_problem("has no items"));
            }
            for i in &s.items {
                let problem = |p: &str| ChecklistError::Item {
                    section: s.id.clone(),
                    item: i.id.clone(),
                    problem: p.to_string(),
                };
                if !valid_id(&i.id) {
                    return Err(problem("ids are 1-32 lowercase letters, digits or '-'"));
                }
                if !item_ids.insert(i.id.as_str()) {
                    return Err(ChecklistError::Duplicate {
                        what: "item",
                        id: i.id.clone(),
                    });
                }
                if i.text.trim().is_empty() {
                    return Err(problem("text must not be empty"));
                }
                if i.weight == 0 {
                    return Err(problem("weight must be at least 1"));
                }
                if i.tiers.is_empty() {
                    return Err(problem("tiers must list standard and/or enhanced"));
                }
                if i.tiers.contains(&Tier::OutOfScope) {
                    return Err(problem("tiers may hold only standard and enhanced"));
                }
            }
        }
        for tier in [Tier::Standard, Tier::Enhanced] {
            let items = self.applicable_items(tier);
            if items.is_empty() {
                return Err(ChecklistError::EmptyTier(tier.as_str()));
            }
            self.check_single_gap(tier, &items)?;
        }
        Ok(())
    }

    /// The thresholds must let one non-critical gap be a condition, not a refusal.
    fn check_single_gap(
        &self,
        tier: Tier,
        items: &[(&Section, &ChecklistItem)],
    ) -> Result<(), ChecklistError> {
        let full: std::collections::HashMap<String, Option<u8>> = items
            .iter()
            .map(|(_, i)| (i.id.clone(), Some(self.scoring.max_score)))
            .collect();
        let at = time::OffsetDateTime::UNIX_EPOCH;
        for (_, item) in items.iter().filter(|(_, i)| !i.critical) {
            let mut scores = full.clone();
            scores.insert(item.id.clone(), Some(0));
            let outcome = scoring::assess(self, tier, &scores, at)
                .map(|a| a.outcome)
                .unwrap_or(Outcome::Refused);
            if outcome != Outcome::CertifiedWithConditions {
                return Err(ChecklistError::SingleGap {
                    item: item.id.clone(),
                    tier: tier.as_str(),
                    outcome: outcome.as_str(),
                });
            }
        }
        Ok(())
    }
}

/// Lowercase hex SHA-256 of the exact source text.
pub fn content_hash(source: &str) -> String {
    hex::encode(Sha256::digest(source.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const BUILDING: &str = include_str!("../../config/checklists/building.toml");
    pub const EVENT: &str = include_str!("../../config/checklists/event.toml");

    #[test]
    fn shipped_files_are_valid() {
        for (source, kind) in [
            (BUILDING, PremisesKind::Building),
            (EVENT, PremisesKind::Event),
        ] {
            let c = Checklist::parse(source).expect("shipped checklist");
            assert_eq!(c.kind, kind);
            assert_eq!(c.version, 1);
            let standard = c.applicable_items(Tier::Standard).len();
            let enhanced = c.applicable_items(Tier::Enhanced).len();
            assert!(enhanced > standard, "enhanced adds the protection measures");
            assert_eq!(c.applicable_items(Tier::OutOfScope).len(), standard);
        }
    }

    fn broken(from: &str, to: &str) -> ChecklistError {
        let source = BUILDING.replacen(from, to, 1);
        assert_ne!(source, BUILDING, "pattern {from:?} not in file");
        Checklist::parse(&source).expect_err("must be refused")
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(
            matches!(broken("weight = ", "weight = 0 #"), ChecklistError::Item { ref problem, .. } if problem.contains("weight"))
        );
        assert!(matches!(
            broken("version = 1", "version = 0"),
            ChecklistError::Version
        ));
        assert!(matches!(
            broken("kind = \"building\"", "kind = \"castle\""),
            ChecklistError::Toml(_)
        ));
        assert!(
            matches!(broken("max_score = 4", "max_score = 4\nbonus = 1"), ChecklistError::Toml(ref m) if m.contains("bonus"))
        );
        assert!(matches!(
            broken("condition_below = 3", "condition_below = 9"),
            ChecklistError::Rules(_)
        ));
        assert!(matches!(
            broken("critical_fail_below = 2", "critical_fail_below = 0"),
            ChecklistError::Rules(_)
        ));
        assert!(matches!(
            broken("enhanced_min = 800", "enhanced_min = 100"),
            ChecklistError::Rules(_)
        ));
        assert!(matches!(
            broken("tiers = [\"standard\", \"enhanced\"]", "tiers = []"),
            ChecklistError::Item { .. }
        ));
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let c = Checklist::parse(BUILDING).expect("valid");
        let first = &c.sections[0].items[0].id;
        let second = &c.sections[0].items[1].id;
        let source = BUILDING.replacen(
            &format!("id = \"{second}\""),
            &format!("id = \"{first}\""),
            1,
        );
        assert_eq!(
            Checklist::parse(&source),
            Err(ChecklistError::Duplicate {
                what: "item",
                id: first.clone()
            })
        );
    }

    #[test]
    fn thresholds_that_would_refuse_a_single_gap_are_refused() {
        let err = broken("min_overall_percent = 70", "min_overall_percent = 99");
        assert!(matches!(err, ChecklistError::SingleGap { .. }), "{err}");
    }

    #[test]
    fn hash_is_of_the_exact_text() {
        assert_eq!(
            content_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(
            content_hash(BUILDING),
            content_hash(&format!("{BUILDING} "))
        );
    }
}
