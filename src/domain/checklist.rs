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
    /// Version 2: no section's statutory items may score below this percentage
    /// (a section may set its own `floor_percent`). None: no floors (version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_floor_percent: Option<u32>,
    /// Version 2: a score at or above this on an `evidence_required` item needs
    /// evidence linked to that item. None: not enforced (version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_from_score: Option<u8>,
    /// Whether good-practice items below `condition_below` raise conditions (they
    /// never refuse).
    #[serde(default = "yes")]
    pub good_practice_conditions: bool,
}

fn yes() -> bool {
    true
}

/// Whether an item is a duty under the Act for the premises' tier, or good practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Statutory,
    GoodPractice,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Statutory => "statutory",
            Basis::GoodPractice => "good_practice",
        }
    }
}

/// When the law does not apply to the premises, so that an item (even a critical
/// one) may be marked not applicable with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicabilityRule {
    pub fact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<FactValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FactValue {
    Flag(bool),
    Text(String),
}

/// What is known about the premises when an item is scored: the facts that
/// `not_applicable_when` rules test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub head_count: u32,
    pub tier: super::tier::Tier,
    /// `individual` or `organisation`.
    pub responsible_person: String,
    /// The Act's duties are not yet in force.
    pub before_commencement: bool,
}

impl Default for Facts {
    fn default() -> Facts {
        Facts {
            head_count: 0,
            tier: Tier::Standard,
            responsible_person: "organisation".to_string(),
            before_commencement: false,
        }
    }
}

const TIER_WORDS: [&str; 3] = ["out_of_scope", "standard", "enhanced"];
const PERSON_WORDS: [&str; 2] = ["individual", "organisation"];

impl ApplicabilityRule {
    /// Why the rule is malformed, if it is: an unknown fact or the wrong test for it.
    fn problem(&self) -> Option<String> {
        let (below, equals) = (self.below.is_some(), self.equals.as_ref());
        let ok = match self.fact.as_str() {
            "head_count" => below && equals.is_none(),
            "before_commencement" => !below && matches!(equals, Some(FactValue::Flag(_))),
            "tier" => {
                !below
                    && matches!(equals, Some(FactValue::Text(t)) if TIER_WORDS.contains(&t.as_str()))
            }
            "responsible_person" => {
                !below
                    && matches!(equals, Some(FactValue::Text(t)) if PERSON_WORDS.contains(&t.as_str()))
            }
            other => {
                return Some(format!(
                    "not_applicable_when names unknown field `{other}` (known: head_count, \
                     before_commencement, tier, responsible_person)"
                ));
            }
        };
        (!ok).then(|| {
            format!(
                "not_applicable_when `{}`: head_count takes `below = N`; before_commencement \
                 `equals = true|false`; tier `equals = \"out_of_scope|standard|enhanced\"`; \
                 responsible_person `equals = \"individual|organisation\"`",
                self.fact
            )
        })
    }

    pub fn holds(&self, facts: &Facts) -> bool {
        match (self.fact.as_str(), self.below, &self.equals) {
            ("head_count", Some(n), _) => facts.head_count < n,
            ("before_commencement", _, Some(FactValue::Flag(b))) => facts.before_commencement == *b,
            ("tier", _, Some(FactValue::Text(t))) => facts.tier.as_str() == t,
            ("responsible_person", _, Some(FactValue::Text(t))) => facts.responsible_person == *t,
            _ => false,
        }
    }

