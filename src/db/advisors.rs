//! Advisors' accreditations (one row per advisor user).

use std::collections::HashMap;

use diesel::prelude::*;

use super::models::{Advisor, User};
use super::schema::{advisors, users};
use super::{DbConnection, Page};

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
