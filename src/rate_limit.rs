//! The limit on public verification: `public_rate_per_minute` requests a minute
//! from one client address (a burst of that many, then one every `60 / rate`
//! seconds), counted together over every public verification surface (the number
//! and QR pages, the number and token API). Past it: 429 with `Retry-After`, as
//! problem+json for the API and as a page for browsers. With the certificate
//! numbers' random part, it makes guessing numbers that exist hopeless.
//!
//! The client address is the connecting peer's, unless `trusted_proxy_header`
//! names the header a reverse proxy puts it in (the right-most address there, the
//! one the proxy itself saw). IPv6 addresses count per /56, as one customer's.
//!
//! Signed-in police and admins (a Bearer token or the page session) are never
//! limited: they check certificates for a living.
//!
//! Built on `actix-governor` (a GCRA limiter shared by every worker): `PublicLimit`
//! wraps the public resources only (`register`), never the whole app.

use std::net::IpAddr;
use std::time::Duration;

use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::{
    Governor, GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, Resource, Scope, web};

use crate::auth::{Caller, Role};
use crate::config::Settings;

/// Whose request it is, for the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// Police or an admin, signed in: not limited.
    Exempt,
    Address(IpAddr),
}

/// Set on a request by `mark_and_answer` when its caller is exempt.
#[derive(Clone, Copy)]
struct Exempt;

#[derive(Debug, Clone)]
pub struct ClientKeyExtractor {
    trusted_header: Option<HeaderName>,
}

/// The address in a proxy header: the right-most of a list (`X-Forwarded-For`),
/// with `for=`, quotes, brackets and a port taken off (`Forwarded`).
fn address_in(value: &str) -> Option<IpAddr> {
    let last = value.rsplit(',').next()?.trim();
    let last = last
        .split(';')
        .find_map(|p| p.trim().strip_prefix("for="))
        .unwrap_or(last)
        .trim_matches('"');
    if let Ok(ip) = last.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = last.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    last.trim_start_matches('[')
        .split(']')
        .next()
        .and_then(|s| s.parse().ok())
}

/// One customer's addresses count together: an IPv6 address by its /56.
fn customer(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[7..].fill(0);
                IpAddr::V6(octets.into())
            }
        },
        v4 => v4,
    }
}

impl ClientKeyExtractor {
    fn new(settings: &Settings) -> ClientKeyExtractor {
        let trusted_header = Some(settings.trusted_proxy_header.trim())
            .filter(|h| !h.is_empty())
            .and_then(|h| HeaderName::try_from(h).ok());
        ClientKeyExtractor { trusted_header }
    }

    pub fn client_address(&self, req: &HttpRequest) -> Option<IpAddr> {
        let from_header = self.trusted_header.as_ref().and_then(|name| {
            req.headers()
                .get_all(name)
                .filter_map(|v| v.to_str().ok())
                .filter_map(address_in)
                .last()
        });
        from_header
            .or_else(|| req.peer_addr().map(|a| a.ip()))
            .map(customer)
    }
}

/// The client's address as every limit sees it (the public checks' and the
/// log-in throttle's): from the trusted proxy header when one is configured.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequest for ClientAddress {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let address = req
            .app_data::<web::Data<crate::state::AppState>>()
            .map(|state| ClientKeyExtractor::new(&state.settings))
            .and_then(|extractor| extractor.client_address(req));
        std::future::ready(Ok(ClientAddress(address)))
    }
}

impl KeyExtractor for ClientKeyExtractor {
    type Key = ClientKey;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<ClientKey, Self::KeyExtractionError> {
        if req.extensions().get::<Exempt>().is_some() {
            return Ok(ClientKey::Exempt);
        }
        self.client_address(req.request())
            .map(ClientKey::Address)
            .ok_or_else(|| SimpleKeyExtractionError::new("no client address"))
    }

    fn whitelisted_keys(&self) -> Vec<ClientKey> {
        vec![ClientKey::Exempt]
    }
}

/// The configured limit, built once and shared by every worker (`None`: off).
#[derive(Clone)]
pub struct PublicLimit {
    config: Option<GovernorConfig<ClientKeyExtractor, NoOpMiddleware>>,
}

