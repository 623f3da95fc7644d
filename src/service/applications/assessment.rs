//! The advisor's side: score the items, then complete the assessment, which decides
//! the outcome from the scores alone and, when certified, issues the certificate
//! (or, where the scheme wants a second sign-off, leaves it awaiting one: `sign_off`).

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::views::{self, ApplicationView, CertificateSummary, StoredAssessment};
use super::{case_for, checklist_for, load_visible, require_status};
use crate::auth::{Caller, Role};
use crate::checklists::StoredChecklist;
use crate::db::models::{Application, Premises, Score};
use crate::db::sequences::{Change, audit};
use crate::db::{self, DbConnection, now, to_utc, write_tx};
use crate::domain::application::ApplicationStatus;
use crate::domain::scoring::{
    self, AssessmentResult, ConditionDraft, Outcome, ScoringError, SectionResult,
};
use crate::service::access::{require_assigned, require_may_assess, require_role};
use crate::service::certificates::issue::{Issuance, Prepared, issue_certificate, prepare};
use crate::service::{FieldError, ServiceError, ServiceResult, today};
use crate::state::AppState;

/// Present-and-null differs from absent: null marks the item not applicable,
/// absent is a mistake the advisor is told about.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    crate::service::whole_number::optional(d).map(Some)
}

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    pub item_id: String,
    /// 0..=max_score, or null for not applicable.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub score: Option<Option<i64>>,
    #[serde(default)]
    #[schema(schema_with = crate::service::validate::optional_text::<4000>)]
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ScoresRequest {
    #[schema(min_items = 1)]
    pub scores: Vec<ScoreInput>,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct ScoresResponse {
    pub scored: usize,
    pub items: usize,
    /// Applicable items still without a score.
    pub unscored: Vec<String>,
}

/// The field a refused score is about, and what to tell the advisor, naming the item.
pub(crate) fn score_problem(e: &ScoringError) -> (&'static str, String) {
    let item = e.item_id().unwrap_or_default();
    match e {
        ScoringError::OutOfRange { max, .. } => {
            ("score", format!("must be from 0 to {max}, or null"))
        }
        ScoringError::CriticalNotApplicable(_) => (
            "score",
            format!(
                "{item} is critical and the law applies to these premises: it cannot be marked not applicable"
            ),
        ),
        ScoringError::NotApplicableWithoutReason(_) => (
            "note",
            format!("{item}: say in the note why it does not apply here"),
        ),
        ScoringError::EvidenceMissing { score, .. } => (
            "score",
            format!(
                "{item}: a score of {score} needs evidence linked to this item; attach it first or score lower"
            ),
        ),
        ScoringError::UnknownItem(_) => (
            "item_id",
            format!("`{item}` is not a checklist item of this application"),
        ),
        ScoringError::Unscored(items) => ("score", format!("unscored: {}", items.join(", "))),
    }
}

/// The assigned advisor records scores (and notes) for some or all items.
pub async fn score(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: ScoresRequest,
) -> ServiceResult<ScoresResponse> {
    if input.scores.is_empty() {
        return Err(ServiceError::field(
            "scores",
            "must hold at least one score",
        ));
    }
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, prem) = load_visible(tx, &caller, &id)?;
                let advisor = db::advisors::find(tx, &caller.user_id)?;
                require_may_assess(&caller, &app, advisor.as_ref(), prem.kind, today())?;
                require_status(&app, &[ApplicationStatus::InReview])?;
                let checklist = checklist_for(&st, tx, &app)?;
                let case = case_for(&st, tx, &app, &prem)?;
                let max = checklist.checklist.scoring.max_score;
                let mut errors = Vec::new();
                let mut valid: Vec<Score> = Vec::new();
                let at = now();
                for (i, entry) in input.scores.iter().enumerate() {
                    let Some(score) = entry.score else {
                        errors.push(FieldError::new(
                            format!("scores[{i}].score"),
                            "is required: a number, or null for not applicable",
                        ));
                        continue;
                    };
                    let as_u8 = match score {
                        None => None,
                        Some(s) if (0..=i64::from(max)).contains(&s) => u8::try_from(s).ok(),
                        Some(_) => {
                            errors.push(FieldError::new(
                                format!("scores[{i}].score"),
                                format!("must be from 0 to {max}, or null"),
                            ));
                            continue;
                        }
                    };
                    let note = entry.note.as_deref().unwrap_or_default();
                    match scoring::check_score(
                        &checklist.checklist,
                        &case,
                        &entry.item_id,
                        as_u8,
                        note,
                    ) {
                        Ok(()) => valid.push(Score {
                            application_id: app.id.clone(),
                            item_id: entry.item_id.clone(),
                            score: as_u8.map(i32::from),
                            note: entry.note.clone().unwrap_or_default().trim().to_string(),
                            updated_at: at,
                        }),
                        Err(e) => {
                            let (field, message) = score_problem(&e);
                            errors.push(FieldError::new(format!("scores[{i}].{field}"), message));
                        }
                    }
                    if entry
                        .note
                        .as_deref()
                        .is_some_and(|n| n.chars().count() > 4000)
                    {
                        errors.push(FieldError::new(
                            format!("scores[{i}].note"),
                            "must be at most 4000 characters",
                        ));
                    }
                }
                if !errors.is_empty() {
                    return Err(ServiceError::Invalid(errors));
                }
                for row in &valid {
                    db::applications::upsert_score(tx, row)?;
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.scored", "application", &app.id).after(
                        valid
                            .iter()
                            .map(|s| serde_json::json!({"item_id": s.item_id, "score": s.score}))
                            .collect::<Vec<_>>(),
                    ),
                )?;
                let scored: Vec<String> = db::applications::scores(tx, &app.id)?
                    .into_iter()
                    .map(|s| s.item_id)
                    .collect();
                let applicable = checklist.checklist.applicable_items(app.tier);
                let unscored: Vec<String> = applicable
                    .iter()
                    .map(|(_, item)| item.id.clone())
                    .filter(|id| !scored.contains(id))
                    .collect();
                Ok(ScoresResponse {
                    scored: applicable.len() - unscored.len(),
                    items: applicable.len(),
                    unscored,
                })
            })
        })
        .await
}

