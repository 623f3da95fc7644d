//! The audit log's hash chain: each entry's link is an HMAC-SHA256, under a key kept
//! outside the database, of the previous entry's link and every field of the entry.
//! Changing, inserting or deleting a stored entry breaks every link after it, and
//! someone who can write to the database but does not hold the key cannot compute
//! new links over an edit. A [`Head`] exported earlier (`audit head`) proves later
//! that the log only grew: its entry still has the same link and the chain verifies.
//!
//! Registers written before links were keyed used plain SHA-256 over the same
//! fields ([`sha256_link`]); they are checked that way once and re-keyed.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The secret the links are keyed with. Never printed.
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl AuditKey {
    /// At least 32 bytes.
    pub fn new(bytes: Vec<u8>) -> Result<AuditKey, &'static str> {
        if bytes.len() < 32 {
            return Err("the audit key must be at least 32 bytes");
        }
        Ok(AuditKey(bytes))
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

/// The newest entry of the log at some moment, as `audit head` exports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

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

/// Feeds every field, length-prefixed, to `update`: ("ab","c") and ("a","bc")
/// differ, and so do an absent and an empty value.
fn feed(prev_hash: &str, record: &AuditRecord, mut update: impl FnMut(&[u8])) {
    let mut field = |value: Option<&str>| match value {
        None => update(b"-"),
        Some(v) => {
            update(&(v.len() as u64).to_be_bytes());
            update(v.as_bytes());
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
}

/// The keyed link of `record` chained onto `prev_hash` (lowercase hex HMAC-SHA256).
pub fn chain_hash(key: &AuditKey, prev_hash: &str, record: &AuditRecord) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0).expect("HMAC takes any key length");
    feed(prev_hash, record, |b| mac.update(b));
    hex::encode(mac.finalize().into_bytes())
}

/// The unkeyed link of registers written before links were keyed (lowercase hex
/// SHA-256 over the same fields): only ever read, to check such a register before
/// it is re-keyed.
pub fn sha256_link(prev_hash: &str, record: &AuditRecord) -> String {
    let mut h = Sha256::new();
    feed(prev_hash, record, |b| h.update(b));
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
    #[error("audit entry {seq}: its link is not the exported head's {hash} (history rewritten)")]
    HeadRewritten { seq: i64, hash: String },
    #[error("audit entry {seq}, the exported head, is no longer in the log")]
    HeadMissing { seq: i64 },
}

/// Checks a chain given in sequence order, starting at seq 1; stored hashes come
/// alongside each record as (record, prev_hash, hash).
pub fn verify_chain<I>(key: &AuditKey, entries: I) -> Result<u64, ChainError>
where
    I: IntoIterator<Item = (AuditRecord, String, String)>,
{
    verify_links(entries, |prev, record| chain_hash(key, prev, record))
}

/// Checks a register written before links were keyed.
pub fn verify_sha256_chain<I>(entries: I) -> Result<u64, ChainError>
where
    I: IntoIterator<Item = (AuditRecord, String, String)>,
{
    verify_links(entries, sha256_link)
}

/// Checks that a chain (already verified) still holds the exported `head`:
/// `stored` is the link now stored at `head.seq`, if that entry exists.
pub fn check_head(head: &Head, stored: Option<&str>) -> Result<(), ChainError> {
    match stored {
        None => Err(ChainError::HeadMissing { seq: head.seq }),
        Some(h) if h != head.hash => Err(ChainError::HeadRewritten {
            seq: head.seq,
            hash: head.hash.clone(),
        }),
        Some(_) => Ok(()),
    }
}

fn verify_links<I>(
    entries: I,
    link: impl Fn(&str, &AuditRecord) -> String,
) -> Result<u64, ChainError>
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
        if link(&prev_hash, &record) != hash {
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

    fn key() -> AuditKey {
        AuditKey::new(vec![7; 32]).expect("key")
    }

    fn chain(n: i64) -> Vec<(AuditRecord, String, String)> {
        let mut prev = String::new();
        (1..=n)
            .map(|seq| {
                let r = record(seq, &format!("action{seq}"));
                let hash = chain_hash(&key(), &prev, &r);
                let entry = (r, prev.clone(), hash.clone());
                prev = hash;
                entry
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify_chain(&key(), chain(5)), Ok(5));
        assert_eq!(verify_chain(&key(), Vec::new()), Ok(0));
    }

    #[test]
    fn altered_entry_is_named() {
        let mut c = chain(5);
        c[2].0.after = Some("{\"status\":\"revoked\"}".into());
        assert_eq!(verify_chain(&key(), c), Err(ChainError::Altered { seq: 3 }));
    }

    #[test]
    fn rehashed_entry_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].0.action = "forged".into();
        c[2].2 = chain_hash(&key(), &c[2].1, &c[2].0);
        assert_eq!(
            verify_chain(&key(), c),
            Err(ChainError::BrokenLink { seq: 4 })
        );
    }

    #[test]
    fn deleted_entry_is_a_gap() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify_chain(&key(), c),
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
        assert_ne!(chain_hash(&key(), "", &a), chain_hash(&key(), "", &b));
        let mut none = record(1, "x");
        none.before = None;
        let mut empty = record(1, "x");
        empty.before = Some(String::new());
        assert_ne!(
            chain_hash(&key(), "", &none),
            chain_hash(&key(), "", &empty)
        );
        assert_ne!(sha256_link("", &none), sha256_link("", &empty));
    }

    #[test]
    fn without_the_key_an_edit_cannot_be_relinked() {
        // Recomputing every link after an edit, as one could with plain SHA-256,
        // gives links that the key does not make.
        let mut c = chain(5);
        c[2].0.after = Some("{\"status\":\"revoked\"}".into());
        let mut prev = c[1].2.clone();
        for e in c.iter_mut().skip(2) {
            e.1 = prev.clone();
            e.2 = sha256_link(&e.1, &e.0);
            prev = e.2.clone();
        }
        assert_eq!(
            verify_chain(&key(), c.clone()),
            Err(ChainError::Altered { seq: 3 })
        );
        let other = AuditKey::new(vec![8; 32]).expect("key");
        assert_eq!(
            verify_chain(&other, chain(2)),
            Err(ChainError::Altered { seq: 1 })
        );
        assert!(AuditKey::new(vec![1; 31]).is_err());
        assert_eq!(format!("{:?}", key()), "AuditKey(..)");
    }

    #[test]
    fn a_register_from_before_keyed_links_checks_as_sha256() {
        let mut prev = String::new();
        let old: Vec<_> = (1..=3)
            .map(|seq| {
                let r = record(seq, "x");
                let hash = sha256_link(&prev, &r);
                let e = (r, prev.clone(), hash.clone());
                prev = hash;
                e
            })
            .collect();
        assert_eq!(verify_sha256_chain(old.clone()), Ok(3));
        assert!(verify_chain(&key(), old).is_err());
    }

    #[test]
    fn an_exported_head_holds_only_while_its_entry_keeps_its_link() {
        let c = chain(3);
        let head = Head {
            seq: 2,
            hash: c[1].2.clone(),
        };
        assert_eq!(check_head(&head, Some(&c[1].2)), Ok(()));
        assert_eq!(
            check_head(&head, Some(&c[2].2)),
            Err(ChainError::HeadRewritten {
                seq: 2,
                hash: head.hash.clone()
            })
        );
        assert_eq!(
            check_head(&head, None),
            Err(ChainError::HeadMissing { seq: 2 })
        );
    }
}
