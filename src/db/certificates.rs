//! Certificates (the register) and their stored PDFs.

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::Certificate;
use super::schema::{certificate_documents, certificates};
use super::{DbConnection, Page, now};
use crate::domain::scope::OrgScope;
use crate::domain::status::{Expiry, StoredStatus};

/// SQL functions that SQLite and PostgreSQL both have, for matching that ignores
/// case and spaces the same way on both. (SQLite's `lower`/`upper` fold ASCII only.)
mod sql {
    use diesel::sql_types::Text;
    diesel::define_sql_function!(fn lower(s: Text) -> Text);
    diesel::define_sql_function!(fn upper(s: Text) -> Text);
    diesel::define_sql_function!(fn replace(s: Text, from: Text, to: Text) -> Text);
}

/// A register search, already checked and normalised.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Search {
    /// Upper case, without spaces; matches from the start.
    pub postcode: Option<String>,
    /// A LIKE pattern, wildcards in the text escaped with `\`.
    pub name_or_number: Option<String>,
    /// The stored status, and for `active` whether the expiry has passed.
    pub status: Option<(StoredStatus, Option<Expiry>)>,
}

pub fn insert(conn: &mut DbConnection, cert: &Certificate) -> QueryResult<()> {
    diesel::insert_into(certificates::table)
        .values(cert)
        .execute(conn)
        .map(drop)
}

pub fn find_by_number(conn: &mut DbConnection, number: &str) -> QueryResult<Option<Certificate>> {
    certificates::table
        .filter(certificates::number.eq(number))
        .select(certificates::all_columns)
        .first(conn)
        .optional()
}

/// The certificate issued on each application in `ids`.
pub fn by_applications(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<HashMap<String, Certificate>> {
    Ok(certificates::table
        .filter(certificates::application_id.eq_any(ids))
        .select(certificates::all_columns)
        .load::<Certificate>(conn)?
        .into_iter()
        .map(|c| (c.application_id.clone(), c))
        .collect())
}

/// The certificates in `scope` matching `search`, newest first.
pub fn search(
    conn: &mut DbConnection,
    scope: &OrgScope,
    search: &Search,
    page: Page,
) -> QueryResult<Vec<Certificate>> {
    let mut q = certificates::table
        .select(certificates::all_columns)
        .into_boxed();
    if let OrgScope::Organisation(org) = scope {
        q = q.filter(certificates::organisation_id.eq(org.clone()));
    }
    if let Some(postcode) = &search.postcode {
        q = q.filter(
            sql::upper(sql::replace(certificates::postcode, " ", "")).like(format!("{postcode}%")),
        );
    }
    if let Some(pattern) = &search.name_or_number {
        // The pattern goes through the same lower() as the column, so both sides
        // fold case alike on either backend.
        q = q.filter(
            sql::lower(certificates::premises_name)
                .like(sql::lower(pattern.clone()))
                .escape('\\')
                .or(sql::lower(certificates::number)
                    .like(sql::lower(pattern.clone()))
                    .escape('\\')),
        );
    }
    if let Some((stored, expiry)) = search.status {
        q = q.filter(certificates::status.eq(stored));
        match expiry {
            Some(Expiry::NotYet) => q = q.filter(certificates::expires_at.gt(now())),
            Some(Expiry::Passed) => q = q.filter(certificates::expires_at.le(now())),
            None => {}
        }
    }
    q.order((certificates::issued_at.desc(), certificates::number.desc()))
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)
}

/// How many certificates a verifier would see with the stored status (and, for
/// `active`, the side of expiry) of `status` now, as `stored_for` gives it.
pub fn count_with_status(
    conn: &mut DbConnection,
    (stored, expiry): (StoredStatus, Option<Expiry>),
) -> QueryResult<i64> {
    let mut q = certificates::table
        .filter(certificates::status.eq(stored))
        .into_boxed();
    match expiry {
        Some(Expiry::NotYet) => q = q.filter(certificates::expires_at.gt(now())),
        Some(Expiry::Passed) => q = q.filter(certificates::expires_at.le(now())),
        None => {}
    }
    q.count().get_result(conn)
}

