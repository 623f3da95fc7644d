//! Multipart uploads: one `file` and a few named text fields, read up to the
//! evidence size limit rather than buffering whatever is sent. Every upload (an
//! application's evidence, a condition's, an appeal's, a fire risk assessment's)
//! goes through [`read_form`].

use std::collections::HashMap;

use actix_multipart::Multipart;
use futures_util::StreamExt;

use super::problem::ApiError;
use crate::service::ServiceError;
use crate::service::applications::evidence::Upload;

/// Reads `file` and the text fields named in `texts` (any other field is a 422
/// naming it), stopping at `limit` bytes a field. The upload's `item_id` is unset.
pub(crate) async fn read_form(
    mut payload: Multipart,
    limit: usize,
    texts: &[&str],
) -> Result<(Upload, HashMap<String, String>), ApiError> {
    let unreadable = |what: &str, e: &dyn std::fmt::Display| {
        ApiError(ServiceError::Malformed {
            detail: format!("cannot read the {what}: {e}"),
            errors: vec![],
        })
    };
    let mut file: Option<(String, String, Vec<u8>)> = None;
    let mut fields = HashMap::new();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| unreadable("multipart body", &e))?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        let content_type = field
            .content_type()
            .map(|m| m.essence_str().to_string())
            .unwrap_or_default();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| unreadable("upload", &e))?;
            if data.len() + chunk.len() > limit {
                return Err(ServiceError::TooLarge(format!(
                    "file: evidence files may be at most {limit} bytes"
                ))
                .into());
            }
            data.extend_from_slice(&chunk);
        }
        if name == "file" {
            file = Some((filename.unwrap_or_default(), content_type, data));
        } else if texts.contains(&name.as_str()) {
            let text =
                String::from_utf8(data).map_err(|_| ServiceError::field(&name, "must be text"))?;
            fields.insert(name, text);
        } else {
            let expected: Vec<String> = texts
                .iter()
                .filter(|t| **t != "csrf")
                .map(|t| format!("`{t}`"))
                .collect();
            let also = if expected.is_empty() {
                String::new()
            } else {
                format!(" and {}", expected.join(", "))
            };
            return Err(ServiceError::field(
                &name,
                format!("unexpected form field; send `file`{also}"),
            )
            .into());
        }
    }
    let (filename, content_type, data) = file
        .ok_or_else(|| ServiceError::field("file", "is required (multipart form field `file`)"))?;
    Ok((
        Upload {
            filename,
            content_type,
            data,
            item_id: None,
        },
        fields,
    ))
}

/// Reads `file` and, optionally, the checklist `item_id` it is evidence for.
pub(crate) async fn read_upload(payload: Multipart, limit: usize) -> Result<Upload, ApiError> {
    let (mut upload, mut fields) = read_form(payload, limit, &["item_id"]).await?;
    upload.item_id = fields
        .remove("item_id")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    Ok(upload)
}
