//! Premises: the buildings and events an operator registers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{premises_scope, require_operator};
use super::page::PageQuery;
use super::validate::Check;
use super::{ServiceError, ServiceResult};
use crate::auth::Caller;
use crate::db::models::Premises;
use crate::db::sequences::{Change, audit};
use crate::db::{self, DbConnection, from_utc, now, to_utc, write_tx};
use crate::domain::qualifying::{self, ResponsiblePerson, Schedule1Use, Schedule2Exclusion};
use crate::domain::tier::{PremisesKind, Tier, TierThresholds};
use crate::state::AppState;

#[derive(Deserialize, Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Person {
    #[schema(schema_with = crate::service::validate::name::<200>)]
    pub name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
}

/// Premises as an operator describes them (registering or editing).
#[derive(Deserialize, ToSchema, Clone, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct PremisesInput {
    /// `building` or `event`.
    #[schema(value_type = PremisesKind)]
    pub kind: String,
    #[schema(schema_with = crate::service::validate::name::<200>)]
    pub name: String,
    #[schema(schema_with = crate::service::validate::text::<500>)]
    pub address: String,
    /// Public on verification pages. Defaults to the last part of the address
    /// after a comma that is not the postcode and has no digits; when the address
    /// has none, `town` is required (an address line is never published as a town).
    #[schema(max_length = 100)]
    pub town: Option<String>,
    /// A UK postcode such as `SW1A 1AA` (any case and spacing).
    #[schema(pattern = "^\\s*[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\\s*[0-9][A-Za-z]{2}\\s*$")]
    pub postcode: String,
    /// The most people who may be present at the same time, staff included.
    #[serde(deserialize_with = "super::whole_number::required")]
    #[schema(minimum = 1, maximum = 1000000)]
    pub capacity: i64,
    /// Places of worship stay standard tier whatever their size. `true` is the
    /// same as `schedule1_use` = `place_of_worship` (give both or either; any
    /// other use with `true` is refused).
    #[serde(default)]
    pub place_of_worship: bool,
    /// RFC 3339; required for events.
    #[schema(format = DateTime)]
    pub event_start: Option<String>,
    /// RFC 3339, after `event_start` and in the future; required for events.
    #[schema(format = DateTime)]
    pub event_end: Option<String>,
    /// The designated senior individual: required by law for enhanced-tier
    /// premises and events whose responsible person is not an individual (s.10).
    pub designated_senior_individual: Option<Person>,
    // Issue 13 part 7 (scope).
    /// Who is responsible for the premises (s.4): `individual` or `organisation`
    /// (the default; on an edit, omitted keeps what is stored). An individual
    /// needs no designated senior individual.
    #[schema(value_type = Option<ResponsiblePerson>)]
    pub responsible_person: Option<String>,
    /// Buildings only: the Schedule 1 use the premises are wholly or mainly used
    /// for, or `none`, which makes them `out_of_scope` whatever the head count
    /// (voluntary certification). Omitted: `place_of_worship` when that is true,
    /// else not stated (read by head count, as before); on an edit, omitted keeps
    /// what is stored.
    #[schema(value_type = Option<Schedule1Use>)]
    pub schedule1_use: Option<String>,
    /// Buildings only: an exclusion in Part 1 of Schedule 2, or `none` (the
    /// default; on an edit, omitted keeps what is stored). Excluded premises are
    /// `out_of_scope` whatever the head count.
    #[schema(value_type = Option<Schedule2Exclusion>)]
    pub schedule2_exclusion: Option<String>,
}

