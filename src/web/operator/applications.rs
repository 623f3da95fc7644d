//! The self-assessment: an overview of its sections, one page per section (each
//! item's text with its guidance beside it, an answer and a note, files to attach,
//! saved with the section's Save button), evidence for the whole application,
//! submitting (with what is still missing listed) and withdrawing.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::multipart::{self, MultipartForm};
use super::{Badge, ConditionRow, application_badge, outcome_words, see_other};
use crate::certificates::document::tier_label;
use crate::domain::application::{AnswerStatus, ApplicationStatus};
use crate::domain::scoring::Outcome;
use crate::service::ServiceError;
use crate::service::applications::evidence::{self, Upload};
use crate::service::applications::self_assessment::{self, ItemAnswer};
use crate::service::applications::views::{ApplicationView, EvidenceView, ItemView};
use crate::service::applications::workflow;
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, Form, shown_on_form};
use crate::web::layout::Chrome;
use crate::web::session::SignedIn;

const CHOICES: [(&str, &str); 4] = [
    ("in_place", "In place"),
    ("partial", "Partly in place"),
    ("not_in_place", "Not in place"),
    ("not_applicable", "Not applicable here"),
];

fn answer_words(status: AnswerStatus) -> &'static str {
    CHOICES
        .iter()
        .find(|(v, _)| *v == status.as_str())
        .map_or("", |(_, l)| l)
}

/// What every page of one application shows at the top.
pub struct Head {
    pub id: String,
    pub premises_id: String,
    pub premises_name: String,
    pub badge: Badge,
    pub tier: &'static str,
    pub progress: String,
    pub draft: bool,
    pub open: bool,
    pub advisor: String,
}

impl Head {
    fn of(view: &ApplicationView) -> Head {
        Head {
            id: view.id.clone(),
            premises_id: view.premises.id.clone(),
            premises_name: view.premises.name.clone(),
            badge: application_badge(view.status),
            tier: tier_label(view.tier),
            progress: format!(
                "{} of {} items answered",
                view.progress.answered, view.progress.items
            ),
            draft: view.status == ApplicationStatus::Draft,
            open: view.status.is_open(),
            advisor: view
                .advisor
                .as_ref()
                .map(|a| format!("{} ({})", a.name, a.accreditation_number))
                .unwrap_or_default(),
        }
    }
}

pub struct EvidenceRow {
    pub filename: String,
    pub href: String,
    pub size: String,
    pub uploaded: String,
}

fn evidence_rows(chrome: &Chrome, app_id: &str, list: &[EvidenceView]) -> Vec<EvidenceRow> {
    list.iter()
        .map(|e| EvidenceRow {
            filename: e.filename.clone(),
            href: format!("/operator/applications/{app_id}/evidence/{}", e.id),
            size: human_size(e.size_bytes),
            uploaded: chrome.date_time(&e.uploaded_at),
        })
        .collect()
}

fn human_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{} KB", (b + 1023) / 1024),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
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

fn accept(state: &AppState) -> String {
    state.settings.evidence_content_types.join(",")
}

pub struct SectionSummary {
    pub id: String,
    pub title: String,
    pub number: usize,
    pub items: usize,
    pub answered: usize,
    pub lacking: usize,
    pub href: String,
}

impl SectionSummary {
    pub fn done(&self) -> bool {
        self.answered == self.items && self.lacking == 0
    }
}

fn items(view: &ApplicationView) -> &[ItemView] {
    view.items.as_deref().unwrap_or_default()
}

/// The sections in checklist order, with what each still needs.
fn sections(view: &ApplicationView) -> Vec<SectionSummary> {
    let mut out: Vec<SectionSummary> = Vec::new();
    for item in items(view) {
        if out.last().is_none_or(|s| s.id != item.section) {
            out.push(SectionSummary {
                id: item.section.clone(),
                title: item.section_title.clone(),
                number: out.len() + 1,
                items: 0,
                answered: 0,
                lacking: 0,
                href: format!(
                    "/operator/applications/{}/sections/{}",
                    view.id, item.section
                ),
            });
        }
        if let Some(s) = out.last_mut() {
            s.items += 1;
            s.answered += usize::from(item.answer.is_some());
            s.lacking += usize::from(item.lacks_evidence());
        }
    }
    out
}

pub struct ResultBlock {
    pub outcome: &'static str,
    pub tone: &'static str,
    pub overall: String,
    pub reasons: Vec<String>,
    pub conditions: Vec<ConditionRow>,
    pub certificate: Option<String>,
}

