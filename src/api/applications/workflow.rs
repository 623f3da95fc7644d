//! Moving an application along: submit and withdraw (operator), claim (advisor),
//! assign (admin).

use actix_web::web;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::self_assessment::checklist_for;
use super::views::{self, ApplicationView};
use super::{kind_of, load_visible, require_owner, require_status};
use crate::api::advisors::eligibility;
use crate::api::extract::Json;
use crate::auth::{Caller, Role};
use crate::db::models::Application;
use crate::db::schema::{answers, applications, scores};
use crate::db::sequences::{Change, audit};
use crate::db::{DbConnection, now, write_tx};
use crate::domain::application::ApplicationStatus;
use crate::error::ApiError;
use crate::startup::AppState;

/// Runs one state change in a transaction and answers with the updated application.
async fn transition<F>(
    state: web::Data<AppState>,
    caller: Caller,
    id: String,
    change: F,
) -> Result<web::Json<ApplicationView>, ApiError>
where
    F: FnOnce(&mut DbConnection, &Caller, &Application, &AppState) -> Result<(), ApiError>
        + Send
        + 'static,
{
    let st = state.clone();
    let view = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, _) = load_visible(tx, &caller, &id)?;
                change(tx, &caller, &app, &st)?;
                let (app, prem) = load_visible(tx, &caller, &id)?;
                let checklist = checklist_for(&st, tx, &app)?;
                views::build(tx, &caller, &app, &prem, &checklist, true)
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// Sets the status only if it is still `from`: the row-level guard against two
/// requests (or instances) racing the same transition.
fn guarded_update(
    tx: &mut DbConnection,
    app: &Application,
    from: &[ApplicationStatus],
    set_status: ApplicationStatus,
    advisor: Option<Option<&str>>,
) -> Result<(), ApiError> {
    let at = now();
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let target = applications::table
        .filter(applications::id.eq(&app.id))
        .filter(applications::status.eq_any(from));
    let updated = match (set_status, advisor) {
        (ApplicationStatus::Submitted, _) => diesel::update(target)
            .set((
                applications::status.eq(set_status.as_str()),
                applications::submitted_at.eq(Some(at)),
                applications::updated_at.eq(at),
            ))
            .execute(tx)?,
        (_, Some(advisor_id)) => diesel::update(target)
            .set((
                applications::status.eq(set_status.as_str()),
                applications::advisor_id.eq(advisor_id),
                applications::assigned_at.eq(Some(at)),
                applications::updated_at.eq(at),
            ))
            .execute(tx)?,
        (_, None) => diesel::update(target)
            .set((
                applications::status.eq(set_status.as_str()),
                applications::updated_at.eq(at),
            ))
            .execute(tx)?,
    };
    if updated == 1 {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "wrong_status",
            "the application changed meanwhile; reload it and try again",
        ))
    }
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 409, description = "not a draft, or items unanswered (listed in `items`)", body = crate::error::Problem)))]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    transition(state, caller, path.into_inner(), |tx, caller, app, st| {
        require_owner(caller, app)?;
        require_status(app, &[ApplicationStatus::Draft])?;
        let checklist = checklist_for(st, tx, app)?;
        let answered: Vec<String> = answers::table
            .filter(answers::application_id.eq(&app.id))
            .select(answers::item_id)
            .load(tx)?;
        let missing: Vec<String> = checklist
            .checklist
            .applicable_items(views::tier_of(app))
            .iter()
            .map(|(_, item)| item.id.clone())
            .filter(|id| !answered.contains(id))
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::Conflict {
                code: "unanswered_items",
                detail: format!(
                    "{} checklist item(s) are not answered yet: {}",
                    missing.len(),
                    missing.join(", ")
                ),
                items: missing,
            });
        }
        guarded_update(
            tx,
            app,
            &[ApplicationStatus::Draft],
            ApplicationStatus::Submitted,
            None,
        )?;
        audit(
            tx,
            Some(caller),
            Change::new("application.submitted", "application", &app.id)
                .before(serde_json::json!({"status": app.status}))
                .after(serde_json::json!({"status": "submitted"})),
        )?;
        Ok(())
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 409, body = crate::error::Problem)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    transition(state, caller, path.into_inner(), |tx, caller, app, _| {
        require_owner(caller, app)?;
        let open = [
            ApplicationStatus::Draft,
            ApplicationStatus::Submitted,
            ApplicationStatus::InReview,
        ];
        require_status(app, &open)?;
        guarded_update(tx, app, &open, ApplicationStatus::Withdrawn, None)?;
        audit(
            tx,
            Some(caller),
            Change::new("application.withdrawn", "application", &app.id)
                .before(serde_json::json!({"status": app.status}))
                .after(serde_json::json!({"status": "withdrawn"})),
        )?;
        Ok(())
    })
    .await
}

