//! Part 4 (advisor oversight). Suspending or withdrawing an accreditation flags,
//! in the same transaction, every certificate that advisor issued that is still
//! active; admins then review each flagged certificate and either confirm it or
//! order a reassessment, which emails the operator. Reinstating an accreditation
//! closes no review: what the advisor did before the suspension still needs an
//! admin's look.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::require_admin;
use super::page::read_page;
use super::validate::Check;
use super::{ServiceError, ServiceResult};
use crate::auth::Caller;
use crate::db::models::{Certificate, CertificateReview};
use crate::db::sequences::{Change, audit};
use crate::db::{self, DbConnection, from_utc, to_utc, write_tx};
use crate::domain::oversight::{
    self, FlagDecision, Flaggable, Resolution, ReviewCause, ReviewState,
};
use crate::domain::reminders::{ReminderKind, ReminderSubject};
use crate::domain::status::VerifiedStatus;
use crate::notify::outbox::{Reminder, enqueue, renew_url};
use crate::state::AppState;

pub const MAX_NOTE_CHARS: usize = 1000;

/// What a flag looks like on the certificate record (police, the operator,
/// admins). The admin's reason for the accreditation change is not in it.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq)]
pub struct RecordReview {
    pub id: String,
    /// `open`, `confirmed` or `reassessment_ordered`.
    pub state: ReviewState,
    pub cause: ReviewCause,
    /// e.g. "Assessor's accreditation withdrawn — review".
    pub flag: String,
    #[serde(with = "time::serde::rfc3339")]
    pub flagged_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<time::OffsetDateTime>,
    /// The resolving admin's note.
    pub note: Option<String>,
    /// For an ordered reassessment: the day it is to be done by.
    pub reassess_by: Option<time::Date>,
}

impl From<&CertificateReview> for RecordReview {
    fn from(r: &CertificateReview) -> RecordReview {
        RecordReview {
            id: r.id.clone(),
            state: ReviewState::of(r.resolution),
            cause: r.cause,
            flag: r.cause.flag_text().to_string(),
            flagged_at: to_utc(r.flagged_at),
            resolved_at: r.resolved_at.map(to_utc),
            note: r.note.clone(),
            reassess_by: r.reassess_by,
        }
    }
}

/// The review of each certificate in `ids` to show on its record: the open one,
/// or else the newest resolved one.
pub(crate) fn record_reviews(
    conn: &mut DbConnection,
    ids: &[&str],
) -> ServiceResult<std::collections::HashMap<String, RecordReview>> {
    Ok(db::reviews::current_for(conn, ids)?
        .iter()
        .map(|(k, r)| (k.clone(), RecordReview::from(r)))
        .collect())
}

/// One flagged certificate, as admins review it.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct ReviewView {
    pub id: String,
    pub state: ReviewState,
    pub cause: ReviewCause,
    pub flag: String,
    /// Why the accreditation was suspended or withdrawn (as the admin gave it).
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub flagged_at: time::OffsetDateTime,
    pub certificate_number: String,
    pub certificate_status: VerifiedStatus,
    pub premises_name: String,
    pub town: String,
    pub advisor_id: String,
    pub advisor_name: String,
    pub accreditation_number: String,
    /// The accreditation's standing when the certificate was issued (None:
    /// not recorded, for certificates issued before it was).
    pub accreditation_status_at_issue: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    pub resolved_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<time::OffsetDateTime>,
    pub note: Option<String>,
    pub reassess_by: Option<time::Date>,
}

