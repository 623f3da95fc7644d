//! The published checklist versions (public: anyone may read what premises are
//! assessed against).

use serde::Serialize;
use utoipa::ToSchema;

use super::{ServiceError, ServiceResult};
use crate::checklists::StoredChecklist;
use crate::domain::tier::PremisesKind;
use crate::state::AppState;

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct ChecklistSummary {
    pub id: String,
    pub kind: PremisesKind,
    pub version: u32,
    pub title: String,
    pub hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: time::OffsetDateTime,
    pub item_count: usize,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct ChecklistView {
    #[serde(flatten)]
    pub summary: ChecklistSummary,
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

pub fn list(state: &AppState) -> Vec<ChecklistSummary> {
    state.checklists.all().iter().map(summary).collect()
}

pub async fn get(state: &AppState, id: &str) -> ServiceResult<ChecklistView> {
    let (store, id) = (state.checklists.clone(), id.to_string());
    let found = state
        .db
        .run(move |conn| Ok::<_, ServiceError>(store.get(conn, &id)?))
        .await?
        .ok_or_else(|| ServiceError::not_found("checklist"))?;
    Ok(ChecklistView {
        summary: summary(&found),
        content: serde_json::to_value(found.checklist.as_ref()).map_err(anyhow::Error::from)?,
    })
}
