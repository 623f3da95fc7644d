//! Appeals and the right to reply (issue 11 part 2).
//!
//! Within `appeal_window_days` of a refusal or a certificate with conditions the
//! operator may appeal once, naming the items and the grounds, with evidence. A
//! different advisor claims the appeal, rescores the appealed items (a changed
//! score needs a note) and decides: the outcome is the scoring of the original
//! scores with the appealed items replaced (`domain::appeal::reassess`). A changed
//! outcome issues, reissues (superseding) or withdraws the certificate. The
//! reviewer is already a second advisor, so a decision needs no further sign-off.
//! Whatever the result, the operator may add a right-to-reply statement that the
//! police see on the record.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::access::{
    admits_appeal, appeal_scope, may_read_appeal_evidence, require_appeal_reviewer,
    require_may_review, require_operator, require_owner, require_role,
};
use super::applications::assessment::{ScoresRequest, event_window, score_problem};
use super::applications::evidence::{EvidenceFile, Upload, check_file, clean_filename};
use super::applications::views::{
    AdvisorSummary, AnswerView, CertificateSummary, EvidenceView, PremisesSummary, ScoreView,
    StoredAssessment, stored_assessment,
};
use super::applications::{case_for, checklist_for, load_visible};
use super::page::PageQuery;
use super::validate::Check;
use super::{FieldError, ServiceError, ServiceResult, today};
use crate::auth::{Caller, Role};
use crate::checklists::StoredChecklist;
use crate::db::appeals::{Appeal, AppealEvidenceMeta, AppealScore, Reply};
use crate::db::models::{Application, Certificate, Premises};
use crate::db::sequences::{Change, audit};
use crate::db::{self, DbConnection, from_utc, now, to_utc, write_tx};
use crate::domain::appeal::{
    self, AppealAction, AppealState, Consequence, NotAppealable, transition,
};
use crate::domain::application::ApplicationStatus;
use crate::domain::scoring::{self, AssessmentResult, ConditionDraft, Outcome};
use crate::domain::status::StoredStatus;
use crate::service::certificates::issue::{Issuance, issue_certificate};
use crate::state::AppState;

pub const MAX_GROUNDS_CHARS: usize = 4000;
pub const MAX_STATEMENT_CHARS: usize = 1000;
const MAX_NOTE_CHARS: usize = 4000;

#[derive(Deserialize, ToSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    /// The checklist items appealed against (ids of this application's items).
    #[serde(default)]
    #[schema(min_items = 1, required = true)]
    pub items: Vec<String>,
    /// Why the scores of those items are wrong, 1 to 4000 characters.
    #[serde(default)]
    #[schema(schema_with = crate::service::validate::text::<4000>, required = true)]
    pub grounds: Option<String>,
}

#[derive(Deserialize, ToSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// The operator's statement, 1 to 1000 characters; replaces any earlier one.
    #[serde(default)]
    #[schema(schema_with = crate::service::validate::text::<1000>, required = true)]
    pub statement: Option<String>,
}

/// The operator's right-to-reply statement.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct ReplyView {
    pub application_id: String,
    pub statement: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl From<&Reply> for ReplyView {
    fn from(r: &Reply) -> Self {
        ReplyView {
            application_id: r.application_id.clone(),
            statement: r.statement.clone(),
            updated_at: to_utc(r.updated_at),
        }
    }
}

/// The reviewer's score for one appealed item.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AppealScoreView {
    pub item_id: String,
    /// Null: not applicable.
    pub score: Option<i32>,
    pub note: String,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AppealDecision {
    #[serde(with = "time::serde::rfc3339")]
    pub decided_at: time::OffsetDateTime,
    pub outcome: Outcome,
    pub result: AssessmentResult,
    pub conditions: Vec<ConditionDraft>,
    pub consequence: Consequence,
    /// The certificate the decision issued, if any.
    pub certificate: Option<String>,
    /// The certificate the decision withdrew, if any.
    pub withdrawn_certificate: Option<String>,
}

/// One appealed item as the reviewer sees it.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AppealItemView {
    pub id: String,
    pub section_title: String,
    pub text: String,
    pub guidance: String,
    pub critical: bool,
    pub max_score: u8,
    pub answer: Option<AnswerView>,
    /// The original assessor's score and note.
    pub original: Option<ScoreView>,
    /// The reviewer's score and note so far.
    pub rescored: Option<ScoreView>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AppealView {
    pub id: String,
    pub application_id: String,
    pub state: AppealState,
    pub items: Vec<String>,
    pub grounds: String,
    pub original_outcome: Outcome,
    #[serde(with = "time::serde::rfc3339")]
    pub lodged_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub window_closes_at: time::OffsetDateTime,
    pub premises: PremisesSummary,
    pub original_advisor: Option<AdvisorSummary>,
    pub reviewer: Option<AdvisorSummary>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub claimed_at: Option<time::OffsetDateTime>,
    pub evidence: Vec<EvidenceView>,
    /// The reviewer's scores (shown to the operator once decided).
    pub scores: Vec<AppealScoreView>,
    pub decision: Option<AppealDecision>,
    /// The appealed items with the original and new scores (detail view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Vec<AppealItemView>>,
    /// What deciding now would give (detail view, for the reviewer and admins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview_outcome: Option<Outcome>,
}

/// The appeal side of an application, for its detail view.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AppealAndReply {
    /// When the window to appeal closes (or closed); null when the outcome cannot
    /// be appealed (certified without conditions, not yet decided, or itself
    /// decided on appeal).
    #[serde(with = "time::serde::rfc3339::option")]
    pub window_closes_at: Option<time::OffsetDateTime>,
    /// Whether the operator may lodge an appeal now.
    pub may_appeal: bool,
    pub appeal: Option<AppealView>,
    /// The appeal this application is the decision of, if it is one.
    pub decided_on_appeal: Option<String>,
    pub reply: Option<ReplyView>,
}

