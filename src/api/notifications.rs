//! `/api/v1/notifications`: the email outbox (admins).

use actix_web::web;

use super::extract::Query;
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::notifications::{self, NotificationQuery, NotificationView};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<NotificationView>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_notifications(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<NotificationQuery>,
) -> Result<web::Json<Vec<NotificationView>>, ApiError> {
    Ok(web::Json(
        notifications::list(&state, &caller, &query).await?,
    ))
}