impl ReviewView {
    fn new(r: &CertificateReview, c: &Certificate) -> ReviewView {
        ReviewView {
            id: r.id.clone(),
            state: ReviewState::of(r.resolution),
            cause: r.cause,
            flag: r.cause.flag_text().to_string(),
            reason: r.reason.clone(),
            flagged_at: to_utc(r.flagged_at),
            certificate_number: c.number.clone(),
            certificate_status: super::certificates::status_now(c),
            premises_name: c.premises_name.clone(),
            town: c.town.clone(),
            advisor_id: c.advisor_id.clone(),
            advisor_name: c.advisor_name.clone(),
            accreditation_number: c.accreditation_number.clone(),
            accreditation_status_at_issue: c.accreditation_status_at_issue.clone(),
            issued_at: to_utc(c.issued_at),
            expires_at: to_utc(c.expires_at),
            resolved_by: r.resolved_by.clone(),
            resolved_at: r.resolved_at.map(to_utc),
            note: r.note.clone(),
            reassess_by: r.reassess_by,
        }
    }
}

/// The facts the domain decides on, for the advisor's active certificates.
fn flaggable(
    conn: &mut DbConnection,
    advisor_id: &str,
) -> ServiceResult<(Vec<db::reviews::FlagCandidate>, db::reviews::FlagFacts)> {
    let certs = db::reviews::active_of_advisor(conn, advisor_id)?;
    let ids: Vec<&str> = certs.iter().map(|c| c.0.as_str()).collect();
    let known = db::reviews::flag_facts(conn, &ids)?;
    Ok((certs, known))
}

fn facts<'a>(
    certs: &'a [db::reviews::FlagCandidate],
    known: &db::reviews::FlagFacts,
) -> Vec<Flaggable<'a>> {
    certs
        .iter()
        .map(|(id, advisor, status, expires_at)| Flaggable {
            certificate_id: id,
            advisor_id: advisor,
            status: *status,
            expires_at: to_utc(*expires_at),
            open: known.open.get(id).map(|(_, cause)| *cause),
            reassessment_ordered: known.reassessed.contains(id),
        })
        .collect()
}

/// How many certificates suspending, and withdrawing, the accreditation would
/// flag now (a withdrawal counts the suspension's open reviews it turns into
/// withdrawal reviews).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlagForecast {
    pub on_suspend: usize,
    pub on_withdraw: usize,
}

pub(crate) fn forecast(conn: &mut DbConnection, advisor_id: &str) -> ServiceResult<FlagForecast> {
    let (certs, known) = flaggable(conn, advisor_id)?;
    let facts = facts(&certs, &known);
    let now = time::OffsetDateTime::now_utc();
    Ok(FlagForecast {
        on_suspend: oversight::to_flag(&facts, advisor_id, ReviewCause::Suspended, now).len(),
        on_withdraw: oversight::to_flag(&facts, advisor_id, ReviewCause::Withdrawn, now).len(),
    })
}

/// Flags the advisor's active certificates for `cause`, inside the caller's
/// transaction (the accreditation change's), with an audit entry per flag.
/// Returns how many were flagged or escalated.
pub(crate) fn flag_certificates(
    tx: &mut DbConnection,
    caller: &Caller,
    advisor_id: &str,
    cause: ReviewCause,
    reason: &str,
) -> ServiceResult<usize> {
    let (certs, known) = flaggable(tx, advisor_id)?;
    let facts = facts(&certs, &known);
    let now = time::OffsetDateTime::now_utc();
    let decided = oversight::to_flag(&facts, advisor_id, cause, now);
    let numbers = {
        let ids: Vec<&str> = decided.iter().map(|(c, _)| c.certificate_id).collect();
        numbers_of(tx, &ids)?
    };
    for (c, decision) in &decided {
        let number = numbers
            .get(c.certificate_id)
            .cloned()
            .unwrap_or_else(|| c.certificate_id.to_string());
        let (review_id, before) = match decision {
            FlagDecision::Flag => {
                let review = CertificateReview {
                    id: uuid::Uuid::new_v4().to_string(),
                    certificate_id: c.certificate_id.to_string(),
                    advisor_id: advisor_id.to_string(),
                    cause,
                    reason: reason.to_string(),
                    flagged_at: from_utc(now),
                    resolution: None,
                    resolved_by: None,
                    resolved_at: None,
                    note: None,
                    reassess_by: None,
                };
                db::reviews::insert(tx, &review)?;
                (review.id, None)
            }
            FlagDecision::Escalate => {
                let Some((id, was)) = known.open.get(c.certificate_id) else {
                    continue;
                };
                if !db::reviews::escalate(tx, id, cause, reason)? {
                    return Err(changed_meanwhile());
                }
                (id.clone(), Some(serde_json::json!({"cause": was.as_str()})))
            }
            FlagDecision::Leave(_) => continue,
        };
        let mut change = Change::new("certificate.flagged_for_review", "certificate", &number)
            .after(serde_json::json!({
                "review_id": review_id,
                "cause": cause.as_str(),
                "flag": cause.flag_text(),
                "advisor_id": advisor_id,
                "reason": reason,
            }));
        if let Some(before) = before {
            change = change.before(before);
        }
        audit(tx, Some(caller), change)?;
    }
    Ok(decided.len())
}

