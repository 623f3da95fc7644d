//! The scheme's X.509 material for PDF signatures: a scheme CA (CA:TRUE) and an
//! ECDSA P-256 signing certificate under it. Ed25519 is not used here because
//! poppler/NSS reject Ed25519 PDF signatures.
//!
//! Configured PEM files win. Otherwise the material is generated once and stored in
//! the database (the data dir's SQLite file for the embedded default), so every
//! instance signs with the same key; the CA certificate is also written to
//! `<data_dir>/keys/scheme-ca.pem` for readers that want to trust it.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use der::{DecodePem, EncodePem};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::{Deserialize, Serialize};
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

use crate::db::Db;

const CA_YEARS: u64 = 20;
const SIGNING_YEARS: u64 = 10;
const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// The key that signs PDFs and its chain, leaf first, the scheme CA last.
pub struct SigningIdentity {
    pub key: SigningKey,
    pub chain: Vec<Certificate>,
}

impl SigningIdentity {
    pub fn leaf(&self) -> &Certificate {
        &self.chain[0]
    }

    /// The trust anchor: the last certificate of the chain.
    pub fn ca(&self) -> &Certificate {
        &self.chain[self.chain.len() - 1]
    }

    pub fn ca_pem(&self) -> anyhow::Result<String> {
        Ok(self.ca().to_pem(LineEnding::LF)?)
    }
}

/// What is stored in the database when the material is generated.
#[derive(Serialize, Deserialize)]
struct StoredIdentity {
    key_pem: String,
    chain_pem: String,
}

const STORED_NAME: &str = "pdf_signing_identity";

/// Loads the configured identity, or the stored one, generating it on first start.
pub fn load_or_create(
    db: &Db,
    key_path: &str,
    cert_path: &str,
    scheme_name: &str,
    data_dir: &Path,
) -> anyhow::Result<SigningIdentity> {
    let identity = load(db, key_path, cert_path, Some(scheme_name))?;
    match export_ca(&identity, data_dir) {
        Ok(path) => tracing::info!(
            ca = %path.display(),
            "PDF signing ready; trust this scheme CA to see certificates as signed by the scheme"
        ),
        Err(e) => tracing::warn!(error = %e, "could not write the scheme CA certificate"),
    }
    Ok(identity)
}

/// The configured or stored identity; generates one only when `generate_for`
/// names the scheme (start-up), never when verifying.
pub fn load(
    db: &Db,
    key_path: &str,
    cert_path: &str,
    generate_for: Option<&str>,
) -> anyhow::Result<SigningIdentity> {
    match (key_path.trim(), cert_path.trim()) {
        ("", "") => {
            let stored = match generate_for {
                Some(scheme_name) => crate::secrets::get_or_create(db, STORED_NAME, || {
                    Ok(serde_json::to_string(&generate(scheme_name)?)?)
                })?,
                None => crate::secrets::get(db, STORED_NAME)?.ok_or_else(|| {
                    anyhow::anyhow!("this installation has no PDF signing identity yet")
                })?,
            };
            let stored: StoredIdentity = serde_json::from_str(&stored)
                .context("the stored PDF signing identity is unreadable")?;
            parse(&stored.key_pem, &stored.chain_pem)
        }
        ("", _) | (_, "") => {
            anyhow::bail!("pdf_signing_key and pdf_signing_cert go together: set both or neither")
        }
        (key, cert) => {
            let key_pem = std::fs::read_to_string(key)
                .with_context(|| format!("cannot read pdf_signing_key {key}"))?;
            let chain_pem = std::fs::read_to_string(cert)
                .with_context(|| format!("cannot read pdf_signing_cert {cert}"))?;
            parse(&key_pem, &chain_pem).with_context(|| format!("in {key} / {cert}"))
        }
    }
}

fn export_ca(identity: &SigningIdentity, data_dir: &Path) -> anyhow::Result<PathBuf> {
    let dir = data_dir.join("keys");
    crate::private_fs::create_dir(&dir)?;
    let path = dir.join("scheme-ca.pem");
    crate::private_fs::write(&path, identity.ca_pem()?.as_bytes())?;
    Ok(path)
}

