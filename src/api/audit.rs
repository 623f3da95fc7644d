//! `/api/v1/audit`: the audit log (admins).

use actix_web::web;

use super::extract::Query;
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::audit::{self, AuditQuery, AuditView};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_audit(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<AuditQuery>,
) -> Result<web::Json<Vec<AuditView>>, ApiError> {
    Ok(web::Json(
        audit::list(&state, &caller, query.into_inner()).await?,
    ))
}
