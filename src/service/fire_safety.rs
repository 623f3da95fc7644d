//! Fire safety on file (issue 11, part 5): the fire risk assessment an operator
//! records for its premises (who made it, when, when it is next reviewed) and, where
//! the premises hold one, a fire safety certificate's reference and expiry, with
//! evidence files. Each recording is kept: a new one supersedes the one before.
//!
//! The scheme does not check fire safety. It keeps what the operator records, asks
//! for a current assessment before an application is submitted (when configured),
//! shows it on the certificate record as "on file, recorded by the operator", and
//! reminds the operator before the review date (and the certificate's expiry).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::access::{fire_safety_scope, require_fire_safety_recorder};
use super::applications::evidence::{EvidenceFile, Upload, check_file, clean_filename};
use super::validate::Check;
use super::{ServiceError, ServiceResult};
use crate::auth::Caller;
use crate::db::models::{FireSafetyEvidenceMeta, FireSafetyRecord, Premises};
use crate::db::sequences::{Change, audit};
use crate::db::{self, DbConnection, now, to_utc, write_tx};
use crate::domain::fire_safety::{AssessmentStanding, FireSafetyDates, date_faults, standing};
use crate::state::AppState;

/// What every view of fire safety says about itself.
pub const NOT_CHECKED: &str =
    "Recorded by the operator and on file with the scheme; not checked by this scheme.";

/// A fire risk assessment as the operator records it.
#[derive(Deserialize, ToSchema, Clone, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct FireSafetyInput {
    /// Who made the fire risk assessment (a person or a firm).
    #[schema(schema_with = crate::service::validate::name::<200>)]
    pub assessor: String,
    /// YYYY-MM-DD, the day the assessment was made: not in the future.
    #[schema(format = Date)]
    pub assessed_on: String,
    /// YYYY-MM-DD, when the assessment is next to be reviewed: after `assessed_on`.
    #[schema(format = Date)]
    pub next_review_on: String,
    /// A fire safety certificate's reference, where the premises hold one.
    #[schema(schema_with = crate::service::validate::optional_text::<100>)]
    pub certificate_reference: Option<String>,
    /// YYYY-MM-DD, the certificate's expiry; only with `certificate_reference`.
    #[schema(format = Date)]
    pub certificate_expires_on: Option<String>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct FireSafetyEvidenceView {
    pub id: String,
    /// The record (recording of the assessment) the file was attached to.
    pub record_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: time::OffsetDateTime,
}

impl From<&FireSafetyEvidenceMeta> for FireSafetyEvidenceView {
    fn from(e: &FireSafetyEvidenceMeta) -> Self {
        FireSafetyEvidenceView {
            id: e.id.clone(),
            record_id: e.record_id.clone(),
            filename: e.filename.clone(),
            content_type: e.content_type.clone(),
            size_bytes: e.size_bytes,
            sha256: e.sha256.clone(),
            uploaded_at: to_utc(e.created_at),
        }
    }
}

/// One recording of the fire risk assessment.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct FireSafetyRecordView {
    pub id: String,
    pub assessor: String,
    pub assessed_on: time::Date,
    pub next_review_on: time::Date,
    pub certificate_reference: Option<String>,
    pub certificate_expires_on: Option<time::Date>,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: time::OffsetDateTime,
    /// Set once a newer recording replaced this one.
    #[serde(with = "time::serde::rfc3339::option")]
    pub superseded_at: Option<time::OffsetDateTime>,
    pub evidence: Vec<FireSafetyEvidenceView>,
}

/// The premises' fire safety on file: the current recording and the ones before.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct FireSafetyView {
    pub premises_id: String,
    /// `none_on_file`, `current` (review date not passed) or `review_passed`.
    #[schema(value_type = String, pattern = "^(none_on_file|current|review_passed)$")]
    pub standing: &'static str,
    pub current: Option<FireSafetyRecordView>,
    /// Earlier recordings, newest first.
    pub history: Vec<FireSafetyRecordView>,
    /// Always: recorded by the operator, not checked by this scheme.
    pub statement: &'static str,
}

