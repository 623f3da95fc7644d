//! `/admin/certificates`: the register search, and a certificate's page with its
//! main facts and the status actions (suspend, reinstate, revoke), each with a
//! reason. Revocation is final, so it asks for a confirmation first.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::{Admin, PER_PAGE, certificate_status, see_other};
use crate::certificates::document::tier_label;
use crate::domain::scoring::Outcome;
use crate::domain::status::{StatusAction, VerifiedStatus};
use crate::domain::tier::PremisesKind;
use crate::service::ServiceError;
use crate::service::certificates::search::{self as register, SearchQuery};
use crate::service::certificates::status::{StatusChangeRequest, change_status};
use crate::service::certificates::{self, CertificateView};
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, Form, shown_on_form};
use crate::web::layout::Chrome;

fn kind_in_words(kind: PremisesKind) -> &'static str {
    match kind {
        PremisesKind::Building => "Building",
        PremisesKind::Event => "Event",
    }
}

fn outcome_in_words(o: Outcome) -> &'static str {
    match o {
        Outcome::Certified => "Certified",
        Outcome::CertifiedWithConditions => "Certified with conditions",
        Outcome::Refused => "Refused",
    }
}

/// A certificate as a row of the search results.
pub struct Row {
    pub number: String,
    pub premises: String,
    pub place: String,
    pub kind: &'static str,
    pub tier: &'static str,
    pub status: &'static str,
    pub tone: &'static str,
    pub expires: String,
}

