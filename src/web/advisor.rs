//! The advisor's pages, for a tablet on site: the queue and their assessments
//! (`/advisor`), claiming, the scoring sheet item by item with the operator's
//! answers and evidence beside each item, the preview of the outcome, completing,
//! and the result with its certificate.
//!
//! Percentages are computed by the service on every save; `static/app.js` updates
//! them as the advisor scores, from the `data-*` attributes emitted here (it follows
//! the same rules: weights, not-applicable items counting nowhere, one decimal).

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::account::{html, render};
use super::error::PageError;
use super::form::{FieldErrors, Form};
use super::layout::Chrome;
use super::session::SignedIn;
use crate::certificates::document::tier_label;
use crate::domain::application::{AnswerStatus, ApplicationStatus};
use crate::domain::scoring::{ConditionDraft, Outcome, SectionResult};
use crate::domain::tier::PremisesKind;
use crate::service::applications::assessment::{
    self, PreviewResponse, ScoreInput, ScoresRequest, ScoringSheet,
};
use crate::service::applications::evidence;
use crate::service::applications::views::{ApplicationView, ItemView};
use crate::service::applications::workflow;
use crate::service::applications::worklist::{self, Worklist};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/advisor").route(get().to(index)))
        .service(resource("/advisor/applications/{id}/claim").route(post().to(claim)))
        .service(
            resource("/advisor/applications/{id}")
                .route(get().to(sheet_page))
                .route(post().to(save_scores)),
        )
        .service(resource("/advisor/applications/{id}/preview").route(get().to(preview_page)))
        .service(resource("/advisor/applications/{id}/complete").route(post().to(complete)))
        .service(
            resource("/advisor/applications/{id}/evidence/{evidence_id}")
                .route(get().to(evidence_file)),
        );
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

fn kind_label(kind: PremisesKind) -> &'static str {
    match kind {
        PremisesKind::Building => "Building",
        PremisesKind::Event => "Event",
    }
}

/// An outcome in words, with the tone of its badge.
fn outcome_label(outcome: Outcome) -> (&'static str, &'static str) {
    match outcome {
        Outcome::Certified => ("Certified", "ok"),
        Outcome::CertifiedWithConditions => ("Certified with conditions", "warn"),
        Outcome::Refused => ("Refused", "bad"),
    }
}

fn answer_label(answer: Option<AnswerStatus>) -> (&'static str, &'static str) {
    match answer {
        Some(AnswerStatus::InPlace) => ("In place", "ok"),
        Some(AnswerStatus::Partial) => ("Partly in place", "warn"),
        Some(AnswerStatus::NotInPlace) => ("Not in place", "bad"),
        Some(AnswerStatus::NotApplicable) => ("Not applicable", "info"),
        None => ("Not answered", ""),
    }
}

fn percent_text(p: f64) -> String {
    format!("{p}%")
}

fn size_text(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{} KB", (b + 512) / 1024),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

// ---------------------------------------------------------------------------
// The queue and the advisor's assessments

pub struct Row {
    id: String,
    premises: String,
    town: String,
    kind: &'static str,
    tier: &'static str,
    /// Submitted (queue), claimed (in progress) or completed, by the list.
    date: String,
    progress: String,
    outcome: Option<(&'static str, &'static str)>,
    certificate: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "advisor/index.html")]
pub struct IndexPage {
    chrome: Chrome,
    errors: FieldErrors,
    mine: Vec<Row>,
    queue: Vec<Row>,
    done: Vec<Row>,
    // Part 3: the advisor's assessments awaiting sign-off, and those they may sign off.
    sign_off: (Vec<Row>, Vec<super::sign_off::QueueRow>),
}

fn row(chrome: &Chrome, app: &ApplicationView, date: Option<time::OffsetDateTime>) -> Row {
    Row {
        id: app.id.clone(),
        premises: app.premises.name.clone(),
        town: app.premises.town.clone(),
        kind: kind_label(app.premises.kind),
        tier: tier_label(app.tier),
        date: date.map(|d| chrome.date(&d)).unwrap_or_default(),
        progress: format!("{} of {} scored", app.progress.scored, app.progress.items),
        outcome: app.outcome.map(outcome_label),
        certificate: app.certificate.as_ref().map(|c| c.number.clone()),
    }
}

