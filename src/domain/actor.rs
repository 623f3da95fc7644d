//! Who acts: the four roles and the caller a request (or the CLI) acts as.
//! What each role may see and do is decided in `service::access`, not here.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Advisor,
    Police,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Operator, Role::Advisor, Role::Police, Role::Admin];

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

/// An authenticated caller: a user, their role and (operators) their organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub role: Role,
    pub organisation_id: Option<String>,
}

impl Caller {
    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// Whether the caller is an operator of `organisation_id`.
    pub fn operates(&self, organisation_id: &str) -> bool {
        self.role == Role::Operator && self.organisation_id.as_deref() == Some(organisation_id)
    }
}
