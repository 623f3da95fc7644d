//! The second sign-off's rounds (part 3): one row each time an assessment that
//! needs a second reviewer is completed, decided by approval or return. Also the
//! moves of the application that go with them.

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{applications, sign_offs, users};
use crate::domain::application::ApplicationStatus;
use crate::domain::scoring::Outcome;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = sign_offs)]
pub struct SignOff {
    pub id: String,
    pub application_id: String,
    pub assessor_id: String,
    /// The outcome the assessor's completion computed.
    pub outcome: Outcome,
    pub assessed_at: PrimitiveDateTime,
    pub reviewer_id: Option<String>,
    /// NULL while awaiting; `approved` or `returned`.
    pub decision: Option<String>,
    pub note: String,
    pub decided_at: Option<PrimitiveDateTime>,
}

/// A sign-off round with the names of the people in it.
#[derive(Debug, Clone)]
pub struct NamedSignOff {
    pub round: SignOff,
    pub assessor_name: String,
    /// The reviewer's name and role, once decided.
    pub reviewer: Option<(String, crate::domain::actor::Role)>,
}

pub fn insert(conn: &mut DbConnection, round: &SignOff) -> QueryResult<()> {
    diesel::insert_into(sign_offs::table)
        .values(round)
        .execute(conn)
        .map(drop)
}

/// Records the reviewer's decision on the pending round; returns whether there was one.
pub fn decide(
    conn: &mut DbConnection,
    application_id: &str,
    reviewer_id: &str,
    decision: &str,
    note: &str,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        sign_offs::table
            .filter(sign_offs::application_id.eq(application_id))
            .filter(sign_offs::decision.is_null()),
    )
    .set((
        sign_offs::reviewer_id.eq(Some(reviewer_id)),
        sign_offs::decision.eq(Some(decision)),
        sign_offs::note.eq(note),
        sign_offs::decided_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The latest round of each of `application_ids` (one query), with names.
pub fn latest_of(
    conn: &mut DbConnection,
    application_ids: &[&str],
) -> QueryResult<HashMap<String, NamedSignOff>> {
    if application_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (assessors, reviewers) = diesel::alias!(users as assessors, users as reviewers);
    let rows: Vec<(
        SignOff,
        String,
        Option<String>,
        Option<crate::domain::actor::Role>,
    )> = sign_offs::table
        .inner_join(assessors.on(assessors.field(users::id).eq(sign_offs::assessor_id)))
        .left_join(reviewers.on(sign_offs::reviewer_id.eq(reviewers.field(users::id).nullable())))
        .filter(sign_offs::application_id.eq_any(application_ids.to_vec()))
        .order((sign_offs::assessed_at.asc(), sign_offs::id.asc()))
        .select((
            sign_offs::all_columns,
            assessors.field(users::name),
            reviewers.field(users::name).nullable(),
            reviewers.field(users::role).nullable(),
        ))
        .load(conn)?;
    let mut latest = HashMap::new();
    for (round, assessor_name, reviewer_name, reviewer_role) in rows {
        // Ascending order: a later round replaces an earlier one.
        latest.insert(
            round.application_id.clone(),
            NamedSignOff {
                round,
                assessor_name,
                reviewer: reviewer_name.zip(reviewer_role),
            },
        );
    }
    Ok(latest)
}

/// Leaves an application still in review awaiting sign-off with the computed
/// outcome and result; returns whether it was in review.
pub fn await_sign_off(
    conn: &mut DbConnection,
    id: &str,
    outcome: Outcome,
    result_json: &str,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::status.eq(ApplicationStatus::InReview)),
    )
    .set((
        applications::status.eq(ApplicationStatus::AwaitingSignOff),
        applications::outcome.eq(Some(outcome)),
        applications::result.eq(Some(result_json)),
        applications::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Completes an application awaiting sign-off with the outcome recomputed at
/// sign-off; returns whether it was awaiting.
pub fn approve(
    conn: &mut DbConnection,
    id: &str,
    outcome: Outcome,
    result_json: &str,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::status.eq(ApplicationStatus::AwaitingSignOff)),
    )
    .set((
        applications::status.eq(ApplicationStatus::Completed),
        applications::outcome.eq(Some(outcome)),
        applications::result.eq(Some(result_json)),
        applications::completed_at.eq(Some(at)),
        applications::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Sends an application awaiting sign-off back to its assessor: in review again,
/// no outcome until it is completed anew. Returns whether it was awaiting.
pub fn send_back(conn: &mut DbConnection, id: &str, at: PrimitiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::status.eq(ApplicationStatus::AwaitingSignOff)),
    )
    .set((
        applications::status.eq(ApplicationStatus::InReview),
        applications::outcome.eq(None::<Outcome>),
        applications::result.eq(None::<String>),
        applications::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}
