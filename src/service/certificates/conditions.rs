//! A certificate's conditions tracked to closure: the operator submits evidence
//! with a note, the advisor who raised the condition (or, once they may no longer
//! assess the premises, any advisor who may) accepts or rejects it with a note.
//! Accepting the evidence of an overdue condition lifts its hold on the certificate,
//! which is reinstated if nothing else holds it suspended (`domain::condition`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::PrimitiveDateTime;
use utoipa::ToSchema;

use super::{find_by_number, parse_number};
use crate::auth::Caller;
use crate::db::conditions::{ConditionEvent, ConditionEvidenceMeta, ConditionRow};
use crate::db::models::Certificate;
use crate::db::sequences::{Change, audit};
use crate::db::{self, Db, DbConnection, now, to_utc, write_tx};
use crate::domain::condition::{
    ConditionAction, ConditionState, Holder, Holds, transition_condition,
};
use crate::domain::scoring::ConditionDraft;
use crate::domain::status::StoredStatus;
use crate::service::access::{
    may_read_condition_evidence, require_may_review_condition,
    require_may_submit_condition_evidence, require_reviewer_role,
};
use crate::service::applications::evidence::{EvidenceFile, Upload, check_file, clean_filename};
use crate::service::validate::Check;
use crate::service::{ServiceError, ServiceResult, today};
use crate::state::AppState;

pub const MAX_NOTE_CHARS: usize = 2000;

/// One event in a condition's history.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct ConditionHistoryEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    /// `issued`, `evidence_submitted`, `accepted`, `rejected` or `overdue`.
    pub action: String,
    /// Who: the person's name, or none for the scheme itself (the sweep).
    pub by: Option<String>,
    pub note: String,
    /// The evidence file submitted with this event.
    pub evidence: Option<ConditionEvidenceView>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct ConditionEvidenceView {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// A condition of a certificate, with its state and history.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct ConditionView {
    pub id: String,
    pub item_id: String,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: time::OffsetDateTime,
    pub state: ConditionState,
    /// Whether it held the certificate suspended for being overdue (until accepted).
    pub overdue: bool,
    pub history: Vec<ConditionHistoryEntry>,
}

impl ConditionView {
    /// The newest evidence file, the one a reviewer decides on.
    pub fn latest_evidence(&self) -> Option<&ConditionEvidenceView> {
        self.history.iter().rev().find_map(|h| h.evidence.as_ref())
    }

    /// The note that came with the newest evidence.
    pub fn latest_note(&self) -> Option<&str> {
        self.history
            .iter()
            .rev()
            .find(|h| h.action == "evidence_submitted")
            .map(|h| h.note.as_str())
    }
}

/// The rows of a new certificate's conditions, with their first history entry, in
/// the issuing transaction.
pub(crate) fn insert_for_new_certificate(
    tx: &mut DbConnection,
    certificate_id: &str,
    raised_by: &str,
    conditions: &[ConditionDraft],
    actor: Option<&str>,
    at: PrimitiveDateTime,
) -> ServiceResult<()> {
    for c in conditions {
        let row = ConditionRow {
            id: uuid::Uuid::new_v4().to_string(),
            certificate_id: certificate_id.to_string(),
            item_id: c.item_id.clone(),
            text: c.text.clone(),
            due_at: db::from_utc(c.due_at),
            state: ConditionState::Open,
            raised_by: raised_by.to_string(),
            overdue_at: None,
            created_at: at,
            updated_at: at,
        };
        if db::conditions::insert_if_absent(tx, &row)? {
            db::conditions::insert_event(
                tx,
                &ConditionEvent {
                    id: uuid::Uuid::new_v4().to_string(),
                    condition_id: row.id.clone(),
                    at,
                    actor_id: actor.map(str::to_string),
                    action: "issued".to_string(),
                    note: String::new(),
                    evidence_id: None,
                },
            )?;
        }
    }
    Ok(())
}

/// A certificate reissued on appeal keeps what its predecessor's conditions had
/// come to: before issue, a condition on the same item keeps the earlier due date
/// (an appeal about other items buys no time) — see [`carry_accepted`] for after.
pub(crate) fn carry_due_dates(
    tx: &mut DbConnection,
    replaced_certificate_id: &str,
    drafts: &mut [ConditionDraft],
) -> ServiceResult<()> {
    let old = db::conditions::of_certificates(tx, &[replaced_certificate_id])?
        .remove(replaced_certificate_id)
        .unwrap_or_default();
    for d in drafts.iter_mut() {
        if let Some(o) = old.iter().find(|o| o.item_id == d.item_id) {
            d.due_at = d.due_at.min(to_utc(o.due_at));
        }
    }
    Ok(())
}

