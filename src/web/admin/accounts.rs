//! `/admin/users`: the police and admin accounts, and making a new one.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::{Admin, page_at, pager, see_other, trim_page};
use crate::auth::Role;
use crate::service::accounts::{self, CreateUserRequest, UserView};
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, Form, shown_on_form};
use crate::web::layout::Chrome;

fn role_in_words(role: Role) -> &'static str {
    match role {
        Role::Police => "Police",
        Role::Admin => "Scheme admin",
        Role::Advisor => "Advisor",
        Role::Operator => "Venue operator",
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    chrome: Chrome,
    users: Vec<UserView>,
    previous: String,
    next: String,
}

impl UsersPage {
    fn role(&self, u: &UserView) -> &'static str {
        role_in_words(u.role)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OffsetQuery {
    offset: String,
}

pub async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    query: web::Query<OffsetQuery>,
) -> Result<UsersPage, PageError> {
    let page = page_at(&query.offset)?;
    let mut users = accounts::staff(&state, &caller, page).await?;
    let more = trim_page(&mut users);
    let (previous, next) = pager("/admin/users", page.offset, more, &[]);
    Ok(UsersPage {
        chrome,
        users,
        previous,
        next,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_new.html")]
pub struct NewUserPage {
    chrome: Chrome,
    errors: FieldErrors,
    form: CreateUserRequest,
}

pub async fn new_form(chrome: Chrome, Admin(_): Admin) -> NewUserPage {
    NewUserPage {
        chrome,
        errors: FieldErrors::none(),
        form: CreateUserRequest {
            role: "police".into(),
            ..CreateUserRequest::default()
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewUserForm {
    name: String,
    email: String,
    password: String,
    role: String,
}

pub async fn create(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    form: Form<NewUserForm>,
) -> Result<HttpResponse, PageError> {
    let f = form.0;
    let request = CreateUserRequest {
        name: f.name,
        email: f.email,
        password: f.password,
        role: f.role,
    };
    match accounts::create_user(&state, &caller, request.clone()).await {
        Ok(_) => Ok(see_other("/admin/users?done=account_created".to_string())),
        Err(e) if shown_on_form(&e) => {
            let page = NewUserPage {
                chrome,
                errors: FieldErrors::of(&e),
                form: CreateUserRequest {
                    password: String::new(),
                    ..request
                },
            };
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}
