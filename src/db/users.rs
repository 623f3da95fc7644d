//! Users and organisations.

use diesel::prelude::*;

use super::models::{Organisation, User};
use super::schema::{organisations, users};
use super::{DbConnection, Page};
use crate::domain::actor::Role;

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(users::all_columns)
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(users::all_columns)
        .first(conn)
        .optional()
}

pub fn email_taken(conn: &mut DbConnection, email: &str) -> QueryResult<bool> {
    let n: i64 = users::table
        .filter(users::email.eq(email))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert(conn: &mut DbConnection, user: &User) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(drop)
}

pub fn insert_organisation(conn: &mut DbConnection, org: &Organisation) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(org)
        .execute(conn)
        .map(drop)
}

pub fn find_organisation(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .find(id)
        .select(organisations::all_columns)
        .first(conn)
        .optional()
}

/// How many accounts there are (the demo seeds only an empty register).
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// The operators of an organisation, by name.
pub fn operators_of(conn: &mut DbConnection, organisation_id: &str) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::role.eq(crate::domain::actor::Role::Operator))
        .select(users::all_columns)
        .order((users::name.asc(), users::email.asc()))
        .load(conn)
}

/// The accounts with one of `roles`, by name.
pub fn list_by_roles(
    conn: &mut DbConnection,
    roles: &[Role],
    page: Page,
) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.eq_any(roles.to_vec()))
        .select(users::all_columns)
        .order((users::name.asc(), users::id.asc()))
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)
}

/// Ends every login token of the user (they carry the old version).
pub fn end_sessions(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::session_version.eq(users::session_version + 1))
        .execute(conn)
}

/// Deactivates an account (no log-in; its tokens end); returns whether it existed.
pub fn deactivate(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    let n = diesel::update(users::table.find(id))
        .set((
            users::active.eq(false),
            users::session_version.eq(users::session_version + 1),
        ))
        .execute(conn)?;
    Ok(n == 1)
}
