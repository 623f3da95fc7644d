//! The audit log, for admins: oldest first (following the chain) or newest first,
//! filtered by record, actor or action.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::require_admin;
use super::page::given;
use super::validate::Check;
use super::{ServiceError, ServiceResult};
use crate::auth::Caller;
use crate::db::sequences::{AuditFilter, list_audit};
use crate::db::to_utc;
use crate::state::AppState;

#[derive(Deserialize, IntoParams, Debug, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    /// Entries after this sequence number, oldest first (for following the log).
    pub after_seq: Option<i64>,
    /// Entries before this sequence number, newest first (the next page back).
    pub before_seq: Option<i64>,
    /// `asc` (oldest first, the default: following the chain) or `desc` (newest
    /// first, as the admin pages show it).
    #[param(pattern = "^(asc|desc)?$")]
    pub order: Option<String>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct AuditView {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    /// The record as it was (any JSON value: an object, or a list such as scores).
    pub before: Option<serde_json::Value>,
    /// The record as it became (any JSON value).
    pub after: Option<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

pub async fn list(
    state: &AppState,
    caller: &Caller,
    q: AuditQuery,
) -> ServiceResult<Vec<AuditView>> {
    require_admin(caller)?;
    let mut check = Check::new();
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        check.fail("limit", "must be from 1 to 1000");
    }
    let newest_first = match given(q.order.as_deref()) {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            check.fail("order", "must be `asc` or `desc`");
            false
        }
    };
    check.finish()?;
    let own = |v: Option<String>| given(v.as_deref()).map(str::to_string);
    let filter = AuditFilter {
        entity_type: own(q.entity_type),
        entity_id: own(q.entity_id),
        actor_id: own(q.actor_id),
        action: own(q.action),
        after_seq: q.after_seq,
        before_seq: q.before_seq,
        newest_first,
    };
    let rows = state
        .db
        .run(move |conn| list_audit(conn, &filter, limit).map_err(ServiceError::from))
        .await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(rows
        .into_iter()
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
        .collect())
}
