//! Reminder emails: a sweep queues the reminders that are due into the outbox table
//! and sends what is ready. `serve` sweeps on an interval; `protectcert reminders run`
//! sweeps once. Any number of instances may sweep one database at once: the outbox's
//! unique key stops duplicates being queued and a conditional claim stops a row being
//! sent by two of them.

pub mod mailer;
pub mod outbox;
pub mod templates;

use std::fmt;

use futures_util::StreamExt;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use time::{Duration, OffsetDateTime};

use crate::config::Settings;
use crate::db::models::Notification;
use crate::db::{Db, from_utc};
use crate::domain::reminders::ReminderKind;
use crate::domain::reminders::{Schedule, retry_delay};
use mailer::{Mailer, SendFailure};
use outbox::{Outcome, QueueParams, Queued};

/// Rows claimed at a time by one instance.
const CLAIM_BATCH: i64 = 32;
/// Messages in flight at once from one instance (the SMTP pool holds up to 4).
const IN_FLIGHT: usize = 4;

/// The reminder service of one instance.
pub struct Reminders {
    schedule: Schedule,
    mailer: Mailer,
    mail_from: Mailbox,
    public_url: String,
    scheme_name: String,
    time_zone: jiff::tz::TimeZone,
    max_attempts: u32,
    retry_base_secs: u64,
    lease: Duration,
    /// Names this instance's claims in the outbox.
    instance: String,
    // Part 1 of issue 11: conditions to closure.
    condition_grace_days: u32,
    // Issue 11 part 5: whether fire risk assessment reminders say submitting needs one.
    require_fire_risk_assessment: bool,
}

/// What one sweep did.
#[derive(Debug, Default)]
pub struct SweepReport {
    pub queued: Vec<Queued>,
    pub sent: Vec<Delivered>,
    pub retrying: Vec<(Delivered, String)>,
    pub failed: Vec<(Delivered, String)>,
    pub skipped: Vec<(Delivered, String)>,
}

/// An outbox row a sweep dealt with, as its report names it (the row itself, with
/// its wording and recipients, stays in the outbox): a backlog's report stays small.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub id: String,
    pub subject: String,
    pub kind: ReminderKind,
    pub offset_days: i32,
}

impl Delivered {
    fn of(row: &Notification) -> Delivered {
        Delivered {
            id: row.id.clone(),
            subject: row.subject.clone(),
            kind: row.kind,
            offset_days: row.offset_days,
        }
    }
}