/// What the certificate record shows of fire safety: what is on file for the
/// premises when the record is read (not when the certificate was issued), so that
/// police see the latest review date and whether it has passed.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct FireSafetyOnFile {
    /// `none_on_file`, `current` (review date not passed) or `review_passed`.
    #[schema(value_type = String, pattern = "^(none_on_file|current|review_passed)$")]
    pub standing: &'static str,
    pub assessor: Option<String>,
    pub assessed_on: Option<time::Date>,
    pub next_review_on: Option<time::Date>,
    pub certificate_reference: Option<String>,
    pub certificate_expires_on: Option<time::Date>,
    /// Whether the recorded fire safety certificate's expiry has passed.
    pub certificate_expired: Option<bool>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<time::OffsetDateTime>,
    /// How many evidence files the operator attached to this recording.
    pub evidence_files: i64,
    /// Always: recorded by the operator, not checked by this scheme.
    pub statement: &'static str,
}

impl Default for FireSafetyOnFile {
    fn default() -> Self {
        FireSafetyOnFile::of(None, 0, super::today())
    }
}

impl FireSafetyOnFile {
    pub fn of(record: Option<&FireSafetyRecord>, evidence_files: i64, today: time::Date) -> Self {
        let dates = record.map(dates_of);
        FireSafetyOnFile {
            standing: standing(dates.as_ref(), today).as_str(),
            assessor: record.map(|r| r.assessor.clone()),
            assessed_on: record.map(|r| r.assessed_on),
            next_review_on: record.map(|r| r.next_review_on),
            certificate_reference: record.and_then(|r| r.certificate_reference.clone()),
            certificate_expires_on: record.and_then(|r| r.certificate_expires_on),
            certificate_expired: dates.and_then(|d| d.certificate_expired(today)),
            recorded_at: record.map(|r| to_utc(r.recorded_at)),
            evidence_files,
            statement: NOT_CHECKED,
        }
    }

    pub fn is_current(&self) -> bool {
        self.standing == AssessmentStanding::Current.as_str()
    }
}

fn dates_of(r: &FireSafetyRecord) -> FireSafetyDates {
    FireSafetyDates {
        assessed_on: r.assessed_on,
        next_review_on: r.next_review_on,
        certificate_expires_on: r.certificate_expires_on,
    }
}

/// Today in the scheme's time zone: an assessment made this morning in London is
/// not "in the future" just after midnight there. (Whether an assessment is current
/// is judged on the UTC day, as accreditations and reminders are.)
pub fn scheme_today(state: &AppState) -> time::Date {
    let tz = crate::domain::clock::zone(&state.settings.time_zone);
    let now = jiff::Timestamp::now().to_zoned_datetime(tz).date();
    time::Date::from_calendar_date(
        i32::from(now.year()),
        time::Month::try_from(u8::try_from(now.month()).unwrap_or(1))
            .unwrap_or(time::Month::January),
        u8::try_from(now.day()).unwrap_or(1),
    )
    .unwrap_or_else(|_| super::today())
}

fn parse_date(check: &mut Check, field: &str, value: &str) -> Option<time::Date> {
    match time::Date::parse(
        value.trim(),
        &time::format_description::well_known::Iso8601::DATE,
    ) {
        Ok(d) => Some(d),
        Err(_) => {
            check.fail(field, "must be a date YYYY-MM-DD, such as 2026-11-30");
            None
        }
    }
}

/// The checked input: every field at fault, named.
struct Checked {
    assessor: String,
    assessed_on: time::Date,
    next_review_on: time::Date,
    certificate_reference: Option<String>,
    certificate_expires_on: Option<time::Date>,
}

