//! Fire safety on the premises page (issue 11, part 5): what is on file, the form
//! that records the fire risk assessment, and its evidence files.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::multipart;
use super::premises::premises_page;
use super::{Badge, see_other};
use crate::domain::clock;
use crate::service::applications::evidence::Upload;
use crate::service::fire_safety::{self, FireSafetyInput, FireSafetyRecordView, FireSafetyView};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, Form, refused_status, shown_on_form};
use crate::web::layout::Chrome;
use crate::web::session::SignedIn;

/// The form as typed; dates arrive as `YYYY-MM-DD` from date inputs.
#[derive(Deserialize, Default, Clone)]
pub struct FireSafetyForm {
    #[serde(default)]
    pub assessor: String,
    #[serde(default)]
    pub assessed_on: String,
    #[serde(default)]
    pub next_review_on: String,
    #[serde(default)]
    pub certificate_reference: String,
    #[serde(default)]
    pub certificate_expires_on: String,
}

impl FireSafetyForm {
    fn input(&self) -> FireSafetyInput {
        let optional = |v: &str| Some(v.to_string()).filter(|v| !v.trim().is_empty());
        FireSafetyInput {
            assessor: self.assessor.clone(),
            assessed_on: self.assessed_on.clone(),
            next_review_on: self.next_review_on.clone(),
            certificate_reference: optional(&self.certificate_reference),
            certificate_expires_on: optional(&self.certificate_expires_on),
        }
    }
}

pub struct EvidenceRow {
    pub filename: String,
    pub href: String,
    pub uploaded: String,
}

/// One recording as the page shows it.
pub struct RecordRow {
    pub assessor: String,
    pub assessed_on: String,
    pub next_review_on: String,
    pub certificate: String,
    pub recorded: String,
    pub evidence: Vec<EvidenceRow>,
}

impl RecordRow {
    fn new(chrome: &Chrome, premises_id: &str, r: &FireSafetyRecordView) -> RecordRow {
        let certificate = match (&r.certificate_reference, r.certificate_expires_on) {
            (Some(reference), Some(until)) => {
                format!("{reference}, expires {}", clock::day(until))
            }
            (Some(reference), None) => reference.clone(),
            _ => "None recorded".to_string(),
        };
        RecordRow {
            assessor: r.assessor.clone(),
            assessed_on: clock::day(r.assessed_on),
            next_review_on: clock::day(r.next_review_on),
            certificate,
            recorded: chrome.date(&r.recorded_at),
            evidence: r
                .evidence
                .iter()
                .map(|e| EvidenceRow {
                    filename: e.filename.clone(),
                    href: format!(
                        "/operator/premises/{premises_id}/fire-safety/evidence/{}",
                        e.id
                    ),
                    uploaded: chrome.date(&e.uploaded_at),
                })
                .collect(),
        }
    }
}

/// The premises page's fire safety block.
pub struct FireSafetyBlock {
    pub premises_id: String,
    pub badge: Badge,
    pub current: Option<RecordRow>,
    pub history: Vec<RecordRow>,
    pub form: FireSafetyForm,
    pub errors: FieldErrors,
    /// Errors of the evidence form, shown by it.
    pub file_errors: FieldErrors,
    pub required: bool,
    /// Only the premises' operators record it (admins read the page too).
    pub may_record: bool,
}

impl FireSafetyBlock {
    pub fn new(chrome: &Chrome, view: &FireSafetyView, required: bool) -> FireSafetyBlock {
        let badge = match view.standing {
            "current" => Badge {
                tone: "ok",
                text: "On file",
            },
            "review_passed" => Badge {
                tone: "bad",
                text: "Review date passed",
            },
            _ => Badge {
                tone: "warn",
                text: "None on file",
            },
        };
        FireSafetyBlock {
            premises_id: view.premises_id.clone(),
            badge,
            current: view
                .current
                .as_ref()
                .map(|r| RecordRow::new(chrome, &view.premises_id, r)),
            history: view
                .history
                .iter()
                .map(|r| RecordRow::new(chrome, &view.premises_id, r))
                .collect(),
            form: FireSafetyForm::default(),
            errors: FieldErrors::none(),
            file_errors: FieldErrors::none(),
            required,
            may_record: chrome
                .caller
                .as_ref()
                .is_some_and(|c| fire_safety::may_upload(c).is_ok()),
        }
    }
}

/// Each message a sentence naming its field as the form labels it.
fn for_page(e: ServiceError) -> ServiceError {
    let ServiceError::Invalid(errors) = e else {
        return e;
    };
    let subject = |field: &str| match field {
        "assessor" => "Who made the assessment",
        "assessed_on" => "The date of the assessment",
        "next_review_on" => "The date of the next review",
        "certificate_reference" => "The certificate reference",
        "certificate_expires_on" => "The certificate's expiry",
        _ => "This",
    };
    ServiceError::Invalid(
        errors
            .into_iter()
            .map(|f| {
                let message = f
                    .message
                    .replace("after assessed_on", "after the date of the assessment")
                    .replace(
                        "only with certificate_reference",
                        "only with the certificate's reference",
                    );
                FieldError::new(f.field.clone(), format!("{} {message}", subject(&f.field)))
            })
            .collect(),
    )
}

pub async fn record(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    form: Form<FireSafetyForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    match fire_safety::record(&state, &caller, &path, form.input()).await {
        Ok(_) => Ok(see_other(format!(
            "/operator/premises/{}?done=fire_safety_recorded#fire-safety",
            path.into_inner()
        ))),
        Err(e) if shown_on_form(&e) => {
            let e = for_page(e);
            let mut page = premises_page(&state, chrome, &caller, &path).await?;
            page.fire_safety.errors = FieldErrors::of(&e);
            page.fire_safety.form = form;
            Ok(html(refused_status(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn attach(
    req: HttpRequest,
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    fire_safety::may_upload(&caller)?;
    let form = multipart::read(&req, payload, state.settings.evidence_max_bytes).await?;
    let result = match form.files.into_iter().find(|f| f.name == "file") {
        Some(f) => {
            let upload = Upload {
                filename: f.filename,
                content_type: f.content_type,
                data: f.data,
                item_id: None,
            };
            fire_safety::upload_evidence(&state, &caller, &path, upload)
                .await
                .map_err(|e| match e {
                    ServiceError::TooLarge(m) | ServiceError::UnsupportedType(m) => {
                        ServiceError::field("file", m.trim_start_matches("file: "))
                    }
                    other => other,
                })
        }
        None => Err(ServiceError::field("file", "choose a file to attach")),
    };
    match result {
        Ok(_) => Ok(see_other(format!(
            "/operator/premises/{}?done=fire_safety_evidence_added#fire-safety",
            path.into_inner()
        ))),
        Err(e) if shown_on_form(&e) => {
            let mut page = premises_page(&state, chrome, &caller, &path).await?;
            page.fire_safety.file_errors = FieldErrors::of(&e);
            Ok(html(refused_status(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn download(
    state: web::Data<AppState>,
    SignedIn(caller): SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (id, evidence_id) = path.into_inner();
    let file = fire_safety::download_evidence(&state, &caller, &id, &evidence_id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type.clone())
        .insert_header(file.disposition())
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.data))
}