/// A current certificate that lapses on a change just made to its premises (the
/// answer to an edit only).
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct LapseWarning {
    pub certificate_number: String,
    /// What changed of what it lapses on: `responsible_person`, `tier`, `use`.
    pub changes: Vec<String>,
    /// In plain words, for the operator.
    pub message: String,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct PremisesView {
    pub id: String,
    pub organisation_id: String,
    pub kind: PremisesKind,
    pub name: String,
    pub address: String,
    pub town: String,
    pub postcode: String,
    pub capacity: i32,
    pub place_of_worship: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub event_start: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub event_end: Option<time::OffsetDateTime>,
    /// Derived from capacity with the thresholds of the current checklist.
    pub tier: Tier,
    pub designated_senior_individual: Option<Person>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    // Issue 13 part 7 (scope).
    pub responsible_person: ResponsiblePerson,
    /// Null: not stated (registered before it was asked; events).
    pub schedule1_use: Option<Schedule1Use>,
    pub schedule2_exclusion: Schedule2Exclusion,
    /// Why the premises are `out_of_scope` whatever their head count (no Schedule
    /// 1 use, or a Schedule 2 exclusion), in plain words; null otherwise.
    pub outside_the_act: Option<String>,
    /// Whether the Act asks for a designated senior individual here: enhanced
    /// tier (or an event) and a responsible person who is not an individual.
    pub designated_senior_individual_required: bool,
    // Issue 13 part 9 (validity).
    /// Only in the answer to an edit: the current certificates that lapse on
    /// the change just made (they stay on the register; apply again to renew).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lapse_warnings: Vec<LapseWarning>,
}

impl PremisesView {
    pub fn new(p: &Premises, tier: Tier) -> PremisesView {
        PremisesView {
            id: p.id.clone(),
            organisation_id: p.organisation_id.clone(),
            kind: p.kind,
            name: p.name.clone(),
            address: p.address.clone(),
            town: p.town.clone(),
            postcode: p.postcode.clone(),
            capacity: p.capacity,
            place_of_worship: p.place_of_worship,
            event_start: p.event_start.map(to_utc),
            event_end: p.event_end.map(to_utc),
            tier,
            designated_senior_individual: designated_senior_individual(p),
            created_at: to_utc(p.created_at),
            responsible_person: p.responsible_person,
            schedule1_use: p.schedule1_use,
            schedule2_exclusion: p.schedule2_exclusion,
            outside_the_act: qualifying::outside_the_act(p.schedule1_use, p.schedule2_exclusion)
                .map(str::to_string),
            designated_senior_individual_required: (tier == Tier::Enhanced
                || (p.kind == PremisesKind::Event && tier != Tier::OutOfScope))
                && qualifying::needs_designated_senior_individual(p.responsible_person),
            lapse_warnings: Vec::new(),
        }
    }
}

pub fn designated_senior_individual(p: &Premises) -> Option<Person> {
    match (&p.dsi_name, &p.dsi_email) {
        (Some(name), Some(email)) => Some(Person {
            name: name.clone(),
            email: email.clone(),
        }),
        _ => None,
    }
}

/// The tier of premises under the newest checklist of its kind.
pub fn current_tier(state: &AppState, p: &Premises) -> Tier {
    state
        .checklists
        .latest(p.kind)
        .map(|c| tier_under(&c.checklist.tiers, p))
        .unwrap_or(Tier::OutOfScope)
}

/// The tier of premises under these thresholds: head count, Schedule 1 use (a
/// place of worship by its flag when the use is not stated) and exclusion.
pub fn tier_under(tiers: &TierThresholds, p: &Premises) -> Tier {
    let capacity = u32::try_from(p.capacity).unwrap_or(0);
    let use_ = p
        .schedule1_use
        .or(p.place_of_worship.then_some(Schedule1Use::PlaceOfWorship));
    tiers.tier_for_premises(capacity, use_, p.schedule2_exclusion)
}

fn view(state: &AppState, p: &Premises) -> PremisesView {
    PremisesView::new(p, current_tier(state, p))
}

pub async fn register(
    state: &AppState,
    caller: &Caller,
    input: PremisesInput,
) -> ServiceResult<PremisesView> {
    require_operator(caller)?;
    let organisation_id = caller
        .organisation_id
        .clone()
        .ok_or_else(|| ServiceError::forbidden("the operator has no organisation"))?;
    let at = now();
    let row = checked(
        &input,
        PremisesRules::of(state),
        uuid::Uuid::new_v4().to_string(),
        organisation_id,
        at,
        None,
    )?;
    let caller = caller.clone();
    let stored = row.clone();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                db::premises::insert(tx, &stored)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("premises.registered", "premises", &stored.id).after(
                        serde_json::json!({
                            "name": stored.name, "kind": stored.kind, "capacity": stored.capacity,
                            "postcode": stored.postcode,
                            "responsible_person": stored.responsible_person.as_str(),
                            "schedule1_use": stored.schedule1_use.map(Schedule1Use::as_str),
                            "schedule2_exclusion": stored.schedule2_exclusion.as_str(),
                        }),
                    ),
                )?;
                Ok::<_, ServiceError>(())
            })
        })
        .await?;
    Ok(view(state, &row))
}