impl Row {
    fn new(chrome: &Chrome, c: &CertificateView) -> Row {
        let (status, tone) = certificate_status(c.status);
        Row {
            number: c.number.clone(),
            premises: c.premises_name.clone(),
            place: format!("{}, {}", c.town, c.postcode),
            kind: kind_in_words(c.kind),
            tier: tier_label(c.tier),
            status,
            tone,
            expires: chrome.date(&c.expires_at),
        }
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SearchForm {
    q: String,
    postcode: String,
    status: String,
    // Issue 12 part C: keyset paging (the cursor of the next page).
    after: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/certificates.html")]
pub struct SearchPage {
    chrome: Chrome,
    form: SearchForm,
    errors: FieldErrors,
    rows: Vec<Row>,
    searched: bool,
    previous: String,
    next: String,
}

impl SearchPage {
    fn statuses(&self) -> [(&'static str, &'static str); 5] {
        [
            ("valid", "Valid"),
            ("expired", "Expired"),
            ("suspended", "Suspended"),
            ("revoked", "Revoked"),
            ("superseded", "Superseded"),
        ]
    }
}

pub async fn search(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    query: web::Query<SearchForm>,
) -> Result<HttpResponse, PageError> {
    let form = query.into_inner();
    let q = SearchQuery {
        postcode: Some(form.postcode.clone()),
        q: Some(form.q.clone()),
        status: Some(form.status.clone()),
        limit: Some(PER_PAGE.to_string()),
        after: Some(form.after.clone()),
        ..SearchQuery::default()
    };
    let searched = [&form.q, &form.postcode, &form.status]
        .iter()
        .any(|v| !v.trim().is_empty());
    let mut page = SearchPage {
        chrome,
        form: form.clone(),
        errors: FieldErrors::none(),
        rows: Vec::new(),
        searched,
        previous: String::new(),
        next: String::new(),
    };
    match register::search(&state, &caller, &q).await {
        Ok(found) => {
            page.rows = found
                .certificates
                .iter()
                .map(|c| Row::new(&page.chrome, c))
                .collect();
            // Keyset pages go forward; the browser's Back goes back.
            if let Some(after) = &found.next {
                page.next = format!(
                    "/admin/certificates?{}",
                    register::next_page(&q, Some(after))
                );
            }
            Ok(html(StatusCode::OK, render(&page)?))
        }
        Err(e) if shown_on_form(&e) => {
            page.errors = FieldErrors::of(&e);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/certificate.html")]
pub struct CertificatePage {
    chrome: Chrome,
    cert: CertificateView,
    row: Row,
    kind: &'static str,
    outcome: &'static str,
    issued: String,
    errors: FieldErrors,
    reason: String,
    // Part 3: who signed off the assessment before issue.
    sign_off: Option<String>,

    // Part 1 of issue 11: every condition's state and history.
    condition_panels: Vec<crate::web::conditions::ConditionPanel>,
    /// Part 4 (advisor oversight).
    oversight: crate::web::oversight::RecordBlock,
}

impl CertificatePage {
    fn new(chrome: Chrome, cert: CertificateView) -> CertificatePage {
        CertificatePage {
            sign_off: crate::web::sign_off::signed_off_line(&chrome, cert.signed_off_by.as_ref()),
            oversight: crate::web::oversight::RecordBlock::new(&chrome, &cert),
            row: Row::new(&chrome, &cert),
            kind: kind_in_words(cert.kind),
            outcome: outcome_in_words(cert.outcome),
            issued: chrome.date(&cert.issued_at),
            condition_panels: crate::web::conditions::ConditionPanel::all(&chrome, &cert),
            chrome,
            cert,
            errors: FieldErrors::none(),
            reason: String::new(),
        }
    }

    /// Stored `active` (valid or expired): it may be suspended.
    fn may_suspend(&self) -> bool {
        matches!(
            self.cert.status,
            VerifiedStatus::Valid | VerifiedStatus::Expired
        )
    }

    fn may_reinstate(&self) -> bool {
        self.cert.status == VerifiedStatus::Suspended
    }

    fn may_revoke(&self) -> bool {
        self.may_suspend() || self.may_reinstate()
    }
}

pub async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    path: web::Path<String>,
) -> Result<CertificatePage, PageError> {
    let cert = certificates::record(&state, &caller, &path).await?;
    Ok(CertificatePage::new(chrome, cert))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct StatusForm {
    /// The button pressed: `suspend`, `reinstate` or `revoke`.
    action: String,
    reason: String,
    /// `yes` once a revocation is confirmed.
    confirm: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/certificate_revoke.html")]
pub struct ConfirmRevokePage {
    chrome: Chrome,
    number: String,
    premises: String,
    errors: FieldErrors,
    reason: String,
}

pub async fn status(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    path: web::Path<String>,
    form: Form<StatusForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let action = match form.action.as_str() {
        "suspend" => StatusAction::Suspend,
        "reinstate" => StatusAction::Reinstate,
        "revoke" => StatusAction::Revoke,
        _ => {
            return Err(ServiceError::malformed_field(
                "action",
                "must be suspend, reinstate or revoke",
            )
            .into());
        }
    };
    let confirming = |chrome, cert: CertificateView, errors| ConfirmRevokePage {
        chrome,
        number: cert.number,
        premises: cert.premises_name,
        errors,
        reason: form.reason.clone(),
    };
    if action == StatusAction::Revoke && form.confirm != "yes" {
        // Final: ask first, with the reason kept and still editable.
        let cert = certificates::record(&state, &caller, &path).await?;
        let page = confirming(chrome, cert, FieldErrors::none());
        return Ok(html(StatusCode::OK, render(&page)?));
    }
    let request = StatusChangeRequest {
        reason: Some(form.reason.clone()),
    };
    match change_status(&state, &caller, &path, request, action).await {
        Ok(cert) => Ok(see_other(format!(
            "/admin/certificates/{}?done=status_changed",
            cert.number
        ))),
        Err(e) if shown_on_form(&e) => {
            let cert = certificates::record(&state, &caller, &path).await?;
            let body = if action == StatusAction::Revoke {
                render(&confirming(chrome, cert, FieldErrors::of(&e)))?
            } else {
                let mut page = CertificatePage::new(chrome, cert);
                page.errors = FieldErrors::of(&e);
                page.reason = form.reason.clone();
                render(&page)?
            };
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, body))
        }
        Err(e) => Err(e.into()),
    }
}
