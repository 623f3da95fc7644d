//! Issue 12: what public verification shows of a certificate, and which QR tokens
//! were already found genuine, kept in memory so that a gate check is answered
//! without the database or a signature check.
//!
//! **Freshness.** A trigger moves the one-row `register_version` whenever a public
//! column of any certificate changes (status, names, dates), through any instance
//! or by hand. Each instance reads it every [`POLL`] and empties its records when
//! it moved. A record is served only while the last successful read of the
//! version began less than [`SERVE_FOR`] ago, so a change committed anywhere is
//! seen by every instance within `SERVE_FOR` (under the 1 s the issue asks for);
//! while the database cannot be read, nothing is served from memory. A lookup
//! that read the register before a change and finished after the cache was
//! emptied is not kept (the `epoch` it started in has passed). Certificates not
//! found are never kept, so a new one verifies at once. An expiry needs no
//! change: the status is worked out from the dates at every request.
//!
//! **Tokens.** A token's claims never change, so a token once verified is
//! remembered with the key it was signed by; it is trusted again only while that
//! key is still published (a key retired elsewhere stops verifying within the key
//! cache's minute, as before). Tokens are kept by their SHA-256 digest, not their
//! ~300 characters: 32 bytes a key, and two tokens with one digest cannot be found.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;

use crate::certificates::token::CertificateClaims;
use crate::db::Db;
use crate::db::public::PublicRow;

/// How often each instance reads the register version.
pub const POLL: Duration = Duration::from_millis(200);
/// How long after the last successful read of the version records are served.
pub const SERVE_FOR: Duration = Duration::from_millis(700);

type TokenDigest = [u8; 32];

fn digest(token: &str) -> TokenDigest {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).into()
}

/// A token found genuine, with the key id that signed it.
pub struct VerifiedToken {
    pub kid: String,
    /// Shared with every answer built from it (a clone was five strings copied).
    pub claims: Arc<CertificateClaims>,
}

pub struct PublicCache {
    records: Option<Cache<String, Arc<PublicRow>>>,
    tokens: Option<Cache<TokenDigest, Arc<VerifiedToken>>>,
    /// Moves (before the records are emptied) every time they are.
    epoch: AtomicU64,
    /// The register version last read; `i64::MIN` before the first read.
    version: AtomicI64,
    /// When the last successful read began, in nanoseconds after `origin` (0: never).
    polled_at: AtomicU64,
    origin: Instant,
    started: AtomicBool,
    counts: Counts,
}

/// Lookups since start, shown by `/metrics` (one relaxed add per lookup).
#[derive(Default)]
struct Counts {
    records_served: AtomicU64,
    records_missed: AtomicU64,
    records_stale: AtomicU64,
    tokens_served: AtomicU64,
    tokens_missed: AtomicU64,
}

/// [`PublicCache::counts`]: what the cache answered since start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookups {
    /// Records answered from memory.
    pub records_served: u64,
    /// Records not kept, read from the register.
    pub records_missed: u64,
    /// Records read from the register because the version read was too old.
    pub records_stale: u64,
    /// Tokens already found genuine.
    pub tokens_served: u64,
    /// Tokens checked by their signature.
    pub tokens_missed: u64,
}

fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl PublicCache {
    /// Up to `entries` records and as many tokens; 0 keeps nothing.
    pub fn new(entries: usize) -> PublicCache {
        PublicCache {
            records: (entries > 0).then(|| Cache::new(entries)),
            tokens: (entries > 0).then(|| Cache::new(entries)),
            epoch: AtomicU64::new(0),
            version: AtomicI64::new(i64::MIN),
            polled_at: AtomicU64::new(0),
            origin: Instant::now(),
            started: AtomicBool::new(false),
            counts: Counts::default(),
        }
    }

    pub fn counts(&self) -> Lookups {
        let c = &self.counts;
        let read = |n: &AtomicU64| n.load(Ordering::Relaxed);
        Lookups {
            records_served: read(&c.records_served),
            records_missed: read(&c.records_missed),
            records_stale: read(&c.records_stale),
            tokens_served: read(&c.tokens_served),
            tokens_missed: read(&c.tokens_missed),
        }
    }

    /// Records kept now (an estimate while other threads insert).
    pub fn records_kept(&self) -> usize {
        self.records.as_ref().map_or(0, Cache::len)
    }

    fn fresh(&self, now: Instant) -> bool {
        let at = self.polled_at.load(Ordering::SeqCst);
        at > 0 && now.saturating_duration_since(self.origin + Duration::from_nanos(at)) < SERVE_FOR
    }

    /// The record of `number`, if kept and fresh.
    pub fn record(&self, number: &str, now: Instant) -> Option<Arc<PublicRow>> {
        let records = self.records.as_ref()?;
        if !self.fresh(now) {
            count(&self.counts.records_stale);
            return None;
        }
        let row = records.get(number);
        count(match row {
            Some(_) => &self.counts.records_served,
            None => &self.counts.records_missed,
        });
        row
    }

    /// Taken before reading the register; [`PublicCache::keep`] needs it.
    pub fn ticket(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Keeps `row`, read from the register after `ticket` was taken, unless the
    /// records were emptied since (the read may predate the change that did it).
    pub fn keep(&self, ticket: u64, row: &Arc<PublicRow>) {
        let Some(records) = &self.records else { return };
        if self.epoch.load(Ordering::SeqCst) == ticket {
            records.insert(row.number.clone(), row.clone());
        }
    }

    /// Records one read of the register version, begun at `started`.
    pub fn observe(&self, version: i64, started: Instant) {
        if self.version.swap(version, Ordering::SeqCst) != version {
            // The epoch first: a lookup that races the emptying cannot keep its row.
            self.epoch.fetch_add(1, Ordering::SeqCst);
            if let Some(records) = &self.records {
                records.clear();
            }
        }
        let at = started.saturating_duration_since(self.origin).as_nanos();
        let at = u64::try_from(at).unwrap_or(u64::MAX).max(1);
        self.polled_at.fetch_max(at, Ordering::SeqCst);
    }

    /// A token found genuine before, if any.
    pub fn token(&self, token: &str) -> Option<Arc<VerifiedToken>> {
        let known = self.tokens.as_ref()?.get(&digest(token));
        count(match known {
            Some(_) => &self.counts.tokens_served,
            None => &self.counts.tokens_missed,
        });
        known
    }

    /// Keeps a token found genuine (when tokens are kept at all), and hands it back.
    pub fn keep_token(&self, token: &str, verified: VerifiedToken) -> Arc<VerifiedToken> {
        let verified = Arc::new(verified);
        if let Some(tokens) = &self.tokens {
            tokens.insert(digest(token), verified.clone());
        }
        verified
    }

    /// What the database runs after this instance changed a public record: read
    /// the version at once, so that this instance's next check shows the change.
    pub fn refresher(self: &Arc<Self>) -> crate::db::public::AfterChange {
        let weak = Arc::downgrade(self);
        Box::new(move |conn| {
            let started = Instant::now();
            if let (Some(cache), Ok(version)) =
                (weak.upgrade(), crate::db::public::register_version(conn))
            {
                cache.observe(version, started);
            }
        })
    }

    /// Reads the register version every [`POLL`] on the current tokio runtime
    /// (once; a no-op outside one), until the last handle on this cache is dropped.
    pub fn start_polling(self: &Arc<Self>, db: &Db) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.records.is_none() || self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak: Weak<PublicCache> = Arc::downgrade(self);
        let db = db.clone();
        runtime.spawn(async move {
            let mut failing = false;
            loop {
                let started = Instant::now();
                let read = db
                    .read(|conn| {
                        crate::db::public::register_version(conn).map_err(anyhow::Error::from)
                    })
                    .await;
                let Some(cache) = weak.upgrade() else { break };
                match read {
                    Ok(version) => {
                        if failing {
                            tracing::info!("register version read again: public records served from memory");
                        }
                        failing = false;
                        cache.observe(version, started);
                    }
                    Err(e) if !failing => {
                        failing = true;
                        tracing::warn!("cannot read the register version ({e:#}): public records read from the register");
                    }
                    Err(_) => {}
                }
                drop(cache);
                tokio::time::sleep(POLL).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status::StoredStatus;
    use crate::domain::tier::{PremisesKind, Tier};

    fn row(number: &str, status: StoredStatus) -> PublicRow {
        let at = time::macros::datetime!(2026-01-01 0:00);
        PublicRow {
            number: number.into(),
            status,
            premises_name: "Hall".into(),
            town: "Leeds".into(),
            tier: Tier::Standard,
            kind: PremisesKind::Building,
            issued_at: at,
            expires_at: at + time::Duration::days(365),
        }
    }

    #[test]
    fn nothing_is_served_before_the_version_is_read_nor_once_it_is_stale() {
        let cache = PublicCache::new(10);
        let t = cache.ticket();
        cache.keep(t, &Arc::new(row("PC-1", StoredStatus::Active)));
        let now = Instant::now();
        assert!(cache.record("PC-1", now).is_none(), "never polled");
        cache.observe(1, now);
        assert!(
            cache.record("PC-1", now).is_none(),
            "what was kept before the first read of the version is dropped"
        );
        cache.keep(cache.ticket(), &Arc::new(row("PC-1", StoredStatus::Active)));
        assert!(cache.record("PC-1", now).is_some());
        assert!(
            cache.record("PC-1", now + SERVE_FOR).is_none(),
            "the last read of the version is too old"
        );
        let counts = cache.counts();
        assert_eq!(
            (
                counts.records_stale,
                counts.records_missed,
                counts.records_served
            ),
            (2, 1, 1),
            "never polled and too old are stale; dropped is a miss; {counts:?}"
        );
        assert_eq!(cache.records_kept(), 1);
    }

    #[test]
    fn a_moved_version_empties_the_records_and_a_racing_lookup_is_not_kept() {
        let cache = PublicCache::new(10);
        let now = Instant::now();
        cache.observe(1, now);
        cache.keep(cache.ticket(), &Arc::new(row("PC-1", StoredStatus::Active)));
        // A lookup starts, reads the old row; meanwhile the version moves.
        let racing = cache.ticket();
        cache.observe(1, now);
        assert!(cache.record("PC-1", now).is_some(), "same version: kept");
        cache.observe(2, now);
        assert!(cache.record("PC-1", now).is_none(), "emptied");
        cache.keep(racing, &Arc::new(row("PC-1", StoredStatus::Active)));
        assert!(
            cache.record("PC-1", now).is_none(),
            "a row read before the change is not kept"
        );
        cache.keep(
            cache.ticket(),
            &Arc::new(row("PC-1", StoredStatus::Suspended)),
        );
        assert_eq!(
            cache.record("PC-1", now).map(|r| r.status),
            Some(StoredStatus::Suspended)
        );
    }

    #[test]
    fn a_token_is_found_only_by_itself() {
        let cache = PublicCache::new(10);
        let claims = CertificateClaims {
            sub: "PC-1".into(),
            name: "Hall".into(),
            postcode: "BS1 4DJ".into(),
            kind: "building".into(),
            tier: "standard".into(),
            iat: 0,
            exp: 1,
            status: None,
        };
        let token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJQUEMtMSJ9.c2lnbmF0dXJl";
        cache.keep_token(
            token,
            VerifiedToken {
                kid: "k1".into(),
                claims: Arc::new(claims),
            },
        );
        assert_eq!(
            cache.token(token).map(|t| t.kid.clone()).as_deref(),
            Some("k1")
        );
        let altered = token.replace("UEMtMS", "UEMtMi");
        assert_ne!(altered, token);
        assert!(cache.token(&altered).is_none());
        assert!(cache.token(&token[..token.len() - 1]).is_none());
        let counts = cache.counts();
        assert_eq!((counts.tokens_served, counts.tokens_missed), (1, 2));
    }

    #[test]
    fn no_entries_keeps_nothing() {
        let cache = PublicCache::new(0);
        let now = Instant::now();
        cache.observe(1, now);
        cache.keep(cache.ticket(), &Arc::new(row("PC-1", StoredStatus::Active)));
        assert!(cache.record("PC-1", now).is_none());
    }
}