fn checked(input: &FireSafetyInput, today: time::Date) -> ServiceResult<Checked> {
    let mut check = Check::new();
    let assessor = check.name("assessor", &input.assessor, 200);
    let assessed_on = parse_date(&mut check, "assessed_on", &input.assessed_on);
    let next_review_on = parse_date(&mut check, "next_review_on", &input.next_review_on);
    let certificate_reference = check.optional_text(
        "certificate_reference",
        input.certificate_reference.as_deref(),
        100,
    );
    if let Some(r) = &certificate_reference
        && r.contains('\n')
    {
        check.fail("certificate_reference", "must be on one line");
    }
    let certificate_expires_on = match input
        .certificate_expires_on
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(v) => parse_date(&mut check, "certificate_expires_on", v),
        None => None,
    };
    for fault in date_faults(
        assessed_on,
        next_review_on,
        certificate_expires_on,
        certificate_reference.is_some(),
        today,
    ) {
        check.fail(fault.field, fault.message);
    }
    check.finish()?;
    match (assessed_on, next_review_on) {
        (Some(assessed_on), Some(next_review_on)) => Ok(Checked {
            assessor,
            assessed_on,
            next_review_on,
            certificate_reference,
            certificate_expires_on,
        }),
        _ => Err(ServiceError::field(
            "assessed_on",
            "must be a date YYYY-MM-DD, such as 2026-11-30",
        )),
    }
}

/// Premises whose fire safety the caller may read; anyone else's read as not found.
fn load_premises(conn: &mut DbConnection, caller: &Caller, id: &str) -> ServiceResult<Premises> {
    let scope = fire_safety_scope(caller)?;
    match db::premises::find(conn, id)? {
        Some(p) if scope.admits(&p.organisation_id) => Ok(p),
        _ => Err(ServiceError::not_found("premises")),
    }
}

fn build_view(
    conn: &mut DbConnection,
    premises_id: &str,
    today: time::Date,
) -> ServiceResult<FireSafetyView> {
    let records = db::fire_safety::history(conn, premises_id)?;
    let evidence = db::fire_safety::evidence_of_premises(conn, premises_id)?;
    let view_of = |r: &FireSafetyRecord| FireSafetyRecordView {
        id: r.id.clone(),
        assessor: r.assessor.clone(),
        assessed_on: r.assessed_on,
        next_review_on: r.next_review_on,
        certificate_reference: r.certificate_reference.clone(),
        certificate_expires_on: r.certificate_expires_on,
        recorded_at: to_utc(r.recorded_at),
        superseded_at: r.superseded_at.map(to_utc),
        evidence: evidence
            .iter()
            .filter(|e| e.record_id == r.id)
            .map(FireSafetyEvidenceView::from)
            .collect(),
    };
    let current = records.iter().find(|r| r.superseded_at.is_none());
    Ok(FireSafetyView {
        premises_id: premises_id.to_string(),
        standing: standing(current.map(dates_of).as_ref(), today).as_str(),
        current: current.map(view_of),
        history: records
            .iter()
            .filter(|r| r.superseded_at.is_some())
            .map(view_of)
            .collect(),
        statement: NOT_CHECKED,
    })
}

