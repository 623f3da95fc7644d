//! Issue 12 part B: the few columns a verifier is shown, by certificate number.
//! One static query (diesel keeps it prepared per connection) over the unique
//! index on `number`, reading no more than the public view needs.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::certificates;
use crate::domain::status::StoredStatus;
use crate::domain::tier::{PremisesKind, Tier};

/// A certificate as public verification sees it (never findings or people).
#[derive(Debug, Clone, Queryable)]
pub struct PublicRow {
    pub number: String,
    pub status: StoredStatus,
    pub premises_name: String,
    pub town: String,
    pub tier: Tier,
    pub kind: PremisesKind,
    pub issued_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
}

pub fn by_number(conn: &mut DbConnection, number: &str) -> QueryResult<Option<PublicRow>> {
    certificates::table
        .filter(certificates::number.eq(number))
        .select((
            certificates::number,
            certificates::status,
            certificates::premises_name,
            certificates::town,
            certificates::tier,
            certificates::kind,
            certificates::issued_at,
            certificates::expires_at,
        ))
        .first(conn)
        .optional()
}

/// Issue 12: the register version, which a trigger moves whenever a column above
/// changes on any certificate (migration `register_version`).
pub fn register_version(conn: &mut DbConnection) -> QueryResult<i64> {
    use super::schema::register_version;
    register_version::table
        .select(register_version::version)
        .first(conn)
}

/// Issue 12: run on a connection after work on it changed a public record.
pub type AfterChange = Box<dyn Fn(&mut DbConnection) + Send + Sync>;

thread_local! {
    static CHANGED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Notes that work on this thread changed a public column of a certificate, so
/// that [`super::Db::blocking`] tells this instance's public cache when it is done
/// (other instances see the register version move). Every write of those columns
/// calls it.
pub(crate) fn mark_changed() {
    CHANGED.with(|c| c.set(true));
}

pub(super) fn take_changed() -> bool {
    CHANGED.with(|c| c.replace(false))
}
