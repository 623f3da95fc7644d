//! A believable, made-up register for load tests (`protectcert bench seed`): UK
//! postcodes in real outward districts, premises names, people, and each premises'
//! history of certificates. Pure: the caller passes the random generator and the time.

use std::collections::HashMap;

use rand::Rng;
use time::{Duration, OffsetDateTime};

use super::checklist::Checklist;
use super::status::StoredStatus;
use super::tier::{PremisesKind, Tier};

/// Real postcode areas: (area letters, post town, district numbers, weight). The
/// weight is roughly the area's share of the population, so London, Birmingham and
/// Manchester hold more premises than Inverness.
const AREAS: &[(&str, &str, &[u8], u32)] = &[
    ("AB", "Aberdeen", &[10, 11, 12, 15, 16, 21, 24, 25], 3),
    ("AL", "St Albans", &[1, 2, 3, 4], 2),
    (
        "B",
        "Birmingham",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25,
            26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 40, 42, 43, 44, 45, 46, 47, 48,
        ],
        10,
    ),
    ("BA", "Bath", &[1, 2], 2),
    ("BB", "Blackburn", &[1, 2], 2),
    ("BD", "Bradford", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4),
    ("BH", "Bournemouth", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 3),
    ("BL", "Bolton", &[1, 2, 3, 4, 5, 6, 7], 2),
    ("BN", "Brighton", &[1, 2, 3, 41, 42, 43, 44, 45], 4),
    ("BR", "Bromley", &[1, 2, 3, 4, 5, 6, 7], 2),
    (
        "BS",
        "Bristol",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 20, 30, 31, 32, 34, 35, 36, 37,
        ],
        6,
    ),
    (
        "BT",
        "Belfast",
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
        5,
    ),
    ("CA", "Carlisle", &[1, 2, 3], 1),
    ("CB", "Cambridge", &[1, 2, 3, 4, 5], 3),
    ("CF", "Cardiff", &[3, 5, 10, 11, 14, 15, 23, 24], 5),
    ("CH", "Chester", &[1, 2, 3, 4], 2),
    ("CM", "Chelmsford", &[1, 2, 3], 2),
    ("CO", "Colchester", &[1, 2, 3, 4], 2),
    ("CR", "Croydon", &[0, 2, 3, 4, 5, 7, 8], 3),
    ("CT", "Canterbury", &[1, 2, 3, 4], 2),
    ("CV", "Coventry", &[1, 2, 3, 4, 5, 6, 7, 8], 4),
    ("CW", "Crewe", &[1, 2], 1),
    ("DD", "Dundee", &[1, 2, 3, 4, 5], 2),
    ("DE", "Derby", &[1, 3, 21, 22, 23, 24], 3),
    ("DH", "Durham", &[1], 1),
    ("DL", "Darlington", &[1, 2, 3], 1),
    (
        "DN",
        "Doncaster",
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        3,
    ),
    ("DT", "Dorchester", &[1, 2], 1),
    (
        "E",
        "London",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
        ],
        8,
    ),
    (
        "EH",
        "Edinburgh",
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
        6,
    ),
    ("EX", "Exeter", &[1, 2, 3, 4, 5, 6], 3),
    ("FK", "Falkirk", &[1, 2], 1),
    ("FY", "Blackpool", &[1, 2, 3, 4], 2),
    (
        "G",
        "Glasgow",
        &[
            1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 20, 21, 22, 23, 31, 32, 33, 34, 40, 41, 42, 43, 44,
            45, 46, 51, 52, 53,
        ],
        8,
    ),
    ("GL", "Gloucester", &[1, 2, 3, 4], 2),
    ("GU", "Guildford", &[1, 2, 3, 4, 5], 2),
    ("HD", "Huddersfield", &[1, 2, 3, 4, 5], 2),
    ("HG", "Harrogate", &[1, 2], 1),
    ("HP", "Hemel Hempstead", &[1, 2, 3], 1),
    ("HR", "Hereford", &[1, 2, 4], 1),
    ("HU", "Hull", &[1, 2, 3, 4, 5, 6, 7, 8, 9], 3),
    ("HX", "Halifax", &[1, 2, 3], 1),
    ("IP", "Ipswich", &[1, 2, 3, 4, 5], 2),
    ("IV", "Inverness", &[1, 2, 3], 1),
    ("KA", "Kilmarnock", &[1, 2, 3], 1),
    ("KT", "Kingston upon Thames", &[1, 2], 2),
    ("KY", "Kirkcaldy", &[1, 2], 1),
    (
        "L",
        "Liverpool",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 24, 25,
        ],
        7,
    ),
    ("LA", "Lancaster", &[1, 2], 1),
    ("LE", "Leicester", &[1, 2, 3, 4, 5], 4),
    ("LL", "Llandudno", &[30, 31], 1),
    ("LN", "Lincoln", &[1, 2, 5, 6], 1),
    (
        "LS",
        "Leeds",
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
        7,
    ),
    ("LU", "Luton", &[1, 2, 3, 4], 2),
    (
        "M",
        "Manchester",
        &[
            1, 2, 3, 4, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
        ],
        9,
    ),
    ("ME", "Maidstone", &[14, 15, 16], 2),
    (
        "MK",
        "Milton Keynes",
        &[1, 2, 3, 5, 6, 9, 10, 13, 14, 15],
        2,
    ),
    ("ML", "Motherwell", &[1], 1),
    (
        "N",
        "London",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
        ],
        8,
    ),
    ("NE", "Newcastle upon Tyne", &[1, 2, 3, 4, 5, 6, 7], 5),
    ("NG", "Nottingham", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 5),
    ("NN", "Northampton", &[1, 2, 3, 4, 5], 2),
    ("NP", "Newport", &[10, 19, 20], 2),
    ("NR", "Norwich", &[1, 2, 3, 4, 5, 6, 7], 3),
    ("NW", "London", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 7),
    ("OL", "Oldham", &[1, 2, 3, 4, 8, 9], 2),
    ("OX", "Oxford", &[1, 2, 3, 4], 3),
    ("PA", "Paisley", &[1, 2, 3], 1),
    ("PE", "Peterborough", &[1, 2, 3, 4], 2),
    ("PH", "Perth", &[1, 2], 1),
    ("PL", "Plymouth", &[1, 2, 3, 4, 5, 6, 7, 9], 3),
    ("PO", "Portsmouth", &[1, 2, 3, 4, 5, 6], 3),
    ("PR", "Preston", &[1, 2, 3, 4, 5], 2),
    ("RG", "Reading", &[1, 2, 4, 5, 6, 30, 31], 3),
    ("RH", "Crawley", &[10, 11], 1),
    (
        "S",
        "Sheffield",
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17],
        6,
    ),
    ("SA", "Swansea", &[1, 2, 3, 4, 5, 6, 7, 8], 3),
    (
        "SE",
        "London",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
            25, 26, 27, 28,
        ],
        9,
    ),
    ("SG", "Stevenage", &[1, 2], 1),
    ("SK", "Stockport", &[1, 2, 3, 4, 5, 6, 7, 8], 2),
    ("SL", "Slough", &[1, 2, 3], 2),
    ("SN", "Swindon", &[1, 2, 3, 4, 5], 2),
    ("SO", "Southampton", &[14, 15, 16, 17, 18, 19], 3),
    ("SP", "Salisbury", &[1, 2], 1),
    ("SR", "Sunderland", &[1, 2, 3, 4, 5, 6], 2),
    ("ST", "Stoke-on-Trent", &[1, 2, 3, 4, 5, 6, 7, 8], 3),
    (
        "SW",
        "London",
        &[
            2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
        ],
        8,
    ),
    ("SY", "Shrewsbury", &[1, 2, 3], 1),
    ("TA", "Taunton", &[1, 2], 1),
    ("TD", "Galashiels", &[1], 1),
    ("TN", "Tunbridge Wells", &[1, 2, 3, 4], 2),
    ("TQ", "Torquay", &[1, 2], 1),
    ("TR", "Truro", &[1], 1),
    ("TS", "Middlesbrough", &[1, 2, 3, 4, 5, 6, 7, 8], 3),
    ("TW", "Twickenham", &[1, 2], 2),
    (
        "W",
        "London",
        &[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
        6,
    ),
    ("WA", "Warrington", &[1, 2, 3, 4, 5], 2),
    ("WD", "Watford", &[17, 18, 19], 2),
    ("WF", "Wakefield", &[1, 2], 2),
    ("WR", "Worcester", &[1, 2, 3, 4, 5], 2),
    ("WV", "Wolverhampton", &[1, 2, 3, 4, 6, 10, 11], 3),
    ("YO", "York", &[1, 10, 23, 24, 26, 30, 31], 3),
];

