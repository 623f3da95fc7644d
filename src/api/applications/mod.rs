//! Applications: one assessment of one premises against one checklist version.
//!
//! - `self_assessment`: create, list, read, answer (the operator's draft)
//! - `workflow`: submit, withdraw, claim, assign
//! - `evidence`: upload and download attachments
//! - `assessment`: the advisor's scores and completion (outcome, certificate)

pub mod assessment;
pub mod evidence;
pub mod self_assessment;
pub mod views;
pub mod workflow;

use actix_web::web;
use diesel::prelude::*;

use crate::api::advisors::eligibility;
use crate::auth::{Caller, Role};
use crate::db::DbConnection;
use crate::db::models::{Application, Premises};
use crate::db::schema::{applications, premises};
use crate::domain::application::ApplicationStatus;
use crate::domain::tier::PremisesKind;
use crate::error::ApiError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, post, put, resource};
    cfg.service(
        resource("/applications")
            .route(post().to(self_assessment::create_application))
            .route(get().to(self_assessment::list_applications)),
    )
    .service(resource("/applications/{id}").route(get().to(self_assessment::get_application)))
    .service(
        resource("/applications/{id}/answers/{item_id}")
            .route(put().to(self_assessment::put_answer)),
    )
    .service(resource("/applications/{id}/evidence").route(post().to(evidence::upload_evidence)))
    .service(
        resource("/applications/{id}/evidence/{evidence_id}")
            .route(get().to(evidence::get_evidence)),
    )
    .service(resource("/applications/{id}/submit").route(post().to(workflow::submit)))
    .service(resource("/applications/{id}/withdraw").route(post().to(workflow::withdraw)))
    .service(resource("/applications/{id}/claim").route(post().to(workflow::claim)))
    .service(resource("/applications/{id}/assign").route(post().to(workflow::assign)))
    .service(resource("/applications/{id}/scores").route(put().to(assessment::put_scores)))
    .service(resource("/applications/{id}/complete").route(post().to(assessment::complete)));
}

pub(crate) fn status_of(app: &Application) -> Result<ApplicationStatus, ApiError> {
    ApplicationStatus::parse(&app.status).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!("application {} has unknown status", app.id))
    })
}

pub(crate) fn kind_of(p: &Premises) -> PremisesKind {
    PremisesKind::parse(&p.kind).unwrap_or(PremisesKind::Building)
}

/// Loads an application with its premises if the caller may see it:
/// the operator's organisation, the assigned advisor, an advisor who could claim it
/// from the queue, or an admin. Anything else reads as not found.
pub(crate) fn load_visible(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<(Application, Premises), ApiError> {
    caller.require(&[Role::Operator, Role::Advisor, Role::Admin])?;
    let (app, prem) = load_any(conn, id)?;
    let visible = match caller.role {
        Role::Admin => true,
        Role::Operator => caller.operates(&app.organisation_id),
        Role::Advisor => {
            app.advisor_id.as_deref() == Some(caller.user_id.as_str())
                || (app.status == ApplicationStatus::Submitted.as_str()
                    && eligibility(conn, &caller.user_id, kind_of(&prem), &app.organisation_id)?
                        .is_ok())
        }
        Role::Police => false,
    };
    if visible {
        Ok((app, prem))
    } else {
        Err(ApiError::not_found("application"))
    }
}

/// Loads an application and its premises with no visibility check (callers have made one).
pub(crate) fn load_any(
    conn: &mut DbConnection,
    id: &str,
) -> Result<(Application, Premises), ApiError> {
    applications::table
        .inner_join(premises::table)
        .filter(applications::id.eq(id))
        .select((applications::all_columns, premises::all_columns))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("application"))
}

/// Fails with 409 unless the application is in `expected`.
pub(crate) fn require_status(
    app: &Application,
    expected: &[ApplicationStatus],
) -> Result<(), ApiError> {
    let status = status_of(app)?;
    if expected.contains(&status) {
        Ok(())
    } else {
        let want: Vec<&str> = expected.iter().map(|s| s.as_str()).collect();
        Err(ApiError::conflict(
            "wrong_status",
            format!(
                "the application is {}; this needs it to be {}",
                status.as_str(),
                want.join(" or ")
            ),
        ))
    }
}

/// Fails with 403 unless the caller is the advisor assigned to the application.
pub(crate) fn require_assigned(caller: &Caller, app: &Application) -> Result<(), ApiError> {
    caller.require(&[Role::Advisor])?;
    if app.advisor_id.as_deref() == Some(caller.user_id.as_str()) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the advisor assigned to this application may do this",
        ))
    }
}

/// Fails with 403 unless the caller is an operator of the application's organisation.
pub(crate) fn require_owner(caller: &Caller, app: &Application) -> Result<(), ApiError> {
    caller.require(&[Role::Operator])?;
    if caller.operates(&app.organisation_id) {
        Ok(())
    } else {
        Err(ApiError::not_found("application"))
    }
}
