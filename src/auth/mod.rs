//! Who is calling: password hashing, login tokens, and the `Caller` extractor.

pub mod password;
pub mod token;

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::startup::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Advisor,
    Police,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Advisor => "advisor",
            Role::Police => "police",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "operator" => Role::Operator,
            "advisor" => Role::Advisor,
            "police" => Role::Police,
            "admin" => Role::Admin,
            _ => return None,
        })
    }
}

/// An authenticated caller, taken from a valid `Authorization: Bearer` token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub role: Role,
    pub organisation_id: Option<String>,
}

impl Caller {
    /// Fails with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this action is not open to the {} role",
                self.role.as_str()
            )))
        }
    }

    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// Whether the caller is an operator of `organisation_id`.
    pub fn operates(&self, organisation_id: &str) -> bool {
        self.role == Role::Operator && self.organisation_id.as_deref() == Some(organisation_id)
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_from(req))
    }
}

fn caller_from(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("app state missing")))?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::Unauthenticated(
                "send Authorization: Bearer <token> (from POST /api/v1/auth/login)".into(),
            )
        })?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("the Authorization header is not text".into()))?;
    let token = value.strip_prefix("Bearer ").ok_or_else(|| {
        ApiError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
    })?;
    let claims = state.tokens.decode(token.trim())?;
    let role = Role::parse(&claims.role)
        .ok_or_else(|| ApiError::Unauthenticated("the token names an unknown role".into()))?;
    Ok(Caller {
        user_id: claims.sub,
        role,
        organisation_id: claims.org,
    })
}

/// A caller when a token is present, none when not (for pages that show more to a
/// signed-in user). A present but invalid token is still an error.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = Ready<Result<MaybeCaller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if req
            .headers()
            .contains_key(actix_web::http::header::AUTHORIZATION)
        {
            ready(caller_from(req).map(|c| MaybeCaller(Some(c))))
        } else {
            ready(Ok(MaybeCaller(None)))
        }
    }
}