/// Central London's districts with a letter after the number: (district, weight).
const LONDON_CENTRAL: &[&str] = &[
    "EC1A", "EC1M", "EC1N", "EC1R", "EC1V", "EC1Y", "EC2A", "EC2M", "EC2N", "EC2R", "EC2V", "EC2Y",
    "EC3A", "EC3M", "EC3N", "EC3R", "EC3V", "EC4A", "EC4M", "EC4N", "EC4R", "EC4V", "EC4Y", "SW1A",
    "SW1E", "SW1H", "SW1P", "SW1V", "SW1W", "SW1X", "SW1Y", "W1B", "W1C", "W1D", "W1F", "W1G",
    "W1H", "W1J", "W1K", "W1S", "W1T", "W1U", "W1W", "WC1A", "WC1B", "WC1E", "WC1H", "WC1N",
    "WC1R", "WC1V", "WC1X", "WC2A", "WC2B", "WC2E", "WC2H", "WC2N", "WC2R",
];
/// Central London's share, in the same units as the areas' weights.
const LONDON_CENTRAL_WEIGHT: u32 = 8;

/// The letters an inward code may end with (never C, I, K, M, O or V).
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// How many real outward districts the generator spreads premises over.
pub fn district_count() -> usize {
    AREAS.iter().map(|a| a.2.len()).sum::<usize>() + LONDON_CENTRAL.len()
}

