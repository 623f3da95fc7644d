//! Issuing a certificate when an assessment is certified, in the caller's
//! transaction: number, premises snapshot, expiry, conditions and the signed PDF;
//! earlier certificates for the same premises are superseded. The PDF is made
//! beforehand, outside the write transaction (`prepare`), whenever it can be.

use time::PrimitiveDateTime;

use crate::auth::Caller;
use crate::certificates::document::{CertificateDocuments, MadeDocument};
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

/// A certificate's signed PDF made before the write transaction that issues it
/// (issue 12, part D): rendering and signing take milliseconds, and on SQLite the
/// write transaction holds the database's one write lock. The transaction still
/// decides: it re-checks the application, keeps the number and status index only
/// if they are still free, and uses the PDF only if it is exactly the document
/// the certificate it issues would get; otherwise the PDF is thrown away and made
/// again inside, as before.
pub struct Prepared {
    number: String,
    status_index: i32,
    document: MadeDocument,
}

/// What is issued: the same for the preparation and for the transaction.
pub struct Issuance<'a> {
    pub app: &'a Application,
    pub prem: &'a Premises,
    pub checklist: &'a StoredChecklist,
    pub outcome: Outcome,
    pub conditions: &'a [ConditionDraft],
    pub issued_at: PrimitiveDateTime,
}

/// Makes the certificate's PDF outside any write transaction. Returns None when it
/// cannot (the transaction then makes it, and reports any error the same way).
pub fn prepare(
    conn: &mut DbConnection,
    documents: &CertificateDocuments,
    what: &Issuance,
) -> Option<Prepared> {
    let made = (|| -> ServiceResult<Prepared> {
        let number = unused_number(conn, what.issued_at.year())?;
        let status_index = super::status_list::unused_status_index(conn)?;
        let cert = draft(conn, what, &number, status_index)?;
        let document = documents
            .make(conn, &cert, what.prem, what.checklist.checklist.version)
            .map_err(ServiceError::internal)?;
        Ok(Prepared {
            number,
            status_index,
            document,
        })
    })();
    match made {
        Ok(prepared) => Some(prepared),
        Err(e) => {
            tracing::debug!("certificate not prepared ahead of issue: {e}");
            None
        }
    }
}

/// The new certificate's row (no PDF yet) with this number and status index.
fn draft(
    conn: &mut DbConnection,
    what: &Issuance,
    number: &str,
    status_index: i32,
) -> ServiceResult<Certificate> {
    let (app, prem, issued_at) = (what.app, what.prem, what.issued_at);
    let advisor_id = app.advisor_id.clone().ok_or_else(|| {
        ServiceError::internal(anyhow::anyhow!("completed application without advisor"))
    })?;
    let (advisor_name, accreditation_number) = db::advisors::names(conn, &[advisor_id.as_str()])?
        .remove(&advisor_id)
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("advisor {advisor_id} missing")))?;
    // Part 4 (advisor oversight): the accreditation's standing on the day of issue.
    let accreditation_status_at_issue = db::advisors::find(conn, &advisor_id)?.map(|a| {
        crate::domain::oversight::standing_on(a.status, a.accredited_until, issued_at.date())
            .to_string()
    });
    let expires_at = certificate_expiry(
        to_utc(issued_at),
        what.checklist.checklist.scoring.validity_months,
        prem.event_end.map(to_utc),
    );
    Ok(Certificate {
        id: uuid::Uuid::new_v4().to_string(),
        number: number.to_string(),
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
        checklist_id: what.checklist.id.clone(),
        outcome: what.outcome,
        conditions: serde_json::to_string(what.conditions).map_err(anyhow::Error::from)?,
        issued_at,
        expires_at: from_utc(expires_at),
        status: StoredStatus::Active,
        status_reason: None,
        superseded_by: None,
        updated_at: issued_at,
        status_index: Some(status_index),
        accreditation_status_at_issue,
        // Issue 12 part C: the search keys.
        postcode_key: crate::domain::search_keys::postcode_key(&prem.postcode),
        district: crate::domain::search_keys::district(&prem.postcode),
    })
}

/// Issues the certificate in the caller's write transaction: number, premises
/// snapshot, expiry, conditions, the signed PDF (`prepared`'s when it fits, else
/// made here), the superseding of earlier certificates and the audit entries.
pub fn issue_certificate(
    tx: &mut DbConnection,
    documents: &CertificateDocuments,
    caller: &Caller,
    what: &Issuance,
    prepared: Option<Prepared>,
) -> ServiceResult<Certificate> {
    let (prem, issued_at) = (what.prem, what.issued_at);
    let number = match &prepared {
        Some(p) if db::certificates::find_by_number(tx, &p.number)?.is_none() => p.number.clone(),
        _ => unused_number(tx, issued_at.year())?,
    };
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
    let status_index = match &prepared {
        Some(p) if !db::certificates::status_index_taken(tx, p.status_index)? => p.status_index,
        _ => super::status_list::unused_status_index(tx)?,
    };
    let cert = draft(tx, what, &number, status_index)?;
    db::certificates::insert(tx, &cert)?;
    // Issue 13 part 9: what it lapses on, recorded with it.
    db::certificates::insert_lapse_terms(
        tx,
        &cert.id,
        &crate::domain::qualifying::lapse_triggers(prem.kind).join(","),
    )?;
    super::conditions::insert_for_new_certificate(
        tx,
        &cert.id,
        &cert.advisor_id,
        what.conditions,
        Some(&caller.user_id),
        issued_at,
    )?;
    let version = what.checklist.checklist.version;
    let made = match prepared {
        Some(p) if documents.fits(&p.document, &cert, prem, version)? => p.document,
        _ => documents.make(tx, &cert, prem, version)?,
    };
    documents.store(tx, &cert, &made)?;
    audit(
        tx,
        Some(caller),
        Change::new("certificate.issued", "certificate", &cert.number).after(serde_json::json!({
            "application_id": cert.application_id,
            "premises_id": cert.premises_id,
            "outcome": cert.outcome.as_str(),
            "expires_at": crate::domain::audit::format_time(cert.expires_at),
            "conditions": what.conditions.len(),
        })),
    )?;
    Ok(cert)
}
