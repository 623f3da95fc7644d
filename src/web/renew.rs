//! `GET /renew/{premises_id}`: where reminder emails link to. It discloses nothing
//! about the premises (not even whether the id exists) to someone not signed in,
//! since anyone who sees an email's link can open it.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::error::PageError;
use super::layout::Chrome;
use crate::service::ServiceError;

#[derive(Template, WebTemplate)]
#[template(path = "renew.html")]
pub struct RenewPage {
    chrome: Chrome,
    premises_id: String,
}

pub async fn renew_page(chrome: Chrome, path: web::Path<String>) -> Result<RenewPage, PageError> {
    let premises_id = uuid::Uuid::parse_str(&path.into_inner())
        .map_err(|_| ServiceError::not_found("page"))?
        .to_string();
    Ok(RenewPage {
        chrome,
        premises_id,
    })
}
