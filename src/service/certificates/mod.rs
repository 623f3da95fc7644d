//! Certificates: the full record (owner, police, admin), the register search,
//! status changes (admin), the stored PDF, and public verification.
//!
//! - `issue`: making a certificate when an assessment is certified
//! - `search`: the register search
//! - `status`: suspend, reinstate, revoke
//! - `status_history`: what happened to a certificate, from the audit log
//! - `status_list`: the signed bitstring status lists, naming no certificate
//! - `verify`: what the public and offline checkers see
//! - `verify_pdf`: what a verifier holding only the PDF can check

pub mod issue;
pub mod search;
pub mod status;
pub mod status_history;
pub mod status_list;
pub mod verify;
pub mod verify_pdf;
// Issue 12: public records and verified tokens in memory.
pub mod public_cache;
// Part 1 of issue 11: conditions to closure.
pub mod conditions;

pub use status_history::{CertificateHistory, HistoryEntry, HistoryEvent, history};

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::certificate_scope;
use super::premises::{Person, designated_senior_individual};
use super::{ServiceError, ServiceResult};
use crate::auth::Caller;
use crate::db::models::{Certificate, Premises};
use crate::db::{self, DbConnection, to_utc};
use crate::domain::certificate_number::{CertificateNumber, NumberError};
use crate::domain::scoring::Outcome;
use crate::domain::status::{VerifiedStatus, verified_status};
use crate::domain::tier::{PremisesKind, Tier};
use crate::state::AppState;
use conditions::ConditionView;

/// A typed certificate number, normalised, or a 400 naming `number`.
pub fn parse_number(raw: &str) -> ServiceResult<String> {
    raw.parse::<CertificateNumber>()
        .map(|n| n.to_string())
        .map_err(|e: NumberError| ServiceError::malformed_field("number", e.to_string()))
}

pub(crate) fn find_by_number(conn: &mut DbConnection, number: &str) -> ServiceResult<Certificate> {
    db::certificates::find_by_number(conn, number)?
        .ok_or_else(|| ServiceError::not_found("certificate"))
}

/// A certificate the caller may read in full; anyone else's reads as not found.
pub(crate) fn load_visible(
    conn: &mut DbConnection,
    caller: &Caller,
    number: &str,
) -> ServiceResult<Certificate> {
    let scope = certificate_scope(caller)?;
    let cert = find_by_number(conn, number)?;
    if scope.admits(&cert.organisation_id) {
        Ok(cert)
    } else {
        Err(ServiceError::not_found("certificate"))
    }
}

/// What a verifier sees now: the stored status, with `expired` from the clock.
pub fn status_now(c: &Certificate) -> VerifiedStatus {
    verified_status(
        c.status,
        to_utc(c.expires_at),
        time::OffsetDateTime::now_utc(),
    )
}

/// The full record, for its owner, the police and admins.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct CertificateView {
    pub number: String,
    pub status: VerifiedStatus,
    pub status_reason: Option<String>,
    pub superseded_by: Option<String>,
    pub premises_id: String,
    pub premises_name: String,
    pub address: String,
    pub town: String,
    pub postcode: String,
    pub kind: PremisesKind,
    pub tier: Tier,
    pub outcome: Outcome,
    /// Each condition with its state and history.
    pub conditions: Vec<ConditionView>,
    pub advisor_name: String,
    pub accreditation_number: String,
    pub application_id: String,
    pub checklist_id: String,
    pub designated_senior_individual: Option<Person>,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    // Part 3: the second sign-off.
    /// Who signed off the assessment before issue, and when (null where no second
    /// sign-off was needed: the advisor above decided alone).
    pub signed_off_by: Option<crate::service::applications::sign_off::SignedOffBy>,
    // Part 4 (advisor oversight):
    /// The advisor's accreditation on the day of issue: `active`, `lapsed`,
    /// `suspended` or `withdrawn`; null for certificates issued before it was
    /// recorded ("not recorded").
    pub accreditation_status_at_issue: Option<String>,
    /// The certificate's review after its advisor's accreditation was suspended
    /// or withdrawn: the open one, or else the newest resolved one; null if never
    /// flagged.
    pub review: Option<super::oversight::RecordReview>,
    // Issue 11 part 5: fire safety on file.
    /// The premises' fire risk assessment (and fire safety certificate) on file when
    /// this record is read, as recorded by the operator; not checked by this scheme.
    pub fire_safety: crate::service::fire_safety::FireSafetyOnFile,
    // issue 11 part 2: appeals
    /// Whether it was decided on appeal, and the operator's right-to-reply
    /// statement (the full record only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appeal_and_reply: Option<crate::service::appeals::RecordAppeal>,
    // Issue 13: checklist version 2.
    /// The checklist items the advisor marked not applicable, each with the reason
    /// (the full record only: police see why a duty was left out).
    pub not_applicable: Vec<NotApplicableItem>,
    // Issue 13 part 9 (validity).
    /// What the certificate lapses on, recorded at issue: any of
    /// `responsible_person`, `tier`, `layout`, `use` (empty for certificates
    /// issued before this was recorded).
    pub lapses_on: Vec<String>,
    /// The same in plain words ("It lapses on a change of ..."); null when not recorded.
    pub lapse_terms: Option<String>,
    /// The edit of the premises, while the certificate was current, that changed
    /// something it lapses on; null if none. The stored status is not changed (no
    /// status means "lapsed"): apply again for a new assessment.
    pub lapse_recorded: Option<LapseRecord>,
}

