//! The operator's appeal and right to reply, on the application page (issue 11
//! part 2): the appeal form while the window is open, the appeal's state and
//! decision, and the right-to-reply form.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::applications::{ApplicationPage, application_page};
use super::multipart;
use super::{outcome_words, see_other};
use crate::domain::appeal::{AppealState, Consequence};
use crate::service::ServiceError;
use crate::service::appeals::{self, AppealAndReply, AppealRequest, ReplyRequest};
use crate::service::applications::evidence::Upload;
use crate::service::applications::self_assessment;
use crate::service::applications::views::ApplicationView;
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, Form, shown_on_form};
use crate::web::layout::Chrome;
use crate::web::session::SignedIn;

/// One item the operator may tick.
pub struct AppealItem {
    pub id: String,
    pub text: String,
    pub score: String,
    pub checked: bool,
}

/// What the application page shows of the appeal.
pub struct AppealBlock {
    pub application_id: String,
    pub data: AppealAndReply,
    pub items: Vec<AppealItem>,
    /// As typed, when the form comes back with a problem.
    pub grounds: String,
    pub statement: String,
    pub state: &'static str,
    pub decision: String,
    pub closes: String,
}

fn state_words(state: AppealState) -> &'static str {
    match state {
        AppealState::Lodged => "Lodged: waiting for a reviewing advisor",
        AppealState::InReview => "Being reviewed by a second advisor",
        AppealState::Decided => "Decided",
    }
}

fn decision_words(data: &AppealAndReply) -> String {
    let Some(d) = data.appeal.as_ref().and_then(|a| a.decision.as_ref()) else {
        return String::new();
    };
    let outcome = outcome_words(d.outcome);
    match (d.consequence, &d.certificate, &d.withdrawn_certificate) {
        (Consequence::Issued, Some(n), _) => {
            format!("{outcome} on appeal: certificate {n} has been issued.")
        }
        (Consequence::Reissued, Some(n), _) => format!(
            "{outcome} on appeal: certificate {n} has been issued and replaces the earlier one."
        ),
        (Consequence::Withdrawn, _, Some(n)) => {
            format!("{outcome} on appeal: certificate {n} has been withdrawn.")
        }
        (Consequence::Withdrawn, _, None) => format!("{outcome} on appeal."),
        _ => format!("The outcome stands: {outcome}. Nothing has been issued."),
    }
}

pub fn appeal_block(chrome: &Chrome, view: &ApplicationView) -> Option<AppealBlock> {
    let data = view.appeal_and_reply.clone()?;
    let items = view
        .items
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|i| AppealItem {
            id: i.id.clone(),
            text: i.text.clone(),
            score: match &i.score {
                Some(s) => match s.score {
                    Some(n) => format!("scored {n} of {}", i.max_score),
                    None => "not applicable".to_string(),
                },
                None => String::new(),
            },
            checked: false,
        })
        .collect();
    Some(AppealBlock {
        application_id: view.id.clone(),
        state: data
            .appeal
            .as_ref()
            .map(|a| state_words(a.state))
            .unwrap_or(""),
        decision: decision_words(&data),
        closes: data
            .window_closes_at
            .map(|t| chrome.date(&t))
            .unwrap_or_default(),
        items,
        grounds: String::new(),
        statement: data
            .reply
            .as_ref()
            .map(|r| r.statement.clone())
            .unwrap_or_default(),
        data,
    })
}

fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The page again with the problem next to its field and the input kept.
async fn again(
    state: &AppState,
    chrome: Chrome,
    caller: &crate::auth::Caller,
    id: &str,
    e: &ServiceError,
    keep: impl FnOnce(&mut ApplicationPage),
) -> Result<HttpResponse, PageError> {
    let view = self_assessment::get(state, caller, id).await?;
    let mut page = application_page(state, chrome, &view, FieldErrors::of(e));
    keep(&mut page);
    Ok(html(status_of(e), render(&page)?))
}

/// Fields of the appeal form as the page names them: `items[2]` is the third
/// ticked box; any item problem shows by the list.
fn on_form(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid(errors) => ServiceError::Invalid(
            errors
                .into_iter()
                .map(|mut f| {
                    if f.field.starts_with("items") {
                        f.field = "items".to_string();
                    }
                    f
                })
                .collect(),
        ),
        ServiceError::TooLarge(m) | ServiceError::UnsupportedType(m) => {
            ServiceError::field("file", m.trim_start_matches("file: "))
        }
        other => other,
    }
}

pub async fn lodge(
    req: HttpRequest,
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    appeals::may_upload(&caller)?;
    let id = path.into_inner();
    let form = multipart::read(&req, payload, state.settings.evidence_max_bytes).await?;
    let items: Vec<String> = form
        .fields
        .iter()
        .filter(|(k, _)| k == "items")
        .map(|(_, v)| v.clone())
        .collect();
    let grounds = form.get("grounds").unwrap_or_default().to_string();
    let upload = form
        .files
        .into_iter()
        .find(|f| f.name == "file" && !f.data.is_empty())
        .map(|f| Upload {
            filename: f.filename,
            content_type: f.content_type,
            data: f.data,
            item_id: None,
        });
    let result = async {
        if let Some(u) = &upload {
            appeals::check_evidence(&state, u)?;
        }
        let appeal = appeals::lodge(
            &state,
            &caller,
            &id,
            AppealRequest {
                items: items.clone(),
                grounds: Some(grounds.clone()),
            },
        )
        .await?;
        if let Some(u) = upload {
            appeals::upload_evidence(&state, &caller, &appeal.id, u).await?;
        }
        Ok::<_, ServiceError>(())
    }
    .await
    .map_err(on_form);
    match result {
        Ok(()) => Ok(see_other(format!(
            "/operator/applications/{id}?done=appeal_lodged#appeal"
        ))),
        Err(e) if shown_on_form(&e) => {
            again(&state, chrome, &caller, &id, &e, |page| {
                if let Some(b) = page.appeal.as_mut() {
                    b.grounds = grounds;
                    for i in &mut b.items {
                        i.checked = items.contains(&i.id);
                    }
                }
            })
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    statement: String,
}

pub async fn reply(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    form: Form<ReplyForm>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let statement = form.0.statement;
    let request = ReplyRequest {
        statement: Some(statement.clone()),
    };
    match appeals::reply(&state, &caller, &id, request).await {
        Ok(_) => Ok(see_other(format!(
            "/operator/applications/{id}?done=reply_saved#reply"
        ))),
        Err(e) if shown_on_form(&e) => {
            again(&state, chrome, &caller, &id, &e, |page| {
                if let Some(b) = page.appeal.as_mut() {
                    b.statement = statement;
                }
            })
            .await
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
