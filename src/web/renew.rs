//! `GET /renew/{premises_id}`: where reminder emails link to. To someone not
//! signed in it discloses nothing about the premises (not even whether the id
//! exists), since anyone who sees an email's link can open it: it explains how a
//! renewal works and leads to the login, which comes back here. To an operator of
//! the premises it names them and offers "Start the renewal" in one click.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::error::PageError;
use super::layout::Chrome;
use super::operator::{Badge, certificate_badge};
use crate::auth::Role;
use crate::domain::tier::PremisesKind;
use crate::service::ServiceError;
use crate::service::premises;
use crate::state::AppState;

/// What an operator of the premises is offered.
pub enum Offer {
    /// A building with a completed assessment and nothing open: one click.
    Renew,
    /// An application is open already (perhaps the renewal, started before).
    Continue(String),
    /// Never assessed to completion: a first application instead.
    Apply,
    /// Events are certified once.
    Event,
}

/// The premises, for their own operator.
pub struct Own {
    pub id: String,
    pub name: String,
    pub certificate: Option<(String, Badge, String)>,
    pub offer: Offer,
}

#[derive(Template, WebTemplate)]
#[template(path = "renew.html")]
pub struct RenewPage {
    chrome: Chrome,
    premises_id: String,
    own: Option<Own>,
}

pub async fn renew_page(
    state: web::Data<AppState>,
    chrome: Chrome,
    path: web::Path<String>,
) -> Result<RenewPage, PageError> {
    let premises_id = uuid::Uuid::parse_str(&path.into_inner())
        .map_err(|_| ServiceError::not_found("page"))?
        .to_string();
    let own = match chrome.caller.as_ref().filter(|c| c.role == Role::Operator) {
        // Someone else's premises read as not found, like ones that do not exist:
        // the page then says no more than it says to anyone.
        Some(caller) => match premises::overview(&state, caller, &premises_id).await {
            Ok(o) => Some(own(&chrome, o)),
            Err(ServiceError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    Ok(RenewPage {
        chrome,
        premises_id,
        own,
    })
}

fn own(chrome: &Chrome, o: premises::PremisesOverview) -> Own {
    let open = o.applications.iter().find(|a| a.status.is_open());
    let completed = o
        .applications
        .iter()
        .any(|a| a.status == crate::domain::application::ApplicationStatus::Completed);
    let offer = match (o.premises.kind, open) {
        (PremisesKind::Event, _) => Offer::Event,
        (_, Some(a)) => Offer::Continue(a.id.clone()),
        (_, None) if completed => Offer::Renew,
        (_, None) => Offer::Apply,
    };
    Own {
        id: o.premises.id.clone(),
        name: o.premises.name.clone(),
        certificate: o.certificates.first().map(|c| {
            (
                c.number.clone(),
                certificate_badge(c.status),
                chrome.date(&c.expires_at),
            )
        }),
        offer,
    }
}
