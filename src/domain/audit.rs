//! The audit log's hash chain: each entry's hash covers the previous entry's hash and
//! every field of the entry, so changing, inserting or deleting a stored entry breaks
//! every link after it.

use sha2::{Digest, Sha256};

/// One audit entry as it is hashed. `at` is formatted by [`format_time`].
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The hash of `record` chained onto `prev_hash` (lowercase hex SHA-256).
pub fn chain_hash(prev_hash: &str, record: &AuditRecord) -> String {
    let mut h = Sha256::new();
    // Length-prefixing every field keeps ("ab","c") and ("a","bc") apart.
    let mut field = |value: Option<&str>| match value {
        None => h.update(b"-"),
        Some(v) => {
            h.update((v.len() as u64).to_be_bytes());
            h.update(v.as_bytes());
        }
    };
    field(Some(prev_hash));
    field(Some(&record.seq.to_string()));
    field(Some(&record.at));
    field(record.actor_id.as_deref());
    field(record.actor_role.as_deref());
    field(Some(&record.action));
    field(Some(&record.entity_type));
    field(Some(&record.entity_id));
    field(record.before.as_deref());
    field(record.after.as_deref());
    hex::encode(h.finalize())
}

/// Canonical text of an audit time: UTC, microseconds, the precision both databases keep.
pub fn format_time(t: time::PrimitiveDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.format(&fmt).unwrap_or_else(|_| t.to_string())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("audit entry {seq}: sequence gap (expected {expected})")]
    Gap { seq: i64, expected: i64 },
    #[error("audit entry {seq}: previous-hash link does not match entry {}", seq - 1)]
    BrokenLink { seq: i64 },
    #[error("audit entry {seq}: content does not match its hash (altered)")]
    Altered { seq: i64 },
}

/// Checks a chain given in sequence order, starting at seq 1; stored hashes come
/// alongside each record as (record, prev_hash, hash).
pub fn verify_chain<I>(entries: I) -> Result<u64, ChainError>
where
    I: IntoIterator<Item = (AuditRecord, String, String)>,
{
    let mut expected_prev = String::new();
    let mut count = 0;
    for (expected_seq, (record, prev_hash, hash)) in (1..).zip(entries) {
        if record.seq != expected_seq {
            return Err(ChainError::Gap {
                seq: record.seq,
                expected: expected_seq,
            });
        }
        if prev_hash != expected_prev {
            return Err(ChainError::BrokenLink { seq: record.seq });
        }
        if chain_hash(&prev_hash, &record) != hash {
            return Err(ChainError::Altered { seq: record.seq });
        }
        expected_prev = hash;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: i64, action: &str) -> AuditRecord {
        AuditRecord {
            seq,
            at: "2026-11-23T10:00:00.000000Z".into(),
            actor_id: Some("u1".into()),
            actor_role: Some("admin".into()),
            action: action.into(),
            entity_type: "certificate".into(),
            entity_id: "c1".into(),
            before: None,
            after: Some("{\"status\":\"active\"}".into()),
        }
    }

    fn chain(n: i64) -> Vec<(AuditRecord, String, String)> {
        let mut prev = String::new();
        (1..=n)
            .map(|seq| {
                let r = record(seq, &format!("action{seq}"));
                let hash = chain_hash(&prev, &r);
                let entry = (r, prev.clone(), hash.clone());
                prev = hash;
                entry
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify_chain(chain(5)), Ok(5));
        assert_eq!(verify_chain(Vec::new()), Ok(0));
    }

    #[test]
    fn altered_entry_is_named() {
        let mut c = chain(5);
        c[2].0.after = Some("{\"status\":\"revoked\"}".into());
        assert_eq!(verify_chain(c), Err(ChainError::Altered { seq: 3 }));
    }

    #[test]
    fn rehashed_entry_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].0.action = "forged".into();
        c[2].2 = chain_hash(&c[2].1, &c[2].0);
        assert_eq!(verify_chain(c), Err(ChainError::BrokenLink { seq: 4 }));
    }

    #[test]
    fn deleted_entry_is_a_gap() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify_chain(c),
            Err(ChainError::Gap {
                seq: 3,
                expected: 2
            })
        );
    }

    #[test]
    fn field_boundaries_matter() {
        let mut a = record(1, "ab");
        a.entity_type = "c".into();
        let mut b = record(1, "a");
        b.entity_type = "bc".into();
        assert_ne!(chain_hash("", &a), chain_hash("", &b));
        let mut none = record(1, "x");
        none.before = None;
        let mut empty = record(1, "x");
        empty.before = Some(String::new());
        assert_ne!(chain_hash("", &none), chain_hash("", &empty));
    }
}
