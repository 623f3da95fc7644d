//! The second sign-off's pages (part 3), for reviewers (admins and advisors): the
//! queue of assessments awaiting their sign-off (`/sign-offs`) and the sign-off
//! page of one (`/sign-offs/{id}`: outcome, result, scores and notes, then approve
//! or return with a note). Also the lines other pages show of a sign-off.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::account::{html, render};
use super::error::PageError;
use super::form::{FieldErrors, Form, refused_status, shown_on_form};
use super::layout::Chrome;
use super::session::SignedIn;
use crate::certificates::document::tier_label;
use crate::domain::actor::Role;
use crate::domain::application::ApplicationStatus;
use crate::domain::scoring::Outcome;
use crate::domain::sign_off::Decision;
use crate::domain::tier::PremisesKind;
use crate::service::ServiceError;
use crate::service::applications::sign_off::{
    self, SignOffRequest, SignOffState, SignOffView, SignedOffBy,
};
use crate::service::applications::views::ApplicationView;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/sign-offs").route(get().to(queue_page)))
        .service(
            resource("/sign-offs/{id}")
                .route(get().to(review_page))
                .route(post().to(decide)),
        );
}

fn role_word(role: Role) -> &'static str {
    match role {
        Role::Admin => "scheme admin",
        Role::Advisor => "advisor",
        Role::Operator => "operator",
        Role::Police => "police",
    }
}

/// What a page says of a sign-off round, in words.
pub struct SignOffFacts {
    pub state: SignOffState,
    /// "Assessed by Ada Advisor on 1 December 2026."
    pub assessed: String,
    /// "Signed off by … on …", "Returned by … on …", or "Awaiting sign-off …".
    pub decided: String,
    /// The reviewer's note (blank for operators, and when none was left).
    pub note: String,
}

impl SignOffFacts {
    pub fn returned(&self) -> bool {
        self.state == SignOffState::Returned
    }

    pub fn awaiting(&self) -> bool {
        self.state == SignOffState::Awaiting
    }
}

pub fn facts(chrome: &Chrome, view: Option<&SignOffView>) -> Option<SignOffFacts> {
    let v = view?;
    let by = |what: &str| match (&v.reviewer, &v.decided_at) {
        (Some(r), Some(at)) => format!(
            "{what} by {} ({}) on {}.",
            r.name,
            role_word(r.role),
            chrome.date(at)
        ),
        _ => format!("{what}."),
    };
    let decided = match v.state {
        SignOffState::Awaiting => {
            "Awaiting sign-off by a second reviewer: nothing is issued until then.".to_string()
        }
        SignOffState::Approved => by("Signed off"),
        SignOffState::Returned => by("Returned to the assessor"),
    };
    Some(SignOffFacts {
        state: v.state,
        assessed: format!(
            "Assessed by {} on {}.",
            v.assessed_by.name,
            chrome.date(&v.assessed_at)
        ),
        decided,
        note: v.note.clone(),
    })
}

/// The certificate record's line: who signed off the assessment, and when.
pub fn signed_off_line(chrome: &Chrome, by: Option<&SignedOffBy>) -> Option<String> {
    by.map(|b| format!("{} ({}), {}", b.name, role_word(b.role), chrome.date(&b.at)))
}

fn kind_label(kind: PremisesKind) -> &'static str {
    match kind {
        PremisesKind::Building => "Building",
        PremisesKind::Event => "Event",
    }
}

fn outcome_label(outcome: Outcome) -> (&'static str, &'static str) {
    match outcome {
        Outcome::Certified => ("Certified", "ok"),
        Outcome::CertifiedWithConditions => ("Certified with conditions", "warn"),
        Outcome::Refused => ("Refused", "bad"),
    }
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

// ---------------------------------------------------------------------------
// The queue

pub struct QueueRow {
    pub id: String,
    pub premises: String,
    pub town: String,
    pub kind: &'static str,
    pub tier: &'static str,
    pub assessed_by: String,
    pub assessed_on: String,
    pub outcome: Option<(&'static str, &'static str)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "sign_off/queue.html")]
pub struct QueuePage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
}

/// The queue's rows, for this page and the advisor's home.
pub fn queue_rows(chrome: &Chrome, apps: &[ApplicationView]) -> Vec<QueueRow> {
    apps.iter()
        .map(|a| QueueRow {
            id: a.id.clone(),
            premises: a.premises.name.clone(),
            town: a.premises.town.clone(),
            kind: kind_label(a.premises.kind),
            tier: tier_label(a.tier),
            assessed_by: a
                .sign_off
                .as_ref()
                .map(|s| s.assessed_by.name.clone())
                .unwrap_or_default(),
            assessed_on: a
                .sign_off
                .as_ref()
                .map(|s| chrome.date(&s.assessed_at))
                .unwrap_or_default(),
            outcome: a.outcome.map(outcome_label),
        })
        .collect()
}