/// What the police (and the owner, admins) see on a certificate record.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct RecordAppeal {
    /// The appeal decision that issued this certificate, or that was lodged
    /// against the assessment behind it.
    pub appeal: Option<RecordAppealDecision>,
    pub reply: Option<ReplyView>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct RecordAppealDecision {
    pub appeal_id: String,
    pub state: AppealState,
    pub items: Vec<String>,
    pub original_outcome: Outcome,
    pub outcome: Option<Outcome>,
    pub consequence: Option<Consequence>,
    /// True when this certificate was issued by the decision on appeal.
    pub issued_on_appeal: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub lodged_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<time::OffsetDateTime>,
    pub reviewer: Option<AdvisorSummary>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AppealScoresResponse {
    /// The appealed items the reviewer has scored.
    pub scored: Vec<String>,
    /// The appealed items not rescored yet (they keep their original score).
    pub unscored: Vec<String>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct DecideResponse {
    pub outcome: Outcome,
    pub result: AssessmentResult,
    pub conditions: Vec<ConditionDraft>,
    pub consequence: Consequence,
    pub certificate: Option<CertificateSummary>,
    pub withdrawn_certificate: Option<String>,
}

fn bad_row(what: &str, id: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::internal(anyhow::anyhow!("{what} of appeal {id}: {e}"))
}

fn advisor_summaries(
    conn: &mut DbConnection,
    ids: &[&str],
) -> ServiceResult<HashMap<String, AdvisorSummary>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(db::advisors::names(conn, ids)?
        .into_iter()
        .map(|(id, (name, accreditation_number))| {
            (
                id.clone(),
                AdvisorSummary {
                    id,
                    name,
                    accreditation_number,
                },
            )
        })
        .collect())
}

fn premises_summary(prem: &Premises) -> PremisesSummary {
    PremisesSummary {
        id: prem.id.clone(),
        name: prem.name.clone(),
        kind: prem.kind,
        town: prem.town.clone(),
        postcode: prem.postcode.clone(),
        capacity: prem.capacity,
    }
}

fn evidence_view(e: &AppealEvidenceMeta) -> EvidenceView {
    EvidenceView {
        id: e.id.clone(),
        item_id: None,
        filename: e.filename.clone(),
        content_type: e.content_type.clone(),
        size_bytes: e.size_bytes,
        sha256: e.sha256.clone(),
        uploaded_at: to_utc(e.created_at),
    }
}

fn decision_of(appeal: &Appeal) -> ServiceResult<Option<AppealDecision>> {
    let (Some(decided_at), Some(outcome), Some(result), Some(consequence)) = (
        appeal.decided_at,
        appeal.outcome,
        appeal.result.as_deref(),
        appeal.consequence,
    ) else {
        return Ok(None);
    };
    let stored: StoredAssessment =
        serde_json::from_str(result).map_err(|e| bad_row("result", &appeal.id, e))?;
    Ok(Some(AppealDecision {
        decided_at: to_utc(decided_at),
        outcome,
        result: stored.result,
        conditions: stored.conditions,
        consequence,
        certificate: appeal.certificate_number.clone(),
        withdrawn_certificate: appeal.withdrawn_certificate_number.clone(),
    }))
}

/// Summary views of appeals, in a constant number of queries.
fn views_of(
    conn: &mut DbConnection,
    caller: &Caller,
    rows: &[(Appeal, Application, Premises)],
) -> ServiceResult<Vec<AppealView>> {
    let ids: Vec<&str> = rows.iter().map(|(a, _, _)| a.id.as_str()).collect();
    let mut evidence = db::appeals::evidence_of(conn, &ids)?;
    let people: Vec<&str> = rows
        .iter()
        .flat_map(|(a, app, _)| [a.reviewer_id.as_deref(), app.advisor_id.as_deref()])
        .flatten()
        .collect();
    let advisors = advisor_summaries(conn, &people)?;
    rows.iter()
        .map(|(a, app, prem)| {
            let scores = if caller.role != Role::Operator || a.state == AppealState::Decided {
                db::appeals::scores(conn, &a.id)?
                    .into_iter()
                    .map(|s| AppealScoreView {
                        item_id: s.item_id,
                        score: s.score,
                        note: s.note,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Ok(AppealView {
                id: a.id.clone(),
                application_id: a.application_id.clone(),
                state: a.state,
                items: a.item_ids(),
                grounds: a.grounds.clone(),
                original_outcome: a.original_outcome,
                lodged_at: to_utc(a.lodged_at),
                window_closes_at: to_utc(a.window_closes_at),
                premises: premises_summary(prem),
                original_advisor: app
                    .advisor_id
                    .as_deref()
                    .and_then(|id| advisors.get(id))
                    .cloned(),
                reviewer: a
                    .reviewer_id
                    .as_deref()
                    .and_then(|id| advisors.get(id))
                    .cloned(),
                claimed_at: a.claimed_at.map(to_utc),
                evidence: if may_read_appeal_evidence(caller, a) {
                    evidence
                        .remove(&a.id)
                        .unwrap_or_default()
                        .iter()
                        .map(evidence_view)
                        .collect()
                } else {
                    Vec::new()
                },
                scores,
                decision: decision_of(a)?,
                review: None,
                preview_outcome: None,
            })
        })
        .collect()
}

fn stored_scores(
    conn: &mut DbConnection,
    application_id: &str,
) -> ServiceResult<HashMap<String, (Option<u8>, String)>> {
    Ok(db::applications::scores(conn, application_id)?
        .into_iter()
        .map(|s| {
            (
                s.item_id,
                (s.score.and_then(|v| u8::try_from(v).ok()), s.note),
            )
        })
        .collect())
}

fn appeal_scores(
    conn: &mut DbConnection,
    appeal_id: &str,
) -> ServiceResult<HashMap<String, (Option<u8>, String)>> {
    Ok(db::appeals::scores(conn, appeal_id)?
        .into_iter()
        .map(|s| {
            (
                s.item_id,
                (s.score.and_then(|v| u8::try_from(v).ok()), s.note),
            )
        })
        .collect())
}

fn only_scores(m: &HashMap<String, (Option<u8>, String)>) -> HashMap<String, Option<u8>> {
    m.iter().map(|(k, (s, _))| (k.clone(), *s)).collect()
}

/// The assessment on appeal as of `at`, from what is stored.
fn reassessment(
    st: &AppState,
    conn: &mut DbConnection,
    checklist: &StoredChecklist,
    appeal: &Appeal,
    app: &Application,
    prem: &Premises,
    at: time::PrimitiveDateTime,
) -> ServiceResult<scoring::Assessment> {
    let original = only_scores(&stored_scores(conn, &app.id)?);
    let rescored = only_scores(&appeal_scores(conn, &appeal.id)?);
    let appealed: HashSet<String> = appeal.item_ids().into_iter().collect();
    let case = case_for(st, conn, app, prem)?;
    appeal::reassess(
        &checklist.checklist,
        &case,
        &original,
        &appealed,
        &rescored,
        to_utc(at),
        event_window(prem),
    )
    .map_err(|e| bad_row("scores", &appeal.id, format!("{e:?}")))
}

/// The full view of one appeal: with the appealed items, their original and new
/// scores, and for the reviewer and admins what deciding now would give.
fn detail(
    conn: &mut DbConnection,
    st: &AppState,
    caller: &Caller,
    row: &(Appeal, Application, Premises),
) -> ServiceResult<AppealView> {
    let (appeal, app, prem) = row;
    let mut view = views_of(conn, caller, std::slice::from_ref(row))?
        .pop()
        .ok_or_else(|| ServiceError::not_found("appeal"))?;
    let checklist = checklist_for(st, conn, app)?;
    let original = stored_scores(conn, &app.id)?;
    let rescored = appeal_scores(conn, &appeal.id)?;
    let answers: HashMap<String, AnswerView> = db::applications::answers(conn, &app.id)?
        .into_iter()
        .map(|a| {
            (
                a.item_id,
                AnswerView {
                    status: a.status,
                    note: a.note,
                },
            )
        })
        .collect();
    let show_new = caller.role != Role::Operator || appeal.state == AppealState::Decided;
    let appealed = appeal.item_ids();
    let max_score = checklist.checklist.scoring.max_score;
    view.review = Some(
        checklist
            .checklist
            .applicable_items(app.tier)
            .iter()
            .filter(|(_, item)| appealed.contains(&item.id))
            .map(|(section, item)| AppealItemView {
                id: item.id.clone(),
                section_title: section.title.clone(),
                text: item.text.clone(),
                guidance: item.guidance.clone(),
                critical: item.critical,
                max_score,
                answer: answers.get(&item.id).cloned(),
                original: original.get(&item.id).map(|(s, n)| ScoreView {
                    score: s.map(i32::from),
                    note: n.clone(),
                }),
                rescored: rescored
                    .get(&item.id)
                    .filter(|_| show_new)
                    .map(|(s, n)| ScoreView {
                        score: s.map(i32::from),
                        note: n.clone(),
                    }),
            })
            .collect(),
    );
    if appeal.state == AppealState::InReview && caller.role != Role::Operator {
        view.preview_outcome =
            Some(reassessment(st, conn, &checklist, appeal, app, prem, now())?.outcome);
    }
    Ok(view)
}

fn advisor_of(
    conn: &mut DbConnection,
    caller: &Caller,
) -> ServiceResult<Option<crate::db::models::Advisor>> {
    Ok(match caller.role {
        Role::Advisor => db::advisors::find(conn, &caller.user_id)?,
        _ => None,
    })
}

/// An appeal the caller may see, with its application and premises; anything
/// else reads as not found.
fn load_appeal(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> ServiceResult<(Appeal, Application, Premises)> {
    let advisor = advisor_of(conn, caller)?;
    let scope = appeal_scope(caller, advisor.as_ref(), today())?;
    match db::appeals::find_with_application(conn, id)? {
        Some((a, app, prem)) if admits_appeal(&scope, &a, &app, prem.kind) => Ok((a, app, prem)),
        _ => Err(ServiceError::not_found("appeal")),
    }
}

fn refused_state(e: appeal::AppealRefused) -> ServiceError {
    ServiceError::conflict(e.code(), e.to_string())
}

/// The operator appeals a completed assessment of their organisation's premises.
pub async fn lodge(
    state: &AppState,
    caller: &Caller,
    application_id: &str,
    input: AppealRequest,
) -> ServiceResult<AppealView> {
    require_operator(caller)?;
    let mut check = Check::new();
    let grounds = match input.grounds.as_deref().map(str::trim) {
        Some(g) if !g.is_empty() => check.text("grounds", g, MAX_GROUNDS_CHARS),
        _ => {
            check.fail("grounds", "is required: say why the scores are wrong");
            String::new()
        }
    };
    if input.items.is_empty() {
        check.fail("items", "name at least one item to appeal");
    }
    check.finish()?;
    let (st, caller, id) = (state.clone(), caller.clone(), application_id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, prem) = load_visible(tx, &caller, &id)?;
                require_owner(&caller, &app)?;
                if let Some(existing) = db::appeals::of_application(tx, &app.id)? {
                    return Err(ServiceError::Conflict {
                        code: "appeal_exists",
                        detail: format!(
                            "this assessment has already been appealed (appeal {}, {}); an assessment may be appealed once",
                            existing.id,
                            existing.state.as_str().replace('_', " ")
                        ),
                        items: existing.item_ids(),
                    });
                }
                if db::appeals::deciding(tx, &app.id)?.is_some() {
                    return Err(ServiceError::conflict(
                        "appeal_exists",
                        "this assessment is itself the decision on an appeal, which cannot be appealed again",
                    ));
                }
                let at = now();
                let closes = match appeal::may_lodge(
                    app.outcome.filter(|_| app.status == ApplicationStatus::Completed),
                    app.completed_at.map(to_utc),
                    to_utc(at),
                    st.settings.appeal_window_days,
                ) {
                    Ok(closes) => closes,
                    Err(why @ NotAppealable::WindowClosed(closed)) => {
                        return Err(ServiceError::conflict(
                            why.code(),
                            format!(
                                "the appeal window closed on {} ({} days after the assessment was completed, at {})",
                                closed.date(),
                                st.settings.appeal_window_days,
                                crate::domain::audit::format_time(from_utc(closed)),
                            ),
                        ));
                    }
                    Err(why) => return Err(ServiceError::conflict(why.code(), why.to_string())),
                };
                let checklist = checklist_for(&st, tx, &app)?;
                let applicable: Vec<String> = checklist
                    .checklist
                    .applicable_items(app.tier)
                    .iter()
                    .map(|(_, i)| i.id.clone())
                    .collect();
                let mut errors = Vec::new();
                let mut items: Vec<String> = Vec::new();
                for (i, item) in input.items.iter().enumerate() {
                    let item = item.trim();
                    if !applicable.iter().any(|a| a == item) {
                        errors.push(FieldError::new(
                            format!("items[{i}]"),
                            format!("`{item}` is not a checklist item of this application"),
                        ));
                    } else if items.iter().any(|x| x == item) {
                        errors.push(FieldError::new(
                            format!("items[{i}]"),
                            format!("`{item}` is named twice"),
                        ));
                    } else {
                        items.push(item.to_string());
                    }
                }
                if !errors.is_empty() {
                    return Err(ServiceError::Invalid(errors));
                }
                let outcome = app.outcome.ok_or_else(|| bad_row("outcome", &app.id, "none"))?;
                let row = Appeal {
                    id: uuid::Uuid::new_v4().to_string(),
                    application_id: app.id.clone(),
                    organisation_id: app.organisation_id.clone(),
                    state: AppealState::Lodged,
                    items: serde_json::to_string(&items).map_err(anyhow::Error::from)?,
                    grounds,
                    original_outcome: outcome,
                    lodged_by: caller.user_id.clone(),
                    lodged_at: at,
                    window_closes_at: from_utc(closes),
                    reviewer_id: None,
                    claimed_at: None,
                    decided_at: None,
                    outcome: None,
                    result: None,
                    consequence: None,
                    decision_application_id: None,
                    certificate_number: None,
                    withdrawn_certificate_number: None,
                    updated_at: at,
                };
                db::appeals::insert(tx, &row)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("appeal.lodged", "appeal", &row.id).after(serde_json::json!({
                        "application_id": app.id,
                        "items": items,
                        "original_outcome": outcome.as_str(),
                    })),
                )?;
                views_of(tx, &caller, &[(row, app, prem)])?
                    .pop()
                    .ok_or_else(|| ServiceError::not_found("appeal"))
            })
        })
        .await
}

