//! Stored enums are typed at the diesel boundary: each is written as its snake_case
//! name, and a row holding a name the code does not know fails to load (an error,
//! never a silent default).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::accreditation::AccreditationStatus;
use crate::domain::actor::Role;
use crate::domain::application::{AnswerStatus, ApplicationStatus};
use crate::domain::reminders::{NotificationStatus, ReminderKind};
use crate::domain::scoring::Outcome;
use crate::domain::status::StoredStatus;
// Part 4 (advisor oversight).
use crate::domain::oversight::{Resolution, ReviewCause};
use crate::domain::tier::{PremisesKind, Tier};
// issue 11 part 2: appeals
use crate::domain::appeal::{AppealState, Consequence};

macro_rules! stored_as_text {
    ($($ty:ty),* $(,)?) => {$(
        impl<DB: Backend> ToSql<Text, DB> for $ty
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                <$ty>::parse(&text).ok_or_else(|| {
                    format!("unknown {} `{text}` in the database", stringify!($ty)).into()
                })
            }
        }
    )*};
}

stored_as_text!(
    AccreditationStatus,
    AnswerStatus,
    ApplicationStatus,
    NotificationStatus,
    Outcome,
    PremisesKind,
    ReminderKind,
    Role,
    StoredStatus,
    Tier,
    // Part 1 of issue 11: conditions to closure.
    crate::domain::condition::ConditionState,
    // Part 4 (advisor oversight).
    ReviewCause,
    Resolution,
    // issue 11 part 2: appeals
    AppealState,
    Consequence,
    // Issue 13 part 7 (scope).
    crate::domain::qualifying::ResponsiblePerson,
    crate::domain::qualifying::Schedule1Use,
    crate::domain::qualifying::Schedule2Exclusion,
);

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use super::*;

    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        status: ApplicationStatus,
    }

    #[test]
    fn stored_names_round_trip_and_unknown_ones_fail() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("sqlite");
        let row: Row = diesel::sql_query("SELECT ? AS status")
            .bind::<Text, _>(ApplicationStatus::InReview)
            .get_result(&mut conn)
            .expect("round trip");
        assert_eq!(row.status, ApplicationStatus::InReview);
        let unknown = diesel::sql_query("SELECT 'archived' AS status").get_result::<Row>(&mut conn);
        let message = unknown.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("unknown ApplicationStatus `archived`"),
            "{message}"
        );
    }
}
