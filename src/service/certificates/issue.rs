//! Issuing a certificate when an assessment is certified, in the caller's
//! transaction: number, premises snapshot, expiry, conditions and the signed PDF;
//! earlier certificates for the same premises are superseded.

use time::PrimitiveDateTime;

use crate::auth::Caller;
use crate::certificates::document::CertificateDocuments;
use crate::checklists::StoredChecklist;
use crate::db::models::{Application, Certificate, Premises};
use crate::db::sequences::{Change, audit};
use crate::db::{self, DbConnection, from_utc, to_utc};
use crate::domain::application::certificate_expiry;
use crate::domain::certificate_number::CertificateNumber;
use crate::domain::scoring::{ConditionDraft, Outcome};
use crate::domain::status::StoredStatus;
use crate::service::{ServiceError, ServiceResult};

/// A new random number that no certificate has. Ten random symbols from the OS's
/// generator make a clash all but impossible; should one happen, another number is
/// drawn, and the register's UNIQUE constraint refuses a clash between two
/// transactions issuing at the same moment (that one fails and is not half-done).
fn unused_number(tx: &mut DbConnection, year: i32) -> ServiceResult<String> {
    for _ in 0..8 {
        let number = CertificateNumber::random(year, &mut rand::rngs::OsRng).to_string();
        if db::certificates::find_by_number(tx, &number)?.is_none() {
            return Ok(number);
        }
    }
    Err(ServiceError::internal(anyhow::anyhow!(
        "eight random certificate numbers in a row were taken"
    )))
}

#[allow(clippy::too_many_arguments)]
pub fn issue_certificate(
    tx: &mut DbConnection,
    documents: &CertificateDocuments,
    caller: &Caller,
    app: &Application,
    prem: &Premises,
    checklist: &StoredChecklist,
    outcome: Outcome,
    conditions: &[ConditionDraft],
    issued_at: PrimitiveDateTime,
) -> ServiceResult<Certificate> {
    let advisor_id = app.advisor_id.clone().ok_or_else(|| {
        ServiceError::internal(anyhow::anyhow!("completed application without advisor"))
    })?;
    let (advisor_name, accreditation_number) = db::advisors::names(tx, &[advisor_id.as_str()])?
        .remove(&advisor_id)
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("advisor {advisor_id} missing")))?;
    // Part 4 (advisor oversight): the accreditation's standing on the day of issue.
    let accreditation_status_at_issue = db::advisors::find(tx, &advisor_id)?.map(|a| {
        crate::domain::oversight::standing_on(a.status, a.accredited_until, issued_at.date())
            .to_string()
    });
    let number = unused_number(tx, issued_at.year())?;
    let expires_at = certificate_expiry(
        to_utc(issued_at),
        checklist.checklist.scoring.validity_months,
        prem.event_end.map(to_utc),
    );
    // The newest certificate supersedes the older ones, as on comparable registers.
    let previous = db::certificates::current_for_premises(tx, &prem.id)?;
    for (id, old_number) in &previous {
        db::certificates::supersede(tx, id, &number, issued_at)?;
        audit(
            tx,
            Some(caller),
            Change::new("certificate.superseded", "certificate", old_number)
                .after(serde_json::json!({"status": "superseded", "superseded_by": number})),
        )?;
    }
    let cert = Certificate {
        id: uuid::Uuid::new_v4().to_string(),
        number: number.clone(),
        application_id: app.id.clone(),
        premises_id: prem.id.clone(),
        organisation_id: prem.organisation_id.clone(),
        kind: prem.kind,
        tier: app.tier,
        premises_name: prem.name.clone(),
        address: prem.address.clone(),
        town: prem.town.clone(),
        postcode: prem.postcode.clone(),
        advisor_id,
        advisor_name,
        accreditation_number,
        checklist_id: checklist.id.clone(),
        outcome,
        conditions: serde_json::to_string(conditions).map_err(anyhow::Error::from)?,
        issued_at,
        expires_at: from_utc(expires_at),
        status: StoredStatus::Active,
        status_reason: None,
        superseded_by: None,
        updated_at: issued_at,
        status_index: Some(super::status_list::unused_status_index(tx)?),
        accreditation_status_at_issue,
        // Issue 12 part C: the search keys.
        postcode_key: crate::domain::search_keys::postcode_key(&prem.postcode),
        district: crate::domain::search_keys::district(&prem.postcode),
    };
    db::certificates::insert(tx, &cert)?;
    super::conditions::insert_for_new_certificate(
        tx,
        &cert.id,
        &cert.advisor_id,
        conditions,
        Some(&caller.user_id),
        issued_at,
    )?;
    documents.issue(tx, &cert, prem, checklist.checklist.version)?;
    audit(
        tx,
        Some(caller),
        Change::new("certificate.issued", "certificate", &cert.number).after(serde_json::json!({
            "application_id": cert.application_id,
            "premises_id": cert.premises_id,
            "outcome": cert.outcome.as_str(),
            "expires_at": crate::domain::audit::format_time(cert.expires_at),
            "conditions": conditions.len(),
        })),
    )?;
    Ok(cert)
}