/// Parses a PKCS#8 P-256 key and a PEM chain (leaf first); the key must match the leaf.
pub fn parse(key_pem: &str, chain_pem: &str) -> anyhow::Result<SigningIdentity> {
    let key = SigningKey::from_pkcs8_pem(key_pem)
        .map_err(|e| anyhow::anyhow!("the signing key is not a PKCS#8 P-256 key: {e}"))?;
    let chain = Certificate::load_pem_chain(chain_pem.as_bytes())
        .map_err(|e| anyhow::anyhow!("the certificate chain is not PEM X.509: {e}"))?;
    if chain.is_empty() {
        anyhow::bail!("the certificate chain is empty");
    }
    let public = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key())?;
    if chain[0].tbs_certificate.subject_public_key_info != public {
        anyhow::bail!("the signing key does not belong to the first certificate of the chain");
    }
    Ok(SigningIdentity { key, chain })
}

/// A new, unstored identity (for benchmarks and tools that need a throwaway one).
pub fn generate_identity(scheme_name: &str) -> anyhow::Result<SigningIdentity> {
    let stored = generate(scheme_name)?;
    parse(&stored.key_pem, &stored.chain_pem)
}

/// A new scheme CA and a signing certificate under it, as PEM.
fn generate(scheme_name: &str) -> anyhow::Result<StoredIdentity> {
    let mut rng = rand::rngs::OsRng;
    let org = rdn_safe(scheme_name);
    let ca_key = SigningKey::random(&mut rng);
    let ca_name = Name::from_str(&format!("CN={org} Root CA,O={org}"))?;
    let ca = CertificateBuilder::new(
        Profile::Root,
        random_serial(),
        Validity::from_now(YEAR * CA_YEARS as u32)?,
        ca_name.clone(),
        SubjectPublicKeyInfoOwned::from_key(*ca_key.verifying_key())?,
        &ca_key,
    )?
    .build::<DerSignature>()?;

    let key = SigningKey::random(&mut rng);
    let leaf = CertificateBuilder::new(
        Profile::Leaf {
            issuer: ca_name,
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        random_serial(),
        Validity::from_now(YEAR * SIGNING_YEARS as u32)?,
        Name::from_str(&format!("CN={org} Certificate Signing,O={org}"))?,
        SubjectPublicKeyInfoOwned::from_key(*key.verifying_key())?,
        &ca_key,
    )?
    .build::<DerSignature>()?;

    Ok(StoredIdentity {
        key_pem: key.to_pkcs8_pem(LineEnding::LF)?.to_string(),
        chain_pem: format!(
            "{}{}",
            leaf.to_pem(LineEnding::LF)?,
            ca.to_pem(LineEnding::LF)?
        ),
    })
}

/// A positive 128-bit serial (the top bit clear keeps the DER INTEGER positive).
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::new(&bytes).unwrap_or_else(|_| SerialNumber::from(1u32))
}

/// Keeps a name usable inside an RFC 4514 distinguished name.
fn rdn_safe(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.' | '\''))
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "Certification Scheme".to_string()
    } else {
        cleaned.to_string()
    }
}

/// Loads a trusted CA certificate from a PEM file (for `verify-pdf --ca`).
pub fn load_ca(path: &Path) -> anyhow::Result<Certificate> {
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read CA file {}", path.display()))?;
    Certificate::from_pem(pem.as_bytes())
        .map_err(|e| anyhow::anyhow!("{} is not a PEM X.509 certificate: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identity_parses_and_the_key_matches_the_leaf() {
        let stored = generate("Test Scheme, Ltd").expect("generate");
        let identity = parse(&stored.key_pem, &stored.chain_pem).expect("parse");
        assert_eq!(identity.chain.len(), 2);
        assert_eq!(
            identity.leaf().tbs_certificate.issuer,
            identity.ca().tbs_certificate.subject
        );
    }

    #[test]
    fn a_key_from_another_identity_is_refused() {
        let a = generate("A").expect("a");
        let b = generate("B").expect("b");
        assert!(parse(&a.key_pem, &b.chain_pem).is_err());
    }
}
