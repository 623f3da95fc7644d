//! Issuing a certificate when an assessment is certified, in the caller's
//! transaction: number, premises snapshot, expiry, conditions and the signed PDF;
//! earlier certificates for the same premises are superseded.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::document::CertificateDocuments;
use crate::auth::Caller;
use crate::checklists::StoredChecklist;
use crate::db::models::{Application, Certificate, Premises};
use crate::db::schema::{advisors, certificates, users};
use crate::db::sequences::{Change, audit, next_certificate_serial};
use crate::db::{DbConnection, from_utc, to_utc};
use crate::domain::application::certificate_expiry;
use crate::domain::certificate_number::CertificateNumber;
use crate::domain::scoring::{ConditionDraft, Outcome};
use crate::domain::status::StoredStatus;
use crate::error::ApiError;

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
) -> Result<Certificate, ApiError> {
    let advisor_id = app.advisor_id.clone().ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!("completed application without advisor"))
    })?;
    let (advisor_name, accreditation_number): (String, String) = users::table
        .inner_join(advisors::table)
        .filter(users::id.eq(&advisor_id))
        .select((users::name, advisors::accreditation_number))
        .first(tx)?;
    let serial = next_certificate_serial(tx)?;
    let number = CertificateNumber::new(issued_at.year(), serial.unsigned_abs()).to_string();
    let expires_at = certificate_expiry(
        to_utc(issued_at),
        checklist.checklist.scoring.validity_months,
        prem.event_end.map(to_utc),
    );
    // The newest certificate supersedes the older ones, as on comparable registers.
    let previous: Vec<(String, String)> = certificates::table
        .filter(certificates::premises_id.eq(&prem.id))
        .filter(certificates::status.eq_any([
            StoredStatus::Active.as_str(),
            StoredStatus::Suspended.as_str(),
        ]))
        .select((certificates::id, certificates::number))
        .load(tx)?;
    for (id, old_number) in &previous {
        diesel::update(certificates::table.find(id))
            .set((
                certificates::status.eq(StoredStatus::Superseded.as_str()),
                certificates::superseded_by.eq(Some(&number)),
                certificates::updated_at.eq(issued_at),
            ))
            .execute(tx)?;
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
        kind: prem.kind.clone(),
        tier: app.tier.clone(),
        premises_name: prem.name.clone(),
        address: prem.address.clone(),
        town: prem.town.clone(),
        postcode: prem.postcode.clone(),
        advisor_id,
        advisor_name,
        accreditation_number,
        checklist_id: checklist.id.clone(),
        outcome: outcome.as_str().to_string(),
        conditions: serde_json::to_string(conditions).map_err(anyhow::Error::from)?,
        issued_at,
        expires_at: from_utc(expires_at),
        status: StoredStatus::Active.as_str().to_string(),
        status_reason: None,
        superseded_by: None,
        updated_at: issued_at,
    };
    diesel::insert_into(certificates::table)
        .values(&cert)
        .execute(tx)?;
    documents.issue(tx, &cert, prem, checklist.checklist.version)?;
    audit(
        tx,
        Some(caller),
        Change::new("certificate.issued", "certificate", &cert.number).after(serde_json::json!({
            "application_id": cert.application_id,
            "premises_id": cert.premises_id,
            "outcome": cert.outcome,
            "expires_at": crate::domain::audit::format_time(cert.expires_at),
            "conditions": conditions.len(),
        })),
    )?;
    Ok(cert)
}
