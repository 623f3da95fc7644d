//! Issue 12 part F. `/metrics`: the Prometheus text format, for the scheme's
//! scraper only (see `service::access::require_metrics_scraper`), never rate-limited.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::api::problem::ApiError;
use crate::state::AppState;

#[utoipa::path(get, path = "/metrics", tag = "operations",
    description = "Prometheus text exposition: requests and latency per route pattern, the database pool, the outbox and the register's certificates by status. With `metrics_token` set, send it as `Authorization: Bearer`; without, only clients on the server's own machine may scrape.",
    responses((status = 200, content_type = "text/plain", body = String, description = "Prometheus text format 0.0.4"),
        (status = 401, description = "`unauthenticated`: the metrics token is missing or wrong", body = crate::api::problem::Problem),
        (status = 403, description = "`forbidden`: no metrics token is set and the client is not on this machine", body = crate::api::problem::Problem)))]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let text =
        crate::service::metrics::scrape(&state, presented, from_this_machine(&req, &state)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(text))
}

/// A loopback peer, whose request no trusted reverse proxy forwarded (the proxy's
/// own connection is loopback too, for every client it forwards).
fn from_this_machine(req: &HttpRequest, state: &AppState) -> bool {
    let loopback = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
    let header = state.settings.trusted_proxy_header.as_str();
    let forwarded = !header.is_empty() && req.headers().contains_key(header);
    loopback && !forwarded
}
