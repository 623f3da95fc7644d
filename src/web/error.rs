//! How a page answers an error: a redirect to the login page when no one is signed
//! in, otherwise an HTML page saying what happened and what to do, with the status
//! code of the service's error. (Forms show field errors next to their fields.)

use std::sync::OnceLock;

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::layout::Chrome;
use crate::service::ServiceError;

/// The scheme's name for error pages, which are rendered without the request.
static SCHEME_NAME: OnceLock<String> = OnceLock::new();

pub fn set_scheme_name(name: &str) {
    let _ = SCHEME_NAME.set(name.to_string());
}

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Service(ServiceError),
    /// Not signed in: log in, then come back to `next`.
    #[error("log in to see {next}")]
    Login { next: String },
    /// A form without this browser's CSRF token (stale, or from another site).
    #[error("the form's CSRF token does not match")]
    Csrf,
}

impl<E: Into<ServiceError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError::Service(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: &'static str,
    detail: String,
}

pub fn login_redirect(next: &str) -> HttpResponse {
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/login?next={next}")))
        .finish()
}

/// An HTML page for `status` with a title and an explanation.
pub fn error_page(status: StatusCode, title: &'static str, detail: String) -> HttpResponse {
    let chrome = Chrome::bare(
        SCHEME_NAME
            .get()
            .map_or("Certification scheme", String::as_str),
    );
    let html = ErrorPage {
        chrome,
        title,
        detail,
    }
    .render()
    .unwrap_or_else(|_| format!("<!doctype html><title>{title}</title><h1>{title}</h1>"));
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(html)
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::Login { .. } => StatusCode::SEE_OTHER,
            PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::Service(e) => match e {
                ServiceError::Malformed { .. } => StatusCode::BAD_REQUEST,
                ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                ServiceError::Unauthenticated(_) => StatusCode::SEE_OTHER,
                ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
                ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
                ServiceError::Conflict { .. } => StatusCode::CONFLICT,
                ServiceError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
                ServiceError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                ServiceError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (title, detail) = match self {
            PageError::Login { next } => return login_redirect(next),
            PageError::Csrf => (
                "This form has expired",
                "The form was out of date or came from another site, so nothing was changed. Go back, reload the page and try again.".to_string(),
            ),
            PageError::Service(e) => match e {
                ServiceError::Unauthenticated(_) => return login_redirect("/"),
                ServiceError::Internal(err) => {
                    tracing::error!(error = ?err, "internal error");
                    (
                        "Something went wrong",
                        "The service could not complete the request; it has been logged. Try again in a moment.".to_string(),
                    )
                }
                ServiceError::NotFound(what) => (
                    "Page not found",
                    format!("There is no such {what}, or it is not yours to see. Check the address, or go back to your dashboard."),
                ),
                ServiceError::Forbidden(why) => ("You cannot do this", format!("{}.", capitalise(why))),
                ServiceError::Conflict { detail, .. } => ("That cannot be done now", format!("{}.", capitalise(detail))),
                other => ("That did not work", other.to_string()),
            },
        };
        error_page(status, title, detail)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The answer for a browser address that matches no page.
pub fn not_found_page() -> HttpResponse {
    error_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address. Check it, or start again from the home page."
            .to_string(),
    )
}
