//! The reminder schedule: which reminder (if any) is due on a given day for something
//! that lapses on a given date, and how long to wait before retrying a failed send.
//!
//! Offsets are days relative to the due date: `-30` is thirty days before, `0` the
//! day itself, `30` thirty days after. Each reminder is *current* from its own day
//! until the next reminder's day, and for at most `window_days`. So on any day at
//! most one reminder is current for one subject: after downtime the sweep sends only
//! the most recent reminder, never a burst of stale ones, and a reminder missed for
//! longer than the window is not sent late.

use std::fmt;
use std::str::FromStr;

use time::{Date, Duration};

/// Where an email stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum NotificationStatus {
    Pending,
    Sent,
    Failed,
    Skipped,
}

impl NotificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationStatus::Pending => "pending",
            NotificationStatus::Sent => "sent",
            NotificationStatus::Failed => "failed",
            NotificationStatus::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationStatus> {
        Some(match s {
            "pending" => NotificationStatus::Pending,
            "sent" => NotificationStatus::Sent,
            "failed" => NotificationStatus::Failed,
            "skipped" => NotificationStatus::Skipped,
            _ => return None,
        })
    }
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum ReminderKind {
    /// A certificate is about to lapse, lapses today, or has lapsed.
    CertificateExpiry,
    /// A condition on a certificate is due to be met.
    ConditionDue,
    /// An advisor's accreditation is about to end.
    AccreditationExpiry,
    /// A link to set a new password, asked for on the login page.
    PasswordReset,
    /// A colleague made an account for you: a link to set your password.
    AccountInvited,
    /// Someone tried to sign up with your address, which already has an account.
    SignupAttempted,
    // Part 1 of issue 11: conditions to closure.
    /// A condition still open after its grace period suspended the certificate.
    ConditionOverdue,
    /// Part 4 (advisor oversight): an admin reviewing a certificate (its advisor's
    /// accreditation was suspended or withdrawn) ordered a reassessment.
    ReassessmentOrdered,
    // Issue 11 part 5: fire safety on file.
    /// The fire risk assessment on file for premises is due for review.
    FireRiskAssessmentReview,
    /// The fire safety certificate on file for premises is about to expire.
    FireSafetyCertificateExpiry,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 10] = [
        ReminderKind::CertificateExpiry,
        ReminderKind::ConditionDue,
        ReminderKind::AccreditationExpiry,
        ReminderKind::PasswordReset,
        ReminderKind::AccountInvited,
        ReminderKind::SignupAttempted,
        ReminderKind::ConditionOverdue,
        // Part 4 (advisor oversight).
        ReminderKind::ReassessmentOrdered,
        // Issue 11 part 5: fire safety on file.
        ReminderKind::FireRiskAssessmentReview,
        ReminderKind::FireSafetyCertificateExpiry,
    ];

    /// The kinds that the reminder schedule queues (the others are sent when asked).
    pub const SCHEDULED: [ReminderKind; 5] = [
        ReminderKind::CertificateExpiry,
        ReminderKind::ConditionDue,
        ReminderKind::AccreditationExpiry,
        // Issue 11 part 5: fire safety on file.
        ReminderKind::FireRiskAssessmentReview,
        ReminderKind::FireSafetyCertificateExpiry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::CertificateExpiry => "certificate_expiry",
            ReminderKind::ConditionDue => "condition_due",
            ReminderKind::AccreditationExpiry => "accreditation_expiry",
            ReminderKind::PasswordReset => "password_reset",
            ReminderKind::AccountInvited => "account_invited",
            ReminderKind::SignupAttempted => "signup_attempted",
            ReminderKind::ConditionOverdue => "condition_overdue",
            ReminderKind::ReassessmentOrdered => "reassessment_ordered",
            ReminderKind::FireRiskAssessmentReview => "fire_risk_assessment_review",
            ReminderKind::FireSafetyCertificateExpiry => "fire_safety_certificate_expiry",
        }
    }

    pub fn parse(s: &str) -> Option<ReminderKind> {
        ReminderKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The thing a reminder is about, as stored in the outbox's unique key. A renewed
/// certificate has a new number and a renewed accreditation a new end date, so each
/// starts a fresh series of reminders.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReminderSubject {
    Certificate {
        number: String,
    },
    Condition {
        number: String,
        item_id: String,
    },
    Accreditation {
        advisor_id: String,
        until: Date,
    },
    /// An email about an account: one per request (a reset, an invitation).
    Account {
        user_id: String,
        request_id: String,
    },
    // Issue 11 part 5: fire safety on file. One series per recorded date: recording
    // a new assessment (a new review date) starts a new series, and the old one's
    // reminders still queued are skipped.
    /// The fire risk assessment of premises, due for review on `review_on`.
    FireRiskAssessment {
        premises_id: String,
        review_on: Date,
    },
    /// The fire safety certificate of premises, expiring on `expires_on`.
    FireSafetyCertificate {
        premises_id: String,
        expires_on: Date,
    },
}

