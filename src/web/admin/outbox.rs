//! `/admin/outbox`: the email outbox (reminders), filtered by status and kind, a
//! page at a time.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::{Admin, PER_PAGE, pager};
use crate::domain::clock;
use crate::service::ServiceError;
use crate::service::notifications::{self, NotificationQuery, NotificationView};
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, shown_on_form};
use crate::web::layout::Chrome;

const STATUSES: [(&str, &str); 4] = [
    ("pending", "Waiting to send"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("skipped", "Not sent"),
];

const KINDS: [(&str, &str); 5] = [
    ("certificate_expiry", "Certificate expiry"),
    ("condition_due", "Condition due"),
    ("accreditation_expiry", "Accreditation ending"),
    // Issue 11 part 5: fire safety on file.
    ("fire_risk_assessment_review", "Fire risk assessment review"),
    (
        "fire_safety_certificate_expiry",
        "Fire safety certificate expiry",
    ),
];

fn word(table: &[(&'static str, &'static str)], value: &str) -> String {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or_else(|| value.to_string(), |(_, w)| w.to_string())
}

fn tone(status: &str) -> &'static str {
    match status {
        "sent" => "ok",
        "pending" => "info",
        "failed" => "bad",
        _ => "grey",
    }
}

pub struct Row {
    pub mail_subject: String,
    pub about: String,
    pub kind: String,
    pub recipients: String,
    pub due: String,
    pub status: String,
    pub tone: &'static str,
    /// When it was sent, or when the next attempt is due.
    pub when: String,
    pub attempts: i32,
    pub last_error: String,
}

impl Row {
    fn new(chrome: &Chrome, n: NotificationView) -> Row {
        let due = time::Date::parse(
            &n.due_on,
            &time::format_description::well_known::Iso8601::DATE,
        )
        .map(clock::day)
        .unwrap_or_else(|_| n.due_on.clone());
        let when = match (n.status.as_str(), n.sent_at) {
            (_, Some(at)) => format!("Sent {}", chrome.date_time(&at)),
            ("pending" | "failed", None) => {
                format!("Next attempt {}", chrome.date_time(&n.next_attempt_at))
            }
            _ => String::new(),
        };
        Row {
            mail_subject: n.mail_subject,
            about: n.subject,
            kind: word(&KINDS, &n.kind),
            recipients: n.recipients.join(", "),
            due,
            tone: tone(&n.status),
            status: word(&STATUSES, &n.status),
            when,
            attempts: n.attempts,
            last_error: n.last_error.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FilterForm {
    status: String,
    kind: String,
    offset: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/outbox.html")]
pub struct OutboxPage {
    chrome: Chrome,
    form: FilterForm,
    errors: FieldErrors,
    rows: Vec<Row>,
    filtered: bool,
    statuses: [(&'static str, &'static str); 4],
    kinds: [(&'static str, &'static str); 5],
    previous: String,
    next: String,
}

pub async fn page(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    query: web::Query<FilterForm>,
) -> Result<HttpResponse, PageError> {
    let form = query.into_inner();
    let offset = match form.offset.trim() {
        "" => 0,
        raw => raw
            .parse::<i64>()
            .map_err(|_| ServiceError::malformed_field("offset", "must be a whole number"))?,
    };
    let q = NotificationQuery {
        status: Some(form.status.clone()),
        kind: Some(form.kind.clone()),
        subject: None,
        // One more than shown, to know whether there is a next page.
        limit: Some(PER_PAGE + 1),
        offset: Some(offset),
    };
    let mut page = OutboxPage {
        filtered: !form.status.trim().is_empty() || !form.kind.trim().is_empty(),
        chrome,
        form: form.clone(),
        errors: FieldErrors::none(),
        rows: Vec::new(),
        statuses: STATUSES,
        kinds: KINDS,
        previous: String::new(),
        next: String::new(),
    };
    match notifications::list(&state, &caller, &q).await {
        Ok(mut rows) => {
            let more = rows.len() as i64 > PER_PAGE;
            rows.truncate(PER_PAGE as usize);
            (page.previous, page.next) = pager(
                "/admin/outbox",
                offset,
                more,
                &[("status", &form.status), ("kind", &form.kind)],
            );
            page.rows = rows
                .into_iter()
                .map(|n| Row::new(&page.chrome, n))
                .collect();
            Ok(html(StatusCode::OK, render(&page)?))
        }
        Err(e) if shown_on_form(&e) => {
            page.errors = FieldErrors::of(&e);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}
