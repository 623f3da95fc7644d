//! The second sign-off (part 3): where the scheme names the premises' tier or kind,
//! completing an assessment leaves it awaiting sign-off with the computed outcome;
//! a reviewer (an admin, or an accredited advisor in scope and untied who did not
//! assess it) approves it, which issues the certificate or makes the refusal final,
//! or returns it to the assessor with a note. Every outcome goes to sign-off.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessment::{CompleteResponse, decide, stored_scores};
use super::views::{CertificateSummary, StoredAssessment, stored_assessment};
use super::{checklist_for, load_visible};
use crate::auth::{Caller, Role};
use crate::db::models::Application;
use crate::db::sequences::{Change, audit};
use crate::db::sign_offs::{NamedSignOff, SignOff};
use crate::db::{self, DbConnection, now, to_utc, write_tx};
use crate::domain::application::ApplicationStatus;
use crate::domain::scoring::{self, Outcome};
use crate::domain::sign_off::{self, Decision, Refused};
use crate::service::access::{require_may_sign_off, require_role};
use crate::service::certificates::issue::{Issuance, Prepared, issue_certificate, prepare};
use crate::service::{ServiceError, ServiceResult, today};
use crate::state::AppState;

/// The longest note a reviewer may leave.
pub const NOTE_MAX: usize = 4000;

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct SignOffRequest {
    pub decision: Decision,
    /// Required to return the assessment (what the assessor should look at);
    /// optional on approval.
    #[serde(default)]
    #[schema(schema_with = crate::service::validate::optional_text::<4000>)]
    pub note: Option<String>,
}

/// Where a sign-off round stands.
#[derive(Serialize, ToSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignOffState {
    Awaiting,
    Approved,
    Returned,
}

/// Someone named on the record: who assessed, who signed off.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct PersonOnRecord {
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// The latest sign-off round of an application: who assessed it and when, and
/// (once decided) who signed it off or returned it, when, with their note.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct SignOffView {
    pub state: SignOffState,
    pub assessed_by: PersonOnRecord,
    #[serde(with = "time::serde::rfc3339")]
    pub assessed_at: time::OffsetDateTime,
    pub reviewer: Option<PersonOnRecord>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<time::OffsetDateTime>,
    /// The reviewer's note (a return always has one). Not shown to operators.
    pub note: String,
}

impl From<&NamedSignOff> for SignOffView {
    fn from(n: &NamedSignOff) -> Self {
        let r = &n.round;
        let state = match r.decision.as_deref().and_then(Decision::from_past_tense) {
            None => SignOffState::Awaiting,
            Some(Decision::Approve) => SignOffState::Approved,
            Some(Decision::Return) => SignOffState::Returned,
        };
        SignOffView {
            state,
            assessed_by: PersonOnRecord {
                id: r.assessor_id.clone(),
                name: n.assessor_name.clone(),
                role: Role::Advisor,
            },
            assessed_at: to_utc(r.assessed_at),
            reviewer: r
                .reviewer_id
                .clone()
                .zip(n.reviewer.clone())
                .map(|(id, (name, role))| PersonOnRecord { id, name, role }),
            decided_at: r.decided_at.map(to_utc),
            note: r.note.clone(),
        }
    }
}

/// The latest round of each application, for views (one query).
pub(crate) fn latest_views(
    conn: &mut DbConnection,
    application_ids: &[&str],
) -> ServiceResult<HashMap<String, SignOffView>> {
    Ok(db::sign_offs::latest_of(conn, application_ids)?
        .iter()
        .map(|(id, n)| (id.clone(), SignOffView::from(n)))
        .collect())
}

/// Who signed off the certificate's assessment, on the certificate record.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct SignedOffBy {
    pub name: String,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
}

/// The approving reviewer of each application that went through sign-off.
pub(crate) fn signed_off_by(
    conn: &mut DbConnection,
    application_ids: &[&str],
) -> ServiceResult<HashMap<String, SignedOffBy>> {
    Ok(latest_views(conn, application_ids)?
        .into_iter()
        .filter(|(_, v)| v.state == SignOffState::Approved)
        .filter_map(|(id, v)| {
            let reviewer = v.reviewer?;
            Some((
                id,
                SignedOffBy {
                    name: reviewer.name,
                    role: reviewer.role,
                    at: v.decided_at?,
                },
            ))
        })
        .collect())
}

