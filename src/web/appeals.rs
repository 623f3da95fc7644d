//! Appeals for the advisor and the admin (issue 11 part 2): the advisor's queue
//! of appeals they may review, claiming one, rescoring the appealed items beside
//! the operator's grounds and evidence and the original scores, and deciding; the
//! admin's list of every appeal. (The operator's side is on the application page.)

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
use crate::auth::Role;
use crate::domain::appeal::{AppealState, Consequence};
use crate::domain::scoring::Outcome;
use crate::service::appeals::{self, AppealView};
use crate::service::applications::assessment::{ScoreInput, ScoresRequest};
use crate::service::page::PageQuery;
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/advisor/appeals").route(get().to(queue)))
        .service(
            resource("/advisor/appeals/{id}")
                .route(get().to(review))
                .route(post().to(save_scores)),
        )
        .service(resource("/advisor/appeals/{id}/claim").route(post().to(claim)))
        .service(resource("/advisor/appeals/{id}/decide").route(post().to(decide)))
        .service(
            resource("/advisor/appeals/{id}/evidence/{evidence_id}").route(get().to(evidence_file)),
        )
        .service(resource("/admin/appeals").route(get().to(admin_list)));
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

fn outcome_label(outcome: Outcome) -> (&'static str, &'static str) {
    match outcome {
        Outcome::Certified => ("Certified", "ok"),
        Outcome::CertifiedWithConditions => ("Certified with conditions", "warn"),
        Outcome::Refused => ("Refused", "bad"),
    }
}

fn state_label(state: AppealState) -> (&'static str, &'static str) {
    match state {
        AppealState::Lodged => ("Lodged", "info"),
        AppealState::InReview => ("In review", "warn"),
        AppealState::Decided => ("Decided", "ok"),
    }
}

fn consequence_words(c: Consequence) -> &'static str {
    match c {
        Consequence::Unchanged => "Outcome unchanged: nothing issued",
        Consequence::Issued => "Certificate issued",
        Consequence::Reissued => "Certificate reissued; the earlier one is superseded",
        Consequence::Withdrawn => "Certificate withdrawn",
    }
}

pub struct Row {
    id: String,
    premises: String,
    town: String,
    lodged: String,
    items: String,
    original: (&'static str, &'static str),
    state: (&'static str, &'static str),
    outcome: Option<(&'static str, &'static str)>,
    reviewer: String,
}

fn row(chrome: &Chrome, a: &AppealView) -> Row {
    Row {
        id: a.id.clone(),
        premises: a.premises.name.clone(),
        town: a.premises.town.clone(),
        lodged: chrome.date(&a.lodged_at),
        items: a.items.join(", "),
        original: outcome_label(a.original_outcome),
        state: state_label(a.state),
        outcome: a.decision.as_ref().map(|d| outcome_label(d.outcome)),
        reviewer: a
            .reviewer
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "appeals/queue.html")]
pub struct QueuePage {
    chrome: Chrome,
    errors: FieldErrors,
    open: Vec<Row>,
    mine: Vec<Row>,
    decided: Vec<Row>,
}

async fn queue_page(
    state: &AppState,
    chrome: Chrome,
    caller: &crate::auth::Caller,
    errors: FieldErrors,
) -> Result<QueuePage, PageError> {
    let list = appeals::list(state, caller, &PageQuery::default()).await?;
    let pick = |s: AppealState| {
        list.iter()
            .filter(|a| a.state == s)
            .map(|a| row(&chrome, a))
            .collect::<Vec<_>>()
    };
    let (open, mine, decided) = (
        pick(AppealState::Lodged),
        pick(AppealState::InReview),
        pick(AppealState::Decided),
    );
    Ok(QueuePage {
        chrome,
        errors,
        open,
        mine,
        decided,
    })
}

pub async fn queue(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
) -> Result<QueuePage, PageError> {
    crate::service::access::require_role(&caller, &[Role::Advisor])?;
    queue_page(&state, chrome, &caller, FieldErrors::none()).await
}