impl Reminders {
    pub fn new(settings: &Settings) -> anyhow::Result<Reminders> {
        let mail_from = settings
            .mail_from
            .parse::<Mailbox>()
            .map_err(|e| anyhow::anyhow!("mail_from `{}`: {e}", settings.mail_from))?;
        Ok(Reminders {
            schedule: settings.reminder_schedule()?,
            mailer: Mailer::from_settings(settings)?,
            mail_from,
            public_url: settings.public_url().to_string(),
            scheme_name: settings.scheme_name.clone(),
            time_zone: crate::domain::clock::zone(&settings.time_zone),
            max_attempts: settings.smtp_max_attempts,
            retry_base_secs: settings.smtp_retry_base_secs,
            // Longer than a whole claimed batch may take to send, so a claim only
            // lapses when its instance died; then another instance takes the row over.
            lease: Duration::seconds(
                (settings.smtp_timeout_secs.max(1) * (CLAIM_BATCH as u64 / IN_FLIGHT as u64 + 2)
                    + 60) as i64,
            ),
            instance: format!(
                "{}-{}",
                std::process::id(),
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
            condition_grace_days: settings.condition_grace_days,
            require_fire_risk_assessment: settings.require_fire_risk_assessment,
        })
    }

    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// Queues what is due at `now` and sends every row that is ready at `now`.
    pub async fn sweep(&self, db: &Db, now: OffsetDateTime) -> anyhow::Result<SweepReport> {
        let mut report = SweepReport {
            queued: self.queue(db, now).await?,
            ..SweepReport::default()
        };
        self.deliver(db, now, &mut report).await?;
        Ok(report)
    }

    /// Only the queueing half of a sweep.
    pub async fn queue(&self, db: &Db, now: OffsetDateTime) -> anyhow::Result<Vec<Queued>> {
        let schedule = self.schedule.clone();
        let public_url = self.public_url.clone();
        let scheme_name = self.scheme_name.clone();
        let time_zone = self.time_zone.clone();
        let condition_grace_days = self.condition_grace_days;
        let require_fire_risk_assessment = self.require_fire_risk_assessment;
        db.run(move |conn| {
            let params = QueueParams {
                schedule: &schedule,
                now,
                public_url: &public_url,
                scheme_name: &scheme_name,
                time_zone: &time_zone,
                condition_grace_days,
                require_fire_risk_assessment,
            };
            outbox::queue_due(conn, &params)
        })
        .await
    }

    /// Only the sending half of a sweep: claims ready rows until none is left.
    pub async fn deliver(
        &self,
        db: &Db,
        now: OffsetDateTime,
        report: &mut SweepReport,
    ) -> anyhow::Result<()> {
        let at = from_utc(now);
        loop {
            // The lease runs from the real time of claiming (when that is later than
            // the sweep's clock), so a long sweep never holds a lapsed claim.
            let lease_until = from_utc(now.max(OffsetDateTime::now_utc()) + self.lease);
            let instance = self.instance.clone();
            let claim = db
                .run(move |conn| {
                    Ok::<_, anyhow::Error>(outbox::claim(
                        conn,
                        &instance,
                        at,
                        lease_until,
                        CLAIM_BATCH,
                    )?)
                })
                .await?;
            if !claim.any_ready {
                return Ok(());
            }
            // Another instance won every row of this batch: look for the next ones.
            if claim.rows.is_empty() {
                continue;
            }
            self.deliver_batch(db, claim.rows, now, report).await?;
        }
    }

    /// Sends one claimed batch: the send-time check of every row in one database
    /// call, the messages rendered and sent `IN_FLIGHT` at a time, then every outcome
    /// recorded (with its audit entry) in one write transaction.
    async fn deliver_batch(
        &self,
        db: &Db,
        rows: Vec<Notification>,
        now: OffsetDateTime,
        report: &mut SweepReport,
    ) -> anyhow::Result<()> {
        // Checked at send time as well: a certificate renewed, suspended or revoked
        // after its reminder was queued gets no reminder.
        let (rows, skips) = db
            .run(move |conn| {
                let skips = outbox::reasons_to_skip(conn, &rows)?;
                Ok::<_, anyhow::Error>((rows, skips))
            })
            .await?;
        let outcomes: Vec<(Notification, Outcome)> =
            futures_util::stream::iter(rows.into_iter().zip(skips))
                .map(|(row, skip)| async move {
                    let outcome = match skip {
                        Some(reason) => Outcome::Skipped { reason },
                        None => self.send(&row, now).await,
                    };
                    (row, outcome)
                })
                .buffer_unordered(IN_FLIGHT)
                .collect()
                .await;
        let (instance, at) = (self.instance.clone(), from_utc(now));
        let (outcomes, kept) = db
            .run(move |conn| {
                let kept = outbox::record_all(conn, &outcomes, &instance, at)?;
                Ok::<_, anyhow::Error>((outcomes, kept))
            })
            .await?;
        for ((row, outcome), kept) in outcomes.into_iter().zip(kept) {
            if !kept {
                tracing::warn!(notification = %row.id, "claim lapsed before the outcome was recorded");
            }
            match &outcome {
                Outcome::Sent => {
                    tracing::info!(notification = %row.id, subject = %row.subject, offset = row.offset_days, "reminder sent")
                }
                Outcome::Retrying { error, .. } => {
                    tracing::warn!(notification = %row.id, %error, "reminder not sent; will retry")
                }
                Outcome::Failed { error } => {
                    tracing::error!(notification = %row.id, %error, "reminder refused; giving up")
                }
                Outcome::Skipped { reason } => {
                    tracing::info!(notification = %row.id, %reason, "reminder no longer applies")
                }
            }
            let done = Delivered::of(&row);
            match outcome {
                Outcome::Sent => report.sent.push(done),
                Outcome::Retrying { error, .. } => report.retrying.push((done, error)),
                Outcome::Failed { error } => report.failed.push((done, error)),
                Outcome::Skipped { reason } => report.skipped.push((done, reason)),
            }
        }
        Ok(())
    }

    /// Renders and sends one message; what became of it.
    async fn send(&self, row: &Notification, now: OffsetDateTime) -> Outcome {
        match self.message(row) {
            Err(e) => self.after_failure(
                row,
                now,
                SendFailure {
                    permanent: true,
                    message: format!("{e:#}"),
                },
            ),
            Ok(message) => match self.mailer.send(message).await {
                Ok(()) => Outcome::Sent,
                Err(failure) => self.after_failure(row, now, failure),
            },
        }
    }

    fn after_failure(
        &self,
        row: &Notification,
        now: OffsetDateTime,
        failure: SendFailure,
    ) -> Outcome {
        let attempts = row.attempts.max(0) as u32 + 1;
        if failure.permanent && attempts >= self.max_attempts {
            Outcome::Failed {
                error: failure.message,
            }
        } else {
            Outcome::Retrying {
                error: failure.message,
                next_attempt_at: from_utc(now + retry_delay(attempts, self.retry_base_secs)),
            }
        }
    }

    /// The email for a row: multipart text + HTML rendered from its stored context.
    fn message(&self, row: &Notification) -> anyhow::Result<Message> {
        let kind = row.kind;
        let context: serde_json::Value = serde_json::from_str(&row.context)?;
        let (text, html) = templates::bodies(kind, &context)?;
        let recipients: Vec<String> = serde_json::from_str(&row.recipients)?;
        let mut builder = Message::builder()
            .from(self.mail_from.clone())
            .subject(row.mail_subject.clone())
            // The outbox id: a receiving system (or a test) can tell one message
            // from another and see a duplicate for what it is.
            .message_id(Some(format!("<{}@protectcert>", row.id)));
        for r in &recipients {
            let to: Mailbox = r
                .parse()
                .map_err(|e| anyhow::anyhow!("recipient `{r}`: {e}"))?;
            builder = builder.to(to);
        }
        Ok(builder.multipart(MultiPart::alternative_plain_html(text, html))?)
    }

    /// Sweeps every `interval_secs` until the process ends. A failed sweep is logged
    /// and the next one tries again; it never stops the server.
    /// Sweeps every `interval_secs`, and at once when `kick` is notified (an
    /// account email was queued: a reset link should not wait minutes).
    pub async fn run_every(
        self,
        db: Db,
        interval_secs: u64,
        kick: std::sync::Arc<tokio::sync::Notify>,
    ) {
        let mut ticks = tokio::time::interval(std::time::Duration::from_secs(interval_secs.max(1)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = kick.notified() => {}
            }
            match self.sweep(&db, OffsetDateTime::now_utc()).await {
                Ok(report) if report.is_empty() => tracing::debug!("reminder sweep: nothing to do"),
                Ok(report) => tracing::info!("reminder sweep: {}", report.summary()),
                Err(e) => tracing::error!(error = format!("{e:#}"), "reminder sweep failed"),
            }
        }
    }
}

impl SweepReport {
    pub fn is_empty(&self) -> bool {
        self.queued.is_empty()
            && self.sent.is_empty()
            && self.retrying.is_empty()
            && self.failed.is_empty()
            && self.skipped.is_empty()
    }