/// Records the premises' fire risk assessment (operator of its organisation). The
/// recording before it, if any, is kept as history.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    premises_id: &str,
    input: FireSafetyInput,
) -> ServiceResult<FireSafetyView> {
    require_fire_safety_recorder(caller)?;
    let today = scheme_today(state);
    let (caller, premises_id) = (caller.clone(), premises_id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let premises = load_premises(tx, &caller, &premises_id)?;
                let c = checked(&input, today)?;
                // Two recordings at once: the second waits here, then supersedes the first.
                db::premises::lock(tx, &premises.id)?;
                let before = db::fire_safety::current(tx, &premises.id)?;
                let at = now();
                db::fire_safety::supersede_current(tx, &premises.id, at)?;
                let row = FireSafetyRecord {
                    id: uuid::Uuid::new_v4().to_string(),
                    premises_id: premises.id.clone(),
                    organisation_id: premises.organisation_id.clone(),
                    assessor: c.assessor,
                    assessed_on: c.assessed_on,
                    next_review_on: c.next_review_on,
                    certificate_reference: c.certificate_reference,
                    certificate_expires_on: c.certificate_expires_on,
                    recorded_by: caller.user_id.clone(),
                    recorded_at: at,
                    superseded_at: None,
                };
                db::fire_safety::insert(tx, &row)?;
                let summary = |r: &FireSafetyRecord| {
                    serde_json::json!({
                        "record_id": r.id, "assessor": r.assessor,
                        "assessed_on": r.assessed_on.to_string(),
                        "next_review_on": r.next_review_on.to_string(),
                        "certificate_reference": r.certificate_reference,
                        "certificate_expires_on": r.certificate_expires_on.map(|d| d.to_string()),
                    })
                };
                let mut change =
                    Change::new("premises.fire_safety_recorded", "premises", &premises.id)
                        .after(summary(&row));
                if let Some(b) = &before {
                    change = change.before(summary(b));
                }
                audit(tx, Some(&caller), change)?;
                build_view(tx, &premises.id, super::today())
            })
        })
        .await
}

/// The premises' fire safety on file, with history (its operators, admins).
pub async fn get(
    state: &AppState,
    caller: &Caller,
    premises_id: &str,
) -> ServiceResult<FireSafetyView> {
    let today = super::today();
    let (caller, premises_id) = (caller.clone(), premises_id.to_string());
    state
        .db
        .run(move |conn| {
            let premises = load_premises(conn, &caller, &premises_id)?;
            build_view(conn, &premises.id, today)
        })
        .await
}

/// Only operators attach fire safety evidence: checked before a body is read.
pub fn may_upload(caller: &Caller) -> ServiceResult<()> {
    require_fire_safety_recorder(caller)
}

/// Attaches a file (the assessment, the certificate) to the current recording, with
/// the same checks as application evidence.
pub async fn upload_evidence(
    state: &AppState,
    caller: &Caller,
    premises_id: &str,
    upload: Upload,
) -> ServiceResult<FireSafetyEvidenceView> {
    may_upload(caller)?;
    if upload.item_id.is_some() {
        return Err(ServiceError::field(
            "item_id",
            "fire safety evidence belongs to the premises' fire risk assessment, not a checklist item: send `file` only",
        ));
    }
    check_file(state, &upload)?;
    let (caller, premises_id) = (caller.clone(), premises_id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let premises = load_premises(tx, &caller, &premises_id)?;
                let record = db::fire_safety::current(tx, &premises.id)?.ok_or_else(|| {
                    ServiceError::conflict(
                        "fire_safety_missing",
                        "record the fire risk assessment first (PUT /api/v1/premises/{id}/fire-safety); evidence is attached to it",
                    )
                })?;
                let meta = FireSafetyEvidenceMeta {
                    id: uuid::Uuid::new_v4().to_string(),
                    record_id: record.id.clone(),
                    premises_id: premises.id.clone(),
                    filename: clean_filename(&upload.filename),
                    content_type: upload.content_type.clone(),
                    size_bytes: i64::try_from(upload.data.len()).unwrap_or(i64::MAX),
                    sha256: hex::encode(Sha256::digest(&upload.data)),
                    uploaded_by: caller.user_id.clone(),
                    created_at: now(),
                };
                db::fire_safety::insert_evidence(tx, &meta, &upload.data)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("premises.fire_safety_evidence_uploaded", "premises", &premises.id)
                        .after(serde_json::json!({
                            "evidence_id": meta.id, "record_id": meta.record_id,
                            "sha256": meta.sha256, "size_bytes": meta.size_bytes,
                        })),
                )?;
                Ok(FireSafetyEvidenceView::from(&meta))
            })
        })
        .await
}

