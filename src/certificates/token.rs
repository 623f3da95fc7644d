//! QR tokens: a compact JWS (EdDSA over Ed25519) of a certificate's public claims,
//! checkable offline against the keys at `/.well-known/jwks.json`. The same keys
//! sign the status list.
//!
//! Keys live in the `token_keys` table: the newest is current, older ones stay
//! published so that certificates issued before a rotation still verify.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::prelude::*;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::schema::{sequences, token_keys};
use crate::db::{DbConnection, now};

/// What a QR token asserts. Short names keep the QR code small enough to scan
/// from a printed page; times are seconds since the epoch as in any JWT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CertificateClaims {
    /// The certificate number.
    pub sub: String,
    /// Premises name.
    pub name: String,
    pub postcode: String,
    /// `building` or `event`.
    pub kind: String,
    /// `out_of_scope`, `standard` or `enhanced`.
    pub tier: String,
    /// Issued at.
    pub iat: i64,
    /// Expires at (the certificate's expiry, checked by the verifier, not the JWT layer).
    pub exp: i64,
    /// Where an offline checker reads this certificate's suspension and revocation:
    /// the bit at `idx` of both lists at `uri`. (Tokens issued before there were
    /// status lists have none; they are checked online.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusEntry>,
}

/// A certificate's entry in the signed status lists (`/api/v1/status-list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusEntry {
    /// The bit's index, the same in the revocation and the suspension list.
    pub idx: u32,
    /// The status list's URL.
    pub uri: String,
}

/// What a token is, in its header's `typ`, so that one kind can never be passed
/// off as the other (both are signed with the same keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    Certificate,
    StatusList,
}

impl TokenType {
    pub fn typ(self) -> &'static str {
        match self {
            TokenType::Certificate => "cert+jwt",
            TokenType::StatusList => "status-list+jwt",
        }
    }
}

/// One published verification key.
#[derive(Debug, Clone)]
pub struct PublicKey {
    pub kid: String,
    /// The raw Ed25519 public key, base64url: the JWK `x`.
    pub x: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a compact JWS")]
    Malformed,
    #[error("the token names key `{0}`, which the scheme never published")]
    UnknownKey(String),
    #[error("the token's signature does not verify: it was altered or not issued by the scheme")]
    BadSignature,
    #[error("the token is a {found}, not a {expected}")]
    WrongType {
        found: String,
        expected: &'static str,
    },
}

/// The current signing key, creating the first one when there is none.
pub fn current_key(conn: &mut DbConnection) -> anyhow::Result<(String, EncodingKey)> {
    let newest: Option<(String, String)> = token_keys::table
        .filter(token_keys::retired_at.is_null())
        .order((token_keys::created_at.desc(), token_keys::kid.desc()))
        .select((token_keys::kid, token_keys::private_key))
        .first(conn)
        .optional()?;
    let (kid, pem) = match newest {
        Some(k) => k,
        None => {
            create_first_key(conn)?;
            return current_key(conn);
        }
    };
    let key = SigningKey::from_pkcs8_pem(&pem)
        .map_err(|e| anyhow::anyhow!("token key {kid} is unreadable: {e}"))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|e| anyhow::anyhow!("token key {kid}: {e}"))?;
    Ok((kid, EncodingKey::from_ed_der(der.as_bytes())))
}

/// Creates a key only when none exists. The UPDATE on the shared `sequences` row
/// serialises instances that start together, so they agree on one first key.
fn create_first_key(conn: &mut DbConnection) -> anyhow::Result<()> {
    conn.transaction(|tx| {
        diesel::update(sequences::table.find("audit"))
            .set(sequences::value.eq(sequences::value))
            .execute(tx)?;
        let existing: i64 = token_keys::table.count().get_result(tx)?;
        if existing == 0 {
            insert_new_key(tx)?;
            tracing::info!("generated the first QR token signing key");
        }
        Ok::<_, anyhow::Error>(())
    })
}

/// Adds a new key, which becomes current (`protectcert keys rotate`).
pub fn insert_new_key(conn: &mut DbConnection) -> anyhow::Result<String> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let public = key.verifying_key().to_bytes();
    let kid = kid_of(&public);
    let pem = key
        .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("cannot encode a new token key: {e}"))?;
    diesel::insert_into(token_keys::table)
        .values((
            token_keys::kid.eq(&kid),
            token_keys::private_key.eq(pem.as_str()),
            token_keys::public_key.eq(URL_SAFE_NO_PAD.encode(public)),
            token_keys::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(kid)
}

/// The key id: the start of the SHA-256 of the public key, so it is stable and unique.
fn kid_of(public: &[u8]) -> String {
    hex::encode(&Sha256::digest(public)[..8])
}

/// Every published key, newest first.
pub fn published_keys(conn: &mut DbConnection) -> QueryResult<Vec<PublicKey>> {
    let rows: Vec<(String, String)> = token_keys::table
        .filter(token_keys::retired_at.is_null())
        .order((token_keys::created_at.desc(), token_keys::kid.desc()))
        .select((token_keys::kid, token_keys::public_key))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(kid, x)| PublicKey { kid, x })
        .collect())
}