    pub fn summary(&self) -> String {
        format!(
            "{} queued, {} sent, {} to retry, {} failed, {} skipped",
            self.queued.len(),
            self.sent.len(),
            self.retrying.len(),
            self.failed.len(),
            self.skipped.len()
        )
    }
}

/// One line per reminder, then the totals: what `reminders run` prints.
impl fmt::Display for SweepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.queued {
            writeln!(
                f,
                "queued   {} {} {:+} due {} to {}",
                r.kind.as_str(),
                r.subject,
                r.offset_days,
                r.due_on,
                if r.recipients.is_empty() {
                    "(nobody on record)".to_string()
                } else {
                    r.recipients.join(", ")
                }
            )?;
        }
        let line = |f: &mut fmt::Formatter<'_>, what: &str, n: &Delivered, note: &str| {
            writeln!(
                f,
                "{what:<8} {} {} {:+} {}{note}",
                n.kind.as_str(),
                n.subject,
                n.offset_days,
                n.id
            )
        };
        for n in &self.sent {
            line(f, "sent", n, "")?;
        }
        for (n, e) in &self.retrying {
            line(f, "retry", n, &format!(": {e}"))?;
        }
        for (n, e) in &self.failed {
            line(f, "failed", n, &format!(": {e}"))?;
        }
        for (n, e) in &self.skipped {
            line(f, "skipped", n, &format!(": {e}"))?;
        }
        write!(f, "{}", self.summary())
    }
}
