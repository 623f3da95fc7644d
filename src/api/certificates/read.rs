//! Reading one certificate: the full record (owning operator, police, admin) and
//! public verification by number (status only).

use actix_web::web;

use super::{CertificateView, PublicVerification, find_by_number, parse_number, record_view};
use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::startup::AppState;

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
            record_view(conn, &cert)
        })
        .await?;
    Ok(web::Json(view))
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