impl ReminderSubject {
    /// The certificate whose stored status decides whether the reminder still applies.
    pub fn certificate_number(&self) -> Option<&str> {
        match self {
            ReminderSubject::Certificate { number } | ReminderSubject::Condition { number, .. } => {
                Some(number)
            }
            ReminderSubject::Accreditation { .. }
            | ReminderSubject::Account { .. }
            | ReminderSubject::FireRiskAssessment { .. }
            | ReminderSubject::FireSafetyCertificate { .. } => None,
        }
    }
}

impl fmt::Display for ReminderSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReminderSubject::Certificate { number } => write!(f, "certificate:{number}"),
            ReminderSubject::Condition { number, item_id } => {
                write!(f, "condition:{number}:{item_id}")
            }
            ReminderSubject::Accreditation { advisor_id, until } => {
                write!(f, "accreditation:{advisor_id}:{until}")
            }
            ReminderSubject::Account {
                user_id,
                request_id,
            } => write!(f, "account:{user_id}:{request_id}"),
            ReminderSubject::FireRiskAssessment {
                premises_id,
                review_on,
            } => write!(f, "fire_risk_assessment:{premises_id}:{review_on}"),
            ReminderSubject::FireSafetyCertificate {
                premises_id,
                expires_on,
            } => write!(f, "fire_safety_certificate:{premises_id}:{expires_on}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a reminder subject: {0}")]
pub struct BadSubject(String);

impl FromStr for ReminderSubject {
    type Err = BadSubject;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadSubject(s.to_string());
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        match kind {
            "certificate" if !rest.is_empty() && !rest.contains(':') => {
                Ok(ReminderSubject::Certificate {
                    number: rest.to_string(),
                })
            }
            "condition" => {
                let (number, item_id) = rest.split_once(':').ok_or_else(bad)?;
                if number.is_empty() || item_id.is_empty() {
                    return Err(bad());
                }
                Ok(ReminderSubject::Condition {
                    number: number.to_string(),
                    item_id: item_id.to_string(),
                })
            }
            "accreditation" => {
                let (advisor_id, until) = rest.rsplit_once(':').ok_or_else(bad)?;
                let format = time::macros::format_description!("[year]-[month]-[day]");
                let until = Date::parse(until, &format).map_err(|_| bad())?;
                if advisor_id.is_empty() {
                    return Err(bad());
                }
                Ok(ReminderSubject::Accreditation {
                    advisor_id: advisor_id.to_string(),
                    until,
                })
            }
            "account" => {
                let (user_id, request_id) = rest.split_once(':').ok_or_else(bad)?;
                if user_id.is_empty() || request_id.is_empty() {
                    return Err(bad());
                }
                Ok(ReminderSubject::Account {
                    user_id: user_id.to_string(),
                    request_id: request_id.to_string(),
                })
            }
            "fire_risk_assessment" | "fire_safety_certificate" => {
                let (premises_id, on) = rest.rsplit_once(':').ok_or_else(bad)?;
                let format = time::macros::format_description!("[year]-[month]-[day]");
                let on = Date::parse(on, &format).map_err(|_| bad())?;
                if premises_id.is_empty() || premises_id.contains(':') {
                    return Err(bad());
                }
                let premises_id = premises_id.to_string();
                Ok(if kind == "fire_risk_assessment" {
                    ReminderSubject::FireRiskAssessment {
                        premises_id,
                        review_on: on,
                    }
                } else {
                    ReminderSubject::FireSafetyCertificate {
                        premises_id,
                        expires_on: on,
                    }
                })
            }
            _ => Err(bad()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("reminder_offsets_days: give at least one number of days before the due date")]
    NoOffsets,
    #[error("reminder_offsets_days: {0} is too large (at most 3650 days)")]
    TooFar(u32),
    #[error("lapse_notice_after_days: {0} is too large (at most 3650 days)")]
    AfterTooFar(u32),
    #[error("reminder_window_days: must be at least 1")]
    NoWindow,
}

/// When reminders go out, relative to a due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Distinct offsets in days, ascending (earliest reminder first).
    offsets: Vec<i32>,
    window_days: i32,
}

