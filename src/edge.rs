//! The one middleware every request passes first: it times the request, and on the
//! way out sets the security headers (`security_headers`), counts it for
//! `/metrics` (`metrics::observe`) and logs it (`access_log::record`).
//!
//! One layer rather than three: each `from_fn` layer boxes its future and looks the
//! application state up again, a cost every verification at a gate paid three times
//! over (issue 12: the do-nothing `/healthz` ran at under half a bare route's rate).
//!
//! It also trims trailing slashes and merges repeated ones before routing, as
//! actix's `NormalizePath::trim()` did, but only when a path has them: that
//! middleware copied every path and ran a regular expression over it, the QR
//! token's 470 characters included.

use std::time::{Duration, Instant};

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::http::uri::PathAndQuery;
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    normalize_path(&mut req);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let headers = crate::security_headers::plan(&req, state.as_ref().map(|s| s.get_ref()));
    let mut res = next.call(req).await?;
    let elapsed = started.elapsed();
    crate::security_headers::apply(&headers, res.headers_mut());
    let slow = state.as_ref().map_or(Duration::from_secs(1), |s| {
        Duration::from_millis(s.settings.slow_request_ms)
    });
    if let Some(state) = &state {
        crate::metrics::observe(&state.metrics, &res, elapsed);
    }
    crate::access_log::record(&res, elapsed, slow);
    Ok(res)
}

/// `path` with repeated slashes merged and trailing ones trimmed ("/" stays), or
/// `None` when it has neither (nearly every request).
fn normal_path(path: &str) -> Option<String> {
    let trailing = path.len() > 1 && path.ends_with('/');
    if !trailing && !path.contains("//") {
        return None;
    }
    let mut normal = String::with_capacity(path.len());
    for c in path.chars() {
        if c != '/' || !normal.ends_with('/') {
            normal.push(c);
        }
    }
    while normal.len() > 1 && normal.ends_with('/') {
        normal.pop();
    }
    Some(normal)
}

fn normalize_path(req: &mut ServiceRequest) {
    let Some(path) = normal_path(req.path()) else {
        return;
    };
    let mut parts = req.uri().clone().into_parts();
    let with_query = match parts.path_and_query.as_ref().and_then(PathAndQuery::query) {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    // The path came from a URI already parsed, so it parses again; were it not to,
    // the request is routed as it came.
    let Ok(path_and_query) = with_query.parse::<PathAndQuery>() else {
        return;
    };
    parts.path_and_query = Some(path_and_query);
    let Ok(uri) = Uri::from_parts(parts) else {
        return;
    };
    req.match_info_mut().get_mut().update(&uri);
    req.head_mut().uri = uri;
}

#[cfg(test)]
mod tests {
    use super::normal_path;

    #[test]
    fn paths_lose_trailing_and_repeated_slashes_only_when_they_have_them() {
        assert_eq!(normal_path("/verify"), None);
        assert_eq!(normal_path("/"), None);
        assert_eq!(normal_path("/v/eyJ0.eyJz.sig"), None);
        assert_eq!(normal_path("/verify/").as_deref(), Some("/verify"));
        assert_eq!(normal_path("/verify///").as_deref(), Some("/verify"));
        assert_eq!(
            normal_path("//api//v1/verify/").as_deref(),
            Some("/api/v1/verify")
        );
        assert_eq!(normal_path("//").as_deref(), Some("/"));
    }
}
