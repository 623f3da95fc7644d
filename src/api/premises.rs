//! Premises: the buildings and events an operator registers.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::validate::Check;
use crate::api::extract::Json;
use crate::auth::{Caller, Role};
use crate::db::models::Premises;
use crate::db::schema::premises;
use crate::db::sequences::{Change, audit};
use crate::db::{DbConnection, from_utc, now, to_utc, write_tx};
use crate::domain::tier::{PremisesKind, Tier};
use crate::error::ApiError;
use crate::startup::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/premises")
            .route(web::post().to(create_premises))
            .route(web::get().to(list_premises)),
    )
    .service(web::resource("/premises/{id}").route(web::get().to(get_premises)));
}

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct Person {
    pub name: String,
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
pub struct CreatePremisesRequest {
    /// `building` or `event`.
    pub kind: String,
    pub name: String,
    pub address: String,
    /// Public on verification pages. Defaults to the last part of the address
    /// after a comma that is not the postcode and has no digits; when the address
    /// has none, `town` is required (an address line is never published as a town).
    pub town: Option<String>,
    pub postcode: String,
    /// The most people who may be present at the same time, staff included.
    pub capacity: i64,
    /// Places of worship stay standard tier whatever their size.
    #[serde(default)]
    pub place_of_worship: bool,
    /// RFC 3339; required for events.
    pub event_start: Option<String>,
    pub event_end: Option<String>,
    /// The designated senior individual (required by law for enhanced-tier premises).
    pub designated_senior_individual: Option<Person>,
}

#[derive(Serialize, ToSchema)]
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
}

impl PremisesView {
    pub fn new(p: &Premises, tier: Tier) -> PremisesView {
        PremisesView {
            id: p.id.clone(),
            organisation_id: p.organisation_id.clone(),
            kind: PremisesKind::parse(&p.kind).unwrap_or(PremisesKind::Building),
            name: p.name.clone(),
            address: p.address.clone(),
            town: p.town.clone(),
            postcode: p.postcode.clone(),
            capacity: p.capacity,
            place_of_worship: p.place_of_worship,
            event_start: p.event_start.map(to_utc),
            event_end: p.event_end.map(to_utc),
            tier,
            designated_senior_individual: match (&p.dsi_name, &p.dsi_email) {
                (Some(name), Some(email)) => Some(Person {
                    name: name.clone(),
                    email: email.clone(),
                }),
                _ => None,
            },
            created_at: to_utc(p.created_at),
        }
    }
}

/// The tier of premises under the newest checklist of its kind.
pub(crate) fn current_tier(state: &AppState, p: &Premises) -> Tier {
    let kind = PremisesKind::parse(&p.kind).unwrap_or(PremisesKind::Building);
    let capacity = u32::try_from(p.capacity).unwrap_or(0);
    state
        .checklists
        .latest(kind)
        .map(|c| c.checklist.tiers.tier_for(capacity, p.place_of_worship))
        .unwrap_or(Tier::OutOfScope)
}

