//! `/operator/team`: the organisation's operators, and adding a colleague.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::see_other;
use crate::service::accounts::{self, InviteRequest, UserView};
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, Form, shown_on_form};
use crate::web::layout::Chrome;
use crate::web::session::SignedIn;

#[derive(Template, WebTemplate)]
#[template(path = "operator/team.html")]
pub struct TeamPage {
    chrome: Chrome,
    me: String,
    members: Vec<UserView>,
    errors: FieldErrors,
    form: InviteRequest,
}

#[derive(serde::Deserialize, Default)]
pub struct InviteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

pub async fn team(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
) -> Result<TeamPage, PageError> {
    let members = accounts::list_operators(&state, &caller).await?;
    Ok(TeamPage {
        chrome,
        me: caller.user_id,
        members,
        errors: FieldErrors::none(),
        form: InviteRequest::default(),
    })
}

pub async fn invite(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    form: Form<InviteForm>,
) -> Result<HttpResponse, PageError> {
    let input = InviteRequest {
        name: form.0.name,
        email: form.0.email,
    };
    match accounts::invite_operator(&state, &caller, input.clone()).await {
        Ok(_) => Ok(see_other("/operator/team?done=invited".to_string())),
        Err(e) if shown_on_form(&e) => {
            // An email already in use is said next to the email field.
            let errors = match &e {
                crate::service::ServiceError::Conflict {
                    code: "email_taken",
                    ..
                } => FieldErrors::one("email", "An account with this email address already exists"),
                _ => FieldErrors::of(&e),
            };
            let members = accounts::list_operators(&state, &caller).await?;
            let page = TeamPage {
                chrome,
                me: caller.user_id,
                members,
                errors,
                form: input,
            };
            let status = match e {
                crate::service::ServiceError::Conflict { .. } => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Ok(html(status, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}
