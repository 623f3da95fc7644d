//! Evidence: files the operator attaches to a draft (to one item, or to the
//! application as a whole), read back by the owner, the assigned advisor and admins.

use sha2::{Digest, Sha256};

use super::views::EvidenceView;
use super::{applies, checklist_for, load_visible, require_status};
use crate::auth::Caller;
use crate::db::models::{Application, EvidenceMeta};
use crate::db::sequences::{Change, audit};
use crate::db::{self, DbConnection, now, write_tx};
use crate::domain::application::ApplicationStatus;
use crate::service::access::{may_read_evidence, require_operator, require_owner};
use crate::service::{ServiceError, ServiceResult};
use crate::state::AppState;

/// A file as received, before any check.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
    pub item_id: Option<String>,
}

/// One stored file.
pub struct EvidenceFile {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

impl EvidenceFile {
    /// `Content-Disposition: attachment` per RFC 6266: an ASCII `filename=` for
    /// every client, and `filename*=UTF-8''…` when the name is not ASCII.
    pub fn disposition(&self) -> actix_web::http::header::ContentDisposition {
        attachment(&self.filename)
    }
}

/// See [`EvidenceFile::disposition`].
pub fn attachment(filename: &str) -> actix_web::http::header::ContentDisposition {
    use actix_web::http::header::{
        Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
    };
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut parameters = vec![DispositionParam::Filename(fallback)];
    if !filename.is_ascii() {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".to_string()),
            language_tag: None,
            value: filename.as_bytes().to_vec(),
        }));
    }
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters,
    }
}

/// Whether the bytes are what the declared type says (a renamed executable is
/// not a PDF).
fn bytes_match(content_type: &str, bytes: &[u8]) -> bool {
    match content_type {
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => bytes.starts_with(b"\xff\xd8\xff"),
        "text/plain" => std::str::from_utf8(bytes).is_ok_and(|s| !s.contains('\0')),
        _ => false,
    }
}

/// The file name extensions that go with each accepted type.
fn extensions_of(content_type: &str) -> &'static [&'static str] {
    match content_type {
        "application/pdf" => &["pdf"],
        "image/png" => &["png"],
        "image/jpeg" => &["jpg", "jpeg", "jpe"],
        "text/plain" => &["txt", "text", "log", "csv", "md"],
        _ => &[],
    }
}

/// Whether a file name's extension (if it has one) agrees with the type its bytes
/// were found to be: a PDF named `plan.hta` would open as a program.
fn extension_agrees(content_type: &str, filename: &str) -> bool {
    match filename.rsplit_once('.') {
        None => true,
        Some((_, ext)) => extensions_of(content_type)
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ext.trim())),
    }
}

/// A file name safe to store and to send back in a header: no path, no quotes,
/// no control or bidirectional characters (`plan\u{202E}fdp.hta` shows as
/// `planath.pdf`).
pub fn clean_filename(name: &str) -> String {
    let name = crate::domain::text::clean_file_name(name);
    let base = name.rsplit(['/', '\\']).next().unwrap_or(&name);
    let cleaned: String = base.chars().filter(|c| *c != '"').take(200).collect();
    if cleaned.trim().is_empty() {
        "evidence".to_string()
    } else {
        cleaned
    }
}

/// Only operators attach evidence: checked before a body is read.
pub fn may_upload(caller: &Caller) -> ServiceResult<()> {
    require_operator(caller)
}

pub async fn upload(
    state: &AppState,
    caller: &Caller,
    id: &str,
    upload: Upload,
) -> ServiceResult<EvidenceView> {
    may_upload(caller)?;
    check_file(state, &upload)?;
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, _) = load_visible(tx, &caller, &id)?;
                require_owner(&caller, &app)?;
                require_status(&app, &[ApplicationStatus::Draft])?;
                store(tx, &st, &caller, &app, &upload)
            })
        })
        .await
}