/// Edits premises while no application for them is open (an application is
/// assessed against the premises as they were described when it started).
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: PremisesInput,
) -> ServiceResult<PremisesView> {
    require_operator(caller)?;
    let (caller, id) = (caller.clone(), id.to_string());
    let rules = PremisesRules::of(state);
    let st = state.clone();
    let (row, warnings) = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let before = load_visible(tx, &caller, &id)?;
                db::premises::lock(tx, &before.id)?;
                if db::applications::count_open(tx, &before.id)? > 0 {
                    return Err(ServiceError::conflict(
                        "application_open",
                        "these premises have an open application; they can be edited once it is completed or withdrawn",
                    ));
                }
                let mut row = checked(&input, rules, before.id.clone(), before.organisation_id.clone(), now(), Some(&before))?;
                if row.kind != before.kind {
                    return Err(ServiceError::field("kind", "cannot change: register new premises instead"));
                }
                row.created_at = before.created_at;
                db::premises::update(tx, &row)?;
                let row = db::premises::find(tx, &row.id)?
                    .ok_or_else(|| ServiceError::not_found("premises"))?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("premises.updated", "premises", &row.id)
                        .before(serde_json::json!({"name": before.name, "capacity": before.capacity, "postcode": before.postcode,
                            "responsible_person": before.responsible_person.as_str(),
                            "schedule1_use": before.schedule1_use.map(Schedule1Use::as_str),
                            "schedule2_exclusion": before.schedule2_exclusion.as_str()}))
                        .after(serde_json::json!({"name": row.name, "capacity": row.capacity, "postcode": row.postcode,
                            "responsible_person": row.responsible_person.as_str(),
                            "schedule1_use": row.schedule1_use.map(Schedule1Use::as_str),
                            "schedule2_exclusion": row.schedule2_exclusion.as_str()})),
                )?;
                // Issue 13 part 9: a current certificate lapses on a change of
                // responsible person, tier or use; no stored status says "lapsed",
                // so the lapse is recorded on it and said here.
                let warnings = record_lapses(tx, &st, &caller, &before, &row)?;
                Ok((row, warnings))
            })
        })
        .await?;
    let mut view = view(state, &row);
    view.lapse_warnings = warnings;
    Ok(view)
}