/// After a reissue on appeal: a condition already met (accepted) on the replaced
/// certificate is met on the new one too, with a history entry saying so.
pub(crate) fn carry_accepted(
    tx: &mut DbConnection,
    replaced: &Certificate,
    new_certificate_id: &str,
    actor: &str,
    at: PrimitiveDateTime,
) -> ServiceResult<()> {
    let mut rows =
        db::conditions::of_certificates(tx, &[replaced.id.as_str(), new_certificate_id])?;
    let old = rows.remove(&replaced.id).unwrap_or_default();
    for n in rows.remove(new_certificate_id).unwrap_or_default() {
        let met = old
            .iter()
            .any(|o| o.item_id == n.item_id && o.state == ConditionState::Accepted);
        if met && db::conditions::set_state(tx, &n.id, n.state, ConditionState::Accepted, at)? {
            db::conditions::insert_event(
                tx,
                &ConditionEvent {
                    id: uuid::Uuid::new_v4().to_string(),
                    condition_id: n.id.clone(),
                    at,
                    actor_id: Some(actor.to_string()),
                    action: "accepted".to_string(),
                    note: format!("Met before the appeal, on certificate {}", replaced.number),
                    evidence_id: None,
                },
            )?;
        }
    }
    Ok(())
}

/// Gives the certificates issued before conditions were rows their rows, from the
/// JSON kept on the certificate (at start-up; a no-op once done). The unique
/// (certificate, item) index keeps one row when two instances start together.
pub fn backfill(db: &Db) -> anyhow::Result<usize> {
    db.blocking(|conn| -> anyhow::Result<usize> {
        let missing = db::conditions::certificates_without_rows(conn)?;
        let mut done = 0;
        for (id, advisor_id, json, issued_at) in missing {
            let drafts: Vec<ConditionDraft> = serde_json::from_str(&json)
                .map_err(|e| anyhow::anyhow!("conditions of certificate {id}: {e}"))?;
            write_tx(conn, |tx| {
                insert_for_new_certificate(tx, &id, &advisor_id, &drafts, None, issued_at)
                    .map_err(|e| anyhow::anyhow!("{e}"))
            })?;
            done += 1;
        }
        Ok(done)
    })
}

/// The condition views of many certificates, keyed by certificate id.
pub(crate) fn views_of(
    conn: &mut DbConnection,
    certificate_ids: &[&str],
) -> ServiceResult<HashMap<String, Vec<ConditionView>>> {
    let rows = db::conditions::of_certificates(conn, certificate_ids)?;
    let ids: Vec<&str> = rows.values().flatten().map(|r| r.id.as_str()).collect();
    let events = db::conditions::events_of(conn, &ids)?;
    let evidence = db::conditions::evidence_of(conn, &ids)?;
    let actor_ids: Vec<&str> = events
        .values()
        .flatten()
        .filter_map(|e| e.actor_id.as_deref())
        .collect();
    let names = db::conditions::user_names(conn, &actor_ids)?;
    let mut out = HashMap::new();
    for (cert_id, list) in rows {
        let views = list
            .into_iter()
            .map(|r| {
                let history = events
                    .get(&r.id)
                    .into_iter()
                    .flatten()
                    .map(|e| ConditionHistoryEntry {
                        at: to_utc(e.at),
                        action: e.action.clone(),
                        by: e.actor_id.as_ref().and_then(|a| names.get(a).cloned()),
                        note: e.note.clone(),
                        evidence: e
                            .evidence_id
                            .as_ref()
                            .and_then(|id| evidence.get(id))
                            .map(evidence_view),
                    })
                    .collect();
                ConditionView {
                    id: r.id,
                    item_id: r.item_id,
                    text: r.text,
                    due_at: to_utc(r.due_at),
                    state: r.state,
                    overdue: r.overdue_at.is_some() && r.state != ConditionState::Accepted,
                    history,
                }
            })
            .collect();
        out.insert(cert_id, views);
    }
    Ok(out)
}