/// A postcode somewhere in the UK: (postcode, its outward district, its post town).
pub fn postcode<R: Rng>(rng: &mut R) -> (String, String, &'static str) {
    let total: u32 = AREAS.iter().map(|a| a.3).sum::<u32>() + LONDON_CENTRAL_WEIGHT;
    let mut pick = rng.gen_range(0..total);
    let mut chosen: Option<(String, &'static str)> = None;
    for (area, town, districts, weight) in AREAS {
        if pick < *weight {
            let n = districts[rng.gen_range(0..districts.len())];
            chosen = Some((format!("{area}{n}"), town));
            break;
        }
        pick -= weight;
    }
    let (district, town) = chosen.unwrap_or_else(|| {
        (
            LONDON_CENTRAL[rng.gen_range(0..LONDON_CENTRAL.len())].to_string(),
            "London",
        )
    });
    let inward = format!(
        "{}{}{}",
        rng.gen_range(0..10u8),
        INWARD_LETTERS[rng.gen_range(0..INWARD_LETTERS.len())] as char,
        INWARD_LETTERS[rng.gen_range(0..INWARD_LETTERS.len())] as char
    );
    (format!("{district} {inward}"), district, town)
}

const PLACE_WORDS: &[&str] = &[
    "Riverside",
    "Victoria",
    "Royal",
    "Grand",
    "Queen's",
    "Kingsway",
    "Northgate",
    "Westfield",
    "Abbey",
    "Castle",
    "Harbour",
    "Central",
    "Old Town",
    "Millennium",
    "Jubilee",
    "Albert",
    "Station",
    "St George's",
    "St Mary's",
    "Oakwood",
    "Elmfield",
    "Highfield",
    "Meadowbank",
    "Bridgewater",
    "Crown",
    "Phoenix",
    "Lakeside",
    "Hillside",
    "Eastgate",
    "Southbank",
    "Parkway",
    "Corn Exchange",
    "Guildhall",
    "Marketgate",
    "Waterfront",
    "Quayside",
    "Cathedral Quarter",
    "Ashdown",
    "Beacon",
    "Clifton",
    "Greenacre",
    "Moorside",
    "Wharfside",
    "Priory",
    "Regent",
    "Empire",
    "Alhambra",
    "Civic",
    "Forum",
    "Exchange",
];

/// (kind of building, whether it is a place of worship).
const BUILDING_TYPES: &[(&str, bool)] = &[
    ("Hall", false),
    ("Arena", false),
    ("Theatre", false),
    ("Stadium", false),
    ("Shopping Centre", false),
    ("Library", false),
    ("Museum", false),
    ("Conference Centre", false),
    ("Hotel", false),
    ("Leisure Centre", false),
    ("Market", false),
    ("Concert Hall", false),
    ("Exhibition Centre", false),
    ("Community Centre", false),
    ("Cinema", false),
    ("Art Gallery", false),
    ("Town Hall", false),
    ("Sports Centre", false),
    ("Church", true),
    ("Cathedral", true),
    ("Mosque", true),
    ("Synagogue", true),
    ("Gurdwara", true),
    ("Mandir", true),
];

const EVENT_TYPES: &[&str] = &[
    "Festival",
    "Music Festival",
    "Food Festival",
    "Fair",
    "Half Marathon",
    "Carnival",
    "Show",
    "Parade",
    "Gala",
    "Air Show",
    "Regatta",
    "Christmas Market",
    "Fireworks Night",
    "Pride",
    "Beer Festival",
    "Book Festival",
    "Comedy Festival",
    "Fun Run",
];

const STREETS: &[&str] = &[
    "High",
    "Station",
    "Church",
    "Market",
    "Queen",
    "King",
    "Victoria",
    "Mill",
    "Bridge",
    "Castle",
    "North",
    "South",
    "West",
    "Park",
    "London",
    "Albert",
    "George",
    "York",
    "Union",
    "Chapel",
    "New",
    "Water",
    "Broad",
    "Corporation",
    "Princes",
];
const STREET_KINDS: &[&str] = &[
    "Street", "Road", "Lane", "Square", "Way", "Place", "Parade", "Quay", "Terrace",
];

const FIRST_NAMES: &[&str] = &[
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Muhammad",
    "Freya", "Leo", "Lily", "Harry", "Grace", "Oscar", "Priya", "Jack", "Sophie", "Rhys", "Niamh",
    "Callum", "Aisha", "Tomasz", "Chloe", "Kwame", "Eilidh", "Dafydd", "Ruth", "Sanjay",
];
const SURNAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Khan",
    "Patel",
    "Singh",
    "Campbell",
    "Murphy",
    "O'Brien",
    "MacDonald",
    "Kowalski",
    "Okafor",
    "Nguyen",
];
const ORGANISATION_KINDS: &[&str] = &[
    "Venues Ltd",
    "Leisure Trust",
    "Events Ltd",
    "Entertainment Group",
    "Arts Trust",
    "Properties plc",
    "Diocesan Trust",
    "Community Trust",
    "Estates Ltd",
    "Festivals CIC",
];