/// A change of the premises that made a certificate lapse.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct LapseRecord {
    /// When the premises were edited (RFC 3339).
    pub at: String,
    /// What changed: `responsible_person`, `tier`, `use`.
    pub changes: Vec<String>,
}

impl CertificateView {
    /// Issue 13 part 9: what it lapses on (comma-separated) and a lapse recorded.
    pub fn set_lapses(&mut self, lapses_on: &str, recorded: Option<&str>) {
        let t: Vec<&str> = lapses_on.split(',').filter(|t| !t.is_empty()).collect();
        self.lapses_on = t.iter().map(|t| t.to_string()).collect();
        self.lapse_terms = Some(format!(
            "It lapses on {} of the premises.",
            crate::domain::qualifying::lapse_words(&t)
        ));
        self.lapse_recorded = recorded.and_then(|r| serde_json::from_str(r).ok());
    }
}

impl LapseRecord {
    /// "Lapsed on 2 December 2026 with a change of tier."
    pub fn sentence(&self, date: &str) -> String {
        let changes: Vec<&str> = self.changes.iter().map(String::as_str).collect();
        format!(
            "Lapsed on {date} with {} of the premises.",
            crate::domain::qualifying::lapse_words(&changes)
        )
    }
}

#[derive(Serialize, ToSchema, Clone, Debug, PartialEq)]
pub struct NotApplicableItem {
    pub item_id: String,
    pub reason: String,
}

/// Issue 13: the items marked not applicable on each certificate's assessment (one query).
fn with_not_applicable(
    conn: &mut DbConnection,
    views: &mut [CertificateView],
) -> ServiceResult<()> {
    let ids: Vec<&str> = views.iter().map(|v| v.application_id.as_str()).collect();
    let mut by: HashMap<String, Vec<NotApplicableItem>> = HashMap::new();
    for s in db::applications::not_applicable_of(conn, &ids)? {
        by.entry(s.application_id)
            .or_default()
            .push(NotApplicableItem {
                item_id: s.item_id,
                reason: s.note,
            });
    }
    for view in views {
        view.not_applicable = by.remove(&view.application_id).unwrap_or_default();
    }
    Ok(())
}

impl CertificateView {
    pub fn new(
        c: &Certificate,
        p: Option<&Premises>,
        conditions: Vec<ConditionView>,
    ) -> ServiceResult<CertificateView> {
        Ok(CertificateView {
            number: c.number.clone(),
            status: status_now(c),
            status_reason: c.status_reason.clone(),
            superseded_by: c.superseded_by.clone(),
            premises_id: c.premises_id.clone(),
            premises_name: c.premises_name.clone(),
            address: c.address.clone(),
            town: c.town.clone(),
            postcode: c.postcode.clone(),
            kind: c.kind,
            tier: c.tier,
            outcome: c.outcome,
            conditions,
            advisor_name: c.advisor_name.clone(),
            accreditation_number: c.accreditation_number.clone(),
            application_id: c.application_id.clone(),
            checklist_id: c.checklist_id.clone(),
            designated_senior_individual: p.and_then(designated_senior_individual),
            issued_at: to_utc(c.issued_at),
            expires_at: to_utc(c.expires_at),
            signed_off_by: None,
            accreditation_status_at_issue: c.accreditation_status_at_issue.clone(),
            review: None,
            fire_safety: Default::default(),
            appeal_and_reply: None,
            not_applicable: Vec::new(),
            lapses_on: Vec::new(),
            lapse_terms: None,
            lapse_recorded: None,
        })
    }
}

/// What anyone may learn of a certificate: status and identity, never findings.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct PublicVerification {
    pub number: String,
    pub status: VerifiedStatus,
    pub premises_name: String,
    pub town: String,
    pub tier: Tier,
    pub kind: PremisesKind,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

impl From<&Certificate> for PublicVerification {
    fn from(c: &Certificate) -> Self {
        PublicVerification {
            number: c.number.clone(),
            status: status_now(c),
            premises_name: c.premises_name.clone(),
            town: c.town.clone(),
            tier: c.tier,
            kind: c.kind,
            issued_at: to_utc(c.issued_at),
            expires_at: to_utc(c.expires_at),
        }
    }
}

