//! The outbox in the database: queueing the reminders that are due (insert-if-absent
//! on the unique key), claiming rows to send (a conditional UPDATE, so that of several
//! instances exactly one wins each row), and recording what happened.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use crate::db::conditions::ConditionRow;
use crate::db::models::Certificate;
use crate::db::models::Notification;
use crate::db::schema::{
    advisors, certificates, fire_safety_records, notifications, premises, users,
};
use crate::db::sequences::{Change, audit, audit_all};
use crate::db::{DbConnection, from_utc, write_tx};
use crate::domain::accreditation::AccreditationStatus;
use crate::domain::clock;
use crate::domain::condition::{self, Holder, Holds};
use crate::domain::reminders::{ReminderKind, ReminderSubject, Schedule, describe_offset};
use crate::domain::status::StoredStatus;
use crate::domain::tier::PremisesKind;

use crate::domain::reminders::NotificationStatus::{Failed, Pending, Sent, Skipped};

/// Rows per write transaction when queueing: keeps SQLite's single write lock short
/// while a first sweep over a large register queues many reminders.
const QUEUE_CHUNK: usize = 500;
/// Values per `IN (...)` list, well under both backends' bind limits.
const IN_CHUNK: usize = 500;

/// What a sweep needs to know to queue reminders.
pub struct QueueParams<'a> {
    pub schedule: &'a Schedule,
    pub now: OffsetDateTime,
    pub public_url: &'a str,
    pub scheme_name: &'a str,
    /// Dates in emails read in the scheme's zone.
    pub time_zone: &'a jiff::tz::TimeZone,
    // Part 1 of issue 11: conditions to closure.
    pub condition_grace_days: u32,
    // Issue 11 part 5: fire safety on file.
    /// Submitting needs a current fire risk assessment (the reminders say so).
    pub require_fire_risk_assessment: bool,
}

/// A reminder as queued: what, when, to whom.
#[derive(Debug, Clone)]
pub struct Reminder {
    pub subject: ReminderSubject,
    pub kind: ReminderKind,
    pub offset_days: i32,
    pub due_on: Date,
    pub recipients: Vec<String>,
    pub context: Value,
}

fn day_start(d: Date) -> PrimitiveDateTime {
    PrimitiveDateTime::new(d, Time::MIDNIGHT)
}

fn iso(d: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    d.format(&format).unwrap_or_else(|_| d.to_string())
}

/// An instant's day as people read it, in the scheme's zone (as on pages and PDFs).
fn shown(t: PrimitiveDateTime, p: &QueueParams<'_>) -> String {
    clock::long_date(t.assume_utc(), p.time_zone)
}

/// A queued reminder as a sweep reports it: what, when, to whom (not the wording,
/// which stays in the outbox row).
#[derive(Debug, Clone)]
pub struct Queued {
    pub subject: ReminderSubject,
    pub kind: ReminderKind,
    pub offset_days: i32,
    pub due_on: Date,
    pub recipients: Vec<String>,
}

impl Queued {
    fn of(r: &Reminder) -> Queued {
        Queued {
            subject: r.subject.clone(),
            kind: r.kind,
            offset_days: r.offset_days,
            due_on: r.due_on,
            recipients: r.recipients.clone(),
        }
    }
}

/// Finds every reminder due at `now` that is not in the outbox yet and queues it.
/// Returns the reminders this call inserted (another instance may have queued some
/// of the same ones first; the unique key keeps one copy). The certificate expiry
/// reminders, the bulk of a first sweep over a large register, are built and
/// inserted a chunk at a time, so a backlog is never held in memory whole.
pub fn queue_due(conn: &mut DbConnection, p: &QueueParams<'_>) -> anyhow::Result<Vec<Queued>> {
    // Overdue conditions first: a certificate they suspend gets no reminder today.
    let overdue = suspend_overdue(conn, p)?;
    let mut queued = Vec::new();
    let candidates = certificates_due(conn, p)?;
    for chunk in candidates.chunks(QUEUE_CHUNK) {
        let due = certificate_reminders(conn, p, chunk)?;
        queued.extend(insert_all(conn, &due, p.now)?);
    }
    let mut due = condition_reminders(conn, p)?;
    due.extend(accreditation_reminders(conn, p)?);
    // Issue 11 part 5: fire safety on file.
    due.extend(fire_safety_reminders(conn, p)?);
    for chunk in due.chunks(QUEUE_CHUNK) {
        queued.extend(insert_all(conn, chunk, p.now)?);
    }
    queued.extend(overdue.iter().map(Queued::of));
    Ok(queued)
}

/// Inserts the reminders that are not queued yet, in one write transaction.
fn insert_all(
    conn: &mut DbConnection,
    due: &[Reminder],
    now: OffsetDateTime,
) -> anyhow::Result<Vec<Queued>> {
    write_tx(conn, |tx| -> anyhow::Result<Vec<Queued>> {
        let mut inserted = Vec::new();
        for r in due {
            if insert_if_absent(tx, &new_row(r, now)?)? {
                inserted.push(Queued::of(r));
            }
        }
        Ok(inserted)
    })
}

