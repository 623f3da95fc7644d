//! Conditions to closure, on pages: the operator's page of one condition (its
//! history and the evidence form), the advisor's list of conditions awaiting their
//! review and the review page, the download of a condition's evidence, and the
//! panel of every condition's state that the police record, the admin's certificate
//! page and the operator's pages include.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::account::{html, render};
use super::error::PageError;
use super::form::{FieldErrors, Form, refused_status, shown_on_form};
use super::layout::Chrome;
use super::operator::multipart;
use super::session::SignedIn;
use crate::domain::condition::ConditionState;
use crate::service::ServiceError;
use crate::service::applications::evidence::Upload;
use crate::service::certificates::conditions::{
    self, AwaitingReview, ConditionView, EvidenceSubmission, ReviewDecision, ReviewRequest,
};
use crate::service::certificates::{self, CertificateView};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(
        resource("/operator/certificates/{number}/conditions/{id}")
            .route(get().to(operator_page))
            .route(post().to(submit_evidence)),
    )
    .service(resource("/advisor/conditions").route(get().to(review_list)))
    .service(
        resource("/advisor/conditions/{number}/{id}")
            .route(get().to(review_page))
            .route(post().to(review)),
    )
    .service(
        resource("/certificates/{number}/conditions/{id}/evidence/{evidence_id}")
            .route(get().to(evidence_file)),
    );
}

/// The state of a condition as a badge: tone and words.
pub fn state_badge(state: ConditionState) -> (&'static str, &'static str) {
    let tone = match state {
        ConditionState::Open => "warn",
        ConditionState::EvidenceSubmitted => "info",
        ConditionState::Accepted => "ok",
        ConditionState::Rejected => "bad",
    };
    (tone, state.words())
}

fn action_words(action: &str) -> &'static str {
    match action {
        "issued" => "Raised with the certificate",
        "evidence_submitted" => "Evidence submitted",
        "accepted" => "Evidence accepted: condition met",
        "rejected" => "Evidence rejected",
        "overdue" => "Overdue: certificate suspended",
        _ => "Changed",
    }
}

pub struct PanelEvent {
    pub at: String,
    pub what: &'static str,
    pub by: String,
    pub note: String,
    pub evidence: Option<(String, String)>,
}

/// One condition with its state and history, as every role's page shows it.
pub struct ConditionPanel {
    pub id: String,
    pub item_id: String,
    pub text: String,
    pub due: String,
    pub tone: &'static str,
    pub state: &'static str,
    pub overdue: bool,
    pub history: Vec<PanelEvent>,
}

impl ConditionPanel {
    pub fn new(chrome: &Chrome, number: &str, c: &ConditionView) -> ConditionPanel {
        let (tone, state) = state_badge(c.state);
        ConditionPanel {
            id: c.id.clone(),
            item_id: c.item_id.clone(),
            text: c.text.clone(),
            due: chrome.date(&c.due_at),
            tone,
            state,
            overdue: c.overdue,
            history: c
                .history
                .iter()
                .map(|h| PanelEvent {
                    at: chrome.date_time(&h.at),
                    what: action_words(&h.action),
                    by: h.by.clone().unwrap_or_else(|| "The scheme".to_string()),
                    note: h.note.clone(),
                    evidence: h
                        .evidence
                        .as_ref()
                        .map(|e| (e.filename.clone(), evidence_href(number, &c.id, &e.id))),
                })
                .collect(),
        }
    }

    /// Every condition of a certificate.
    pub fn all(chrome: &Chrome, cert: &CertificateView) -> Vec<ConditionPanel> {
        cert.conditions
            .iter()
            .map(|c| ConditionPanel::new(chrome, &cert.number, c))
            .collect()
    }
}

pub fn evidence_href(number: &str, condition_id: &str, evidence_id: &str) -> String {
    format!("/certificates/{number}/conditions/{condition_id}/evidence/{evidence_id}")
}