/// Records on each current certificate of the premises the change, among those
/// it lapses on, that this edit made; returns what to tell the operator.
fn record_lapses(
    tx: &mut DbConnection,
    state: &AppState,
    caller: &Caller,
    before: &Premises,
    after: &Premises,
) -> ServiceResult<Vec<LapseWarning>> {
    use crate::domain::status::StoredStatus;
    let use_of = |p: &Premises| {
        p.schedule1_use
            .or(p.place_of_worship.then_some(Schedule1Use::PlaceOfWorship))
    };
    // Stating a use for the first time is not a change of use (the tier says
    // whether it matters).
    let use_changed = match (use_of(before), use_of(after)) {
        (Some(a), Some(b)) => a != b || before.schedule2_exclusion != after.schedule2_exclusion,
        _ => before.schedule2_exclusion != after.schedule2_exclusion,
    };
    let responsible_changed = before.responsible_person != after.responsible_person;
    let tier_changed = current_tier(state, before) != current_tier(state, after);
    let at = now();
    let mut warnings = Vec::new();
    let certs = db::certificates::of_premises(tx, &after.id)?;
    let ids: Vec<&str> = certs.iter().map(|c| c.id.as_str()).collect();
    let lapses = db::certificates::lapses_of(tx, &ids)?;
    for cert in &certs {
        let current = matches!(cert.status, StoredStatus::Active | StoredStatus::Suspended)
            && cert.expires_at > at;
        let Some((terms, None)) = lapses.get(&cert.id).filter(|_| current) else {
            continue;
        };
        let triggers: Vec<&str> = terms.split(',').collect();
        let changes =
            qualifying::lapsing_changes(&triggers, responsible_changed, tier_changed, use_changed);
        if changes.is_empty() {
            continue;
        }
        let record = serde_json::json!({
            "at": crate::domain::audit::format_time(at),
            "changes": changes,
        });
        db::certificates::record_lapse(tx, &cert.id, &record.to_string())?;
        audit(
            tx,
            Some(caller),
            Change::new("certificate.lapse_recorded", "certificate", &cert.number).after(record),
        )?;
        warnings.push(LapseWarning {
            certificate_number: cert.number.clone(),
            changes: changes.iter().map(|c| c.to_string()).collect(),
            message: lapse_message(&cert.number, &changes),
        });
    }
    Ok(warnings)
}

/// "Certificate X lapses on this change of tier: ..." in plain words.
pub fn lapse_message(number: &str, changes: &[&str]) -> String {
    format!(
        "Certificate {number} lapses on this {}: its terms say it lapses on {}. Apply for a new assessment of the premises as they are now.",
        qualifying::lapse_words(changes).trim_start_matches("a "),
        qualifying::lapse_words(&["responsible_person", "tier", "layout", "use"]),
    )
}

pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: &PageQuery,
) -> ServiceResult<Vec<PremisesView>> {
    let scope = premises_scope(caller)?;
    let page = query.page()?;
    let rows = state
        .db
        .run(move |conn| db::premises::list(conn, &scope, page).map_err(ServiceError::from))
        .await?;
    Ok(rows.iter().map(|p| view(state, p)).collect())
}

pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<PremisesView> {
    let (caller, id) = (caller.clone(), id.to_string());
    let row = state
        .db
        .run(move |conn| load_visible(conn, &caller, &id))
        .await?;
    Ok(view(state, &row))
}

/// Premises the caller may see; anyone else's read as not found.
pub fn load_visible(conn: &mut DbConnection, caller: &Caller, id: &str) -> ServiceResult<Premises> {
    let scope = premises_scope(caller)?;
    match db::premises::find(conn, id)? {
        Some(p) if scope.admits(&p.organisation_id) => Ok(p),
        _ => Err(ServiceError::not_found("premises")),
    }
}

fn parse_time(check: &mut Check, field: &str, value: Option<&str>) -> Option<time::OffsetDateTime> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    match time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
        Ok(t) => Some(t),
        Err(_) => {
            check.fail(
                field,
                "must be an RFC 3339 date-time such as 2027-06-01T18:00:00Z",
            );
            None
        }
    }
}

/// What the configuration says about premises input.
#[derive(Debug, Clone, Copy)]
struct PremisesRules {
    max_event_days: u32,
    uk_postcodes: bool,
}

impl PremisesRules {
    fn of(state: &AppState) -> PremisesRules {
        PremisesRules {
            max_event_days: state.settings.max_event_days,
            uk_postcodes: state.settings.uk_postcodes,
        }
    }
}