/// The checks on a file itself: not empty, within the size limit, of an accepted
/// type, and its bytes of that type.
pub(crate) fn check_file(state: &AppState, upload: &Upload) -> ServiceResult<()> {
    if upload.data.is_empty() {
        return Err(ServiceError::field("file", "is empty"));
    }
    let limit = state.settings.evidence_max_bytes;
    if upload.data.len() > limit {
        return Err(ServiceError::TooLarge(format!(
            "file: evidence files may be at most {limit} bytes"
        )));
    }
    let accepted = &state.settings.evidence_content_types;
    if !accepted.contains(&upload.content_type) {
        return Err(ServiceError::UnsupportedType(format!(
            "file: content type `{}` is not accepted; send one of {}",
            upload.content_type,
            accepted.join(", ")
        )));
    }
    if !bytes_match(&upload.content_type, &upload.data) {
        return Err(ServiceError::UnsupportedType(format!(
            "file: the content is not {}",
            upload.content_type
        )));
    }
    let name = clean_filename(&upload.filename);
    if !extension_agrees(&upload.content_type, &name) {
        return Err(ServiceError::field(
            "file",
            format!(
                "the name `{name}` does not end as a {} file should (.{})",
                upload.content_type,
                extensions_of(&upload.content_type).join(", .")
            ),
        ));
    }
    Ok(())
}

/// Stores a checked file on the caller's draft `app` (access and status already
/// checked), with its audit entry.
pub(crate) fn store(
    tx: &mut DbConnection,
    st: &AppState,
    caller: &Caller,
    app: &Application,
    upload: &Upload,
) -> ServiceResult<EvidenceView> {
    if let Some(item) = &upload.item_id {
        let checklist = checklist_for(st, tx, app)?;
        if !applies(&checklist, app, item) {
            return Err(ServiceError::field(
                "item_id",
                format!("`{item}` is not a checklist item of this application"),
            ));
        }
    }
    let meta = EvidenceMeta {
        id: uuid::Uuid::new_v4().to_string(),
        application_id: app.id.clone(),
        item_id: upload.item_id.clone(),
        filename: clean_filename(&upload.filename),
        content_type: upload.content_type.clone(),
        size_bytes: i64::try_from(upload.data.len()).unwrap_or(i64::MAX),
        sha256: hex::encode(Sha256::digest(&upload.data)),
        uploaded_by: caller.user_id.clone(),
        created_at: now(),
    };
    db::evidence::insert(tx, &meta, &upload.data)?;
    audit(
        tx,
        Some(caller),
        Change::new("evidence.uploaded", "application", &app.id).after(serde_json::json!({
            "evidence_id": meta.id, "item_id": meta.item_id, "sha256": meta.sha256,
            "size_bytes": meta.size_bytes,
        })),
    )?;
    Ok(EvidenceView::from(&meta))
}

pub async fn download(
    state: &AppState,
    caller: &Caller,
    id: &str,
    evidence_id: &str,
) -> ServiceResult<EvidenceFile> {
    let (caller, id, evidence_id) = (caller.clone(), id.to_string(), evidence_id.to_string());
    state
        .db
        .run(move |conn| {
            let (app, _) = load_visible(conn, &caller, &id)?;
            if !may_read_evidence(&caller, &app) {
                return Err(ServiceError::not_found("evidence"));
            }
            let (filename, content_type, data) =
                db::evidence::file(conn, &app.id, &evidence_id)?
                    .ok_or_else(|| ServiceError::not_found("evidence"))?;
            Ok(EvidenceFile {
                filename: clean_filename(&filename),
                content_type,
                data,
            })
        })
        .await
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
        assert_eq!(clean_filename("plan\u{202E}fdp.hta"), "planfdp.hta");
        assert_eq!(clean_filename("\u{2066}\u{200F}"), "evidence");
    }

    #[test]
    fn the_extension_agrees_with_the_type() {
        assert!(extension_agrees("application/pdf", "plan.pdf"));
        assert!(extension_agrees("application/pdf", "PLAN.PDF"));
        assert!(extension_agrees("application/pdf", "plan"));
        assert!(extension_agrees("image/jpeg", "door.JPG"));
        assert!(!extension_agrees("application/pdf", "plan.hta"));
        assert!(!extension_agrees("application/pdf", "plan.pdf.exe"));
        assert!(!extension_agrees("text/plain", "notes.html"));
        assert!(!extension_agrees("image/png", "x.svg"));
    }

    #[test]
    fn downloads_name_the_file_per_rfc_6266() {
        assert_eq!(
            attachment("plan.pdf").to_string(),
            "attachment; filename=\"plan.pdf\""
        );
        assert_eq!(
            attachment("Plan d’évacuation.pdf").to_string(),
            "attachment; filename=\"Plan d__vacuation.pdf\"; filename*=UTF-8''Plan%20d%E2%80%99%C3%A9vacuation.pdf"
        );
    }
}