impl Schedule {
    /// `before_days` (e.g. 90, 30, 7) before the due date, one on the day, and one
    /// `after_days` after it (0: no separate notice after). Duplicates collapse.
    pub fn new(
        before_days: &[u32],
        after_days: u32,
        window_days: u32,
    ) -> Result<Self, ScheduleError> {
        if before_days.is_empty() {
            return Err(ScheduleError::NoOffsets);
        }
        if let Some(&far) = before_days.iter().find(|&&d| d > 3650) {
            return Err(ScheduleError::TooFar(far));
        }
        if after_days > 3650 {
            return Err(ScheduleError::AfterTooFar(after_days));
        }
        if window_days == 0 {
            return Err(ScheduleError::NoWindow);
        }
        let mut offsets: Vec<i32> = before_days.iter().map(|&d| -(d as i32)).collect();
        offsets.push(0);
        offsets.push(after_days as i32);
        offsets.sort_unstable();
        offsets.dedup();
        Ok(Schedule {
            offsets,
            window_days: window_days.min(3650) as i32,
        })
    }

    pub fn offsets(&self) -> &[i32] {
        &self.offsets
    }

    /// How many days reminder `i` stays current: until the next one, at most the window.
    fn current_days(&self, i: usize) -> i32 {
        match self.offsets.get(i + 1) {
            Some(next) => (next - self.offsets[i]).min(self.window_days),
            None => self.window_days,
        }
    }

    /// The one reminder to send on `today` for something due on `due_on`: the most
    /// recent offset whose day has come, while it is still current.
    pub fn current_offset(&self, due_on: Date, today: Date) -> Option<i32> {
        let days_since_due = (today - due_on).whole_days();
        let i = self
            .offsets
            .iter()
            .rposition(|&o| i64::from(o) <= days_since_due)?;
        let late_by = days_since_due - i64::from(self.offsets[i]);
        (late_by < i64::from(self.current_days(i))).then_some(self.offsets[i])
    }

    /// The due dates (first, last; both inclusive) for which `offset` is current on
    /// `today`: lets storage find candidates with a range scan on an index.
    pub fn due_dates_for(&self, offset: i32, today: Date) -> Option<(Date, Date)> {
        let i = self.offsets.iter().position(|&o| o == offset)?;
        let last = today.checked_sub(Duration::days(i64::from(offset)))?;
        let first = last.checked_sub(Duration::days(i64::from(self.current_days(i) - 1)))?;
        Some((first, last))
    }

    /// The earliest due date that can still have a current reminder on `today`.
    pub fn earliest_due_date(&self, today: Date) -> Option<Date> {
        self.offsets
            .iter()
            .filter_map(|&o| self.due_dates_for(o, today).map(|(first, _)| first))
            .min()
    }
}

/// How an offset reads in an email, e.g. "in 30 days", "today", "7 days ago".
pub fn describe_offset(offset: i32) -> String {
    match offset {
        0 => "today".to_string(),
        -1 => "tomorrow".to_string(),
        1 => "yesterday".to_string(),
        o if o < 0 => format!("in {} days", -o),
        o => format!("{o} days ago"),
    }
}