/// Only operators send evidence with an appeal: checked before a body is read.
pub fn may_upload(caller: &Caller) -> ServiceResult<()> {
    require_operator(caller)
}

/// The checks on an appeal's file, before anything is stored (a page lodges the
/// appeal and its file together).
pub fn check_evidence(state: &AppState, upload: &Upload) -> ServiceResult<()> {
    check_file(state, upload)
}

/// The operator attaches a file to their appeal until it is decided.
pub async fn upload_evidence(
    state: &AppState,
    caller: &Caller,
    id: &str,
    upload: Upload,
) -> ServiceResult<EvidenceView> {
    may_upload(caller)?;
    check_file(state, &upload)?;
    if upload.item_id.is_some() {
        return Err(ServiceError::field(
            "item_id",
            "appeal evidence is for the appeal as a whole; send `file` only",
        ));
    }
    let (caller, id) = (caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (appeal, app, _) = load_appeal(tx, &caller, &id)?;
                require_owner(&caller, &app)?;
                if appeal.state == AppealState::Decided {
                    return Err(refused_state(appeal::AppealRefused::AlreadyDecided));
                }
                let meta = AppealEvidenceMeta {
                    id: uuid::Uuid::new_v4().to_string(),
                    appeal_id: appeal.id.clone(),
                    filename: clean_filename(&upload.filename),
                    content_type: upload.content_type.clone(),
                    size_bytes: i64::try_from(upload.data.len()).unwrap_or(i64::MAX),
                    sha256: hex::encode(Sha256::digest(&upload.data)),
                    uploaded_by: caller.user_id.clone(),
                    created_at: now(),
                };
                db::appeals::insert_evidence(tx, &meta, &upload.data)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("appeal.evidence_uploaded", "appeal", &appeal.id).after(
                        serde_json::json!({
                            "evidence_id": meta.id, "sha256": meta.sha256,
                            "size_bytes": meta.size_bytes,
                        }),
                    ),
                )?;
                Ok(evidence_view(&meta))
            })
        })
        .await
}

