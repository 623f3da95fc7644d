//! Offline verification material: QR token checks, the signed status list, the
//! token keys (JWKS) and the scheme CA.

use actix_web::{HttpResponse, web};

use super::problem::{ApiError, Problem};
use crate::certificates::token;
use crate::service::certificates::status_list::{self, StatusList};
use crate::service::certificates::verify::{self, TokenVerification};
use crate::state::AppState;
use crate::token_path::TokenInPath;

#[utoipa::path(get, path = "/.well-known/scheme-ca.pem", tag = "verification",
    responses((status = 200, content_type = "application/x-pem-file", description = "the scheme CA certificate that PDF signatures chain to")))]
pub async fn scheme_ca(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .body(verify::scheme_ca_pem(&state)?))
}

#[utoipa::path(get, path = "/api/v1/verify/token/{token}", tag = "verification",
    params(("token" = String, Path, pattern = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$", description = "the compact JWS from a certificate's QR code (a token this scheme did not sign is a 400)")),
    responses((status = 200, body = TokenVerification),
        (status = 400, description = "not a token of this scheme, or altered", body = Problem),
        (status = 404, body = Problem),
        (status = 429, description = "`too_many_requests`: over the limit for this client address; try again after `Retry-After` seconds", body = Problem, headers(("Retry-After" = u64, description = "seconds to wait")))))]
pub async fn verify_token(
    state: web::Data<AppState>,
    token: TokenInPath,
) -> Result<web::Json<TokenVerification>, ApiError> {
    Ok(web::Json(verify::by_token(&state, &token).await?))
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "verification",
    responses((status = 200, description = "the Ed25519 keys (RFC 8037 OKP) that sign QR tokens and the status list, current first")))]
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = verify::published_keys(&state).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(token::jwks(&keys)))
}

#[utoipa::path(get, path = "/api/v1/status-list", tag = "verification",
    responses((status = 200, description = "W3C Bitstring Status Lists for revocation and suspension, naming no certificate: a certificate's QR token carries its index (`status.idx`, the same in both lists), signed together as `token`", body = StatusList)))]
pub async fn status_list(state: web::Data<AppState>) -> Result<web::Json<StatusList>, ApiError> {
    Ok(web::Json(status_list::status_list(&state).await?))
}
