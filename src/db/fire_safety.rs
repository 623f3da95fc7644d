//! Fire safety records of premises and their evidence files.

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::models::{FireSafetyEvidenceMeta, FireSafetyRecord};
use super::schema::{fire_safety_evidence, fire_safety_records};

/// Marks the current record of the premises superseded at `at` (if there is one).
pub fn supersede_current(
    conn: &mut DbConnection,
    premises_id: &str,
    at: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        fire_safety_records::table
            .filter(fire_safety_records::premises_id.eq(premises_id))
            .filter(fire_safety_records::superseded_at.is_null()),
    )
    .set(fire_safety_records::superseded_at.eq(Some(at)))
    .execute(conn)
}

pub fn insert(conn: &mut DbConnection, row: &FireSafetyRecord) -> QueryResult<()> {
    diesel::insert_into(fire_safety_records::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The record on file now for the premises.
pub fn current(
    conn: &mut DbConnection,
    premises_id: &str,
) -> QueryResult<Option<FireSafetyRecord>> {
    fire_safety_records::table
        .filter(fire_safety_records::premises_id.eq(premises_id))
        .filter(fire_safety_records::superseded_at.is_null())
        .select(fire_safety_records::all_columns)
        .first(conn)
        .optional()
}

/// The records on file now for many premises, by premises id.
pub fn current_of_many(
    conn: &mut DbConnection,
    premises_ids: &[&str],
) -> QueryResult<HashMap<String, FireSafetyRecord>> {
    let mut out = HashMap::new();
    for chunk in premises_ids.chunks(500) {
        let rows: Vec<FireSafetyRecord> = fire_safety_records::table
            .filter(fire_safety_records::premises_id.eq_any(chunk))
            .filter(fire_safety_records::superseded_at.is_null())
            .select(fire_safety_records::all_columns)
            .load(conn)?;
        out.extend(rows.into_iter().map(|r| (r.premises_id.clone(), r)));
    }
    Ok(out)
}

/// Every record of the premises, newest first (the current one, then history).
pub fn history(conn: &mut DbConnection, premises_id: &str) -> QueryResult<Vec<FireSafetyRecord>> {
    fire_safety_records::table
        .filter(fire_safety_records::premises_id.eq(premises_id))
        .select(fire_safety_records::all_columns)
        .order((
            fire_safety_records::recorded_at.desc(),
            fire_safety_records::id.desc(),
        ))
        .load(conn)
}

pub fn insert_evidence(
    conn: &mut DbConnection,
    meta: &FireSafetyEvidenceMeta,
    data: &[u8],
) -> QueryResult<()> {
    diesel::insert_into(fire_safety_evidence::table)
        .values((
            fire_safety_evidence::id.eq(&meta.id),
            fire_safety_evidence::record_id.eq(&meta.record_id),
            fire_safety_evidence::premises_id.eq(&meta.premises_id),
            fire_safety_evidence::filename.eq(&meta.filename),
            fire_safety_evidence::content_type.eq(&meta.content_type),
            fire_safety_evidence::size_bytes.eq(meta.size_bytes),
            fire_safety_evidence::sha256.eq(&meta.sha256),
            fire_safety_evidence::data.eq(data),
            fire_safety_evidence::uploaded_by.eq(&meta.uploaded_by),
            fire_safety_evidence::created_at.eq(meta.created_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The evidence of the premises' records without the bytes, oldest first.
pub fn evidence_of_premises(
    conn: &mut DbConnection,
    premises_id: &str,
) -> QueryResult<Vec<FireSafetyEvidenceMeta>> {
    fire_safety_evidence::table
        .filter(fire_safety_evidence::premises_id.eq(premises_id))
        .select((
            fire_safety_evidence::id,
            fire_safety_evidence::record_id,
            fire_safety_evidence::premises_id,
            fire_safety_evidence::filename,
            fire_safety_evidence::content_type,
            fire_safety_evidence::size_bytes,
            fire_safety_evidence::sha256,
            fire_safety_evidence::uploaded_by,
            fire_safety_evidence::created_at,
        ))
        .order((
            fire_safety_evidence::created_at.asc(),
            fire_safety_evidence::id.asc(),
        ))
        .load(conn)
}

/// How many evidence files each record has, for many records.
pub fn evidence_counts(
    conn: &mut DbConnection,
    record_ids: &[&str],
) -> QueryResult<HashMap<String, i64>> {
    let mut out: HashMap<String, i64> = HashMap::new();
    for chunk in record_ids.chunks(500) {
        let rows: Vec<String> = fire_safety_evidence::table
            .filter(fire_safety_evidence::record_id.eq_any(chunk))
            .select(fire_safety_evidence::record_id)
            .load(conn)?;
        for r in rows {
            *out.entry(r).or_default() += 1;
        }
    }
    Ok(out)
}

/// One file: (filename, content type, bytes).
pub fn evidence_file(
    conn: &mut DbConnection,
    premises_id: &str,
    evidence_id: &str,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    fire_safety_evidence::table
        .filter(fire_safety_evidence::id.eq(evidence_id))
        .filter(fire_safety_evidence::premises_id.eq(premises_id))
        .select((
            fire_safety_evidence::filename,
            fire_safety_evidence::content_type,
            fire_safety_evidence::data,
        ))
        .first(conn)
        .optional()
}