pub async fn download_evidence(
    state: &AppState,
    caller: &Caller,
    id: &str,
    evidence_id: &str,
) -> ServiceResult<EvidenceFile> {
    let (caller, id, evidence_id) = (caller.clone(), id.to_string(), evidence_id.to_string());
    state
        .db
        .run(move |conn| {
            let (appeal, _, _) = load_appeal(conn, &caller, &id)?;
            if !may_read_appeal_evidence(&caller, &appeal) {
                return Err(ServiceError::not_found("evidence"));
            }
            let (filename, content_type, data) =
                db::appeals::evidence_file(conn, &appeal.id, &evidence_id)?
                    .ok_or_else(|| ServiceError::not_found("evidence"))?;
            Ok(EvidenceFile {
                filename: clean_filename(&filename),
                content_type,
                data,
            })
        })
        .await
}

/// The appeals the caller may see, newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: &PageQuery,
) -> ServiceResult<Vec<AppealView>> {
    require_role(caller, &[Role::Operator, Role::Advisor, Role::Admin])?;
    let page = query.page()?;
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            let advisor = advisor_of(conn, &caller)?;
            let scope = appeal_scope(&caller, advisor.as_ref(), today())?;
            let rows = db::appeals::list(conn, &scope, page)?;
            views_of(conn, &caller, &rows)
        })
        .await
}

pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<AppealView> {
    require_role(caller, &[Role::Operator, Role::Advisor, Role::Admin])?;
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            let row = load_appeal(conn, &caller, &id)?;
            detail(conn, &st, &caller, &row)
        })
        .await
}

