//! `/api/v1/applications`: the operator's self-assessment, the workflow, evidence,
//! and the advisor's scoring and completion.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};

use super::extract::{Json, Query};
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::applications::assessment::{
    self, CompleteResponse, PreviewResponse, ScoresRequest, ScoresResponse,
};
use crate::service::applications::evidence;
use crate::service::applications::self_assessment::{
    self, AnswerRequest, CreateApplicationRequest, ListQuery,
};
use crate::service::applications::views::{AnswerView, ApplicationView, EvidenceView};
use crate::service::applications::workflow::{self, AssignRequest};
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = CreateApplicationRequest,
    security(("bearer" = [])),
    responses((status = 201, body = ApplicationView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 403, description = "operators only", body = Problem),
        (status = 422, description = "no such premises in your organisation", body = Problem)))]
pub async fn create_application(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateApplicationRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = self_assessment::apply(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<ApplicationView>), (status = 403, body = Problem),
        (status = 422, description = "`limit` or `offset` out of range, or an unknown status", body = Problem)))]
pub async fn list_applications(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ListQuery>,
) -> Result<web::Json<Vec<ApplicationView>>, ApiError> {
    Ok(web::Json(
        self_assessment::list(&state, &caller, &query).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 404, body = Problem),
        (status = 403, body = Problem)))]
pub async fn get_application(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    Ok(web::Json(
        self_assessment::get(&state, &caller, &path).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/applications/{id}/answers/{item_id}", tag = "applications",
    params(("id" = String, Path), ("item_id" = String, Path)), request_body = AnswerRequest, security(("bearer" = [])),
    responses((status = 200, body = AnswerView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 403, description = "operators only", body = Problem)))]
pub async fn put_answer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<AnswerRequest>,
) -> Result<web::Json<AnswerView>, ApiError> {
    let (id, item_id) = path.into_inner();
    let answer = self_assessment::answer(&state, &caller, &id, &item_id, body.into_inner()).await?;
    Ok(web::Json(answer))
}

/// The multipart form of an evidence upload.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)] // other fields are refused: the schema says so
#[allow(dead_code)] // documents the form read by `read_upload`
pub struct EvidenceUpload {
    /// The file: its bytes must be of an accepted type (PDF, PNG, JPEG or text by
    /// default) and at most the evidence size limit.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The checklist item it supports (`gov-01`, …); none for the whole application.
    item_id: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/evidence", tag = "applications", params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", content = EvidenceUpload, description = "`file` (required) and `item_id` (optional)"),
    security(("bearer" = [])),
    responses((status = 201, body = EvidenceView), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
        (status = 403, body = Problem),
        (status = 409, body = Problem)))]
pub async fn upload_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    evidence::may_upload(&caller)?;
    let upload = super::upload::read_upload(payload, state.settings.evidence_max_bytes).await?;
    let view = evidence::upload(&state, &caller, &path, upload).await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}/evidence/{evidence_id}", tag = "applications",
    params(("id" = String, Path), ("evidence_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "the file as uploaded", content_type = "application/octet-stream"), (status = 404, body = Problem),
        (status = 403, body = Problem)))]
pub async fn get_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, evidence_id) = path.into_inner();
    let file = evidence::download(&state, &caller, &id, &evidence_id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type.clone())
        .insert_header(file.disposition())
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.data))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 409, description = "not a draft (`wrong_status`), items unanswered (`unanswered_items`), or items that need evidence without a file attached to them (`evidence_missing`); the items are listed in `items`; or no current fire risk assessment on file for the premises (`fire_safety_missing`, `items` `[\"fire_safety\"]`)", body = Problem),
        (status = 403, description = "operators only", body = Problem)))]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    Ok(web::Json(workflow::submit(&state, &caller, &path).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 409, body = Problem),
        (status = 403, description = "operators only", body = Problem)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    Ok(web::Json(workflow::withdraw(&state, &caller, &path).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/claim", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn claim(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    Ok(web::Json(workflow::claim(&state, &caller, &path).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/assign", tag = "applications", params(("id" = String, Path)),
    request_body = AssignRequest, security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 403, description = "admins only", body = Problem)))]
pub async fn assign(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<AssignRequest>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let view = workflow::assign(&state, &caller, &path, body.into_inner()).await?;
    Ok(web::Json(view))
}

#[utoipa::path(put, path = "/api/v1/applications/{id}/scores", tag = "assessment", params(("id" = String, Path)),
    request_body = ScoresRequest, security(("bearer" = [])),
    responses((status = 200, body = ScoresResponse), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_scores(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<ScoresRequest>,
) -> Result<web::Json<ScoresResponse>, ApiError> {
    let scores = assessment::score(&state, &caller, &path, body.into_inner()).await?;
    Ok(web::Json(scores))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}/preview", tag = "assessment", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "what completing now would decide (outcome, percentages, reasons, conditions), stored nowhere; while items are unscored, the percentages so far and the unscored items", body = PreviewResponse),
        (status = 403, description = "only the assigned advisor", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "not in review", body = Problem)))]
pub async fn preview(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<PreviewResponse>, ApiError> {
    Ok(web::Json(
        assessment::preview(&state, &caller, &path).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/complete", tag = "assessment", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CompleteResponse), (status = 403, body = Problem),
        (status = 409, description = "not in review, or items unscored (listed in `items`)", body = Problem)))]
pub async fn complete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<CompleteResponse>, ApiError> {
    Ok(web::Json(
        assessment::complete(&state, &caller, &path).await?,
    ))
}

// Part 3: the second sign-off.
#[utoipa::path(post, path = "/api/v1/applications/{id}/sign-off", tag = "assessment", params(("id" = String, Path)),
    request_body = crate::service::applications::sign_off::SignOffRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "`approve`: the application is completed, with the outcome recomputed from the stored scores and (when certified) the certificate; `return`: back in review for the assessor, with the note", body = CompleteResponse),
        (status = 403, description = "not a reviewer: only an admin, or an advisor accredited today for these premises with no tie to the operator; and never the assessor of this application", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`wrong_status`: not awaiting sign-off; `event_ended`: the event ended meanwhile, so no certificate can be issued", body = Problem),
        (status = 422, description = "`note` is required to return an assessment, at most 4000 characters", body = Problem)))]
pub async fn sign_off(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<crate::service::applications::sign_off::SignOffRequest>,
) -> Result<web::Json<CompleteResponse>, ApiError> {
    Ok(web::Json(
        crate::service::applications::sign_off::sign_off(&state, &caller, &path, body.into_inner())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/sign-offs", tag = "assessment", security(("bearer" = [])),
    responses(
        (status = 200, description = "the applications awaiting a sign-off that the caller may give (an admin: all; an advisor: in their accreditation's scope, untied, not assessed by them), oldest assessment first", body = Vec<ApplicationView>),
        (status = 403, description = "admins and advisors only", body = Problem)))]
pub async fn list_sign_offs(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<ApplicationView>>, ApiError> {
    Ok(web::Json(
        crate::service::applications::sign_off::queue(&state, &caller).await?,
    ))
}