// Issue 12 part B: the public view from the few columns it needs.
// The status is worked out from the dates now, so a kept record expires on time.
impl From<&db::public::PublicRow> for PublicVerification {
    fn from(c: &db::public::PublicRow) -> Self {
        PublicVerification {
            status: verified_status(
                c.status,
                to_utc(c.expires_at),
                time::OffsetDateTime::now_utc(),
            ),
            number: c.number.clone(),
            premises_name: c.premises_name.clone(),
            town: c.town.clone(),
            tier: c.tier,
            kind: c.kind,
            issued_at: to_utc(c.issued_at),
            expires_at: to_utc(c.expires_at),
        }
    }
}

pub(crate) fn record_view(
    conn: &mut DbConnection,
    cert: &Certificate,
) -> ServiceResult<CertificateView> {
    record_views(conn, std::slice::from_ref(cert))?
        .pop()
        .ok_or_else(|| ServiceError::not_found("certificate"))
}

// Issue 11 part 5: fire safety on file, read when the record is read.
fn with_fire_safety(conn: &mut DbConnection, views: &mut [CertificateView]) -> ServiceResult<()> {
    let ids: Vec<String> = views.iter().map(|v| v.premises_id.clone()).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let today = super::today();
    let on_file = crate::service::fire_safety::on_file_of_many(conn, &ids, today)?;
    for v in views {
        if let Some(f) = on_file.get(&v.premises_id) {
            v.fire_safety = f.clone();
        }
    }
    Ok(())
}

/// Part 3: who signed off each certificate's assessment (one query).
fn with_sign_off(conn: &mut DbConnection, views: &mut [CertificateView]) -> ServiceResult<()> {
    let ids: Vec<&str> = views.iter().map(|v| v.application_id.as_str()).collect();
    let mut by = crate::service::applications::sign_off::signed_off_by(conn, &ids)?;
    for view in views {
        view.signed_off_by = by.remove(&view.application_id);
    }
    Ok(())
}

/// Record views of many certificates, with one query for their premises.
pub(crate) fn record_views(
    conn: &mut DbConnection,
    certs: &[Certificate],
) -> ServiceResult<Vec<CertificateView>> {
    let ids: Vec<&str> = certs.iter().map(|c| c.premises_id.as_str()).collect();
    let found = db::premises::find_many(conn, &ids)?;
    let cert_ids: Vec<&str> = certs.iter().map(|c| c.id.as_str()).collect();
    let mut conditions = conditions::views_of(conn, &cert_ids)?;
    // Part 4 (advisor oversight).
    let mut reviews = super::oversight::record_reviews(conn, &cert_ids)?;
    // issue 11 part 2: appeals
    let mut appeals = crate::service::appeals::on_certificates(conn, certs)?;
    // Issue 13 part 9.
    let mut lapses = db::certificates::lapses_of(conn, &cert_ids)?;
    let mut views = certs
        .iter()
        .map(|c| {
            let mut view = CertificateView::new(
                c,
                found.get(&c.premises_id),
                conditions.remove(&c.id).unwrap_or_default(),
            )?;
            view.review = reviews.remove(&c.id);
            view.appeal_and_reply = appeals.remove(&c.id);
            if let Some((on, recorded)) = lapses.remove(&c.id) {
                view.set_lapses(&on, recorded.as_deref());
            }
            Ok(view)
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    with_sign_off(conn, &mut views)?;
    with_fire_safety(conn, &mut views)?;
    with_not_applicable(conn, &mut views)?;
    Ok(views)
}

/// The full record of one certificate.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    number: &str,
) -> ServiceResult<CertificateView> {
    certificate_scope(caller)?;
    let number = parse_number(number)?;
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            let cert = load_visible(conn, &caller, &number)?;
            record_view(conn, &cert)
        })
        .await
}

/// The signed PDF, byte for byte as issued.
pub struct CertificatePdf {
    pub number: String,
    pub pdf: Vec<u8>,
    pub sha256: String,
}

pub async fn pdf(state: &AppState, caller: &Caller, number: &str) -> ServiceResult<CertificatePdf> {
    certificate_scope(caller)?;
    let number = parse_number(number)?;
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            let cert = load_visible(conn, &caller, &number)?;
            let (pdf, sha256) = db::certificates::document(conn, &cert.id)?
                .ok_or_else(|| ServiceError::not_found("certificate PDF"))?;
            // The stored file must still be the one issued: a changed byte is never
            // served, it is an error for the operators to look into.
            let actual = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf));
            if !actual.eq_ignore_ascii_case(&sha256) {
                return Err(ServiceError::internal(anyhow::anyhow!(
                    "the stored PDF of certificate {} does not match its SHA-256 (stored {sha256}, found {actual}): not served",
                    cert.number
                )));
            }
            Ok(CertificatePdf {
                number: cert.number,
                pdf,
                sha256,
            })
        })
        .await
}
