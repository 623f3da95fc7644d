//! Our `Json<T>` and `Query<T>` extractors. They deserialise through
//! `serde_path_to_error`, so a value of the wrong type is named in the problem's
//! `errors` by where it sits (`capacity`, `scores[2].score`,
//! `designated_senior_individual.email`): serde's own message ("invalid type:
//! string, expected u32") names nothing. Every JSON body and query string of the
//! API comes in through here.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::problem::ApiError;
use crate::auth::Caller;
use crate::service::ServiceError;
use crate::service::error::deserialize_error;
use crate::state::AppState;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // actix reads the body as before, under the JsonConfig of `api::configure`:
        // the content type (415), the size limit (413) and the JSON syntax (400).
        // Only the step into `T` is ours.
        let raw = web::Json::<Box<RawValue>>::from_request(req, payload);
        Box::pin(async move {
            let raw = raw.await?.into_inner();
            let mut de = serde_json::Deserializer::from_str(raw.get());
            serde_path_to_error::deserialize(&mut de)
                .map(Json)
                .map_err(|e| ApiError(deserialize_error("the JSON body does not fit", e)).into())
        })
    }
}

/// A query string read into `T`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(
            req.query_string().as_bytes(),
        ));
        ready(
            serde_path_to_error::deserialize(de)
                .map(Query)
                .map_err(|e| ApiError(deserialize_error("bad query string", e))),
        )
    }
}

/// The caller named by `Authorization: Bearer <token>`, if that token's account
/// still exists, is active and has not logged out since; otherwise a 401.
impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = bearer_token(req);
        Box::pin(async move {
            let (state, token) = found?;
            Ok(crate::service::accounts::authenticate(&state, &token).await?)
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<(web::Data<AppState>, String), ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("app state missing")))?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ServiceError::Unauthenticated(
                "send Authorization: Bearer <token> (from POST /api/v1/auth/login)".into(),
            )
        })?;
    let value = header.to_str().map_err(|_| {
        ServiceError::Unauthenticated("the Authorization header is not text".into())
    })?;
    let token = value.strip_prefix("Bearer ").ok_or_else(|| {
        ServiceError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
    })?;
    Ok((state, token.trim().to_string()))
}
