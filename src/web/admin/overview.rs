//! `/admin`: the scheme at a glance, with the way to each task.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::Admin;
use crate::service::overview::{self, LAPSING_WITHIN_DAYS, Overview};
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::layout::Chrome;

#[derive(Template, WebTemplate)]
#[template(path = "admin/overview.html")]
pub struct OverviewPage {
    chrome: Chrome,
    o: Overview,
    lapsing_days: i64,
    /// Part 4 (advisor oversight): certificates waiting for review.
    reviews_open: i64,
}

pub async fn page(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
) -> Result<OverviewPage, PageError> {
    Ok(OverviewPage {
        o: overview::overview(&state, &caller).await?,
        lapsing_days: LAPSING_WITHIN_DAYS,
        reviews_open: crate::service::oversight::open_count(&state, &caller).await?,
        chrome,
    })
}
