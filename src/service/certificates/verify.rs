//! Verification: by number or QR token (status only, never findings), the keys
//! that sign QR tokens, and the scheme CA (the signed status lists: `status_list`).

use serde::Serialize;
use utoipa::ToSchema;

use super::{PublicVerification, parse_number};
use crate::certificates::token::{self, CertificateClaims, PublicKey, TokenError, TokenType};
use crate::db::models::Certificate;
use crate::db::{self, DbConnection};
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
    let found = state
        .db
        .run(move |conn| {
            db::certificates::find_by_number(conn, &number).map_err(ServiceError::from)
        })
        .await?;
    Ok(found.as_ref().map(PublicVerification::from))
}

struct CheckedToken {
    claims: CertificateClaims,
    certificate: Option<Certificate>,
}

fn check_token(
    conn: &mut DbConnection,
    token: &str,
) -> ServiceResult<Result<CheckedToken, TokenError>> {
    let keys = token::published_keys(conn)?;
    let claims: CertificateClaims = match token::verify(token, &keys, TokenType::Certificate) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let certificate = db::certificates::find_by_number(conn, &claims.sub)?;
    Ok(Ok(CheckedToken {
        claims,
        certificate,
    }))
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct TokenVerification {
    pub signature: &'static str,
    pub claims: CertificateClaims,
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
    let token = token.to_string();
    let checked = state.db.run(move |conn| check_token(conn, &token)).await?;
    Ok(match checked {
        Err(e) => TokenCheck::NotGenuine(e),
        Ok(CheckedToken {
            certificate: None, ..
        }) => TokenCheck::UnknownCertificate,
        Ok(CheckedToken {
            claims,
            certificate: Some(cert),
        }) => TokenCheck::Genuine(Box::new(TokenVerification {
            signature: "valid",
            certificate: PublicVerification::from(&cert),
            claims,
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
    state.db.run(|conn| Ok(token::published_keys(conn)?)).await
}

pub fn scheme_ca_pem(state: &AppState) -> ServiceResult<String> {
    Ok(state.documents.identity.ca_pem()?)
}
