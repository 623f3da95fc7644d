//! Premises kinds and tiers. The head count is everyone who may be present at the
//! same time, staff included (not the fire-safety occupancy figure).

use serde::{Deserialize, Serialize};

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
}

impl TierThresholds {
    /// Places of worship stay standard whatever their size (the Act's exception).
    pub fn tier_for(&self, capacity: u32, place_of_worship: bool) -> Tier {
        let tier = if capacity < self.standard_min {
            Tier::OutOfScope
        } else if capacity < self.enhanced_min {
            Tier::Standard
        } else {
            Tier::Enhanced
        };
        if place_of_worship {
            tier.min(Tier::Standard)
        } else {
            tier
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: TierThresholds = TierThresholds {
        standard_min: 200,
        enhanced_min: 800,
    };

    #[test]
    fn thresholds_are_inclusive_lower_bounds() {
        assert_eq!(T.tier_for(0, false), Tier::OutOfScope);
        assert_eq!(T.tier_for(199, false), Tier::OutOfScope);
        assert_eq!(T.tier_for(200, false), Tier::Standard);
        assert_eq!(T.tier_for(799, false), Tier::Standard);
        assert_eq!(T.tier_for(800, false), Tier::Enhanced);
    }

    #[test]
    fn places_of_worship_are_capped_at_standard() {
        assert_eq!(T.tier_for(5000, true), Tier::Standard);
        assert_eq!(T.tier_for(150, true), Tier::OutOfScope);
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
