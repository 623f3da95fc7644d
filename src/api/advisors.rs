//! Accredited advisors: accredited by an admin; the register is public.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::insert_user;
use super::validate::Check;
use crate::api::extract::Json;
use crate::auth::{Caller, Role, password};
use crate::db::models::{Advisor, User};
use crate::db::schema::{advisors, organisations, users};
use crate::db::sequences::{Change, audit};
use crate::db::{DbConnection, now, write_tx};
use crate::domain::accreditation::{self, Accreditation, Ineligible};
use crate::domain::tier::PremisesKind;
use crate::error::ApiError;
use crate::startup::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/advisors")
            .route(web::post().to(create_advisor))
            .route(web::get().to(list_advisors)),
    );
}

#[derive(Deserialize, ToSchema)]
pub struct CreateAdvisorRequest {
    pub name: String,
    pub email: String,
    pub password: String,
    pub accreditation_number: String,
    /// Last day of the accreditation, `YYYY-MM-DD`.
    pub accredited_until: String,
    /// Premises kinds the advisor may assess: `building`, `event`.
    pub scopes: Vec<String>,
    /// An organisation the advisor is tied to (employer, client); never assessed by them.
    pub tied_organisation_id: Option<String>,
}

/// The public register entry: no contact details.
#[derive(Serialize, ToSchema)]
pub struct AdvisorView {
    pub id: String,
    pub name: String,
    pub accreditation_number: String,
    pub accredited_until: time::Date,
    pub scopes: Vec<String>,
    /// `active`, `lapsed` or `suspended`.
    pub status: String,
}

impl AdvisorView {
    fn new(user: &User, advisor: &Advisor, today: time::Date) -> AdvisorView {
        let status = if advisor.status != "active" {
            advisor.status.clone()
        } else if today > advisor.accredited_until {
            "lapsed".to_string()
        } else {
            "active".to_string()
        };
        AdvisorView {
            id: user.id.clone(),
            name: user.name.clone(),
            accreditation_number: advisor.accreditation_number.clone(),
            accredited_until: advisor.accredited_until,
            scopes: advisor.scope_list(),
            status,
        }
    }
}

fn parse_scopes(check: &mut Check, scopes: &[String]) -> Vec<PremisesKind> {
    let mut kinds = Vec::new();
    for (i, s) in scopes.iter().enumerate() {
        match PremisesKind::parse(s.trim()) {
            Some(k) if !kinds.contains(&k) => kinds.push(k),
            Some(_) => {}
            None => check.fail(&format!("scopes[{i}]"), "must be `building` or `event`"),
        }
    }
    if scopes.is_empty() {
        check.fail("scopes", "must list at least one of `building`, `event`");
    }
    kinds
}

#[utoipa::path(post, path = "/api/v1/advisors", tag = "advisors", request_body = CreateAdvisorRequest, security(("bearer" = [])),
    responses((status = 201, body = AdvisorView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_advisor(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateAdvisorRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let body = body.into_inner();
    let mut check = Check::new();
    let name = check.text("name", &body.name, 200);
    let email = check.email("email", &body.email);
    check.password("password", &body.password);
    let number = check.text("accreditation_number", &body.accreditation_number, 64);
    let until = time::Date::parse(
        body.accredited_until.trim(),
        &time::format_description::well_known::Iso8601::DATE,
    );
    let today = time::OffsetDateTime::now_utc().date();
    match &until {
        Ok(d) if *d < today => check.fail("accredited_until", "must not be in the past"),
        Ok(_) => {}
        Err(_) => check.fail("accredited_until", "must be a date YYYY-MM-DD"),
    }
    let kinds = parse_scopes(&mut check, &body.scopes);
    let tied = check.optional_text(
        "tied_organisation_id",
        body.tied_organisation_id.as_deref(),
        64,
    );
    check.finish()?;
    let until =
        until.map_err(|_| ApiError::field("accredited_until", "must be a date YYYY-MM-DD"))?;
    let view = state
        .db
        .run(move |conn| {
            let hash = password::hash(&body.password)?;
            write_tx(conn, |tx| {
                if let Some(org) = &tied {
                    let exists: i64 = organisations::table.find(org).count().get_result(tx)?;
                    if exists == 0 {
                        return Err(ApiError::field(
                            "tied_organisation_id",
                            "no such organisation",
                        ));
                    }
                }
                let taken: i64 = advisors::table
                    .filter(advisors::accreditation_number.eq(&number))
                    .count()
                    .get_result(tx)?;
                if taken > 0 {
                    return Err(ApiError::conflict(
                        "accreditation_number_taken",
                        "accreditation_number: already on the register",
                    ));
                }
                let user = insert_user(tx, &name, &email, &hash, Role::Advisor, None)?;
                let advisor = Advisor {
                    user_id: user.id.clone(),
                    accreditation_number: number,
                    accredited_until: until,
                    scopes: kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    status: "active".to_string(),
                    tied_organisation_id: tied,
                    created_at: now(),
                };
                diesel::insert_into(advisors::table)
                    .values(&advisor)
                    .execute(tx)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("advisor.accredited", "user", &user.id).after(serde_json::json!({
                        "accreditation_number": advisor.accreditation_number,
                        "accredited_until": advisor.accredited_until.to_string(),
                        "scopes": advisor.scopes,
                    })),
                )?;
                Ok(AdvisorView::new(&user, &advisor, today))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/advisors", tag = "advisors",
    responses((status = 200, body = Vec<AdvisorView>)))]
pub async fn list_advisors(
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<AdvisorView>>, ApiError> {
    let today = time::OffsetDateTime::now_utc().date();
    let rows = state
        .db
        .run(|conn| {
            let rows: Vec<(User, Advisor)> = users::table
                .inner_join(advisors::table)
                .select((users::all_columns, advisors::all_columns))
                .order(users::name.asc())
                .load(conn)?;
            Ok(rows)
        })
        .await?;
    Ok(web::Json(
        rows.iter()
            .map(|(u, a)| AdvisorView::new(u, a, today))
            .collect(),
    ))
}

/// Loads an advisor's accreditation and checks it against an application's premises.
pub(crate) fn eligibility(
    conn: &mut DbConnection,
    advisor_id: &str,
    kind: PremisesKind,
    operator_organisation_id: &str,
) -> Result<Result<(), Ineligible>, ApiError> {
    let advisor: Option<Advisor> = advisors::table
        .find(advisor_id)
        .select(advisors::all_columns)
        .first(conn)
        .optional()?;
    let Some(advisor) = advisor else {
        return Err(ApiError::not_found("advisor"));
    };
    let scopes: Vec<PremisesKind> = advisor
        .scope_list()
        .iter()
        .filter_map(|s| PremisesKind::parse(s))
        .collect();
    let acc = Accreditation {
        active: advisor.status == "active",
        accredited_until: advisor.accredited_until,
        scopes: &scopes,
        tied_organisation_id: advisor.tied_organisation_id.as_deref(),
    };
    Ok(accreditation::check(
        &acc,
        kind,
        operator_organisation_id,
        time::OffsetDateTime::now_utc().date(),
    ))
}
