//! Part 4 (advisor oversight). `/admin/reviews`: certificates flagged when their
//! advisor's accreditation was suspended or withdrawn; one review's page, where
//! the admin confirms the certificate or orders a reassessment, each with a note.

use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::{Admin, certificate_status, page_at, pager, see_other, trim_page};
use crate::domain::clock;
use crate::domain::oversight::{ReviewState, reassess_by};
use crate::service::oversight::{self, ResolveReviewRequest, ReviewQuery, ReviewView};
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, Form, refused_status, shown_on_form};
use crate::web::layout::Chrome;
use crate::web::oversight::{standing_words, state_words};

pub struct ReviewRow {
    id: String,
    number: String,
    premises: String,
    advisor: String,
    flag: String,
    state: (&'static str, &'static str),
    flagged: String,
    resolved: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/reviews.html")]
pub struct ReviewsPage {
    chrome: Chrome,
    resolved: bool,
    rows: Vec<ReviewRow>,
    previous: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    offset: String,
}

pub async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    query: web::Query<ListQuery>,
) -> Result<ReviewsPage, PageError> {
    let page = page_at(&query.offset)?;
    let mut rows = oversight::list(
        &state,
        &caller,
        &ReviewQuery {
            status: Some(query.status.clone()),
            limit: Some(page.limit.to_string()),
            offset: Some(page.offset.to_string()),
        },
    )
    .await?;
    let more = trim_page(&mut rows);
    let (previous, next) = pager(
        "/admin/reviews",
        page.offset,
        more,
        &[("status", query.status.as_str())],
    );
    Ok(ReviewsPage {
        resolved: query.status.trim() == "resolved",
        rows: rows
            .iter()
            .map(|r| ReviewRow {
                id: r.id.clone(),
                number: r.certificate_number.clone(),
                premises: format!("{}, {}", r.premises_name, r.town),
                advisor: format!("{} ({})", r.advisor_name, r.accreditation_number),
                flag: r.flag.clone(),
                state: state_words(r.state),
                flagged: chrome.date(&r.flagged_at),
                resolved: chrome.maybe_date(&r.resolved_at),
            })
            .collect(),
        chrome,
        previous,
        next,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/review.html")]
pub struct ReviewPage {
    chrome: Chrome,
    r: ReviewView,
    state: (&'static str, &'static str),
    open: bool,
    certificate_status: &'static str,
    standing_at_issue: &'static str,
    issued: String,
    expires: String,
    flagged: String,
    resolved: String,
    reassess_by: String,
    /// The date a reassessment ordered today would be due by.
    reassess_by_if_ordered: String,
    confirm_errors: FieldErrors,
    confirm_note: String,
    reassess_errors: FieldErrors,
    reassess_note: String,
}

impl ReviewPage {
    fn new(chrome: Chrome, r: ReviewView, within_days: u32) -> ReviewPage {
        ReviewPage {
            state: state_words(r.state),
            open: r.state == ReviewState::Open,
            certificate_status: certificate_status(r.certificate_status).0,
            standing_at_issue: standing_words(r.accreditation_status_at_issue.as_deref()),
            issued: chrome.date(&r.issued_at),
            expires: chrome.date(&r.expires_at),
            flagged: chrome.date(&r.flagged_at),
            resolved: chrome.maybe_date(&r.resolved_at),
            reassess_by: r.reassess_by.map(clock::day).unwrap_or_default(),
            reassess_by_if_ordered: clock::day(reassess_by(
                time::OffsetDateTime::now_utc().date(),
                within_days,
            )),
            confirm_errors: FieldErrors::none(),
            confirm_note: String::new(),
            reassess_errors: FieldErrors::none(),
            reassess_note: String::new(),
            chrome,
            r,
        }
    }
}

pub async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    path: web::Path<String>,
) -> Result<ReviewPage, PageError> {
    let r = oversight::show(&state, &caller, &path).await?;
    Ok(ReviewPage::new(
        chrome,
        r,
        state.settings.reassessment_within_days,
    ))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NoteForm {
    note: String,
}

pub async fn confirm(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    path: web::Path<String>,
    form: Form<NoteForm>,
) -> Result<HttpResponse, PageError> {
    resolve(state, chrome, caller, path.into_inner(), form.0, false).await
}

pub async fn reassess(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    path: web::Path<String>,
    form: Form<NoteForm>,
) -> Result<HttpResponse, PageError> {
    resolve(state, chrome, caller, path.into_inner(), form.0, true).await
}

async fn resolve(
    state: web::Data<AppState>,
    chrome: Chrome,
    caller: crate::auth::Caller,
    id: String,
    form: NoteForm,
    reassessment: bool,
) -> Result<HttpResponse, PageError> {
    let request = ResolveReviewRequest {
        note: Some(form.note.clone()),
    };
    let (result, done) = if reassessment {
        (
            oversight::order_reassessment(&state, &caller, &id, request).await,
            "reassessment_ordered",
        )
    } else {
        (
            oversight::confirm(&state, &caller, &id, request).await,
            "review_confirmed",
        )
    };
    match result {
        Ok(_) => Ok(see_other(format!("/admin/reviews/{id}?done={done}"))),
        Err(e) if shown_on_form(&e) => {
            let r = oversight::show(&state, &caller, &id).await?;
            let mut page = ReviewPage::new(chrome, r, state.settings.reassessment_within_days);
            if reassessment {
                page.reassess_errors = FieldErrors::of(&e);
                page.reassess_note = form.note;
            } else {
                page.confirm_errors = FieldErrors::of(&e);
                page.confirm_note = form.note;
            }
            Ok(html(refused_status(&e), render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}
