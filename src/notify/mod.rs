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
use crate::domain::reminders::{Schedule, retry_delay};
use mailer::{Mailer, SendFailure};
use outbox::{Outcome, QueueParams, Reminder};

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
    pub queued: Vec<Reminder>,
    pub sent: Vec<Notification>,
    pub retrying: Vec<(Notification, String)>,
    pub failed: Vec<(Notification, String)>,
    pub skipped: Vec<(Notification, String)>,
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
    pub async fn queue(&self, db: &Db, now: OffsetDateTime) -> anyhow::Result<Vec<Reminder>> {
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
            let claimed = claim.rows;
            let results: Vec<anyhow::Result<(Notification, Outcome)>> =
                futures_util::stream::iter(claimed)
                    .map(|row| self.deliver_one(db, row, now))
                    .buffer_unordered(IN_FLIGHT)
                    .collect()
                    .await;
            for result in results {
                let (row, outcome) = result?;
                match outcome {
                    Outcome::Sent => report.sent.push(row),
                    Outcome::Retrying { error, .. } => report.retrying.push((row, error)),
                    Outcome::Failed { error } => report.failed.push((row, error)),
                    Outcome::Skipped { reason } => report.skipped.push((row, reason)),
                }
            }
        }
    }

    async fn deliver_one(
        &self,
        db: &Db,
        row: Notification,
        now: OffsetDateTime,
    ) -> anyhow::Result<(Notification, Outcome)> {
        // Checked at send time as well: a certificate renewed, suspended or revoked
        // after its reminder was queued gets no reminder.
        let check = row.clone();
        let skip = db
            .run(move |conn| Ok::<_, anyhow::Error>(outbox::reason_to_skip(conn, &check)?))
            .await?;
        let outcome = match skip {
            Some(reason) => Outcome::Skipped { reason },
            None => match self.message(&row) {
                Err(e) => self.after_failure(
                    &row,
                    now,
                    SendFailure {
                        permanent: true,
                        message: format!("{e:#}"),
                    },
                ),
                Ok(message) => match self.mailer.send(message).await {
                    Ok(()) => Outcome::Sent,
                    Err(failure) => self.after_failure(&row, now, failure),
                },
            },
        };
        let (record_row, record_outcome, instance) =
            (row.clone(), outcome.clone(), self.instance.clone());
        let at = from_utc(now);
        let kept = db
            .run(move |conn| {
                Ok::<_, anyhow::Error>(outbox::record(
                    conn,
                    &record_row,
                    &instance,
                    at,
                    &record_outcome,
                )?)
            })
            .await?;
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
        Ok((row, outcome))
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
        let line = |f: &mut fmt::Formatter<'_>, what: &str, n: &Notification, note: &str| {
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
