//! Password reset links (only their tokens' hashes).

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{password_resets, users};

pub fn insert(
    conn: &mut DbConnection,
    id: &str,
    user_id: &str,
    token_hash: &str,
    created_at: PrimitiveDateTime,
    expires_at: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::id.eq(id),
            password_resets::user_id.eq(user_id),
            password_resets::token_hash.eq(token_hash),
            password_resets::created_at.eq(created_at),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The user a link is for, if it is unused and not expired at `now`: (reset id, user id).
pub fn usable(
    conn: &mut DbConnection,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Option<(String, String)>> {
    password_resets::table
        .filter(password_resets::token_hash.eq(token_hash))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select((password_resets::id, password_resets::user_id))
        .first(conn)
        .optional()
}

/// Uses the link (only if still unused: a second use in a race changes nothing);
/// returns whether it was this call that used it.
pub fn mark_used(conn: &mut DbConnection, id: &str, now: PrimitiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        password_resets::table
            .filter(password_resets::id.eq(id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Sets the password; every login token issued before ends with it.
pub fn set_password(conn: &mut DbConnection, user_id: &str, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::session_version.eq(users::session_version + 1),
        ))
        .execute(conn)
        .map(drop)
}
