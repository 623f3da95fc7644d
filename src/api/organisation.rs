//! `/api/v1/organisation/operators`: an operator's colleagues in their organisation.

use actix_web::{HttpResponse, web};

use super::extract::Json;
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::accounts::{self, InviteRequest, UserView};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/organisation/operators", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Vec<UserView>), (status = 403, body = Problem)))]
pub async fn list_operators(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<UserView>>, ApiError> {
    Ok(web::Json(accounts::list_operators(&state, &caller).await?))
}

/// Adds a colleague as an operator of the caller's organisation. The account has
/// no password yet: they set one with a password reset ("Forgotten your password?").
#[utoipa::path(post, path = "/api/v1/organisation/operators", tag = "users", request_body = InviteRequest,
    security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 403, body = Problem),
        (status = 409, description = "`email_taken`", body = Problem), (status = 422, body = Problem)))]
pub async fn invite_operator(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts::invite_operator(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(user))
}
