//! `/api/v1/premises`: register, list, read and edit buildings and events.

use actix_web::{HttpResponse, web};

use super::extract::{Json, Query};
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::applications::self_assessment;
use crate::service::applications::views::ApplicationView;
use crate::service::page::PageQuery;
use crate::service::premises::{self, PremisesInput, PremisesView};
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/premises", tag = "premises", request_body = PremisesInput, security(("bearer" = [])),
    responses((status = 201, body = PremisesView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_premises(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<PremisesInput>,
) -> Result<HttpResponse, ApiError> {
    let view = premises::register(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/premises", tag = "premises", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<PremisesView>), (status = 403, body = Problem),
        (status = 422, description = "`limit` or `offset` out of range", body = Problem)))]
pub async fn list_premises(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<PageQuery>,
) -> Result<web::Json<Vec<PremisesView>>, ApiError> {
    Ok(web::Json(premises::list(&state, &caller, &query).await?))
}

#[utoipa::path(get, path = "/api/v1/premises/{id}", tag = "premises", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = PremisesView), (status = 404, body = Problem),
        (status = 403, body = Problem)))]
pub async fn get_premises(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<PremisesView>, ApiError> {
    Ok(web::Json(premises::get(&state, &caller, &path).await?))
}

#[utoipa::path(put, path = "/api/v1/premises/{id}", tag = "premises", request_body = PremisesInput, security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = PremisesView), (status = 404, body = Problem),
        (status = 409, description = "`application_open`: premises are edited only while no application is open", body = Problem),
        (status = 422, body = Problem),
        (status = 403, description = "operators only", body = Problem)))]
pub async fn update_premises(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<PremisesInput>,
) -> Result<web::Json<PremisesView>, ApiError> {
    Ok(web::Json(
        premises::update(&state, &caller, &path, body.into_inner()).await?,
    ))
}

/// Starts the renewal of a building's certificate: a new application with the
/// last completed application's answers and notes filled in.
#[utoipa::path(post, path = "/api/v1/premises/{id}/renewal", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 201, body = ApplicationView), (status = 404, body = Problem),
        (status = 409, description = "`application_open`, `event_not_renewable` (events are not renewed) or `nothing_to_renew` (no completed assessment)", body = Problem),
        (status = 403, description = "operators only", body = Problem)))]
pub async fn renew_premises(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = self_assessment::renew(&state, &caller, &path).await?;
    Ok(HttpResponse::Created().json(view))
}
