//! `/api/v1/certificates/{number}/conditions/{id}/…`: the operator's evidence for a
//! condition and the advisor's review of it; `/api/v1/conditions/awaiting-review`:
//! what the calling advisor has to review.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};

use super::extract::Json;
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::certificates::conditions::{
    self, AwaitingReview, ConditionView, EvidenceSubmission, ReviewRequest,
};
use crate::state::AppState;

/// The multipart form of a condition's evidence.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // documents the form read by `read_submission`
pub struct ConditionEvidenceUpload {
    /// The file: its bytes must be of an accepted type (PDF, PNG, JPEG or text by
    /// default) and at most the evidence size limit.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// How the evidence meets the condition, 1 to 2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    note: String,
}

#[utoipa::path(post, path = "/api/v1/certificates/{number}/conditions/{id}/evidence", tag = "certificates",
    params(("number" = String, Path, description = "a certificate number"), ("id" = String, Path, description = "the condition's id")),
    request_body(content_type = "multipart/form-data", content = ConditionEvidenceUpload, description = "`file` and `note`, both required"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "the condition, now `evidence_submitted`", body = ConditionView),
        (status = 403, description = "operators only", body = Problem),
        (status = 404, description = "no such certificate or condition for this operator", body = Problem),
        (status = 409, description = "`condition_awaiting_review`, `condition_closed`, `certificate_closed` or `condition_changed`", body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, description = "`file` or `note` missing or invalid", body = Problem)))]
pub async fn submit_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    conditions::may_submit(&caller)?;
    let (number, id) = path.into_inner();
    let input = read_submission(payload, state.settings.evidence_max_bytes).await?;
    let view = conditions::submit_evidence(&state, &caller, &number, &id, input).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Reads `file` and `note` (and the pages' CSRF token) from a multipart body.
async fn read_submission(payload: Multipart, limit: usize) -> Result<EvidenceSubmission, ApiError> {
    let (upload, mut fields) = super::upload::read_form(payload, limit, &["note", "csrf"]).await?;
    Ok(EvidenceSubmission {
        upload,
        note: fields.remove("note"),
    })
}

#[utoipa::path(post, path = "/api/v1/certificates/{number}/conditions/{id}/review", tag = "certificates",
    params(("number" = String, Path, description = "a certificate number"), ("id" = String, Path, description = "the condition's id")),
    request_body = ReviewRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "the condition, now `accepted` or `rejected`; accepting an overdue condition reinstates its certificate if nothing else holds it suspended", body = ConditionView),
        (status = 403, description = "advisors only: the advisor who raised the condition, or, once their accreditation is not current, any eligible advisor", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`condition_not_awaiting_review`, `condition_closed`, `certificate_closed` or `condition_changed`", body = Problem),
        (status = 422, description = "no `decision`, or no `note` to a rejection", body = Problem)))]
pub async fn review(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<ReviewRequest>,
) -> Result<web::Json<ConditionView>, ApiError> {
    let (number, id) = path.into_inner();
    Ok(web::Json(
        conditions::review(&state, &caller, &number, &id, body.into_inner()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}/conditions/{id}/evidence/{evidence_id}", tag = "certificates",
    params(("number" = String, Path, description = "a certificate number"), ("id" = String, Path), ("evidence_id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "the file as submitted", content_type = "application/octet-stream"),
        (status = 404, description = "no such file, or not one the caller may read", body = Problem)))]
pub async fn evidence_file(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (number, id, evidence_id) = path.into_inner();
    let file = conditions::evidence_file(&state, &caller, &number, &id, &evidence_id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type.clone())
        .insert_header(file.disposition())
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.data))
}

#[utoipa::path(get, path = "/api/v1/conditions/awaiting-review", tag = "certificates",
    security(("bearer" = [])),
    responses((status = 200, description = "conditions whose evidence the calling advisor may review, oldest first", body = Vec<AwaitingReview>),
        (status = 403, description = "advisors only", body = Problem)))]
pub async fn awaiting_review(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<AwaitingReview>>, ApiError> {
    Ok(web::Json(
        conditions::awaiting_review(&state, &caller).await?,
    ))
}