fn one<'a, R: Rng>(rng: &mut R, words: &[&'a str]) -> &'a str {
    words[rng.gen_range(0..words.len())]
}

/// A premises name (`Riverside Theatre`, `Leeds Food Festival`) and whether it is
/// a place of worship.
pub fn premises_name<R: Rng>(rng: &mut R, kind: PremisesKind, town: &str) -> (String, bool) {
    let place = if rng.gen_bool(0.3) {
        town
    } else {
        one(rng, PLACE_WORDS)
    };
    match kind {
        PremisesKind::Event => {
            let name = format!("{place} {}", one(rng, EVENT_TYPES));
            (name, false)
        }
        PremisesKind::Building => {
            let (what, worship) = BUILDING_TYPES[rng.gen_range(0..BUILDING_TYPES.len())];
            let name = if worship && rng.gen_bool(0.6) {
                format!(
                    "{} {what}",
                    one(
                        rng,
                        &[
                            "St Peter's",
                            "St John's",
                            "Holy Trinity",
                            "Central",
                            "Jamia",
                            "Beth Shalom",
                            "Guru Nanak",
                            "Shree Krishna"
                        ]
                    )
                )
            } else {
                format!("{place} {what}")
            };
            (name, worship)
        }
    }
}

/// A street address (`12 Market Street`).
pub fn address<R: Rng>(rng: &mut R) -> String {
    format!(
        "{} {} {}",
        rng.gen_range(1..240),
        one(rng, STREETS),
        one(rng, STREET_KINDS)
    )
}

