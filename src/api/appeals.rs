//! Appeals and the right to reply (issue 11 part 2): `/api/v1/applications/{id}/appeal`,
//! `/api/v1/appeals…` and `/api/v1/applications/{id}/reply`.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};

use super::extract::{Json, Query};
use super::problem::{ApiError, Problem};
use super::upload::read_upload;
use crate::auth::Caller;
use crate::service::appeals::{
    self, AppealRequest, AppealScoresResponse, AppealView, DecideResponse, ReplyRequest, ReplyView,
};
use crate::service::applications::assessment::ScoresRequest;
use crate::service::applications::views::EvidenceView;
use crate::service::page::PageQuery;
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/applications/{id}/appeal", tag = "appeals", params(("id" = String, Path)),
    request_body = AppealRequest, security(("bearer" = [])),
    responses((status = 201, body = AppealView),
        (status = 403, description = "operators only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "already appealed (`appeal_exists`), the window closed (`appeal_window_closed`, with the date), certified without conditions (`not_appealable`) or not completed (`not_decided`)", body = Problem),
        (status = 422, description = "`grounds` empty, or `items[i]` not an item of this application", body = Problem)))]
pub async fn lodge(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<AppealRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = appeals::lodge(&state, &caller, &path, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The multipart form of an appeal's evidence.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // documents the form read by `read_upload`
pub struct AppealEvidenceUpload {
    /// The file: of an accepted type (PDF, PNG, JPEG or text by default) and at
    /// most the evidence size limit.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[utoipa::path(post, path = "/api/v1/appeals/{id}/evidence", tag = "appeals", params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", content = AppealEvidenceUpload, description = "`file` (required)"),
    security(("bearer" = [])),
    responses((status = 201, body = EvidenceView), (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "the appeal is decided", body = Problem)))]
pub async fn upload_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    appeals::may_upload(&caller)?;
    let upload = read_upload(payload, state.settings.evidence_max_bytes).await?;
    let view = appeals::upload_evidence(&state, &caller, &path, upload).await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/appeals/{id}/evidence/{evidence_id}", tag = "appeals",
    params(("id" = String, Path), ("evidence_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "the file as uploaded", content_type = "application/octet-stream"),
        (status = 404, body = Problem), (status = 403, body = Problem)))]
pub async fn get_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, evidence_id) = path.into_inner();
    let file = appeals::download_evidence(&state, &caller, &id, &evidence_id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type.clone())
        .insert_header(file.disposition())
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.data))
}

#[utoipa::path(get, path = "/api/v1/appeals", tag = "appeals", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "operators: their organisation's appeals; advisors: the lodged appeals they may review and those they claimed; admins: all", body = Vec<AppealView>),
        (status = 403, description = "police see appeals on the certificate record instead", body = Problem),
        (status = 422, body = Problem)))]
pub async fn list_appeals(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<PageQuery>,
) -> Result<web::Json<Vec<AppealView>>, ApiError> {
    Ok(web::Json(appeals::list(&state, &caller, &query).await?))
}

#[utoipa::path(get, path = "/api/v1/appeals/{id}", tag = "appeals", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = AppealView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_appeal(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<AppealView>, ApiError> {
    Ok(web::Json(appeals::get(&state, &caller, &path).await?))
}

#[utoipa::path(post, path = "/api/v1/appeals/{id}/claim", tag = "appeals", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = AppealView),
        (status = 403, description = "not an advisor, the original assessor, tied to the organisation, or not accredited for it today", body = Problem),
        (status = 404, body = Problem), (status = 409, description = "already claimed or decided", body = Problem)))]
pub async fn claim(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<AppealView>, ApiError> {
    Ok(web::Json(appeals::claim(&state, &caller, &path).await?))
}

#[utoipa::path(put, path = "/api/v1/appeals/{id}/scores", tag = "appeals", params(("id" = String, Path)),
    request_body = ScoresRequest, security(("bearer" = [])),
    responses((status = 200, body = AppealScoresResponse),
        (status = 403, description = "only the advisor who claimed the appeal", body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, description = "`scores[i].item_id` not appealed, `scores[i].score` out of range, or `scores[i].note` missing for a changed score", body = Problem)))]
pub async fn put_scores(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<ScoresRequest>,
) -> Result<web::Json<AppealScoresResponse>, ApiError> {
    Ok(web::Json(
        appeals::score(&state, &caller, &path, body.into_inner()).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/appeals/{id}/decide", tag = "appeals", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "the outcome recomputed from the final scores, and the certificate issued (or reissued) if any", body = DecideResponse),
        (status = 403, description = "only the advisor who claimed the appeal", body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn decide(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<DecideResponse>, ApiError> {
    Ok(web::Json(appeals::decide(&state, &caller, &path).await?))
}

#[utoipa::path(put, path = "/api/v1/applications/{id}/reply", tag = "appeals", params(("id" = String, Path)),
    request_body = ReplyRequest, security(("bearer" = [])),
    responses((status = 200, body = ReplyView), (status = 403, description = "operators only", body = Problem),
        (status = 404, body = Problem), (status = 409, description = "not completed", body = Problem),
        (status = 422, description = "`statement` empty or over 1000 characters", body = Problem)))]
pub async fn put_reply(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<ReplyRequest>,
) -> Result<web::Json<ReplyView>, ApiError> {
    Ok(web::Json(
        appeals::reply(&state, &caller, &path, body.into_inner()).await?,
    ))
}
