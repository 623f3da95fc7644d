//! Evidence attached to a draft application. Stored in the database so that every
//! instance serves it; size-limited; the declared type must match the bytes.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::views::EvidenceView;
use super::{load_visible, require_owner, require_status};
use crate::api::applications::self_assessment::checklist_for;
use crate::api::applications::views::tier_of;
use crate::auth::{Caller, Role};
use crate::db::models::EvidenceMeta;
use crate::db::schema::evidence;
use crate::db::sequences::{Change, audit};
use crate::db::{now, write_tx};
use crate::domain::application::ApplicationStatus;
use crate::error::ApiError;
use crate::startup::AppState;

/// Whether `bytes` are what `content_type` says, by their leading signature.
fn bytes_match(content_type: &str, bytes: &[u8]) -> bool {
    match content_type {
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => bytes.starts_with(b"\xff\xd8\xff"),
        "text/plain" => std::str::from_utf8(bytes).is_ok_and(|s| !s.contains('\0')),
        _ => false,
    }
}

fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    if cleaned.trim().is_empty() {
        "evidence".to_string()
    } else {
        cleaned
    }
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/evidence", tag = "applications", params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`file` (required) and `item_id` (optional)"),
    security(("bearer" = [])),
    responses((status = 201, body = EvidenceView), (status = 413, body = crate::error::Problem), (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn upload_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    mut payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Operator])?;
    let id = path.into_inner();
    let limit = state.settings.evidence_max_bytes;
    let mut file: Option<(String, String, Vec<u8>)> = None;
    let mut item_id: Option<String> = None;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| ApiError::BadRequest {
            detail: format!("cannot read the multipart body: {e}"),
            errors: vec![],
        })?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(clean_filename);
        let content_type = field
            .content_type()
            .map(|m| m.essence_str().to_string())
            .unwrap_or_default();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::BadRequest {
                detail: format!("cannot read the upload: {e}"),
                errors: vec![],
            })?;
            if data.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(format!(
                    "file: evidence files may be at most {limit} bytes"
                )));
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => {
                file = Some((
                    filename.unwrap_or_else(|| "evidence".into()),
                    content_type,
                    data,
                ))
            }
            "item_id" => {
                let text = String::from_utf8(data)
                    .map_err(|_| ApiError::field("item_id", "must be text"))?;
                item_id = Some(text.trim().to_string()).filter(|t| !t.is_empty());
            }
            other => {
                return Err(ApiError::field(
                    other,
                    "unexpected form field; send `file` and optionally `item_id`",
                ));
            }
        }
    }
    let (filename, content_type, data) =
        file.ok_or_else(|| ApiError::field("file", "is required (multipart form field `file`)"))?;
    if data.is_empty() {
        return Err(ApiError::field("file", "is empty"));
    }
    if !state
        .settings
        .evidence_content_types
        .contains(&content_type)
    {
        return Err(ApiError::UnsupportedMediaType(format!(
            "file: content type `{content_type}` is not accepted; send one of {}",
            state.settings.evidence_content_types.join(", ")
        )));
    }
    if !bytes_match(&content_type, &data) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "file: the content is not {content_type}"
        )));
    }
    let st = state.clone();
    let view = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, _) = load_visible(tx, &caller, &id)?;
                require_owner(&caller, &app)?;
                require_status(&app, &[ApplicationStatus::Draft])?;
                if let Some(item) = &item_id {
                    let checklist = checklist_for(&st, tx, &app)?;
                    if !checklist
                        .checklist
                        .applicable_items(tier_of(&app))
                        .iter()
                        .any(|(_, i)| &i.id == item)
                    {
                        return Err(ApiError::field("item_id", format!("`{item}` is not a checklist item of this application")));
                    }
                }
                let meta = EvidenceMeta {
                    id: uuid::Uuid::new_v4().to_string(),
                    application_id: app.id.clone(),
                    item_id: item_id.clone(),
                    filename,
                    content_type,
                    size_bytes: i64::try_from(data.len()).unwrap_or(i64::MAX),
                    sha256: hex::encode(Sha256::digest(&data)),
                    uploaded_by: caller.user_id.clone(),
                    created_at: now(),
                };
                diesel::insert_into(evidence::table)
                    .values((
                        evidence::id.eq(&meta.id),
                        evidence::application_id.eq(&meta.application_id),
                        evidence::item_id.eq(&meta.item_id),
                        evidence::filename.eq(&meta.filename),
                        evidence::content_type.eq(&meta.content_type),
                        evidence::size_bytes.eq(meta.size_bytes),
                        evidence::sha256.eq(&meta.sha256),
                        evidence::data.eq(&data),
                        evidence::uploaded_by.eq(&meta.uploaded_by),
                        evidence::created_at.eq(meta.created_at),
                    ))
                    .execute(tx)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("evidence.uploaded", "application", &app.id).after(serde_json::json!({
                        "evidence_id": meta.id, "item_id": meta.item_id, "sha256": meta.sha256, "size_bytes": meta.size_bytes,
                    })),
                )?;
                Ok(EvidenceView::from(&meta))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}/evidence/{evidence_id}", tag = "applications",
    params(("id" = String, Path), ("evidence_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "the file as uploaded", content_type = "application/octet-stream"), (status = 404, body = crate::error::Problem)))]
pub async fn get_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, evidence_id) = path.into_inner();
    let (filename, content_type, data) = state
        .db
        .run(move |conn| {
            let (app, _) = load_visible(conn, &caller, &id)?;
            // Queue visibility lets an advisor read the application, not its evidence.
            let allowed = match caller.role {
                Role::Advisor => app.advisor_id.as_deref() == Some(caller.user_id.as_str()),
                _ => true,
            };
            if !allowed {
                return Err(ApiError::not_found("evidence"));
            }
            evidence::table
                .filter(evidence::id.eq(&evidence_id))
                .filter(evidence::application_id.eq(&app.id))
                .select((evidence::filename, evidence::content_type, evidence::data))
                .first::<(String, String, Vec<u8>)>(conn)
                .optional()?
                .ok_or_else(|| ApiError::not_found("evidence"))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_must_match_type() {
        assert!(bytes_match("application/pdf", b"%PDF-1.7 ..."));
        assert!(!bytes_match("application/pdf", b"\x89PNG\r\n\x1a\n"));
        assert!(bytes_match("text/plain", "Plan révisé".as_bytes()));
        assert!(!bytes_match("text/plain", b"a\0b"));
        assert!(!bytes_match("application/zip", b"PK"));
    }

    #[test]
    fn filenames_lose_paths_and_quotes() {
        assert_eq!(clean_filename("../../etc/pass\"wd"), "passwd");
        assert_eq!(clean_filename("C:\\plans\\evac.pdf"), "evac.pdf");
        assert_eq!(clean_filename(""), "evidence");
    }
}