/// The operator's page of one condition.
pub fn operator_href(number: &str, condition_id: &str) -> String {
    format!("/operator/certificates/{number}/conditions/{condition_id}")
}

#[derive(Template, WebTemplate)]
#[template(path = "conditions/operator.html")]
pub struct OperatorPage {
    chrome: Chrome,
    number: String,
    premises_name: String,
    premises_href: String,
    condition: ConditionPanel,
    can_submit: bool,
    errors: FieldErrors,
    note: String,
    file_hint: String,
    accept: String,
    done: bool,
}

fn file_hint(state: &AppState) -> String {
    let mb = state.settings.evidence_max_bytes as f64 / (1024.0 * 1024.0);
    let kinds: Vec<&str> = state
        .settings
        .evidence_content_types
        .iter()
        .map(|t| match t.as_str() {
            "application/pdf" => "PDF",
            "image/png" => "PNG",
            "image/jpeg" => "JPEG",
            "text/plain" => "plain text",
            other => other,
        })
        .collect();
    format!("{}, up to {mb:.0} MB", kinds.join(", "))
}

/// What the evidence form shows besides the condition: errors, the note as typed,
/// and whether evidence was just submitted.
struct EvidenceForm {
    errors: FieldErrors,
    note: String,
    done: bool,
}

async fn operator_view(
    state: &AppState,
    chrome: Chrome,
    caller: &crate::auth::Caller,
    (number, id): (&str, &str),
    form: EvidenceForm,
) -> Result<OperatorPage, PageError> {
    let EvidenceForm { errors, note, done } = form;
    crate::service::access::require_operator(caller)?;
    let cert = certificates::record(state, caller, number).await?;
    let c = cert
        .conditions
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ServiceError::not_found("condition"))?;
    let standing = matches!(
        cert.status,
        crate::domain::status::VerifiedStatus::Valid
            | crate::domain::status::VerifiedStatus::Suspended
    );
    Ok(OperatorPage {
        number: cert.number.clone(),
        premises_name: cert.premises_name.clone(),
        premises_href: format!("/operator/premises/{}", cert.premises_id),
        condition: ConditionPanel::new(&chrome, &cert.number, c),
        can_submit: standing && c.state.awaits_evidence(),
        errors,
        note,
        file_hint: file_hint(state),
        accept: state.settings.evidence_content_types.join(","),
        done,
        chrome,
    })
}

#[derive(serde::Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

pub async fn operator_page(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<(String, String)>,
    query: web::Query<DoneQuery>,
) -> Result<OperatorPage, PageError> {
    let (number, id) = path.into_inner();
    let done = query.done.is_some();
    let form = EvidenceForm {
        errors: FieldErrors::none(),
        note: String::new(),
        done,
    };
    operator_view(&state, chrome, &caller, (&number, &id), form).await
}

/// A file's refusal as a message next to the file field.
fn on_file_field(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::TooLarge(m) | ServiceError::UnsupportedType(m) => {
            ServiceError::field("file", m.trim_start_matches("file: "))
        }
        other => other,
    }
}

