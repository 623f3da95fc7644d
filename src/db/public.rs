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
