//! Whether premises are "qualifying premises" under s.2 of the Terrorism
//! (Protection of Premises) Act 2025, beyond the head count: their Schedule 1 use,
//! a Schedule 2 Part 1 exclusion, and who the responsible person is (s.4; a
//! designated senior individual, s.10, is needed only where that person is not an
//! individual). Premises outside the Act may still be certified voluntarily.

use serde::{Deserialize, Serialize};

macro_rules! named {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal : $label:literal,)* }) => {
        $(#[$meta])*
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
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// In plain words, for pages.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)*
                }
            }

            /// Every name, for messages: "`a`, `b` or `c`".
            pub fn names() -> String {
                let names: Vec<String> = Self::ALL.iter().map(|v| format!("`{}`", v.as_str())).collect();
                match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => names.join(""),
                }
            }
        }
    };
}

named! {
    /// Who is responsible for the premises or event (s.4).
    ResponsiblePerson {
        /// A person on their own account (a sole trader, say): no designated
        /// senior individual is needed (s.10 applies only where the responsible
        /// person is not an individual).
        Individual = "individual": "An individual",
        /// A company, charity, public body, partnership or other organisation.
        Organisation = "organisation": "An organisation",
    }
}

named! {
    /// The uses of premises specified in Schedule 1 to the Act (paragraphs 1 to 17),
    /// and `none` for premises used wholly or mainly for something else.
    Schedule1Use {
        Shop = "shop": "A shop, or selling goods or services to visiting members of the public (para. 1)",
        FoodAndDrink = "food_and_drink": "Food or drink to be eaten or drunk on the premises (para. 2)",
        EntertainmentAndLeisure = "entertainment_and_leisure": "Entertainment, leisure or recreation (para. 3)",
        SportsGround = "sports_ground": "A sports ground (para. 4)",
        LibraryMuseumGallery = "library_museum_gallery": "A library, museum, gallery or archive (para. 5)",
        Hall = "hall": "A hall, such as a community, conference or exhibition hall (para. 6)",
        VisitorAttraction = "visitor_attraction": "A visitor attraction (para. 7)",
        Hotel = "hotel": "A hotel or other accommodation for visitors (para. 8)",
        PlaceOfWorship = "place_of_worship": "A place of worship (para. 9)",
        HealthCare = "health_care": "Health care (para. 10)",
        TransportStation = "transport_station": "A bus station, railway station or similar (para. 11)",
        Aerodrome = "aerodrome": "An aerodrome (para. 12)",
        Childcare = "childcare": "Childcare (para. 13)",
        School = "school": "A primary or secondary school (para. 14)",
        FurtherEducation = "further_education": "Further education (para. 15)",
        HigherEducation = "higher_education": "Higher education (para. 16)",
        PublicAuthority = "public_authority": "A public authority's premises open to the public (para. 17)",
        /// Used wholly or mainly for none of the above: not qualifying premises.
        None = "none": "None of these",
    }
}

named! {
    /// An exclusion in Part 1 of Schedule 2 to the Act, or `none`. Excluded
    /// premises are not qualifying premises whatever their head count.
    Schedule2Exclusion {
        None = "none": "No exclusion applies",
        /// Schedule 2 para. 3 (Schedule 1 para. 4 points to it).
        SportsGround = "sports_ground": "A sports ground excluded by paragraph 3 of Schedule 2",
        /// Schedule 2 para. 4(a): an aerodrome covered by an aerodrome security
        /// plan under the Aviation Security Act 1982.
        AerodromeSecurityPlan = "aerodrome_security_plan": "An aerodrome covered by an aerodrome security plan (paragraph 4 of Schedule 2)",
        /// Any other premises specified or described in Part 1 of Schedule 2.
        Other = "other": "Other premises excluded by Part 1 of Schedule 2",
    }
}

/// Why premises are outside the Act whatever their head count, in plain words;
/// None when their use and exclusion put them within it (the head count then
/// decides). A use not stated (premises registered before it was asked) is taken
/// as within the Act, as before.
pub fn outside_the_act(
    use_: Option<Schedule1Use>,
    exclusion: Schedule2Exclusion,
) -> Option<&'static str> {
    if use_ == Some(Schedule1Use::None) {
        Some(
            "Not qualifying premises under the Act: they are not used wholly or mainly for a use listed in Schedule 1. Certification is voluntary.",
        )
    } else if exclusion != Schedule2Exclusion::None {
        Some(
            "Not qualifying premises under the Act: they are excluded by Part 1 of Schedule 2. Certification is voluntary.",
        )
    } else {
        None
    }
}

