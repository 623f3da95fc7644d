//! `/`: what the scheme is, and the way in for each kind of user.

use askama::Template;
use askama_web::WebTemplate;

use super::layout::{Chrome, home_of};

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    chrome: Chrome,
    home: Option<&'static str>,
}

pub async fn home(chrome: Chrome) -> HomePage {
    let home = chrome.caller.as_ref().map(|c| home_of(c.role));
    HomePage { chrome, home }
}
