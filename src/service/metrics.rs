//! Issue 12 part F. A scrape of `/metrics`: who may, then the exposition text.

use crate::service::{ServiceError, ServiceResult, access};
use crate::state::AppState;

pub async fn scrape(
    state: &AppState,
    presented_token: Option<&str>,
    from_this_machine: bool,
) -> ServiceResult<String> {
    access::require_metrics_scraper(
        state.settings.metrics_token.expose(),
        presented_token,
        from_this_machine,
    )?;
    state
        .metrics
        .render(&state.db, &state.health)
        .await
        .map_err(ServiceError::internal)
}
