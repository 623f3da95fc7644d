//! How the JSON API answers an error: every 4xx/5xx leaves as
//! `application/problem+json` (RFC 9457) with a stable snake_case `code`, a human
//! `detail` and, for bad input, the offending fields. `ApiError` wraps the
//! service's error (and the few failures only HTTP has: a body of the wrong type
//! or size) and renders it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

pub use crate::service::error::field_from_serde_message;
pub use crate::service::{FieldError, ServiceError};

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
#[error(transparent)]
pub struct ApiError(pub ServiceError);

impl<E: Into<ServiceError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl ApiError {
    fn bad_request(detail: String, errors: Vec<FieldError>) -> ApiError {
        ApiError(ServiceError::Malformed { detail, errors })
    }

    fn code(&self) -> &'static str {
        match &self.0 {
            ServiceError::Malformed { .. } => "bad_request",
            ServiceError::Invalid(_) => "validation_failed",
            ServiceError::Unauthenticated(_) => "unauthenticated",
            ServiceError::Forbidden(_) => "forbidden",
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Conflict { code, .. } => code,
            ServiceError::TooManyAttempts { .. } => "too_many_attempts",
            ServiceError::TooLarge(_) => "payload_too_large",
            ServiceError::UnsupportedType(_) => "unsupported_media_type",
            ServiceError::Internal(_) => "internal_error",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors, items) = match &self.0 {
            ServiceError::Malformed { detail, errors } => (detail.clone(), errors.clone(), vec![]),
            ServiceError::Invalid(errors) => (invalid_detail(errors), errors.clone(), vec![]),
            ServiceError::Unauthenticated(why) | ServiceError::Forbidden(why) => {
                (why.clone(), vec![], vec![])
            }
            ServiceError::NotFound(what) => (format!("{what} not found"), vec![], vec![]),
            ServiceError::Conflict { detail, items, .. } => (detail.clone(), vec![], items.clone()),
            ServiceError::TooLarge(d) | ServiceError::UnsupportedType(d) => {
                (d.clone(), vec![], vec![])
            }
            e @ ServiceError::TooManyAttempts { .. } => (e.to_string(), vec![], vec![]),
            ServiceError::Internal(_) => (
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

/// "capacity: must be at least 1", or the list of fields when several are wrong.
pub fn invalid_detail(errors: &[FieldError]) -> String {
    match errors {
        [one] => format!("{}: {}", one.field, one.message),
        _ => {
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            format!("invalid fields: {}", fields.join(", "))
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            ServiceError::Malformed { .. } => StatusCode::BAD_REQUEST,
            ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::Conflict { .. } => StatusCode::CONFLICT,
            ServiceError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ServiceError::Internal(e) = &self.0 {
            tracing::error!(error = ?e, "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json");
        if let ServiceError::Unauthenticated(_) = &self.0 {
            res.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let ServiceError::TooManyAttempts { retry_after } = &self.0 {
            res.insert_header(("Retry-After", retry_after.to_string()));
        }
        res.json(self.problem())
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
                Some(f) => ApiError::bad_request(detail, vec![FieldError::new(f, msg)]),
                None => ApiError::bad_request(detail, vec![]),
            }
        }
        J::ContentType => ApiError(ServiceError::UnsupportedType(
            "send the body as application/json".to_string(),
        )),
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => ApiError(
            ServiceError::TooLarge(format!("the JSON body is larger than {limit} bytes")),
        ),
        other => ApiError::bad_request(format!("cannot read the JSON body: {other}"), vec![]),
    }
}

pub fn query_error(err: actix_web::error::QueryPayloadError) -> ApiError {
    let msg = err.to_string();
    let errors = field_from_serde_message(&msg)
        .map(|f| vec![FieldError::new(f, msg.clone())])
        .unwrap_or_default();
    ApiError::bad_request(format!("bad query string: {msg}"), errors)
}

pub fn path_error(err: actix_web::error::PathError) -> ApiError {
    ApiError::bad_request(format!("bad path: {err}"), vec![])
}

/// Gives a problem body to error responses that actix produced without one (a 405
/// from a resource's method routing, say), keeping their headers such as `Allow`.
pub fn problem_for_bare_errors<B: actix_web::body::MessageBody + 'static>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    use actix_web::http::header::CONTENT_TYPE;
    use actix_web::middleware::ErrorHandlerResponse;
    // Our own answers (problem+json, and the pages' HTML) pass; actix's bare ones
    // (no body, or its plain-text messages) get a problem body.
    let ours = res.headers().get(CONTENT_TYPE).is_some_and(|v| {
        let v = v.as_bytes();
        v.starts_with(b"application/problem+json") || v.starts_with(b"text/html")
    });
    if ours {
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
    fn validation_detail_names_the_field() {
        let p = ApiError(ServiceError::field("capacity", "must be at least 1")).problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.code, "validation_failed");
        assert!(p.detail.contains("capacity"));
    }
}
