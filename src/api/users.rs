//! `/api/v1/users`: admins create police and admin accounts.

use actix_web::{HttpResponse, web};

use super::extract::Json;
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::accounts::{self, CreateUserRequest, UserView};
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest, security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts::create_user(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(user))
}
