//! The published status lists: W3C Bitstring Status Lists, one for revocation and
//! one for suspension, signed together as one `status-list+jwt`.
//!
//! Each certificate has a random, unique index (`certificates.status_index`), the
//! same in both lists, carried in its QR token (`CertificateClaims::status`). An
//! offline checker holding the token and the signed lists reads its two bits and
//! learns that certificate's status; the lists name no certificate, so nobody
//! learns from them which venues are suspended or revoked.

use diesel::Connection;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

use crate::certificates::document::status_list_url;
use crate::certificates::token::{self, TokenType};
use crate::db::{self, Db, DbConnection, now, to_utc};
use crate::domain::status::StoredStatus;
use crate::domain::status_list::{Bitstring, entries_for, random_index};
use crate::service::{ServiceError, ServiceResult};
use crate::state::AppState;

const STATUS_LIST_LIFETIME_SECS: i64 = 24 * 3600;

/// A random status index no certificate has, in a list sized for the register.
pub fn unused_status_index(conn: &mut DbConnection) -> ServiceResult<i32> {
    let (count, _) = db::certificates::status_index_span(conn)?;
    let entries = entries_for(count.unsigned_abs() + 1);
    for _ in 0..64 {
        let index = random_index(entries, &mut rand::rngs::OsRng) as i32;
        if !db::certificates::status_index_taken(conn, index)? {
            return Ok(index);
        }
    }
    Err(ServiceError::internal(anyhow::anyhow!(
        "no free status index in {entries} after 64 draws"
    )))
}

/// Gives every certificate issued before there were status lists its index (at
/// start-up; a no-op once done). One transaction each, so that two instances
/// starting together cannot hand out one index twice: the UNIQUE index refuses it
/// and the start fails loudly rather than quietly.
pub fn assign_missing_indexes(db: &Db) -> anyhow::Result<usize> {
    let mut conn = db.get()?;
    let missing = db::certificates::without_status_index(&mut conn)?;
    for id in &missing {
        conn.transaction(|tx| -> anyhow::Result<()> {
            let index = unused_status_index(tx).map_err(|e| anyhow::anyhow!("{e}"))?;
            db::certificates::set_status_index(tx, id, index)?;
            Ok(())
        })?;
    }
    Ok(missing.len())
}

/// One W3C `BitstringStatusListCredential` (unsigned: the `token` signs both).
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct StatusListCredential {
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    /// `{uri}#revocation` or `{uri}#suspension`.
    pub id: String,
    /// `["VerifiableCredential", "BitstringStatusListCredential"]`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// The scheme's public URL.
    pub issuer: String,
    pub valid_from: String,
    pub valid_until: String,
    pub credential_subject: StatusListSubject,
}

#[derive(Serialize, Deserialize, ToSchema, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct StatusListSubject {
    pub id: String,
    /// `BitstringStatusList`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `revocation` or `suspension`.
    pub status_purpose: String,
    /// Multibase `u` + base64url (no padding) of the GZIP-compressed bits; at least
    /// 131,072 entries; bit 0 is the left-most bit of the first byte.
    pub encoded_list: String,
}

/// What the status-list token signs.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone)]
pub struct StatusListClaims {
    pub iat: i64,
    pub exp: i64,
    /// The URL certificates' tokens name in `status.uri`.
    pub sub: String,
    /// A set bit: the certificate at that index is revoked.
    pub revocation: StatusListCredential,
    /// A set bit: the certificate at that index is suspended.
    pub suspension: StatusListCredential,
}

#[derive(Serialize, Deserialize, ToSchema, Debug, Clone)]
pub struct StatusList {
    #[serde(flatten)]
    pub list: StatusListClaims,
    /// The same claims as a compact JWS (`typ` `status-list+jwt`), signed with a
    /// key at `/.well-known/jwks.json`.
    pub token: String,
}

fn credential(
    uri: &str,
    issuer: &str,
    purpose: &str,
    bits: &Bitstring,
    (from, until): (&str, &str),
) -> StatusListCredential {
    StatusListCredential {
        context: vec!["https://www.w3.org/ns/credentials/v2".into()],
        id: format!("{uri}#{purpose}"),
        types: vec![
            "VerifiableCredential".into(),
            "BitstringStatusListCredential".into(),
        ],
        issuer: issuer.to_string(),
        valid_from: from.to_string(),
        valid_until: until.to_string(),
        credential_subject: StatusListSubject {
            id: format!("{uri}#{purpose}-list"),
            kind: "BitstringStatusList".into(),
            status_purpose: purpose.into(),
            encoded_list: bits.encode(),
        },
    }
}

/// The signed lists as they stand now.
pub async fn status_list(state: &AppState) -> ServiceResult<StatusList> {
    let issuer = state.settings.public_url().to_string();
    state
        .db
        .run(move |conn| {
            let (count, highest) = db::certificates::status_index_span(conn)?;
            let entries =
                entries_for(count.unsigned_abs()).max(highest.map_or(0, |h| h.unsigned_abs() + 1));
            let mut revoked = Bitstring::new(entries);
            let mut suspended = Bitstring::new(entries);
            for (index, status) in db::certificates::withdrawn_indexes(conn)? {
                match status {
                    StoredStatus::Revoked => revoked.set(index.unsigned_abs()),
                    _ => suspended.set(index.unsigned_abs()),
                }
            }
            let at = to_utc(now());
            let iat = at.unix_timestamp();
            let until = at + time::Duration::seconds(STATUS_LIST_LIFETIME_SECS);
            let (from, until) = (
                at.format(&Rfc3339).map_err(anyhow::Error::from)?,
                until.format(&Rfc3339).map_err(anyhow::Error::from)?,
            );
            let uri = status_list_url(&issuer);
            let list = StatusListClaims {
                iat,
                exp: iat + STATUS_LIST_LIFETIME_SECS,
                revocation: credential(&uri, &issuer, "revocation", &revoked, (&from, &until)),
                suspension: credential(&uri, &issuer, "suspension", &suspended, (&from, &until)),
                sub: uri,
            };
            let token = token::sign(conn, TokenType::StatusList, &list)?;
            Ok(StatusList { list, token })
        })
        .await
}