/// Completion of an assessment that needs a second sign-off, in the completing
/// transaction: the outcome and result are stored, the application awaits sign-off,
/// and the round names the assessor.
pub(super) fn await_sign_off(
    tx: &mut DbConnection,
    caller: &Caller,
    app: &Application,
    assessment: &scoring::Assessment,
    stored_json: &str,
    at: time::PrimitiveDateTime,
) -> ServiceResult<()> {
    if !db::sign_offs::await_sign_off(tx, &app.id, assessment.outcome, stored_json, at)? {
        return Err(ServiceError::conflict(
            "wrong_status",
            "the application changed meanwhile",
        ));
    }
    db::sign_offs::insert(
        tx,
        &SignOff {
            id: uuid::Uuid::new_v4().to_string(),
            application_id: app.id.clone(),
            assessor_id: caller.user_id.clone(),
            outcome: assessment.outcome,
            assessed_at: at,
            reviewer_id: None,
            decision: None,
            note: String::new(),
            decided_at: None,
        },
    )?;
    audit(
        tx,
        Some(caller),
        Change::new("application.awaiting_sign_off", "application", &app.id)
            .before(serde_json::json!({"status": app.status.as_str()}))
            .after(serde_json::json!({
                "status": ApplicationStatus::AwaitingSignOff.as_str(),
                "outcome": assessment.outcome.as_str(),
                "overall_percent": assessment.result.overall_percent,
            })),
    )?;
    Ok(())
}

fn refusal(why: Refused) -> ServiceError {
    match why {
        Refused::NotAwaiting(_) => ServiceError::conflict("wrong_status", why.to_string()),
        Refused::NoteRequired => ServiceError::field("note", why.to_string()),
        Refused::NotAReviewer | Refused::OwnAssessment | Refused::Ineligible(_) => {
            ServiceError::forbidden(why.to_string())
        }
    }
}

/// The reviewer's decision on an application awaiting sign-off. Approval recomputes
/// the outcome from the stored scores by the same scoring as completion (scores
/// cannot change while it awaits, so it is what the assessor saw), then issues the
/// certificate when certified, or makes the refusal final; an event that has ended
/// meanwhile is refused as at completion. Return sends it back to the assessor, in
/// review, with the note.
pub async fn sign_off(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: SignOffRequest,
) -> ServiceResult<CompleteResponse> {
    require_role(caller, &[Role::Admin, Role::Advisor])?;
    let note = input.note.as_deref().unwrap_or_default().trim().to_string();
    if note.chars().count() > NOTE_MAX {
        return Err(ServiceError::field(
            "note",
            format!("must be at most {NOTE_MAX} characters"),
        ));
    }
    let decision = input.decision;
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            let at = now();
            // Issue 12, part D: an approval's PDF is made before the write
            // transaction, which re-checks everything and decides.
            let mut prepared = match decision {
                Decision::Approve => sign_off_in(conn, &caller, &id, decision, &note)
                    .ok()
                    .and_then(|(app, prem, _)| {
                        let approval = approval_in(&st, conn, &app, &prem, at).ok()?;
                        approval.issuance_ahead(&st, conn, &app, &prem, at)
                    }),
                Decision::Return => None,
            };
            write_tx(conn, |tx| {
                let (app, prem, to) = sign_off_in(tx, &caller, &id, decision, &note)?;
                let response = match decision {
                    Decision::Approve => {
                        approve(&st, tx, &caller, &app, &prem, &note, at, prepared.take())?
                    }
                    Decision::Return => send_back(tx, &caller, &app, &note, at)?,
                };
                debug_assert_eq!(response.status, to);
                Ok(response)
            })
        })
        .await
}

