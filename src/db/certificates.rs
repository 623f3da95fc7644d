//! Certificates (the register) and their stored PDFs.

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::Certificate;
use super::schema::{
    certificate_documents, certificate_terms, certificate_terms_pending, certificates,
};
use super::{DbConnection, now};
use crate::domain::scope::OrgScope;
use crate::domain::search_keys::{self, Cursor};
use crate::domain::status::{Expiry, StoredStatus};

/// A register search, already checked and normalised (issue 12 part C: every
/// filter is served by an index, newest first).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Search {
    /// The start of a postcode key (upper case, no spaces).
    pub postcode: Option<String>,
    /// A district (outward code), exactly.
    pub district: Option<String>,
    /// The premises name or the certificate number.
    pub text: Option<NameOrNumber>,
    /// The stored status, and for `active` whether the expiry has passed.
    pub status: Option<(StoredStatus, Option<Expiry>)>,
}

/// What the `q` of a search asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameOrNumber {
    /// A whole certificate number, as the register writes it.
    Number(String),
    /// Words that must each begin a word of the premises name (none: nothing
    /// matches).
    Words(Vec<String>),
}

/// Writes a certificate with its search keys (from its postcode) and the terms
/// of its premises name, in the caller's transaction.
pub fn insert(conn: &mut DbConnection, cert: &Certificate) -> QueryResult<()> {
    let mut row = cert.clone();
    row.postcode_key = search_keys::postcode_key(&cert.postcode);
    row.district = search_keys::district(&cert.postcode);
    diesel::insert_into(certificates::table)
        .values(&row)
        .execute(conn)?;
    insert_terms(conn, &cert.number, cert.issued_at, &cert.premises_name)
}

