//! Verification beyond a typed number: QR tokens checked against the published keys
//! plus the live status, the keys themselves (JWKS), and a signed list of suspended
//! and revoked certificates for verifiers that work offline.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::certificates::{PublicVerification, find_by_number};
use crate::certificates::token::{self, CertificateClaims, TokenError, TokenType};
use crate::db::models::Certificate;
use crate::db::schema::certificates;
use crate::db::{DbConnection, now, to_utc};
use crate::domain::status::StoredStatus;
use crate::error::{ApiError, FieldError};
use crate::startup::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/verify/token/{token}").route(web::get().to(verify_token)))
        .service(web::resource("/status-list").route(web::get().to(status_list)));
}

/// `/.well-known/jwks.json` sits outside `/api/v1`, where verifiers look for it.
pub fn well_known(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/.well-known/jwks.json").route(web::get().to(jwks)))
        .service(web::resource("/.well-known/scheme-ca.pem").route(web::get().to(scheme_ca)));
}

#[utoipa::path(get, path = "/.well-known/scheme-ca.pem", tag = "verification",
    responses((status = 200, content_type = "application/x-pem-file", description = "the scheme CA certificate that PDF signatures chain to")))]
pub async fn scheme_ca(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .body(state.documents.identity.ca_pem()?))
}

/// A token whose signature checked out, with the certificate it names.
pub struct CheckedToken {
    pub claims: CertificateClaims,
    pub certificate: Certificate,
}

/// Checks a QR token's signature against the published keys, then finds the
/// certificate it names. Shared by the JSON API and the page a QR code opens.
pub fn check_token(conn: &mut DbConnection, token: &str) -> Result<CheckedToken, ApiError> {
    let keys = token::published_keys(conn)?;
    let claims: CertificateClaims =
        token::verify(token, &keys, TokenType::Certificate).map_err(token_problem)?;
    let certificate = find_by_number(conn, &claims.sub)?;
    Ok(CheckedToken {
        claims,
        certificate,
    })
}

fn token_problem(e: TokenError) -> ApiError {
    ApiError::BadRequest {
        detail: format!("token: {e}"),
        errors: vec![FieldError::new("token", e.to_string())],
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenVerification {
    /// Always `valid`: a token that does not verify is a 400.
    pub signature: &'static str,
    /// What the token asserts, as signed.
    pub claims: CertificateClaims,
    /// The certificate as the register has it now, with its live status.
    pub certificate: PublicVerification,
}

#[utoipa::path(get, path = "/api/v1/verify/token/{token}", tag = "verification",
    params(("token" = String, Path, description = "the compact JWS from a certificate's QR code")),
    responses((status = 200, body = TokenVerification),
        (status = 400, description = "not a token of this scheme, or altered", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn verify_token(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<TokenVerification>, ApiError> {
    let token = path.into_inner();
    let checked = state.db.run(move |conn| check_token(conn, &token)).await?;
    Ok(web::Json(TokenVerification {
        signature: "valid",
        certificate: PublicVerification::from(&checked.certificate),
        claims: checked.claims,
    }))
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "verification",
    responses((status = 200, description = "the Ed25519 keys (RFC 8037 OKP) that sign QR tokens and the status list, current first")))]
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state
        .db
        .run(|conn| Ok(token::published_keys(conn)?))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(token::jwks(&keys)))
}

const STATUS_LIST_LIFETIME_SECS: i64 = 24 * 3600;

/// The signed claims of the status list.
#[derive(Serialize, ToSchema)]
pub struct StatusListClaims {
    /// When the list was made (seconds since the epoch).
    pub iat: i64,
    /// After this, an offline verifier should fetch a fresh list (a day later).
    pub exp: i64,
    /// Numbers of certificates suspended now.
    pub suspended: Vec<String>,
    /// Numbers of certificates revoked (final).
    pub revoked: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatusList {
    #[serde(flatten)]
    pub list: StatusListClaims,
    /// The same list as a compact JWS (EdDSA), checkable against the JWKS.
    pub token: String,
}

#[utoipa::path(get, path = "/api/v1/status-list", tag = "verification",
    responses((status = 200, body = StatusList)))]
pub async fn status_list(state: web::Data<AppState>) -> Result<web::Json<StatusList>, ApiError> {
    let list = state
        .db
        .run(|conn| {
            let rows: Vec<(String, String)> = certificates::table
                .filter(certificates::status.eq_any([
                    StoredStatus::Suspended.as_str(),
                    StoredStatus::Revoked.as_str(),
                ]))
                .order(certificates::number.asc())
                .select((certificates::number, certificates::status))
                .load(conn)?;
            let (suspended, revoked): (Vec<_>, Vec<_>) = rows
                .into_iter()
                .partition(|(_, status)| status == StoredStatus::Suspended.as_str());
            let iat = to_utc(now()).unix_timestamp();
            let list = StatusListClaims {
                iat,
                exp: iat + STATUS_LIST_LIFETIME_SECS,
                suspended: suspended.into_iter().map(|(n, _)| n).collect(),
                revoked: revoked.into_iter().map(|(n, _)| n).collect(),
            };
            let token = token::sign(conn, TokenType::StatusList, &list)?;
            Ok(StatusList { list, token })
        })
        .await?;
    Ok(web::Json(list))
}