/// Changes the stored status only if it is still `from`; returns whether it was.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    from: StoredStatus,
    to: StoredStatus,
    reason: &str,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        certificates::table
            .filter(certificates::id.eq(id))
            .filter(certificates::status.eq(from)),
    )
    .set((
        certificates::status.eq(to),
        certificates::status_reason.eq(Some(reason)),
        certificates::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The active or suspended certificates of the premises: (id, number).
pub fn current_for_premises(
    conn: &mut DbConnection,
    premises_id: &str,
) -> QueryResult<Vec<(String, String)>> {
    certificates::table
        .filter(certificates::premises_id.eq(premises_id))
        .filter(certificates::status.eq_any([StoredStatus::Active, StoredStatus::Suspended]))
        .select((certificates::id, certificates::number))
        .load(conn)
}

pub fn supersede(
    conn: &mut DbConnection,
    id: &str,
    by_number: &str,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(certificates::table.find(id))
        .set((
            certificates::status.eq(StoredStatus::Superseded),
            certificates::superseded_by.eq(Some(by_number)),
            certificates::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// The stored PDF and its SHA-256.
pub fn document(
    conn: &mut DbConnection,
    certificate_id: &str,
) -> QueryResult<Option<(Vec<u8>, String)>> {
    certificate_documents::table
        .find(certificate_id)
        .select((certificate_documents::pdf, certificate_documents::sha256))
        .first(conn)
        .optional()
}

/// Numbers of suspended and revoked certificates, in order, with their status.
/// The status-list indexes of suspended and of revoked certificates (never numbers).
pub fn withdrawn_indexes(conn: &mut DbConnection) -> QueryResult<Vec<(i32, StoredStatus)>> {
    let rows: Vec<(Option<i32>, StoredStatus)> = certificates::table
        .filter(certificates::status.eq_any([StoredStatus::Suspended, StoredStatus::Revoked]))
        .select((certificates::status_index, certificates::status))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(i, s)| Some((i?, s)))
        .collect())
}

/// How many certificates the register holds, and the highest status index in use.
pub fn status_index_span(conn: &mut DbConnection) -> QueryResult<(i64, Option<i32>)> {
    use diesel::dsl::{count_star, max};
    certificates::table
        .select((count_star(), max(certificates::status_index)))
        .first(conn)
}

pub fn status_index_taken(conn: &mut DbConnection, index: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        certificates::table.filter(certificates::status_index.eq(index)),
    ))
    .get_result(conn)
}

/// Certificates without a status index (issued before there were status lists).
pub fn without_status_index(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    certificates::table
        .filter(certificates::status_index.is_null())
        .select(certificates::id)
        .load(conn)
}

pub fn set_status_index(conn: &mut DbConnection, id: &str, index: i32) -> QueryResult<()> {
    diesel::update(certificates::table.find(id))
        .set(certificates::status_index.eq(index))
        .execute(conn)
        .map(drop)
}

/// Moves a certificate's expiry (the demo's "about to lapse" certificate only:
/// nothing in the service changes an expiry).
pub fn set_expiry(conn: &mut DbConnection, number: &str, at: PrimitiveDateTime) -> QueryResult<()> {
    diesel::update(certificates::table.filter(certificates::number.eq(number)))
        .set(certificates::expires_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Every certificate issued for one premises, newest first.
pub fn of_premises(conn: &mut DbConnection, premises_id: &str) -> QueryResult<Vec<Certificate>> {
    certificates::table
        .filter(certificates::premises_id.eq(premises_id))
        .select(certificates::all_columns)
        .order((certificates::issued_at.desc(), certificates::number.desc()))
        .load(conn)
}

// Part 1 of issue 11: conditions to closure.
pub fn find_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Certificate>> {
    certificates::table
        .find(id)
        .select(certificates::all_columns)
        .first(conn)
        .optional()
}
