//! An admin suspends, reinstates or revokes a certificate, always with a reason.
//! Every verification surface reads the register on each request, so the change
//! shows at once; the public sees the status, never the reason.

use serde::Deserialize;
use utoipa::ToSchema;

use super::{CertificateView, find_by_number, parse_number, record_view};
use crate::auth::Caller;
use crate::db::sequences::{Change, audit};
use crate::db::{self, now, write_tx};
use crate::domain::condition::{Holder, Holds};
use crate::domain::status::{StatusAction, transition};
use crate::service::access::require_admin;
use crate::service::validate::Check;
use crate::service::{ServiceError, ServiceResult};
use crate::state::AppState;

pub const MAX_REASON_CHARS: usize = 1000;

#[derive(Deserialize, ToSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeRequest {
    /// Why (for the audit log and the certificate's history), 1 to 1000 characters.
    #[serde(default)]
    #[schema(schema_with = crate::service::validate::text::<1000>, required = true)]
    pub reason: Option<String>,
}

pub async fn change_status(
    state: &AppState,
    caller: &Caller,
    number: &str,
    input: StatusChangeRequest,
    action: StatusAction,
) -> ServiceResult<CertificateView> {
    require_admin(caller)?;
    let number = parse_number(number)?;
    let mut check = Check::new();
    let reason = match input.reason.as_deref() {
        Some(r) => check.text("reason", r, MAX_REASON_CHARS),
        None => {
            check.fail("reason", "is required: say why");
            String::new()
        }
    };
    check.finish()?;
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let cert = find_by_number(tx, &number)?;
                let from = cert.status;
                // What holds the certificate suspended (an admin, overdue conditions):
                // an admin's reinstatement lifts only the admin's hold.
                let holds = Holds::of(db::conditions::holds(tx, &cert.id)?);
                let to = match action {
                    StatusAction::Suspend => holds.admin_suspend(from),
                    StatusAction::Reinstate => holds
                        .admin_reinstate(from)
                        .map_err(|why| ServiceError::conflict(why.code(), why.to_string()))
                        .map(Ok)?,
                    StatusAction::Revoke => transition(action, from),
                }
                .map_err(|why| ServiceError::conflict(why.code(), why.to_string()))?;
                let admin = Holder::Admin.as_key();
                match action {
                    StatusAction::Suspend => {
                        db::conditions::add_hold(tx, &cert.id, &admin, &reason, now())?;
                    }
                    StatusAction::Reinstate => {
                        db::conditions::remove_hold(tx, &cert.id, &admin)?;
                    }
                    StatusAction::Revoke => {}
                }
                if !db::certificates::set_status(tx, &cert.id, from, to, &reason, now())? {
                    return Err(ServiceError::conflict(
                        "status_changed",
                        "the certificate's status changed meanwhile; reload it and try again",
                    ));
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new(action.audit_action(), "certificate", &cert.number)
                        .before(serde_json::json!({
                            "status": from.as_str(), "status_reason": cert.status_reason,
                        }))
                        .after(serde_json::json!({
                            "status": to.as_str(), "status_reason": reason,
                        })),
                )?;
                let cert = find_by_number(tx, &number)?;
                record_view(tx, &cert)
            })
        })
        .await
}
