//! Rows as stored. Field order follows the `table!` column order in schema.rs, because
//! rows are loaded with `table::all_columns`.

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::schema::*;
use crate::domain::accreditation::AccreditationStatus;
use crate::domain::actor::Role;
use crate::domain::application::{AnswerStatus, ApplicationStatus};
use crate::domain::reminders::{NotificationStatus, ReminderKind};
use crate::domain::scoring::Outcome;
use crate::domain::status::StoredStatus;
use crate::domain::tier::{PremisesKind, Tier};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub organisation_id: Option<String>,
    pub role: Role,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: PrimitiveDateTime,
    /// In every login token; bumped to end them all (log-out, new password).
    pub session_version: i32,
    /// False once deactivated: no log-in, no token accepted.
    pub active: bool,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = advisors)]
pub struct Advisor {
    pub user_id: String,
    pub accreditation_number: String,
    pub accredited_until: Date,
    /// Comma-separated premises kinds, e.g. `building,event`.
    pub scopes: String,
    pub status: AccreditationStatus,
    /// An organisation the advisor has a tie to (employer, client): never assessed by them.
    pub tied_organisation_id: Option<String>,
    pub created_at: PrimitiveDateTime,
}

impl Advisor {
    /// The premises kinds in scope; an unknown kind in the row is an error.
    pub fn scope_kinds(&self) -> anyhow::Result<Vec<PremisesKind>> {
        self.scopes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                PremisesKind::parse(s).ok_or_else(|| {
                    anyhow::anyhow!("advisor {} has unknown scope `{s}`", self.user_id)
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = checklists)]
pub struct ChecklistRow {
    pub id: String,
    pub kind: PremisesKind,
    pub version: i32,
    pub title: String,
    pub source: String,
    pub hash: String,
    pub published_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = premises, treat_none_as_null = true)]
pub struct Premises {
    pub id: String,
    pub organisation_id: String,
    pub kind: PremisesKind,
    pub name: String,
    pub address: String,
    pub town: String,
    pub postcode: String,
    pub capacity: i32,
    pub place_of_worship: bool,
    pub event_start: Option<PrimitiveDateTime>,
    pub event_end: Option<PrimitiveDateTime>,
    pub dsi_name: Option<String>,
    pub dsi_email: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    // Issue 13 part 7 (scope).
    /// Who is responsible (s.4): `ResponsiblePerson::as_str()` is `individual` or
    /// `organisation` (stored so; `organisation` for premises registered before).
    pub responsible_person: crate::domain::qualifying::ResponsiblePerson,
    /// The Schedule 1 use, `none` included; None: not stated (registered before
    /// it was asked, or an event).
    pub schedule1_use: Option<crate::domain::qualifying::Schedule1Use>,
    pub schedule2_exclusion: crate::domain::qualifying::Schedule2Exclusion,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: String,
    pub premises_id: String,
    pub organisation_id: String,
    pub checklist_id: String,
    pub tier: Tier,
    pub status: ApplicationStatus,
    pub advisor_id: Option<String>,
    pub outcome: Option<Outcome>,
    pub result: Option<String>,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    pub submitted_at: Option<PrimitiveDateTime>,
    pub assigned_at: Option<PrimitiveDateTime>,
    pub completed_at: Option<PrimitiveDateTime>,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = answers)]
pub struct Answer {
    pub application_id: String,
    pub item_id: String,
    pub status: AnswerStatus,
    pub note: String,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = scores)]
pub struct Score {
    pub application_id: String,
    pub item_id: String,
    /// None: the advisor marked the item not applicable.
    pub score: Option<i32>,
    pub note: String,
    pub updated_at: PrimitiveDateTime,
}

/// Evidence without its bytes, for listings.
#[derive(Debug, Clone, Queryable)]
pub struct EvidenceMeta {
    pub id: String,
    pub application_id: String,
    pub item_id: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: String,
    pub number: String,
    pub application_id: String,
    pub premises_id: String,
    pub organisation_id: String,
    pub kind: PremisesKind,
    pub tier: Tier,
    pub premises_name: String,
    pub address: String,
    pub town: String,
    pub postcode: String,
    pub advisor_id: String,
    pub advisor_name: String,
    pub accreditation_number: String,
    pub checklist_id: String,
    pub outcome: Outcome,
    /// JSON array of conditions.
    pub conditions: String,
    pub issued_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    pub status: StoredStatus,
    pub status_reason: Option<String>,
    pub superseded_by: Option<String>,
    pub updated_at: PrimitiveDateTime,
    /// Its place in the status lists (`domain::status_list`); set at issue, or at
    /// start-up for certificates issued before there were lists.
    pub status_index: Option<i32>,
    /// Part 4 (advisor oversight): the accreditation's standing on the day of
    /// issue (`domain::oversight::standing_on`); None for older certificates.
    pub accreditation_status_at_issue: Option<String>,
    /// Issue 12 part C: the search keys of `postcode` (`domain::search_keys`);
    /// `db::certificates::insert` writes them from the postcode, whatever is here.
    pub postcode_key: String,
    pub district: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: PrimitiveDateTime,
    pub actor_id: Option<String>,
    /// Kept as written (not typed): the chain is verified over the exact text.
    pub actor_role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// One email in the reminder outbox.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: String,
    /// What the reminder is about, e.g. `certificate:PSC-2026-000001-K`.
    pub subject: String,
    pub kind: ReminderKind,
    /// Days relative to the due date: -30 before, 0 on the day, 30 after.
    pub offset_days: i32,
    pub due_on: Date,
    /// JSON array of addresses.
    pub recipients: String,
    pub mail_subject: String,
    /// JSON the templates render the bodies from.
    pub context: String,
    pub status: NotificationStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: PrimitiveDateTime,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<PrimitiveDateTime>,
    pub sent_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// Part 4 (advisor oversight): a certificate flagged for review after its
/// advisor's accreditation was suspended or withdrawn.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = certificate_reviews)]
pub struct CertificateReview {
    pub id: String,
    pub certificate_id: String,
    pub advisor_id: String,
    pub cause: crate::domain::oversight::ReviewCause,
    /// The admin's reason for the accreditation change (admins only).
    pub reason: String,
    pub flagged_at: PrimitiveDateTime,
    /// None while open.
    pub resolution: Option<crate::domain::oversight::Resolution>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<PrimitiveDateTime>,
    /// The resolving admin's note, shown on the record.
    pub note: Option<String>,
    /// For an ordered reassessment: the day it is due by.
    pub reassess_by: Option<Date>,
}

// Issue 11 part 5: fire safety on file.
/// One recording of a premises' fire risk assessment (and fire safety certificate,
/// where one is held); `superseded_at` is set when a newer recording replaces it.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = fire_safety_records)]
pub struct FireSafetyRecord {
    pub id: String,
    pub premises_id: String,
    pub organisation_id: String,
    pub assessor: String,
    pub assessed_on: Date,
    pub next_review_on: Date,
    pub certificate_reference: Option<String>,
    pub certificate_expires_on: Option<Date>,
    pub recorded_by: String,
    pub recorded_at: PrimitiveDateTime,
    pub superseded_at: Option<PrimitiveDateTime>,
}

/// A fire safety evidence file without its bytes.
#[derive(Debug, Clone, Queryable)]
pub struct FireSafetyEvidenceMeta {
    pub id: String,
    pub record_id: String,
    pub premises_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: PrimitiveDateTime,
}
