//! Moving an application along: submit and withdraw (operator), claim (advisor),
//! assign (admin). Each change is guarded on the status it starts from, so two
//! requests (or instances) racing the same change cannot both win.

use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{self, ApplicationView};
use super::{checklist_for, load_visible, require_status};
use crate::auth::{Caller, Role};
use crate::db::models::{Application, Premises};
use crate::db::sequences::{Change, audit};
use crate::db::{self, DbConnection, now, write_tx};
use crate::domain::application::{AnswerStatus, ApplicationStatus};
use crate::service::access::{eligibility, require_admin, require_owner, require_role};
use crate::service::{ServiceError, ServiceResult, today};
use crate::state::AppState;

/// Runs one change in a transaction and answers with the updated application.
async fn transition<F>(
    state: &AppState,
    caller: &Caller,
    id: &str,
    change: F,
) -> ServiceResult<ApplicationView>
where
    F: FnOnce(&mut DbConnection, &Caller, &Application, &Premises, &AppState) -> ServiceResult<()>
        + Send
        + 'static,
{
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, prem) = load_visible(tx, &caller, &id)?;
                change(tx, &caller, &app, &prem, &st)?;
                let (app, prem) = db::applications::find_with_premises(tx, &id)?
                    .ok_or_else(|| ServiceError::not_found("application"))?;
                let checklist = checklist_for(&st, tx, &app)?;
                views::build(tx, &caller, &app, &prem, &checklist)
            })
        })
        .await
}

fn moved(changed: bool) -> ServiceResult<()> {
    if changed {
        Ok(())
    } else {
        Err(ServiceError::conflict(
            "wrong_status",
            "the application changed meanwhile; reload it and try again",
        ))
    }
}

/// The applicable items the operator has not answered yet.
pub(crate) fn unanswered(
    tx: &mut DbConnection,
    state: &AppState,
    app: &Application,
) -> ServiceResult<Vec<String>> {
    let checklist = checklist_for(state, tx, app)?;
    let answered: Vec<String> = db::applications::answers(tx, &app.id)?
        .into_iter()
        .map(|a| a.item_id)
        .collect();
    Ok(checklist
        .checklist
        .applicable_items(app.tier)
        .iter()
        .map(|(_, item)| item.id.clone())
        .filter(|id| !answered.contains(id))
        .collect())
}

/// The applicable items that need evidence (`evidence_required`, not answered
/// "not applicable") and have no file attached to them.
pub(crate) fn missing_evidence(
    tx: &mut DbConnection,
    state: &AppState,
    app: &Application,
) -> ServiceResult<Vec<String>> {
    let checklist = checklist_for(state, tx, app)?;
    let not_applicable: Vec<String> = db::applications::answers(tx, &app.id)?
        .into_iter()
        .filter(|a| a.status == AnswerStatus::NotApplicable)
        .map(|a| a.item_id)
        .collect();
    let evidenced: Vec<String> = db::evidence::list(tx, &app.id)?
        .into_iter()
        .filter_map(|e| e.item_id)
        .collect();
    Ok(checklist
        .checklist
        .applicable_items(app.tier)
        .iter()
        .filter(|(_, item)| item.evidence_required)
        .map(|(_, item)| item.id.clone())
        .filter(|id| !not_applicable.contains(id) && !evidenced.contains(id))
        .collect())
}

