//! The one middleware every request passes first: it times the request, and on the
//! way out sets the security headers (`security_headers`), counts it for
//! `/metrics` (`metrics::observe`) and logs it (`access_log::record`).
//!
//! One layer rather than three: each `from_fn` layer boxes its future and looks the
//! application state up again, a cost every verification at a gate paid three times
//! over (issue 12: the do-nothing `/healthz` ran at under half a bare route's rate).

use std::time::{Duration, Instant};

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
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
