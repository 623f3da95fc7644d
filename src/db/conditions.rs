//! A certificate's conditions as rows, their history, their evidence files, and
//! the holds that keep a certificate suspended.

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::models::Certificate;
use super::schema::{
    certificate_conditions, certificate_holds, certificates, condition_events, condition_evidence,
};
use crate::domain::condition::ConditionState;
use crate::domain::scoring::Outcome;
use crate::domain::status::StoredStatus;

const IN_CHUNK: usize = 500;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = certificate_conditions)]
pub struct ConditionRow {
    pub id: String,
    pub certificate_id: String,
    pub item_id: String,
    pub text: String,
    pub due_at: PrimitiveDateTime,
    pub state: ConditionState,
    /// The assessing advisor's user id.
    pub raised_by: String,
    pub overdue_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = condition_events)]
pub struct ConditionEvent {
    pub id: String,
    pub condition_id: String,
    pub at: PrimitiveDateTime,
    pub actor_id: Option<String>,
    /// `issued`, `evidence_submitted`, `accepted`, `rejected`, `overdue`.
    pub action: String,
    pub note: String,
    pub evidence_id: Option<String>,
}

/// An evidence file without its bytes.
#[derive(Debug, Clone, Queryable)]
pub struct ConditionEvidenceMeta {
    pub id: String,
    pub condition_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: PrimitiveDateTime,
}

