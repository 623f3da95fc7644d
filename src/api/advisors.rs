//! `/api/v1/advisors`: the advisor register (public) and accreditation (admins):
//! accredit, renew, suspend, reinstate, withdraw.

use actix_web::{HttpResponse, web};

use super::extract::{Json, Query};
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::advisors::{
    self, AccreditationChangeRequest, AdvisorView, CreateAdvisorRequest, RenewAccreditationRequest,
};
use crate::service::page::PageQuery;
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/advisors", tag = "advisors", request_body = CreateAdvisorRequest, security(("bearer" = [])),
    responses((status = 201, body = AdvisorView), (status = 403, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "`email_taken` or `accreditation_number_taken`", body = Problem)))]
pub async fn create_advisor(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateAdvisorRequest>,
) -> Result<HttpResponse, ApiError> {
    let advisor = advisors::accredit(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(advisor))
}

#[utoipa::path(get, path = "/api/v1/advisors", tag = "advisors", params(PageQuery),
    responses((status = 200, body = Vec<AdvisorView>),
        (status = 422, description = "`limit` or `offset` out of range", body = Problem)))]
pub async fn list_advisors(
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<Vec<AdvisorView>>, ApiError> {
    Ok(web::Json(advisors::register(&state, query.page()?).await?))
}

#[utoipa::path(post, path = "/api/v1/advisors/{id}/renew", tag = "advisors",
    params(("id" = String, Path, description = "the advisor's user id")),
    request_body = RenewAccreditationRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "`accredited_until` moved later: a lapsed accreditation is current again (a suspended one stays suspended)", body = AdvisorView),
        (status = 403, description = "admins only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`accreditation_withdrawn`", body = Problem),
        (status = 422, description = "no reason, or a date in the past or not later than the current one", body = Problem)))]
pub async fn renew(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<RenewAccreditationRequest>,
) -> Result<web::Json<AdvisorView>, ApiError> {
    let view = advisors::renew(&state, &caller, &path, body.into_inner());
    Ok(web::Json(view.await?))
}

#[utoipa::path(post, path = "/api/v1/advisors/{id}/suspend", tag = "advisors",
    params(("id" = String, Path, description = "the advisor's user id")),
    request_body = AccreditationChangeRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "suspended: the advisor claims and is assigned nothing", body = AdvisorView),
        (status = 403, description = "admins only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`already_suspended` or `accreditation_withdrawn`", body = Problem),
        (status = 422, description = "no reason, or too long", body = Problem)))]
pub async fn suspend(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<AccreditationChangeRequest>,
) -> Result<web::Json<AdvisorView>, ApiError> {
    let view = advisors::suspend(&state, &caller, &path, body.into_inner());
    Ok(web::Json(view.await?))
}

#[utoipa::path(post, path = "/api/v1/advisors/{id}/reinstate", tag = "advisors",
    params(("id" = String, Path, description = "the advisor's user id")),
    request_body = AccreditationChangeRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "active again (`lapsed` if its end has passed: renew it)", body = AdvisorView),
        (status = 403, description = "admins only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`not_suspended` or `accreditation_withdrawn`", body = Problem),
        (status = 422, description = "no reason, or too long", body = Problem)))]
pub async fn reinstate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<AccreditationChangeRequest>,
) -> Result<web::Json<AdvisorView>, ApiError> {
    let view = advisors::reinstate(&state, &caller, &path, body.into_inner());
    Ok(web::Json(view.await?))
}

#[utoipa::path(post, path = "/api/v1/advisors/{id}/withdraw", tag = "advisors",
    params(("id" = String, Path, description = "the advisor's user id")),
    request_body = AccreditationChangeRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "withdrawn, finally: never reinstated or renewed", body = AdvisorView),
        (status = 403, description = "admins only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`accreditation_withdrawn`", body = Problem),
        (status = 422, description = "no reason, or too long", body = Problem)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<AccreditationChangeRequest>,
) -> Result<web::Json<AdvisorView>, ApiError> {
    let view = advisors::withdraw(&state, &caller, &path, body.into_inner());
    Ok(web::Json(view.await?))
}
