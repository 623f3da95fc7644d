//! Reading a `multipart/form-data` page form (one with files): its CSRF token
//! first, then text fields and files. A file part before the token is refused
//! before it is read, and a file over the limit is kept only to one byte past
//! it (enough for the service to say it is too large) and the rest discarded.

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use futures_util::StreamExt;

use crate::service::ServiceError;
use crate::web::error::PageError;
use crate::web::session::{CSRF_FIELD, check_csrf};

/// Text fields are small; anything longer is not from our forms.
const TEXT_LIMIT: usize = 64 * 1024;
/// Fields in one form, at most.
const FIELD_LIMIT: usize = 400;

pub struct FilePart {
    pub name: String,
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

#[derive(Default)]
pub struct MultipartForm {
    pub fields: Vec<(String, String)>,
    /// Files actually chosen (an empty file input sends a part with no name and
    /// no bytes, which is left out).
    pub files: Vec<FilePart>,
}

impl MultipartForm {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn unreadable(e: impl std::fmt::Display) -> PageError {
    ServiceError::Malformed {
        detail: format!("cannot read the form: {e}"),
        errors: vec![],
    }
    .into()
}

/// Reads the form, checking its CSRF token; `file_limit` is the most a file may hold.
pub async fn read(
    req: &HttpRequest,
    mut payload: Multipart,
    file_limit: usize,
) -> Result<MultipartForm, PageError> {
    let mut form = MultipartForm::default();
    let mut csrf_checked = false;
    let mut count = 0;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        count += 1;
        if count > FIELD_LIMIT {
            return Err(unreadable("too many fields"));
        }
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        if filename.is_some() && !csrf_checked {
            return Err(PageError::Csrf);
        }
        let limit = if filename.is_some() {
            file_limit.saturating_add(1)
        } else {
            TEXT_LIMIT
        };
        let content_type = field
            .content_type()
            .map(|m| m.essence_str().to_string())
            .unwrap_or_default();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            let room = limit.saturating_sub(data.len());
            data.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        match filename {
            Some(filename) => {
                if !(filename.is_empty() && data.is_empty()) {
                    form.files.push(FilePart {
                        name,
                        filename,
                        content_type,
                        data,
                    });
                }
            }
            None => {
                let text =
                    String::from_utf8(data).map_err(|_| unreadable("a field is not text"))?;
                if name == CSRF_FIELD {
                    check_csrf(req, Some(&text))?;
                    csrf_checked = true;
                } else {
                    form.fields.push((name, text));
                }
            }
        }
    }
    if !csrf_checked {
        return Err(PageError::Csrf);
    }
    Ok(form)
}