/// The application a sign-off decides, once the caller may decide it, and the
/// status the decision moves it to.
fn sign_off_in(
    tx: &mut DbConnection,
    caller: &Caller,
    id: &str,
    decision: Decision,
    note: &str,
) -> ServiceResult<(Application, crate::db::models::Premises, ApplicationStatus)> {
    let (app, prem) = load_visible(tx, caller, id)?;
    let pending = db::sign_offs::latest_of(tx, &[app.id.as_str()])?
        .remove(&app.id)
        .map(|n| n.round)
        .filter(|r| r.decision.is_none());
    // The assessor is whoever completed the pending round, or failing
    // one, the assigned advisor.
    let assessor_id = pending
        .as_ref()
        .map(|r| r.assessor_id.clone())
        .or_else(|| app.advisor_id.clone())
        .unwrap_or_default();
    let advisor = match caller.role {
        Role::Advisor => db::advisors::find(tx, &caller.user_id)?,
        _ => None,
    };
    require_may_sign_off(
        caller,
        &app,
        advisor.as_ref(),
        prem.kind,
        &assessor_id,
        today(),
    )?;
    let to = sign_off::transition(app.status, decision, note).map_err(refusal)?;
    if pending.is_none() {
        return Err(ServiceError::internal(anyhow::anyhow!(
            "application {} awaits sign-off without a round",
            app.id
        )));
    }
    Ok((app, prem, to))
}

/// What approving finds: the checklist and the decision the stored scores make,
/// once the assessor's work may still be issued.
struct Approval {
    checklist: crate::checklists::StoredChecklist,
    decision: super::assessment::Decision,
}

fn approval_in(
    st: &AppState,
    tx: &mut DbConnection,
    app: &Application,
    prem: &crate::db::models::Premises,
    at: time::PrimitiveDateTime,
) -> ServiceResult<Approval> {
    // Work done by an advisor who has since been suspended or withdrawn is not
    // issued: oversight would flag the certificate the moment it existed.
    let assessor = match app.advisor_id.as_deref() {
        Some(id) => db::advisors::find(tx, id)?,
        None => None,
    };
    if let Some(standing) = assessor
        .map(|a| a.status)
        .filter(|s| *s != crate::domain::accreditation::AccreditationStatus::Active)
    {
        return Err(ServiceError::conflict(
            "assessor_not_accredited",
            format!(
                "the assessor's accreditation is {} since the assessment: return it, or have an admin assign it to another advisor",
                standing.as_str()
            ),
        ));
    }
    let checklist = checklist_for(st, tx, app)?;
    let scores = stored_scores(tx, app)?;
    let case = super::case_for(st, tx, app, prem)?;
    let decision = decide(&checklist, &case, prem, &scores, at)?;
    if let Some(why) = decision.blocked {
        return Err(ServiceError::conflict("event_ended", why));
    }
    Ok(Approval {
        checklist,
        decision,
    })
}

impl Approval {
    /// The certificate's PDF, made now, when approving would issue one.
    fn issuance_ahead(
        &self,
        st: &AppState,
        conn: &mut DbConnection,
        app: &Application,
        prem: &crate::db::models::Premises,
        at: time::PrimitiveDateTime,
    ) -> Option<Prepared> {
        let outcome = self.decision.assessment.outcome;
        if outcome == Outcome::Refused {
            return None;
        }
        let what = Issuance {
            app,
            prem,
            checklist: &self.checklist,
            outcome,
            conditions: &self.decision.conditions,
            issued_at: at,
        };
        prepare(conn, &st.documents, &what)
    }
}

#[allow(clippy::too_many_arguments)]
fn approve(
    st: &AppState,
    tx: &mut DbConnection,
    caller: &Caller,
    app: &Application,
    prem: &crate::db::models::Premises,
    note: &str,
    at: time::PrimitiveDateTime,
    prepared: Option<Prepared>,
) -> ServiceResult<CompleteResponse> {
    let Approval {
        checklist,
        decision,
    } = approval_in(st, tx, app, prem, at)?;
    let assessment = decision.assessment;
    let conditions = decision.conditions;
    let stored = serde_json::to_string(&StoredAssessment {
        result: assessment.result.clone(),
        conditions: conditions.clone(),
    })
    .map_err(anyhow::Error::from)?;
    if !db::sign_offs::approve(tx, &app.id, assessment.outcome, &stored, at)?
        || !db::sign_offs::decide(
            tx,
            &app.id,
            &caller.user_id,
            Decision::Approve.past_tense(),
            note,
            at,
        )?
    {
        return Err(ServiceError::conflict(
            "wrong_status",
            "the application changed meanwhile",
        ));
    }
    audit(
        tx,
        Some(caller),
        Change::new("application.signed_off", "application", &app.id)
            .before(serde_json::json!({"status": app.status.as_str()}))
            .after(serde_json::json!({
                "status": ApplicationStatus::Completed.as_str(),
                "outcome": assessment.outcome.as_str(),
                "overall_percent": assessment.result.overall_percent,
                "assessed_by": app.advisor_id,
                "signed_off_by": caller.user_id,
                "note": note,
            })),
    )?;
    let certificate = if assessment.outcome == Outcome::Refused {
        None
    } else {
        let what = Issuance {
            app,
            prem,
            checklist: &checklist,
            outcome: assessment.outcome,
            conditions: &conditions,
            issued_at: at,
        };
        Some(issue_certificate(
            tx,
            &st.documents,
            caller,
            &what,
            prepared,
        )?)
    };
    Ok(CompleteResponse {
        outcome: assessment.outcome,
        result: assessment.result,
        conditions,
        certificate: certificate.as_ref().map(CertificateSummary::from),
        status: ApplicationStatus::Completed,
    })
}