fn evidence_view(m: &ConditionEvidenceMeta) -> ConditionEvidenceView {
    ConditionEvidenceView {
        id: m.id.clone(),
        filename: m.filename.clone(),
        content_type: m.content_type.clone(),
        size_bytes: m.size_bytes,
        sha256: m.sha256.clone(),
    }
}

fn one_view(
    conn: &mut DbConnection,
    cert: &Certificate,
    condition_id: &str,
) -> ServiceResult<ConditionView> {
    views_of(conn, &[cert.id.as_str()])?
        .remove(&cert.id)
        .unwrap_or_default()
        .into_iter()
        .find(|c| c.id == condition_id)
        .ok_or_else(|| ServiceError::not_found("condition"))
}

fn find_condition(
    conn: &mut DbConnection,
    cert: &Certificate,
    id: &str,
) -> ServiceResult<ConditionRow> {
    db::conditions::find(conn, &cert.id, id)?.ok_or_else(|| ServiceError::not_found("condition"))
}

/// Evidence is submitted and reviewed only while the certificate still stands.
fn require_standing(cert: &Certificate) -> ServiceResult<()> {
    match cert.status {
        StoredStatus::Active | StoredStatus::Suspended => Ok(()),
        other => Err(ServiceError::conflict(
            "certificate_closed",
            format!(
                "the certificate is {}: its conditions are closed with it",
                other.as_str()
            ),
        )),
    }
}

fn refused(why: crate::domain::condition::RefusedCondition) -> ServiceError {
    ServiceError::conflict(why.code(), why.to_string())
}

/// A file and a note for one condition, as received.
pub struct EvidenceSubmission {
    pub upload: Upload,
    pub note: Option<String>,
}

/// Only operators submit evidence: checked before a body is read.
pub fn may_submit(caller: &Caller) -> ServiceResult<()> {
    crate::service::access::require_operator(caller)
}

/// The operator submits evidence and a note for a condition that is open (or whose
/// evidence was rejected).
pub async fn submit_evidence(
    state: &AppState,
    caller: &Caller,
    number: &str,
    condition_id: &str,
    input: EvidenceSubmission,
) -> ServiceResult<ConditionView> {
    may_submit(caller)?;
    let number = parse_number(number)?;
    let mut check = Check::new();
    let note = match input.note.as_deref() {
        Some(n) if !n.trim().is_empty() => check.text("note", n, MAX_NOTE_CHARS),
        _ => {
            check.fail(
                "note",
                "is required: say how the evidence meets the condition",
            );
            String::new()
        }
    };
    let (st, caller, id, upload) = (
        state.clone(),
        caller.clone(),
        condition_id.to_string(),
        input.upload,
    );
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                // Another organisation's certificate reads as not found, whatever was sent.
                let cert = find_by_number(tx, &number)?;
                require_may_submit_condition_evidence(&caller, &cert.organisation_id)?;
                let row = find_condition(tx, &cert, &id)?;
                check.finish()?;
                check_file(&st, &upload)?;
                require_standing(&cert)?;
                let to = transition_condition(row.state, ConditionAction::SubmitEvidence)
                    .map_err(refused)?;
                let at = now();
                if !db::conditions::set_state(tx, &row.id, row.state, to, at)? {
                    return Err(changed_meanwhile());
                }
                let meta = ConditionEvidenceMeta {
                    id: uuid::Uuid::new_v4().to_string(),
                    condition_id: row.id.clone(),
                    filename: clean_filename(&upload.filename),
                    content_type: upload.content_type.clone(),
                    size_bytes: i64::try_from(upload.data.len()).unwrap_or(i64::MAX),
                    sha256: hex::encode(Sha256::digest(&upload.data)),
                    uploaded_by: caller.user_id.clone(),
                    created_at: at,
                };
                db::conditions::insert_evidence(tx, &meta, &upload.data)?;
                record_event(tx, &row, &caller, "evidence_submitted", &note, Some(&meta.id), at)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new(
                        ConditionAction::SubmitEvidence.audit_action(),
                        "condition",
                        &row.id,
                    )
                    .before(serde_json::json!({"certificate": cert.number, "item_id": row.item_id, "state": row.state.as_str()}))
                    .after(serde_json::json!({
                        "certificate": cert.number, "item_id": row.item_id, "state": to.as_str(),
                        "evidence_id": meta.id, "sha256": meta.sha256, "size_bytes": meta.size_bytes,
                    })),
                )?;
                one_view(tx, &cert, &row.id)
            })
        })
        .await
}

