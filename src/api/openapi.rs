//! The OpenAPI document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::problem::Problem;

/// The document's frame; its paths come from the one list of endpoints in
/// `api` (see `document`).
#[derive(OpenApi)]
#[openapi(
    info(title = "protectcert", description = "Protective-security compliance certification: premises, assessments, certificates and their verification."),
    components(schemas(Problem, crate::service::FieldError)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The whole document: the frame above with every endpoint's path.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi().merge_from(super::Endpoints::openapi())
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "this document")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
