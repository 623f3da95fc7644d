//! Fire safety on file: the fire risk assessment the responsible person for the
//! premises must make and keep under review (in England and Wales under the
//! Regulatory Reform (Fire Safety) Order 2005; in Scotland under the Fire (Scotland)
//! Act 2005 and the Fire Safety (Scotland) Regulations 2006; in Northern Ireland
//! under the Fire and Rescue Services (Northern Ireland) Order 2006 and the Fire
//! Safety Regulations (Northern Ireland) 2010), and, where the premises hold one, a
//! fire safety certificate. The scheme records what the operator says is on file;
//! it does not check fire safety.

use time::Date;

use super::reminders::ReminderKind;

/// The dates of what is on file for one premises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FireSafetyDates {
    pub assessed_on: Date,
    pub next_review_on: Date,
    pub certificate_expires_on: Option<Date>,
}

/// Where the fire risk assessment on file stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssessmentStanding {
    /// None recorded for the premises.
    NoneOnFile,
    /// Recorded, and its review date has not passed.
    Current,
    /// Recorded, but its review date has passed: a review is due.
    ReviewPassed,
}

impl AssessmentStanding {
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentStanding::NoneOnFile => "none_on_file",
            AssessmentStanding::Current => "current",
            AssessmentStanding::ReviewPassed => "review_passed",
        }
    }
}

impl FireSafetyDates {
    /// Current through its review date: on `next_review_on` it still counts (the
    /// review is due that day), from the day after it does not.
    pub fn is_current(&self, today: Date) -> bool {
        today <= self.next_review_on
    }

    /// Whether a recorded fire safety certificate has passed its expiry (`None`
    /// when none is recorded or it has no expiry).
    pub fn certificate_expired(&self, today: Date) -> Option<bool> {
        self.certificate_expires_on.map(|d| today > d)
    }
}

/// The standing of what is on file (if anything) on `today`.
pub fn standing(on_file: Option<&FireSafetyDates>, today: Date) -> AssessmentStanding {
    match on_file {
        None => AssessmentStanding::NoneOnFile,
        Some(d) if d.is_current(today) => AssessmentStanding::Current,
        Some(_) => AssessmentStanding::ReviewPassed,
    }
}

/// The dates the reminder sweep counts back from: the assessment's review date and,
/// where one is recorded, the certificate's expiry; each starts its own series.
pub fn reminder_dates(d: &FireSafetyDates) -> Vec<(ReminderKind, Date)> {
    let mut out = vec![(ReminderKind::FireRiskAssessmentReview, d.next_review_on)];
    if let Some(e) = d.certificate_expires_on {
        out.push((ReminderKind::FireSafetyCertificateExpiry, e));
    }
    out
}

/// A rule the dates break: the field at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFault {
    pub field: &'static str,
    pub message: &'static str,
}

