//! `/api/v1/auth/*` and `/api/v1/me`.

use actix_web::{HttpResponse, web};

use super::extract::Json;
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::accounts::{
    self, LoginRequest, LoginResponse, MeView, SignupAnswer, SignupRequest,
};
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 202, description = "the same answer for a new address (the account is made: log in) and for one that already has an account (it is told by email)", body = SignupAnswer),
        (status = 422, body = Problem)))]
pub async fn signup(
    state: web::Data<AppState>,
    body: Json<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let answer = accounts::signup(&state, body.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(answer))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem),
        (status = 429, description = "too many failed log-ins for the account or from this address; `Retry-After` says when to try again", body = Problem,
            headers(("Retry-After" = u64, description = "seconds to wait")))))]
pub async fn login(
    state: web::Data<AppState>,
    address: crate::rate_limit::ClientAddress,
    body: Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    Ok(web::Json(
        accounts::login(&state, body.into_inner(), address.0).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "logged out: every login token of this account ends, on every device"),
        (status = 401, body = Problem)))]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeView), (status = 401, body = Problem)))]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<MeView>, ApiError> {
    Ok(web::Json(accounts::me(&state, &caller).await?))
}