/// Serves a resource or a scope behind the limiter (when one is configured): the
/// two have `wrap` alike, but not as one type.
macro_rules! serve_limited {
    ($limit:expr, $cfg:expr, $service:expr) => {
        match &$limit.config {
            Some(config) => {
                $cfg.service(
                    $service
                        .wrap(Governor::new(config))
                        .wrap(from_fn(mark_and_answer)),
                );
            }
            None => {
                $cfg.service($service);
            }
        }
    };
}

impl PublicLimit {
    pub fn new(settings: &Settings) -> PublicLimit {
        let rate = settings.public_rate_per_minute;
        let config = (rate > 0).then(|| {
            GovernorConfigBuilder::default()
                .period(Duration::from_secs(60) / rate)
                .burst_size(rate)
                .key_extractor(ClientKeyExtractor::new(settings))
                .finish()
        });
        PublicLimit {
            config: config.flatten(),
        }
    }

    /// Serves `resource`, limited when a limit is configured.
    pub fn register(&self, cfg: &mut web::ServiceConfig, resource: Resource) {
        serve_limited!(self, cfg, resource);
    }

    /// Serves a `token_path` scope, limited likewise.
    pub fn register_scope(&self, cfg: &mut web::ServiceConfig, scope: Scope) {
        serve_limited!(self, cfg, scope);
    }
}

/// The paths of the public verification surfaces that `PublicLimit` wraps.
pub const PUBLIC_PATHS: [&str; 4] = [
    "/api/v1/verify/{number}",
    "/api/v1/verify/token/{token}",
    "/verify",
    "/v/{token}",
];

async fn is_exempt(req: &mut ServiceRequest) -> bool {
    let (http, payload) = req.parts_mut();
    let api = Option::<Caller>::from_request(http, payload).await;
    let page = crate::web::session::MaybeSignedIn::from_request(http, payload).await;
    let caller = api.ok().flatten().or(page.ok().and_then(|p| p.0));
    caller.is_some_and(|c| matches!(c.role, Role::Police | Role::Admin))
}

/// Outside the limiter: marks exempt callers before it, and turns its plain-text
/// 429 into problem+json (API) or a page (browsers), keeping `Retry-After`.
async fn mark_and_answer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_exempt(&mut req).await {
        req.extensions_mut().insert(Exempt);
    }
    let api = req.path().starts_with("/api/");
    let res = next.call(req).await?;
    if res.status() != StatusCode::TOO_MANY_REQUESTS {
        return Ok(res.map_into_boxed_body());
    }
    let retry_after = res
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        // The limiter rounds down; a client that waits this long will be let in.
        .map_or(1, |whole| whole + 1);
    let answer = too_many(api, retry_after);
    Ok(res.into_response(answer))
}

fn too_many(api: bool, retry_after: u64) -> HttpResponse {
    let detail =
        format!("too many verification requests from your address: try again in {retry_after} s");
    let mut res = if api {
        HttpResponse::TooManyRequests()
            .content_type("application/problem+json")
            .json(crate::api::problem::Problem {
                type_: "/problems/too_many_requests".into(),
                title: "Too Many Requests".into(),
                status: 429,
                detail,
                code: "too_many_requests".into(),
                errors: vec![],
                items: vec![],
            })
    } else {
        crate::web::error::error_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many checks",
            format!(
                "This address has checked many certificates in a short time. Wait {retry_after} seconds and try again; the scheme limits checks so that its register cannot be listed."
            ),
        )
    };
    res.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(retry_after));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_proxy_headers() {
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        assert_eq!(address_in("203.0.113.7"), ip("203.0.113.7"));
        assert_eq!(address_in("198.51.100.1, 203.0.113.7"), ip("203.0.113.7"));
        assert_eq!(address_in("for=192.0.2.60;proto=http"), ip("192.0.2.60"));
        assert_eq!(address_in("for=\"[2001:db8::1]:4711\""), ip("2001:db8::1"));
        assert_eq!(address_in("203.0.113.7:8080"), ip("203.0.113.7"));
        assert_eq!(address_in("unknown"), None);
    }

    #[test]
    fn ipv6_counts_per_56() {
        let a = customer("2001:db8:1:ff::1".parse().expect("ip"));
        let b = customer("2001:db8:1:0ff:abcd::9".parse().expect("ip"));
        assert_eq!(a, b);
        assert_ne!(a, customer("2001:db8:2::1".parse().expect("ip")));
        assert_eq!(
            customer("::ffff:192.0.2.1".parse().expect("ip")),
            "192.0.2.1".parse::<IpAddr>().expect("ip")
        );
    }
}
