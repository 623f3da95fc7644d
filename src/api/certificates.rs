//! `/api/v1/certificates` (the register: records, search, status, PDF) and
//! `/api/v1/verify/{number}` (public).

use actix_web::{HttpResponse, web};

use super::extract::{Json, Query};
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::domain::status::StatusAction;
use crate::service::certificates::search::{self, SearchQuery};
use crate::service::certificates::status::{StatusChangeRequest, change_status};
use crate::service::certificates::{
    self, CertificateHistory, CertificateView, PublicVerification, verify,
};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/certificates/{number}", tag = "certificates", params(("number" = String, Path, description = "a certificate number (case, spaces and hyphens are forgiven; a wrong check character is a 400)")),
    security(("bearer" = [])),
    responses((status = 200, body = CertificateView), (status = 400, description = "mistyped number", body = Problem), (status = 404, body = Problem),
        (status = 403, description = "advisors do not read the register", body = Problem)))]
pub async fn get_certificate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<CertificateView>, ApiError> {
    Ok(web::Json(
        certificates::record(&state, &caller, &path).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}/history", tag = "certificates", params(("number" = String, Path, description = "a certificate number (case, spaces and hyphens are forgiven; a wrong check character is a 400)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "the full record and its status history, oldest first: issue, suspensions, reinstatements, revocation and supersession, with the reasons given", body = CertificateHistory),
        (status = 400, description = "mistyped number", body = Problem),
        (status = 403, description = "advisors do not read the register", body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_history(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<CertificateHistory>, ApiError> {
    Ok(web::Json(
        certificates::history(&state, &caller, &path).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/verify/{number}", tag = "verification", params(("number" = String, Path, description = "a certificate number (case, spaces and hyphens are forgiven; a wrong check character is a 400)")),
    responses((status = 200, body = PublicVerification), (status = 400, description = "mistyped number", body = Problem), (status = 404, body = Problem),
        (status = 429, description = "`too_many_requests`: over the limit for this client address; try again after `Retry-After` seconds", body = Problem, headers(("Retry-After" = u64, description = "seconds to wait")))))]
pub async fn verify_number(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<PublicVerification>, ApiError> {
    Ok(web::Json(verify::by_number(&state, &path).await?))
}

#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates", params(SearchQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "matching certificates, newest first (issue time, then number); for an operator only their organisation's. When there are more, the `Link` header's `rel=\"next\"` URL is the next page (this search with `after` set); without it this is the last page", body = Vec<CertificateView>,
            headers(("Link" = String, description = "`</api/v1/certificates?…&after=…>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "an unknown query parameter", body = Problem),
        (status = 401, body = Problem),
        (status = 403, description = "advisors do not search the register", body = Problem),
        (status = 422, description = "a bad filter value, named in `errors` (a cursor not given by a `Link` header is `after`)", body = Problem)))]
pub async fn search_certificates(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let found = search::search(&state, &caller, &query).await?;
    let mut reply = HttpResponse::Ok();
    if let Some(after) = &found.next {
        let next = search::next_page(&query, Some(after));
        reply.insert_header((
            actix_web::http::header::LINK,
            format!("</api/v1/certificates?{next}>; rel=\"next\""),
        ));
    }
    Ok(reply.json(found.certificates))
}

#[utoipa::path(post, path = "/api/v1/certificates/{number}/suspend", tag = "certificates",
    params(("number" = String, Path, description = "a certificate number (case, spaces and hyphens are forgiven; a wrong check character is a 400)")), request_body = StatusChangeRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "suspended: every verifier now sees `suspended`", body = CertificateView),
        (status = 403, description = "admins only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`already_suspended`, `certificate_revoked` or `certificate_superseded`", body = Problem),
        (status = 422, description = "no reason, or too long", body = Problem)))]
pub async fn suspend(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<StatusChangeRequest>,
) -> Result<web::Json<CertificateView>, ApiError> {
    let view = change_status(
        &state,
        &caller,
        &path,
        body.into_inner(),
        StatusAction::Suspend,
    );
    Ok(web::Json(view.await?))
}

#[utoipa::path(post, path = "/api/v1/certificates/{number}/reinstate", tag = "certificates",
    params(("number" = String, Path, description = "a certificate number (case, spaces and hyphens are forgiven; a wrong check character is a 400)")), request_body = StatusChangeRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "active again: `valid`, or `expired` if its expiry has passed", body = CertificateView),
        (status = 403, description = "admins only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`not_suspended`, `certificate_revoked` or `certificate_superseded`", body = Problem),
        (status = 422, description = "no reason, or too long", body = Problem)))]
pub async fn reinstate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<StatusChangeRequest>,
) -> Result<web::Json<CertificateView>, ApiError> {
    let view = change_status(
        &state,
        &caller,
        &path,
        body.into_inner(),
        StatusAction::Reinstate,
    );
    Ok(web::Json(view.await?))
}

#[utoipa::path(post, path = "/api/v1/certificates/{number}/revoke", tag = "certificates",
    params(("number" = String, Path, description = "a certificate number (case, spaces and hyphens are forgiven; a wrong check character is a 400)")), request_body = StatusChangeRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "revoked, finally (an expired certificate can be revoked too)", body = CertificateView),
        (status = 403, description = "admins only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`certificate_revoked` or `certificate_superseded`", body = Problem),
        (status = 422, description = "no reason, or too long", body = Problem)))]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<StatusChangeRequest>,
) -> Result<web::Json<CertificateView>, ApiError> {
    let view = change_status(
        &state,
        &caller,
        &path,
        body.into_inner(),
        StatusAction::Revoke,
    );
    Ok(web::Json(view.await?))
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}/pdf", tag = "certificates",
    params(("number" = String, Path, description = "a certificate number (case, spaces and hyphens are forgiven; a wrong check character is a 400)")), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", description = "the signed PDF, identical on every download"),
        (status = 400, description = "mistyped number", body = Problem),
        (status = 404, body = Problem),
        (status = 403, description = "advisors do not read the register", body = Problem)))]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = certificates::pdf(&state, &caller, &path).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("ETag", format!("\"{}\"", file.sha256)))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}.pdf\"", file.number),
        ))
        .body(file.pdf))
}
