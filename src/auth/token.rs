//! Login tokens: HS256 JWTs carrying the user, role and organisation, so any
//! instance can authenticate any request without a session store.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Why a login token was refused, in words for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TokenRejected(pub &'static str);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub org: Option<String>,
    /// The user's session version when the token was issued: a token whose
    /// version is no longer the user's (logged out, new password) is refused.
    pub ver: i32,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_minutes: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl_minutes: i64) -> TokenKeys {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_minutes,
        }
    }

    /// Issues a token; returns it with its expiry.
    pub fn issue(
        &self,
        user_id: &str,
        role: &str,
        organisation_id: Option<&str>,
        session_version: i32,
    ) -> anyhow::Result<(String, time::OffsetDateTime)> {
        let now = time::OffsetDateTime::now_utc();
        let exp = now + time::Duration::minutes(self.ttl_minutes);
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_string(),
            org: organisation_id.map(str::to_string),
            ver: session_version,
            iat: now.unix_timestamp(),
            exp: exp.unix_timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, exp))
    }

    pub fn decode(&self, token: &str) -> Result<Claims, TokenRejected> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired: log in again",
                    _ => "the token is not valid",
                };
                TokenRejected(why)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 5);
        let (t, _) = keys.issue("u1", "admin", None, 0).expect("issue");
        let c = keys.decode(&t).expect("decode");
        assert_eq!((c.sub.as_str(), c.role.as_str()), ("u1", "admin"));
        let other = TokenKeys::new(b"another secret another secret 12", 5);
        assert!(other.decode(&t).is_err());
    }

    #[test]
    fn expired_token_is_rejected() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", -1);
        let (t, _) = keys.issue("u1", "admin", None, 0).expect("issue");
        assert_eq!(
            keys.decode(&t).err(),
            Some(TokenRejected("the token has expired: log in again"))
        );
    }
}
