//! Issue 12: the two routes that end in a QR token, `/v/{token}` and
//! `/api/v1/verify/token/{token}`, are matched by their prefix alone.
//!
//! actix matches a `{token}` segment with a regular expression and captures it:
//! over a 300-character token that was a tenth of a token check (the capture's
//! one-pass DFA alone 8.6 %, `perf`), and extracting `Path<String>` decoded it
//! once more. A scope's prefix is compared as a string; its one service takes
//! the rest of the path as the token ([`TokenInPath`]), answers another method
//! with 405 and `Allow: GET`, as a resource would, and any other shape of path
//! as no route at all (`startup::no_route`).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::Method;
use actix_web::http::header::ALLOW;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Scope, web};

/// The route `{prefix}/{token}`, answered by `get` (whose handler takes
/// [`TokenInPath`], which refuses other methods and paths).
pub fn scope(prefix: &str, get: actix_web::Route) -> Scope {
    web::scope(prefix).default_service(get)
}

/// The token: the last segment of the path, under its scope's prefix. The path
/// arrives percent-decoded where decoding is safe (actix's `Url`), as a token's
/// characters (letters, digits, `-`, `_`, `.`) always are.
pub struct TokenInPath(pub String);

impl std::ops::Deref for TokenInPath {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl FromRequest for TokenInPath {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // A path of another shape matches no route, whatever the method.
        let Some(token) = req
            .match_info()
            .unprocessed()
            .strip_prefix('/')
            .filter(|t| !t.is_empty() && !t.contains('/'))
        else {
            let none = crate::startup::no_route(req);
            return ready(Err(InternalError::from_response("not found", none).into()));
        };
        if req.method() != Method::GET {
            let refused = HttpResponse::MethodNotAllowed()
                .insert_header((ALLOW, "GET"))
                .finish();
            return ready(Err(InternalError::from_response("method", refused).into()));
        }
        ready(Ok(TokenInPath(token.to_owned())))
    }
}
