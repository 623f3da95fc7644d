//! The OpenAPI document, generated from the handlers' annotations.
//!
//! A handler documents its success and the errors its own use case can give (403,
//! 404, 409, 422, 429 with what they mean); `ProblemResponses` then adds, once for
//! every operation, the errors the HTTP layer itself gives (a body or path that
//! cannot be read, a missing token, a body too large or of the wrong type, an
//! internal error), and documents every error as `application/problem+json`.

use actix_web::HttpResponse;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use super::problem::Problem;

/// The document's frame; its paths come from the one list of endpoints in
/// `api` (see `document`).
#[derive(OpenApi)]
#[openapi(
    info(title = "protectcert", description = "Protective-security compliance certification: premises, assessments, certificates and their verification. Every error is `application/problem+json` (RFC 9457) with a stable `code`."),
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

/// The shape of a certificate number as the register writes it, for every
/// `{number}` path parameter: the random form (`PSC-2026-K7QMT-94HRX-T`) or the
/// old sequential one (`PSC-2026-000123-V`), which stays valid. One place to
/// change with the number format; the check character is not expressible here,
/// so a mistyped number fits and is a 400.
pub const CERTIFICATE_NUMBER_PATTERN: &str = "^PSC-[0-9]{4}-(?:[0-9A-HJKMNP-TV-Y]{5}-[0-9A-HJKMNP-TV-Y]{5}-[0-9A-HJKMNP-TV-Y]|[0-9]{6}-[A-HJ-NP-Y])$";

/// The media type of every error answer of the API.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The errors any operation of a given shape can give, whatever its handler does,
/// and the problem+json media type on every error response.
pub struct ProblemResponses;

impl ProblemResponses {
    /// Every `{number}` path parameter is a certificate number of one shape.
    fn number_pattern(op: &mut Operation) {
        use utoipa::openapi::schema::Schema;
        for p in op.parameters.iter_mut().flatten() {
            if p.name == "number" && matches!(p.parameter_in, ParameterIn::Path) {
                if let Some(RefOr::T(Schema::Object(o))) = &mut p.schema {
                    o.pattern = Some(CERTIFICATE_NUMBER_PATTERN.to_string());
                }
            }
        }
    }

    fn add(op: &mut Operation) {
        Self::number_pattern(op);
        let has_body = op.request_body.is_some();
        let params_in = |place: fn(&ParameterIn) -> bool| {
            op.parameters
                .as_ref()
                .is_some_and(|p| p.iter().any(|p| place(&p.parameter_in)))
        };
        let has_path = params_in(|p| matches!(p, ParameterIn::Path));
        let has_params = has_path || params_in(|p| matches!(p, ParameterIn::Query));
        let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
        let mut generic: Vec<(&str, &str)> = Vec::new();
        if has_body || has_params {
            generic.push((
                "400",
                "`bad_request`: the body, path or query string cannot be read as this operation's input (the fields at fault are in `errors`)",
            ));
        }
        if secured {
            generic.push((
                "401",
                "`unauthenticated`: no `Authorization: Bearer` token, or one that is invalid, expired or ended (log in again)",
            ));
        }
        if has_path {
            generic.push((
                "404",
                "`not_found`: no such record, or one the caller may not see (another organisation's records read as not found)",
            ));
        }
        if has_body {
            generic.push(("413", "`payload_too_large`: the body is over the limit"));
            generic.push((
                "415",
                "`unsupported_media_type`: the body is not of the documented media type",
            ));
        }
        generic.push((
            "500",
            "`internal_error`: the server could not complete the request; it has been logged",
        ));
        for (status, description) in generic {
            op.responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| RefOr::T(problem_response(description)));
        }
        for (status, response) in op.responses.responses.iter_mut() {
            if !status.starts_with(['4', '5']) {
                continue;
            }
            if let RefOr::T(response) = response {
                as_problem(response);
            }
        }
    }
}

fn problem_ref() -> RefOr<utoipa::openapi::schema::Schema> {
    RefOr::Ref(Ref::from_schema_name("Problem"))
}

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new().schema(Some(problem_ref())).build(),
        )
        .build()
}

/// An error documented with the `Problem` body (or with none) is served as
/// problem+json: say so. Error responses with another body (the health check's
/// 503) are left as they are.
fn as_problem(response: &mut Response) {
    let is_problem = |c: &utoipa::openapi::Content| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
    if response.content.is_empty() || response.content.values().all(is_problem) {
        response.content.clear();
        response.content.insert(
            PROBLEM_JSON.to_string(),
            ContentBuilder::new().schema(Some(problem_ref())).build(),
        );
    }
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                ProblemResponses::add(op);
            }
        }
    }
}

/// The whole document: the frame above with every endpoint's path.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi().merge_from(super::Endpoints::openapi());
    ProblemResponses.modify(&mut doc);
    doc
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "this document")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
