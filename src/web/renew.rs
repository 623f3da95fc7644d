//! `GET /renew/{premises_id}`: where reminder emails link to. It explains how to start
//! a renewal and discloses nothing about the premises — not even whether the id exists,
//! since anyone who sees an email's link can open it.

use actix_web::{HttpResponse, web};

use super::error::PageError;
use crate::service::ServiceError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/renew/{premises_id}").route(web::get().to(renew_page)));
}

pub async fn renew_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let premises_id = uuid::Uuid::parse_str(&path.into_inner())
        .map_err(|_| ServiceError::not_found("page"))?
        .to_string();
    let html = super::render_page(
        "renew.html",
        &minijinja::context! {
            scheme_name => state.settings.scheme_name,
            api => format!("{}/api/v1", state.settings.public_url()),
            premises_id => premises_id,
        },
    )?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}
