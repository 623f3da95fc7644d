//! Shared counters and the audit chain. Both are rows in `sequences`: the UPDATE that
//! advances one locks its row until the transaction ends, so concurrent writers on any
//! instance take turns and neither serials nor chain links can fork.

use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::models::AuditEntry;
use super::schema::{audit_log, sequences};
use crate::domain::actor::Caller;
use crate::domain::audit::{
    AuditKey, AuditRecord, ChainError, Head, chain_hash, check_head, format_time, verify_chain,
    verify_sha256_chain,
};

/// What changed, for the audit log.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, entity_type: &'a str, entity_id: &'a str) -> Self {
        Change {
            action,
            entity_type,
            entity_id,
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

/// Appends one entry to the audit chain, inside the caller's transaction. Its link
/// is keyed with the audit key of the `Db` running this work (`Db::run`,
/// `Db::blocking`); without one, nothing is written.
pub fn audit(
    conn: &mut DbConnection,
    actor: Option<&Caller>,
    change: Change<'_>,
) -> QueryResult<i64> {
    audit_all(conn, actor, vec![change])
}

/// Appends entries to the audit chain in this order, as [`audit`] does one each,
/// with one advance of the chain (three statements however many there are: issue
/// 12, a backlog of reminders recorded a batch at a time). Gives the last entry's
/// sequence number (0, writing nothing, when there are none).
pub fn audit_all(
    conn: &mut DbConnection,
    actor: Option<&Caller>,
    changes: Vec<Change<'_>>,
) -> QueryResult<i64> {
    if changes.is_empty() {
        return Ok(0);
    }
    let key = super::audit_key_in_scope().ok_or_else(|| {
        diesel::result::Error::QueryBuilderError(
            "no audit key in scope: audit entries are written through Db::run or Db::blocking"
                .into(),
        )
    })?;
    let count = i64::try_from(changes.len()).unwrap_or(i64::MAX);
    let (last, mut prev_hash) = diesel::update(sequences::table.find("audit"))
        .set(sequences::value.eq(sequences::value + count))
        .returning((sequences::value, sequences::last_hash))
        .get_result::<(i64, String)>(conn)?;
    let at = super::now();
    let mut rows = Vec::with_capacity(changes.len());
    for (seq, change) in (last - count + 1..).zip(changes) {
        let record = AuditRecord {
            seq,
            at: format_time(at),
            actor_id: actor.map(|a| a.user_id.clone()),
            actor_role: actor.map(|a| a.role.as_str().to_string()),
            action: change.action.to_string(),
            entity_type: change.entity_type.to_string(),
            entity_id: change.entity_id.to_string(),
            before: change.before.map(|v| v.to_string()),
            after: change.after.map(|v| v.to_string()),
        };
        let hash = chain_hash(&key, &prev_hash, &record);
        rows.push((
            audit_log::seq.eq(seq),
            audit_log::at.eq(at),
            audit_log::actor_id.eq(record.actor_id),
            audit_log::actor_role.eq(record.actor_role),
            audit_log::action.eq(record.action),
            audit_log::entity_type.eq(record.entity_type),
            audit_log::entity_id.eq(record.entity_id),
            audit_log::before.eq(record.before),
            audit_log::after.eq(record.after),
            audit_log::prev_hash.eq(std::mem::replace(&mut prev_hash, hash.clone())),
            audit_log::hash.eq(hash),
        ));
    }
    // One multi-row INSERT; diesel builds those per backend, not for the enum.
    let insert = diesel::insert_into(audit_log::table).values(rows);
    match conn {
        DbConnection::Sqlite(c) => insert.execute(c)?,
        DbConnection::Postgres(c) => insert.execute(c)?,
    };
    diesel::update(sequences::table.find("audit"))
        .set(sequences::last_hash.eq(&prev_hash))
        .execute(conn)?;
    Ok(last)
}

type Link = (AuditRecord, String, String);

fn link_of(e: AuditEntry) -> Link {
    (
        AuditRecord {
            seq: e.seq,
            at: format_time(e.at),
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
        },
        e.prev_hash,
        e.hash,
    )
}

/// The whole chain in sequence order, read in batches.
fn load_chain(conn: &mut DbConnection) -> QueryResult<Vec<Link>> {
    let mut after = 0i64;
    let mut entries = Vec::new();
    loop {
        let batch: Vec<AuditEntry> = audit_log::table
            .filter(audit_log::seq.gt(after))
            .order(audit_log::seq.asc())
            .limit(5000)
            .select(audit_log::all_columns)
            .load(conn)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        entries.extend(batch.into_iter().map(link_of));
    }
    Ok(entries)
}

/// Checks the whole audit chain with `key`; Ok(count) or the first broken entry.
/// With `head` (exported earlier by [`audit_head`]), also that the log only grew
/// from it: its entry is still there with the same link.
pub fn verify_audit(
    conn: &mut DbConnection,
    key: &AuditKey,
    head: Option<&Head>,
) -> anyhow::Result<Result<u64, ChainError>> {
    let entries = load_chain(conn)?;
    let stored_at_head = head.map(|h| {
        entries
            .iter()
            .find(|(r, _, _)| r.seq == h.seq)
            .map(|(_, _, hash)| hash.clone())
    });
    let result = verify_chain(key, entries);
    let Ok(count) = result else {
        return Ok(result);
    };
    // The chain head must match the last entry, or entries were cut off the end.
    let (value, last_hash): (i64, String) = sequences::table
        .find("audit")
        .select((sequences::value, sequences::last_hash))
        .first(conn)?;
    if value != count as i64 {
        return Ok(Err(ChainError::Gap {
            seq: count as i64 + 1,
            expected: count as i64 + 1,
        }));
    }
    let stored_last: Option<String> = audit_log::table
        .order(audit_log::seq.desc())
        .select(audit_log::hash)
        .first(conn)
        .optional()?;
    if stored_last.unwrap_or_default() != last_hash {
        return Ok(Err(ChainError::BrokenLink { seq: value }));
    }
    if let (Some(head), Some(stored)) = (head, stored_at_head)
        && let Err(e) = check_head(head, stored.as_deref())
    {
        return Ok(Err(e));
    }
    Ok(Ok(count))
}

/// The newest entry's sequence number and link; None while the log is empty.
pub fn audit_head(conn: &mut DbConnection) -> QueryResult<Option<Head>> {
    audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first::<(i64, String)>(conn)
        .optional()
        .map(|h| h.map(|(seq, hash)| Head { seq, hash }))
}

/// Whether the newest entry's link was made with `key`; None while the log is empty.
/// (Not a check of the chain: a start-up test that this instance holds the key the
/// log was written with.)
pub fn newest_link_is_keyed_with(
    conn: &mut DbConnection,
    key: &AuditKey,
) -> QueryResult<Option<bool>> {
    let newest: Option<AuditEntry> = audit_log::table
        .order(audit_log::seq.desc())
        .select(audit_log::all_columns)
        .first(conn)
        .optional()?;
    Ok(newest.map(|e| {
        let (record, prev, hash) = link_of(e);
        chain_hash(key, &prev, &record) == hash
    }))
}

/// Re-links a register written before links were keyed: checks its plain SHA-256
/// chain first (a broken one is refused, never re-keyed over), then rewrites every
/// link with `key`, in one transaction. Returns how many entries were re-keyed.
pub fn rekey_sha256_chain(conn: &mut DbConnection, key: &AuditKey) -> anyhow::Result<u64> {
    super::write_tx(conn, |tx| {
        let entries = load_chain(tx)?;
        let count = verify_sha256_chain(entries.clone()).map_err(|e| {
            anyhow::anyhow!(
                "there is no audit key, and the audit log does not verify as one from before keyed links ({e}), so it is not re-keyed: restore the audit key it was written with, or the database from a backup"
            )
        })?;
        let mut prev = String::new();
        for (record, _, _) in entries {
            let hash = chain_hash(key, &prev, &record);
            diesel::update(audit_log::table.find(record.seq))
                .set((audit_log::prev_hash.eq(&prev), audit_log::hash.eq(&hash)))
                .execute(tx)?;
            prev = hash;
        }
        diesel::update(sequences::table.find("audit"))
            .set(sequences::last_hash.eq(&prev))
            .execute(tx)?;
        Ok::<_, anyhow::Error>(count)
    })
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    /// Entries after this sequence number (oldest first), or before it (newest first).
    pub after_seq: Option<i64>,
    pub before_seq: Option<i64>,
    pub newest_first: bool,
}

/// Entries of the audit log matching `f`.
pub fn list_audit(
    conn: &mut DbConnection,
    f: &AuditFilter,
    limit: i64,
) -> QueryResult<Vec<super::models::AuditEntry>> {
    let mut query = audit_log::table.select(audit_log::all_columns).into_boxed();
    if let Some(t) = &f.entity_type {
        query = query.filter(audit_log::entity_type.eq(t.clone()));
    }
    if let Some(id) = &f.entity_id {
        query = query.filter(audit_log::entity_id.eq(id.clone()));
    }
    if let Some(actor) = &f.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor.clone()));
    }
    if let Some(action) = &f.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(after) = f.after_seq {
        query = query.filter(audit_log::seq.gt(after));
    }
    if let Some(before) = f.before_seq {
        query = query.filter(audit_log::seq.lt(before));
    }
    query = if f.newest_first {
        query.order(audit_log::seq.desc())
    } else {
        query.order(audit_log::seq.asc())
    };
    query.limit(limit).load(conn)
}