fn new_row(r: &Reminder, now: OffsetDateTime) -> anyhow::Result<Notification> {
    let now = from_utc(now);
    let recipients = serde_json::to_string(&r.recipients)?;
    let (status, last_error) = if r.recipients.is_empty() {
        (Skipped, Some("no recipient on record".to_string()))
    } else {
        (Pending, None)
    };
    Ok(Notification {
        id: uuid::Uuid::new_v4().to_string(),
        subject: r.subject.to_string(),
        kind: r.kind,
        offset_days: r.offset_days,
        due_on: r.due_on,
        recipients,
        mail_subject: super::templates::subject(r.kind, &r.context)?,
        context: r.context.to_string(),
        status,
        attempts: 0,
        last_error,
        next_attempt_at: now,
        claimed_by: None,
        claimed_until: None,
        sent_at: None,
        created_at: now,
        updated_at: now,
    })
}

/// Queues one email now (an account email, say), unless the same one is queued
/// already; returns whether it was added.
pub fn enqueue(conn: &mut DbConnection, r: &Reminder, now: OffsetDateTime) -> anyhow::Result<bool> {
    Ok(insert_if_absent(conn, &new_row(r, now)?)?)
}

/// The database refuses a second row with the same (subject, kind, offset_days); the
/// statement is the same on both backends, but diesel builds it per backend.
fn insert_if_absent(conn: &mut DbConnection, row: &Notification) -> QueryResult<bool> {
    let inserted = match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(notifications::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Postgres(c) => diesel::insert_into(notifications::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}

type CertificateRow = (String, String, String, String, String, PrimitiveDateTime);

/// The certificates due an expiry reminder, as (offset, number). Per offset, the
/// active buildings' certificates expiring on the days for which that offset is
/// current (a range of the covering (status, kind, expires_at, number) index), less
/// the reminders the outbox holds for those due dates (a range of the covering
/// (kind, offset_days, due_on, subject) index): two ordered scans instead of an
/// outbox probe per certificate. What is left is checked exactly against the
/// outbox's unique key, so a reminder queued under another due date still counts.
fn certificates_due(
    conn: &mut DbConnection,
    p: &QueueParams<'_>,
) -> anyhow::Result<Vec<(i32, String)>> {
    let today = p.now.date();
    let mut due: Vec<(i32, String)> = Vec::new();
    for &offset in p.schedule.offsets() {
        let Some((first, last)) = p.schedule.due_dates_for(offset, today) else {
            continue;
        };
        let numbers: Vec<String> = certificates::table
            .filter(certificates::status.eq(StoredStatus::Active))
            // An event's certificate ends with the event: nothing to renew, so no
            // expiry reminders (its conditions still get theirs).
            .filter(certificates::kind.eq(PremisesKind::Building))
            .filter(certificates::expires_at.ge(day_start(first)))
            .filter(certificates::expires_at.lt(day_start(last.next_day().unwrap_or(last))))
            .select(certificates::number)
            .load(conn)?;
        if numbers.is_empty() {
            continue;
        }
        let queued: HashSet<String> = notifications::table
            .filter(notifications::kind.eq(ReminderKind::CertificateExpiry))
            .filter(notifications::offset_days.eq(offset))
            .filter(notifications::due_on.ge(first))
            .filter(notifications::due_on.le(last))
            .select(notifications::subject)
            .load::<String>(conn)?
            .into_iter()
            .filter_map(|s| s.strip_prefix("certificate:").map(str::to_string))
            .collect();
        let left: Vec<String> = numbers
            .into_iter()
            .filter(|n| !queued.contains(n))
            .collect();
        drop(queued);
        for chunk in left.chunks(IN_CHUNK) {
            let subjects: Vec<String> = chunk.iter().map(|n| certificate_subject(n)).collect();
            let found: HashSet<String> = notifications::table
                .filter(notifications::subject.eq_any(&subjects))
                .filter(notifications::kind.eq(ReminderKind::CertificateExpiry))
                .filter(notifications::offset_days.eq(offset))
                .select(notifications::subject)
                .load::<String>(conn)?
                .into_iter()
                .collect();
            due.extend(
                chunk
                    .iter()
                    .filter(|n| !found.contains(&certificate_subject(n)))
                    .map(|n| (offset, n.clone())),
            );
        }
    }
    Ok(due)
}

/// The outbox subject of a certificate's reminders.
fn certificate_subject(number: &str) -> String {
    ReminderSubject::Certificate {
        number: number.to_string(),
    }
    .to_string()
}

/// The expiry reminders of some of those certificates: their details and
/// recipients read in one go.
fn certificate_reminders(
    conn: &mut DbConnection,
    p: &QueueParams<'_>,
    due: &[(i32, String)],
) -> anyhow::Result<Vec<Reminder>> {
    let mut details: HashMap<String, CertificateRow> = HashMap::new();
    let numbers: Vec<&String> = due.iter().map(|(_, n)| n).collect();
    for chunk in numbers.chunks(IN_CHUNK) {
        let rows: Vec<CertificateRow> = certificates::table
            .filter(certificates::number.eq_any(chunk))
            .select((
                certificates::number,
                certificates::premises_id,
                certificates::organisation_id,
                certificates::premises_name,
                certificates::town,
                certificates::expires_at,
            ))
            .load(conn)?;
        details.extend(rows.into_iter().map(|r| (r.0.clone(), r)));
    }
    let recipients =
        Recipients::load(conn, details.values().map(|r| (r.1.as_str(), r.2.as_str())))?;
    Ok(due
        .iter()
        .filter_map(|(offset, number)| {
            let offset = *offset;
            let (number, premises_id, org, premises_name, town, expires_at) =
                details.get(number)?.clone();
            let due_on = expires_at.date();
            Some(Reminder {
                subject: ReminderSubject::Certificate {
                    number: number.clone(),
                },
                kind: ReminderKind::CertificateExpiry,
                offset_days: offset,
                due_on,
                recipients: recipients.for_premises(&premises_id, &org),
                context: json!({
                    "scheme_name": p.scheme_name,
                    "number": number,
                    "premises_id": premises_id,
                    "premises_name": premises_name,
                    "town": town,
                    "expires_on": shown(expires_at, p),
                    "renew_url": renew_url(p.public_url, &premises_id),
                    "offset": offset,
                    "when": describe_offset(offset),
                }),
            })
        })
        .collect())
}

pub fn renew_url(public_url: &str, premises_id: &str) -> String {
    format!("{}/renew/{premises_id}", public_url.trim_end_matches('/'))
}

/// Condition due-date reminders, for conditions still awaiting evidence (open, or
/// their evidence rejected) on active certificates: a condition whose evidence was
/// submitted or accepted gets no more.
fn condition_reminders(
    conn: &mut DbConnection,
    p: &QueueParams<'_>,
) -> anyhow::Result<Vec<Reminder>> {
    let today = p.now.date();
    let Some(earliest_due) = p.schedule.earliest_due_date(today) else {
        return Ok(Vec::new());
    };
    let furthest_before = p
        .schedule
        .offsets()
        .first()
        .map_or(0, |o| -i64::from(*o))
        .max(0);
    let latest_due = today + time::Duration::days(furthest_before + 1);
    let rows = crate::db::conditions::awaiting_evidence_due_between(
        conn,
        day_start(earliest_due),
        day_start(latest_due),
    )?;
    let mut due = Vec::new();
    for (c, cert) in rows {
        let due_on = c.due_at.date();
        let Some(offset) = p.schedule.current_offset(due_on, today) else {
            continue;
        };
        due.push(Reminder {
            subject: ReminderSubject::Condition {
                number: cert.number.clone(),
                item_id: c.item_id.clone(),
            },
            kind: ReminderKind::ConditionDue,
            offset_days: offset,
            due_on,
            recipients: Vec::new(),
            context: condition_context(p, &c, &cert, offset),
        });
    }
    let mut due = without_queued(conn, ReminderKind::ConditionDue, due)?;
    let recipients = Recipients::load(
        conn,
        due.iter().filter_map(|r| {
            Some((
                r.context["premises_id"].as_str()?,
                r.context["organisation_id"].as_str()?,
            ))
        }),
    )?;
    for r in &mut due {
        let premises_id = r.context["premises_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let org = r.context["organisation_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        r.recipients = recipients.for_premises(&premises_id, &org);
    }
    Ok(due)
}

/// What the condition emails say.
fn condition_context(
    p: &QueueParams<'_>,
    c: &ConditionRow,
    cert: &Certificate,
    offset: i32,
) -> Value {
    json!({
        "scheme_name": p.scheme_name,
        "number": cert.number,
        "premises_id": cert.premises_id,
        "premises_name": cert.premises_name,
        "town": cert.town,
        "expires_on": shown(cert.expires_at, p),
        "item_id": c.item_id,
        "condition": c.text,
        "due_on": shown(c.due_at, p),
        "condition_url": condition_url(p.public_url, &cert.number, &c.id),
        "grace_days": p.condition_grace_days,
        "offset": offset,
        "when": describe_offset(offset),
        "organisation_id": cert.organisation_id,
    })
}

/// The operator's page of one condition, where evidence is submitted.
pub fn condition_url(public_url: &str, number: &str, condition_id: &str) -> String {
    format!(
        "{}/operator/certificates/{number}/conditions/{condition_id}",
        public_url.trim_end_matches('/')
    )
}

/// Suspends the certificates of conditions still awaiting evidence
/// `condition_grace_days` after their due date: per condition one transaction that
/// marks it overdue with a conditional UPDATE (so of any number of sweeps, on any
/// number of instances, exactly one goes on), adds its hold, suspends an active
/// certificate with the reason "condition <item> overdue", writes the audit entry
/// and queues the email to the operator and the designated senior individual.
fn suspend_overdue(conn: &mut DbConnection, p: &QueueParams<'_>) -> anyhow::Result<Vec<Reminder>> {
    let grace = p.condition_grace_days;
    let due_by = from_utc(p.now - time::Duration::days(i64::from(grace)));
    let candidates = crate::db::conditions::overdue_candidates(conn, due_by, from_utc(p.now))?;
    let mut queued = Vec::new();
    for (c, _) in candidates {
        if !condition::overdue(c.state, c.due_at.assume_utc(), grace, p.now) {
            continue;
        }
        let email = write_tx(conn, |tx| -> anyhow::Result<Option<Reminder>> {
            let at = from_utc(p.now);
            if !crate::db::conditions::mark_overdue(tx, &c.id, at)? {
                return Ok(None);
            }
            let Some(cert) = crate::db::certificates::find_by_id(tx, &c.certificate_id)? else {
                return Ok(None);
            };
            // Renewed, revoked or expired since the candidates were read: nothing to hold.
            if !matches!(cert.status, StoredStatus::Active | StoredStatus::Suspended)
                || cert.expires_at.assume_utc() <= p.now
            {
                return Ok(None);
            }
            let reason = condition::overdue_reason(&c.item_id);
            let holder = Holder::Condition(c.id.clone());
            crate::db::conditions::add_hold(tx, &cert.id, &holder.as_key(), &reason, at)?;
            let mut holds = Holds::of(crate::db::conditions::holds(tx, &cert.id)?);
            let to = holds.hold(holder, cert.status);
            let detail = json!({"condition_id": c.id, "item_id": c.item_id, "due_at": crate::domain::audit::format_time(c.due_at), "grace_days": grace});
            if to != cert.status {
                if !crate::db::certificates::set_status(tx, &cert.id, cert.status, to, &reason, at)?
                {
                    anyhow::bail!("certificate {} changed while being suspended", cert.number);
                }
                audit(
                    tx,
                    None,
                    Change::new("certificate.suspended", "certificate", &cert.number)
                        .before(json!({"status": cert.status.as_str(), "status_reason": cert.status_reason}))
                        .after(json!({"status": to.as_str(), "status_reason": reason, "condition": detail})),
                )?;
            } else {
                // Already suspended (by an admin): the condition holds it as well.
                audit(
                    tx,
                    None,
                    Change::new("condition.overdue", "condition", &c.id)
                        .after(json!({"certificate": cert.number, "status": to.as_str(), "hold": reason, "condition": detail})),
                )?;
            }
            crate::db::conditions::insert_event(
                tx,
                &crate::db::conditions::ConditionEvent {
                    id: uuid::Uuid::new_v4().to_string(),
                    condition_id: c.id.clone(),
                    at,
                    actor_id: None,
                    action: "overdue".to_string(),
                    note: format!(
                        "{reason}: the certificate is suspended until its evidence is accepted"
                    ),
                    evidence_id: None,
                },
            )?;
            let recipients = Recipients::load(
                tx,
                std::iter::once((cert.premises_id.as_str(), cert.organisation_id.as_str())),
            )?
            .for_premises(&cert.premises_id, &cert.organisation_id);
            let r = Reminder {
                subject: ReminderSubject::Condition {
                    number: cert.number.clone(),
                    item_id: c.item_id.clone(),
                },
                kind: ReminderKind::ConditionOverdue,
                offset_days: i32::try_from(grace).unwrap_or(i32::MAX),
                due_on: c.due_at.date(),
                recipients,
                context: condition_context(p, &c, &cert, i32::try_from(grace).unwrap_or(i32::MAX)),
            };
            Ok(insert_if_absent(tx, &new_row(&r, p.now)?)?.then_some(r))
        })?;
        queued.extend(email);
    }
    Ok(queued)
}

/// Accreditation reminders for active advisors, to the advisor.
fn accreditation_reminders(
    conn: &mut DbConnection,
    p: &QueueParams<'_>,
) -> anyhow::Result<Vec<Reminder>> {
    let today = p.now.date();
    let mut due = Vec::new();
    for &offset in p.schedule.offsets() {
        let Some((first, last)) = p.schedule.due_dates_for(offset, today) else {
            continue;
        };
        let rows: Vec<(String, String, String, String, Date)> = advisors::table
            .inner_join(users::table)
            .filter(advisors::status.eq(AccreditationStatus::Active))
            .filter(advisors::accredited_until.ge(first))
            .filter(advisors::accredited_until.le(last))
            .select((
                users::id,
                users::name,
                users::email,
                advisors::accreditation_number,
                advisors::accredited_until,
            ))
            .load(conn)?;
        for (advisor_id, name, email, number, until) in rows {
            due.push(Reminder {
                subject: ReminderSubject::Accreditation { advisor_id, until },
                kind: ReminderKind::AccreditationExpiry,
                offset_days: offset,
                due_on: until,
                recipients: vec![email],
                context: json!({
                    "scheme_name": p.scheme_name,
                    "advisor_name": name,
                    "accreditation_number": number,
                    "accredited_until": clock::day(until),
                    "offset": offset,
                    "when": describe_offset(offset),
                }),
            });
        }
    }
    without_queued(conn, ReminderKind::AccreditationExpiry, due)
}

// Issue 11 part 5: fire safety on file.
type FireSafetyRow = (
    String,
    String,
    String,
    String,
    String,
    Date,
    Date,
    Option<String>,
    Option<Date>,
);

/// Reminders before the review date of each premises' current fire risk assessment
/// and the expiry of its fire safety certificate, to the premises' operators. The
/// subject holds the date, so a new recording starts a new series.
fn fire_safety_reminders(
    conn: &mut DbConnection,
    p: &QueueParams<'_>,
) -> anyhow::Result<Vec<Reminder>> {
    let today = p.now.date();
    let mut review = Vec::new();
    let mut expiry = Vec::new();
    for &offset in p.schedule.offsets() {
        let Some((first, last)) = p.schedule.due_dates_for(offset, today) else {
            continue;
        };
        let select = (
            fire_safety_records::premises_id,
            fire_safety_records::organisation_id,
            fire_safety_records::assessor,
            premises::name,
            premises::town,
            fire_safety_records::assessed_on,
            fire_safety_records::next_review_on,
            fire_safety_records::certificate_reference,
            fire_safety_records::certificate_expires_on,
        );
        let by_review: Vec<FireSafetyRow> = fire_safety_records::table
            .inner_join(premises::table.on(premises::id.eq(fire_safety_records::premises_id)))
            .filter(fire_safety_records::superseded_at.is_null())
            .filter(fire_safety_records::next_review_on.ge(first))
            .filter(fire_safety_records::next_review_on.le(last))
            .select(select)
            .load(conn)?;
        review.extend(by_review.into_iter().map(|r| (offset, r)));
        let by_expiry: Vec<FireSafetyRow> = fire_safety_records::table
            .inner_join(premises::table.on(premises::id.eq(fire_safety_records::premises_id)))
            .filter(fire_safety_records::superseded_at.is_null())
            .filter(fire_safety_records::certificate_expires_on.ge(first))
            .filter(fire_safety_records::certificate_expires_on.le(last))
            .select(select)
            .load(conn)?;
        expiry.extend(by_expiry.into_iter().map(|r| (offset, r)));
    }
    let premises_url = |id: &str| {
        format!(
            "{}/operator/premises/{id}#fire-safety",
            p.public_url.trim_end_matches('/')
        )
    };
    let context = |offset: i32, r: &FireSafetyRow| {
        json!({
            "scheme_name": p.scheme_name,
            "premises_id": r.0,
            "organisation_id": r.1,
            "assessor": r.2,
            "premises_name": r.3,
            "town": r.4,
            "assessed_on": clock::day(r.5),
            "review_on": clock::day(r.6),
            "certificate_reference": r.7.clone().unwrap_or_default(),
            "certificate_expires_on": r.8.map(clock::day).unwrap_or_default(),
            "premises_url": premises_url(&r.0),
            "required": p.require_fire_risk_assessment,
            "offset": offset,
            "when": describe_offset(offset),
        })
    };
    let review: Vec<Reminder> = review
        .iter()
        .map(|(offset, r)| Reminder {
            subject: ReminderSubject::FireRiskAssessment {
                premises_id: r.0.clone(),
                review_on: r.6,
            },
            kind: ReminderKind::FireRiskAssessmentReview,
            offset_days: *offset,
            due_on: r.6,
            recipients: Vec::new(),
            context: context(*offset, r),
        })
        .collect();
    let expiry: Vec<Reminder> = expiry
        .iter()
        .filter_map(|(offset, r)| {
            let expires_on = r.8?;
            Some(Reminder {
                subject: ReminderSubject::FireSafetyCertificate {
                    premises_id: r.0.clone(),
                    expires_on,
                },
                kind: ReminderKind::FireSafetyCertificateExpiry,
                offset_days: *offset,
                due_on: expires_on,
                recipients: Vec::new(),
                context: context(*offset, r),
            })
        })
        .collect();
    let mut due = without_queued(conn, ReminderKind::FireRiskAssessmentReview, review)?;
    due.extend(without_queued(
        conn,
        ReminderKind::FireSafetyCertificateExpiry,
        expiry,
    )?);
    let recipients = Recipients::load(
        conn,
        due.iter().filter_map(|r| {
            Some((
                r.context["premises_id"].as_str()?,
                r.context["organisation_id"].as_str()?,
            ))
        }),
    )?;
    for r in &mut due {
        let org = r.context["organisation_id"].as_str().unwrap_or_default();
        // The operators, who record fire safety; not the designated senior
        // individual, whose role is protective security.
        r.recipients = recipients.operators_of(org);
    }
    Ok(due)
}

/// Drops the reminders the outbox already has.
fn without_queued(
    conn: &mut DbConnection,
    kind: ReminderKind,
    due: Vec<Reminder>,
) -> anyhow::Result<Vec<Reminder>> {
    let subjects: Vec<String> = due
        .iter()
        .map(|r| r.subject.to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut queued: HashSet<(String, i32)> = HashSet::new();
    for chunk in subjects.chunks(IN_CHUNK) {
        let rows: Vec<(String, i32)> = notifications::table
            .filter(notifications::kind.eq(kind))
            .filter(notifications::subject.eq_any(chunk))
            .select((notifications::subject, notifications::offset_days))
            .load(conn)?;
        queued.extend(rows);
    }
    Ok(due
        .into_iter()
        .filter(|r| !queued.contains(&(r.subject.to_string(), r.offset_days)))
        .collect())
}

/// Who hears about a premises: the operators of its organisation and its designated
/// senior individual, when one is recorded.
struct Recipients {
    operators: HashMap<String, Vec<String>>,
    dsi: HashMap<String, String>,
}

impl Recipients {
    fn load<'a>(
        conn: &mut DbConnection,
        premises_and_orgs: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> anyhow::Result<Recipients> {
        let mut premises_ids = HashSet::new();
        let mut org_ids = HashSet::new();
        for (p, o) in premises_and_orgs {
            premises_ids.insert(p.to_string());
            org_ids.insert(o.to_string());
        }
        let premises_ids: Vec<String> = premises_ids.into_iter().collect();
        let org_ids: Vec<String> = org_ids.into_iter().collect();
        let mut dsi = HashMap::new();
        for chunk in premises_ids.chunks(IN_CHUNK) {
            let rows: Vec<(String, Option<String>)> = premises::table
                .filter(premises::id.eq_any(chunk))
                .select((premises::id, premises::dsi_email))
                .load(conn)?;
            dsi.extend(rows.into_iter().filter_map(|(id, e)| Some((id, e?))));
        }
        let mut operators: HashMap<String, Vec<String>> = HashMap::new();
        for chunk in org_ids.chunks(IN_CHUNK) {
            let rows: Vec<(Option<String>, String)> = users::table
                .filter(users::role.eq(crate::domain::actor::Role::Operator))
                .filter(users::organisation_id.eq_any(chunk))
                .order(users::created_at.asc())
                .select((users::organisation_id, users::email))
                .load(conn)?;
            for (org, email) in rows {
                if let Some(org) = org {
                    operators.entry(org).or_default().push(email);
                }
            }
        }
        Ok(Recipients { operators, dsi })
    }

    // Issue 11 part 5: fire safety reminders go to the operators alone.
    fn operators_of(&self, organisation_id: &str) -> Vec<String> {
        self.operators
            .get(organisation_id)
            .cloned()
            .unwrap_or_default()
    }

    fn for_premises(&self, premises_id: &str, organisation_id: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let candidates = self
            .operators
            .get(organisation_id)
            .into_iter()
            .flatten()
            .chain(self.dsi.get(premises_id));
        for email in candidates {
            if !out.iter().any(|e| e.eq_ignore_ascii_case(email)) {
                out.push(email.clone());
            }
        }
        out
    }
}

/// The rows one claim won, and whether there were any to compete for.
pub struct Claim {
    pub rows: Vec<Notification>,
    /// False when no row was ready: the sender can stop.
    pub any_ready: bool,
}

/// Claims up to `limit` rows that are ready to send at `now` for `instance` until
/// `lease_until`. One conditional UPDATE claims them all: it sets the claim only on
/// the rows that are still ready when it runs (PostgreSQL re-checks the condition on
/// a row another transaction changed meanwhile; SQLite runs one writer at a time), and
/// returns just those, so concurrent senders never share a row. The candidates are
/// read in the order of the (status, next_attempt_at, id) index, which stops after
/// `limit` rows however large the backlog.
pub fn claim(
    conn: &mut DbConnection,
    instance: &str,
    now: PrimitiveDateTime,
    lease_until: PrimitiveDateTime,
    limit: i64,
) -> QueryResult<Claim> {
    let ready = || {
        notifications::status
            .eq(Pending)
            .and(notifications::next_attempt_at.le(now))
            .and(
                notifications::claimed_until
                    .is_null()
                    .or(notifications::claimed_until.lt(now)),
            )
    };
    let candidates: Vec<String> = notifications::table
        .filter(ready())
        .order((
            notifications::next_attempt_at.asc(),
            notifications::id.asc(),
        ))
        .limit(limit)
        .select(notifications::id)
        .load(conn)?;
    let any_ready = !candidates.is_empty();
    if !any_ready {
        return Ok(Claim {
            rows: Vec::new(),
            any_ready,
        });
    }
    let mut rows: Vec<Notification> = diesel::update(
        notifications::table
            .filter(notifications::id.eq_any(&candidates))
            .filter(ready()),
    )
    .set((
        notifications::claimed_by.eq(instance),
        notifications::claimed_until.eq(lease_until),
    ))
    .returning(notifications::all_columns)
    .get_results(conn)?;
    rows.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
    Ok(Claim { rows, any_ready })
}

/// [`reason_to_skip`] for each row of a claimed batch, on one connection; the
/// statuses of the batch's certificates are read in one query.
pub fn reasons_to_skip(
    conn: &mut DbConnection,
    rows: &[Notification],
) -> QueryResult<Vec<Option<String>>> {
    // Issue 12: one query for the batch's certificates, not one per row.
    let numbers: Vec<String> = rows
        .iter()
        .filter_map(certificate_to_check)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut statuses: HashMap<String, StoredStatus> = HashMap::with_capacity(numbers.len());
    for chunk in numbers.chunks(IN_CHUNK) {
        let found: Vec<(String, StoredStatus)> = certificates::table
            .filter(certificates::number.eq_any(chunk))
            .select((certificates::number, certificates::status))
            .load(conn)?;
        statuses.extend(found);
    }
    rows.iter()
        .map(|row| skip_reason(conn, row, &statuses))
        .collect()
}

/// The certificate whose status decides whether a row still goes out, if any.
fn certificate_to_check(row: &Notification) -> Option<String> {
    if always_sent(row.kind) {
        return None;
    }
    let subject = row.subject.parse::<ReminderSubject>().ok()?;
    subject.certificate_number().map(str::to_string)
}

/// The overdue email is about the suspension itself: it goes to a suspended one;
/// an ordered reassessment is the admin's decision, whatever the certificate's
/// status meanwhile.
fn always_sent(kind: ReminderKind) -> bool {
    matches!(
        kind,
        ReminderKind::ConditionOverdue | ReminderKind::ReassessmentOrdered
    )
}

/// Why a claimed reminder should not go out after all: its certificate was renewed,
/// suspended or revoked, or the accreditation was renewed or suspended.
pub fn reason_to_skip(conn: &mut DbConnection, row: &Notification) -> QueryResult<Option<String>> {
    Ok(reasons_to_skip(conn, std::slice::from_ref(row))?
        .pop()
        .flatten())
}

/// [`reason_to_skip`], with the statuses of the certificates concerned read already
/// (a certificate missing from `statuses` is not found).
fn skip_reason(
    conn: &mut DbConnection,
    row: &Notification,
    statuses: &HashMap<String, StoredStatus>,
) -> QueryResult<Option<String>> {
    let Ok(subject) = row.subject.parse::<ReminderSubject>() else {
        return Ok(Some(format!("unknown subject {}", row.subject)));
    };
    if always_sent(row.kind) {
        return Ok(None);
    }
    // A condition whose evidence was submitted or accepted is reminded no more.
    if let (ReminderKind::ConditionDue, ReminderSubject::Condition { number, item_id }) =
        (row.kind, &subject)
    {
        if let Some(state) = crate::db::conditions::state_of_item(conn, number, item_id)? {
            if !state.awaits_evidence() {
                return Ok(Some(format!("condition {item_id} is {}", state.as_str())));
            }
        }
    }
    if let Some(number) = subject.certificate_number() {
        return Ok(match statuses.get(number).copied() {
            Some(StoredStatus::Active) => None,
            Some(other) => Some(format!("certificate {number} is {}", other.as_str())),
            None => Some(format!("certificate {number} not found")),
        });
    }
    if let ReminderSubject::Accreditation { advisor_id, until } = subject {
        let current: Option<(AccreditationStatus, Date)> = advisors::table
            .find(&advisor_id)
            .select((advisors::status, advisors::accredited_until))
            .first(conn)
            .optional()?;
        return Ok(match current {
            Some((status, _)) if status != AccreditationStatus::Active => {
                Some(format!("accreditation is {}", status.as_str()))
            }
            Some((_, now_until)) if now_until != until => {
                Some(format!("accreditation renewed until {}", iso(now_until)))
            }
            Some(_) => None,
            None => Some("advisor not found".to_string()),
        });
    }
    // Issue 11 part 5: a reminder of a date no longer on file (a newer assessment
    // or certificate was recorded) is skipped.
    let mut on_file = |premises_id: &str| -> QueryResult<Option<(Date, Option<Date>)>> {
        fire_safety_records::table
            .filter(fire_safety_records::premises_id.eq(premises_id))
            .filter(fire_safety_records::superseded_at.is_null())
            .select((
                fire_safety_records::next_review_on,
                fire_safety_records::certificate_expires_on,
            ))
            .first(conn)
            .optional()
    };
    match subject {
        ReminderSubject::FireRiskAssessment {
            premises_id,
            review_on,
        } => {
            return Ok(match on_file(&premises_id)? {
                Some((now_on, _)) if now_on == review_on => None,
                Some((now_on, _)) => Some(format!(
                    "a newer fire risk assessment is on file (review by {})",
                    iso(now_on)
                )),
                None => Some("no fire risk assessment on file".to_string()),
            });
        }
        ReminderSubject::FireSafetyCertificate {
            premises_id,
            expires_on,
        } => {
            return Ok(match on_file(&premises_id)? {
                Some((_, Some(now_on))) if now_on == expires_on => None,
                Some(_) => Some("a newer fire safety record is on file".to_string()),
                None => Some("no fire safety record on file".to_string()),
            });
        }
        _ => {}
    }
    Ok(None)
}

/// What became of one claimed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Will be tried again at `next_attempt_at`.
    Retrying {
        error: String,
        next_attempt_at: PrimitiveDateTime,
    },
    /// Permanently refused, attempts used up: stays visible as `failed`.
    Failed {
        error: String,
    },
    Skipped {
        reason: String,
    },
}

/// Records the outcome, only while this instance still holds the claim.
pub fn record(
    conn: &mut DbConnection,
    row: &Notification,
    instance: &str,
    now: PrimitiveDateTime,
    outcome: &Outcome,
) -> QueryResult<bool> {
    write_tx(conn, |tx| record_in(tx, row, instance, now, outcome))
}

/// Records the outcomes of a claimed batch in one write transaction (each with its
/// audit entry, as [`record`] does); says of each whether the claim was still held.
/// Outcomes that set the same values (every sent row of a batch, say) share one
/// conditional UPDATE, so a batch costs a few statements rather than one per row.
/// If that transaction fails, each outcome is recorded on its own, so one bad row
/// never costs the others their record; the first error is returned after all were
/// tried.
pub fn record_all(
    conn: &mut DbConnection,
    outcomes: &[(Notification, Outcome)],
    instance: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<bool>> {
    // Issue 12: the batch's audit entries with one advance of the chain, and its
    // rows with one UPDATE per set of values.
    let together = write_tx(conn, |tx| {
        let pairs: Vec<(&Notification, &Outcome)> = outcomes.iter().map(|(r, o)| (r, o)).collect();
        let kept = record_rows(tx, &pairs, instance, now)?;
        let changes = outcomes
            .iter()
            .zip(&kept)
            .filter(|(_, kept)| **kept)
            .filter_map(|((row, outcome), _)| change_of(row, outcome));
        audit_all(tx, None, changes.collect())?;
        Ok::<_, diesel::result::Error>(kept)
    });
    if let Ok(kept) = together {
        return Ok(kept);
    }
    let mut kept = Vec::with_capacity(outcomes.len());
    let mut first_error = None;
    for (row, outcome) in outcomes {
        match record(conn, row, instance, now, outcome) {
            Ok(k) => kept.push(k),
            Err(e) => {
                kept.push(false);
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(kept),
    }
}

fn record_in(
    tx: &mut DbConnection,
    row: &Notification,
    instance: &str,
    now: PrimitiveDateTime,
    outcome: &Outcome,
) -> QueryResult<bool> {
    if !record_rows(tx, &[(row, outcome)], instance, now)?[0] {
        return Ok(false);
    }
    if let Some(change) = change_of(row, outcome) {
        audit(tx, None, change)?;
    }
    Ok(true)
}

/// The attempts a row has once this outcome is recorded (a skip is no attempt).
fn attempts_after(row: &Notification, outcome: &Outcome) -> i32 {
    row.attempts + i32::from(!matches!(outcome, Outcome::Skipped { .. }))
}

/// Writes the outcomes on their rows, each only while this instance still holds its
/// claim (the row is still pending and claimed by it); says of each whether it was
/// written. The rows whose outcome sets the same values (the same outcome and the
/// same attempts) are written by one conditional UPDATE, `IN_CHUNK` ids at a time,
/// which returns the ids it changed. A row named twice is written for its first
/// outcome only (the second would find the claim released, as one by one).
fn record_rows(
    tx: &mut DbConnection,
    outcomes: &[(&Notification, &Outcome)],
    instance: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<bool>> {
    // (attempts, outcome) -> the ids it goes on, in the order first met.
    let mut groups: Vec<((i32, &Outcome), Vec<&str>)> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::with_capacity(outcomes.len());
    // Only the first mention of a row can have written it.
    let mut first = Vec::with_capacity(outcomes.len());
    for &(row, outcome) in outcomes {
        let is_first = seen.insert(row.id.as_str());
        first.push(is_first);
        if !is_first {
            continue;
        }
        let key = (attempts_after(row, outcome), outcome);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ids)) => ids.push(row.id.as_str()),
            None => groups.push((key, vec![row.id.as_str()])),
        }
    }
    let mut written: HashSet<String> = HashSet::with_capacity(outcomes.len());
    for ((attempts, outcome), ids) in &groups {
        for chunk in ids.chunks(IN_CHUNK) {
            written.extend(update_claimed(
                tx, chunk, instance, now, *attempts, outcome,
            )?);
        }
    }
    Ok(outcomes
        .iter()
        .zip(first)
        .map(|((row, _), first)| first && written.contains(&row.id))
        .collect())
}

/// One conditional UPDATE of the rows `ids` that this instance still holds: releases
/// the claim and sets what `outcome` calls for; returns the ids it changed.
fn update_claimed(
    tx: &mut DbConnection,
    ids: &[&str],
    instance: &str,
    now: PrimitiveDateTime,
    attempts: i32,
    outcome: &Outcome,
) -> QueryResult<Vec<String>> {
    // The status guard as `status || '' = 'pending'`: the same test, but not one
    // SQLite's planner can answer from an index on status, which (with no
    // statistics for the outbox) it would otherwise prefer to the ids' primary key
    // and walk every pending row of a backlog for each batch.
    let mine = notifications::table
        .filter(notifications::id.eq_any(ids))
        .filter(notifications::claimed_by.eq(instance))
        .filter(notifications::status.concat("").eq(Pending));
    let release = (
        notifications::claimed_by.eq(None::<String>),
        notifications::claimed_until.eq(None::<PrimitiveDateTime>),
        notifications::updated_at.eq(now),
        notifications::attempts.eq(attempts),
    );
    match outcome {
        Outcome::Sent => diesel::update(mine)
            .set((
                release,
                notifications::status.eq(Sent),
                notifications::sent_at.eq(now),
            ))
            .returning(notifications::id)
            .get_results(tx),
        Outcome::Retrying {
            error,
            next_attempt_at,
        } => diesel::update(mine)
            .set((
                release,
                notifications::last_error.eq(error),
                notifications::next_attempt_at.eq(next_attempt_at),
            ))
            .returning(notifications::id)
            .get_results(tx),
        Outcome::Failed { error } => diesel::update(mine)
            .set((
                release,
                notifications::status.eq(Failed),
                notifications::last_error.eq(error),
            ))
            .returning(notifications::id)
            .get_results(tx),
        Outcome::Skipped { reason } => diesel::update(mine)
            .set((
                release,
                notifications::status.eq(Skipped),
                notifications::last_error.eq(reason),
            ))
            .returning(notifications::id)
            .get_results(tx),
    }
}

/// The audit entry a recorded outcome calls for (a retry calls for none).
fn change_of<'a>(row: &'a Notification, outcome: &'a Outcome) -> Option<Change<'a>> {
    let action = match outcome {
        Outcome::Sent => "notification.sent",
        Outcome::Failed { .. } => "notification.failed",
        Outcome::Skipped { .. } => "notification.skipped",
        // Retries are visible on the row itself; not a business event.
        Outcome::Retrying { .. } => return None,
    };
    let detail = match outcome {
        Outcome::Failed { error } => Some(error.as_str()),
        Outcome::Skipped { reason } => Some(reason.as_str()),
        _ => None,
    };
    Some(Change::new(action, "notification", &row.id).after(json!({
        "subject": row.subject,
        "kind": row.kind.as_str(),
        "offset_days": row.offset_days,
        "attempts": attempts_after(row, outcome),
        "detail": detail,
    })))
}

/// Part 4 (advisor oversight): who is emailed about one premises: the
/// organisation's operators and the designated senior individual, once each.
pub fn recipients_of_premises(
    conn: &mut DbConnection,
    premises_id: &str,
    organisation_id: &str,
) -> anyhow::Result<Vec<String>> {
    Ok(
        Recipients::load(conn, std::iter::once((premises_id, organisation_id)))?
            .for_premises(premises_id, organisation_id),
    )
}
