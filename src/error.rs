//! One error type for the API. Every 4xx/5xx leaves as `application/problem+json`
//! (RFC 9457) with a stable snake_case `code`, a human `detail` and, for bad input,
//! the offending fields.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

/// The problem document (RFC 9457) every error response carries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Item ids involved, e.g. those still unscored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("authentication required")]
    Unauthenticated(String),
    #[error("forbidden")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        items: Vec<String>,
    },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("internal error")]
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn internal(e: anyhow::Error) -> ApiError {
        ApiError::Internal(e)
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Conflict {
            code,
            detail: detail.into(),
            items: Vec::new(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::NotFound(what.into())
    }

    pub fn forbidden(why: impl Into<String>) -> ApiError {
        ApiError::Forbidden(why.into())
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Validation(_) => "validation_failed",
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict { code, .. } => code,
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Internal(_) => "internal_error",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors, items) = match self {
            ApiError::BadRequest { detail, errors } => (detail.clone(), errors.clone(), vec![]),
            ApiError::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                let detail = match errors.as_slice() {
                    [one] => format!("{}: {}", one.field, one.message),
                    _ => format!("invalid fields: {}", fields.join(", ")),
                };
                (detail, errors.clone(), vec![])
            }
            ApiError::Unauthenticated(why) | ApiError::Forbidden(why) => {
                (why.clone(), vec![], vec![])
            }
            ApiError::NotFound(what) => (format!("{what} not found"), vec![], vec![]),
            ApiError::Conflict { detail, items, .. } => (detail.clone(), vec![], items.clone()),
            ApiError::PayloadTooLarge(d) | ApiError::UnsupportedMediaType(d) => {
                (d.clone(), vec![], vec![])
            }
            ApiError::Internal(_) => (
                "the server could not complete the request; it has been logged".to_string(),
                vec![],
                vec![],
            ),
        };
        let code = self.code();
        Problem {
            type_: format!("/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            code: code.to_string(),
            errors,
            items,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json");
        if let ApiError::Unauthenticated(_) = self {
            res.insert_header(("WWW-Authenticate", "Bearer"));
        }
        res.json(self.problem())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> ApiError {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::not_found("record"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => ApiError::Conflict {
                code: "already_exists",
                detail: format!(
                    "a record with the same unique value already exists ({})",
                    info.message()
                ),
                items: vec![],
            },
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        ApiError::Internal(e)
    }
}

/// Maps actix's own extractor failures (bad JSON, bad path or query) to problems
/// that name the field where serde tells us which one it was.
pub fn json_error(err: actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as J;
    match err {
        J::Deserialize(e) => {
            let msg = e.to_string();
            let field = field_from_serde_message(&msg);
            let detail = format!("the JSON body does not fit: {msg}");
            match field {
                Some(f) => ApiError::BadRequest {
                    detail,
                    errors: vec![FieldError::new(f, msg)],
                },
                None => ApiError::BadRequest {
                    detail,
                    errors: vec![],
                },
            }
        }
        J::ContentType => {
            ApiError::UnsupportedMediaType("send the body as application/json".to_string())
        }
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge(format!("the JSON body is larger than {limit} bytes"))
        }
        other => ApiError::BadRequest {
            detail: format!("cannot read the JSON body: {other}"),
            errors: vec![],
        },
    }
}

pub fn query_error(err: actix_web::error::QueryPayloadError) -> ApiError {
    let msg = err.to_string();
    ApiError::BadRequest {
        detail: format!("bad query string: {msg}"),
        errors: field_from_serde_message(&msg)
            .map(|f| vec![FieldError::new(f, msg.clone())])
            .unwrap_or_default(),
    }
}

pub fn path_error(err: actix_web::error::PathError) -> ApiError {
    ApiError::BadRequest {
        detail: format!("bad path: {err}"),
        errors: vec![],
    }
}

/// A JSON body or query string that does not fit its type (see `api::extract`),
/// as a 400 naming the field: the path where serde stopped (`scores[2].score`),
/// and for a missing or unknown field the name from serde's message under it
/// (`designated_senior_individual.email`).
pub fn deserialize_error<E: std::fmt::Display>(
    what: &str,
    err: serde_path_to_error::Error<E>,
) -> ApiError {
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
    ApiError::BadRequest {
        detail,
        errors: field
            .map(|f| vec![FieldError::new(f, msg)])
            .unwrap_or_default(),
    }
}

/// serde says "missing field `email`" or "unknown field `x`" or, for a wrong value,
/// "invalid type: ... at line 1 column 20" (no name). Pull the name out when present.
fn field_from_serde_message(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = start + msg[start..].find('`')?;
    let name = &msg[start..end];
    let looks_like_field = msg.contains("field") && !name.is_empty();
    looks_like_field.then(|| name.to_string())
}

/// Gives a problem body to error responses that actix produced without one (a 405
/// from a resource's method routing, say), keeping their headers such as `Allow`.
pub fn problem_for_bare_errors<B: actix_web::body::MessageBody + 'static>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    use actix_web::http::header::CONTENT_TYPE;
    use actix_web::middleware::ErrorHandlerResponse;
    let is_problem = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal_error",
        _ => "bad_request",
    };
    let problem = Problem {
        type_: format!("/problems/{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: match status {
            StatusCode::METHOD_NOT_ALLOWED => {
                let allow = res
                    .headers()
                    .get(actix_web::http::header::ALLOW)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                format!("this method is not allowed here; allowed: {allow}")
            }
            _ => status.canonical_reason().unwrap_or("error").to_string(),
        },
        code: code.to_string(),
        errors: vec![],
        items: vec![],
    };
    let (req, old) = res.into_parts();
    let mut builder = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != CONTENT_TYPE && name != actix_web::http::header::CONTENT_LENGTH {
            builder.insert_header((name.clone(), value.clone()));
        }
    }
    let new = builder
        .content_type("application/problem+json")
        .json(problem);
    Ok(ErrorHandlerResponse::Response(
        actix_web::dev::ServiceResponse::new(req, new).map_into_right_body(),
    ))
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
            ApiError::BadRequest { errors, .. } => errors.into_iter().map(|e| e.field).collect(),
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
                ApiError::BadRequest { errors, .. } => {
                    assert_eq!(errors[0].field, field, "{query}")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn validation_detail_names_the_field() {
        let p = ApiError::field("capacity", "must be at least 1").problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.code, "validation_failed");
        assert!(p.detail.contains("capacity"));
    }
}
