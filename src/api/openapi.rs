//! The OpenAPI document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::*;

#[derive(OpenApi)]
#[openapi(
    info(title = "protectcert", description = "Protective-security compliance certification: premises, assessments, certificates and their verification."),
    paths(
        healthz,
        auth::signup, auth::login, auth::me,
        users::create_user,
        advisors::create_advisor, advisors::list_advisors,
        premises::create_premises, premises::list_premises, premises::get_premises,
        checklists::list_checklists, checklists::get_checklist,
        applications::self_assessment::create_application,
        applications::self_assessment::list_applications,
        applications::self_assessment::get_application,
        applications::self_assessment::put_answer,
        applications::evidence::upload_evidence,
        applications::evidence::get_evidence,
        applications::workflow::submit,
        applications::workflow::withdraw,
        applications::workflow::claim,
        applications::workflow::assign,
        applications::assessment::put_scores,
        applications::assessment::complete,
        certificates::read::get_certificate, certificates::read::verify_number,
        certificates::search::search_certificates,
        certificates::status::suspend, certificates::status::reinstate, certificates::status::revoke,
        certificates::pdf::download,
        verification::verify_token, verification::status_list, verification::jwks, verification::scheme_ca,
        audit::list_audit,
        notifications::list_notifications,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
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

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
