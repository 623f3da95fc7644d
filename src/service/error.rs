//! The one error every use case returns. It says what went wrong in the domain's
//! terms; `api` renders it as problem+json and `web` as a page, a form with
//! messages next to its fields, or a redirect to log in.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The request field at fault, e.g. `capacity` or `scores[2].score`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input that cannot be read at all (a mistyped certificate number, a token
    /// that is not one of ours); `errors` names the field where one is at fault.
    #[error("{detail}")]
    Malformed {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// Input that was read but breaks a rule, field by field.
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    /// The record is not in a state that allows this; `code` is stable for clients.
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        /// Item ids involved, e.g. those still unanswered.
        items: Vec<String>,
    },
    /// Too many failed log-ins for the account or from the address: try again in
    /// `retry_after` seconds.
    #[error("too many failed log-ins: try again in {retry_after} seconds")]
    TooManyAttempts { retry_after: u64 },
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedType(String),
    #[error("internal error")]
    Internal(anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn internal(e: impl Into<anyhow::Error>) -> ServiceError {
        ServiceError::Internal(e.into())
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn malformed_field(field: &str, message: impl Into<String>) -> ServiceError {
        let message = message.into();
        ServiceError::Malformed {
            detail: format!("{field}: {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> ServiceError {
        ServiceError::Conflict {
            code,
            detail: detail.into(),
            items: Vec::new(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> ServiceError {
        ServiceError::NotFound(what.into())
    }

    pub fn forbidden(why: impl Into<String>) -> ServiceError {
        ServiceError::Forbidden(why.into())
    }

    /// The message for a field, if this error names it (for forms).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ServiceError::Invalid(errors) | ServiceError::Malformed { errors, .. } => errors,
            _ => &[],
        }
    }
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> ServiceError {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ServiceError::not_found("record"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                ServiceError::Conflict {
                    code: "already_exists",
                    detail: format!(
                        "a record with the same unique value already exists ({})",
                        info.message()
                    ),
                    items: vec![],
                }
            }
            other => ServiceError::Internal(other.into()),
        }
    }
}

impl From<crate::auth::token::TokenRejected> for ServiceError {
    fn from(e: crate::auth::token::TokenRejected) -> ServiceError {
        ServiceError::Unauthenticated(e.0.to_string())
    }
}

impl From<anyhow::Error> for ServiceError {
    fn from(e: anyhow::Error) -> ServiceError {
        ServiceError::Internal(e)
    }
}

/// A JSON body or query string that does not fit its type (see `api::extract`),
/// as a 400 naming the field: the path where serde stopped (`scores[2].score`),
/// and for a missing or unknown field the name from serde's message under it
/// (`designated_senior_individual.email`).
pub fn deserialize_error<E: std::fmt::Display>(
    what: &str,
    err: serde_path_to_error::Error<E>,
) -> ServiceError {
    let path = match err.path().to_string() {
        root if root == "." => String::new(),
        p => p,
    };
    let msg = err.inner().to_string();
    // serde_json adds the position, which means nothing to a form or a client.
    let msg = match msg.rfind(" at line ") {
        Some(at) => msg[..at].to_string(),
        None => msg,
    };
    // The path ends with an unknown key already, but stops at the struct that
    // misses a field: serde's message names that one.
    let missing = msg
        .starts_with("missing field")
        .then(|| field_from_serde_message(&msg))
        .flatten();
    let field = match (missing, path.is_empty()) {
        (Some(name), true) => Some(name),
        (Some(name), false) => Some(format!("{path}.{name}")),
        (None, true) => None,
        (None, false) => Some(path),
    };
    let detail = match &field {
        Some(f) => format!("{what}: {f}: {msg}"),
        None => format!("{what}: {msg}"),
    };
    ServiceError::Malformed {
        detail,
        errors: field
            .map(|f| vec![FieldError::new(f, msg)])
            .unwrap_or_default(),
    }
}

/// serde says "missing field `email`" or "unknown field `x`" or, for a wrong value,
/// "invalid type: ... at line 1 column 20" (no name). Pull the name out when present.
pub fn field_from_serde_message(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = start + msg[start..].find('`')?;
    let name = &msg[start..end];
    let looks_like_field = msg.contains("field") && !name.is_empty();
    looks_like_field.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_field_names_are_extracted() {
        assert_eq!(
            field_from_serde_message("missing field `email` at line 1 column 2"),
            Some("email".into())
        );
        assert_eq!(
            field_from_serde_message("unknown variant `castle`, expected `building` or `event`"),
            None
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Person {
        name: String,
        email: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        capacity: Option<u32>,
        #[serde(default)]
        people: Vec<Person>,
        dsi: Option<Person>,
    }

    fn json_field(body: &str) -> Vec<String> {
        let mut de = serde_json::Deserializer::from_str(body);
        let err = serde_path_to_error::deserialize::<_, Body>(&mut de).expect_err("must fail");
        match deserialize_error("body", err) {
            ServiceError::Malformed { errors, .. } => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn deserialize_errors_name_the_field_by_its_path() {
        assert_eq!(json_field(r#"{"capacity":"lots"}"#), ["capacity"]);
        assert_eq!(
            json_field(r#"{"people":[{"name":"a","email":"b"},{"name":5,"email":"c"}]}"#),
            ["people[1].name"]
        );
        assert_eq!(json_field(r#"{"dsi":{"name":"a"}}"#), ["dsi.email"]);
        assert_eq!(
            json_field(r#"{"dsi":{"name":"a","email":"b","x":1}}"#),
            ["dsi.x"]
        );
        assert_eq!(
            json_field(r#"{"dsi":{"name":"a","email":[]}}"#),
            ["dsi.email"]
        );
        assert_eq!(json_field(r#"[1]"#), Vec::<String>::new());
    }

    #[test]
    fn query_errors_name_the_parameter() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Q {
            limit: Option<i64>,
            status: String,
        }
        for (query, field) in [
            ("status=x&limit=abc", "limit"),
            ("limit=1", "status"),
            ("status=x&statu=y", "statu"),
        ] {
            let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
            let err = serde_path_to_error::deserialize::<_, Q>(de).expect_err("must fail");
            match deserialize_error("query", err) {
                ServiceError::Malformed { errors, .. } => {
                    assert_eq!(errors[0].field, field, "{query}")
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