fn changed_meanwhile() -> ServiceError {
    ServiceError::conflict(
        "condition_changed",
        "the condition changed meanwhile; reload it and try again",
    )
}

fn record_event(
    tx: &mut DbConnection,
    row: &ConditionRow,
    caller: &Caller,
    action: &str,
    note: &str,
    evidence_id: Option<&str>,
    at: PrimitiveDateTime,
) -> ServiceResult<()> {
    db::conditions::insert_event(
        tx,
        &ConditionEvent {
            id: uuid::Uuid::new_v4().to_string(),
            condition_id: row.id.clone(),
            at,
            actor_id: Some(caller.user_id.clone()),
            action: action.to_string(),
            note: note.to_string(),
            evidence_id: evidence_id.map(str::to_string),
        },
    )?;
    Ok(())
}

/// The reviewer's decision.
#[derive(Deserialize, Serialize, ToSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Accept,
    Reject,
}

#[derive(Deserialize, ToSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `accept` (the condition is met) or `reject` (the operator submits again).
    /// (Optional to serde, so that a missing decision is a 422 naming it.)
    #[serde(default)]
    #[schema(value_type = ReviewDecision, required = true)]
    pub decision: Option<ReviewDecision>,
    /// Required to reject (what is missing), optional to accept; at most 2000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Whether the caller may review this condition, from both advisors' standing today.
fn check_reviewer(
    conn: &mut DbConnection,
    caller: &Caller,
    cert: &Certificate,
    row: &ConditionRow,
) -> ServiceResult<()> {
    let own = db::advisors::find(conn, &caller.user_id)?;
    let raiser = if row.raised_by == caller.user_id {
        own.clone()
    } else {
        db::advisors::find(conn, &row.raised_by)?
    };
    require_may_review_condition(
        caller,
        &row.raised_by,
        raiser.as_ref(),
        own.as_ref(),
        cert.kind,
        &cert.organisation_id,
        today(),
    )
}

/// The reviewer accepts or rejects the evidence. Accepting an overdue condition
/// lifts its hold; the certificate is reinstated if nothing else holds it.
pub async fn review(
    state: &AppState,
    caller: &Caller,
    number: &str,
    condition_id: &str,
    input: ReviewRequest,
) -> ServiceResult<ConditionView> {
    require_reviewer_role(caller)?;
    let number = parse_number(number)?;
    let mut check = Check::new();
    let decision = input.decision;
    if decision.is_none() {
        check.fail("decision", "is required: `accept` or `reject`");
    }
    let note = check
        .optional_text("note", input.note.as_deref(), MAX_NOTE_CHARS)
        .unwrap_or_default();
    if decision == Some(ReviewDecision::Reject) && note.is_empty() {
        check.fail("note", "is required to reject: say what the evidence lacks");
    }
    check.finish()?;
    let action = match decision {
        Some(ReviewDecision::Accept) => ConditionAction::Accept,
        _ => ConditionAction::Reject,
    };
    let (caller, id) = (caller.clone(), condition_id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let cert = find_by_number(tx, &number)?;
                let row = find_condition(tx, &cert, &id)?;
                check_reviewer(tx, &caller, &cert, &row)?;
                require_standing(&cert)?;
                let to = transition_condition(row.state, action).map_err(refused)?;
                let at = now();
                if !db::conditions::set_state(tx, &row.id, row.state, to, at)? {
                    return Err(changed_meanwhile());
                }
                let word = match action {
                    ConditionAction::Accept => "accepted",
                    _ => "rejected",
                };
                record_event(tx, &row, &caller, word, &note, None, at)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new(action.audit_action(), "condition", &row.id)
                        .before(serde_json::json!({"certificate": cert.number, "item_id": row.item_id, "state": row.state.as_str()}))
                        .after(serde_json::json!({"certificate": cert.number, "item_id": row.item_id, "state": to.as_str(), "note": note})),
                )?;
                if to == ConditionState::Accepted {
                    release_hold(tx, &caller, &cert, &row, at)?;
                }
                one_view(tx, &cert, &row.id)
            })
        })
        .await
}