/// Whether the Act asks for a designated senior individual (s.10): only where the
/// responsible person is not an individual.
pub fn needs_designated_senior_individual(responsible: ResponsiblePerson) -> bool {
    responsible != ResponsiblePerson::Individual
}

/// What a certificate lapses on (issue 13 part 9): a change of the responsible
/// person, the tier, the layout or the use of the premises. An event's certificate
/// lasts as long as the event and has no use to change.
pub fn lapse_triggers(kind: super::tier::PremisesKind) -> &'static [&'static str] {
    match kind {
        super::tier::PremisesKind::Building => &["responsible_person", "tier", "layout", "use"],
        super::tier::PremisesKind::Event => &["responsible_person", "tier", "layout"],
    }
}

/// The triggers in plain words: "a change of responsible person, tier, layout or
/// use". Unknown names are left out.
pub fn lapse_words(triggers: &[&str]) -> String {
    let words: Vec<&str> = triggers
        .iter()
        .filter_map(|t| match *t {
            "responsible_person" => Some("responsible person"),
            "tier" => Some("tier"),
            "layout" => Some("layout"),
            "use" => Some("use"),
            _ => None,
        })
        .collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => format!("a change of {last}"),
        Some((last, rest)) => format!("a change of {} or {last}", rest.join(", ")),
    }
}

/// Which of a certificate's triggers an edit of the premises touches (layout is
/// not recorded on the premises, so an edit never shows it).
pub fn lapsing_changes(
    triggers: &[&str],
    responsible_changed: bool,
    tier_changed: bool,
    use_changed: bool,
) -> Vec<&'static str> {
    [
        ("responsible_person", responsible_changed),
        ("tier", tier_changed),
        ("use", use_changed),
    ]
    .into_iter()
    .filter(|(name, changed)| *changed && triggers.contains(name))
    .map(|(name, _)| name)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_listed() {
        for u in Schedule1Use::ALL {
            assert_eq!(Schedule1Use::parse(u.as_str()), Some(*u));
        }
        for e in Schedule2Exclusion::ALL {
            assert_eq!(Schedule2Exclusion::parse(e.as_str()), Some(*e));
        }
        assert_eq!(ResponsiblePerson::names(), "`individual` or `organisation`");
        assert_eq!(Schedule1Use::ALL.len(), 18);
        assert_eq!(Schedule1Use::parse("church"), None);
        assert_eq!(
            serde_json::to_string(&Schedule1Use::FurtherEducation).unwrap(),
            "\"further_education\""
        );
    }

    #[test]
    fn no_schedule_1_use_or_an_exclusion_puts_premises_outside_the_act() {
        use Schedule1Use as U;
        use Schedule2Exclusion as E;
        assert!(outside_the_act(Some(U::None), E::None).is_some());
        assert!(outside_the_act(Some(U::Shop), E::Other).is_some());
        assert!(outside_the_act(Some(U::Aerodrome), E::AerodromeSecurityPlan).is_some());
        assert!(outside_the_act(Some(U::Shop), E::None).is_none());
        // Not stated (older premises): within the Act, as before.
        assert!(outside_the_act(None, E::None).is_none());
    }

    #[test]
    fn a_certificate_lapses_on_the_changes_it_names() {
        use super::super::tier::PremisesKind;
        let building = lapse_triggers(PremisesKind::Building);
        assert_eq!(
            lapse_words(building),
            "a change of responsible person, tier, layout or use"
        );
        assert_eq!(
            lapse_words(lapse_triggers(PremisesKind::Event)),
            "a change of responsible person, tier or layout"
        );
        assert_eq!(lapse_words(&["tier"]), "a change of tier");
        assert_eq!(lapse_words(&[]), "");
        assert_eq!(
            lapsing_changes(building, true, false, true),
            ["responsible_person", "use"]
        );
        assert!(lapsing_changes(building, false, false, false).is_empty());
        // An event's certificate has no use to change.
        assert!(
            lapsing_changes(lapse_triggers(PremisesKind::Event), false, false, true).is_empty()
        );
    }

    #[test]
    fn only_an_organisation_needs_a_designated_senior_individual() {
        assert!(!needs_designated_senior_individual(
            ResponsiblePerson::Individual
        ));
        assert!(needs_designated_senior_individual(
            ResponsiblePerson::Organisation
        ));
    }
}