fn numbers_of(
    conn: &mut DbConnection,
    ids: &[&str],
) -> ServiceResult<std::collections::HashMap<String, String>> {
    use crate::db::schema::certificates;
    use diesel::prelude::*;
    let rows: Vec<(String, String)> = certificates::table
        .filter(certificates::id.eq_any(ids))
        .select((certificates::id, certificates::number))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

fn changed_meanwhile() -> ServiceError {
    ServiceError::conflict(
        "review_changed",
        "the review changed meanwhile; reload it and try again",
    )
}

/// `GET /api/v1/reviews`: which reviews, and which page.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// `open` (the default: waiting for an admin) or `resolved`.
    #[param(pattern = "^(open|resolved)?$")]
    pub status: Option<String>,
    /// At most this many (default 50, at most 200).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Skip this many (for the next page).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 1000000)]
    pub offset: Option<String>,
}

/// The review list: open reviews, the longest waiting first, or resolved ones,
/// the newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: &ReviewQuery,
) -> ServiceResult<Vec<ReviewView>> {
    require_admin(caller)?;
    let mut check = Check::new();
    let resolved = match super::page::given(query.status.as_deref()) {
        None | Some("open") => false,
        Some("resolved") => true,
        Some(_) => {
            check.fail("status", "must be `open` or `resolved`");
            false
        }
    };
    let page = read_page(&mut check, query.limit.as_deref(), query.offset.as_deref());
    check.finish()?;
    let rows = state
        .db
        .run(move |conn| db::reviews::list(conn, resolved, page).map_err(ServiceError::from))
        .await?;
    Ok(rows.iter().map(|(r, c)| ReviewView::new(r, c)).collect())
}

/// One review.
pub async fn show(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<ReviewView> {
    require_admin(caller)?;
    let id = id.to_string();
    state
        .db
        .run(move |conn| {
            let (r, c) =
                db::reviews::find(conn, &id)?.ok_or_else(|| ServiceError::not_found("review"))?;
            Ok(ReviewView::new(&r, &c))
        })
        .await
}

/// How many reviews wait for an admin (the overview's count).
pub async fn open_count(state: &AppState, caller: &Caller) -> ServiceResult<i64> {
    require_admin(caller)?;
    state
        .db
        .run(|conn| db::reviews::count_open(conn).map_err(ServiceError::from))
        .await
}

#[derive(Deserialize, ToSchema, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct ResolveReviewRequest {
    /// Shown on the certificate record to police and the operator, and, for a
    /// reassessment, in the operator's email: 1 to 1000 characters.
    #[serde(default)]
    #[schema(schema_with = crate::service::validate::text::<1000>, required = true)]
    pub note: Option<String>,
}

/// Confirms a flagged certificate: it stands as issued.
pub async fn confirm(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: ResolveReviewRequest,
) -> ServiceResult<ReviewView> {
    resolve(state, caller, id, input, Resolution::Confirmed).await
}

/// Orders a reassessment: the certificate stays valid, marked on the record, and
/// the operator (and the designated senior individual) are emailed what to do and
/// by when.
pub async fn order_reassessment(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: ResolveReviewRequest,
) -> ServiceResult<ReviewView> {
    resolve(state, caller, id, input, Resolution::ReassessmentOrdered).await
}