/// The stored row for valid input, or every field at fault.
fn checked(
    input: &PremisesInput,
    rules: PremisesRules,
    id: String,
    organisation_id: String,
    at: time::PrimitiveDateTime,
    before: Option<&Premises>,
) -> ServiceResult<Premises> {
    let body = input;
    let mut check = Check::new();
    let kind = PremisesKind::parse(body.kind.trim());
    if kind.is_none() {
        check.fail("kind", "must be `building` or `event`");
    }
    let name = check.name("name", &body.name, 200);
    let address = check.text("address", &body.address, 500);
    let town = match body
        .town
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) => check.name("town", t, 100),
        None => match town_from_address(&address, &body.postcode) {
            Some(town) => town,
            None => {
                check.fail(
                    "town",
                    "cannot tell the town from the address: give `town` (it is shown publicly)",
                );
                String::new()
            }
        },
    };
    let postcode = check.postcode("postcode", &body.postcode, rules.uk_postcodes);
    if !(1..=1_000_000).contains(&body.capacity) {
        check.fail("capacity", "must be a head count from 1 to 1000000");
    }
    let start = parse_time(&mut check, "event_start", body.event_start.as_deref());
    let end = parse_time(&mut check, "event_end", body.event_end.as_deref());
    let present = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    match kind {
        Some(PremisesKind::Event) => {
            if !present(&body.event_start) {
                check.fail("event_start", "is required for an event");
            }
            if !present(&body.event_end) {
                check.fail("event_end", "is required for an event");
            }
            if let (Some(s), Some(e)) = (start, end) {
                if e <= s {
                    check.fail("event_end", "must be after event_start");
                } else if e - s > time::Duration::days(rules.max_event_days.into()) {
                    check.fail(
                        "event_end",
                        format!(
                            "must be at most {} days after event_start",
                            rules.max_event_days
                        ),
                    );
                }
                if e <= time::OffsetDateTime::now_utc() {
                    check.fail("event_end", "must be in the future");
                }
            }
            if body.place_of_worship {
                check.fail("place_of_worship", "applies to buildings only");
            }
            if present(&body.schedule1_use) {
                check.fail("schedule1_use", "applies to buildings only");
            }
            // Schedule 2 Part 2 (excluded events) is not asked here.
            if body
                .schedule2_exclusion
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty() && e.trim() != "none")
            {
                check.fail("schedule2_exclusion", "applies to buildings only");
            }
        }
        Some(PremisesKind::Building) => {
            if present(&body.event_start) {
                check.fail("event_start", "applies to events only");
            }
            if present(&body.event_end) {
                check.fail("event_end", "applies to events only");
            }
        }
        None => {}
    }
    let dsi = body.designated_senior_individual.as_ref().map(|p| {
        (
            check.name("designated_senior_individual.name", &p.name, 200),
            check.email("designated_senior_individual.email", &p.email),
        )
    });
    // Issue 13 part 7 (scope).
    let responsible_person = match body.responsible_person.as_deref().map(str::trim) {
        None | Some("") => before.map_or(ResponsiblePerson::Organisation, |b| b.responsible_person),
        Some(text) => ResponsiblePerson::parse(text).unwrap_or_else(|| {
            check.fail(
                "responsible_person",
                format!("must be {}", ResponsiblePerson::names()),
            );
            ResponsiblePerson::Organisation
        }),
    };
    let building = kind == Some(PremisesKind::Building);
    let stated_use = match body.schedule1_use.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Schedule1Use::parse(text).or_else(|| {
            if building {
                check.fail(
                    "schedule1_use",
                    format!("must be one of {}", Schedule1Use::names()),
                );
            }
            None
        }),
    };
    let schedule1_use = if !building {
        None
    } else if let Some(u) = stated_use {
        if body.place_of_worship && u != Schedule1Use::PlaceOfWorship {
            check.fail(
                "place_of_worship",
                format!("contradicts schedule1_use `{}`: a place of worship has the use `place_of_worship`", u.as_str()),
            );
        }
        Some(u)
    } else if body.place_of_worship {
        Some(Schedule1Use::PlaceOfWorship)
    } else {
        // Omitted: what is stored, but a place of worship no longer flagged as one
        // is no longer stated to be one.
        before
            .and_then(|b| b.schedule1_use)
            .filter(|u| *u != Schedule1Use::PlaceOfWorship)
    };
    let schedule2_exclusion = match body.schedule2_exclusion.as_deref().map(str::trim) {
        _ if !building => Schedule2Exclusion::None,
        None | Some("") => before.map_or(Schedule2Exclusion::None, |b| b.schedule2_exclusion),
        Some(text) => Schedule2Exclusion::parse(text).unwrap_or_else(|| {
            check.fail(
                "schedule2_exclusion",
                format!("must be one of {}", Schedule2Exclusion::names()),
            );
            Schedule2Exclusion::None
        }),
    };
    check.finish()?;
    let kind = kind.ok_or_else(|| ServiceError::field("kind", "must be `building` or `event`"))?;
    Ok(Premises {
        id,
        organisation_id,
        kind,
        name,
        address,
        town,
        postcode,
        capacity: i32::try_from(body.capacity).unwrap_or(i32::MAX),
        place_of_worship: schedule1_use == Some(Schedule1Use::PlaceOfWorship),
        event_start: start.map(from_utc),
        event_end: end.map(from_utc),
        dsi_name: dsi.as_ref().map(|d| d.0.clone()),
        dsi_email: dsi.as_ref().map(|d| d.1.clone()),
        created_at: at,
        updated_at: at,
        responsible_person,
        schedule1_use,
        schedule2_exclusion,
    })
}