/// A person's name.
pub fn person_name<R: Rng>(rng: &mut R) -> String {
    format!("{} {}", one(rng, FIRST_NAMES), one(rng, SURNAMES))
}

/// An operating organisation's name.
pub fn organisation_name<R: Rng>(rng: &mut R, town: &str) -> String {
    let head = if rng.gen_bool(0.5) {
        town
    } else {
        one(rng, PLACE_WORDS)
    };
    format!("{head} {}", one(rng, ORGANISATION_KINDS))
}

/// A capacity that puts the premises in `tier` (by the checklist's thresholds:
/// standard from `standard_min`, enhanced from `enhanced_min`).
pub fn capacity_for<R: Rng>(rng: &mut R, tier: Tier, standard_min: u32, enhanced_min: u32) -> i32 {
    let c = match tier {
        Tier::Enhanced => {
            rng.gen_range(enhanced_min..enhanced_min.saturating_mul(60).max(enhanced_min + 1))
        }
        _ => rng.gen_range(standard_min..enhanced_min.max(standard_min + 1)),
    };
    i32::try_from(c).unwrap_or(i32::MAX)
}

/// When a building's certificates were issued, oldest first: a first assessment
/// up to `years` back, then a renewal in the month before each expiry (one-year
/// certificates), until the premises stopped renewing or the latest one is current.
/// About 70% of buildings hold a current certificate.
pub fn building_history<R: Rng>(
    rng: &mut R,
    now: OffsetDateTime,
    years: u32,
) -> Vec<OffsetDateTime> {
    let max_age = i64::from(years) * 365;
    // The latest certificate's age: current (under a year) or lapsed.
    let latest_age = if rng.gen_bool(0.7) {
        rng.gen_range(0..365)
    } else {
        rng.gen_range(365..max_age.max(366))
    };
    let renewals_possible = ((max_age - latest_age) / 350).max(0);
    let earlier = rng.gen_range(0..=renewals_possible.min(5));
    let mut dates =
        vec![now - Duration::days(latest_age) - Duration::minutes(rng.gen_range(0..600))];
    for _ in 0..earlier {
        let previous = dates[dates.len() - 1] - Duration::days(rng.gen_range(335..365));
        dates.push(previous);
    }
    dates.reverse();
    dates
}

/// An event's start and end, and when its certificate was issued (a few weeks before).
pub fn event_dates<R: Rng>(
    rng: &mut R,
    now: OffsetDateTime,
    years: u32,
) -> (OffsetDateTime, OffsetDateTime, OffsetDateTime) {
    let max_age = i64::from(years) * 365;
    // Most events on a register are over; some are coming up.
    let offset_days = rng.gen_range(-max_age..120);
    let start = (now + Duration::days(offset_days))
        .replace_time(time::Time::from_hms(10, 0, 0).unwrap_or(time::Time::MIDNIGHT));
    let end = start + Duration::days(rng.gen_range(0..4)) + Duration::hours(rng.gen_range(6..12));
    let mut issued = start - Duration::days(rng.gen_range(14..90));
    if issued > now {
        issued = now - Duration::days(rng.gen_range(1..10));
    }
    (start, end, issued)
}

/// The stored status of a premises' newest certificate: mostly active (a lapsed
/// one simply expires by date), a few suspended or revoked.
pub fn latest_status<R: Rng>(rng: &mut R) -> StoredStatus {
    let roll = rng.gen_range(0..1000);
    if roll < 15 {
        StoredStatus::Suspended
    } else if roll < 25 {
        StoredStatus::Revoked
    } else {
        StoredStatus::Active
    }
}

