//! Published checklist versions (public: they hold guidance, not findings).

use actix_web::web;
use serde::Serialize;
use utoipa::ToSchema;

use crate::checklists::StoredChecklist;
use crate::domain::tier::PremisesKind;
use crate::error::ApiError;
use crate::startup::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/checklists").route(web::get().to(list_checklists)))
        .service(web::resource("/checklists/{id}").route(web::get().to(get_checklist)));
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistSummary {
    /// `{kind}-v{version}`, e.g. `building-v1`.
    pub id: String,
    pub kind: PremisesKind,
    pub version: u32,
    pub title: String,
    /// SHA-256 of the exact published text.
    pub hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: time::OffsetDateTime,
    pub item_count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistView {
    #[serde(flatten)]
    pub summary: ChecklistSummary,
    /// Sections, items, tier thresholds and scoring rules, as published.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

fn summary(c: &StoredChecklist) -> ChecklistSummary {
    ChecklistSummary {
        id: c.id.clone(),
        kind: c.checklist.kind,
        version: c.checklist.version,
        title: c.checklist.title.clone(),
        hash: c.hash.clone(),
        published_at: crate::db::to_utc(c.published_at),
        item_count: c.checklist.sections.iter().map(|s| s.items.len()).sum(),
    }
}

#[utoipa::path(get, path = "/api/v1/checklists", tag = "checklists",
    responses((status = 200, body = Vec<ChecklistSummary>)))]
pub async fn list_checklists(state: web::Data<AppState>) -> web::Json<Vec<ChecklistSummary>> {
    web::Json(state.checklists.all().iter().map(summary).collect())
}

#[utoipa::path(get, path = "/api/v1/checklists/{id}", tag = "checklists", params(("id" = String, Path)),
    responses((status = 200, body = ChecklistView), (status = 404, body = crate::error::Problem)))]
pub async fn get_checklist(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<ChecklistView>, ApiError> {
    let id = path.into_inner();
    let store = state.checklists.clone();
    let found = state
        .db
        .run(move |conn| Ok(store.get(conn, &id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("checklist"))?;
    Ok(web::Json(ChecklistView {
        summary: summary(&found),
        content: serde_json::to_value(found.checklist.as_ref()).map_err(anyhow::Error::from)?,
    }))
}