/// The stored scores of an application: item id → Some(score), or None for not
/// applicable; unscored items are absent.
pub(super) fn stored_scores(
    conn: &mut DbConnection,
    app: &Application,
) -> ServiceResult<HashMap<String, Option<u8>>> {
    Ok(db::applications::scores(conn, &app.id)?
        .into_iter()
        .map(|s| (s.item_id, s.score.and_then(|v| u8::try_from(v).ok())))
        .collect())
}

/// What completing at `at` decides from `scores`: the one rule that both
/// `complete` and `preview` apply, so a preview can never promise what
/// completion then refuses.
pub(super) struct Decision {
    pub(super) assessment: scoring::Assessment,
    /// The conditions the certificate carries (only for certified with conditions).
    pub(super) conditions: Vec<ConditionDraft>,
    /// Why no certificate can be issued although the scores would certify.
    pub(super) blocked: Option<String>,
}

/// When an event's gates open and it ends; none for a building.
pub(crate) fn event_window(prem: &Premises) -> Option<scoring::EventWindow> {
    Some(scoring::EventWindow {
        start: to_utc(prem.event_start?),
        end: to_utc(prem.event_end?),
    })
}

pub(super) fn decide(
    checklist: &StoredChecklist,
    case: &scoring::Case,
    prem: &Premises,
    scores: &HashMap<String, Option<u8>>,
    at: time::PrimitiveDateTime,
) -> ServiceResult<Decision> {
    let assessment = match scoring::assess_until(
        &checklist.checklist,
        case,
        scores,
        to_utc(at),
        event_window(prem),
    ) {
        Ok(a) => a,
        Err(ScoringError::Unscored(items)) => {
            return Err(ServiceError::Conflict {
                code: "unscored_items",
                detail: format!(
                    "{} checklist item(s) are not scored yet: {}",
                    items.len(),
                    items.join(", ")
                ),
                items,
            });
        }
        // A score saved before its evidence was withdrawn, or before the facts
        // changed (the Act came into force): the advisor rescores that item.
        Err(e) => {
            let (_, detail) = score_problem(&e);
            return Err(ServiceError::Conflict {
                code: "score_no_longer_valid",
                detail: format!("rescore the item: {detail}"),
                items: e.item_id().map(str::to_string).into_iter().collect(),
            });
        }
    };
    let blocked = match prem.event_end {
        Some(end) if assessment.outcome != Outcome::Refused && to_utc(end) <= to_utc(at) => {
            Some("the event has already ended, so no certificate can be issued for it".to_string())
        }
        _ => None,
    };
    let conditions = if assessment.outcome == Outcome::CertifiedWithConditions {
        assessment.conditions.clone()
    } else {
        Vec::new()
    };
    Ok(Decision {
        assessment,
        conditions,
        blocked,
    })
}