/// A different, eligible advisor takes the appeal for review.
pub async fn claim(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<AppealView> {
    require_role(caller, &[Role::Advisor])?;
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                // Not the scope: an advisor who may not review is told why.
                let (appeal, app, prem) = db::appeals::find_with_application(tx, &id)?
                    .ok_or_else(|| ServiceError::not_found("appeal"))?;
                let advisor = db::advisors::find(tx, &caller.user_id)?;
                let signed_off_by = signed_off_by(tx, &app)?;
                require_may_review(
                    &caller,
                    &app,
                    signed_off_by.as_deref(),
                    advisor.as_ref(),
                    prem.kind,
                    today(),
                )?;
                transition(AppealAction::Claim, appeal.state).map_err(refused_state)?;
                if !db::appeals::claim(tx, &appeal.id, &caller.user_id, now())? {
                    return Err(refused_state(appeal::AppealRefused::AlreadyClaimed));
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new("appeal.claimed", "appeal", &appeal.id)
                        .before(serde_json::json!({"state": appeal.state.as_str()}))
                        .after(serde_json::json!({"state": "in_review", "reviewer_id": caller.user_id})),
                )?;
                let row = db::appeals::find_with_application(tx, &id)?
                    .ok_or_else(|| ServiceError::not_found("appeal"))?;
                detail(tx, &st, &caller, &row)
            })
        })
        .await
}

/// Loads an appeal for its reviewer's work: claimed by the caller, still in
/// review, and the caller still eligible.
fn load_for_review(
    tx: &mut DbConnection,
    caller: &Caller,
    id: &str,
    action: AppealAction,
) -> ServiceResult<(Appeal, Application, Premises)> {
    let (appeal, app, prem) = load_appeal(tx, caller, id)?;
    require_appeal_reviewer(caller, &appeal)?;
    transition(action, appeal.state).map_err(refused_state)?;
    let advisor = db::advisors::find(tx, &caller.user_id)?;
    let signed_off_by = signed_off_by(tx, &app)?;
    require_may_review(
        caller,
        &app,
        signed_off_by.as_deref(),
        advisor.as_ref(),
        prem.kind,
        today(),
    )?;
    Ok((appeal, app, prem))
}

/// Who approved the assessment at its second sign-off, if it had one.
fn signed_off_by(tx: &mut DbConnection, app: &Application) -> ServiceResult<Option<String>> {
    Ok(db::sign_offs::latest_of(tx, &[app.id.as_str()])?
        .remove(&app.id)
        .filter(|n| {
            n.round.decision.as_deref()
                == Some(crate::domain::sign_off::Decision::Approve.past_tense())
        })
        .and_then(|n| n.round.reviewer_id))
}

/// The reviewer rescores appealed items (only those); a changed score needs a note.
pub async fn score(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: ScoresRequest,
) -> ServiceResult<AppealScoresResponse> {
    require_role(caller, &[Role::Advisor])?;
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
                let (appeal, app, prem) = load_for_review(tx, &caller, &id, AppealAction::Score)?;
                let checklist = checklist_for(&st, tx, &app)?;
                let case = case_for(&st, tx, &app, &prem)?;
                let max = checklist.checklist.scoring.max_score;
                let appealed = appeal.item_ids();
                let original = stored_scores(tx, &app.id)?;
                let at = now();
                let mut errors = Vec::new();
                let mut valid: Vec<AppealScore> = Vec::new();
                for (i, entry) in input.scores.iter().enumerate() {
                    if !appealed.contains(&entry.item_id) {
                        errors.push(FieldError::new(
                            format!("scores[{i}].item_id"),
                            format!(
                                "`{}` is not an item of this appeal (appealed: {})",
                                entry.item_id,
                                appealed.join(", ")
                            ),
                        ));
                        continue;
                    }
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
                    if let Err(e) = scoring::check_score(
                        &checklist.checklist,
                        &case,
                        &entry.item_id,
                        as_u8,
                        note,
                    ) {
                        let (field, message) = score_problem(&e);
                        errors.push(FieldError::new(format!("scores[{i}].{field}"), message));
                        continue;
                    }
                    let note = entry.note.clone().unwrap_or_default().trim().to_string();
                    if note.chars().count() > MAX_NOTE_CHARS {
                        errors.push(FieldError::new(
                            format!("scores[{i}].note"),
                            format!("must be at most {MAX_NOTE_CHARS} characters"),
                        ));
                        continue;
                    }
                    let before = original.get(&entry.item_id).map(|(s, _)| *s);
                    if before != Some(as_u8) && note.is_empty() {
                        errors.push(FieldError::new(
                            format!("scores[{i}].note"),
                            "is required when the score changes: say why",
                        ));
                        continue;
                    }
                    valid.push(AppealScore {
                        appeal_id: appeal.id.clone(),
                        item_id: entry.item_id.clone(),
                        score: as_u8.map(i32::from),
                        note,
                        updated_at: at,
                    });
                }
                if !errors.is_empty() {
                    return Err(ServiceError::Invalid(errors));
                }
                for row in &valid {
                    db::appeals::upsert_score(tx, row)?;
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new("appeal.scored", "appeal", &appeal.id).after(
                        valid
                            .iter()
                            .map(|s| {
                                serde_json::json!({
                                    "item_id": s.item_id,
                                    "score": s.score,
                                    "original": original.get(&s.item_id).map(|(o, _)| *o),
                                })
                            })
                            .collect::<Vec<_>>(),
                    ),
                )?;
                let done = appeal_scores(tx, &appeal.id)?;
                let (scored, unscored) = appealed.into_iter().partition(|i| done.contains_key(i));
                Ok(AppealScoresResponse { scored, unscored })
            })
        })
        .await
}

