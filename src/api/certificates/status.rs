//! Status actions (admin): suspend, reinstate, revoke — each with a reason, audited,
//! and seen at once by every verifier. Which change is allowed is decided by
//! `domain::status::transition`.

use actix_web::web;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{CertificateView, find_by_number, parse_number, record_view};
use crate::api::extract::Json;
use crate::api::validate::Check;
use crate::auth::{Caller, Role};
use crate::db::schema::certificates;
use crate::db::sequences::{Change, audit};
use crate::db::{now, write_tx};
use crate::domain::status::{StatusAction, StoredStatus, transition};
use crate::error::ApiError;
use crate::startup::AppState;

pub const MAX_REASON_CHARS: usize = 1000;

#[derive(Deserialize, ToSchema)]
pub struct StatusChangeRequest {
    /// Why (required, 1 to 1000 characters); kept on the certificate and in the audit log.
    #[serde(default)]
    pub reason: Option<String>,
}

async fn change_status(
    state: web::Data<AppState>,
    caller: Caller,
    raw_number: String,
    body: StatusChangeRequest,
    action: StatusAction,
) -> Result<web::Json<CertificateView>, ApiError> {
    caller.require(&[Role::Admin])?;
    let number = parse_number(&raw_number)?;
    let mut check = Check::new();
    let reason = match body.reason.as_deref() {
        Some(r) => check.text("reason", r, MAX_REASON_CHARS),
        None => {
            check.fail("reason", "is required: say why");
            String::new()
        }
    };
    check.finish()?;
    let view = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let cert = find_by_number(tx, &number)?;
                let from = StoredStatus::parse(&cert.status).ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("certificate {number} has unknown status"))
                })?;
                let to = transition(action, from)
                    .map_err(|why| ApiError::conflict(why.code(), why.to_string()))?;
                let at = now();
                // Guarded by the status read above, so that two admins racing on the
                // same certificate cannot both succeed.
                let updated = diesel::update(
                    certificates::table
                        .filter(certificates::id.eq(&cert.id))
                        .filter(certificates::status.eq(from.as_str())),
                )
                .set((
                    certificates::status.eq(to.as_str()),
                    certificates::status_reason.eq(Some(&reason)),
                    certificates::updated_at.eq(at),
                ))
                .execute(tx)?;
                if updated != 1 {
                    return Err(ApiError::conflict(
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
        .await?;
    Ok(web::Json(view))
}

#[utoipa::path(post, path = "/api/v1/certificates/{number}/suspend", tag = "certificates",
    params(("number" = String, Path)), request_body = StatusChangeRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "suspended: every verifier now sees `suspended`", body = CertificateView),
        (status = 403, description = "admins only", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "`already_suspended`, `certificate_revoked` or `certificate_superseded`", body = crate::error::Problem),
        (status = 422, description = "no reason, or too long", body = crate::error::Problem)))]
pub async fn suspend(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<StatusChangeRequest>,
) -> Result<web::Json<CertificateView>, ApiError> {
    change_status(
        state,
        caller,
        path.into_inner(),
        body.into_inner(),
        StatusAction::Suspend,
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/certificates/{number}/reinstate", tag = "certificates",
    params(("number" = String, Path)), request_body = StatusChangeRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "active again: `valid`, or `expired` if its expiry has passed", body = CertificateView),
        (status = 403, description = "admins only", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "`not_suspended`, `certificate_revoked` or `certificate_superseded`", body = crate::error::Problem),
        (status = 422, description = "no reason, or too long", body = crate::error::Problem)))]
pub async fn reinstate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<StatusChangeRequest>,
) -> Result<web::Json<CertificateView>, ApiError> {
    change_status(
        state,
        caller,
        path.into_inner(),
        body.into_inner(),
        StatusAction::Reinstate,
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/certificates/{number}/revoke", tag = "certificates",
    params(("number" = String, Path)), request_body = StatusChangeRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "revoked, finally (an expired certificate can be revoked too)", body = CertificateView),
        (status = 403, description = "admins only", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "`certificate_revoked` or `certificate_superseded`", body = crate::error::Problem),
        (status = 422, description = "no reason, or too long", body = crate::error::Problem)))]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<StatusChangeRequest>,
) -> Result<web::Json<CertificateView>, ApiError> {
    change_status(
        state,
        caller,
        path.into_inner(),
        body.into_inner(),
        StatusAction::Revoke,
    )
    .await
}
