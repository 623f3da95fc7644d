//! `/api/v1/users`: admins create and list police and admin accounts.

use actix_web::{HttpResponse, web};

use super::extract::{Json, Query};
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::accounts::{self, CreateUserRequest, UserView};
use crate::service::page::PageQuery;
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest, security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "`email_taken`", body = Problem)))]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts::create_user(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(user))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "the staff accounts (police and admins), by name", body = Vec<UserView>),
        (status = 401, body = Problem),
        (status = 403, description = "admins only", body = Problem),
        (status = 422, description = "a bad `limit` or `offset`", body = Problem)))]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<PageQuery>,
) -> Result<web::Json<Vec<UserView>>, ApiError> {
    Ok(web::Json(
        accounts::staff(&state, &caller, query.page()?).await?,
    ))
}