/// Submits a draft: every applicable item answered (else 409 `unanswered_items`),
/// then every item that needs evidence has a file attached to it (else 409
/// `evidence_missing`); both list the items in `items`. Then a current fire risk
/// assessment on file for the premises, when `require_fire_risk_assessment` is on
/// (else 409 `fire_safety_missing`, `items` `["fire_safety"]`).
pub async fn submit(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<ApplicationView> {
    transition(state, caller, id, |tx, caller, app, _, st| {
        require_owner(caller, app)?;
        require_status(app, &[ApplicationStatus::Draft])?;
        let missing = unanswered(tx, st, app)?;
        if !missing.is_empty() {
            return Err(ServiceError::Conflict {
                code: "unanswered_items",
                detail: format!(
                    "{} checklist item(s) are not answered yet: {}",
                    missing.len(),
                    missing.join(", ")
                ),
                items: missing,
            });
        }
        let missing = missing_evidence(tx, st, app)?;
        if !missing.is_empty() {
            return Err(ServiceError::Conflict {
                code: "evidence_missing",
                detail: format!(
                    "{} checklist item(s) need evidence attached to them: {}",
                    missing.len(),
                    missing.join(", ")
                ),
                items: missing,
            });
        }
        // Issue 11 part 5: a current fire risk assessment on file (when configured).
        crate::service::fire_safety::require_current_for_submit(tx, st, &app.premises_id)?;
        moved(db::applications::set_status(
            tx,
            &app.id,
            &[ApplicationStatus::Draft],
            ApplicationStatus::Submitted,
            None,
            now(),
        )?)?;
        audit(
            tx,
            Some(caller),
            Change::new("application.submitted", "application", &app.id)
                .before(serde_json::json!({"status": app.status.as_str()}))
                .after(serde_json::json!({"status": "submitted"})),
        )?;
        Ok(())
    })
    .await
}

pub async fn withdraw(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ServiceResult<ApplicationView> {
    transition(state, caller, id, |tx, caller, app, _, _| {
        require_owner(caller, app)?;
        require_status(app, &ApplicationStatus::OPEN)?;
        // Withdrawing once an advisor has begun to score is recorded as such, and
        // shown to the next advisor and to admins (`withdrawn_after_scoring`).
        let scored_items = match &app.advisor_id {
            Some(_) => db::applications::count_scores(tx, &app.id)?,
            None => 0,
        };
        moved(db::applications::set_status(
            tx,
            &app.id,
            &ApplicationStatus::OPEN,
            ApplicationStatus::Withdrawn,
            None,
            now(),
        )?)?;
        audit(
            tx,
            Some(caller),
            Change::new("application.withdrawn", "application", &app.id)
                .before(serde_json::json!({"status": app.status.as_str()}))
                .after(if scored_items > 0 {
                    serde_json::json!({
                        "status": "withdrawn",
                        "after_scoring": true,
                        "advisor_id": app.advisor_id,
                        "scored_items": scored_items,
                    })
                } else {
                    serde_json::json!({"status": "withdrawn"})
                }),
        )?;
        Ok(())
    })
    .await
}

/// Fails unless `advisor_id` may assess the application: a 403 for the advisor
/// themselves, or a field error naming `field` when an admin chose them.
fn ensure_eligible(
    tx: &mut DbConnection,
    advisor_id: &str,
    app: &Application,
    prem: &Premises,
    field: Option<&str>,
) -> ServiceResult<()> {
    let Some(advisor) = db::advisors::find(tx, advisor_id)? else {
        return Err(match field {
            Some(f) => ServiceError::field(f, "no accredited advisor with this id"),
            None => ServiceError::not_found("advisor"),
        });
    };
    match eligibility(&advisor, prem.kind, &app.organisation_id, today())? {
        Ok(()) => Ok(()),
        Err(why) => Err(match field {
            Some(f) => ServiceError::field(f, why.to_string()),
            None => ServiceError::forbidden(why.to_string()),
        }),
    }
}

pub async fn claim(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<ApplicationView> {
    require_role(caller, &[Role::Advisor])?;
    transition(state, caller, id, |tx, caller, app, prem, _| {
        ensure_eligible(tx, &caller.user_id, app, prem, None)?;
        require_status(app, &[ApplicationStatus::Submitted])?;
        if !db::applications::set_status(
            tx,
            &app.id,
            &[ApplicationStatus::Submitted],
            ApplicationStatus::InReview,
            Some(&caller.user_id),
            now(),
        )? {
            return Err(ServiceError::conflict(
                "wrong_status",
                "another advisor has claimed this application meanwhile",
            ));
        }
        audit(
            tx,
            Some(caller),
            Change::new("application.claimed", "application", &app.id)
                .before(serde_json::json!({"status": app.status.as_str()}))
                .after(serde_json::json!({"status": "in_review", "advisor_id": caller.user_id})),
        )?;
        Ok(())
    })
    .await
}

#[derive(Deserialize, ToSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub advisor_id: String,
}

pub async fn assign(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: AssignRequest,
) -> ServiceResult<ApplicationView> {
    require_admin(caller)?;
    let advisor_id = input.advisor_id.trim().to_string();
    transition(state, caller, id, move |tx, caller, app, prem, _| {
        let open = [ApplicationStatus::Submitted, ApplicationStatus::InReview];
        require_status(app, &open)?;
        ensure_eligible(tx, &advisor_id, app, prem, Some("advisor_id"))?;
        moved(db::applications::set_status(
            tx,
            &app.id,
            &open,
            ApplicationStatus::InReview,
            Some(&advisor_id),
            now(),
        )?)?;
        // Scores are the judgement of the advisor who gave them: a new advisor
        // starts from none rather than completing on someone else's.
        let scores_cleared = match app.advisor_id.as_deref() {
            Some(previous) if previous != advisor_id => {
                db::applications::clear_scores(tx, &app.id)?
            }
            _ => 0,
        };
        audit(
            tx,
            Some(caller),
            Change::new("application.assigned", "application", &app.id)
                .before(serde_json::json!({"status": app.status.as_str(), "advisor_id": app.advisor_id}))
                .after(serde_json::json!({
                    "status": "in_review",
                    "advisor_id": advisor_id,
                    "scores_cleared": scores_cleared,
                })),
        )?;
        Ok(())
    })
    .await
}
