//! `GET /renew/{premises_id}`: where reminder emails link to. It explains how to start
//! a renewal and discloses nothing about the premises — not even whether the id exists,
//! since anyone who sees an email's link can open it.

use actix_web::{HttpResponse, web};

use crate::error::ApiError;
use crate::startup::AppState;

const PAGE: &str = include_str!("templates/renew.html");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/renew/{premises_id}").route(web::get().to(renew_page)));
}

pub async fn renew_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let premises_id = uuid::Uuid::parse_str(&path.into_inner())
        .map_err(|_| ApiError::not_found("page"))?
        .to_string();
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template("renew.html", PAGE)
        .map_err(|e| ApiError::internal(e.into()))?;
    let html = env
        .get_template("renew.html")
        .and_then(|t| {
            t.render(minijinja::context! {
                scheme_name => state.settings.scheme_name,
                api => format!("{}/api/v1", state.settings.public_url()),
                premises_id => premises_id,
            })
        })
        .map_err(|e| ApiError::internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}
