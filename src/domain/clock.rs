//! Dates and times as people read them, in the scheme's time zone: one format for
//! pages, certificates and emails ("1 December 2026", "10 July 2027, 18:00 BST").

use jiff::tz::TimeZone;

fn zoned(t: time::OffsetDateTime, tz: &TimeZone) -> Option<jiff::ZonedDateTime> {
    jiff::Timestamp::from_second(t.unix_timestamp())
        .ok()
        .map(|ts| ts.to_zoned_datetime(tz.clone()))
}

/// "1 December 2026" (the day in `tz`). Written by [`day`] rather than through
/// `strftime`, whose parsing of the format was most of a verification page's two
/// dates (issue 12).
pub fn long_date(t: time::OffsetDateTime, tz: &TimeZone) -> String {
    let local = zoned(t, tz).and_then(|z| {
        let month = time::Month::try_from(u8::try_from(z.month()).ok()?).ok()?;
        let day_of_month = u8::try_from(z.day()).ok()?;
        time::Date::from_calendar_date(i32::from(z.year()), month, day_of_month).ok()
    });
    match local {
        Some(d) => day(d),
        None => t.date().to_string(),
    }
}

/// "10 July 2027, 18:00 BST".
pub fn date_time(t: time::OffsetDateTime, tz: &TimeZone) -> String {
    match zoned(t, tz) {
        Some(z) => z.strftime("%-d %B %Y, %H:%M %Z").to_string(),
        None => t.to_string(),
    }
}

/// A calendar date as people write it: "31 December 2028".
pub fn day(d: time::Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// Whole days from `now` until `then` (negative once past).
pub fn days_until(then: time::OffsetDateTime, now: time::OffsetDateTime) -> i64 {
    (then - now).whole_days()
}

/// The scheme's zone, or UTC for a name jiff does not know (config refuses those).
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// A form's `datetime-local` value ("2027-07-10T18:00", seconds optional) read as
/// a wall-clock time in `tz`; None when it is not one. (A time skipped by a clock
/// change moves forward; a repeated one takes the earlier.)
pub fn from_local_input(value: &str, tz: &TimeZone) -> Option<time::OffsetDateTime> {
    let civil: jiff::civil::DateTime = value.trim().parse().ok()?;
    let zoned = civil.to_zoned_datetime(tz.clone()).ok()?;
    time::OffsetDateTime::from_unix_timestamp(zoned.timestamp().as_second()).ok()
}

/// The `datetime-local` value that shows `t` as a wall-clock time in `tz`.
pub fn to_local_input(t: time::OffsetDateTime, tz: &TimeZone) -> String {
    match zoned(t, tz) {
        Some(z) => z.strftime("%Y-%m-%dT%H:%M").to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn summer_times_read_in_bst_and_winter_ones_in_gmt() {
        let london = zone("Europe/London");
        assert_eq!(
            date_time(datetime!(2027-07-10 17:00 UTC), &london),
            "10 July 2027, 18:00 BST"
        );
        assert_eq!(
            date_time(datetime!(2026-12-01 09:05 UTC), &london),
            "1 December 2026, 09:05 GMT"
        );
        // Just before midnight UTC in summer is already the next day in London.
        assert_eq!(
            long_date(datetime!(2027-06-30 23:30 UTC), &london),
            "1 July 2027"
        );
        assert_eq!(day(date!(2028 - 12 - 31)), "31 December 2028");
        assert_eq!(
            long_date(datetime!(2026-12-01 09:05 UTC), &london),
            "1 December 2026"
        );
        assert_eq!(
            long_date(datetime!(2028-02-29 12:00 UTC), &zone("UTC")),
            "29 February 2028"
        );
    }

    #[test]
    fn form_times_are_wall_clock_times_in_the_scheme_zone() {
        let london = zone("Europe/London");
        assert_eq!(
            from_local_input("2027-07-10T18:00", &london),
            Some(datetime!(2027-07-10 17:00 UTC))
        );
        assert_eq!(
            from_local_input("2026-12-01T09:05:30", &london),
            Some(datetime!(2026-12-01 09:05:30 UTC))
        );
        assert_eq!(from_local_input("10/07/2027 18:00", &london), None);
        assert_eq!(from_local_input("", &london), None);
        assert_eq!(
            to_local_input(datetime!(2027-07-10 17:00 UTC), &london),
            "2027-07-10T18:00"
        );
    }
}
