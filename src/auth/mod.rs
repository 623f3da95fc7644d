//! Who is calling: password hashing, login tokens, and reading a caller from a
//! Bearer token. The roles and the caller are domain types (`domain::actor`); what
//! each may do is decided in `service::access`.

pub mod password;
pub mod throttle;
pub mod token;

pub use crate::domain::actor::{Caller, Role};
use token::{TokenKeys, TokenRejected};

/// The caller a `Bearer <token>` Authorization header value names.
pub fn caller_from_bearer(tokens: &TokenKeys, header: &str) -> Result<Caller, TokenRejected> {
    let token = header.strip_prefix("Bearer ").ok_or(TokenRejected(
        "the Authorization header must be `Bearer <token>`",
    ))?;
    caller_from_token(tokens, token.trim())
}

/// The caller a login token names, by its signature and expiry alone. Requests
/// authenticate through `service::accounts::authenticate`, which also checks that
/// the account still exists, is active and has not ended the token's session.
pub fn caller_from_token(tokens: &TokenKeys, token: &str) -> Result<Caller, TokenRejected> {
    let claims = tokens.decode(token)?;
    let role = Role::parse(&claims.role).ok_or(TokenRejected("the token names an unknown role"))?;
    Ok(Caller {
        user_id: claims.sub,
        role,
        organisation_id: claims.org,
    })
}