pub async fn claim(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    _: Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    match appeals::claim(&state, &caller, &id).await {
        Ok(_) => Ok(see_other(format!(
            "/advisor/appeals/{id}?done=appeal_claimed"
        ))),
        Err(e @ (ServiceError::Conflict { .. } | ServiceError::Forbidden(_))) => {
            let mut errors = FieldErrors::none();
            errors
                .summary
                .push(e.to_string().replace("forbidden: ", ""));
            let page = queue_page(&state, chrome, &caller, errors).await?;
            Ok(html(StatusCode::CONFLICT, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
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
    answer: String,
    answer_note: String,
    original: String,
    original_note: String,
    /// "" (not rescored), "0".."max" or "na", as saved or as typed.
    score: String,
    note: String,
    score_field: String,
    note_field: String,
    note_label: String,
    options: Vec<ScoreOption>,
    rescored: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "appeals/review.html")]
pub struct ReviewPage {
    chrome: Chrome,
    errors: FieldErrors,
    a: AppealView,
    state: (&'static str, &'static str),
    original: (&'static str, &'static str),
    lodged: String,
    closes: String,
    items: Vec<ItemRow>,
    /// The caller is the reviewer and the appeal is in review.
    reviewing: bool,
    /// The appeal is lodged and the caller may try to claim it.
    claimable: bool,
    preview: Option<(&'static str, &'static str)>,
    decision: Option<Decision>,
    back: &'static str,
}

pub struct Decision {
    outcome: (&'static str, &'static str),
    consequence: &'static str,
    certificate: Option<String>,
    withdrawn: Option<String>,
    decided: String,
    reasons: Vec<String>,
}

fn score_text(score: Option<i32>, max: u8) -> String {
    match score {
        Some(n) => format!("{n} of {max}"),
        None => "Not applicable".to_string(),
    }
}

fn review_page(
    chrome: Chrome,
    caller: &crate::auth::Caller,
    a: AppealView,
    errors: FieldErrors,
    typed: Option<&[(String, String, String)]>,
) -> ReviewPage {
    let reviewing = a.state == AppealState::InReview
        && a.reviewer.as_ref().map(|r| r.id.as_str()) == Some(caller.user_id.as_str());
    let items = a
        .review
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            let (score, note) = match typed.and_then(|t| t.iter().find(|(id, _, _)| *id == i.id)) {
                Some((_, s, n)) => (s.clone(), n.clone()),
                None => match &i.rescored {
                    Some(r) => (
                        r.score
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| "na".into()),
                        r.note.clone(),
                    ),
                    None => (String::new(), String::new()),
                },
            };
            let mut options: Vec<ScoreOption> = (0..=i.max_score)
                .map(|n| ScoreOption {
                    value: n.to_string(),
                    label: n.to_string(),
                })
                .collect();
            if !i.critical {
                options.push(ScoreOption {
                    value: "na".into(),
                    label: "Not applicable".into(),
                });
            }
            ItemRow {
                id: i.id.clone(),
                text: i.text.clone(),
                guidance: i.guidance.clone(),
                critical: i.critical,
                answer: i
                    .answer
                    .as_ref()
                    .map(|x| x.status.as_str().replace('_', " "))
                    .unwrap_or_else(|| "not answered".into()),
                answer_note: i
                    .answer
                    .as_ref()
                    .map(|x| x.note.clone())
                    .unwrap_or_default(),
                original: i
                    .original
                    .as_ref()
                    .map(|o| score_text(o.score, i.max_score))
                    .unwrap_or_else(|| "Not scored".into()),
                original_note: i
                    .original
                    .as_ref()
                    .map(|o| o.note.clone())
                    .unwrap_or_default(),
                rescored: i
                    .rescored
                    .as_ref()
                    .map(|r| score_text(r.score, i.max_score))
                    .unwrap_or_default(),
                score_field: format!("score-{}", i.id),
                note_field: format!("note-{}", i.id),
                note_label: format!("Why (required if you change the score of {})", i.id),
                score,
                note,
                options,
            }
        })
        .collect();
    ReviewPage {
        state: state_label(a.state),
        original: outcome_label(a.original_outcome),
        lodged: chrome.date(&a.lodged_at),
        closes: chrome.date(&a.window_closes_at),
        claimable: a.state == AppealState::Lodged && caller.role == Role::Advisor,
        preview: a.preview_outcome.map(outcome_label),
        decision: a.decision.as_ref().map(|d| Decision {
            outcome: outcome_label(d.outcome),
            consequence: consequence_words(d.consequence),
            certificate: d.certificate.clone(),
            withdrawn: d.withdrawn_certificate.clone(),
            decided: chrome.date(&d.decided_at),
            reasons: d.result.reasons.clone(),
        }),
        back: if caller.role == Role::Admin {
            "/admin/appeals"
        } else {
            "/advisor/appeals"
        },
        items,
        reviewing,
        a,
        errors,
        chrome,
    }
}