    /// The rule in plain words, for the advisor, the reviewer and police.
    pub fn describe(&self) -> String {
        match (self.fact.as_str(), self.below, &self.equals) {
            ("head_count", Some(n), _) => format!("the head count is below {n}"),
            ("before_commencement", _, Some(FactValue::Flag(true))) => {
                "the Act's duties are not yet in force".to_string()
            }
            ("before_commencement", _, Some(FactValue::Flag(false))) => {
                "the Act's duties are in force".to_string()
            }
            ("tier", _, Some(FactValue::Text(t))) => format!("the tier is {}", t.replace('_', " ")),
            ("responsible_person", _, Some(FactValue::Text(t))) => {
                format!("the responsible person is an {t}")
            }
            _ => self.fact.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    /// Overrides `scoring.section_floor_percent` for this section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_percent: Option<u32>,
    pub items: Vec<ChecklistItem>,
}

impl Section {
    pub fn floor(&self, rules: &ScoringRules) -> Option<u32> {
        self.floor_percent.or(rules.section_floor_percent)
    }
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
    /// Required from version 2; version 1 items are all statutory (every one of
    /// them decided the outcome).
    #[serde(default)]
    pub basis: Option<Basis>,
    /// The section of the Act, e.g. `s.6(1)(a)`; statutory items only.
    #[serde(default)]
    pub statute: Option<String>,
    /// The tiers where a statutory item is a duty; good practice at its other tiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statutory_for: Option<Vec<Tier>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_applicable_when: Vec<ApplicabilityRule>,
}

impl ChecklistItem {
    /// Statutory or good practice for premises of `tier` (voluntary premises
    /// below the standard threshold are held to the standard items).
    pub fn basis_at(&self, tier: Tier) -> Basis {
        let tier = tier.max(Tier::Standard);
        match (self.basis, &self.statutory_for) {
            (Some(Basis::GoodPractice), _) => Basis::GoodPractice,
            (_, Some(tiers)) if !tiers.contains(&tier) => Basis::GoodPractice,
            _ => Basis::Statutory,
        }
    }

    /// Critical only where the item is a duty: good practice never refuses.
    pub fn critical_at(&self, tier: Tier) -> bool {
        self.critical && self.basis_at(tier) == Basis::Statutory
    }

    /// The section of the Act at `tier`; none where it is good practice.
    pub fn statute_at(&self, tier: Tier) -> Option<&str> {
        match self.basis_at(tier) {
            Basis::Statutory => self.statute.as_deref(),
            Basis::GoodPractice => None,
        }
    }

    /// Whether the law leaves this item out for premises with these facts.
    pub fn law_does_not_apply(&self, facts: &Facts) -> bool {
        self.not_applicable_when.iter().any(|r| r.holds(facts))
    }

    /// Whether the advisor may mark it not applicable: any non-critical item, and a
    /// critical one only where its applicability rule holds.
    pub fn may_be_not_applicable(&self, facts: &Facts) -> bool {
        !self.critical_at(facts.tier) || self.law_does_not_apply(facts)
    }

    /// The applicability rules in plain words.
    pub fn not_applicable_rules(&self) -> Vec<String> {
        self.not_applicable_when
            .iter()
            .map(ApplicabilityRule::describe)
            .collect()
    }
}

/// `s.N`, `s.N(n)` or `s.N(n)(x)`.
fn valid_statute(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("s.") else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let mut rest = &rest[digits..];
    for allowed in [(|b: u8| b.is_ascii_digit()) as fn(u8) -> bool, |b: u8| {
        b.is_ascii_lowercase()
    }] {
        if rest.is_empty() {
            return true;
        }
        let Some(inner) = rest.strip_prefix('(') else {
            return false;
        };
        let n = inner.bytes().take_while(|b| allowed(*b)).count();
        if n == 0 || !inner[n..].starts_with(')') {
            return false;
        }
        rest = &inner[n + 1..];
    }
    rest.is_empty()
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
         but a single non-critical gap must give certified_with_conditions naming it; lower its weight, \
         min_overall_percent or its section's floor"
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
        let mut checklist: Checklist = toml::from_str(source)
            .map_err(|e| ChecklistError::Toml(e.to_string().trim().to_string()))?;
        checklist.validate()?;
        if checklist.version == 1 {
            // Version 1 has no bases: every item decided the outcome.
            for item in checklist
                .sections
                .iter_mut()
                .flat_map(|s| s.items.iter_mut())
            {
                item.basis.get_or_insert(Basis::Statutory);
            }
        }
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
        if r.section_floor_percent.is_some_and(|f| f > 100) {
            return Err(ChecklistError::Rules(
                "scoring.section_floor_percent must be at most 100".into(),
            ));
        }
        if r.evidence_from_score
            .is_some_and(|e| e == 0 || e > r.max_score)
        {
            return Err(ChecklistError::Rules(
                "scoring.evidence_from_score must be from 1 to max_score".into(),
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
            if s.floor_percent.is_some_and(|f| f > 100) {
                return Err(section_problem("floor_percent must be at most 100"));
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
                self.check_basis(i).map_err(|p| problem(&p))?;
                if let Some(p) = i
                    .not_applicable_when
                    .iter()
                    .find_map(ApplicabilityRule::problem)
                {
                    return Err(problem(&p));
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

    /// From version 2 every item says whether it is a duty (and under which
    /// section) or good practice; only duties may be critical.
    fn check_basis(&self, i: &ChecklistItem) -> Result<(), String> {
        let Some(basis) = i.basis else {
            return if self.version >= 2 {
                Err("basis must be \"statutory\" or \"good_practice\"".into())
            } else {
                Ok(())
            };
        };
        match basis {
            Basis::Statutory => match i.statute.as_deref() {
                Some(s) if valid_statute(s) => {}
                Some(s) => {
                    return Err(format!("statute `{s}` must read s.N, s.N(n) or s.N(n)(x)"));
                }
                None => return Err("a statutory item must name its statute (e.g. s.5)".into()),
            },
            Basis::GoodPractice => {
                if i.statute.is_some() || i.statutory_for.is_some() {
                    return Err("a good_practice item takes no statute or statutory_for".into());
                }
                if i.critical {
                    return Err("a good_practice item cannot be critical: it never refuses".into());
                }
            }
        }
        if let Some(tiers) = &i.statutory_for
            && (tiers.is_empty() || tiers.iter().any(|t| !i.tiers.contains(t)))
        {
            return Err("statutory_for must list some of the item's tiers".into());
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
        let case = scoring::Case::fully_evidenced(self, tier);
        for (_, item) in items.iter().filter(|(_, i)| !i.critical_at(tier)) {
            let mut scores = full.clone();
            scores.insert(item.id.clone(), Some(0));
            let assessed = scoring::assess(self, &case, &scores, at).ok();
            let outcome = assessed.as_ref().map_or(Outcome::Refused, |a| a.outcome);
            let named = assessed
                .as_ref()
                .is_some_and(|a| a.conditions.iter().any(|c| c.item_id == item.id));
            if outcome != Outcome::CertifiedWithConditions || !named {
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

    pub const BUILDING_V2: &str = include_str!("../../config/checklists/building-v2.toml");
    pub const EVENT_V2: &str = include_str!("../../config/checklists/event-v2.toml");

    #[test]
    fn shipped_version_2_files_say_the_basis_of_every_item() {
        for (source, kind) in [
            (BUILDING_V2, PremisesKind::Building),
            (EVENT_V2, PremisesKind::Event),
        ] {
            let c = Checklist::parse(source).expect("shipped checklist");
            assert_eq!((c.kind, c.version), (kind, 2));
            assert_eq!(c.scoring.section_floor_percent, Some(50));
            assert_eq!(c.scoring.evidence_from_score, Some(3));
            for item in c.sections.iter().flat_map(|s| &s.items) {
                match item.basis {
                    Some(Basis::Statutory) => assert!(item.statute.is_some(), "{}", item.id),
                    Some(Basis::GoodPractice) => {
                        assert!(item.statute.is_none() && !item.critical, "{}", item.id)
                    }
                    None => panic!("{} has no basis", item.id),
                }
            }
            for (id, section) in [("02", "s.9"), ("04", "s.10")] {
                let id = match kind {
                    PremisesKind::Building => format!("gov-{id}"),
                    PremisesKind::Event => format!("egov-{id}"),
                };
                let (_, item) = c.item(&id).expect("item");
                assert_eq!(item.statute.as_deref(), Some(section));
                assert!(
                    item.critical && !item.not_applicable_when.is_empty(),
                    "{id}"
                );
            }
        }
    }

    #[test]
    fn version_1_items_read_as_statutory() {
        let c = Checklist::parse(BUILDING).expect("valid");
        for item in c.sections.iter().flat_map(|s| &s.items) {
            assert_eq!(item.basis, Some(Basis::Statutory));
            assert_eq!(item.statute, None);
            assert_eq!(item.basis_at(Tier::Standard), Basis::Statutory);
        }
    }

    fn broken_v2(from: &str, to: &str) -> ChecklistError {
        let source = BUILDING_V2.replacen(from, to, 1);
        assert_ne!(source, BUILDING_V2, "pattern {from:?} not in file");
        Checklist::parse(&source).expect_err("must be refused")
    }

    fn item_problem(e: &ChecklistError) -> String {
        match e {
            ChecklistError::Item { problem, .. } => problem.clone(),
            other => panic!("not an item error: {other}"),
        }
    }

    #[test]
    fn a_version_2_file_that_breaks_a_rule_is_refused() {
        // An item with no statutory / good-practice flag.
        let e = broken_v2(
            "\nbasis = \"statutory\"\nstatute = \"s.4\"",
            "\nstatute = \"s.4\"",
        );
        assert!(item_problem(&e).contains("basis"), "{e}");
        // A floor above 100, for the whole file or a section.
        let e = broken_v2("section_floor_percent = 50", "section_floor_percent = 101");
        assert!(
            matches!(e, ChecklistError::Rules(ref m) if m.contains("section_floor_percent")),
            "{e}"
        );
        let e = broken_v2(
            "[[sections.items]]",
            "floor_percent = 150\n\n[[sections.items]]",
        );
        assert!(
            matches!(e, ChecklistError::Section { ref problem, .. } if problem.contains("floor_percent")),
            "{e}"
        );
        // An applicability rule naming an unknown field, or testing a known one wrongly.
        let e = broken_v2("fact = \"head_count\"", "fact = \"floor_area\"");
        assert!(
            item_problem(&e).contains("unknown field `floor_area`"),
            "{e}"
        );
        let e = broken_v2(
            "fact = \"head_count\", below = 200",
            "fact = \"head_count\", equals = true",
        );
        assert!(item_problem(&e).contains("below = N"), "{e}");
        // A statute that is not a section, good practice that claims one or is critical.
        let e = broken_v2("statute = \"s.9\"", "statute = \"section nine\"");
        assert!(item_problem(&e).contains("s.N"), "{e}");
        let e = broken_v2(
            "basis = \"statutory\"\nstatute = \"s.4\"",
            "basis = \"good_practice\"",
        );
        assert!(item_problem(&e).contains("cannot be critical"), "{e}");
        // A floor that would refuse a single non-critical gap.
        let e = broken_v2("section_floor_percent = 50", "section_floor_percent = 90");
        assert!(matches!(e, ChecklistError::SingleGap { .. }), "{e}");
        let e = broken_v2("evidence_from_score = 3", "evidence_from_score = 9");
        assert!(matches!(e, ChecklistError::Rules(_)), "{e}");
    }

    #[test]
    fn statutes_read_as_sections() {
        for good in ["s.5", "s.6(1)(a)", "s.10", "s.5(3)"] {
            assert!(valid_statute(good), "{good}");
        }
        for bad in [
            "",
            "s.",
            "5",
            "s.5(",
            "s.5()",
            "s.5(a)(1)",
            "s.5(1)(a)(i)",
            "S.5",
            "s.5 ",
        ] {
            assert!(!valid_statute(bad), "{bad}");
        }
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
