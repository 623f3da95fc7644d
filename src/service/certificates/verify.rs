//! Verification: by number or QR token (status only, never findings), the keys
//! that sign QR tokens, and the scheme CA (the signed status lists: `status_list`).

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use utoipa::ToSchema;

use super::public_cache::VerifiedToken;
use super::{PublicVerification, parse_number};
use crate::certificates::token::{self, CertificateClaims, PublicKey, TokenError, TokenType};
use crate::db;
use crate::service::{ServiceError, ServiceResult};
use crate::state::AppState;

/// What a check of a typed number found.
pub enum NumberCheck {
    Found(PublicVerification),
    /// Not a certificate number (it may be mistyped: the check character catches it).
    Mistyped(String),
    NotFound,
}

/// Checks a number as typed (case, spaces and missing hyphens forgiven).
pub async fn check_number(state: &AppState, typed: &str) -> ServiceResult<NumberCheck> {
    Ok(match parse_number(typed) {
        Err(e) => NumberCheck::Mistyped(e.to_string()),
        Ok(number) => match lookup(state, number).await? {
            Some(found) => NumberCheck::Found(found),
            None => NumberCheck::NotFound,
        },
    })
}

/// The public status of a certificate by number: a mistyped number is
/// `Malformed` naming `number`, an unknown one `NotFound`.
pub async fn by_number(state: &AppState, number: &str) -> ServiceResult<PublicVerification> {
    lookup(state, parse_number(number)?)
        .await?
        .ok_or_else(|| ServiceError::not_found("certificate"))
}

async fn lookup(state: &AppState, number: String) -> ServiceResult<Option<PublicVerification>> {
    // Issue 12: from memory while it is fresh (`public_cache`), else the public
    // columns only, read on this thread on SQLite.
    let cache = &state.public_cache;
    if let Some(row) = cache.record(&number, Instant::now()) {
        return Ok(Some(PublicVerification::from(&*row)));
    }
    let ticket = cache.ticket();
    let found = state
        .db
        .read(move |conn| db::public::by_number(conn, &number).map_err(ServiceError::from))
        .await?;
    Ok(found.map(|row| {
        let row = Arc::new(row);
        cache.keep(ticket, &row);
        PublicVerification::from(&*row)
    }))
}

/// Issue 12 part B: the published keys, from this instance's copy (read from the
/// database when it has none or it is stale: `certificates::key_cache`).
async fn cached_keys(state: &AppState) -> ServiceResult<Arc<[PublicKey]>> {
    match state.token_key_cache.fresh(Instant::now()) {
        Some(keys) => Ok(keys),
        None => reload_keys(state).await,
    }
}

async fn reload_keys(state: &AppState) -> ServiceResult<Arc<[PublicKey]>> {
    let keys = state
        .db
        .read(|conn| token::published_keys(conn).map_err(ServiceError::from))
        .await?;
    Ok(state.token_key_cache.store(keys, Instant::now()))
}

/// Checks a token's signature against the cached keys; a key id this instance
/// does not know (rotated on another) makes it read the keys again, every time:
/// a real token must never be called forged for want of a reload, and a made-up
/// key id costs one small read, as every token check did before the cache (the
/// public limit bounds how many one client can send).
async fn check_signature(
    state: &AppState,
    token: &str,
) -> ServiceResult<Result<Arc<VerifiedToken>, TokenError>> {
    let keys = cached_keys(state).await?;
    // Issue 12: a token found genuine before, while its key is still published.
    if let Some(known) = state.public_cache.token(token)
        && keys.iter().any(|k| k.kid == known.kid)
    {
        return Ok(Ok(known));
    }
    let checked: Result<CertificateClaims, TokenError> =
        match token::verify(token, &keys, TokenType::Certificate) {
            Err(TokenError::UnknownKey(_)) => {
                let keys = reload_keys(state).await?;
                token::verify(token, &keys, TokenType::Certificate)
            }
            checked => checked,
        };
    Ok(checked.and_then(|claims| {
        let kid = token::key_id(token).ok_or(TokenError::Malformed)?;
        let claims = Arc::new(claims);
        Ok(state
            .public_cache
            .keep_token(token, VerifiedToken { kid, claims }))
    }))
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct TokenVerification {
    pub signature: &'static str,
    #[schema(value_type = CertificateClaims)]
    pub claims: Arc<CertificateClaims>,
    pub certificate: PublicVerification,
}

/// What a check of a QR token found.
pub enum TokenCheck {
    Genuine(Box<TokenVerification>),
    /// Not signed by the scheme's keys, or altered.
    NotGenuine(TokenError),
    /// Signed by the scheme, but the register has no such certificate.
    UnknownCertificate,
}

pub async fn check_qr_token(state: &AppState, token: &str) -> ServiceResult<TokenCheck> {
    let verified = match check_signature(state, token).await? {
        Ok(verified) => verified,
        Err(e) => return Ok(TokenCheck::NotGenuine(e)),
    };
    Ok(match lookup(state, verified.claims.sub.clone()).await? {
        None => TokenCheck::UnknownCertificate,
        Some(certificate) => TokenCheck::Genuine(Box::new(TokenVerification {
            signature: "valid",
            claims: verified.claims.clone(),
            certificate,
        })),
    })
}

/// What a verifier learns from a QR token: it is genuine, and the live status.
/// A token that is not ours, or altered, is `Malformed` naming `token`.
pub async fn by_token(state: &AppState, token: &str) -> ServiceResult<TokenVerification> {
    match check_qr_token(state, token).await? {
        TokenCheck::Genuine(v) => Ok(*v),
        TokenCheck::NotGenuine(e) => Err(ServiceError::malformed_field("token", e.to_string())),
        TokenCheck::UnknownCertificate => Err(ServiceError::not_found("certificate")),
    }
}

/// The public keys that sign QR tokens and the status list, current first.
pub async fn published_keys(state: &AppState) -> ServiceResult<Vec<PublicKey>> {
    let keys = state
        .db
        .run(|conn| token::published_keys(conn).map_err(ServiceError::from))
        .await?;
    // Issue 12 part B: what the JWKS publishes, this instance verifies with.
    state.token_key_cache.store(keys.clone(), Instant::now());
    Ok(keys)
}

pub fn scheme_ca_pem(state: &AppState) -> ServiceResult<String> {
    Ok(state.documents.identity.ca_pem()?)
}
