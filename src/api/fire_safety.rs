//! `/api/v1/premises/{id}/fire-safety`: the fire risk assessment (and fire safety
//! certificate) on file for premises, as recorded by their operator, and its evidence.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};

use super::extract::Json;
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::fire_safety::{self, FireSafetyEvidenceView, FireSafetyInput, FireSafetyView};
use crate::state::AppState;

/// Records the premises' fire risk assessment; the one on file before is kept as
/// history. Recorded by the operator: the scheme does not check fire safety.
#[utoipa::path(put, path = "/api/v1/premises/{id}/fire-safety", tag = "premises", request_body = FireSafetyInput,
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = FireSafetyView), (status = 404, body = Problem),
        (status = 422, description = "a field at fault, named in `errors`", body = Problem),
        (status = 403, description = "operators only", body = Problem)))]
pub async fn put_fire_safety(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<FireSafetyInput>,
) -> Result<web::Json<FireSafetyView>, ApiError> {
    Ok(web::Json(
        fire_safety::record(&state, &caller, &path, body.into_inner()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/premises/{id}/fire-safety", tag = "premises",
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = FireSafetyView), (status = 404, body = Problem),
        (status = 403, body = Problem)))]
pub async fn get_fire_safety(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<FireSafetyView>, ApiError> {
    Ok(web::Json(fire_safety::get(&state, &caller, &path).await?))
}

/// The multipart form of a fire safety evidence upload.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // documents the form read by `read_upload`
pub struct FireSafetyEvidenceUpload {
    /// The file (the assessment, the certificate): of an accepted type (PDF, PNG,
    /// JPEG or text by default) and at most the evidence size limit.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attaches a file to the fire risk assessment on file now.
#[utoipa::path(post, path = "/api/v1/premises/{id}/fire-safety/evidence", tag = "premises", params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", content = FireSafetyEvidenceUpload, description = "`file`"),
    security(("bearer" = [])),
    responses((status = 201, body = FireSafetyEvidenceView), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
        (status = 404, body = Problem),
        (status = 403, description = "operators only", body = Problem),
        (status = 409, description = "`fire_safety_missing`: record the fire risk assessment first", body = Problem)))]
pub async fn upload_fire_safety_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    fire_safety::may_upload(&caller)?;
    let upload = super::upload::read_upload(payload, state.settings.evidence_max_bytes).await?;
    let view = fire_safety::upload_evidence(&state, &caller, &path, upload).await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/premises/{id}/fire-safety/evidence/{evidence_id}", tag = "premises",
    params(("id" = String, Path), ("evidence_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "the file as uploaded", content_type = "application/octet-stream"), (status = 404, body = Problem),
        (status = 403, body = Problem)))]
pub async fn get_fire_safety_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, evidence_id) = path.into_inner();
    let file = fire_safety::download_evidence(&state, &caller, &id, &evidence_id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type.clone())
        .insert_header(file.disposition())
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.data))
}
