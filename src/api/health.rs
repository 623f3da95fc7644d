//! `/healthz`: whether this instance can reach its database. (Issue 12 part F: it
//! reads the last result of the one database check that runs beside the server,
//! `health::DbHealth`, so it never waits for a pooled connection or a thread.)

use actix_web::{HttpResponse, web};

use crate::state::AppState;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if state.health.is_up() {
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
