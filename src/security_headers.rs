//! The security headers every answer carries, set by [`crate::edge::middleware`] around the
//! whole app (API and pages alike):
//!
//! - pages (any `text/html` answer): a `Content-Security-Policy` that allows only
//!   this origin's own script and style (no inline script, no `style=`), no framing
//!   (`frame-ancestors 'none'`), no plugins and no `<base>`;
//! - every answer: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`
//!   (a verification link's number never leaks to another site) and, when the
//!   public URL is https, `Strict-Transport-Security`;
//! - JSON for a signed-in caller (a request with an `Authorization` header) and the
//!   log-in answers that hand out tokens: `Cache-Control: no-store`, whatever the
//!   handler set. (Pages are marked `no-store` by `web::session::pages`.)

use actix_web::dev::ServiceRequest;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::state::AppState;

/// The policy of every page: see the module documentation.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
     object-src 'none'";

/// Two years, the preload lists' minimum; sent only when the public URL is https.
pub const HSTS: &str = "max-age=63072000";

fn set(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers.insert(name, HeaderValue::from_static(value));
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim_start().get(..9))
        .is_some_and(|v| v.eq_ignore_ascii_case("text/html"))
}

/// Whether the answer is for a signed-in API caller, or hands out a login token.
fn private_api(req: &ServiceRequest) -> bool {
    let path = req.path();
    path.starts_with("/api/")
        && (req.headers().contains_key(header::AUTHORIZATION) || path.starts_with("/api/v1/auth/"))
}

/// What the answer to `req` needs, worked out before the request is served.
pub struct Plan {
    https: bool,
    private: bool,
}

pub fn plan(req: &ServiceRequest, state: Option<&AppState>) -> Plan {
    Plan {
        https: state.is_some_and(|s| s.settings.public_url().starts_with("https://")),
        private: private_api(req),
    }
}

/// Sets the headers of the module documentation on an answer.
pub fn apply(plan: &Plan, headers: &mut HeaderMap) {
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    if plan.https {
        set(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if is_html(headers) {
        set(headers, header::CONTENT_SECURITY_POLICY, PAGE_CSP);
    }
    if plan.private {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
}