pub async fn download_evidence(
    state: &AppState,
    caller: &Caller,
    premises_id: &str,
    evidence_id: &str,
) -> ServiceResult<EvidenceFile> {
    let (caller, premises_id, evidence_id) = (
        caller.clone(),
        premises_id.to_string(),
        evidence_id.to_string(),
    );
    state
        .db
        .run(move |conn| {
            let premises = load_premises(conn, &caller, &premises_id)?;
            let (filename, content_type, data) =
                db::fire_safety::evidence_file(conn, &premises.id, &evidence_id)?
                    .ok_or_else(|| ServiceError::not_found("evidence"))?;
            Ok(EvidenceFile {
                filename: clean_filename(&filename),
                content_type,
                data,
            })
        })
        .await
}

/// What is on file for each of `premises_ids` today, for certificate records.
pub(crate) fn on_file_of_many(
    conn: &mut DbConnection,
    premises_ids: &[&str],
    today: time::Date,
) -> ServiceResult<std::collections::HashMap<String, FireSafetyOnFile>> {
    let current = db::fire_safety::current_of_many(conn, premises_ids)?;
    let ids: Vec<&str> = current.values().map(|r| r.id.as_str()).collect();
    let counts = db::fire_safety::evidence_counts(conn, &ids)?;
    Ok(premises_ids
        .iter()
        .map(|p| {
            let record = current.get(*p);
            let files = record.and_then(|r| counts.get(&r.id).copied()).unwrap_or(0);
            (p.to_string(), FireSafetyOnFile::of(record, files, today))
        })
        .collect())
}

/// The submit prerequisite: with `require_fire_risk_assessment` on, a current fire
/// risk assessment must be on file for the premises (409 `fire_safety_missing`,
/// naming `fire_safety` in `items`).
pub(crate) fn require_current_for_submit(
    tx: &mut DbConnection,
    state: &AppState,
    premises_id: &str,
) -> ServiceResult<()> {
    if !state.settings.require_fire_risk_assessment {
        return Ok(());
    }
    let today = super::today();
    let current = db::fire_safety::current(tx, premises_id)?;
    let detail = match current.as_ref().map(dates_of) {
        Some(d) if d.is_current(today) => return Ok(()),
        Some(d) => format!(
            "fire_safety: the fire risk assessment on file for these premises was due for review on {}; record the reviewed assessment on the premises page (or PUT /api/v1/premises/{premises_id}/fire-safety), then submit again",
            crate::domain::clock::day(d.next_review_on)
        ),
        None => format!(
            "fire_safety: no fire risk assessment is on file for these premises; record it on the premises page (or PUT /api/v1/premises/{premises_id}/fire-safety), then submit again"
        ),
    };
    Err(ServiceError::Conflict {
        code: "fire_safety_missing",
        detail,
        items: vec!["fire_safety".to_string()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input(a: &str, n: &str) -> FireSafetyInput {
        FireSafetyInput {
            assessor: "Blaze Safety Ltd".into(),
            assessed_on: a.into(),
            next_review_on: n.into(),
            ..FireSafetyInput::default()
        }
    }

    fn fields(e: ServiceError) -> Vec<String> {
        e.field_errors().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn every_bad_field_is_named() {
        let today = date!(2026 - 12 - 01);
        assert!(checked(&input("2026-11-01", "2027-11-01"), today).is_ok());
        let bad = FireSafetyInput {
            assessor: " ".into(),
            assessed_on: "01/11/2026".into(),
            next_review_on: "soon".into(),
            certificate_reference: None,
            certificate_expires_on: Some("2027-02-30".into()),
        };
        let Err(e) = checked(&bad, today) else {
            panic!("accepted")
        };
        assert_eq!(
            fields(e),
            [
                "assessor",
                "assessed_on",
                "next_review_on",
                "certificate_expires_on"
            ]
        );
        let Err(e) = checked(&input("2026-12-02", "2026-12-01"), today) else {
            panic!("accepted")
        };
        assert_eq!(fields(e), ["assessed_on", "next_review_on"]);
    }
}
