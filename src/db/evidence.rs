//! Evidence files attached to an application (or one of its items).

use diesel::prelude::*;

use super::DbConnection;
use super::models::EvidenceMeta;
use super::schema::evidence;

pub fn insert(conn: &mut DbConnection, meta: &EvidenceMeta, data: &[u8]) -> QueryResult<()> {
    diesel::insert_into(evidence::table)
        .values((
            evidence::id.eq(&meta.id),
            evidence::application_id.eq(&meta.application_id),
            evidence::item_id.eq(&meta.item_id),
            evidence::filename.eq(&meta.filename),
            evidence::content_type.eq(&meta.content_type),
            evidence::size_bytes.eq(meta.size_bytes),
            evidence::sha256.eq(&meta.sha256),
            evidence::data.eq(data),
            evidence::uploaded_by.eq(&meta.uploaded_by),
            evidence::created_at.eq(meta.created_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The evidence of an application without the bytes, oldest first.
pub fn list(conn: &mut DbConnection, application_id: &str) -> QueryResult<Vec<EvidenceMeta>> {
    evidence::table
        .filter(evidence::application_id.eq(application_id))
        .select((
            evidence::id,
            evidence::application_id,
            evidence::item_id,
            evidence::filename,
            evidence::content_type,
            evidence::size_bytes,
            evidence::sha256,
            evidence::uploaded_by,
            evidence::created_at,
        ))
        .order(evidence::created_at.asc())
        .load(conn)
}

/// One file: (filename, content type, bytes).
pub fn file(
    conn: &mut DbConnection,
    application_id: &str,
    evidence_id: &str,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    evidence::table
        .filter(evidence::id.eq(evidence_id))
        .filter(evidence::application_id.eq(application_id))
        .select((evidence::filename, evidence::content_type, evidence::data))
        .first(conn)
        .optional()
}
