//! `/api/v1/auth/*` and `/api/v1/me`.

use actix_web::{HttpResponse, web};

use super::extract::Json;
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::accounts::{self, LoginRequest, LoginResponse, MeView, SignupRequest};
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, body = MeView), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 429, description = "`too_many_requests`: too many sign-ups from this client address; try again after `Retry-After` seconds", body = Problem, headers(("Retry-After" = u64, description = "seconds to wait")))))]
pub async fn signup(
    state: web::Data<AppState>,
    body: Json<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let me = accounts::signup(&state, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(me))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem),
        (status = 429, description = "`too_many_requests`: too many failed log-ins for this account or client address; try again after `Retry-After` seconds", body = Problem, headers(("Retry-After" = u64, description = "seconds to wait")))))]
pub async fn login(
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    Ok(web::Json(accounts::login(&state, body.into_inner()).await?))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeView), (status = 401, body = Problem)))]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<MeView>, ApiError> {
    Ok(web::Json(accounts::me(&state, &caller).await?))
}
