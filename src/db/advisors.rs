//! Advisors' accreditations (one row per advisor user).

use std::collections::HashMap;

use diesel::prelude::*;
use time::Date;

use super::models::{Advisor, User};
use super::schema::{advisors, users};
use super::{DbConnection, Page};
use crate::domain::accreditation::AccreditationStatus;

pub fn find(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<Advisor>> {
    advisors::table
        .find(user_id)
        .select(advisors::all_columns)
        .first(conn)
        .optional()
}

pub fn number_taken(conn: &mut DbConnection, number: &str) -> QueryResult<bool> {
    let n: i64 = advisors::table
        .filter(advisors::accreditation_number.eq(number))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert(conn: &mut DbConnection, advisor: &Advisor) -> QueryResult<()> {
    diesel::insert_into(advisors::table)
        .values(advisor)
        .execute(conn)
        .map(drop)
}

/// Every advisor with their user, by name.
pub fn list(conn: &mut DbConnection, page: Page) -> QueryResult<Vec<(User, Advisor)>> {
    users::table
        .inner_join(advisors::table)
        .select((users::all_columns, advisors::all_columns))
        .order((users::name.asc(), users::id.asc()))
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)
}

/// Name and accreditation number of each advisor in `ids`.
pub fn names(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<HashMap<String, (String, String)>> {
    let rows: Vec<(String, String, String)> = users::table
        .inner_join(advisors::table)
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name, advisors::accreditation_number))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, number)| (id, (name, number)))
        .collect())
}

/// Changes the stored status only if it is still `from`; returns whether it was.
pub fn set_status(
    conn: &mut DbConnection,
    user_id: &str,
    from: AccreditationStatus,
    to: AccreditationStatus,
) -> QueryResult<bool> {
    let n = diesel::update(
        advisors::table
            .filter(advisors::user_id.eq(user_id))
            .filter(advisors::status.eq(from)),
    )
    .set(advisors::status.eq(to))
    .execute(conn)?;
    Ok(n == 1)
}

/// Moves `accredited_until` only if it is still `from` (and the status still
/// `status`); returns whether it was.
pub fn set_until(
    conn: &mut DbConnection,
    user_id: &str,
    status: AccreditationStatus,
    from: Date,
    to: Date,
) -> QueryResult<bool> {
    let n = diesel::update(
        advisors::table
            .filter(advisors::user_id.eq(user_id))
            .filter(advisors::status.eq(status))
            .filter(advisors::accredited_until.eq(from)),
    )
    .set(advisors::accredited_until.eq(to))
    .execute(conn)?;
    Ok(n == 1)
}

/// How many active accreditations end from `from` to `to` (both days included).
pub fn count_ending(conn: &mut DbConnection, from: Date, to: Date) -> QueryResult<i64> {
    advisors::table
        .filter(advisors::status.eq(AccreditationStatus::Active))
        .filter(advisors::accredited_until.ge(from))
        .filter(advisors::accredited_until.le(to))
        .count()
        .get_result(conn)
}

/// How many active accreditations ended before `today` (lapsed, not renewed).
pub fn count_lapsed(conn: &mut DbConnection, today: Date) -> QueryResult<i64> {
    advisors::table
        .filter(advisors::status.eq(AccreditationStatus::Active))
        .filter(advisors::accredited_until.lt(today))
        .count()
        .get_result(conn)
}
