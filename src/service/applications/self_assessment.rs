//! The operator's side: start an application, answer the self-assessment, read it back.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::views::{self, AnswerView, ApplicationView};
use super::{applies, checklist_for, load_visible, require_status, scope_of};
use crate::auth::{Caller, Role};
use crate::db::models::{Answer, Application};
use crate::db::sequences::{Change, audit};
use crate::db::{self, now, write_tx};
use crate::domain::application::{AnswerStatus, ApplicationStatus};
use crate::service::access::{require_operator, require_owner, require_role};
use crate::service::page::{given, read_page};
use crate::service::validate::Check;
use crate::service::{ServiceError, ServiceResult};
use crate::state::AppState;

#[derive(Deserialize, ToSchema, Debug, Clone)]
pub struct CreateApplicationRequest {
    pub premises_id: String,
}

fn already_open() -> ServiceError {
    ServiceError::conflict(
        "application_open",
        "these premises already have an open application; finish or withdraw it first",
    )
}

/// Starts an application for the caller's premises against the newest checklist.
pub async fn apply(
    state: &AppState,
    caller: &Caller,
    input: CreateApplicationRequest,
) -> ServiceResult<ApplicationView> {
    require_operator(caller)?;
    let (st, caller) = (state.clone(), caller.clone());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let prem = crate::service::premises::load_visible(tx, &caller, &input.premises_id)
                    .map_err(|_| {
                        ServiceError::field("premises_id", "no such premises in your organisation")
                    })?;
                db::premises::lock(tx, &prem.id)?;
                if db::applications::count_open(tx, &prem.id)? > 0 {
                    return Err(already_open());
                }
                let checklist = st.checklists.latest(prem.kind).ok_or_else(|| {
                    ServiceError::internal(anyhow::anyhow!(
                        "no checklist for {}",
                        prem.kind.as_str()
                    ))
                })?;
                let tier = checklist.checklist.tiers.tier_for(
                    u32::try_from(prem.capacity).unwrap_or(0),
                    prem.place_of_worship,
                );
                let at = now();
                let app = Application {
                    id: uuid::Uuid::new_v4().to_string(),
                    premises_id: prem.id.clone(),
                    organisation_id: prem.organisation_id.clone(),
                    checklist_id: checklist.id.clone(),
                    tier,
                    status: ApplicationStatus::Draft,
                    advisor_id: None,
                    outcome: None,
                    result: None,
                    created_by: caller.user_id.clone(),
                    created_at: at,
                    submitted_at: None,
                    assigned_at: None,
                    completed_at: None,
                    updated_at: at,
                };
                // Two requests racing past the count above (PostgreSQL's default
                // isolation lets both see none) meet the one-open-per-premises index;
                // the id is a fresh UUID, so a unique violation can only be that one.
                db::applications::insert(tx, &app).map_err(|e| match e {
                    diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    ) => already_open(),
                    other => other.into(),
                })?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.created", "application", &app.id).after(
                        serde_json::json!({
                            "premises_id": app.premises_id, "checklist_id": app.checklist_id,
                            "tier": app.tier.as_str(),
                        }),
                    ),
                )?;
                views::build(tx, &caller, &app, &prem, &checklist)
            })
        })
        .await
}

#[derive(Deserialize, IntoParams, Debug, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only applications in this status.
    pub status: Option<String>,
    /// At most this many (default 50, at most 200).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// Skip this many (for the next page).
    #[param(value_type = Option<i64>)]
    pub offset: Option<String>,
}

/// The applications the caller may see (an advisor: theirs and their queue),
/// newest first, optionally in one status.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: &ListQuery,
) -> ServiceResult<Vec<ApplicationView>> {
    require_role(caller, &[Role::Operator, Role::Advisor, Role::Admin])?;
    let mut check = Check::new();
    let status = given(query.status.as_deref()).and_then(|s| {
        let parsed = ApplicationStatus::parse(s);
        if parsed.is_none() {
            check.fail(
                "status",
                "must be draft, submitted, in_review, completed or withdrawn",
            );
        }
        parsed
    });
    let page = read_page(&mut check, query.limit.as_deref(), query.offset.as_deref());
    check.finish()?;
    let (st, caller) = (state.clone(), caller.clone());
    state
        .db
        .run(move |conn| {
            let scope = scope_of(conn, &caller)?;
            let rows = db::applications::list(conn, &scope, status, page)?;
            views::build_list(&st.checklists, conn, &rows)
        })
        .await
}

pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<ApplicationView> {
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            let (app, prem) = load_visible(conn, &caller, &id)?;
            let checklist = checklist_for(&st, conn, &app)?;
            views::build(conn, &caller, &app, &prem, &checklist)
        })
        .await
}

#[derive(Deserialize, ToSchema, Debug, Clone, Default)]
pub struct AnswerRequest {
    /// `in_place`, `partial`, `not_in_place` or `not_applicable`.
    pub status: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// The operator answers one item of their draft.
pub async fn answer(
    state: &AppState,
    caller: &Caller,
    id: &str,
    item_id: &str,
    input: AnswerRequest,
) -> ServiceResult<AnswerView> {
    let mut check = Check::new();
    let status = AnswerStatus::parse(input.status.trim());
    if status.is_none() {
        check.fail(
            "status",
            "must be in_place, partial, not_in_place or not_applicable",
        );
    }
    let note = check
        .optional_text("note", input.note.as_deref(), 4000)
        .unwrap_or_default();
    check.finish()?;
    let status = status.ok_or_else(|| ServiceError::field("status", "unknown answer"))?;
    let (st, caller, id, item_id) = (
        state.clone(),
        caller.clone(),
        id.to_string(),
        item_id.to_string(),
    );
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, _) = load_visible(tx, &caller, &id)?;
                require_owner(&caller, &app)?;
                require_status(&app, &[ApplicationStatus::Draft])?;
                let checklist = checklist_for(&st, tx, &app)?;
                if !applies(&checklist, &app, &item_id) {
                    return Err(ServiceError::not_found(format!(
                        "checklist item `{item_id}` for this application"
                    )));
                }
                let at = now();
                db::applications::upsert_answer(
                    tx,
                    &Answer {
                        application_id: app.id.clone(),
                        item_id: item_id.clone(),
                        status,
                        note: note.clone(),
                        updated_at: at,
                    },
                )?;
                db::applications::touch(tx, &app.id, at)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.answered", "application", &app.id)
                        .after(serde_json::json!({"item_id": item_id, "status": status.as_str()})),
                )?;
                Ok(AnswerView { status, note })
            })
        })
        .await
}