fn index_page(chrome: Chrome, list: &Worklist) -> IndexPage {
    let rows = |apps: &[ApplicationView],
                date: fn(&ApplicationView) -> Option<time::OffsetDateTime>| {
        apps.iter()
            .map(|a| row(&chrome, a, date(a)))
            .collect::<Vec<_>>()
    };
    let mine = rows(&list.in_progress, |a| a.assigned_at);
    let queue = rows(&list.queue, |a| a.submitted_at);
    let done = rows(&list.completed, |a| a.completed_at);
    let sign_off = (
        rows(&list.awaiting_sign_off, |a| {
            a.sign_off.as_ref().map(|s| s.assessed_at)
        }),
        super::sign_off::queue_rows(&chrome, &list.sign_off_queue),
    );
    IndexPage {
        sign_off,
        chrome,
        errors: FieldErrors::none(),
        mine,
        queue,
        done,
    }
}

pub async fn index(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
) -> Result<IndexPage, PageError> {
    let list = worklist::worklist(&state, &caller).await?;
    Ok(index_page(chrome, &list))
}

pub const TAKEN: &str = "Another advisor has claimed this application, so it is no longer in the queue. (Or its operator withdrew it.) Choose another one below.";

pub async fn claim(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    _: Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    match workflow::claim(&state, &caller, &id).await {
        Ok(_) => Ok(see_other(format!(
            "/advisor/applications/{id}?done=claimed"
        ))),
        // Once another advisor has it, it is out of this advisor's scope (404), or
        // they won the race (409): either way, the queue again, saying so.
        Err(ServiceError::NotFound(_) | ServiceError::Conflict { .. }) => {
            let list = worklist::worklist(&state, &caller).await?;
            let mut page = index_page(chrome, &list);
            if page.mine.iter().any(|r| r.id == id) {
                // A second click on their own claim: it is theirs already.
                return Ok(see_other(format!("/advisor/applications/{id}")));
            }
            page.errors.summary.push(TAKEN.to_string());
            Ok(html(StatusCode::CONFLICT, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// The scoring sheet

pub struct EvidenceLink {
    href: String,
    filename: String,
    size: String,
}

pub struct ScoreOption {
    value: String,
    label: String,
}

pub struct ItemRow {
    id: String,
    text: String,
    guidance: String,
    critical: bool,
    evidence_required: bool,
    weight: u32,
    answer: (&'static str, &'static str),
    answer_note: String,
    evidence: Vec<EvidenceLink>,
    /// "" (unscored), "0".."max" or "na", as saved or as typed.
    score: String,
    note: String,
    score_field: String,
    note_field: String,
    note_label: String,
    options: Vec<ScoreOption>,
    /// "Legal duty (s.5(3)(a))" or "Good practice".
    basis: String,
    /// When the law does not apply, in plain words ("" where the item says nothing).
    not_applicable_when: String,
}

/// How an item's basis reads on the pages, for advisors and operators alike.
pub(crate) fn basis_label(item: &crate::service::applications::views::ItemView) -> String {
    match (item.basis, &item.statute) {
        (crate::domain::checklist::Basis::Statutory, Some(s)) => format!("Legal duty ({s})"),
        (crate::domain::checklist::Basis::Statutory, None) => "Legal duty".to_string(),
        (crate::domain::checklist::Basis::GoodPractice, _) => "Good practice".to_string(),
    }
}

pub struct SectionRow {
    id: String,
    title: String,
    total: String,
    items: Vec<ItemRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "advisor/score.html")]
pub struct ScorePage {
    chrome: Chrome,
    errors: FieldErrors,
    app: ApplicationView,
    kind: &'static str,
    tier: &'static str,
    submitted: String,
    max_score: u8,
    sections: Vec<SectionRow>,
    overall: String,
    scored: usize,
    items: usize,
    general_evidence: Vec<EvidenceLink>,
    withdrawals: Vec<String>,
    // Part 3: a returned assessment shows the reviewer's note.
    sign_off: Option<super::sign_off::SignOffFacts>,
}

/// One sentence for each earlier application of the premises that the operator
/// withdrew after an advisor had begun to score it.
fn withdrawal_notes(chrome: &Chrome, app: &ApplicationView) -> Vec<String> {
    app.withdrawn_after_scoring
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|w| {
            let who = w
                .advisor
                .as_ref()
                .map_or("an advisor".to_string(), |a| a.name.clone());
            let items = if w.scored_items == 1 { "item" } else { "items" };
            format!(
                "An earlier application for these premises was withdrawn by the operator on {} after {who} had scored {} {items}.",
                chrome.date(&w.withdrawn_at),
                w.scored_items
            )
        })
        .collect()
}

fn evidence_links(
    app_id: &str,
    list: &[crate::service::applications::views::EvidenceView],
) -> Vec<EvidenceLink> {
    list.iter()
        .map(|e| EvidenceLink {
            href: format!("/advisor/applications/{app_id}/evidence/{}", e.id),
            filename: e.filename.clone(),
            size: size_text(e.size_bytes),
        })
        .collect()
}

/// What the page shows for a section's or the whole assessment's percentage: the
/// same words as `app.js`.
fn total_text(percent: Option<f64>, unscored: usize, all_na: &'static str) -> String {
    match percent {
        Some(p) => percent_text(p),
        None if unscored > 0 => "not scored yet".to_string(),
        None => all_na.to_string(),
    }
}

fn saved_score(item: &ItemView) -> String {
    match &item.score {
        None => String::new(),
        Some(s) => s.score.map_or_else(|| "na".to_string(), |v| v.to_string()),
    }
}

/// The sheet's page; `typed` holds what the advisor submitted (kept on a refusal).
fn score_page(
    chrome: Chrome,
    sheet: ScoringSheet,
    errors: FieldErrors,
    typed: Option<&Typed>,
) -> ScorePage {
    let app = sheet.application;
    let preview = sheet.preview;
    let items = app.items.clone().unwrap_or_default();
    let max_score = items.first().map_or(0, |i| i.max_score);
    let mut sections: Vec<SectionRow> = Vec::new();
    for item in &items {
        if sections.last().is_none_or(|s| s.id != item.section) {
            sections.push(SectionRow {
                id: item.section.clone(),
                title: item.section_title.clone(),
                total: String::new(),
                items: Vec::new(),
            });
        }
        let (score, note) = match typed.and_then(|t| t.get(&item.id)) {
            Some((score, note)) => (score.clone(), note.clone()),
            None => (
                saved_score(item),
                item.score
                    .as_ref()
                    .map(|s| s.note.clone())
                    .unwrap_or_default(),
            ),
        };
        let mut options: Vec<ScoreOption> = (0..=item.max_score)
            .map(|v| ScoreOption {
                value: v.to_string(),
                label: v.to_string(),
            })
            .collect();
        // Critical items only where the law does not apply (scoring::check_score
        // decides, from the premises' facts).
        if !item.critical || !item.not_applicable_when.is_empty() {
            options.push(ScoreOption {
                value: "na".to_string(),
                label: "Not applicable".to_string(),
            });
        }
        let row = ItemRow {
            id: item.id.clone(),
            text: item.text.clone(),
            guidance: item.guidance.clone(),
            critical: item.critical,
            evidence_required: item.evidence_required,
            weight: item.weight,
            answer: answer_label(item.answer.as_ref().map(|a| a.status)),
            answer_note: item
                .answer
                .as_ref()
                .map(|a| a.note.clone())
                .unwrap_or_default(),
            evidence: evidence_links(&app.id, &item.evidence),
            score,
            note,
            score_field: format!("score-{}", item.id),
            note_field: format!("note-{}", item.id),
            note_label: format!("Your note on {}", item.id),
            options,
            basis: basis_label(item),
            not_applicable_when: item.not_applicable_when.join("; or "),
        };
        if let Some(section) = sections.last_mut() {
            section.items.push(row);
        }
    }
    let by_id = |id: &str| -> Option<&SectionResult> {
        preview
            .as_ref()
            .and_then(|p| p.sections.iter().find(|s| s.id == id))
    };
    for section in &mut sections {
        let unscored = section.items.iter().filter(|i| i.score.is_empty()).count();
        let percent = by_id(&section.id).and_then(|s| s.percent);
        section.total = total_text(percent, unscored, "not applicable");
    }
    let unscored_all = items.iter().filter(|i| i.score.is_none()).count();
    let overall = total_text(
        preview.as_ref().and_then(|p| p.overall_percent),
        unscored_all,
        "nothing assessable",
    );
    let general_evidence = evidence_links(&app.id, app.general_evidence.as_deref().unwrap_or(&[]));
    let withdrawals = withdrawal_notes(&chrome, &app);
    ScorePage {
        sign_off: super::sign_off::facts(&chrome, app.sign_off.as_ref()),
        withdrawals,
        kind: kind_label(app.premises.kind),
        tier: tier_label(app.tier),
        submitted: app
            .submitted_at
            .map(|t| chrome.date(&t))
            .unwrap_or_default(),
        chrome,
        errors,
        max_score,
        scored: items.len() - unscored_all,
        items: items.len(),
        overall,
        sections,
        general_evidence,
        app,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "advisor/application.html")]
pub struct ApplicationPage {
    chrome: Chrome,
    app: ApplicationView,
    kind: &'static str,
    tier: &'static str,
    submitted: String,
    status: String,
    claimable: bool,
    withdrawals: Vec<String>,
    // Part 3: awaiting sign-off, or returned.
    sign_off: Option<super::sign_off::SignOffFacts>,
}

pub async fn sheet_page(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let sheet = assessment::sheet(&state, &caller, &path).await?;
    let app = &sheet.application;
    let body = if app.status == ApplicationStatus::Completed {
        render(&result_page(chrome, sheet.application))?
    } else if sheet.preview.is_some() {
        render(&score_page(chrome, sheet, FieldErrors::none(), None))?
    } else {
        let status = match app.status {
            ApplicationStatus::Submitted => "Waiting in the queue".to_string(),
            ApplicationStatus::InReview => match &app.advisor {
                Some(advisor) => format!("Being assessed by {}", advisor.name),
                None => "Being assessed".to_string(),
            },
            ApplicationStatus::Draft => "Draft".to_string(),
            ApplicationStatus::Withdrawn => "Withdrawn".to_string(),
            ApplicationStatus::Completed => "Completed".to_string(),
            ApplicationStatus::AwaitingSignOff => "Awaiting sign-off".to_string(),
        };
        let claimable = app.status == ApplicationStatus::Submitted;
        let app = sheet.application;
        let withdrawals = withdrawal_notes(&chrome, &app);
        render(&ApplicationPage {
            sign_off: super::sign_off::facts(&chrome, app.sign_off.as_ref()),
            withdrawals,
            kind: kind_label(app.premises.kind),
            tier: tier_label(app.tier),
            submitted: app
                .submitted_at
                .map(|t| chrome.date(&t))
                .unwrap_or_default(),
            chrome,
            app,
            status,
            claimable,
        })?
    };
    Ok(html(StatusCode::OK, body))
}

/// `score-<item>` and `note-<item>` pairs as typed, in the page's order: the
/// scoring sheet's and the appeal's rescoring form's.
pub(crate) fn typed_scores(pairs: Vec<(String, String)>) -> Vec<(String, String, String)> {
    let mut items: Vec<(String, String, String)> = Vec::new();
    for (key, value) in pairs {
        let (item, is_score) = if let Some(item) = key.strip_prefix("score-") {
            (item.to_string(), true)
        } else if let Some(item) = key.strip_prefix("note-") {
            (item.to_string(), false)
        } else {
            continue;
        };
        let at = match items.iter().position(|(id, _, _)| *id == item) {
            Some(at) => at,
            None => {
                items.push((item, String::new(), String::new()));
                items.len() - 1
            }
        };
        if is_score {
            items[at].1 = value.trim().to_string();
        } else {
            items[at].2 = value;
        }
    }
    items
}

/// What the advisor typed, item by item, in the order of the page.
struct Typed {
    items: Vec<(String, String, String)>,
    then_preview: bool,
}

impl Typed {
    fn read(pairs: Vec<(String, String)>) -> Typed {
        let then_preview = pairs.iter().any(|(k, v)| k == "then" && v == "preview");
        Typed {
            items: typed_scores(pairs),
            then_preview,
        }
    }

    fn get(&self, item: &str) -> Option<(&String, &String)> {
        self.items
            .iter()
            .find(|(id, _, _)| id == item)
            .map(|(_, s, n)| (s, n))
    }

    /// The scores to save (items left unscored without a note are skipped), with
    /// the item each entry is for.
    fn request(&self) -> (ScoresRequest, Vec<String>) {
        let mut scores = Vec::new();
        let mut order = Vec::new();
        for (item, score, note) in &self.items {
            let score = match score.as_str() {
                "" if note.trim().is_empty() => continue,
                // A note without a score: the service says a score is needed.
                "" => None,
                "na" => Some(None),
                // Not a number: out of range, so the service names it.
                digits => Some(Some(digits.parse::<i64>().unwrap_or(-1))),
            };
            scores.push(ScoreInput {
                item_id: item.clone(),
                score,
                note: Some(note.clone()),
            });
            order.push(item.clone());
        }
        (ScoresRequest { scores }, order)
    }
}

/// The service's messages, named by the request's fields (`scores[2].score`),
/// moved next to the items on the page.
fn item_errors(e: &ServiceError, order: &[String]) -> FieldErrors {
    let moved: Vec<FieldError> = e
        .field_errors()
        .iter()
        .map(|fe| {
            let field = fe
                .field
                .strip_prefix("scores[")
                .and_then(|rest| rest.split_once("]."))
                .and_then(|(i, part)| Some((order.get(i.parse::<usize>().ok()?)?, part)))
                .map(|(item, part)| match part {
                    "note" => format!("note-{item}"),
                    _ => format!("score-{item}"),
                });
            let message = if fe.message.starts_with("is required") {
                "choose a score (or not applicable) to save this note".to_string()
            } else {
                fe.message.replace("or null", "or not applicable")
            };
            FieldError::new(field.unwrap_or_else(|| fe.field.clone()), message)
        })
        .collect();
    if moved.is_empty() {
        FieldErrors::of(e)
    } else {
        FieldErrors::of(&ServiceError::Invalid(moved))
    }
}

pub async fn save_scores(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    form: Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let typed = Typed::read(form.0);
    let (request, order) = typed.request();
    let errors = if request.scores.is_empty() {
        let mut errors = FieldErrors::none();
        errors
            .summary
            .push("Choose a score for at least one item before saving.".to_string());
        errors
    } else {
        match assessment::score(&state, &caller, &id, request).await {
            Ok(_) if typed.then_preview => {
                return Ok(see_other(format!("/advisor/applications/{id}/preview")));
            }
            Ok(_) => {
                return Ok(see_other(format!(
                    "/advisor/applications/{id}?done=scores_saved#totals"
                )));
            }
            Err(e @ (ServiceError::Invalid(_) | ServiceError::Malformed { .. })) => {
                item_errors(&e, &order)
            }
            Err(e) => return Err(e.into()),
        }
    };
    let sheet = assessment::sheet(&state, &caller, &id).await?;
    if sheet.preview.is_none() {
        return Err(ServiceError::forbidden(
            "only the advisor assigned to this application may score it",
        )
        .into());
    }
    let page = score_page(chrome, sheet, errors, Some(&typed));
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, render(&page)?))
}

// ---------------------------------------------------------------------------
// The preview, completing, and the result

pub struct ConditionRow {
    item_id: String,
    text: String,
    due: String,
}

pub struct SectionTotal {
    title: String,
    percent: String,
    /// The statutory items against the section's floor: "80% (floor 50%, met)";
    /// "—" where the section has no statutory items or no floor.
    statutory: String,
    scored: u32,
    not_applicable: u32,
}

fn condition_rows(chrome: &Chrome, conditions: &[ConditionDraft]) -> Vec<ConditionRow> {
    conditions
        .iter()
        .map(|c| ConditionRow {
            item_id: c.item_id.clone(),
            text: c.text.clone(),
            due: chrome.date(&c.due_at),
        })
        .collect()
}

fn section_totals(sections: &[SectionResult]) -> Vec<SectionTotal> {
    sections
        .iter()
        .map(|s| SectionTotal {
            title: s.title.clone(),
            percent: s
                .percent
                .map_or_else(|| "not applicable".to_string(), percent_text),
            // A floor of 0 is no floor (a section with a single duty).
            statutory: match (
                s.statutory_percent,
                s.floor_percent.filter(|f| *f > 0),
                s.floor_met,
            ) {
                (Some(p), Some(floor), Some(true)) => {
                    format!("{} (floor {floor}%, met)", percent_text(p))
                }
                (Some(p), Some(floor), _) => {
                    format!("{} (floor {floor}%, NOT met)", percent_text(p))
                }
                (Some(p), None, _) => percent_text(p),
                (None, _, _) => "—".to_string(),
            },
            scored: s.items_scored,
            not_applicable: s.items_not_applicable,
        })
        .collect()
}

/// The verdict box: tone, headline and what it means.
fn verdict(outcome: Outcome, done: bool) -> (&'static str, &'static str, &'static str) {
    match (outcome, done) {
        (Outcome::Certified, false) => (
            "ok",
            "CERTIFIED",
            "Completing now certifies the premises and issues the certificate.",
        ),
        (Outcome::CertifiedWithConditions, false) => (
            "warn",
            "CERTIFIED WITH CONDITIONS",
            "Completing now certifies the premises with the conditions below, each to be met by its due date.",
        ),
        (Outcome::Refused, false) => (
            "bad",
            "REFUSED",
            "Completing now refuses certification: no certificate is issued.",
        ),
        (Outcome::Certified, true) => (
            "ok",
            "CERTIFIED",
            "The premises are certified and the certificate is issued.",
        ),
        (Outcome::CertifiedWithConditions, true) => (
            "warn",
            "CERTIFIED WITH CONDITIONS",
            "The premises are certified with the conditions below, each to be met by its due date.",
        ),
        (Outcome::Refused, true) => (
            "bad",
            "REFUSED",
            "Certification is refused: no certificate is issued.",
        ),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "advisor/preview.html")]
pub struct PreviewPage {
    chrome: Chrome,
    app: ApplicationView,
    preview: PreviewResponse,
    /// (id, text) of the items still unscored.
    unscored: Vec<(String, String)>,
    verdict: Option<(&'static str, &'static str, &'static str)>,
    overall: String,
    sections: Vec<SectionTotal>,
    conditions: Vec<ConditionRow>,
}

pub async fn preview_page(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let sheet = assessment::sheet(&state, &caller, &id).await?;
    if sheet.application.status == ApplicationStatus::Completed {
        return Ok(see_other(format!("/advisor/applications/{id}")));
    }
    let Some(preview) = sheet.preview else {
        return Err(ServiceError::forbidden(
            "only the advisor assigned to this application may preview its outcome",
        )
        .into());
    };
    let app = sheet.application;
    let items = app.items.as_deref().unwrap_or(&[]);
    let unscored = preview
        .unscored
        .iter()
        .map(|id| {
            let text = items
                .iter()
                .find(|i| &i.id == id)
                .map(|i| i.text.clone())
                .unwrap_or_default();
            (id.clone(), text)
        })
        .collect();
    let page = PreviewPage {
        verdict: preview.outcome.map(|o| verdict(o, false)),
        overall: preview
            .result
            .as_ref()
            .map(|r| percent_text(r.overall_percent))
            .unwrap_or_default(),
        sections: section_totals(
            preview
                .result
                .as_ref()
                .map_or(&preview.sections, |r| &r.sections),
        ),
        conditions: condition_rows(&chrome, &preview.conditions),
        chrome,
        app,
        preview,
        unscored,
    };
    Ok(html(StatusCode::OK, render(&page)?))
}

pub async fn complete(
    state: web::Data<AppState>,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    _: Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let done = assessment::complete(&state, &caller, &id).await?;
    let notice = match done.status {
        ApplicationStatus::AwaitingSignOff => "awaiting_sign_off",
        _ => "completed",
    };
    Ok(see_other(format!(
        "/advisor/applications/{id}?done={notice}"
    )))
}

#[derive(Template, WebTemplate)]
#[template(path = "advisor/result.html")]
pub struct ResultPage {
    chrome: Chrome,
    app: ApplicationView,
    verdict: Option<(&'static str, &'static str, &'static str)>,
    overall: String,
    reasons: Vec<String>,
    sections: Vec<SectionTotal>,
    conditions: Vec<ConditionRow>,
    completed: String,
    certificate: Option<(String, String, String)>,
    // Part 3: who assessed and who signed off.
    sign_off: Option<super::sign_off::SignOffFacts>,
}

fn result_page(chrome: Chrome, app: ApplicationView) -> ResultPage {
    let result = app.result.clone();
    ResultPage {
        sign_off: super::sign_off::facts(&chrome, app.sign_off.as_ref()),
        verdict: app.outcome.map(|o| verdict(o, true)),
        overall: result
            .as_ref()
            .map(|r| percent_text(r.overall_percent))
            .unwrap_or_default(),
        reasons: result
            .as_ref()
            .map(|r| r.reasons.clone())
            .unwrap_or_default(),
        sections: section_totals(result.as_ref().map_or(&[][..], |r| &r.sections)),
        conditions: condition_rows(&chrome, &app.conditions),
        completed: app
            .completed_at
            .map(|t| chrome.date(&t))
            .unwrap_or_default(),
        certificate: app.certificate.as_ref().map(|c| {
            (
                c.number.clone(),
                chrome.date(&c.issued_at),
                chrome.date(&c.expires_at),
            )
        }),
        chrome,
        app,
    }
}

pub async fn evidence_file(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_form_becomes_scores_in_page_order() {
        let typed = Typed::read(pairs(&[
            ("score-gov-01", "3"),
            ("note-gov-01", "seen the plan"),
            ("note-gov-02", ""),
            ("score-gov-03", "na"),
            ("note-gov-03", ""),
            ("note-gov-04", "asked for the letter"),
            ("then", "preview"),
        ]));
        assert!(typed.then_preview);
        let (request, order) = typed.request();
        assert_eq!(order, ["gov-01", "gov-03", "gov-04"]);
        let scores: Vec<_> = request.scores.iter().map(|s| s.score).collect();
        assert_eq!(scores, [Some(Some(3)), Some(None), None]);
    }

    #[test]
    fn errors_move_next_to_their_items() {
        let e = ServiceError::Invalid(vec![
            FieldError::new("scores[1].score", "must be from 0 to 4, or null"),
            FieldError::new("scores[0].note", "must be at most 4000 characters"),
        ]);
        let errors = item_errors(&e, &["a-1".to_string(), "b-2".to_string()]);
        assert_eq!(
            errors.get("score-b-2"),
            Some("must be from 0 to 4, or not applicable")
        );
        assert_eq!(
            errors.get("note-a-1"),
            Some("must be at most 4000 characters")
        );
    }
}
