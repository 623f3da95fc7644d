//! How a page answers an error: an HTML page saying what happened, with the
//! status code of the service's error. (Forms show field errors themselves.)

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::service::ServiceError;

#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct PageError(pub ServiceError);

impl<E: Into<ServiceError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            ServiceError::Malformed { .. } => StatusCode::BAD_REQUEST,
            ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::Conflict { .. } => StatusCode::CONFLICT,
            ServiceError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, detail) = match &self.0 {
            ServiceError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (
                    "Something went wrong",
                    "The service could not complete the request; it has been logged.".to_string(),
                )
            }
            ServiceError::NotFound(what) => ("Not found", format!("No such {what}.")),
            ServiceError::Forbidden(why) => ("Not allowed", why.clone()),
            ServiceError::Unauthenticated(why) => ("Please log in", why.clone()),
            other => ("That did not work", other.to_string()),
        };
        let html = super::render_page(
            "error.html",
            &minijinja::context! { title => title, detail => detail },
        )
        .unwrap_or_else(|_| format!("<!doctype html><title>{title}</title><h1>{title}</h1>"));
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .body(html)
    }
}
