//! Certificates: the register (police, admin, and operators for their own),
//! status actions (admin), and public verification by number (status only: see
//! DOMAIN.md on disclosure).
//!
//! - `read`: one record, public verification
//! - `search`: the register search
//! - `status`: suspend, reinstate, revoke
//! - `pdf`: the signed PDF, exactly as issued
//!
//! Every surface reads the database on each request, so a status change shows on
//! all of them at once.

pub mod pdf;
pub mod read;
pub mod search;
pub mod status;

use std::collections::HashMap;

use actix_web::web;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::premises::Person;
use crate::db::models::{Certificate, Premises};
use crate::db::schema::{certificates, premises};
use crate::db::{DbConnection, to_utc};
use crate::domain::certificate_number::{CertificateNumber, NumberError};
use crate::domain::scoring::ConditionDraft;
use crate::domain::status::{StoredStatus, VerifiedStatus, verified_status};
use crate::domain::tier::{PremisesKind, Tier};
use crate::error::{ApiError, FieldError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/certificates").route(get().to(search::search_certificates)))
        .service(resource("/certificates/{number}").route(get().to(read::get_certificate)))
        .service(resource("/certificates/{number}/pdf").route(get().to(pdf::download)))
        .service(resource("/certificates/{number}/suspend").route(post().to(status::suspend)))
        .service(resource("/certificates/{number}/reinstate").route(post().to(status::reinstate)))
        .service(resource("/certificates/{number}/revoke").route(post().to(status::revoke)))
        .service(resource("/verify/{number}").route(get().to(read::verify_number)));
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

/// The full record of one certificate, with the premises' designated senior
/// individual.
pub(crate) fn record_view(
    conn: &mut DbConnection,
    cert: &Certificate,
) -> Result<CertificateView, ApiError> {
    let prem: Option<Premises> = premises::table
        .find(&cert.premises_id)
        .select(premises::all_columns)
        .first(conn)
        .optional()?;
    CertificateView::new(cert, prem.as_ref())
}

/// Full records of many certificates, in their order, loading the premises in one query.
pub(crate) fn record_views(
    conn: &mut DbConnection,
    certs: &[Certificate],
) -> Result<Vec<CertificateView>, ApiError> {
    let ids: Vec<&str> = certs.iter().map(|c| c.premises_id.as_str()).collect();
    let found: HashMap<String, Premises> = premises::table
        .filter(premises::id.eq_any(ids))
        .select(premises::all_columns)
        .load::<Premises>(conn)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    certs
        .iter()
        .map(|c| CertificateView::new(c, found.get(&c.premises_id)))
        .collect()
}

/// The full record police rely on.
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