/// What completing the assessment now would decide, without storing anything.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct PreviewResponse {
    /// Applicable items, and how many of them are scored (a score or not applicable).
    pub items: usize,
    pub scored: usize,
    /// Applicable items still without a score, in checklist order.
    pub unscored: Vec<String>,
    /// Percentages over the items scored so far (not-applicable items count nowhere);
    /// null until something assessable is scored.
    pub overall_percent: Option<f64>,
    pub sections: Vec<SectionResult>,
    /// What completing now would decide; null while any item is unscored.
    pub outcome: Option<Outcome>,
    /// The explanation completing would store (overall and section percentages,
    /// critical failures, reasons); null while any item is unscored.
    pub result: Option<AssessmentResult>,
    /// The conditions the certificate would carry, due dates counted from now.
    pub conditions: Vec<ConditionDraft>,
    /// Whether completing now would succeed.
    pub can_complete: bool,
    /// Why not, when every item is scored but completion would still be refused.
    pub blocked_by: Option<String>,
}

fn preview_of(
    checklist: &StoredChecklist,
    case: &scoring::Case,
    app: &Application,
    prem: &Premises,
    scores: &HashMap<String, Option<u8>>,
    at: time::PrimitiveDateTime,
) -> ServiceResult<PreviewResponse> {
    let tally = scoring::tally(&checklist.checklist, app.tier, scores);
    let items = checklist.checklist.applicable_items(app.tier).len();
    let mut preview = PreviewResponse {
        items,
        scored: items - tally.unscored.len(),
        unscored: tally.unscored.clone(),
        overall_percent: tally.overall_percent,
        sections: tally.sections,
        outcome: None,
        result: None,
        conditions: Vec::new(),
        can_complete: false,
        blocked_by: None,
    };
    if tally.unscored.is_empty() {
        match decide(checklist, case, prem, scores, at) {
            Ok(decision) => {
                preview.outcome = Some(decision.assessment.outcome);
                preview.result = Some(decision.assessment.result);
                preview.conditions = decision.conditions;
                preview.can_complete = decision.blocked.is_none();
                preview.blocked_by = decision.blocked;
            }
            // A saved score the facts no longer allow: the sheet stays open to
            // rescore it, and the preview says which.
            Err(ServiceError::Conflict {
                code: "score_no_longer_valid",
                detail,
                ..
            }) => preview.blocked_by = Some(detail),
            Err(e) => return Err(e),
        }
    }
    Ok(preview)
}

/// The assigned advisor's preview of the outcome: the same rules, percentages,
/// reasons and conditions as `complete`, computed from the scores saved so far,
/// stored nowhere. While items are unscored it gives the percentages so far and
/// names the unscored items.
pub async fn preview(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ServiceResult<PreviewResponse> {
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            let (app, prem) = load_visible(conn, &caller, &id)?;
            require_assigned(&caller, &app)?;
            require_status(&app, &[ApplicationStatus::InReview])?;
            let checklist = checklist_for(&st, conn, &app)?;
            let case = case_for(&st, conn, &app, &prem)?;
            let scores = stored_scores(conn, &app)?;
            preview_of(&checklist, &case, &app, &prem, &scores, now())
        })
        .await
}

/// An application as its advisor scores it: the full view (items with the
/// operator's answers, notes and evidence, and the scores so far) and, while the
/// caller is the assigned advisor and it is in review, the preview of its outcome.
#[derive(Serialize, Debug, Clone)]
pub struct ScoringSheet {
    pub application: ApplicationView,
    pub preview: Option<PreviewResponse>,
    /// Whether the caller is the advisor assigned to it.
    pub assigned_to_caller: bool,
}

pub async fn sheet(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<ScoringSheet> {
    require_role(caller, &[Role::Advisor, Role::Admin])?;
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            let (app, prem) = load_visible(conn, &caller, &id)?;
            let checklist = checklist_for(&st, conn, &app)?;
            let application = views::build(conn, &caller, &app, &prem, &checklist)?;
            let assigned_to_caller = require_assigned(&caller, &app).is_ok();
            let preview = if assigned_to_caller && app.status == ApplicationStatus::InReview {
                let scores = stored_scores(conn, &app)?;
                let case = case_for(&st, conn, &app, &prem)?;
                Some(preview_of(&checklist, &case, &app, &prem, &scores, now())?)
            } else {
                None
            };
            Ok(ScoringSheet {
                application,
                preview,
                assigned_to_caller,
            })
        })
        .await
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct CompleteResponse {
    pub outcome: Outcome,
    /// Why: overall and per-section percentages, critical failures, reasons.
    pub result: AssessmentResult,
    pub conditions: Vec<ConditionDraft>,
    pub certificate: Option<CertificateSummary>,
    // Part 3: the second sign-off.
    /// `completed`, or `awaiting_sign_off` when the premises need a second reviewer
    /// (then no certificate yet, whatever the outcome).
    pub status: ApplicationStatus,
}