fn ensure_eligible(
    tx: &mut DbConnection,
    advisor_id: &str,
    app: &Application,
    field: Option<&str>,
) -> Result<(), ApiError> {
    let (_, prem) = crate::api::applications::load_any(tx, &app.id)?;
    match eligibility(tx, advisor_id, kind_of(&prem), &app.organisation_id)? {
        Ok(()) => Ok(()),
        Err(why) => Err(match field {
            Some(f) => ApiError::field(f, why.to_string()),
            None => ApiError::forbidden(why.to_string()),
        }),
    }
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/claim", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn claim(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    caller.require(&[Role::Advisor])?;
    transition(state, caller, path.into_inner(), |tx, caller, app, _| {
        ensure_eligible(tx, &caller.user_id, app, None)?;
        require_status(app, &[ApplicationStatus::Submitted])?;
        guarded_update(
            tx,
            app,
            &[ApplicationStatus::Submitted],
            ApplicationStatus::InReview,
            Some(Some(&caller.user_id)),
        )?;
        audit(
            tx,
            Some(caller),
            Change::new("application.claimed", "application", &app.id)
                .before(serde_json::json!({"status": app.status}))
                .after(serde_json::json!({"status": "in_review", "advisor_id": caller.user_id})),
        )?;
        Ok(())
    })
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct AssignRequest {
    pub advisor_id: String,
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/assign", tag = "applications", params(("id" = String, Path)),
    request_body = AssignRequest, security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn assign(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<AssignRequest>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    caller.require(&[Role::Admin])?;
    let advisor_id = body.into_inner().advisor_id;
    transition(
        state,
        caller,
        path.into_inner(),
        move |tx, caller, app, _| {
            let open = [ApplicationStatus::Submitted, ApplicationStatus::InReview];
            require_status(app, &open)?;
            match ensure_eligible(tx, &advisor_id, app, Some("advisor_id")) {
                Err(ApiError::NotFound(_)) => {
                    return Err(ApiError::field(
                        "advisor_id",
                        "no accredited advisor with this id",
                    ));
                }
                other => other?,
            }
            guarded_update(
                tx,
                app,
                &open,
                ApplicationStatus::InReview,
                Some(Some(&advisor_id)),
            )?;
            // Scores are the judgement of the advisor who gave them: a new advisor
            // starts from none rather than completing on someone else's.
            let scores_cleared = match app.advisor_id.as_deref() {
                Some(previous) if previous != advisor_id => {
                    diesel::delete(scores::table.filter(scores::application_id.eq(&app.id)))
                        .execute(tx)?
                }
                _ => 0,
            };
            audit(
                tx,
                Some(caller),
                Change::new("application.assigned", "application", &app.id)
                    .before(serde_json::json!({"status": app.status, "advisor_id": app.advisor_id}))
                    .after(serde_json::json!({
                        "status": "in_review",
                        "advisor_id": advisor_id,
                        "scores_cleared": scores_cleared,
                    })),
            )?;
            Ok(())
        },
    )
    .await
}