/// Records the assessment on appeal as a completed application of its own, with
/// the final scores, so that the certificate it issues belongs to it.
fn record_decision_application(
    tx: &mut DbConnection,
    appeal: &Appeal,
    app: &Application,
    reviewer_id: &str,
    outcome: Outcome,
    result_json: &str,
    at: time::PrimitiveDateTime,
) -> ServiceResult<Application> {
    let decision = Application {
        id: uuid::Uuid::new_v4().to_string(),
        premises_id: app.premises_id.clone(),
        organisation_id: app.organisation_id.clone(),
        checklist_id: app.checklist_id.clone(),
        tier: app.tier,
        status: ApplicationStatus::Completed,
        advisor_id: Some(reviewer_id.to_string()),
        outcome: Some(outcome),
        result: Some(result_json.to_string()),
        created_by: appeal.lodged_by.clone(),
        created_at: at,
        submitted_at: Some(appeal.lodged_at),
        assigned_at: appeal.claimed_at,
        completed_at: Some(at),
        updated_at: at,
    };
    db::applications::insert(tx, &decision)?;
    let appealed = appeal.item_ids();
    let rescored = appeal_scores(tx, &appeal.id)?;
    for (item_id, (score, note)) in stored_scores(tx, &app.id)? {
        let (score, note) = match rescored.get(&item_id) {
            Some(new) if appealed.contains(&item_id) => new.clone(),
            _ => (score, note),
        };
        db::applications::upsert_score(
            tx,
            &crate::db::models::Score {
                application_id: decision.id.clone(),
                item_id,
                score: score.map(i32::from),
                note,
                updated_at: at,
            },
        )?;
    }
    for answer in db::applications::answers(tx, &app.id)? {
        db::applications::upsert_answer(
            tx,
            &crate::db::models::Answer {
                application_id: decision.id.clone(),
                ..answer
            },
        )?;
    }
    Ok(decision)
}

/// The certificate to withdraw when an appeal refuses: the one issued on the
/// appealed assessment, while it is still current.
fn current_certificate(
    tx: &mut DbConnection,
    app: &Application,
) -> ServiceResult<Option<Certificate>> {
    Ok(db::certificates::by_applications(tx, &[app.id.as_str()])?
        .remove(&app.id)
        .filter(|c| matches!(c.status, StoredStatus::Active | StoredStatus::Suspended)))
}

/// A decision that issues supersedes the premises' current certificate: only the
/// one appealed against (or none, after a refusal), and never one an admin holds
/// suspended — rescoring an item must not undo a renewal or an admin's suspension.
fn may_replace_current(
    tx: &mut DbConnection,
    app: &Application,
    prem: &crate::db::models::Premises,
) -> ServiceResult<()> {
    let appealed = current_certificate(tx, app)?.map(|c| c.id);
    for (cert_id, number) in db::certificates::current_for_premises(tx, &prem.id)? {
        if appealed.as_deref() != Some(cert_id.as_str()) {
            return Err(ServiceError::conflict(
                "newer_certificate",
                format!(
                    "the premises hold certificate {number}, issued after the assessment appealed against: the appeal cannot replace it"
                ),
            ));
        }
        let held = db::conditions::holds(tx, &cert_id)?;
        if held
            .iter()
            .any(|h| h == &crate::domain::condition::Holder::Admin.as_key())
        {
            return Err(ServiceError::conflict(
                "certificate_held",
                format!(
                    "certificate {number} is suspended by an admin: the appeal can be decided once the admin reinstates it"
                ),
            ));
        }
    }
    Ok(())
}

/// The reviewer decides: the outcome is recomputed from the final scores, and a
/// changed outcome issues, reissues or withdraws the certificate.
pub async fn decide(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<DecideResponse> {
    require_role(caller, &[Role::Advisor])?;
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (appeal, app, prem) = load_for_review(tx, &caller, &id, AppealAction::Decide)?;
                let checklist = checklist_for(&st, tx, &app)?;
                let at = now();
                let mut assessment = reassessment(&st, tx, &checklist, &appeal, &app, &prem, at)?;
                let before = stored_assessment(&app)?
                    .map(|s| s.conditions)
                    .unwrap_or_default();
                let conditions = if assessment.outcome == Outcome::CertifiedWithConditions {
                    assessment.conditions.clone()
                } else {
                    Vec::new()
                };
                let consequence = appeal::consequence(
                    appeal.original_outcome,
                    &before,
                    assessment.outcome,
                    &conditions,
                );
                let issues = matches!(consequence, Consequence::Issued | Consequence::Reissued);
                if issues && prem.event_end.is_some_and(|end| to_utc(end) <= to_utc(at)) {
                    return Err(ServiceError::conflict(
                        "event_ended",
                        "the event has already ended, so no certificate can be issued for it",
                    ));
                }
                if issues {
                    may_replace_current(tx, &app, &prem)?;
                }
                // A reissue keeps what the replaced certificate's conditions came to.
                let replaced = current_certificate(tx, &app)?.filter(|_| issues);
                let mut conditions = conditions;
                if let Some(old) = &replaced {
                    crate::service::certificates::conditions::carry_due_dates(
                        tx,
                        &old.id,
                        &mut conditions,
                    )?;
                }
                let items = appeal.item_ids();
                assessment.result.reasons.insert(
                    0,
                    format!(
                        "Decided on appeal: {} item(s) reviewed ({}); the assessment appealed against was {}",
                        items.len(),
                        items.join(", "),
                        appeal.original_outcome.as_str().replace('_', " ")
                    ),
                );
                let stored = StoredAssessment {
                    result: assessment.result.clone(),
                    conditions: conditions.clone(),
                };
                let result_json = serde_json::to_string(&stored).map_err(anyhow::Error::from)?;
                let mut certificate = None;
                let mut decision_application = None;
                let mut withdrawn = None;
                match consequence {
                    Consequence::Issued | Consequence::Reissued => {
                        let decision = record_decision_application(
                            tx,
                            &appeal,
                            &app,
                            &caller.user_id,
                            assessment.outcome,
                            &result_json,
                            at,
                        )?;
                        // Appeal decisions are rare: their PDF is still made
                        // inside the transaction (issue 12, part D, left as it was).
                        let what = Issuance {
                            app: &decision,
                            prem: &prem,
                            checklist: &checklist,
                            outcome: assessment.outcome,
                            conditions: &conditions,
                            issued_at: at,
                        };
                        certificate = Some(issue_certificate(
                            tx,
                            &st.documents,
                            &caller,
                            &what,
                            None,
                        )?);
                        if let (Some(old), Some(new)) = (&replaced, &certificate) {
                            crate::service::certificates::conditions::carry_accepted(
                                tx,
                                old,
                                &new.id,
                                &caller.user_id,
                                at,
                            )?;
                        }
                        decision_application = Some(decision.id);
                    }
                    Consequence::Withdrawn => {
                        if let Some(cert) = current_certificate(tx, &app)? {
                            let reason = format!(
                                "withdrawn on appeal {}: refused on review of {}",
                                appeal.id,
                                items.join(", ")
                            );
                            if !db::certificates::set_status(
                                tx,
                                &cert.id,
                                cert.status,
                                StoredStatus::Revoked,
                                &reason,
                                at,
                            )? {
                                return Err(ServiceError::conflict(
                                    "status_changed",
                                    "the certificate's status changed meanwhile; try again",
                                ));
                            }
                            audit(
                                tx,
                                Some(&caller),
                                Change::new("certificate.revoked", "certificate", &cert.number)
                                    .before(serde_json::json!({
                                        "status": cert.status.as_str(), "status_reason": cert.status_reason,
                                    }))
                                    .after(serde_json::json!({
                                        "status": "revoked", "status_reason": reason,
                                        "appeal_id": appeal.id,
                                    })),
                            )?;
                            withdrawn = Some(cert.number);
                        }
                    }
                    Consequence::Unchanged => {}
                }
                let recorded = db::appeals::decide(
                    tx,
                    &appeal.id,
                    &db::appeals::Decision {
                        outcome: assessment.outcome,
                        result_json: &result_json,
                        consequence,
                        decision_application_id: decision_application.as_deref(),
                        certificate_number: certificate.as_ref().map(|c| c.number.as_str()),
                        withdrawn_certificate_number: withdrawn.as_deref(),
                        at,
                    },
                )?;
                if !recorded {
                    return Err(refused_state(appeal::AppealRefused::AlreadyDecided));
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new("appeal.decided", "appeal", &appeal.id)
                        .before(serde_json::json!({
                            "state": appeal.state.as_str(),
                            "outcome": appeal.original_outcome.as_str(),
                        }))
                        .after(serde_json::json!({
                            "state": "decided",
                            "outcome": assessment.outcome.as_str(),
                            "consequence": consequence.as_str(),
                            "certificate": certificate.as_ref().map(|c| c.number.clone()),
                            "withdrawn_certificate": withdrawn,
                        })),
                )?;
                Ok(DecideResponse {
                    outcome: assessment.outcome,
                    result: assessment.result,
                    conditions,
                    consequence,
                    certificate: certificate.as_ref().map(CertificateSummary::from),
                    withdrawn_certificate: withdrawn,
                })
            })
        })
        .await
}