/// Signs claims with the current key; the header names the key and the type.
pub fn sign<T: Serialize>(
    conn: &mut DbConnection,
    typ: TokenType,
    claims: &T,
) -> anyhow::Result<String> {
    let (kid, key) = current_key(conn)?;
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid);
    header.typ = Some(typ.typ().to_string());
    Ok(jsonwebtoken::encode(&header, claims, &key)?)
}

/// Checks a token's signature against the given keys and returns its claims.
/// Expiry is deliberately not enforced here: an expired certificate's token is
/// still genuine, and the verifier reports "expired" rather than "forged".
pub fn verify<T: serde::de::DeserializeOwned>(
    token: &str,
    keys: &[PublicKey],
    typ: TokenType,
) -> Result<T, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
    if header.alg != Algorithm::EdDSA {
        return Err(TokenError::BadSignature);
    }
    if header.typ.as_deref() != Some(typ.typ()) {
        return Err(TokenError::WrongType {
            found: header.typ.unwrap_or_else(|| "token of no type".into()),
            expected: typ.typ(),
        });
    }
    let kid = header.kid.ok_or(TokenError::Malformed)?;
    let key = keys
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| TokenError::UnknownKey(kid.clone()))?;
    let decoding = DecodingKey::from_ed_components(&key.x).map_err(|_| TokenError::Malformed)?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<T>(token, &decoding, &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenError::BadSignature,
            _ => TokenError::Malformed,
        })
}

/// The id of the key a token names in its header (of a token already verified).
pub fn key_id(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).ok()?.kid
}

/// The keys as a JWK set (RFC 7517, OKP keys per RFC 8037).
pub fn jwks(keys: &[PublicKey]) -> serde_json::Value {
    let keys: Vec<serde_json::Value> = keys
        .iter()
        .map(|k| {
            serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "x": k.x, "kid": k.kid,
                "alg": "EdDSA", "use": "sig",
            })
        })
        .collect();
    serde_json::json!({ "keys": keys })
}

/// Reads a JWK set back (for `verify-pdf --url`), keeping the Ed25519 keys.
pub fn keys_from_jwks(jwks: &serde_json::Value) -> Vec<PublicKey> {
    jwks["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter(|k| k["kty"] == "OKP" && k["crv"] == "Ed25519")
                .filter_map(|k| {
                    Some(PublicKey {
                        kid: k["kid"].as_str()?.to_string(),
                        x: k["x"].as_str()?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_pair() -> (PublicKey, EncodingKey) {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let public = key.verifying_key().to_bytes();
        let der = key.to_pkcs8_der().expect("der");
        (
            PublicKey {
                kid: kid_of(&public),
                x: URL_SAFE_NO_PAD.encode(public),
            },
            EncodingKey::from_ed_der(der.as_bytes()),
        )
    }

    fn claims() -> CertificateClaims {
        CertificateClaims {
            sub: "PSC-2026-000001-K".into(),
            name: "Riverside Hall".into(),
            postcode: "BS1 4DJ".into(),
            kind: "building".into(),
            tier: "standard".into(),
            iat: 1_700_000_000,
            exp: 1_000,
            status: Some(StatusEntry {
                idx: 94_567,
                uri: "https://example.test/api/v1/status-list".into(),
            }),
        }
    }

    fn sign_with(public: &PublicKey, key: &EncodingKey) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(public.kid.clone());
        header.typ = Some(TokenType::Certificate.typ().into());
        jsonwebtoken::encode(&header, &claims(), key).expect("sign")
    }

    #[test]
    fn a_signed_token_verifies_even_past_its_expiry() {
        let (public, key) = key_pair();
        let token = sign_with(&public, &key);
        let back: CertificateClaims =
            verify(&token, &[public], TokenType::Certificate).expect("verify");
        assert_eq!(back, claims());
    }

    #[test]
    fn an_altered_token_or_an_unknown_key_is_refused() {
        let (public, key) = key_pair();
        let token = sign_with(&public, &key);
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        let mut payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
        payload["tier"] = "enhanced".into();
        parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
        let forged = parts.join(".");
        assert!(matches!(
            verify::<CertificateClaims>(
                &forged,
                std::slice::from_ref(&public),
                TokenType::Certificate
            ),
            Err(TokenError::BadSignature)
        ));
        let (other, _) = key_pair();
        assert!(matches!(
            verify::<CertificateClaims>(&token, &[other], TokenType::Certificate),
            Err(TokenError::UnknownKey(_))
        ));
        assert!(matches!(
            verify::<CertificateClaims>(
                "not-a-token",
                std::slice::from_ref(&public),
                TokenType::Certificate
            ),
            Err(TokenError::Malformed)
        ));
        // A genuine token of the other type is refused for what it is.
        assert!(matches!(
            verify::<CertificateClaims>(&token, &[public], TokenType::StatusList),
            Err(TokenError::WrongType { .. })
        ));
    }

    #[test]
    fn jwks_round_trips() {
        let (public, _) = key_pair();
        let set = jwks(std::slice::from_ref(&public));
        let back = keys_from_jwks(&set);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].kid, public.kid);
        assert_eq!(back[0].x, public.x);
    }
}