pub async fn queue_page(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
) -> Result<QueuePage, PageError> {
    let awaiting = sign_off::queue(&state, &caller).await?;
    Ok(QueuePage {
        rows: queue_rows(&chrome, &awaiting),
        chrome,
    })
}

// ---------------------------------------------------------------------------
// One sign-off

pub struct SectionLine {
    title: String,
    percent: String,
}

pub struct ItemLine {
    id: String,
    text: String,
    section: String,
    critical: bool,
    score: String,
    note: String,
    answer_note: String,
}

pub struct ConditionLine {
    item_id: String,
    text: String,
    due: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sign_off/review.html")]
pub struct ReviewPage {
    chrome: Chrome,
    errors: FieldErrors,
    app: ApplicationView,
    kind: &'static str,
    tier: &'static str,
    outcome: Option<(&'static str, &'static str)>,
    refused: bool,
    overall: String,
    reasons: Vec<String>,
    critical_failures: Vec<(String, String, u8)>,
    sections: Vec<SectionLine>,
    conditions: Vec<ConditionLine>,
    items: Vec<ItemLine>,
    sign_off: Option<SignOffFacts>,
    awaiting: bool,
    /// What the reviewer typed, kept when the page comes back.
    note: String,
}

fn percent(p: f64) -> String {
    format!("{p}%")
}

fn review(chrome: Chrome, app: ApplicationView, errors: FieldErrors, note: &str) -> ReviewPage {
    let result = app.result.clone();
    let items = app
        .items
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|i| ItemLine {
            id: i.id.clone(),
            text: i.text.clone(),
            section: i.section_title.clone(),
            critical: i.critical,
            score: match i.score.as_ref().map(|s| s.score) {
                Some(Some(s)) => format!("{s} of {}", i.max_score),
                Some(None) => "Not applicable".to_string(),
                None => "Not scored".to_string(),
            },
            note: i.score.as_ref().map(|s| s.note.clone()).unwrap_or_default(),
            answer_note: i
                .answer
                .as_ref()
                .map(|a| a.note.clone())
                .unwrap_or_default(),
        })
        .collect();
    ReviewPage {
        kind: kind_label(app.premises.kind),
        tier: tier_label(app.tier),
        outcome: app.outcome.map(outcome_label),
        refused: app.outcome == Some(Outcome::Refused),
        overall: result
            .as_ref()
            .map(|r| percent(r.overall_percent))
            .unwrap_or_default(),
        reasons: result
            .as_ref()
            .map(|r| r.reasons.clone())
            .unwrap_or_default(),
        critical_failures: result
            .as_ref()
            .map(|r| {
                r.critical_failures
                    .iter()
                    .map(|c| (c.item_id.clone(), c.text.clone(), c.score))
                    .collect()
            })
            .unwrap_or_default(),
        sections: result
            .as_ref()
            .map(|r| {
                r.sections
                    .iter()
                    .map(|s| SectionLine {
                        title: s.title.clone(),
                        percent: s
                            .percent
                            .map_or_else(|| "not applicable".to_string(), percent),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        conditions: app
            .conditions
            .iter()
            .map(|c| ConditionLine {
                item_id: c.item_id.clone(),
                text: c.text.clone(),
                due: chrome.date(&c.due_at),
            })
            .collect(),
        items,
        sign_off: facts(&chrome, app.sign_off.as_ref()),
        awaiting: app.status == ApplicationStatus::AwaitingSignOff,
        note: note.to_string(),
        chrome,
        app,
        errors,
    }
}

pub async fn review_page(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let app = sign_off::for_review(&state, &caller, &path).await?;
    let page = review(chrome, app, FieldErrors::none(), "");
    Ok(html(StatusCode::OK, render(&page)?))
}

pub async fn decide(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    form: Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let typed_decision = form.0.get("decision").cloned().unwrap_or_default();
    let note = form.0.get("note").cloned().unwrap_or_default();
    let decision = match typed_decision.as_str() {
        "approve" => Some(Decision::Approve),
        "return" => Some(Decision::Return),
        _ => None,
    };
    let outcome = match decision {
        Some(decision) => {
            let request = SignOffRequest {
                decision,
                note: Some(note.clone()),
            };
            sign_off::sign_off(&state, &caller, &id, request).await
        }
        None => Err(ServiceError::field(
            "decision",
            "choose whether to approve the assessment or return it to the assessor",
        )),
    };
    match outcome {
        Ok(_) => {
            let done = match decision {
                Some(Decision::Return) => "returned",
                _ => "signed_off",
            };
            Ok(see_other(format!("/sign-offs?done={done}")))
        }
        Err(e) if shown_on_form(&e) => {
            let app = sign_off::for_review(&state, &caller, &id).await?;
            let page = review(chrome, app, FieldErrors::of(&e), &note);
            Ok(html(refused_status(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}