/// Scores for every applicable item, consistent with the checklist's rules, for a
/// certified outcome (`conditional`: one or two items below `condition_below`,
/// which raise conditions; otherwise every item at or above it). Non-critical items
/// are now and then not applicable.
pub fn certifying_scores<R: Rng>(
    rng: &mut R,
    checklist: &Checklist,
    tier: Tier,
    conditional: bool,
) -> HashMap<String, Option<u8>> {
    let rules = &checklist.scoring;
    let good_low = rules.condition_below.min(rules.max_score);
    let items = checklist.applicable_items(tier);
    let mut scores: HashMap<String, Option<u8>> = items
        .iter()
        .map(|(_, item)| {
            let score = if !item.critical_at(tier) && rng.gen_bool(0.05) {
                None
            } else {
                Some(rng.gen_range(good_low..=rules.max_score))
            };
            (item.id.clone(), score)
        })
        .collect();
    // One gap on a non-critical item: a condition, never a refusal (the
    // checklist loader checks that a single gap at 0 certifies with conditions).
    let gaps: Vec<_> = items.iter().filter(|(_, i)| !i.critical_at(tier)).collect();
    if conditional && !gaps.is_empty() {
        let (_, item) = gaps[rng.gen_range(0..gaps.len())];
        scores.insert(
            item.id.clone(),
            Some(rules.condition_below.saturating_sub(1)),
        );
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::uk_postcode;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn postcodes_are_uk_shaped_and_spread_over_hundreds_of_districts() {
        let mut rng = StdRng::seed_from_u64(1);
        assert!(district_count() >= 300, "{}", district_count());
        let mut districts = std::collections::HashSet::new();
        for _ in 0..20_000 {
            let (postcode, district, town) = postcode(&mut rng);
            assert_eq!(uk_postcode(&postcode).as_deref(), Some(postcode.as_str()));
            assert!(postcode.starts_with(&format!("{district} ")));
            assert!(!town.is_empty());
            districts.insert(district);
        }
        assert!(districts.len() > 250, "{}", districts.len());
    }

    #[test]
    fn a_building_history_is_yearly_renewals_within_the_window() {
        let mut rng = StdRng::seed_from_u64(2);
        let now = time::macros::datetime!(2026-12-01 12:00 UTC);
        let mut current = 0;
        for _ in 0..2_000 {
            let dates = building_history(&mut rng, now, 6);
            assert!(!dates.is_empty() && dates.len() <= 6);
            assert!(dates.windows(2).all(|w| {
                let gap = (w[1] - w[0]).whole_days();
                (335..=365).contains(&gap)
            }));
            // Renewals come 335–365 days apart, so the first can be up to 15 days a
            // renewal earlier than six whole years (at most five renewals).
            assert!(dates[0] > now - Duration::days(6 * 365 + 5 * 15 + 1));
            assert!(*dates.last().expect("latest") <= now);
            if now - *dates.last().expect("latest") < Duration::days(365) {
                current += 1;
            }
        }
        assert!((1_200..1_600).contains(&current), "{current}");
    }

    #[test]
    fn certifying_scores_certify_and_conditional_ones_raise_conditions() {
        use crate::domain::scoring::{Case, Outcome, assess};
        let now = time::macros::datetime!(2026-12-01 12:00 UTC);
        for file in ["building.toml", "building-v2.toml", "event-v2.toml"] {
            let source = std::fs::read_to_string(format!(
                "{}/config/checklists/{file}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .expect("checklist");
            let checklist = Checklist::parse(&source).expect("parse");
            let mut rng = StdRng::seed_from_u64(3);
            for tier in [Tier::Standard, Tier::Enhanced] {
                let case = Case::fully_evidenced(&checklist, tier);
                for _ in 0..200 {
                    let clean = certifying_scores(&mut rng, &checklist, tier, false);
                    let a = assess(&checklist, &case, &clean, now).expect("assess");
                    assert_eq!(a.outcome, Outcome::Certified);
                    let cond = certifying_scores(&mut rng, &checklist, tier, true);
                    let a = assess(&checklist, &case, &cond, now).expect("assess");
                    assert_eq!(a.outcome, Outcome::CertifiedWithConditions);
                    assert!(!a.conditions.is_empty());
                }
            }
        }
    }

    #[test]
    fn names_are_believable() {
        let mut rng = StdRng::seed_from_u64(4);
        let (name, _) = premises_name(&mut rng, PremisesKind::Event, "Leeds");
        assert!(name.split(' ').count() >= 2, "{name}");
        assert!(
            address(&mut rng)
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        );
        assert!(person_name(&mut rng).contains(' '));
        let c = capacity_for(&mut rng, Tier::Standard, 200, 800);
        assert!((200..800).contains(&c));
    }
}