async fn resolve(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: ResolveReviewRequest,
    to: Resolution,
) -> ServiceResult<ReviewView> {
    require_admin(caller)?;
    let mut check = Check::new();
    let note = match input.note.as_deref() {
        Some(n) if !n.trim().is_empty() => check.text("note", n, MAX_NOTE_CHARS),
        _ => {
            check.fail(
                "note",
                match to {
                    Resolution::Confirmed => "is required: say why the certificate stands",
                    Resolution::ReassessmentOrdered => {
                        "is required: say what the reassessment should look at"
                    }
                },
            );
            String::new()
        }
    };
    check.finish()?;
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    let within = state.settings.reassessment_within_days;
    let view = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (review, cert) =
                    db::reviews::find(tx, &id)?.ok_or_else(|| ServiceError::not_found("review"))?;
                let resolution = oversight::resolve(review.resolution, to)
                    .map_err(|why| ServiceError::conflict(why.code(), why.to_string()))?;
                let now = time::OffsetDateTime::now_utc();
                let by = (resolution == Resolution::ReassessmentOrdered)
                    .then(|| oversight::reassess_by(now.date(), within));
                if !db::reviews::resolve(
                    tx,
                    &review.id,
                    resolution,
                    &caller.user_id,
                    from_utc(now),
                    &note,
                    by,
                )? {
                    return Err(changed_meanwhile());
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new(resolution.audit_action(), "certificate", &cert.number)
                        .before(serde_json::json!({"review_id": review.id, "state": "open"}))
                        .after(serde_json::json!({
                            "review_id": review.id,
                            "state": resolution.as_str(),
                            "note": note,
                            "reassess_by": by.map(|d| d.to_string()),
                        })),
                )?;
                if let Some(by) = by {
                    queue_reassessment_email(tx, &st, &cert, review.cause, &note, by, now)?;
                }
                let review = CertificateReview {
                    resolution: Some(resolution),
                    resolved_by: Some(caller.user_id.clone()),
                    resolved_at: Some(from_utc(now)),
                    note: Some(note.clone()),
                    reassess_by: by,
                    ..review
                };
                Ok::<_, ServiceError>(ReviewView::new(&review, &cert))
            })
        })
        .await?;
    if view.state == ReviewState::ReassessmentOrdered {
        state.outbox.notify_one();
    }
    Ok(view)
}

fn queue_reassessment_email(
    tx: &mut DbConnection,
    state: &AppState,
    cert: &Certificate,
    cause: ReviewCause,
    note: &str,
    by: time::Date,
    now: time::OffsetDateTime,
) -> ServiceResult<()> {
    let tz = crate::domain::clock::zone(&state.settings.time_zone);
    let by_shown = crate::domain::clock::long_date(
        time::PrimitiveDateTime::new(by, time::Time::MIDNIGHT).assume_utc(),
        &tz,
    );
    let public_url = state.settings.public_url();
    let recipients =
        crate::notify::outbox::recipients_of_premises(tx, &cert.premises_id, &cert.organisation_id)
            .map_err(ServiceError::internal)?;
    enqueue(
        tx,
        &Reminder {
            subject: ReminderSubject::Certificate {
                number: cert.number.clone(),
            },
            kind: ReminderKind::ReassessmentOrdered,
            offset_days: 0,
            due_on: by,
            recipients,
            context: serde_json::json!({
                "scheme_name": state.settings.scheme_name,
                "number": cert.number,
                "premises_id": cert.premises_id,
                "premises_name": cert.premises_name,
                "town": cert.town,
                "advisor_name": cert.advisor_name,
                "cause": cause.as_str(),
                "note": note,
                "reassess_by": by_shown,
                "expires_on": crate::domain::clock::long_date(to_utc(cert.expires_at), &tz),
                "renew_url": renew_url(public_url, &cert.premises_id),
            }),
        },
        now,
    )
    .map_err(ServiceError::internal)?;
    Ok(())
}