/// The assigned advisor completes the assessment: the outcome is computed from
/// the scores alone, stored with its explanation, and a certified outcome issues
/// the certificate, all in one transaction. Premises whose tier or kind needs a
/// second sign-off are left awaiting it instead, with the outcome stored and no
/// certificate.
pub async fn complete(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ServiceResult<CompleteResponse> {
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            let completed_at = now();
            // Issue 12, part D: the certificate's PDF is made before the write
            // transaction, which re-checks everything and decides (`issue::prepare`).
            let mut prepared = completion_in(&st, conn, &caller, &id, completed_at)
                .ok()
                .and_then(|c| c.issuance_ahead(&st, conn));
            write_tx(conn, |tx| {
                let Completion {
                    app,
                    prem,
                    checklist,
                    decision,
                    ..
                } = completion_in(&st, tx, &caller, &id, completed_at)?;
                if let Some(why) = decision.blocked {
                    return Err(ServiceError::conflict("event_ended", why));
                }
                let assessment = decision.assessment;
                let conditions = decision.conditions;
                let stored = StoredAssessment {
                    result: assessment.result.clone(),
                    conditions: conditions.clone(),
                };
                let stored = serde_json::to_string(&stored).map_err(anyhow::Error::from)?;
                let rule = st
                    .settings
                    .sign_off_rule()
                    .map_err(ServiceError::internal)?;
                if rule.needs_sign_off(app.tier, prem.kind) {
                    super::sign_off::await_sign_off(
                        tx,
                        &caller,
                        &app,
                        &assessment,
                        &stored,
                        completed_at,
                    )?;
                    return Ok(CompleteResponse {
                        outcome: assessment.outcome,
                        result: assessment.result,
                        conditions,
                        certificate: None,
                        status: ApplicationStatus::AwaitingSignOff,
                    });
                }
                if !db::applications::complete(
                    tx,
                    &app.id,
                    assessment.outcome,
                    &stored,
                    completed_at,
                )? {
                    return Err(ServiceError::conflict(
                        "wrong_status",
                        "the application changed meanwhile",
                    ));
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.completed", "application", &app.id)
                        .before(serde_json::json!({"status": app.status.as_str()}))
                        .after(serde_json::json!({
                            "status": "completed",
                            "outcome": assessment.outcome.as_str(),
                            "overall_percent": assessment.result.overall_percent,
                        })),
                )?;
                let certificate = if assessment.outcome == Outcome::Refused {
                    None
                } else {
                    let what = Issuance {
                        app: &app,
                        prem: &prem,
                        checklist: &checklist,
                        outcome: assessment.outcome,
                        conditions: &conditions,
                        issued_at: completed_at,
                    };
                    Some(issue_certificate(
                        tx,
                        &st.documents,
                        &caller,
                        &what,
                        prepared.take(),
                    )?)
                };
                Ok(CompleteResponse {
                    outcome: assessment.outcome,
                    result: assessment.result,
                    conditions,
                    certificate: certificate.as_ref().map(CertificateSummary::from),
                    status: ApplicationStatus::Completed,
                })
            })
        })
        .await
}

/// What completing an assessment finds: the application, its premises and
/// checklist, and the decision its stored scores make, once the caller may
/// complete it. Read twice: ahead of the write transaction to make the PDF, and
/// in it, where it decides.
struct Completion {
    app: Application,
    prem: Premises,
    checklist: StoredChecklist,
    decision: Decision,
    at: time::PrimitiveDateTime,
}

fn completion_in(
    st: &AppState,
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    completed_at: time::PrimitiveDateTime,
) -> ServiceResult<Completion> {
    let (app, prem) = load_visible(conn, caller, id)?;
    let advisor = db::advisors::find(conn, &caller.user_id)?;
    require_may_assess(caller, &app, advisor.as_ref(), prem.kind, today())?;
    require_status(&app, &[ApplicationStatus::InReview])?;
    let checklist = checklist_for(st, conn, &app)?;
    let by_item = stored_scores(conn, &app)?;
    let case = case_for(st, conn, &app, &prem)?;
    let decision = decide(&checklist, &case, &prem, &by_item, completed_at)?;
    Ok(Completion {
        app,
        prem,
        checklist,
        decision,
        at: completed_at,
    })
}

impl Completion {
    /// The certificate's PDF, made now, when completing would issue one.
    fn issuance_ahead(&self, st: &AppState, conn: &mut DbConnection) -> Option<Prepared> {
        let outcome = self.decision.assessment.outcome;
        let sign_off = st.settings.sign_off_rule().ok()?;
        if self.decision.blocked.is_some()
            || outcome == Outcome::Refused
            || sign_off.needs_sign_off(self.app.tier, self.prem.kind)
        {
            return None;
        }
        let what = Issuance {
            app: &self.app,
            prem: &self.prem,
            checklist: &self.checklist,
            outcome,
            conditions: &self.decision.conditions,
            issued_at: self.at,
        };
        prepare(conn, &st.documents, &what)
    }
}
