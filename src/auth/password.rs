//! argon2id password hashes (PHC strings with their own salt and parameters).

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// False for a wrong password and for a malformed stored hash alike.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that a login for an
/// unknown email takes as long as one with a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("not a real password").unwrap_or_default())
}

/// Runs argon2 off the async threads and outside any database connection, at most
/// `capacity` hashes at once: a flood of log-ins queues here, holding neither a
/// pooled connection nor every core, so the rest of the service (public
/// verification first) keeps answering.
pub struct Hasher {
    permits: tokio::sync::Semaphore,
    capacity: usize,
}

impl Hasher {
    pub fn new(capacity: usize) -> Hasher {
        let capacity = capacity.max(1);
        Hasher {
            permits: tokio::sync::Semaphore::new(capacity),
            capacity,
        }
    }

    /// One hash at a time per core, less one core kept for everything else.
    pub fn for_this_machine() -> Hasher {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Hasher::new(cores.saturating_sub(1))
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await?;
        Ok(tokio::task::spawn_blocking(work).await?)
    }

    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = password.to_string();
        self.run(move || hash(&password)).await?
    }

    /// False for a wrong password and for a malformed stored hash alike.
    pub async fn verify(&self, password: &str, stored: &str) -> bool {
        let (password, stored) = (password.to_string(), stored.to_string());
        self.run(move || verify(&password, &stored))
            .await
            .unwrap_or(false)
    }

    /// Takes every permit until the guard is dropped (tests: a hash queued behind
    /// it holds nothing else).
    pub async fn hold_all(&self) -> anyhow::Result<tokio::sync::SemaphorePermit<'_>> {
        Ok(self.permits.acquire_many(self.capacity as u32).await?)
    }
}

/// The shortest password accepted.
pub const MIN_CHARS: usize = 12;

/// The common-password list shipped in the binary (source and licence in its
/// header), one lower-cased password a line.
const COMMON_PASSWORDS: &str = include_str!("../../config/common-passwords.txt");

fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether a password is on the common-password list, ignoring case, and also once
/// spaces and `-`, `_`, `.` separators are taken out ("Pass word-1234").
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let squeezed: String = lower
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '.'))
        .collect();
    let set = common_passwords();
    set.contains(lower.as_str()) || set.contains(squeezed.as_str())
}

/// Whether a password is one short run of characters (up to three) repeated, such
/// as `aaaaaaaaaaaa` or `abcabcabcabc`.
fn is_repetition(password: &str) -> bool {
    let chars: Vec<char> = password.chars().collect();
    (1..=3).any(|unit| {
        chars.len() > unit
            && chars.len() % unit == 0
            && chars.chunks(unit).all(|c| c == &chars[..unit])
    })
}

/// Password policy: long enough to matter, short enough not to be a hashing DoS, not
/// one of the passwords every guesser tries first, not one character repeated.
pub fn check_policy(password: &str) -> Result<(), &'static str> {
    let len = password.chars().count();
    if len < MIN_CHARS {
        Err("must be at least 12 characters")
    } else if len > 128 {
        Err("must be at most 128 characters")
    } else if is_repetition(password) {
        Err("must not be one character (or a few) repeated")
    } else if is_common(password) {
        Err("is one of the most common passwords: choose another")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_password() {
        let h = hash("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn policy() {
        assert!(check_policy("short").is_err());
        assert_eq!(
            check_policy("eleven char"),
            Err("must be at least 12 characters")
        );
        assert!(check_policy("long enough pw").is_ok());
        assert!(check_policy(&"x".repeat(200)).is_err());
        // The demo's and the tests' passwords stay good.
        assert!(check_policy("protectcert demo").is_ok());
        assert!(check_policy("correct horse battery").is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert!(common_passwords().len() >= 30_000 - 10);
        for p in [
            "qwerty123456",
            "QWERTY123456",
            "1qaz2wsx3edc",
            "Leave Me Alone",
        ] {
            assert_eq!(
                check_policy(p),
                Err("is one of the most common passwords: choose another"),
                "{p}"
            );
        }
    }

    #[test]
    fn repeated_characters_are_refused() {
        for p in [
            "aaaaaaaaaaaa",
            "ééééééééééééé",
            "abababababab",
            "abcabcabcabc",
        ] {
            assert_eq!(
                check_policy(p),
                Err("must not be one character (or a few) repeated"),
                "{p}"
            );
        }
        assert!(check_policy("abcdabcdabcd!").is_ok());
    }
}
