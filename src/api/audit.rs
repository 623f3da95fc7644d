//! The audit log (admin): every state change, hash-chained.

use actix_web::web;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::Query;
use crate::auth::{Caller, Role};
use crate::db::models::AuditEntry;
use crate::db::schema::audit_log;
use crate::db::to_utc;
use crate::error::ApiError;
use crate::startup::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/audit").route(web::get().to(list_audit)));
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Entries after this sequence number (for paging forward).
    pub after_seq: Option<i64>,
    /// At most this many entries (default 100, at most 1000).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditView>), (status = 403, body = crate::error::Problem)))]
pub async fn list_audit(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<AuditQuery>,
) -> Result<web::Json<Vec<AuditView>>, ApiError> {
    caller.require(&[Role::Admin])?;
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be from 1 to 1000"));
    }
    let rows = state
        .db
        .run(move |conn| {
            let mut query = audit_log::table.select(audit_log::all_columns).into_boxed();
            if let Some(t) = q.entity_type {
                query = query.filter(audit_log::entity_type.eq(t));
            }
            if let Some(id) = q.entity_id {
                query = query.filter(audit_log::entity_id.eq(id));
            }
            if let Some(after) = q.after_seq {
                query = query.filter(audit_log::seq.gt(after));
            }
            Ok(query
                .order(audit_log::seq.asc())
                .limit(limit)
                .load::<AuditEntry>(conn)?)
        })
        .await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(web::Json(
        rows.into_iter()
            .map(|e| AuditView {
                seq: e.seq,
                at: to_utc(e.at),
                actor_id: e.actor_id,
                actor_role: e.actor_role,
                action: e.action,
                entity_type: e.entity_type,
                entity_id: e.entity_id,
                before: parse(e.before),
                after: parse(e.after),
                prev_hash: e.prev_hash,
                hash: e.hash,
            })
            .collect(),
    ))
}