/// The terms of one certificate's premises name (`domain::search_keys`).
pub fn insert_terms(
    conn: &mut DbConnection,
    number: &str,
    issued_at: PrimitiveDateTime,
    premises_name: &str,
) -> QueryResult<()> {
    for term in search_keys::name_terms(premises_name) {
        diesel::insert_into(certificate_terms::table)
            .values((
                certificate_terms::term.eq(term),
                certificate_terms::issued_at.eq(issued_at),
                certificate_terms::number.eq(number),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Up to `limit` certificates still waiting for their terms: (id, number, issued
/// at, premises name).
pub fn pending_terms(
    conn: &mut DbConnection,
    limit: i64,
) -> QueryResult<Vec<(String, String, PrimitiveDateTime, String)>> {
    certificate_terms_pending::table
        .inner_join(
            certificates::table.on(certificates::id.eq(certificate_terms_pending::certificate_id)),
        )
        .select((
            certificates::id,
            certificates::number,
            certificates::issued_at,
            certificates::premises_name,
        ))
        .limit(limit)
        .load(conn)
}

/// Takes a certificate off the waiting list; false when another instance did.
pub fn take_pending_terms(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    let n = diesel::delete(certificate_terms_pending::table.find(id)).execute(conn)?;
    Ok(n == 1)
}

/// Drops waiting entries whose certificate is gone (none in the service; a
/// database edited by hand).
pub fn drop_orphan_pending_terms(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(
        certificate_terms_pending::table.filter(diesel::dsl::not(diesel::dsl::exists(
            certificates::table
                .filter(certificates::id.eq(certificate_terms_pending::certificate_id)),
        ))),
    )
    .execute(conn)
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

/// How far the rarity of a word is counted: past this, a word is common.
const SELECTIVITY_CAP: i64 = 2_000;

/// How many terms fall in `[word, end)`, counted up to `cap`.
fn term_matches_up_to(
    conn: &mut DbConnection,
    word: &str,
    end: &str,
    cap: i64,
) -> QueryResult<usize> {
    certificate_terms::table
        .select(certificate_terms::issued_at)
        .filter(certificate_terms::term.ge(word))
        .filter(certificate_terms::term.lt(end))
        .limit(cap)
        .load::<PrimitiveDateTime>(conn)
        .map(|rows| rows.len())
}

/// The certificates in `scope` matching `search`, newest first (issue time, then
/// number, both descending), after `after` when given; at most `limit`.
pub fn search(
    conn: &mut DbConnection,
    scope: &OrgScope,
    search: &Search,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<Certificate>> {
    let mut q = certificates::table
        .select(certificates::all_columns)
        .into_boxed();
    if let OrgScope::Organisation(org) = scope {
        q = q.filter(certificates::organisation_id.eq(org.clone()));
    }
    if let Some(prefix) = &search.postcode {
        q = q.filter(certificates::postcode_key.ge(prefix.clone()));
        if let Some(end) = search_keys::prefix_end(prefix) {
            q = q.filter(certificates::postcode_key.lt(end));
        }
    }
    if let Some(district) = &search.district {
        q = q.filter(certificates::district.eq(district.clone()));
    }
    match &search.text {
        Some(NameOrNumber::Number(number)) => {
            q = q.filter(certificates::number.eq(number.clone()));
        }
        // No word at all (only punctuation): nothing is named that.
        Some(NameOrNumber::Words(words)) if words.is_empty() => return Ok(Vec::new()),
        Some(NameOrNumber::Words(words)) => {
            // Words are letters and digits, so each has an end.
            let mut ranges = Vec::with_capacity(words.len());
            for word in words {
                let Some(end) = search_keys::prefix_end(word) else {
                    return Ok(Vec::new());
                };
                ranges.push((word.clone(), end));
            }
            // The rarest word drives (its certificates are read through the
            // index); the others are checked per certificate on `(number, term)`.
            // Reading every word's list and intersecting costs the sum of the
            // common words' lists.
            if ranges.len() > 1 {
                let mut counted = Vec::with_capacity(ranges.len());
                for (word, end) in ranges {
                    let n = term_matches_up_to(conn, &word, &end, SELECTIVITY_CAP)?;
                    counted.push((n, word, end));
                }
                counted.sort_by_key(|(n, _, _)| *n);
                ranges = counted.into_iter().map(|(_, w, e)| (w, e)).collect();
            }
            let mut ranges = ranges.into_iter();
            if let Some((word, end)) = ranges.next() {
                let driver = certificate_terms::table
                    .select(certificate_terms::number)
                    .filter(certificate_terms::term.ge(word))
                    .filter(certificate_terms::term.lt(end));
                q = q.filter(certificates::number.eq_any(driver));
            }
            for (word, end) in ranges {
                q = q.filter(diesel::dsl::exists(
                    certificate_terms::table
                        .filter(certificate_terms::number.eq(certificates::number))
                        .filter(certificate_terms::term.ge(word))
                        .filter(certificate_terms::term.lt(end)),
                ));
            }
        }
        None => {}
    }
    if let Some((stored, expiry)) = search.status {
        q = q.filter(certificates::status.eq(stored));
        match expiry {
            Some(Expiry::NotYet) => q = q.filter(certificates::expires_at.gt(now())),
            Some(Expiry::Passed) => q = q.filter(certificates::expires_at.le(now())),
            None => {}
        }
    }
    if let Some(after) = after {
        // `<=` on the issue time bounds the index range; the rest breaks ties.
        q = q
            .filter(certificates::issued_at.le(after.issued_at))
            .filter(
                certificates::issued_at
                    .lt(after.issued_at)
                    .or(certificates::number.lt(after.number.clone())),
            );
    }
    q.order((certificates::issued_at.desc(), certificates::number.desc()))
        .limit(limit)
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
    super::public::mark_changed();
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
    super::public::mark_changed();
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
    super::public::mark_changed();
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

// Issue 13 part 9 (validity): what a certificate lapses on, and a lapse recorded.
pub fn insert_lapse_terms(conn: &mut DbConnection, id: &str, lapses_on: &str) -> QueryResult<()> {
    use super::schema::certificate_lapses as l;
    diesel::insert_into(l::table)
        .values((l::certificate_id.eq(id), l::lapses_on.eq(lapses_on)))
        .execute(conn)
        .map(drop)
}

/// (lapses_on, lapse_recorded) by certificate id; certificates issued before
/// this was recorded have none.
pub fn lapses_of(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<HashMap<String, (String, Option<String>)>> {
    use super::schema::certificate_lapses as l;
    Ok(l::table
        .filter(l::certificate_id.eq_any(ids))
        .select((l::certificate_id, l::lapses_on, l::lapse_recorded))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, on, rec)| (id, (on, rec)))
        .collect())
}

pub fn record_lapse(conn: &mut DbConnection, id: &str, record: &str) -> QueryResult<()> {
    use super::schema::certificate_lapses as l;
    diesel::update(l::table.find(id))
        .set(l::lapse_recorded.eq(Some(record)))
        .execute(conn)
        .map(drop)
}