/// The wait before retry number `attempts` (1 after the first failure): doubles from
/// `base_secs`, at most six hours, so a mail server that is down for a day is tried
/// a few times an hour at first and then a few times a day, and nothing is dropped.
pub fn retry_delay(attempts: u32, base_secs: u64) -> Duration {
    const CAP_SECS: u64 = 6 * 3600;
    let exponent = attempts.saturating_sub(1).min(30);
    let secs = base_secs
        .max(1)
        .saturating_mul(1u64 << exponent)
        .min(CAP_SECS);
    Duration::seconds(secs as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn default_schedule() -> Schedule {
        Schedule::new(&[90, 30, 7], 30, 14).expect("schedule")
    }

    #[test]
    fn offsets_run_from_earliest_to_latest() {
        assert_eq!(default_schedule().offsets(), &[-90, -30, -7, 0, 30]);
        assert_eq!(
            Schedule::new(&[7, 7, 0], 0, 3).expect("s").offsets(),
            &[-7, 0]
        );
    }

    #[test]
    fn each_reminder_is_due_on_its_own_day() {
        let s = default_schedule();
        let due = date!(2027 - 06 - 30);
        for o in [-90, -30, -7, 0, 30] {
            let day = due + Duration::days(o.into());
            assert_eq!(s.current_offset(due, day), Some(o), "offset {o}");
            assert_eq!(
                s.current_offset(due, day - Duration::days(1))
                    .filter(|&x| x == o),
                None
            );
        }
        assert_eq!(s.current_offset(due, due - Duration::days(91)), None);
    }

    #[test]
    fn after_downtime_only_the_latest_reminder_is_due() {
        let s = default_schedule();
        let due = date!(2027 - 06 - 30);
        // Down from 100 days before until 5 days before: only the 7-day one is sent.
        assert_eq!(s.current_offset(due, due - Duration::days(5)), Some(-7));
        // A reminder missed for longer than the window is not sent late.
        assert_eq!(s.current_offset(due, due - Duration::days(90 - 14)), None);
        assert_eq!(s.current_offset(due, due + Duration::days(30 + 14)), None);
        assert_eq!(
            s.current_offset(due, due + Duration::days(30 + 13)),
            Some(30)
        );
    }

    #[test]
    fn bad_configuration_is_refused() {
        assert_eq!(Schedule::new(&[], 30, 14), Err(ScheduleError::NoOffsets));
        assert_eq!(
            Schedule::new(&[9999], 30, 14),
            Err(ScheduleError::TooFar(9999))
        );
        assert_eq!(Schedule::new(&[30], 30, 0), Err(ScheduleError::NoWindow));
    }

    #[test]
    fn subjects_round_trip() {
        for s in [
            ReminderSubject::Certificate {
                number: "PSC-2026-000001-K".into(),
            },
            ReminderSubject::Condition {
                number: "PSC-2026-000001-K".into(),
                item_id: "gov-01".into(),
            },
            ReminderSubject::Accreditation {
                advisor_id: "6a1c".into(),
                until: date!(2027 - 01 - 31),
            },
            ReminderSubject::FireRiskAssessment {
                premises_id: "2f0e-41".into(),
                review_on: date!(2027 - 03 - 01),
            },
            ReminderSubject::FireSafetyCertificate {
                premises_id: "2f0e-41".into(),
                expires_on: date!(2027 - 06 - 30),
            },
        ] {
            assert_eq!(s.to_string().parse::<ReminderSubject>(), Ok(s));
        }
        assert!("premises:x".parse::<ReminderSubject>().is_err());
        assert!(
            "fire_risk_assessment:p1:soon"
                .parse::<ReminderSubject>()
                .is_err()
        );
        assert!(
            "accreditation:x:notadate"
                .parse::<ReminderSubject>()
                .is_err()
        );
    }

    #[test]
    fn retries_back_off_up_to_a_cap() {
        assert_eq!(retry_delay(1, 60), Duration::seconds(60));
        assert_eq!(retry_delay(2, 60), Duration::seconds(120));
        assert_eq!(retry_delay(3, 60), Duration::seconds(240));
        assert_eq!(retry_delay(40, 60), Duration::hours(6));
    }

    #[test]
    fn offsets_read_naturally() {
        assert_eq!(describe_offset(-30), "in 30 days");
        assert_eq!(describe_offset(0), "today");
        assert_eq!(describe_offset(30), "30 days ago");
    }

    fn any_schedule() -> impl Strategy<Value = Schedule> {
        (
            proptest::collection::vec(0u32..400, 1..6),
            0u32..100,
            1u32..60,
        )
            .prop_map(|(before, after, window)| {
                Schedule::new(&before, after, window).expect("valid")
            })
    }

    proptest! {
        #[test]
        fn at_most_one_reminder_and_it_is_the_latest_whose_day_came(
            s in any_schedule(), due_days in 0i64..2000, today_days in 0i64..2000,
        ) {
            let base = date!(2026 - 01 - 01);
            let due = base + Duration::days(due_days);
            let today = base + Duration::days(today_days);
            if let Some(o) = s.current_offset(due, today) {
                let since = (today - due).whole_days();
                prop_assert!(i64::from(o) <= since);
                // No later reminder's day has come yet: earlier ones are never sent late.
                prop_assert!(s.offsets().iter().all(|&x| x <= o || i64::from(x) > since));
            }
        }

        #[test]
        fn due_date_ranges_match_the_schedule(
            s in any_schedule(), due_days in 0i64..2000, today_days in 0i64..2000,
        ) {
            let base = date!(2026 - 01 - 01);
            let due = base + Duration::days(due_days);
            let today = base + Duration::days(today_days);
            for &o in s.offsets() {
                let (first, last) = s.due_dates_for(o, today).expect("range");
                let in_range = first <= due && due <= last;
                prop_assert_eq!(in_range, s.current_offset(due, today) == Some(o));
            }
        }

        #[test]
        fn every_reminder_is_current_on_a_run_of_days_starting_on_its_day(
            s in any_schedule(), due_days in 0i64..2000,
        ) {
            // Sweeping daily, each offset is current on consecutive days from its own day.
            let due = date!(2026 - 01 - 01) + Duration::days(due_days);
            for &o in s.offsets() {
                let day = due + Duration::days(o.into());
                prop_assert_eq!(s.current_offset(due, day), Some(o));
                let days: Vec<i64> = (-500i64..200)
                    .filter(|d| s.current_offset(due, due + Duration::days(*d)) == Some(o))
                    .collect();
                prop_assert!(days.windows(2).all(|w| w[1] == w[0] + 1));
            }
        }

        #[test]
        fn backoff_never_shrinks(attempts in 1u32..100, base in 1u64..3600) {
            prop_assert!(retry_delay(attempts + 1, base) >= retry_delay(attempts, base));
            prop_assert!(retry_delay(attempts, base) <= Duration::hours(6));
        }
    }
}