/// The town in an address like `1 Quay Street, Bristol, BS1 4DJ`: the last part
/// after a comma that is neither the postcode nor holds digits (street lines do).
fn town_from_address(address: &str, postcode: &str) -> Option<String> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect()
    };
    let postcode = squash(postcode);
    let mut parts = address.split(',').map(str::trim);
    parts.next()?;
    parts
        .rev()
        .find(|p| !p.is_empty() && squash(p) != postcode && !p.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

#[cfg(test)]
mod town_tests {
    use super::town_from_address;

    #[test]
    fn the_town_is_the_last_part_that_is_not_a_postcode_or_a_street() {
        let town = |a: &str| town_from_address(a, "BS1 4DJ");
        assert_eq!(town("1 Quay Street, Bristol").as_deref(), Some("Bristol"));
        assert_eq!(
            town("1 Quay Street, Bristol, BS1 4DJ").as_deref(),
            Some("Bristol")
        );
        assert_eq!(
            town("Harbourside, Bristol, bs14dj").as_deref(),
            Some("Bristol")
        );
        // No comma, or only street lines: no guess, the address is never the town.
        assert_eq!(town("1 Quay Street Bristol"), None);
        assert_eq!(town("Unit 4, 12 Dock Road"), None);
    }
}

/// Premises with everything about them: their applications and certificates,
/// newest first (the premises page).
#[derive(Debug, Clone)]
pub struct PremisesOverview {
    pub premises: PremisesView,
    pub applications: Vec<crate::service::applications::views::ApplicationView>,
    pub certificates: Vec<crate::service::certificates::CertificateView>,
}

pub async fn overview(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ServiceResult<PremisesOverview> {
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            let row = load_visible(conn, &caller, &id)?;
            let apps = db::applications::of_premises(conn, &row.id)?;
            let mut applications =
                crate::service::applications::views::build_list(&st.checklists, conn, &apps)?;
            crate::service::applications::views::for_reader(&mut applications, &caller);
            let certs = db::certificates::of_premises(conn, &row.id)?;
            let certificates = crate::service::certificates::record_views(conn, &certs)?;
            Ok(PremisesOverview {
                premises: view(&st, &row),
                applications,
                certificates,
            })
        })
        .await
}