/// The operator's right to reply on a completed assessment, whatever its result;
/// a new statement replaces the one shown (each change is audited).
pub async fn reply(
    state: &AppState,
    caller: &Caller,
    application_id: &str,
    input: ReplyRequest,
) -> ServiceResult<ReplyView> {
    require_operator(caller)?;
    let mut check = Check::new();
    let statement = match input.statement.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => check.text("statement", s, MAX_STATEMENT_CHARS),
        _ => {
            check.fail("statement", "is required: write the statement to show");
            String::new()
        }
    };
    check.finish()?;
    let (caller, id) = (caller.clone(), application_id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, _) = load_visible(tx, &caller, &id)?;
                require_owner(&caller, &app)?;
                if app.status != ApplicationStatus::Completed {
                    return Err(ServiceError::conflict(
                        "wrong_status",
                        format!(
                            "the application is {}; a reply can be added once the assessment is completed",
                            app.status.as_str().replace('_', " ")
                        ),
                    ));
                }
                let earlier = db::appeals::reply(tx, &app.id)?;
                let row = Reply {
                    application_id: app.id.clone(),
                    statement,
                    updated_by: caller.user_id.clone(),
                    updated_at: now(),
                };
                db::appeals::put_reply(tx, &row)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.reply", "application", &app.id)
                        .before(serde_json::json!({
                            "statement": earlier.as_ref().map(|r| r.statement.clone()),
                        }))
                        .after(serde_json::json!({"statement": row.statement})),
                )?;
                Ok(ReplyView::from(&row))
            })
        })
        .await
}

/// The appeal side of an application's detail view.
pub(crate) fn on_application(
    conn: &mut DbConnection,
    st_window_days: u32,
    caller: &Caller,
    app: &Application,
    prem: &Premises,
) -> ServiceResult<AppealAndReply> {
    let appeal = db::appeals::of_application(conn, &app.id)?;
    let deciding = db::appeals::deciding(conn, &app.id)?;
    let completed = app.status == ApplicationStatus::Completed;
    let window = match (completed, app.outcome, app.completed_at, &deciding) {
        (true, Some(o), Some(done), None) if o != Outcome::Certified => {
            Some(appeal::window_closes(to_utc(done), st_window_days))
        }
        _ => None,
    };
    let may_appeal = appeal.is_none()
        && window.is_some_and(|w| time::OffsetDateTime::now_utc() < w)
        && caller.role == Role::Operator;
    let appeal = match appeal {
        Some(a) => views_of(conn, caller, &[(a, app.clone(), prem.clone())])?.pop(),
        None => None,
    };
    Ok(AppealAndReply {
        window_closes_at: window,
        may_appeal,
        appeal,
        decided_on_appeal: deciding.map(|a| a.id),
        reply: db::appeals::reply(conn, &app.id)?
            .as_ref()
            .map(ReplyView::from),
    })
}

