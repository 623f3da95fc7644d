//! The JSON API under `/api/v1`, one module per resource, plus `/healthz`.

pub mod advisors;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod checklists;
pub mod extract;
pub mod notifications;
pub mod openapi;
pub mod premises;
pub mod users;
pub mod validate;
pub mod verification;

use actix_web::{HttpResponse, web};
use diesel::RunQueryDsl;

use crate::error::{ApiError, json_error, path_error, query_error};
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(256 * 1024)
            .error_handler(|err, _| json_error(err).into()),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _| query_error(err).into()))
    .app_data(web::PathConfig::default().error_handler(|err, _| path_error(err).into()))
    .service(web::resource("/healthz").route(web::get().to(healthz)))
    .configure(verification::well_known)
    .configure(crate::web::configure)
    .service(
        web::scope("/api/v1")
            .service(web::resource("/openapi.json").route(web::get().to(openapi::serve)))
            .configure(auth::routes)
            .configure(users::routes)
            .configure(advisors::routes)
            .configure(premises::routes)
            .configure(checklists::routes)
            .configure(applications::routes)
            .configure(certificates::routes)
            .configure(verification::routes)
            .configure(audit::routes)
            .configure(notifications::routes),
    )
    .default_service(web::to(not_found));
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("page"))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ok = state
        .db
        .run(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
        .is_ok();
    if ok {
        HttpResponse::Ok().json(Health {
            status: "ok",
            database: "ok",
        })
    } else {
        HttpResponse::ServiceUnavailable().json(Health {
            status: "degraded",
            database: "unreachable",
        })
    }
}
