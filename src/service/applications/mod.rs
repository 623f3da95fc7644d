//! Applications: one assessment of one premises against one checklist version.
//!
//! - `self_assessment`: apply, list, read, answer (the operator's draft)
//! - `workflow`: submit, withdraw, claim, assign
//! - `evidence`: attach and read files
//! - `assessment`: the advisor's scores and completion (outcome, certificate)
//! - `views`: what a reader sees of an application
//! - `worklist`: the advisor's assessments and queue
//! - `sign_off`: the second reviewer's approval or return (part 3)

pub mod assessment;
pub mod evidence;
pub mod self_assessment;
pub mod views;
pub mod workflow;
pub mod worklist;
// Part 3: the second sign-off.
pub mod sign_off;

use super::access::{admits_application, application_scope};
use super::{ServiceError, ServiceResult, today};
use crate::auth::{Caller, Role};
use crate::checklists::{ChecklistStore, StoredChecklist};
use crate::db::models::{Application, Premises};
use crate::db::{self, DbConnection};
use crate::domain::application::ApplicationStatus;
use crate::domain::checklist::Facts;
use crate::domain::scope::ApplicationScope;
use crate::domain::scoring::Case;
use crate::state::AppState;

/// The caller's application scope (an advisor's depends on their accreditation).
pub(crate) fn scope_of(
    conn: &mut DbConnection,
    caller: &Caller,
) -> ServiceResult<ApplicationScope> {
    let advisor = match caller.role {
        Role::Advisor => db::advisors::find(conn, &caller.user_id)?,
        _ => None,
    };
    application_scope(caller, advisor.as_ref(), today())
}

/// An application with its premises, if the caller may see it; anything else
/// reads as not found.
pub(crate) fn load_visible(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> ServiceResult<(Application, Premises)> {
    let scope = scope_of(conn, caller)?;
    match db::applications::find_with_premises(conn, id)? {
        Some((app, prem)) if admits_application(&scope, &app, prem.kind) => Ok((app, prem)),
        _ => Err(ServiceError::not_found("application")),
    }
}

/// The exact checklist version the application is assessed against.
pub(crate) fn checklist_for(
    state: &AppState,
    conn: &mut DbConnection,
    app: &Application,
) -> ServiceResult<StoredChecklist> {
    checklist_in(&state.checklists, conn, app)
}

/// What scoring needs to know about the premises: the facts that applicability
/// rules test, and which items have evidence linked to them.
pub(crate) fn case_for(
    state: &AppState,
    conn: &mut DbConnection,
    app: &Application,
    prem: &Premises,
) -> ServiceResult<Case> {
    let commencement = state
        .settings
        .commencement()
        .map_err(ServiceError::internal)?;
    let facts = Facts {
        head_count: u32::try_from(prem.capacity).unwrap_or(0),
        tier: app.tier,
        responsible_person: prem.responsible_person.as_str().to_string(),
        before_commencement: today() < commencement,
    };
    let evidenced = crate::db::evidence::list(conn, &app.id)?
        .into_iter()
        .filter_map(|e| e.item_id)
        .collect();
    Ok(Case::new(facts, evidenced))
}

pub(crate) fn checklist_in(
    store: &ChecklistStore,
    conn: &mut DbConnection,
    app: &Application,
) -> ServiceResult<StoredChecklist> {
    store.get(conn, &app.checklist_id)?.ok_or_else(|| {
        ServiceError::internal(anyhow::anyhow!("checklist {} missing", app.checklist_id))
    })
}

/// Fails with 409 unless the application is in `expected`.
pub(crate) fn require_status(
    app: &Application,
    expected: &[ApplicationStatus],
) -> ServiceResult<()> {
    if expected.contains(&app.status) {
        Ok(())
    } else {
        let want: Vec<&str> = expected.iter().map(|s| s.as_str()).collect();
        Err(ServiceError::conflict(
            "wrong_status",
            format!(
                "the application is {}; this needs it to be {}",
                app.status.as_str(),
                want.join(" or ")
            ),
        ))
    }
}

/// Whether `item_id` is a checklist item that applies to the application's tier.
pub(crate) fn applies(checklist: &StoredChecklist, app: &Application, item_id: &str) -> bool {
    checklist
        .checklist
        .applicable_items(app.tier)
        .iter()
        .any(|(_, item)| item.id == item_id)
}