/// Whether each certificate was decided on appeal, and the right-to-reply statement
/// on it, in four queries whatever the number of certificates.
pub(crate) fn on_certificates(
    conn: &mut DbConnection,
    certs: &[Certificate],
) -> ServiceResult<HashMap<String, RecordAppeal>> {
    let ids: Vec<&str> = certs.iter().map(|c| c.application_id.as_str()).collect();
    let appeals = db::appeals::touching_applications(conn, &ids)?;
    let reviewers: Vec<&str> = appeals
        .iter()
        .filter_map(|a| a.reviewer_id.as_deref())
        .collect();
    let names = advisor_summaries(conn, &reviewers)?;
    let mut reply_ids: Vec<&str> = ids.clone();
    reply_ids.extend(appeals.iter().map(|a| a.application_id.as_str()));
    let replies: HashMap<String, Reply> = db::appeals::replies_of(conn, &reply_ids)?
        .into_iter()
        .map(|r| (r.application_id.clone(), r))
        .collect();
    Ok(certs
        .iter()
        .map(|cert| {
            let deciding = appeals.iter().find(|a| {
                a.decision_application_id.as_deref() == Some(cert.application_id.as_str())
            });
            let issued_on_appeal = deciding.is_some();
            let appeal = deciding.or_else(|| {
                appeals
                    .iter()
                    .find(|a| a.application_id == cert.application_id)
            });
            // The statement is on this assessment, or on the one appealed against.
            let reply = replies
                .get(&cert.application_id)
                .or_else(|| deciding.and_then(|a| replies.get(&a.application_id)));
            let record = RecordAppeal {
                appeal: appeal.map(|a| RecordAppealDecision {
                    appeal_id: a.id.clone(),
                    state: a.state,
                    items: a.item_ids(),
                    original_outcome: a.original_outcome,
                    outcome: a.outcome,
                    consequence: a.consequence,
                    issued_on_appeal,
                    lodged_at: to_utc(a.lodged_at),
                    decided_at: a.decided_at.map(to_utc),
                    reviewer: a
                        .reviewer_id
                        .as_deref()
                        .and_then(|id| names.get(id))
                        .cloned(),
                }),
                reply: reply.map(ReplyView::from),
            };
            (cert.id.clone(), record)
        })
        .collect())
}

/// The appeal scopes' SQL filter (`db::appeals::list`) and their row check agree,
/// on a real database, for every kind of caller and a spread of appeals.
#[cfg(test)]
mod filters_agree_with_row_checks {
    use std::collections::BTreeSet;

    use super::*;
    use crate::db::Page;
    use crate::domain::accreditation::AccreditationStatus;
    use crate::domain::tier::PremisesKind;
    use crate::service::fixtures::*;

    #[test]
    fn for_appeals() {
        let t = test_db();
        let mut conn = t.db.get().expect("conn");
        let today = today();
        let future = today + time::Duration::days(365);
        for org in ["own", "tied"] {
            organisation(&mut conn, org);
            user(&mut conn, &format!("op-{org}"), Role::Operator, Some(org));
        }
        let advisors = [
            advisor(
                &mut conn,
                "adv-a",
                AccreditationStatus::Active,
                future,
                "building",
                Some("tied"),
            ),
            advisor(
                &mut conn,
                "adv-b",
                AccreditationStatus::Active,
                future,
                "building,event",
                None,
            ),
            advisor(
                &mut conn,
                "adv-off",
                AccreditationStatus::Suspended,
                future,
                "building",
                None,
            ),
        ];
        let mut n = 0;
        for org in ["own", "tied"] {
            for kind in [PremisesKind::Building, PremisesKind::Event] {
                for (assessor, state, reviewer) in [
                    ("adv-a", AppealState::Lodged, None),
                    ("adv-b", AppealState::Lodged, None),
                    ("adv-a", AppealState::InReview, Some("adv-b")),
                    ("adv-b", AppealState::Decided, Some("adv-a")),
                ] {
                    n += 1;
                    let p = premises(&mut conn, &format!("p{n}"), org, kind);
                    let app = application(
                        &mut conn,
                        &t.checklists,
                        &format!("a{n}"),
                        &p,
                        ApplicationStatus::Completed,
                        Some(assessor),
                        &format!("op-{org}"),
                    );
                    let at = now();
                    db::appeals::insert(
                        &mut conn,
                        &Appeal {
                            id: format!("appeal-{n}"),
                            application_id: app.id,
                            organisation_id: org.into(),
                            state,
                            items: "[]".into(),
                            grounds: "g".into(),
                            original_outcome: Outcome::Refused,
                            lodged_by: format!("op-{org}"),
                            lodged_at: at,
                            window_closes_at: at,
                            reviewer_id: reviewer.map(str::to_string),
                            claimed_at: None,
                            decided_at: None,
                            outcome: None,
                            result: None,
                            consequence: None,
                            decision_application_id: None,
                            certificate_number: None,
                            withdrawn_certificate_number: None,
                            updated_at: at,
                        },
                    )
                    .expect("appeal");
                }
            }
        }
        let all = Page {
            limit: 200,
            offset: 0,
        };
        let everything = db::appeals::list(&mut conn, &appeal::AppealScope::All, all).expect("all");
        assert_eq!(everything.len(), n);
        let caller = |id: &str, role: Role, org: Option<&str>| Caller {
            user_id: id.into(),
            role,
            organisation_id: org.map(str::to_string),
        };
        let mut callers = vec![
            (caller("op-own", Role::Operator, Some("own")), None),
            (caller("op-none", Role::Operator, None), None),
            (caller("admin", Role::Admin, None), None),
        ];
        for a in &advisors {
            callers.push((caller(&a.user_id, Role::Advisor, None), Some(a)));
        }
        for (who, accreditation) in &callers {
            let scope = appeal_scope(who, *accreditation, today).expect("scope");
            let listed: BTreeSet<String> = db::appeals::list(&mut conn, &scope, all)
                .expect("list")
                .into_iter()
                .map(|(a, _, _)| a.id)
                .collect();
            let admitted: BTreeSet<String> = everything
                .iter()
                .filter(|(a, app, p)| admits_appeal(&scope, a, app, p.kind))
                .map(|(a, _, _)| a.id.clone())
                .collect();
            assert_eq!(listed, admitted, "{} ({scope:?})", who.user_id);
            if who.user_id == "adv-a" {
                // Lodged buildings of the untied organisation not assessed by them
                // (1), and the one they reviewed in each of the four groups.
                assert_eq!(listed.len(), 1 + 4, "{listed:?}");
            }
        }
        let police = caller("pc", Role::Police, None);
        assert!(matches!(
            appeal_scope(&police, None, today),
            Err(ServiceError::Forbidden(_))
        ));
    }
}