/// An accepted condition no longer holds its certificate; a suspended certificate
/// that nothing else holds is reinstated, with its audit entry.
fn release_hold(
    tx: &mut DbConnection,
    caller: &Caller,
    cert: &Certificate,
    row: &ConditionRow,
    at: PrimitiveDateTime,
) -> ServiceResult<()> {
    let holder = Holder::Condition(row.id.clone());
    if !db::conditions::remove_hold(tx, &cert.id, &holder.as_key())? {
        return Ok(());
    }
    let mut holds = Holds::of(db::conditions::holds(tx, &cert.id)?);
    let to = holds.release(&holder, cert.status);
    if to == cert.status {
        return Ok(());
    }
    let reason = format!("condition {} met: its evidence was accepted", row.item_id);
    if !db::certificates::set_status(tx, &cert.id, cert.status, to, &reason, at)? {
        return Err(ServiceError::conflict(
            "status_changed",
            "the certificate's status changed meanwhile; reload it and try again",
        ));
    }
    audit(
        tx,
        Some(caller),
        Change::new("certificate.reinstated", "certificate", &cert.number)
            .before(serde_json::json!({"status": cert.status.as_str(), "status_reason": cert.status_reason}))
            .after(serde_json::json!({"status": to.as_str(), "status_reason": reason, "condition_id": row.id})),
    )?;
    Ok(())
}

/// A condition awaiting the caller's review, with what the page lists.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AwaitingReview {
    pub number: String,
    pub premises_name: String,
    pub town: String,
    pub condition: ConditionView,
}

/// The conditions whose evidence the calling advisor may review now.
pub async fn awaiting_review(
    state: &AppState,
    caller: &Caller,
) -> ServiceResult<Vec<AwaitingReview>> {
    require_reviewer_role(caller)?;
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            let rows = db::conditions::awaiting_review(conn)?;
            let mut mine = Vec::new();
            for (row, cert) in rows {
                if check_reviewer(conn, &caller, &cert, &row).is_ok() {
                    mine.push((row, cert));
                }
            }
            let ids: Vec<&str> = mine.iter().map(|(_, c)| c.id.as_str()).collect();
            let mut views = views_of(conn, &ids)?;
            Ok(mine
                .iter()
                .filter_map(|(row, cert)| {
                    let condition = views
                        .get_mut(&cert.id)?
                        .iter()
                        .find(|c| c.id == row.id)?
                        .clone();
                    Some(AwaitingReview {
                        number: cert.number.clone(),
                        premises_name: cert.premises_name.clone(),
                        town: cert.town.clone(),
                        condition,
                    })
                })
                .collect())
        })
        .await
}

/// One condition for its reviewer (the review page).
pub async fn for_review(
    state: &AppState,
    caller: &Caller,
    number: &str,
    condition_id: &str,
) -> ServiceResult<AwaitingReview> {
    require_reviewer_role(caller)?;
    let number = parse_number(number)?;
    let (caller, id) = (caller.clone(), condition_id.to_string());
    state
        .db
        .run(move |conn| {
            let cert = find_by_number(conn, &number)?;
            let row = find_condition(conn, &cert, &id)?;
            check_reviewer(conn, &caller, &cert, &row)?;
            Ok(AwaitingReview {
                number: cert.number.clone(),
                premises_name: cert.premises_name.clone(),
                town: cert.town.clone(),
                condition: one_view(conn, &cert, &row.id)?,
            })
        })
        .await
}

/// One evidence file of a condition: for the owner, police, admins and whoever may
/// review the condition.
pub async fn evidence_file(
    state: &AppState,
    caller: &Caller,
    number: &str,
    condition_id: &str,
    evidence_id: &str,
) -> ServiceResult<EvidenceFile> {
    let number = parse_number(number)?;
    let (caller, id, evidence_id) = (
        caller.clone(),
        condition_id.to_string(),
        evidence_id.to_string(),
    );
    state
        .db
        .run(move |conn| {
            let cert = find_by_number(conn, &number)?;
            let row = find_condition(conn, &cert, &id)?;
            let reviewer = caller.role == crate::domain::actor::Role::Advisor
                && check_reviewer(conn, &caller, &cert, &row).is_ok();
            if !may_read_condition_evidence(&caller, &cert.organisation_id, reviewer) {
                return Err(ServiceError::not_found("evidence"));
            }
            let (filename, content_type, data) =
                db::conditions::evidence_file(conn, &row.id, &evidence_id)?
                    .ok_or_else(|| ServiceError::not_found("evidence"))?;
            Ok(EvidenceFile {
                filename: clean_filename(&filename),
                content_type,
                data,
            })
        })
        .await
}
