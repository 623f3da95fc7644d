//! The advisor's worklist: the applications they are assessing, the queue they
//! may claim from, and those they completed (newest first), by the same scope as
//! every other read of applications.

use serde::Serialize;

use super::self_assessment::{self, ListQuery};
use super::views::ApplicationView;
use crate::auth::{Caller, Role};
use crate::domain::application::ApplicationStatus;
use crate::service::ServiceResult;
use crate::service::access::require_role;
use crate::state::AppState;

/// How many completed assessments the worklist shows.
const RECENTLY_COMPLETED: &str = "50";

#[derive(Serialize, Debug, Clone)]
pub struct Worklist {
    /// In review, assigned to the caller.
    pub in_progress: Vec<ApplicationView>,
    /// Submitted and unclaimed, in the caller's accreditation scope.
    pub queue: Vec<ApplicationView>,
    /// Completed by the caller, newest first.
    pub completed: Vec<ApplicationView>,
    // Part 3: the second sign-off.
    /// Completed by the caller and awaiting a second reviewer's sign-off.
    pub awaiting_sign_off: Vec<ApplicationView>,
    /// Others' assessments awaiting a sign-off the caller may give.
    pub sign_off_queue: Vec<ApplicationView>,
}

pub async fn worklist(state: &AppState, caller: &Caller) -> ServiceResult<Worklist> {
    require_role(caller, &[Role::Advisor])?;
    let list = |status: ApplicationStatus, limit: &str| ListQuery {
        status: Some(status.as_str().to_string()),
        limit: Some(limit.to_string()),
        offset: None,
    };
    let mine = |a: &ApplicationView| {
        a.advisor
            .as_ref()
            .is_some_and(|adv| adv.id == caller.user_id)
    };
    let in_progress =
        self_assessment::list(state, caller, &list(ApplicationStatus::InReview, "200")).await?;
    let queue =
        self_assessment::list(state, caller, &list(ApplicationStatus::Submitted, "200")).await?;
    let completed = self_assessment::list(
        state,
        caller,
        &list(ApplicationStatus::Completed, RECENTLY_COMPLETED),
    )
    .await?;
    let awaiting = self_assessment::list(
        state,
        caller,
        &list(ApplicationStatus::AwaitingSignOff, "200"),
    )
    .await?;
    let (awaiting_sign_off, sign_off_queue): (Vec<_>, Vec<_>) =
        awaiting.into_iter().partition(|a| mine(a));
    Ok(Worklist {
        awaiting_sign_off,
        sign_off_queue,
        in_progress: in_progress.into_iter().filter(mine).collect(),
        queue: queue.into_iter().filter(|a| a.advisor.is_none()).collect(),
        completed: completed.into_iter().filter(mine).collect(),
    })
}
