//! Issue 12 part F. The counts `/metrics` shows: certificates by stored status (and
//! how many active ones have passed their expiry), the outbox by status. Each is
//! read from an index (`certificates (status, expires_at)`, `notifications (status,
//! next_attempt_at)`), and `/metrics` counts again at most every
//! `metrics_refresh_secs`.

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::schema::{certificates, notifications};
use super::{DbConnection, now};
use crate::domain::status::StoredStatus;

/// Certificates per stored status, and active ones whose expiry has passed.
pub fn certificates_by_status(
    conn: &mut DbConnection,
) -> anyhow::Result<(Vec<(String, i64)>, i64)> {
    let by_status = certificates::table
        .group_by(certificates::status)
        .select((certificates::status, count_star()))
        .load::<(String, i64)>(conn)?;
    let expired = certificates::table
        .filter(certificates::status.eq(StoredStatus::Active.as_str()))
        .filter(certificates::expires_at.le(now()))
        .count()
        .get_result::<i64>(conn)?;
    Ok((by_status, expired))
}

/// Notifications in the outbox per status.
pub fn outbox_by_status(conn: &mut DbConnection) -> anyhow::Result<Vec<(String, i64)>> {
    Ok(notifications::table
        .group_by(notifications::status)
        .select((notifications::status, count_star()))
        .load::<(String, i64)>(conn)?)
}
