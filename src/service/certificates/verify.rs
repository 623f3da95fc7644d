//! Verification: by number or QR token (status only, never findings), the keys
//! that sign QR tokens, the signed status list, and the scheme CA.

use serde::Serialize;
use utoipa::ToSchema;

use super::{PublicVerification, find_by_number, parse_number};
use crate::certificates::token::{self, CertificateClaims, PublicKey, TokenError, TokenType};
use crate::db::models::Certificate;
use crate::db::{self, DbConnection, now, to_utc};
use crate::domain::status::StoredStatus;
use crate::service::{ServiceError, ServiceResult};
use crate::state::AppState;

pub async fn by_number(state: &AppState, number: &str) -> ServiceResult<PublicVerification> {
    let number = parse_number(number)?;
    let cert = state
        .db
        .run(move |conn| find_by_number(conn, &number))
        .await?;
    Ok(PublicVerification::from(&cert))
}

pub struct CheckedToken {
    pub claims: CertificateClaims,
    pub certificate: Certificate,
}

/// Checks a QR token's signature against the published keys and finds its
/// certificate. A token that is not ours, or altered, is `Malformed` naming `token`.
pub fn check_token(conn: &mut DbConnection, token: &str) -> ServiceResult<CheckedToken> {
    let keys = token::published_keys(conn)?;
    let claims: CertificateClaims =
        token::verify(token, &keys, TokenType::Certificate).map_err(token_problem)?;
    let certificate = find_by_number(conn, &claims.sub)?;
    Ok(CheckedToken {
        claims,
        certificate,
    })
}

fn token_problem(e: TokenError) -> ServiceError {
    ServiceError::malformed_field("token", e.to_string())
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct TokenVerification {
    pub signature: &'static str,
    pub claims: CertificateClaims,
    pub certificate: PublicVerification,
}

/// What a verifier learns from a QR token: it is genuine, and the live status.
pub async fn by_token(state: &AppState, token: &str) -> ServiceResult<TokenVerification> {
    let token = token.to_string();
    let checked = state.db.run(move |conn| check_token(conn, &token)).await?;
    Ok(TokenVerification {
        signature: "valid",
        certificate: PublicVerification::from(&checked.certificate),
        claims: checked.claims,
    })
}

/// The public keys that sign QR tokens and the status list, current first.
pub async fn published_keys(state: &AppState) -> ServiceResult<Vec<PublicKey>> {
    state.db.run(|conn| Ok(token::published_keys(conn)?)).await
}

pub fn scheme_ca_pem(state: &AppState) -> ServiceResult<String> {
    Ok(state.documents.identity.ca_pem()?)
}

const STATUS_LIST_LIFETIME_SECS: i64 = 24 * 3600;

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct StatusListClaims {
    pub iat: i64,
    pub exp: i64,
    pub suspended: Vec<String>,
    pub revoked: Vec<String>,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct StatusList {
    #[serde(flatten)]
    pub list: StatusListClaims,
    pub token: String,
}

pub async fn status_list(state: &AppState) -> ServiceResult<StatusList> {
    state
        .db
        .run(|conn| {
            let (suspended, revoked): (Vec<_>, Vec<_>) = db::certificates::withdrawn_numbers(conn)?
                .into_iter()
                .partition(|(_, status)| *status == StoredStatus::Suspended);
            let iat = to_utc(now()).unix_timestamp();
            let list = StatusListClaims {
                iat,
                exp: iat + STATUS_LIST_LIFETIME_SECS,
                suspended: suspended.into_iter().map(|(n, _)| n).collect(),
                revoked: revoked.into_iter().map(|(n, _)| n).collect(),
            };
            let token = token::sign(conn, TokenType::StatusList, &list)?;
            Ok(StatusList { list, token })
        })
        .await
}
