//! `protectcert verify-pdf FILE`: what a verifier with only the file can check.
//! The PDF signature against the scheme CA, the QR token (read from the PDF's
//! metadata) against the scheme's keys, and the certificate's live status. The
//! scheme's material comes from a running service (`--url`) or from this
//! installation's own configuration and database.

use std::fmt::Write as _;

use anyhow::Context;
use der::DecodePem;
use x509_cert::Certificate;

use super::status_list::StatusListClaims;
use super::{PublicVerification, find_by_number};
use crate::certificates::document::token_in;
use crate::certificates::signature::verify_document;
use crate::certificates::token::{self, CertificateClaims, PublicKey, TokenType};
use crate::db::Db;
use crate::domain::status::VerifiedStatus;

/// Where the scheme's CA, keys and register are read from.
pub enum Scheme {
    /// A running service: `/.well-known/scheme-ca.pem`, `/.well-known/jwks.json`,
    /// `/api/v1/status-list` and `/api/v1/verify/token/{token}`.
    Remote(String),
    /// This installation: the configured or stored signing identity and the database.
    Local { db: Db, ca: Box<Certificate> },
}

/// The verdict, with a line per check for people.
pub struct Report {
    pub valid: bool,
    pub text: String,
}

pub async fn check(
    pdf: &[u8],
    scheme: &Scheme,
    ca_override: Option<Certificate>,
) -> anyhow::Result<Report> {
    let mut text = String::new();
    let mut valid = true;

    let ca = match (ca_override, scheme) {
        (Some(ca), _) => ca,
        (None, Scheme::Local { ca, .. }) => (**ca).clone(),
        (None, Scheme::Remote(url)) => {
            let pem = http_text(&format!("{url}/.well-known/scheme-ca.pem")).await?;
            let ca = Certificate::from_pem(pem.as_bytes())
                .context("the service's scheme CA is not PEM X.509")?;
            // Trusting what the same URL serves is only as good as the URL: say so,
            // with the fingerprint to compare against a CA obtained separately.
            writeln!(
                text,
                "trust: the CA served by {url} (SHA-256 {}); pass --ca to pin a CA you obtained separately",
                fingerprint(&ca)?
            )?;
            ca
        }
    };
    match verify_document(pdf, &ca) {
        Ok(signer) => writeln!(text, "signature: valid, whole document, signed by {signer}")?,
        Err(problem) => {
            valid = false;
            writeln!(text, "signature: NOT VALID: {problem}")?;
        }
    }

    let Some(token) = token_in(pdf) else {
        writeln!(text, "token: none in the PDF's metadata")?;
        writeln!(text, "verdict: NOT VALID")?;
        return Ok(Report { valid: false, text });
    };
    let keys: Vec<PublicKey> = match scheme {
        Scheme::Remote(url) => {
            let jwks: serde_json::Value =
                serde_json::from_str(&http_text(&format!("{url}/.well-known/jwks.json")).await?)?;
            token::keys_from_jwks(&jwks)
        }
        Scheme::Local { db, .. } => {
            let db = db.clone();
            actix_web::web::block(move || -> anyhow::Result<_> {
                Ok(token::published_keys(&mut *db.get()?)?)
            })
            .await??
        }
    };
    let claims: CertificateClaims =
        match token::verify::<CertificateClaims>(&token, &keys, TokenType::Certificate) {
            Ok(claims) => {
                writeln!(
                    text,
                    "token: valid, certificate {} for {} ({}), {} {}",
                    claims.sub, claims.name, claims.postcode, claims.tier, claims.kind
                )?;
                claims
            }
            Err(e) => {
                writeln!(text, "token: NOT VALID: {e}")?;
                writeln!(text, "verdict: NOT VALID")?;
                return Ok(Report { valid: false, text });
            }
        };

    if let (Scheme::Remote(url), Some(entry)) = (scheme, &claims.status) {
        // What an offline checker does: the certificate's two bits in the signed lists.
        let listed = listed_status(url, &keys, entry.idx).await?;
        if listed != "neither suspended nor revoked" {
            valid = false;
        }
        writeln!(text, "status list: {listed} (bit {})", entry.idx)?;
    }

    let live: PublicVerification = match scheme {
        Scheme::Remote(url) => {
            let body = http_text(&format!("{url}/api/v1/verify/token/{token}")).await?;
            let v: serde_json::Value = serde_json::from_str(&body)?;
            serde_json::from_value(v["certificate"].clone())
                .context("the service's answer has no certificate")?
        }
        Scheme::Local { db, .. } => {
            let db = db.clone();
            let number = claims.sub.clone();
            actix_web::web::block(move || -> anyhow::Result<_> {
                let cert =
                    find_by_number(&mut *db.get()?, &number).map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(PublicVerification::from(&cert))
            })
            .await??
        }
    };
    writeln!(
        text,
        "status: {} (expires {})",
        live.status.as_str(),
        crate::domain::clock::long_date(live.expires_at, &jiff::tz::TimeZone::UTC)
    )?;
    if live.status != VerifiedStatus::Valid {
        valid = false;
    }
    writeln!(
        text,
        "verdict: {}",
        if valid {
            "VALID".to_string()
        } else {
            format!("NOT VALID ({})", live.status.as_str())
        }
    )?;
    Ok(Report { valid, text })
}

/// The status the signed lists at `url` give the certificate at `index`.
async fn listed_status(url: &str, keys: &[PublicKey], index: u32) -> anyhow::Result<&'static str> {
    use crate::domain::status_list::Bitstring;
    let body: serde_json::Value =
        serde_json::from_str(&http_text(&format!("{url}/api/v1/status-list")).await?)?;
    let signed = body["token"]
        .as_str()
        .context("the status list has no token")?;
    let list: StatusListClaims = token::verify(signed, keys, TokenType::StatusList)
        .map_err(|e| anyhow::anyhow!("the status list's signature: {e}"))?;
    let bit = |c: &super::status_list::StatusListCredential| -> anyhow::Result<bool> {
        Ok(Bitstring::decode(&c.credential_subject.encoded_list)
            .map_err(|e| anyhow::anyhow!("the {} list: {e}", c.credential_subject.status_purpose))?
            .get(index))
    };
    Ok(match (bit(&list.revocation)?, bit(&list.suspension)?) {
        (true, _) => "revoked",
        (false, true) => "suspended",
        (false, false) => "neither suspended nor revoked",
    })
}

/// SHA-256 of the certificate's DER, as colon-separated hex.
fn fingerprint(cert: &Certificate) -> anyhow::Result<String> {
    use der::Encode;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(cert.to_der()?);
    Ok(digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":"))
}

async fn http_text(url: &str) -> anyhow::Result<String> {
    let res = reqwest::get(url)
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = res.status();
    let body = res.text().await?;
    if !status.is_success() {
        anyhow::bail!("{url} answered {status}: {body}");
    }
    Ok(body)
}