/// The rules between the dates, given `today` (in the scheme's zone): an assessment
/// made no later than today, reviewed after it was made; a certificate expiry only
/// with a certificate reference. Every fault, not just the first.
pub fn date_faults(
    assessed_on: Option<Date>,
    next_review_on: Option<Date>,
    certificate_expires_on: Option<Date>,
    has_certificate_reference: bool,
    today: Date,
) -> Vec<DateFault> {
    let mut faults = Vec::new();
    if let Some(a) = assessed_on
        && a > today
    {
        faults.push(DateFault {
            field: "assessed_on",
            message: "must not be in the future: give the date the assessment was made",
        });
    }
    if let (Some(a), Some(n)) = (assessed_on, next_review_on)
        && n <= a
    {
        faults.push(DateFault {
            field: "next_review_on",
            message: "must be after assessed_on",
        });
    }
    if certificate_expires_on.is_some() && !has_certificate_reference {
        faults.push(DateFault {
            field: "certificate_expires_on",
            message: "is given only with certificate_reference (the certificate it is the expiry of)",
        });
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;

    fn on_file(next_review_on: Date) -> FireSafetyDates {
        FireSafetyDates {
            assessed_on: date!(2026 - 03 - 01),
            next_review_on,
            certificate_expires_on: None,
        }
    }

    #[test]
    fn an_assessment_is_current_through_its_review_date() {
        let d = on_file(date!(2027 - 03 - 01));
        assert!(d.is_current(date!(2026 - 12 - 01)));
        assert!(d.is_current(date!(2027 - 03 - 01)));
        assert!(!d.is_current(date!(2027 - 03 - 02)));
        assert_eq!(
            standing(Some(&d), date!(2027 - 03 - 01)),
            AssessmentStanding::Current
        );
        assert_eq!(
            standing(Some(&d), date!(2027 - 03 - 02)),
            AssessmentStanding::ReviewPassed
        );
        assert_eq!(
            standing(None, date!(2027 - 03 - 02)),
            AssessmentStanding::NoneOnFile
        );
    }

    #[test]
    fn a_certificate_expires_after_its_day() {
        let mut d = on_file(date!(2027 - 03 - 01));
        assert_eq!(d.certificate_expired(date!(2027 - 01 - 01)), None);
        d.certificate_expires_on = Some(date!(2027 - 01 - 31));
        assert_eq!(d.certificate_expired(date!(2027 - 01 - 31)), Some(false));
        assert_eq!(d.certificate_expired(date!(2027 - 02 - 01)), Some(true));
    }

    #[test]
    fn each_date_rule_names_its_field() {
        let today = date!(2026 - 12 - 01);
        let fields = |a, n, c, r| -> Vec<&'static str> {
            date_faults(a, n, c, r, today)
                .into_iter()
                .map(|f| f.field)
                .collect()
        };
        assert!(
            fields(
                Some(date!(2026 - 12 - 01)),
                Some(date!(2027 - 12 - 01)),
                None,
                false
            )
            .is_empty()
        );
        assert_eq!(
            fields(
                Some(date!(2026 - 12 - 02)),
                Some(date!(2027 - 12 - 01)),
                None,
                false
            ),
            ["assessed_on"]
        );
        assert_eq!(
            fields(
                Some(date!(2026 - 06 - 01)),
                Some(date!(2026 - 06 - 01)),
                None,
                false
            ),
            ["next_review_on"]
        );
        assert_eq!(
            fields(None, None, Some(date!(2027 - 01 - 01)), false),
            ["certificate_expires_on"]
        );
        assert!(fields(None, None, Some(date!(2027 - 01 - 01)), true).is_empty());
    }

    #[test]
    fn reminders_count_back_from_each_recorded_date() {
        let mut d = on_file(date!(2027 - 03 - 01));
        assert_eq!(
            reminder_dates(&d),
            [(
                ReminderKind::FireRiskAssessmentReview,
                date!(2027 - 03 - 01)
            )]
        );
        d.certificate_expires_on = Some(date!(2027 - 06 - 30));
        assert_eq!(
            reminder_dates(&d)[1],
            (
                ReminderKind::FireSafetyCertificateExpiry,
                date!(2027 - 06 - 30)
            )
        );
        // With the default schedule the first reminder goes 90 days before the review.
        let s = crate::domain::reminders::Schedule::new(&[90, 30, 7], 30, 14).expect("schedule");
        let review = date!(2027 - 03 - 01);
        assert_eq!(
            s.current_offset(review, review - Duration::days(90)),
            Some(-90)
        );
        assert_eq!(s.current_offset(review, review - Duration::days(91)), None);
        assert_eq!(
            s.current_offset(review, review + Duration::days(1)),
            Some(0)
        );
    }

    proptest! {
        #[test]
        fn current_exactly_until_the_review_date(review in 0i64..2000, today in 0i64..2000) {
            let base = date!(2026 - 01 - 01);
            let d = on_file(base + Duration::days(review));
            let today = base + Duration::days(today);
            prop_assert_eq!(d.is_current(today), today <= d.next_review_on);
            prop_assert_eq!(
                standing(Some(&d), today) == AssessmentStanding::Current,
                today <= d.next_review_on
            );
        }
    }
}