fn result_block(chrome: &Chrome, view: &ApplicationView) -> Option<ResultBlock> {
    let outcome = view.outcome?;
    let now = time::OffsetDateTime::now_utc();
    Some(ResultBlock {
        outcome: outcome_words(outcome),
        tone: match outcome {
            Outcome::Certified => "ok",
            Outcome::CertifiedWithConditions => "warn",
            Outcome::Refused => "bad",
        },
        overall: view
            .result
            .as_ref()
            .map(|r| format!("{:.1}%", r.overall_percent))
            .unwrap_or_default(),
        reasons: view
            .result
            .as_ref()
            .map(|r| r.reasons.clone())
            .unwrap_or_default(),
        conditions: view
            .conditions
            .iter()
            .map(|c| ConditionRow {
                item_id: c.item_id.clone(),
                text: c.text.clone(),
                due: chrome.date(&c.due_at),
                overdue: c.due_at < now,
                closure: None,
            })
            .collect(),
        certificate: view.certificate.as_ref().map(|c| c.number.clone()),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/application.html")]
pub struct ApplicationPage {
    chrome: Chrome,
    head: Head,
    sections: Vec<SectionSummary>,
    general: Vec<EvidenceRow>,
    errors: FieldErrors,
    result: Option<ResultBlock>,
    file_hint: String,
    accept: String,
    next_to_do: Option<String>,
    // Part 3: who assessed and who signed off (no note: that is for the assessor).
    sign_off: Option<crate::web::sign_off::SignOffFacts>,
    // issue 11 part 2: appeals
    pub(super) appeal: Option<super::appeal::AppealBlock>,
}

pub(super) fn application_page(
    state: &AppState,
    chrome: Chrome,
    view: &ApplicationView,
    errors: FieldErrors,
) -> ApplicationPage {
    let sections = sections(view);
    let next_to_do = sections.iter().find(|s| !s.done()).map(|s| s.href.clone());
    ApplicationPage {
        sign_off: crate::web::sign_off::facts(&chrome, view.sign_off.as_ref()),
        head: Head::of(view),
        general: evidence_rows(
            &chrome,
            &view.id,
            view.general_evidence.as_deref().unwrap_or_default(),
        ),
        result: result_block(&chrome, view),
        sections,
        errors,
        file_hint: file_hint(state),
        accept: accept(state),
        next_to_do,
        // issue 11 part 2: appeals
        appeal: super::appeal::appeal_block(&chrome, view),
        chrome,
    }
}

pub async fn overview(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<ApplicationPage, PageError> {
    let view = self_assessment::get(&state, &caller, &path).await?;
    Ok(application_page(&state, chrome, &view, FieldErrors::none()))
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
    pub input_id: String,
}

pub struct ItemForm {
    pub id: String,
    pub text: String,
    pub guidance: String,
    pub critical: bool,
    pub evidence_required: bool,
    /// "Legal duty (s.5(3)(a))" or "Good practice".
    pub basis: String,
    pub lacks_evidence: bool,
    pub choices: Vec<Choice>,
    pub note: String,
    pub answer_words: &'static str,
    pub evidence: Vec<EvidenceRow>,
    pub status_error: Option<String>,
    pub note_error: Option<String>,
    pub file_error: Option<String>,
    pub score: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/section.html")]
pub struct SectionPage {
    chrome: Chrome,
    head: Head,
    section: SectionSummary,
    total: usize,
    previous: Option<String>,
    next: Option<SectionSummary>,
    items: Vec<ItemForm>,
    errors: FieldErrors,
    file_hint: String,
    accept: String,
}

/// The page of one section; `typed` keeps what was sent when a save was refused.
fn section_page(
    state: &AppState,
    chrome: Chrome,
    view: &ApplicationView,
    section_id: &str,
    typed: Option<&MultipartForm>,
    errors: FieldErrors,
) -> Result<SectionPage, PageError> {
    let mut all = sections(view);
    let at = all
        .iter()
        .position(|s| s.id == section_id)
        .ok_or_else(|| ServiceError::not_found("section of this application"))?;
    let total = all.len();
    let previous = at.checked_sub(1).map(|i| all[i].href.clone());
    let next = (at + 1 < total).then(|| all.remove(at + 1));
    let section = all.remove(at);
    let max = items(view).first().map_or(0, |i| i.max_score);
    let items = items(view)
        .iter()
        .filter(|i| i.section == section_id)
        .map(|i| {
            let field = |f: &str| format!("{}.{f}", i.id);
            let stored_status = i.answer.as_ref().map(|a| a.status.as_str()).unwrap_or("");
            let stored_note = i.answer.as_ref().map(|a| a.note.as_str()).unwrap_or("");
            let status = typed
                .map(|t| t.get(&field("status")).unwrap_or(""))
                .unwrap_or(stored_status);
            let note = typed
                .map(|t| t.get(&field("note")).unwrap_or(""))
                .unwrap_or(stored_note);
            ItemForm {
                id: i.id.clone(),
                text: i.text.clone(),
                guidance: i.guidance.clone(),
                critical: i.critical,
                evidence_required: i.evidence_required,
                basis: crate::web::advisor::basis_label(i),
                lacks_evidence: i.lacks_evidence(),
                choices: CHOICES
                    .iter()
                    .enumerate()
                    .map(|(n, (value, label))| Choice {
                        value,
                        label,
                        checked: status == *value,
                        input_id: if n == 0 {
                            format!("f-{}", field("status"))
                        } else {
                            format!("f-{}-{value}", field("status"))
                        },
                    })
                    .collect(),
                note: note.to_string(),
                answer_words: i
                    .answer
                    .as_ref()
                    .map_or("Not answered", |a| answer_words(a.status)),
                evidence: evidence_rows(&chrome, &view.id, &i.evidence),
                status_error: errors.get(&field("status")).map(str::to_string),
                note_error: errors.get(&field("note")).map(str::to_string),
                file_error: errors.get(&field("file")).map(str::to_string),
                score: i.score.as_ref().map(|s| match s.score {
                    Some(n) => format!("{n} of {max}{}", note_suffix(&s.note)),
                    None => format!("Not applicable{}", note_suffix(&s.note)),
                }),
            }
        })
        .collect();
    Ok(SectionPage {
        head: Head::of(view),
        section,
        total,
        previous,
        next,
        items,
        errors,
        file_hint: file_hint(state),
        accept: accept(state),
        chrome,
    })
}

fn note_suffix(note: &str) -> String {
    if note.is_empty() {
        String::new()
    } else {
        format!(": {note}")
    }
}

pub async fn section(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<(String, String)>,
) -> Result<SectionPage, PageError> {
    let (id, section) = path.into_inner();
    let view = self_assessment::get(&state, &caller, &id).await?;
    section_page(&state, chrome, &view, &section, None, FieldErrors::none())
}

/// A section id as the page sends it back (for the next page to go to).
fn plain_id(s: &str) -> Option<&str> {
    (!s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    .then_some(s)
}

fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

pub async fn save_section(
    req: HttpRequest,
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<(String, String)>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    evidence::may_upload(&caller)?;
    let (id, section) = path.into_inner();
    let form = multipart::read(&req, payload, state.settings.evidence_max_bytes).await?;
    let mut answers: Vec<ItemAnswer> = Vec::new();
    for (key, value) in &form.fields {
        let (item, part) = match key.rsplit_once('.') {
            Some((item, part @ ("status" | "note"))) => (item, part),
            _ => continue,
        };
        let at = match answers.iter().position(|a| a.item_id == item) {
            Some(at) => at,
            None => {
                answers.push(ItemAnswer {
                    item_id: item.to_string(),
                    ..ItemAnswer::default()
                });
                answers.len() - 1
            }
        };
        if part == "status" {
            answers[at].status = value.clone();
        } else {
            answers[at].note = value.clone();
        }
    }
    let files: Vec<Upload> = form
        .files
        .iter()
        .filter_map(|f| {
            f.name.strip_suffix(".file").map(|item| Upload {
                filename: f.filename.clone(),
                content_type: f.content_type.clone(),
                data: f.data.clone(),
                item_id: Some(item.to_string()),
            })
        })
        .collect();
    match self_assessment::save(&state, &caller, &id, answers, files).await {
        Ok(saved) => {
            let done = match (saved.answers_saved, saved.files_attached) {
                (0, 0) => "nothing_changed",
                (_, 0) => "answers_saved",
                (0, _) => "evidence_added",
                _ => "section_saved",
            };
            let next = form.get("next_section").and_then(plain_id);
            let to = match (form.get("then"), next) {
                (Some("next"), Some(next)) => {
                    format!("/operator/applications/{id}/sections/{next}?done={done}")
                }
                (Some("next"), None) => format!("/operator/applications/{id}?done={done}"),
                _ => format!("/operator/applications/{id}/sections/{section}?done={done}"),
            };
            Ok(see_other(to))
        }
        Err(e) if shown_on_form(&e) => {
            let view = self_assessment::get(&state, &caller, &id).await?;
            let page = section_page(
                &state,
                chrome,
                &view,
                &section,
                Some(&form),
                FieldErrors::of(&e),
            )?;
            Ok(html(status_of(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
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

pub async fn attach_general(
    req: HttpRequest,
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    evidence::may_upload(&caller)?;
    let form = multipart::read(&req, payload, state.settings.evidence_max_bytes).await?;
    let result = match form.files.into_iter().find(|f| f.name == "file") {
        Some(f) => {
            let upload = Upload {
                filename: f.filename,
                content_type: f.content_type,
                data: f.data,
                item_id: None,
            };
            evidence::upload(&state, &caller, &path, upload)
                .await
                .map_err(on_file_field)
        }
        None => Err(ServiceError::field("file", "choose a file to attach")),
    };
    match result {
        Ok(_) => Ok(see_other(format!(
            "/operator/applications/{}?done=evidence_added#evidence",
            path.into_inner()
        ))),
        Err(e) if shown_on_form(&e) => {
            let view = self_assessment::get(&state, &caller, &path).await?;
            let page = application_page(&state, chrome, &view, FieldErrors::of(&e));
            Ok(html(status_of(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn download_evidence(
    state: web::Data<AppState>,
    SignedIn(caller): SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (id, evidence_id) = path.into_inner();
    let file = evidence::download(&state, &caller, &id, &evidence_id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type.clone())
        .insert_header(file.disposition())
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.data))
}

pub struct ItemLink {
    pub id: String,
    pub text: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/submit.html")]
pub struct SubmitPage {
    chrome: Chrome,
    head: Head,
    unanswered: Vec<ItemLink>,
    lacking: Vec<ItemLink>,
    /// The service refused a submission (rather than the page checking first).
    refused: bool,
    // Issue 11 part 5: refused for want of a current fire risk assessment on file.
    fire_safety_missing: bool,
}

fn links(view: &ApplicationView, pick: impl Fn(&ItemView) -> bool) -> Vec<ItemLink> {
    items(view)
        .iter()
        .filter(|i| pick(i))
        .map(|i| ItemLink {
            id: i.id.clone(),
            text: i.text.clone(),
            href: format!(
                "/operator/applications/{}/sections/{}#item-{}",
                view.id, i.section, i.id
            ),
        })
        .collect()
}

pub async fn submit_check(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let view = self_assessment::get(&state, &caller, &path).await?;
    if view.status != ApplicationStatus::Draft {
        return Ok(see_other(format!("/operator/applications/{}", view.id)));
    }
    let page = SubmitPage {
        head: Head::of(&view),
        unanswered: links(&view, |i| i.answer.is_none()),
        lacking: links(&view, |i| i.answer.is_some() && i.lacks_evidence()),
        refused: false,
        // Issue 11 part 5: said before submitting, as the unanswered items are.
        fire_safety_missing: state.settings.require_fire_risk_assessment
            && !crate::service::fire_safety::get(&state, &caller, &view.premises.id)
                .await
                .is_ok_and(|f| f.standing == "current"),
        chrome,
    };
    Ok(html(StatusCode::OK, render(&page)?))
}

pub async fn submit(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    _: Form<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    match workflow::submit(&state, &caller, &path).await {
        Ok(view) => Ok(see_other(format!(
            "/operator/applications/{}?done=submitted",
            view.id
        ))),
        Err(ServiceError::Conflict {
            code: code @ ("unanswered_items" | "evidence_missing"),
            items: named,
            ..
        }) => {
            let view = self_assessment::get(&state, &caller, &path).await?;
            let listed = links(&view, |i| named.contains(&i.id));
            let (unanswered, lacking) = if code == "unanswered_items" {
                (listed, Vec::new())
            } else {
                (Vec::new(), listed)
            };
            let page = SubmitPage {
                head: Head::of(&view),
                unanswered,
                lacking,
                refused: true,
                fire_safety_missing: false,
                chrome,
            };
            Ok(html(StatusCode::CONFLICT, render(&page)?))
        }
        Err(ServiceError::Conflict {
            code: "fire_safety_missing",
            ..
        }) => {
            let view = self_assessment::get(&state, &caller, &path).await?;
            let page = SubmitPage {
                head: Head::of(&view),
                unanswered: Vec::new(),
                lacking: Vec::new(),
                refused: true,
                fire_safety_missing: true,
                chrome,
            };
            Ok(html(StatusCode::CONFLICT, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/withdraw.html")]
pub struct WithdrawPage {
    chrome: Chrome,
    head: Head,
}

pub async fn withdraw_confirm(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let view = self_assessment::get(&state, &caller, &path).await?;
    if !view.status.is_open() {
        return Ok(see_other(format!("/operator/applications/{}", view.id)));
    }
    let page = WithdrawPage {
        head: Head::of(&view),
        chrome,
    };
    Ok(html(StatusCode::OK, render(&page)?))
}

pub async fn withdraw(
    state: web::Data<AppState>,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    _: Form<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let view = workflow::withdraw(&state, &caller, &path).await?;
    Ok(see_other(format!(
        "/operator/premises/{}?done=withdrawn",
        view.premises.id
    )))
}
