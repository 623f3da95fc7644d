//! Part 4 (advisor oversight): certificates flagged for review, and the facts
//! that decide which certificates to flag.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::models::{Certificate, CertificateReview};
use super::schema::{certificate_reviews, certificates};
use super::{DbConnection, Page};
use crate::domain::oversight::{Resolution, ReviewCause};
use crate::domain::status::StoredStatus;

/// A certificate that may be flagged: (id, advisor id, stored status, expiry).
pub type FlagCandidate = (String, String, StoredStatus, PrimitiveDateTime);

/// The advisor's certificates stored as active (expiry is left to the domain).
pub fn active_of_advisor(
    conn: &mut DbConnection,
    advisor_id: &str,
) -> QueryResult<Vec<FlagCandidate>> {
    certificates::table
        .filter(certificates::advisor_id.eq(advisor_id))
        .filter(certificates::status.eq_any([StoredStatus::Active, StoredStatus::Suspended]))
        .select((
            certificates::id,
            certificates::advisor_id,
            certificates::status,
            certificates::expires_at,
        ))
        .order(certificates::issued_at.asc())
        .load(conn)
}

/// Every review of the certificates in `ids`, oldest first.
pub fn of_certificates(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<Vec<CertificateReview>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            certificate_reviews::table
                .filter(certificate_reviews::certificate_id.eq_any(chunk))
                .select(certificate_reviews::all_columns)
                .order((
                    certificate_reviews::flagged_at.asc(),
                    certificate_reviews::id.asc(),
                ))
                .load::<CertificateReview>(conn)?,
        );
    }
    Ok(out)
}

/// Per certificate: its open review, or else its newest resolved one.
pub fn current_for(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<HashMap<String, CertificateReview>> {
    let mut out: HashMap<String, CertificateReview> = HashMap::new();
    for r in of_certificates(conn, ids)? {
        let replace = match out.get(&r.certificate_id) {
            Some(kept) => kept.resolution.is_some() || r.resolution.is_none(),
            None => true,
        };
        if replace {
            out.insert(r.certificate_id.clone(), r);
        }
    }
    Ok(out)
}

/// What the reviews of some certificates say about flagging them again.
#[derive(Debug, Default)]
pub struct FlagFacts {
    /// By certificate id: its open review's id and cause.
    pub open: HashMap<String, (String, ReviewCause)>,
    /// Certificates for which a reassessment was ordered.
    pub reassessed: HashSet<String>,
}

/// The open review's cause and whether a reassessment was ever ordered, per
/// certificate in `ids`.
pub fn flag_facts(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<FlagFacts> {
    let mut open = HashMap::new();
    let mut reassessed = HashSet::new();
    for r in of_certificates(conn, ids)? {
        match r.resolution {
            None => {
                open.insert(r.certificate_id.clone(), (r.id.clone(), r.cause));
            }
            Some(Resolution::ReassessmentOrdered) => {
                reassessed.insert(r.certificate_id.clone());
            }
            Some(Resolution::Confirmed) => {}
        }
    }
    Ok(FlagFacts { open, reassessed })
}

pub fn insert(conn: &mut DbConnection, review: &CertificateReview) -> QueryResult<()> {
    diesel::insert_into(certificate_reviews::table)
        .values(review)
        .execute(conn)
        .map(drop)
}

/// An open review now says withdrawn; returns whether it was still open.
pub fn escalate(
    conn: &mut DbConnection,
    id: &str,
    cause: ReviewCause,
    reason: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        certificate_reviews::table
            .filter(certificate_reviews::id.eq(id))
            .filter(certificate_reviews::resolution.is_null()),
    )
    .set((
        certificate_reviews::cause.eq(cause),
        certificate_reviews::reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Closes a review only if it is still open; returns whether it was.
pub fn resolve(
    conn: &mut DbConnection,
    id: &str,
    resolution: Resolution,
    by: &str,
    at: PrimitiveDateTime,
    note: &str,
    reassess_by: Option<Date>,
) -> QueryResult<bool> {
    let n = diesel::update(
        certificate_reviews::table
            .filter(certificate_reviews::id.eq(id))
            .filter(certificate_reviews::resolution.is_null()),
    )
    .set((
        certificate_reviews::resolution.eq(Some(resolution)),
        certificate_reviews::resolved_by.eq(Some(by)),
        certificate_reviews::resolved_at.eq(Some(at)),
        certificate_reviews::note.eq(Some(note)),
        certificate_reviews::reassess_by.eq(reassess_by),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<(CertificateReview, Certificate)>> {
    certificate_reviews::table
        .inner_join(certificates::table)
        .filter(certificate_reviews::id.eq(id))
        .select((certificate_reviews::all_columns, certificates::all_columns))
        .first(conn)
        .optional()
}

/// Open reviews oldest first (the longest waiting at the top), or resolved ones
/// newest first.
pub fn list(
    conn: &mut DbConnection,
    resolved: bool,
    page: Page,
) -> QueryResult<Vec<(CertificateReview, Certificate)>> {
    let q = certificate_reviews::table
        .inner_join(certificates::table)
        .select((certificate_reviews::all_columns, certificates::all_columns))
        .into_boxed();
    let q = if resolved {
        q.filter(certificate_reviews::resolution.is_not_null())
            .order((
                certificate_reviews::resolved_at.desc(),
                certificate_reviews::id.asc(),
            ))
    } else {
        q.filter(certificate_reviews::resolution.is_null()).order((
            certificate_reviews::flagged_at.asc(),
            certificate_reviews::id.asc(),
        ))
    };
    q.limit(page.limit).offset(page.offset).load(conn)
}

pub fn count_open(conn: &mut DbConnection) -> QueryResult<i64> {
    certificate_reviews::table
        .filter(certificate_reviews::resolution.is_null())
        .count()
        .get_result(conn)
}
