//! Part 4 (advisor oversight). `/advisors`: the public register of accredited
//! advisors with each accreditation's standing (active, lapsed, suspended,
//! withdrawn), as the Gas Safe and EPC assessor registers show theirs. The same
//! service function as `GET /api/v1/advisors`.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::admin::{AdvisorRow, page_at, pager, trim_page};
use super::error::PageError;
use super::layout::Chrome;
use crate::service::advisors;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "advisors.html")]
pub struct RegisterPage {
    chrome: Chrome,
    rows: Vec<AdvisorRow>,
    previous: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OffsetQuery {
    offset: String,
}

pub async fn register(
    state: web::Data<AppState>,
    chrome: Chrome,
    query: web::Query<OffsetQuery>,
) -> Result<RegisterPage, PageError> {
    let page = page_at(&query.offset)?;
    let mut found = advisors::register(&state, page).await?;
    let more = trim_page(&mut found);
    let (previous, next) = pager("/advisors", page.offset, more, &[]);
    Ok(RegisterPage {
        chrome,
        rows: found.iter().map(AdvisorRow::from).collect(),
        previous,
        next,
    })
}
