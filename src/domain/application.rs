//! The application life cycle: draft → submitted → in_review → completed, or withdrawn;
//! where a second sign-off is needed, in_review → awaiting_sign_off → completed (or back
//! to in_review when the reviewer returns it).

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Draft,
    Submitted,
    InReview,
    Completed,
    Withdrawn,
    // Part 3 (second sign-off): assessed, the outcome computed, no certificate yet.
    AwaitingSignOff,
}

impl ApplicationStatus {
    /// Draft, submitted, in review or awaiting sign-off: premises have at most one
    /// open at a time.
    pub const OPEN: [ApplicationStatus; 4] = [
        ApplicationStatus::Draft,
        ApplicationStatus::Submitted,
        ApplicationStatus::InReview,
        ApplicationStatus::AwaitingSignOff,
    ];

    /// What an eligible advisor sees of applications not assigned to them: the
    /// submitted ones they may claim and (part 3) those awaiting a second sign-off.
    pub const QUEUED: [ApplicationStatus; 2] = [
        ApplicationStatus::Submitted,
        ApplicationStatus::AwaitingSignOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Draft => "draft",
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::InReview => "in_review",
            ApplicationStatus::Completed => "completed",
            ApplicationStatus::Withdrawn => "withdrawn",
            ApplicationStatus::AwaitingSignOff => "awaiting_sign_off",
        }
    }

    pub fn parse(s: &str) -> Option<ApplicationStatus> {
        Some(match s {
            "draft" => ApplicationStatus::Draft,
            "submitted" => ApplicationStatus::Submitted,
            "in_review" => ApplicationStatus::InReview,
            "completed" => ApplicationStatus::Completed,
            "withdrawn" => ApplicationStatus::Withdrawn,
            "awaiting_sign_off" => ApplicationStatus::AwaitingSignOff,
            _ => return None,
        })
    }

    /// Open applications block a second one for the same premises.
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }
}

/// The operator's self-assessment answer to one checklist item.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum AnswerStatus {
    InPlace,
    Partial,
    NotInPlace,
    NotApplicable,
}

impl AnswerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerStatus::InPlace => "in_place",
            AnswerStatus::Partial => "partial",
            AnswerStatus::NotInPlace => "not_in_place",
            AnswerStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(s: &str) -> Option<AnswerStatus> {
        Some(match s {
            "in_place" => AnswerStatus::InPlace,
            "partial" => AnswerStatus::Partial,
            "not_in_place" => AnswerStatus::NotInPlace,
            "not_applicable" => AnswerStatus::NotApplicable,
            _ => return None,
        })
    }
}

/// Certificate expiry: buildings get `validity_months` from issue (the day clamped to
/// the month's end, so 31 Jan + 1 month is 28/29 Feb); events end with the event,
/// and never later than `validity_months` from issue either.
pub fn certificate_expiry(
    issued_at: time::OffsetDateTime,
    validity_months: u32,
    event_end: Option<time::OffsetDateTime>,
) -> time::OffsetDateTime {
    let validity = months_after(issued_at, validity_months);
    match event_end {
        // An event's certificate ends with it, and never outlives the validity.
        Some(end) => end.min(validity),
        None => validity,
    }
}

fn months_after(issued_at: time::OffsetDateTime, validity_months: u32) -> time::OffsetDateTime {
    let date = issued_at.date();
    let total = date.year() * 12 + (date.month() as i32 - 1) + validity_months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = time::Month::try_from(month0 as u8 + 1).unwrap_or(time::Month::December);
    let last_day = time::util::days_in_month(month, year);
    let day = date.day().min(last_day);
    time::Date::from_calendar_date(year, month, day)
        .map(|d| issued_at.replace_date(d))
        .unwrap_or(issued_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn building_validity_adds_calendar_months() {
        assert_eq!(
            certificate_expiry(datetime!(2026-11-23 10:00 UTC), 12, None),
            datetime!(2027-11-23 10:00 UTC)
        );
        assert_eq!(
            certificate_expiry(datetime!(2027-01-31 09:00 UTC), 1, None),
            datetime!(2027-02-28 09:00 UTC)
        );
        assert_eq!(
            certificate_expiry(datetime!(2027-12-15 09:00 UTC), 3, None),
            datetime!(2028-03-15 09:00 UTC)
        );
    }

    #[test]
    fn events_expire_when_they_end() {
        let end = datetime!(2027-06-01 23:00 UTC);
        assert_eq!(
            certificate_expiry(datetime!(2027-01-01 0:00 UTC), 12, Some(end)),
            end
        );
        // An end far off (a typo, or 9999-12-31) is cut to the validity.
        assert_eq!(
            certificate_expiry(
                datetime!(2027-01-01 0:00 UTC),
                12,
                Some(datetime!(9999-12-31 23:00 UTC))
            ),
            datetime!(2028-01-01 0:00 UTC)
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            "draft",
            "submitted",
            "in_review",
            "completed",
            "withdrawn",
            "awaiting_sign_off",
        ] {
            assert_eq!(ApplicationStatus::parse(s).map(|x| x.as_str()), Some(s));
        }
        for s in ["in_place", "partial", "not_in_place", "not_applicable"] {
            assert_eq!(AnswerStatus::parse(s).map(|x| x.as_str()), Some(s));
        }
    }
}
