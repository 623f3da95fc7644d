//! Premises kinds and tiers. The head count is the most people who may reasonably
//! be expected to be present at the same time, staff included. Any reasonable,
//! evidenced method may be used to work it out: a fire safe-occupancy calculation,
//! historic data (ticket sales, footfall counts), or a floor-space estimate.

use serde::{Deserialize, Serialize};

use super::qualifying::{Schedule1Use, Schedule2Exclusion};

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
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    OutOfScope,
    Standard,
    Enhanced,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::OutOfScope => "out_of_scope",
            Tier::Standard => "standard",
            Tier::Enhanced => "enhanced",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        Some(match s {
            "out_of_scope" => Tier::OutOfScope,
            "standard" => Tier::Standard,
            "enhanced" => Tier::Enhanced,
            _ => return None,
        })
    }
}

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
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum PremisesKind {
    Building,
    Event,
}

impl PremisesKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PremisesKind::Building => "building",
            PremisesKind::Event => "event",
        }
    }

    pub fn parse(s: &str) -> Option<PremisesKind> {
        Some(match s {
            "building" => PremisesKind::Building,
            "event" => PremisesKind::Event,
            _ => return None,
        })
    }
}

/// Head-count thresholds, from the checklist file rather than code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierThresholds {
    pub standard_min: u32,
    pub enhanced_min: u32,
    // Issue 13 part 7 (scope): the Schedule 1 uses treated as standard duty
    // premises whatever their head count.
    /// Schedule 1 uses that stay in the standard tier however many people come
    /// (the Act treats them as standard duty premises). A file without the key
    /// (version 1) caps places of worship only, as before.
    #[serde(default = "capped_by_default")]
    pub capped_at_standard: Vec<Schedule1Use>,
}

fn capped_by_default() -> Vec<Schedule1Use> {
    vec![Schedule1Use::PlaceOfWorship]
}

impl TierThresholds {
    /// The tier by head count alone, a place of worship capped at standard when
    /// the file caps that use. Premises whose use is not known (events, or
    /// buildings registered before it was asked) are read this way.
    pub fn tier_for(&self, capacity: u32, place_of_worship: bool) -> Tier {
        let use_ = place_of_worship.then_some(Schedule1Use::PlaceOfWorship);
        self.tier_for_premises(capacity, use_, Schedule2Exclusion::None)
    }

    /// The tier of premises by head count, Schedule 1 use and Schedule 2
    /// exclusion: no Schedule 1 use, or an exclusion, is `out_of_scope` (not
    /// qualifying premises; voluntary certification) whatever the head count; a
    /// use in `capped_at_standard` is never above standard.
    pub fn tier_for_premises(
        &self,
        capacity: u32,
        use_: Option<Schedule1Use>,
        exclusion: Schedule2Exclusion,
    ) -> Tier {
        if super::qualifying::outside_the_act(use_, exclusion).is_some() {
            return Tier::OutOfScope;
        }
        let tier = if capacity < self.standard_min {
            Tier::OutOfScope
        } else if capacity < self.enhanced_min {
            Tier::Standard
        } else {
            Tier::Enhanced
        };
        match use_ {
            Some(u) if self.capped_at_standard.contains(&u) => tier.min(Tier::Standard),
            _ => tier,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thresholds(capped: Vec<Schedule1Use>) -> TierThresholds {
        TierThresholds {
            standard_min: 200,
            enhanced_min: 800,
            capped_at_standard: capped,
        }
    }

    fn version_1() -> TierThresholds {
        toml::from_str("standard_min = 200\nenhanced_min = 800").unwrap()
    }

    #[test]
    fn thresholds_are_inclusive_lower_bounds() {
        let t = version_1();
        assert_eq!(t.tier_for(0, false), Tier::OutOfScope);
        assert_eq!(t.tier_for(199, false), Tier::OutOfScope);
        assert_eq!(t.tier_for(200, false), Tier::Standard);
        assert_eq!(t.tier_for(799, false), Tier::Standard);
        assert_eq!(t.tier_for(800, false), Tier::Enhanced);
    }

    #[test]
    fn places_of_worship_are_capped_at_standard() {
        let t = version_1();
        assert_eq!(t.tier_for(5000, true), Tier::Standard);
        assert_eq!(t.tier_for(150, true), Tier::OutOfScope);
    }

    #[test]
    fn a_file_without_the_key_caps_places_of_worship_only() {
        let t = version_1();
        assert_eq!(t.capped_at_standard, [Schedule1Use::PlaceOfWorship]);
        let none = Schedule2Exclusion::None;
        let of = |u| t.tier_for_premises(5000, Some(u), none);
        assert_eq!(of(Schedule1Use::PlaceOfWorship), Tier::Standard);
        assert_eq!(of(Schedule1Use::School), Tier::Enhanced);
    }

    #[test]
    fn the_capped_uses_come_from_the_file() {
        let t: TierThresholds = toml::from_str(
            "standard_min = 200\nenhanced_min = 800\ncapped_at_standard = [\"place_of_worship\", \"school\", \"further_education\", \"childcare\"]",
        )
        .unwrap();
        let none = Schedule2Exclusion::None;
        for u in [
            Schedule1Use::PlaceOfWorship,
            Schedule1Use::School,
            Schedule1Use::FurtherEducation,
            Schedule1Use::Childcare,
        ] {
            assert_eq!(t.tier_for_premises(5000, Some(u), none), Tier::Standard);
            assert_eq!(t.tier_for_premises(300, Some(u), none), Tier::Standard);
            assert_eq!(t.tier_for_premises(150, Some(u), none), Tier::OutOfScope);
        }
        // Higher education is treated like any other premises.
        let he = Some(Schedule1Use::HigherEducation);
        assert_eq!(t.tier_for_premises(5000, he, none), Tier::Enhanced);
        // An empty list caps nothing, places of worship included.
        let uncapped = thresholds(vec![]);
        assert_eq!(uncapped.tier_for(5000, true), Tier::Enhanced);
        // An unknown use in the file is refused.
        assert!(
            toml::from_str::<TierThresholds>(
                "standard_min = 200\nenhanced_min = 800\ncapped_at_standard = [\"church\"]"
            )
            .is_err()
        );
    }

    #[test]
    fn no_schedule_1_use_or_an_exclusion_is_out_of_scope_whatever_the_head_count() {
        let t = thresholds(vec![Schedule1Use::PlaceOfWorship]);
        for capacity in [0, 250, 5000, 1_000_000] {
            assert_eq!(
                t.tier_for_premises(capacity, Some(Schedule1Use::None), Schedule2Exclusion::None),
                Tier::OutOfScope
            );
            for e in [
                Schedule2Exclusion::SportsGround,
                Schedule2Exclusion::AerodromeSecurityPlan,
                Schedule2Exclusion::Other,
            ] {
                assert_eq!(
                    t.tier_for_premises(capacity, Some(Schedule1Use::Shop), e),
                    Tier::OutOfScope
                );
            }
        }
        // A use not stated reads by head count, as before.
        assert_eq!(
            t.tier_for_premises(900, None, Schedule2Exclusion::None),
            Tier::Enhanced
        );
    }

    #[test]
    fn names_round_trip() {
        for t in [Tier::OutOfScope, Tier::Standard, Tier::Enhanced] {
            assert_eq!(Tier::parse(t.as_str()), Some(t));
        }
        for k in [PremisesKind::Building, PremisesKind::Event] {
            assert_eq!(PremisesKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Tier::parse("medium"), None);
    }
}
