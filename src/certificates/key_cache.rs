//! Issue 12 part B: the published QR token keys, kept in memory.
//!
//! Checking a token used to read and parse every published key from the database
//! first. The keys change only when one is rotated (`protectcert keys rotate`,
//! from any instance or the command line), so each instance keeps them and reads
//! them again:
//!
//! - when a token names a key it does not know (a key rotated elsewhere): every
//!   time, so that a genuine token is never called forged for want of a reload
//!   (a made-up key id costs one small read, as every check did before);
//! - when the copy is older than [`FRESH_FOR`] (a key retired elsewhere stops
//!   verifying within that time);
//! - whenever the JWKS is served (it is read from the database).

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::token::PublicKey;

/// How long a loaded copy is used before it is read again.
pub const FRESH_FOR: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct KeyCache {
    loaded: RwLock<Option<(Arc<[PublicKey]>, Instant)>>,
}

impl KeyCache {
    pub fn new() -> KeyCache {
        KeyCache::default()
    }

    /// The keys, unless they were never loaded or are older than [`FRESH_FOR`].
    pub fn fresh(&self, now: Instant) -> Option<Arc<[PublicKey]>> {
        let loaded = self.loaded.read().ok()?;
        loaded
            .as_ref()
            .filter(|(_, at)| now.saturating_duration_since(*at) < FRESH_FOR)
            .map(|(keys, _)| keys.clone())
    }

    /// Keeps `keys`, read from the database at `now`.
    pub fn store(&self, keys: Vec<PublicKey>, now: Instant) -> Arc<[PublicKey]> {
        let keys: Arc<[PublicKey]> = keys.into();
        if let Ok(mut loaded) = self.loaded.write() {
            *loaded = Some((keys.clone(), now));
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str) -> PublicKey {
        PublicKey {
            kid: kid.into(),
            x: "x".into(),
        }
    }

    #[test]
    fn keys_are_kept_until_stale() {
        let cache = KeyCache::new();
        let t0 = Instant::now();
        assert!(cache.fresh(t0).is_none(), "nothing loaded yet");
        cache.store(vec![key("a")], t0);
        let kept = cache.fresh(t0 + Duration::from_secs(1)).expect("kept");
        assert_eq!(kept[0].kid, "a");
        assert!(
            cache.fresh(t0 + FRESH_FOR).is_none(),
            "stale after FRESH_FOR"
        );
    }
}
