//! Forms: `Form<T>` reads an urlencoded body after checking its CSRF token, and
//! `FieldErrors` puts the service's messages next to the fields they name.

use std::collections::HashMap;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::error::PageError;
use super::session::{CSRF_FIELD, check_csrf};
use crate::service::error::deserialize_error;
use crate::service::{FieldError, ServiceError};

/// A submitted form, its CSRF token checked. Empty inputs arrive as empty strings.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| {
                PageError::from(ServiceError::Malformed {
                    detail: format!("cannot read the form: {e}"),
                    errors: vec![],
                })
            })?;
            let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
            let token = pairs
                .iter()
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.as_str());
            check_csrf(&req, token)?;
            let rest = pairs.iter().filter(|(k, _)| k != CSRF_FIELD);
            let encoded = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(rest)
                .finish();
            let de =
                serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
            serde_path_to_error::deserialize(de)
                .map(Form)
                .map_err(|e| deserialize_error("the form does not fit", e).into())
        })
    }
}

/// Messages by field, for a form shown again after a refusal.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    by_field: HashMap<String, String>,
    /// What the user should know that names no field (a conflict, say).
    pub summary: Vec<String>,
}

impl FieldErrors {
    pub fn none() -> FieldErrors {
        FieldErrors::default()
    }

    /// The field messages of `e`; any other error becomes the summary.
    pub fn of(e: &ServiceError) -> FieldErrors {
        let mut out = FieldErrors::default();
        match e.field_errors() {
            [] => out.summary.push(e.to_string()),
            fields => {
                for FieldError { field, message } in fields {
                    out.by_field
                        .entry(field.clone())
                        .or_insert_with(|| message.clone());
                }
            }
        }
        out
    }

    pub fn one(field: &str, message: &str) -> FieldErrors {
        let mut out = FieldErrors::default();
        out.by_field.insert(field.to_string(), message.to_string());
        out
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.by_field.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.summary.is_empty()
    }

    /// Every message with its field, for the summary at the top of a form.
    /// Every message with its field, for the summary at the top of a form: the
    /// field's id and "Email: must be an email address …".
    pub fn all(&self) -> Vec<(String, String)> {
        let mut v: Vec<_> = self
            .by_field
            .iter()
            .map(|(f, m)| (f.clone(), format!("{}: {m}", field_name(f))))
            .collect();
        v.sort();
        v
    }
}

/// `designated_senior_individual.email` as people say it: "Designated senior
/// individual email".
fn field_name(field: &str) -> String {
    let words = field.replace(['_', '.'], " ").replace(['[', ']'], " ");
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut c = words.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => words,
    }
}

/// Whether an error is one to show on the form (the user can fix it there).
pub fn shown_on_form(e: &ServiceError) -> bool {
    matches!(
        e,
        ServiceError::Invalid(_)
            | ServiceError::Malformed { .. }
            | ServiceError::Conflict { .. }
            | ServiceError::TooLarge(_)
            | ServiceError::UnsupportedType(_)
    )
}

/// The status of a form shown again: 409 when the record's state refused it,
/// 413/415 for a file, 422 for fields to correct.
pub fn refused_status(e: &ServiceError) -> actix_web::http::StatusCode {
    use actix_web::http::StatusCode;
    match e {
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        ServiceError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        ServiceError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}