fn send_back(
    tx: &mut DbConnection,
    caller: &Caller,
    app: &Application,
    note: &str,
    at: time::PrimitiveDateTime,
) -> ServiceResult<CompleteResponse> {
    let stored = stored_assessment(app)?.ok_or_else(|| {
        ServiceError::internal(anyhow::anyhow!(
            "{} awaits sign-off without a result",
            app.id
        ))
    })?;
    let outcome = app.outcome.ok_or_else(|| {
        ServiceError::internal(anyhow::anyhow!(
            "{} awaits sign-off without an outcome",
            app.id
        ))
    })?;
    if !db::sign_offs::send_back(tx, &app.id, at)?
        || !db::sign_offs::decide(
            tx,
            &app.id,
            &caller.user_id,
            Decision::Return.past_tense(),
            note,
            at,
        )?
    {
        return Err(ServiceError::conflict(
            "wrong_status",
            "the application changed meanwhile",
        ));
    }
    audit(
        tx,
        Some(caller),
        Change::new("application.returned", "application", &app.id)
            .before(serde_json::json!({"status": app.status.as_str(), "outcome": outcome.as_str()}))
            .after(serde_json::json!({
                "status": ApplicationStatus::InReview.as_str(),
                "assessed_by": app.advisor_id,
                "returned_by": caller.user_id,
                "note": note,
            })),
    )?;
    Ok(CompleteResponse {
        outcome,
        result: stored.result,
        conditions: stored.conditions,
        certificate: None,
        status: ApplicationStatus::InReview,
    })
}

/// The applications awaiting sign-off that the caller may sign off: for an admin
/// every one, for an advisor those in their accreditation's scope, untied, that
/// they did not assess. Oldest assessment first.
pub async fn queue(
    state: &AppState,
    caller: &Caller,
) -> ServiceResult<Vec<super::views::ApplicationView>> {
    require_role(caller, &[Role::Admin, Role::Advisor])?;
    let query = super::self_assessment::ListQuery {
        status: Some(ApplicationStatus::AwaitingSignOff.as_str().to_string()),
        limit: Some("200".to_string()),
        offset: None,
    };
    let mut awaiting: Vec<_> = super::self_assessment::list(state, caller, &query)
        .await?
        .into_iter()
        .filter(|a| {
            a.sign_off
                .as_ref()
                .is_none_or(|s| s.assessed_by.id != caller.user_id)
        })
        .collect();
    awaiting.sort_by_key(|a| a.sign_off.as_ref().map(|s| s.assessed_at));
    Ok(awaiting)
}

/// The application as a reviewer signs it off: the full view (outcome, result,
/// scores and notes), for whoever may sign it off. The assessor is refused, as
/// for the decision itself.
pub async fn for_review(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ServiceResult<super::views::ApplicationView> {
    require_role(caller, &[Role::Admin, Role::Advisor])?;
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            let (app, prem) = load_visible(conn, &caller, &id)?;
            let view = {
                let checklist = checklist_for(&st, conn, &app)?;
                super::views::build(conn, &caller, &app, &prem, &checklist)?
            };
            let assessor_id = view
                .sign_off
                .as_ref()
                .map(|s| s.assessed_by.id.clone())
                .or_else(|| app.advisor_id.clone())
                .unwrap_or_default();
            let advisor = match caller.role {
                Role::Advisor => db::advisors::find(conn, &caller.user_id)?,
                _ => None,
            };
            require_may_sign_off(
                &caller,
                &app,
                advisor.as_ref(),
                prem.kind,
                &assessor_id,
                today(),
            )?;
            Ok(view)
        })
        .await
}
