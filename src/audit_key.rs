//! The key the audit chain's links are made with (see `domain::audit`). It is never
//! in the database, so that write access to the database is not enough to rewrite
//! the log: it is configured (`audit_key`, `PROTECTCERT_AUDIT_KEY`) or, by default,
//! generated on first start into `<data_dir>/keys/audit.key`, readable by its owner
//! only. Every instance writing to one database must hold the same key; one that
//! does not is refused at start-up rather than forking the chain.
//!
//! A register written before links were keyed is re-keyed when its key is first
//! generated, after its plain SHA-256 chain is checked (see
//! `db::sequences::rekey_sha256_chain`).

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::RngCore;

use crate::config::Settings;
use crate::db::Db;
use crate::db::sequences::{newest_link_is_keyed_with, rekey_sha256_chain};
use crate::domain::audit::AuditKey;

/// Where the generated key is kept.
pub fn key_file(settings: &Settings) -> PathBuf {
    settings.data_dir.join("keys").join("audit.key")
}

fn configured(settings: &Settings) -> anyhow::Result<Option<AuditKey>> {
    let text = settings.audit_key.expose();
    if text.trim().is_empty() {
        return Ok(None);
    }
    AuditKey::new(text.trim().as_bytes().to_vec())
        .map(Some)
        .map_err(|_| anyhow::anyhow!("audit_key must be at least 32 characters"))
}

/// The file holds the key as text, as `audit_key` would give it: its content set as
/// `PROTECTCERT_AUDIT_KEY` on another instance gives that instance the same key.
fn read_file(path: &Path) -> anyhow::Result<AuditKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read the audit key {}: {e}", path.display()))?;
    AuditKey::new(text.trim().as_bytes().to_vec()).map_err(|_| {
        anyhow::anyhow!(
            "the audit key {} is shorter than 32 characters",
            path.display()
        )
    })
}

/// Writes a new random key, readable by its owner only; Ok(false) when another
/// process wrote one first.
fn create_file(path: &Path) -> anyhow::Result<bool> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(hex::encode(bytes).as_bytes())?;
            file.sync_all()?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(anyhow::anyhow!(
            "cannot create the audit key {}: {e}",
            path.display()
        )),
    }
}

/// The key, configured or kept in the data dir, for reading the log (`audit
/// verify`): never a new one, which could only say that every entry is altered.
pub fn load(settings: &Settings) -> anyhow::Result<AuditKey> {
    if let Some(key) = configured(settings)? {
        return Ok(key);
    }
    let path = key_file(settings);
    if !path.exists() {
        anyhow::bail!(
            "no audit key at {} (nor audit_key / PROTECTCERT_AUDIT_KEY configured): the log can only be checked with the key that wrote it; run this with the service's data dir (PROTECTCERT_DATA_DIR)",
            path.display()
        );
    }
    read_file(&path)
}

/// `db` holding the audit key, for writing: the configured key, the one in the data
/// dir, or a new one there. A new key re-keys a log written before links were
/// keyed; a log whose newest link this key did not make is refused.
pub fn keyed(db: Db, settings: &Settings) -> anyhow::Result<Db> {
    let (key, created) = match configured(settings)? {
        Some(key) => (key, false),
        None => {
            let path = key_file(settings);
            let created = create_file(&path)?;
            if created {
                tracing::info!(path = %path.display(), "generated the audit key");
            }
            (read_file(&path)?, created)
        }
    };
    let mut conn = db.get()?;
    match newest_link_is_keyed_with(&mut conn, &key)? {
        None | Some(true) => {}
        Some(false) if created => {
            let n = rekey_sha256_chain(&mut conn, &key).inspect_err(|_| {
                // The next start checks the old chain again, rather than refusing it
                // as written with another key.
                let _ = std::fs::remove_file(key_file(settings));
            })?;
            tracing::warn!(
                entries = n,
                "re-keyed the audit log: its {n} entries were SHA-256-chained only and verified as such before they were re-linked with the new audit key"
            );
        }
        Some(false) => anyhow::bail!(
            "the audit log's newest entry was not linked with this audit key: every instance on one database needs the same key (audit_key / PROTECTCERT_AUDIT_KEY, or the same {}), or the log was altered (run `protectcert audit verify`); a log from before keyed links is re-keyed by a first start without audit_key, which generates the key file",
            key_file(settings).display()
        ),
    }
    drop(conn);
    Ok(db.with_audit_key(key))
}