pub async fn review(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<ReviewPage, PageError> {
    let a = appeals::get(&state, &caller, &path).await?;
    Ok(review_page(chrome, &caller, a, FieldErrors::none(), None))
}

pub async fn save_scores(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    form: Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let typed = super::advisor::typed_scores(form.0);
    let mut order = Vec::new();
    let mut scores = Vec::new();
    for (item, score, note) in &typed {
        let score = match score.as_str() {
            "" if note.trim().is_empty() => continue,
            "" => None,
            "na" => Some(None),
            digits => Some(Some(digits.parse::<i64>().unwrap_or(-1))),
        };
        scores.push(ScoreInput {
            item_id: item.clone(),
            score,
            note: Some(note.clone()),
        });
        order.push(item.clone());
    }
    let errors = if scores.is_empty() {
        let mut errors = FieldErrors::none();
        errors
            .summary
            .push("Choose a score for at least one item before saving.".to_string());
        errors
    } else {
        match appeals::score(&state, &caller, &id, ScoresRequest { scores }).await {
            Ok(_) => {
                return Ok(see_other(format!(
                    "/advisor/appeals/{id}?done=scores_saved#decide"
                )));
            }
            Err(e @ ServiceError::Invalid(_)) => {
                // `scores[2].note` → next to the item it names.
                let moved: Vec<FieldError> = e
                    .field_errors()
                    .iter()
                    .map(|fe| {
                        let field = fe
                            .field
                            .strip_prefix("scores[")
                            .and_then(|rest| rest.split_once("]."))
                            .and_then(|(i, part)| {
                                Some((order.get(i.parse::<usize>().ok()?)?, part))
                            })
                            .map(|(item, part)| match part {
                                "note" => format!("note-{item}"),
                                _ => format!("score-{item}"),
                            });
                        FieldError::new(
                            field.unwrap_or_else(|| fe.field.clone()),
                            fe.message.replace("or null", "or not applicable"),
                        )
                    })
                    .collect();
                FieldErrors::of(&ServiceError::Invalid(moved))
            }
            Err(e) => return Err(e.into()),
        }
    };
    let a = appeals::get(&state, &caller, &id).await?;
    let page = review_page(chrome, &caller, a, errors, Some(&typed));
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, render(&page)?))
}

pub async fn decide(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    _: Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    match appeals::decide(&state, &caller, &id).await {
        Ok(_) => Ok(see_other(format!(
            "/advisor/appeals/{id}?done=appeal_decided"
        ))),
        Err(e @ ServiceError::Conflict { .. }) => {
            let a = appeals::get(&state, &caller, &id).await?;
            let page = review_page(chrome, &caller, a, FieldErrors::of(&e), None);
            Ok(html(StatusCode::CONFLICT, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn evidence_file(
    state: web::Data<AppState>,
    SignedIn(caller): SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (id, evidence_id) = path.into_inner();
    let file = appeals::download_evidence(&state, &caller, &id, &evidence_id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type.clone())
        .insert_header(file.disposition())
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.data))
}

#[derive(Template, WebTemplate)]
#[template(path = "appeals/admin_list.html")]
pub struct AdminListPage {
    chrome: Chrome,
    rows: Vec<Row>,
}

pub async fn admin_list(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
) -> Result<AdminListPage, PageError> {
    crate::service::access::require_admin(&caller)?;
    let list = appeals::list(&state, &caller, &PageQuery::default()).await?;
    let rows = list.iter().map(|a| row(&chrome, a)).collect();
    Ok(AdminListPage { chrome, rows })
}
