//! A certificate's status history, read from the audit log: when it was issued,
//! suspended, reinstated, revoked or superseded, with the reasons given. For the
//! readers of its full record (police, admins, the owning operator).

use serde::Serialize;
use utoipa::ToSchema;

use super::{CertificateView, load_visible, parse_number, record_view};
use crate::auth::Caller;
use crate::db::models::AuditEntry;
use crate::db::sequences::{AuditFilter, list_audit};
use crate::db::to_utc;
use crate::domain::scoring::Outcome;
use crate::service::ServiceResult;
use crate::service::access::certificate_history_scope;
use crate::state::AppState;

/// More entries than any certificate gathers; the page shows them all.
const MAX_ENTRIES: i64 = 500;

/// What happened to the certificate.
#[derive(Serialize, ToSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HistoryEvent {
    Issued,
    Suspended,
    Reinstated,
    Revoked,
    Superseded,
    /// An entry of a kind this version does not describe (`action` says which).
    Other,
}

impl HistoryEvent {
    fn of(action: &str) -> HistoryEvent {
        match action {
            "certificate.issued" => HistoryEvent::Issued,
            "certificate.suspended" => HistoryEvent::Suspended,
            "certificate.reinstated" => HistoryEvent::Reinstated,
            "certificate.revoked" => HistoryEvent::Revoked,
            "certificate.superseded" => HistoryEvent::Superseded,
            _ => HistoryEvent::Other,
        }
    }
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct HistoryEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    pub event: HistoryEvent,
    /// The audit log's action, e.g. `certificate.suspended`.
    pub action: String,
    /// The reason the admin gave (suspension, reinstatement, revocation).
    pub reason: Option<String>,
    /// The certificate that replaced this one (supersession).
    pub superseded_by: Option<String>,
    /// The assessment's outcome (issue).
    pub outcome: Option<Outcome>,
    /// The role of who made the change (`admin`, `advisor`); people are not named.
    pub by_role: Option<String>,
}

impl From<AuditEntry> for HistoryEntry {
    fn from(e: AuditEntry) -> HistoryEntry {
        let after: serde_json::Value = e
            .after
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default();
        let text = |key: &str| {
            after[key]
                .as_str()
                .map(str::to_string)
                .filter(|s| !s.is_empty())
        };
        HistoryEntry {
            at: to_utc(e.at),
            event: HistoryEvent::of(&e.action),
            reason: text("status_reason"),
            superseded_by: text("superseded_by"),
            outcome: text("outcome").as_deref().and_then(Outcome::parse),
            by_role: e.actor_role,
            action: e.action,
        }
    }
}

/// The full record and its status history, oldest first.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct CertificateHistory {
    pub certificate: CertificateView,
    pub history: Vec<HistoryEntry>,
}

pub async fn history(
    state: &AppState,
    caller: &Caller,
    number: &str,
) -> ServiceResult<CertificateHistory> {
    certificate_history_scope(caller)?;
    let number = parse_number(number)?;
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            let cert = load_visible(conn, &caller, &number)?;
            let filter = AuditFilter {
                entity_type: Some("certificate".to_string()),
                entity_id: Some(cert.number.clone()),
                ..AuditFilter::default()
            };
            let history = list_audit(conn, &filter, MAX_ENTRIES)?
                .into_iter()
                .map(HistoryEntry::from)
                .collect();
            Ok(CertificateHistory {
                certificate: record_view(conn, &cert)?,
                history,
            })
        })
        .await
}
