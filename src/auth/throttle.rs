//! The failed log-ins this instance remembers, per account and per client address,
//! under the policy of `domain::throttle`.
//!
//! Kept in memory (a bounded map behind one mutex, touched only by log-ins): the
//! records are tiny, short-lived and only this instance's; several instances each
//! throttle on their own, which still bounds guessing to a few hundred tries a day
//! per account per instance. A map rather than a cache crate: the only eviction
//! needed is "forget what the policy has forgotten", done when the map is full.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::domain::throttle::{Failures, Policy};

/// How many accounts and addresses (each) are remembered at most.
pub const CAPACITY: usize = 100_000;

struct Records<K> {
    policy: Policy,
    map: HashMap<K, Failures>,
}

impl<K: Eq + Hash + Clone> Records<K> {
    fn new(policy: Policy) -> Self {
        Records {
            policy,
            map: HashMap::new(),
        }
    }

    fn wait(&self, key: &K, now: Instant) -> Option<Duration> {
        self.policy.wait(self.map.get(key).copied(), now)
    }

    fn failed(&mut self, key: &K, now: Instant) {
        if !self.map.contains_key(key) && self.map.len() >= CAPACITY {
            self.make_room(now);
        }
        let next = self.policy.failed(self.map.get(key).copied(), now);
        self.map.insert(key.clone(), next);
    }

    /// Forgets what the policy has forgotten; if that is not enough, those that
    /// impose no wait yet, then the oldest half.
    fn make_room(&mut self, now: Instant) {
        let policy = self.policy;
        self.map
            .retain(|_, f| policy.current(Some(*f), now).is_some());
        if self.map.len() >= CAPACITY {
            self.map.retain(|_, f| f.count >= policy.free);
        }
        if self.map.len() >= CAPACITY {
            let mut lasts: Vec<Instant> = self.map.values().map(|f| f.last).collect();
            lasts.sort_unstable();
            let cut = lasts[lasts.len() / 2];
            self.map.retain(|_, f| f.last > cut);
        }
    }

    fn undo(&mut self, key: &K) {
        if let Some(f) = self.map.get_mut(key) {
            f.count = f.count.saturating_sub(1);
        }
    }
}

struct Inner {
    accounts: Records<String>,
    addresses: Records<IpAddr>,
}

pub struct LoginThrottle {
    inner: Mutex<Inner>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::new(Policy::ACCOUNT, Policy::ADDRESS)
    }
}

impl LoginThrottle {
    /// The standard policies with another first wait (`login_throttle_base_secs`).
    pub fn with_base(base: std::time::Duration) -> LoginThrottle {
        LoginThrottle::new(
            Policy {
                base,
                ..Policy::ACCOUNT
            },
            Policy {
                base,
                ..Policy::ADDRESS
            },
        )
    }

    pub fn new(account: Policy, address: Policy) -> LoginThrottle {
        LoginThrottle {
            inner: Mutex::new(Inner {
                accounts: Records::new(account),
                addresses: Records::new(address),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A log-in attempt for `account` from `address`, before its password is
    /// checked: refused with the wait when either must still wait; otherwise
    /// counted as a failure until [`LoginThrottle::succeeded`] says otherwise (so
    /// that many attempts at once are counted at once).
    pub fn attempt(
        &self,
        account: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let mut inner = self.lock();
        let account = account.to_string();
        let wait = [
            inner.accounts.wait(&account, now),
            address.and_then(|a| inner.addresses.wait(&a, now)),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        inner.accounts.failed(&account, now);
        if let Some(a) = address {
            inner.addresses.failed(&a, now);
        }
        Ok(())
    }

    /// The password was right: the account starts afresh, and the address's count
    /// loses this attempt.
    pub fn succeeded(&self, account: &str, address: Option<IpAddr>) {
        let mut inner = self.lock();
        inner.accounts.map.remove(account);
        if let Some(a) = address {
            inner.addresses.undo(&a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_starts_the_account_afresh() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        for _ in 0..5 {
            assert!(t.attempt("a@x.test", Some(ip), now).is_ok());
        }
        assert!(t.attempt("a@x.test", Some(ip), now).is_err());
        t.succeeded("a@x.test", Some(ip));
        assert!(t.attempt("a@x.test", Some(ip), now).is_ok());
    }

    #[test]
    fn an_address_trying_many_accounts_is_held_back() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let ip: IpAddr = "192.0.2.2".parse().expect("ip");
        for n in 0..Policy::ADDRESS.free {
            assert!(t.attempt(&format!("{n}@x.test"), Some(ip), now).is_ok());
        }
        assert!(t.attempt("new@x.test", Some(ip), now).is_err());
        let other: IpAddr = "192.0.2.3".parse().expect("ip");
        assert!(t.attempt("new@x.test", Some(other), now).is_ok());
    }
}
