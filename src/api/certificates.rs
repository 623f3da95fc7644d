//! Certificate records (operators of the premises, police, admin) and public
//! verification by number (status only: see DOMAIN.md on disclosure).

use actix_web::web;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::premises::Person;
use crate::auth::{Caller, Role};
use crate::db::models::{Certificate, Premises};
use crate::db::schema::{certificates, premises};
use crate::db::{DbConnection, to_utc};
use crate::domain::certificate_number::{CertificateNumber, NumberError};
use crate::domain::scoring::ConditionDraft;
use crate::domain::status::{StoredStatus, VerifiedStatus, verified_status};
use crate::domain::tier::{PremisesKind, Tier};
use crate::error::{ApiError, FieldError};
use crate::startup::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/certificates/{number}").route(web::get().to(get_certificate)))
        .service(web::resource("/verify/{number}").route(web::get().to(verify_number)));
}

/// Parses a typed certificate number; a mistyped one is a 400 that says so.
pub(crate) fn parse_number(raw: &str) -> Result<String, ApiError> {
    raw.parse::<CertificateNumber>()
        .map(|n| n.to_string())
        .map_err(|e| {
            let message = match e {
                NumberError::Malformed => "certificate numbers look like PSC-2026-000123-K",
                NumberError::CheckCharacter => {
                    "the check character does not match: the number is mistyped"
                }
            };
            ApiError::BadRequest {
                detail: format!("number: {message}"),
                errors: vec![FieldError::new("number", message)],
            }
        })
}

pub(crate) fn find_by_number(
    conn: &mut DbConnection,
    number: &str,
) -> Result<Certificate, ApiError> {
    certificates::table
        .filter(certificates::number.eq(number))
        .select(certificates::all_columns)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("certificate"))
}

pub(crate) fn status_now(c: &Certificate) -> VerifiedStatus {
    let stored = StoredStatus::parse(&c.status).unwrap_or(StoredStatus::Suspended);
    verified_status(
        stored,
        to_utc(c.expires_at),
        time::OffsetDateTime::now_utc(),
    )
}

#[derive(Serialize, ToSchema)]
pub struct CertificateView {
    pub number: String,
    /// `valid`, `expired`, `suspended`, `revoked` or `superseded`, as of now.
    pub status: VerifiedStatus,
    pub status_reason: Option<String>,
    pub superseded_by: Option<String>,
    pub premises_id: String,
    pub premises_name: String,
    pub address: String,
    pub town: String,
    pub postcode: String,
    pub kind: PremisesKind,
    pub tier: Tier,
    pub outcome: String,
    pub conditions: Vec<ConditionDraft>,
    pub advisor_name: String,
    pub accreditation_number: String,
    pub application_id: String,
    pub checklist_id: String,
    pub designated_senior_individual: Option<Person>,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

impl CertificateView {
    pub fn new(c: &Certificate, p: Option<&Premises>) -> Result<CertificateView, ApiError> {
        Ok(CertificateView {
            number: c.number.clone(),
            status: status_now(c),
            status_reason: c.status_reason.clone(),
            superseded_by: c.superseded_by.clone(),
            premises_id: c.premises_id.clone(),
            premises_name: c.premises_name.clone(),
            address: c.address.clone(),
            town: c.town.clone(),
            postcode: c.postcode.clone(),
            kind: PremisesKind::parse(&c.kind).unwrap_or(PremisesKind::Building),
            tier: Tier::parse(&c.tier).unwrap_or(Tier::Standard),
            outcome: c.outcome.clone(),
            conditions: serde_json::from_str(&c.conditions).map_err(|e| {
                ApiError::internal(anyhow::anyhow!("conditions of {}: {e}", c.number))
            })?,
            advisor_name: c.advisor_name.clone(),
            accreditation_number: c.accreditation_number.clone(),
            application_id: c.application_id.clone(),
            checklist_id: c.checklist_id.clone(),
            designated_senior_individual: p.and_then(|p| match (&p.dsi_name, &p.dsi_email) {
                (Some(name), Some(email)) => Some(Person {
                    name: name.clone(),
                    email: email.clone(),
                }),
                _ => None,
            }),
            issued_at: to_utc(c.issued_at),
            expires_at: to_utc(c.expires_at),
        })
    }
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}", tag = "certificates", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CertificateView), (status = 400, description = "mistyped number", body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get_certificate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<CertificateView>, ApiError> {
    caller.require(&[Role::Operator, Role::Police, Role::Admin])?;
    let number = parse_number(&path.into_inner())?;
    let view = state
        .db
        .run(move |conn| {
            let cert = find_by_number(conn, &number)?;
            if caller.is(Role::Operator) && !caller.operates(&cert.organisation_id) {
                return Err(ApiError::not_found("certificate"));
            }
            let prem: Option<Premises> = premises::table
                .find(&cert.premises_id)
                .select(premises::all_columns)
                .first(conn)
                .optional()?;
            CertificateView::new(&cert, prem.as_ref())
        })
        .await?;
    Ok(web::Json(view))
}

/// What anyone may see: enough to trust or distrust a certificate, nothing that
/// would help an attacker.
#[derive(Serialize, serde::Deserialize, ToSchema)]
pub struct PublicVerification {
    pub number: String,
    pub status: VerifiedStatus,
    pub premises_name: String,
    pub town: String,
    pub tier: Tier,
    pub kind: PremisesKind,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

impl From<&Certificate> for PublicVerification {
    fn from(c: &Certificate) -> Self {
        PublicVerification {
            number: c.number.clone(),
            status: status_now(c),
            premises_name: c.premises_name.clone(),
            town: c.town.clone(),
            tier: Tier::parse(&c.tier).unwrap_or(Tier::Standard),
            kind: PremisesKind::parse(&c.kind).unwrap_or(PremisesKind::Building),
            issued_at: to_utc(c.issued_at),
            expires_at: to_utc(c.expires_at),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/verify/{number}", tag = "verification", params(("number" = String, Path)),
    responses((status = 200, body = PublicVerification), (status = 400, description = "mistyped number", body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn verify_number(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<PublicVerification>, ApiError> {
    let number = parse_number(&path.into_inner())?;
    let cert = state
        .db
        .run(move |conn| find_by_number(conn, &number))
        .await?;
    Ok(web::Json(PublicVerification::from(&cert)))
}