pub async fn submit_evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<(String, String)>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    conditions::may_submit(&caller)?;
    let (number, id) = path.into_inner();
    let form = multipart::read(&req, payload, state.settings.evidence_max_bytes).await?;
    let note = form.get("note").unwrap_or_default().to_string();
    let result = match form.files.into_iter().find(|f| f.name == "file") {
        Some(f) => {
            let input = EvidenceSubmission {
                upload: Upload {
                    filename: f.filename,
                    content_type: f.content_type,
                    data: f.data,
                    item_id: None,
                },
                note: Some(note.clone()),
            };
            conditions::submit_evidence(&state, &caller, &number, &id, input)
                .await
                .map_err(on_file_field)
        }
        None => Err(ServiceError::field("file", "choose a file to submit")),
    };
    match result {
        Ok(_) => Ok(super::operator::see_other(format!(
            "{}?done=submitted",
            operator_href(&number, &id)
        ))),
        Err(e) if shown_on_form(&e) => {
            let form = EvidenceForm {
                errors: FieldErrors::of(&e),
                note,
                done: false,
            };
            let page = operator_view(&state, chrome, &caller, (&number, &id), form).await?;
            Ok(html(refused_status(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct ReviewRow {
    pub number: String,
    pub premises: String,
    pub town: String,
    pub item_id: String,
    pub text: String,
    pub due: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "conditions/review_list.html")]
pub struct ReviewListPage {
    chrome: Chrome,
    rows: Vec<ReviewRow>,
    done: bool,
}

pub async fn review_list(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    query: web::Query<DoneQuery>,
) -> Result<ReviewListPage, PageError> {
    let list = conditions::awaiting_review(&state, &caller).await?;
    Ok(ReviewListPage {
        rows: list
            .iter()
            .map(|a| ReviewRow {
                number: a.number.clone(),
                premises: a.premises_name.clone(),
                town: a.town.clone(),
                item_id: a.condition.item_id.clone(),
                text: a.condition.text.clone(),
                due: chrome.date(&a.condition.due_at),
                href: format!("/advisor/conditions/{}/{}", a.number, a.condition.id),
            })
            .collect(),
        done: query.done.is_some(),
        chrome,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "conditions/review.html")]
pub struct ReviewPage {
    chrome: Chrome,
    number: String,
    premises: String,
    town: String,
    condition: ConditionPanel,
    evidence: Option<(String, String)>,
    operator_note: String,
    can_review: bool,
    errors: FieldErrors,
    decision: String,
    note: String,
}

fn review_view(
    chrome: Chrome,
    found: &AwaitingReview,
    errors: FieldErrors,
    decision: String,
    note: String,
) -> ReviewPage {
    let c = &found.condition;
    ReviewPage {
        number: found.number.clone(),
        premises: found.premises_name.clone(),
        town: found.town.clone(),
        evidence: c.latest_evidence().map(|e| {
            (
                e.filename.clone(),
                evidence_href(&found.number, &c.id, &e.id),
            )
        }),
        operator_note: c.latest_note().unwrap_or_default().to_string(),
        can_review: c.state == ConditionState::EvidenceSubmitted,
        condition: ConditionPanel::new(&chrome, &found.number, c),
        errors,
        decision,
        note,
        chrome,
    }
}

pub async fn review_page(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<(String, String)>,
) -> Result<ReviewPage, PageError> {
    let (number, id) = path.into_inner();
    let found = conditions::for_review(&state, &caller, &number, &id).await?;
    Ok(review_view(
        chrome,
        &found,
        FieldErrors::none(),
        String::new(),
        String::new(),
    ))
}

#[derive(serde::Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn review(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<(String, String)>,
    Form(form): Form<ReviewForm>,
) -> Result<HttpResponse, PageError> {
    let (number, id) = path.into_inner();
    let decision = match form.decision.as_str() {
        "accept" => Some(ReviewDecision::Accept),
        "reject" => Some(ReviewDecision::Reject),
        _ => None,
    };
    let input = ReviewRequest {
        decision,
        note: Some(form.note.clone()),
    };
    match conditions::review(&state, &caller, &number, &id, input).await {
        Ok(_) => Ok(super::operator::see_other(
            "/advisor/conditions?done=reviewed".to_string(),
        )),
        Err(e) if shown_on_form(&e) => {
            let found = conditions::for_review(&state, &caller, &number, &id).await?;
            let page = review_view(
                chrome,
                &found,
                FieldErrors::of(&e),
                form.decision,
                form.note,
            );
            Ok(html(refused_status(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn evidence_file(
    state: web::Data<AppState>,
    SignedIn(caller): SignedIn,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, PageError> {
    let (number, id, evidence_id) = path.into_inner();
    let file = conditions::evidence_file(&state, &caller, &number, &id, &evidence_id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type.clone())
        .insert_header(file.disposition())
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.data))
}