/// Inserts a condition unless the certificate has one for that item already
/// (start-up backfills may race between instances); returns whether it was added.
pub fn insert_if_absent(conn: &mut DbConnection, row: &ConditionRow) -> QueryResult<bool> {
    let n = match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(certificate_conditions::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Postgres(c) => diesel::insert_into(certificate_conditions::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(n == 1)
}

pub fn insert_event(conn: &mut DbConnection, e: &ConditionEvent) -> QueryResult<()> {
    diesel::insert_into(condition_events::table)
        .values(e)
        .execute(conn)
        .map(drop)
}

/// The conditions of many certificates, each list by due date then item.
pub fn of_certificates(
    conn: &mut DbConnection,
    certificate_ids: &[&str],
) -> QueryResult<HashMap<String, Vec<ConditionRow>>> {
    let mut out: HashMap<String, Vec<ConditionRow>> = HashMap::new();
    for chunk in certificate_ids.chunks(IN_CHUNK) {
        let rows: Vec<ConditionRow> = certificate_conditions::table
            .filter(certificate_conditions::certificate_id.eq_any(chunk))
            .order((
                certificate_conditions::due_at.asc(),
                certificate_conditions::item_id.asc(),
            ))
            .select(certificate_conditions::all_columns)
            .load(conn)?;
        for r in rows {
            out.entry(r.certificate_id.clone()).or_default().push(r);
        }
    }
    Ok(out)
}

/// The history of many conditions, oldest first.
pub fn events_of(
    conn: &mut DbConnection,
    condition_ids: &[&str],
) -> QueryResult<HashMap<String, Vec<ConditionEvent>>> {
    let mut out: HashMap<String, Vec<ConditionEvent>> = HashMap::new();
    for chunk in condition_ids.chunks(IN_CHUNK) {
        let rows: Vec<ConditionEvent> = condition_events::table
            .filter(condition_events::condition_id.eq_any(chunk))
            .order((condition_events::at.asc(), condition_events::id.asc()))
            .select(condition_events::all_columns)
            .load(conn)?;
        for r in rows {
            out.entry(r.condition_id.clone()).or_default().push(r);
        }
    }
    Ok(out)
}

pub fn find(
    conn: &mut DbConnection,
    certificate_id: &str,
    id: &str,
) -> QueryResult<Option<ConditionRow>> {
    certificate_conditions::table
        .filter(certificate_conditions::id.eq(id))
        .filter(certificate_conditions::certificate_id.eq(certificate_id))
        .select(certificate_conditions::all_columns)
        .first(conn)
        .optional()
}

/// Moves a condition from `from` to `to`; false when another request moved it first.
pub fn set_state(
    conn: &mut DbConnection,
    id: &str,
    from: ConditionState,
    to: ConditionState,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        certificate_conditions::table
            .filter(certificate_conditions::id.eq(id))
            .filter(certificate_conditions::state.eq(from)),
    )
    .set((
        certificate_conditions::state.eq(to),
        certificate_conditions::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks a condition overdue, once: of several sweeps (or instances) exactly one
/// sees `true`, the one whose conditional UPDATE changed the row.
pub fn mark_overdue(conn: &mut DbConnection, id: &str, at: PrimitiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        certificate_conditions::table
            .filter(certificate_conditions::id.eq(id))
            .filter(certificate_conditions::overdue_at.is_null())
            .filter(
                certificate_conditions::state
                    .eq_any([ConditionState::Open, ConditionState::Rejected]),
            ),
    )
    .set(certificate_conditions::overdue_at.eq(Some(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Conditions still awaiting evidence, due at or before `due_by`, not yet marked
/// overdue, on certificates that are active or suspended and not expired at `now`
/// (an event's conditions fall due when it ends, as its certificate expires: an
/// expired certificate is suspended for nothing).
pub fn overdue_candidates(
    conn: &mut DbConnection,
    due_by: PrimitiveDateTime,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<(ConditionRow, Certificate)>> {
    certificate_conditions::table
        .inner_join(certificates::table)
        .filter(certificate_conditions::overdue_at.is_null())
        .filter(
            certificate_conditions::state.eq_any([ConditionState::Open, ConditionState::Rejected]),
        )
        .filter(certificate_conditions::due_at.le(due_by))
        .filter(certificates::status.eq_any([StoredStatus::Active, StoredStatus::Suspended]))
        .filter(certificates::expires_at.gt(now))
        .select((
            certificate_conditions::all_columns,
            certificates::all_columns,
        ))
        .load(conn)
}

/// Conditions with evidence awaiting review, with their certificates (still
/// active or suspended), oldest first.
pub fn awaiting_review(conn: &mut DbConnection) -> QueryResult<Vec<(ConditionRow, Certificate)>> {
    certificate_conditions::table
        .inner_join(certificates::table)
        .filter(certificate_conditions::state.eq(ConditionState::EvidenceSubmitted))
        .filter(certificates::status.eq_any([StoredStatus::Active, StoredStatus::Suspended]))
        .order(certificate_conditions::updated_at.asc())
        .select((
            certificate_conditions::all_columns,
            certificates::all_columns,
        ))
        .load(conn)
}

/// Conditions awaiting evidence on active certificates with a due date in
/// `[from, to)`: those a reminder may be due for.
pub fn awaiting_evidence_due_between(
    conn: &mut DbConnection,
    from: PrimitiveDateTime,
    to: PrimitiveDateTime,
) -> QueryResult<Vec<(ConditionRow, Certificate)>> {
    certificate_conditions::table
        .inner_join(certificates::table)
        .filter(
            certificate_conditions::state.eq_any([ConditionState::Open, ConditionState::Rejected]),
        )
        .filter(certificate_conditions::due_at.ge(from))
        .filter(certificate_conditions::due_at.lt(to))
        .filter(certificates::status.eq(StoredStatus::Active))
        .select((
            certificate_conditions::all_columns,
            certificates::all_columns,
        ))
        .load(conn)
}

/// The state of a certificate's condition on one item, if it has one.
pub fn state_of_item(
    conn: &mut DbConnection,
    number: &str,
    item_id: &str,
) -> QueryResult<Option<ConditionState>> {
    certificate_conditions::table
        .inner_join(certificates::table)
        .filter(certificates::number.eq(number))
        .filter(certificate_conditions::item_id.eq(item_id))
        .select(certificate_conditions::state)
        .first(conn)
        .optional()
}

pub fn insert_evidence(
    conn: &mut DbConnection,
    meta: &ConditionEvidenceMeta,
    data: &[u8],
) -> QueryResult<()> {
    diesel::insert_into(condition_evidence::table)
        .values((
            condition_evidence::id.eq(&meta.id),
            condition_evidence::condition_id.eq(&meta.condition_id),
            condition_evidence::filename.eq(&meta.filename),
            condition_evidence::content_type.eq(&meta.content_type),
            condition_evidence::size_bytes.eq(meta.size_bytes),
            condition_evidence::sha256.eq(&meta.sha256),
            condition_evidence::data.eq(data),
            condition_evidence::uploaded_by.eq(&meta.uploaded_by),
            condition_evidence::created_at.eq(meta.created_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The evidence files of many conditions, without their bytes.
pub fn evidence_of(
    conn: &mut DbConnection,
    condition_ids: &[&str],
) -> QueryResult<HashMap<String, ConditionEvidenceMeta>> {
    let mut out = HashMap::new();
    for chunk in condition_ids.chunks(IN_CHUNK) {
        let rows: Vec<ConditionEvidenceMeta> = condition_evidence::table
            .filter(condition_evidence::condition_id.eq_any(chunk))
            .select((
                condition_evidence::id,
                condition_evidence::condition_id,
                condition_evidence::filename,
                condition_evidence::content_type,
                condition_evidence::size_bytes,
                condition_evidence::sha256,
                condition_evidence::uploaded_by,
                condition_evidence::created_at,
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(|r| (r.id.clone(), r)));
    }
    Ok(out)
}

/// One file: (filename, content type, bytes).
pub fn evidence_file(
    conn: &mut DbConnection,
    condition_id: &str,
    evidence_id: &str,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    condition_evidence::table
        .filter(condition_evidence::id.eq(evidence_id))
        .filter(condition_evidence::condition_id.eq(condition_id))
        .select((
            condition_evidence::filename,
            condition_evidence::content_type,
            condition_evidence::data,
        ))
        .first(conn)
        .optional()
}

/// What holds a certificate suspended (`admin`, `condition:<id>`).
pub fn holds(conn: &mut DbConnection, certificate_id: &str) -> QueryResult<Vec<String>> {
    certificate_holds::table
        .filter(certificate_holds::certificate_id.eq(certificate_id))
        .select(certificate_holds::holder)
        .load(conn)
}

/// Adds a hold unless it is there already; returns whether it was added.
pub fn add_hold(
    conn: &mut DbConnection,
    certificate_id: &str,
    holder: &str,
    reason: &str,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let values = (
        certificate_holds::certificate_id.eq(certificate_id),
        certificate_holds::holder.eq(holder),
        certificate_holds::reason.eq(reason),
        certificate_holds::created_at.eq(at),
    );
    let n = match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(certificate_holds::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Postgres(c) => diesel::insert_into(certificate_holds::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(n == 1)
}

pub fn remove_hold(
    conn: &mut DbConnection,
    certificate_id: &str,
    holder: &str,
) -> QueryResult<bool> {
    let n = diesel::delete(
        certificate_holds::table
            .filter(certificate_holds::certificate_id.eq(certificate_id))
            .filter(certificate_holds::holder.eq(holder)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// Certificates issued with conditions before conditions were rows: (id, advisor,
/// conditions JSON, issued_at).
pub fn certificates_without_rows(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(String, String, String, PrimitiveDateTime)>> {
    certificates::table
        .filter(certificates::outcome.eq(Outcome::CertifiedWithConditions))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            certificate_conditions::table
                .filter(certificate_conditions::certificate_id.eq(certificates::id)),
        )))
        .select((
            certificates::id,
            certificates::advisor_id,
            certificates::conditions,
            certificates::issued_at,
        ))
        .load(conn)
}

/// Users' names by id.
pub fn user_names(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<HashMap<String, String>> {
    use super::schema::users;
    let mut out = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<(String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::name))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
