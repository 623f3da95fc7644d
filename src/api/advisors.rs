//! `/api/v1/advisors`: the advisor register (public) and accreditation (admins).

use actix_web::{HttpResponse, web};

use super::extract::{Json, Query};
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::advisors::{self, AdvisorView, CreateAdvisorRequest};
use crate::service::page::PageQuery;
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/advisors", tag = "advisors", request_body = CreateAdvisorRequest, security(("bearer" = [])),
    responses((status = 201, body = AdvisorView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_advisor(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateAdvisorRequest>,
) -> Result<HttpResponse, ApiError> {
    let advisor = advisors::accredit(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(advisor))
}

#[utoipa::path(get, path = "/api/v1/advisors", tag = "advisors", params(PageQuery),
    responses((status = 200, body = Vec<AdvisorView>)))]
pub async fn list_advisors(
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<Vec<AdvisorView>>, ApiError> {
    Ok(web::Json(advisors::register(&state, query.page()?).await?))
}
