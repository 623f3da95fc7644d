//! `/api/v1/checklists`: the published checklist versions.

use actix_web::web;

use super::problem::{ApiError, Problem};
use crate::service::checklists::{self, ChecklistSummary, ChecklistView};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/checklists", tag = "checklists",
    responses((status = 200, body = Vec<ChecklistSummary>)))]
pub async fn list_checklists(state: web::Data<AppState>) -> web::Json<Vec<ChecklistSummary>> {
    web::Json(checklists::list(&state))
}

#[utoipa::path(get, path = "/api/v1/checklists/{id}", tag = "checklists", params(("id" = String, Path)),
    responses((status = 200, body = ChecklistView), (status = 404, body = Problem)))]
pub async fn get_checklist(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<ChecklistView>, ApiError> {
    Ok(web::Json(checklists::get(&state, &path).await?))
}