fn parse_time(check: &mut Check, field: &str, value: Option<&str>) -> Option<time::OffsetDateTime> {
    let v = value?.trim();
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

#[utoipa::path(post, path = "/api/v1/premises", tag = "premises", request_body = CreatePremisesRequest, security(("bearer" = [])),
    responses((status = 201, body = PremisesView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_premises(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreatePremisesRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Operator])?;
    let organisation_id = caller
        .organisation_id
        .clone()
        .ok_or_else(|| ApiError::forbidden("the operator has no organisation"))?;
    let body = body.into_inner();
    let mut check = Check::new();
    let kind = PremisesKind::parse(body.kind.trim());
    if kind.is_none() {
        check.fail("kind", "must be `building` or `event`");
    }
    let name = check.text("name", &body.name, 200);
    let address = check.text("address", &body.address, 500);
    let town = match body
        .town
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) => check.text("town", t, 100),
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
    let postcode = check.postcode("postcode", &body.postcode);
    if !(1..=1_000_000).contains(&body.capacity) {
        check.fail("capacity", "must be a head count from 1 to 1000000");
    }
    let start = parse_time(&mut check, "event_start", body.event_start.as_deref());
    let end = parse_time(&mut check, "event_end", body.event_end.as_deref());
    match kind {
        Some(PremisesKind::Event) => {
            if body.event_start.is_none() {
                check.fail("event_start", "is required for an event");
            }
            if body.event_end.is_none() {
                check.fail("event_end", "is required for an event");
            }
            if let (Some(s), Some(e)) = (start, end) {
                if e <= s {
                    check.fail("event_end", "must be after event_start");
                }
                if e <= time::OffsetDateTime::now_utc() {
                    check.fail("event_end", "must be in the future");
                }
            }
            if body.place_of_worship {
                check.fail("place_of_worship", "applies to buildings only");
            }
        }
        Some(PremisesKind::Building) => {
            if body.event_start.is_some() {
                check.fail("event_start", "applies to events only");
            }
            if body.event_end.is_some() {
                check.fail("event_end", "applies to events only");
            }
        }
        None => {}
    }
    let dsi = body.designated_senior_individual.as_ref().map(|p| {
        (
            check.text("designated_senior_individual.name", &p.name, 200),
            check.email("designated_senior_individual.email", &p.email),
        )
    });
    check.finish()?;
    let kind = kind.ok_or_else(|| ApiError::field("kind", "must be `building` or `event`"))?;
    let at = now();
    let row = Premises {
        id: uuid::Uuid::new_v4().to_string(),
        organisation_id,
        kind: kind.as_str().to_string(),
        name,
        address,
        town,
        postcode,
        capacity: i32::try_from(body.capacity).unwrap_or(i32::MAX),
        place_of_worship: body.place_of_worship,
        event_start: start.map(from_utc),
        event_end: end.map(from_utc),
        dsi_name: dsi.as_ref().map(|d| d.0.clone()),
        dsi_email: dsi.as_ref().map(|d| d.1.clone()),
        created_at: at,
        updated_at: at,
    };
    let tier = current_tier(&state, &row);
    let view = PremisesView::new(&row, tier);
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                diesel::insert_into(premises::table).values(&row).execute(tx)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("premises.registered", "premises", &row.id).after(serde_json::json!({
                        "name": row.name, "kind": row.kind, "capacity": row.capacity, "postcode": row.postcode,
                    })),
                )?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Loads premises the caller may see: their own organisation's, or any for an admin.
/// Anyone else's premises read as not found, so ids cannot be probed.
pub(crate) fn load_visible(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<Premises, ApiError> {
    caller.require(&[Role::Operator, Role::Admin])?;
    let row: Option<Premises> = premises::table
        .find(id)
        .select(premises::all_columns)
        .first(conn)
        .optional()?;
    match row {
        Some(p) if caller.is(Role::Admin) || caller.operates(&p.organisation_id) => Ok(p),
        _ => Err(ApiError::not_found("premises")),
    }
}

#[utoipa::path(get, path = "/api/v1/premises", tag = "premises", security(("bearer" = [])),
    responses((status = 200, body = Vec<PremisesView>), (status = 403, body = crate::error::Problem)))]
pub async fn list_premises(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<PremisesView>>, ApiError> {
    caller.require(&[Role::Operator, Role::Admin])?;
    let rows = state
        .db
        .run(move |conn| {
            let mut q = premises::table.select(premises::all_columns).into_boxed();
            if caller.is(Role::Operator) {
                q = q.filter(
                    premises::organisation_id
                        .eq(caller.organisation_id.clone().unwrap_or_default()),
                );
            }
            Ok(q.order(premises::created_at.desc())
                .load::<Premises>(conn)?)
        })
        .await?;
    Ok(web::Json(
        rows.iter()
            .map(|p| PremisesView::new(p, current_tier(&state, p)))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/premises/{id}", tag = "premises", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = PremisesView), (status = 404, body = crate::error::Problem)))]
pub async fn get_premises(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<PremisesView>, ApiError> {
    let id = path.into_inner();
    let row = state
        .db
        .run(move |conn| load_visible(conn, &caller, &id))
        .await?;
    Ok(web::Json(PremisesView::new(
        &row,
        current_tier(&state, &row),
    )))
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
