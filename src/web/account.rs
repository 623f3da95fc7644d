//! Logging in and out, and signing up an operator's organisation.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, LOCATION, RETRY_AFTER};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::error::PageError;
use super::form::{FieldErrors, Form, refused_status, shown_on_form};
use super::layout::{Chrome, home_of};
use super::session::{SignedIn, ended_session, session_cookie};
use crate::service::ServiceError;
use crate::service::accounts::{self, LoginRequest, SignupRequest};
use crate::service::password_reset;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    chrome: Chrome,
    errors: FieldErrors,
    email: String,
    next: String,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only a path on this site: never an address elsewhere.
fn local(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')).then_some(next)
}

pub async fn login_form(chrome: Chrome, query: web::Query<NextQuery>) -> LoginPage {
    LoginPage {
        chrome,
        errors: FieldErrors::none(),
        email: String::new(),
        next: local(&query.next).unwrap_or_default().to_string(),
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    state: web::Data<AppState>,
    address: crate::rate_limit::ClientAddress,
    chrome: Chrome,
    form: Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let mut form = form.0;
    let request = LoginRequest {
        email: form.email.clone(),
        password: std::mem::take(&mut form.password),
    };
    match accounts::login(&state, request, address.0).await {
        Ok(login) => {
            let to = local(&form.next).unwrap_or(home_of(login.role)).to_string();
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(&state, &login.token))
                .insert_header((LOCATION, to))
                .finish())
        }
        Err(ServiceError::Unauthenticated(_)) => {
            let refusal = "The email address or password is wrong";
            login_refused(chrome, form, StatusCode::UNAUTHORIZED, refusal)
        }
        Err(ServiceError::TooManyAttempts { retry_after }) => {
            let refusal = format!(
                "Too many wrong passwords for this account or from this network: wait {}, then try again (or use \"Forgotten your password?\")",
                wait_of(retry_after)
            );
            let mut res = login_refused(chrome, form, StatusCode::TOO_MANY_REQUESTS, &refusal)?;
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// The log-in form again, with what was typed and `refusal` by the password.
fn login_refused(
    chrome: Chrome,
    form: LoginForm,
    status: StatusCode,
    refusal: &str,
) -> Result<HttpResponse, PageError> {
    let page = LoginPage {
        chrome,
        errors: FieldErrors::one("password", refusal),
        email: form.email,
        next: form.next,
    };
    Ok(html(status, render(&page)?))
}

/// A wait in seconds as people say it: seconds up to two minutes, then minutes.
fn wait_of(seconds: u64) -> String {
    if seconds < 120 {
        format!("{seconds} seconds")
    } else {
        format!("{} minutes", seconds.div_ceil(60))
    }
}

pub async fn logout(
    state: web::Data<AppState>,
    user: SignedIn,
    _: Form<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    accounts::logout(&state, &user.0).await?;
    Ok(HttpResponse::SeeOther()
        .cookie(ended_session(&state))
        .insert_header((LOCATION, "/?done=logged_out"))
        .finish())
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
pub struct SignupPage {
    chrome: Chrome,
    errors: FieldErrors,
    form: SignupRequest,
}

pub async fn signup_form(chrome: Chrome) -> SignupPage {
    SignupPage {
        chrome,
        errors: FieldErrors::none(),
        form: SignupRequest::default(),
    }
}

pub async fn signup(
    state: web::Data<AppState>,
    chrome: Chrome,
    form: Form<SignupRequest>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    match accounts::signup(&state, form.clone()).await {
        // The same answer for a new address and a taken one: the email says which.
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/login?done=signed_up"))
            .finish()),
        Err(e) if shown_on_form(&e) => {
            let page = SignupPage {
                chrome,
                errors: FieldErrors::of(&e),
                form: SignupRequest {
                    password: String::new(),
                    ..form
                },
            };
            Ok(html(refused_status(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

/// A rendered page with a status other than 200 (a form shown again).
pub fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Renders a template (a failure is an internal error).
pub fn render(page: &impl Template) -> Result<String, PageError> {
    page.render()
        .map_err(|e| ServiceError::internal(anyhow::anyhow!("page: {e}")).into())
}

#[derive(Template, WebTemplate)]
#[template(path = "password_forgot.html")]
pub struct ForgotPage {
    chrome: Chrome,
    errors: FieldErrors,
    email: String,
    minutes: i64,
}

pub async fn forgot_form(chrome: Chrome) -> ForgotPage {
    ForgotPage {
        chrome,
        errors: FieldErrors::none(),
        email: String::new(),
        minutes: password_reset::LINK_MINUTES,
    }
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot(
    state: web::Data<AppState>,
    chrome: Chrome,
    form: Form<ForgotForm>,
) -> Result<HttpResponse, PageError> {
    match password_reset::request(&state, &form.0.email).await {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/login?done=reset_sent"))
            .finish()),
        Err(e) if shown_on_form(&e) => {
            let page = ForgotPage {
                chrome,
                errors: FieldErrors::of(&e),
                email: form.0.email,
                minutes: password_reset::LINK_MINUTES,
            };
            Ok(html(refused_status(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "password_reset.html")]
pub struct ResetPage {
    chrome: Chrome,
    errors: FieldErrors,
    token: String,
    works: bool,
}

pub async fn reset_form(
    state: web::Data<AppState>,
    chrome: Chrome,
    path: web::Path<String>,
) -> Result<ResetPage, PageError> {
    let token = path.into_inner();
    let works = password_reset::link_works(&state, &token).await?;
    Ok(ResetPage {
        chrome,
        errors: FieldErrors::none(),
        token,
        works,
    })
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

pub async fn reset(
    state: web::Data<AppState>,
    chrome: Chrome,
    path: web::Path<String>,
    form: Form<ResetForm>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    match password_reset::reset(&state, &token, &form.0.password, &form.0.password_again).await {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .cookie(ended_session(&state))
            .insert_header((LOCATION, "/login?done=password_changed"))
            .finish()),
        Err(e) if shown_on_form(&e) => {
            let works = !matches!(e, ServiceError::Conflict { .. });
            let page = ResetPage {
                chrome,
                errors: FieldErrors::of(&e),
                token,
                works,
            };
            Ok(html(refused_status(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}
