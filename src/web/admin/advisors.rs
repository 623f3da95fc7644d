//! `/admin/advisors`: the register, accrediting an advisor, and one advisor's
//! page with the renewal and the status actions (suspend, reinstate, withdraw),
//! each with a reason. Withdrawal is final, so it asks for a confirmation first.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::{Admin, page_at, pager, see_other, trim_page};
use crate::domain::clock;
use crate::service::advisors::{
    self, AccreditationChangeRequest, AdvisorRecord, AdvisorView, CreateAdvisorRequest,
    RenewAccreditationRequest,
};
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, Form, shown_on_form};
use crate::web::layout::Chrome;

/// The word and badge tone of an advisor's standing (`AdvisorView::status`).
fn standing(status: &str) -> (&'static str, &'static str) {
    match status {
        "active" => ("Active", "ok"),
        "lapsed" => ("Lapsed", "warn"),
        "suspended" => ("Suspended", "warn"),
        "withdrawn" => ("Withdrawn", "bad"),
        _ => ("Unknown", "grey"),
    }
}

fn scopes_in_words(scopes: &[String]) -> &'static str {
    let building = scopes.iter().any(|s| s == "building");
    let event = scopes.iter().any(|s| s == "event");
    match (building, event) {
        (true, true) => "Buildings and events",
        (true, false) => "Buildings",
        (false, true) => "Events",
        (false, false) => "None",
    }
}

pub struct AdvisorRow {
    pub id: String,
    pub name: String,
    pub number: String,
    pub scopes: &'static str,
    pub until: String,
    pub status: &'static str,
    pub tone: &'static str,
}

impl From<&AdvisorView> for AdvisorRow {
    fn from(a: &AdvisorView) -> AdvisorRow {
        let (status, tone) = standing(&a.status);
        AdvisorRow {
            id: a.id.clone(),
            name: a.name.clone(),
            number: a.accreditation_number.clone(),
            scopes: scopes_in_words(&a.scopes),
            until: clock::day(a.accredited_until),
            status,
            tone,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/advisors.html")]
pub struct RegisterPage {
    chrome: Chrome,
    rows: Vec<AdvisorRow>,
    previous: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OffsetQuery {
    offset: String,
}

pub async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(_): Admin,
    query: web::Query<OffsetQuery>,
) -> Result<RegisterPage, PageError> {
    // The register itself is public; this page (for admins, by `Admin`) leads
    // from it to each advisor's actions.
    let page = page_at(&query.offset)?;
    let mut advisors = advisors::register(&state, page).await?;
    let more = trim_page(&mut advisors);
    let (previous, next) = pager("/admin/advisors", page.offset, more, &[]);
    Ok(RegisterPage {
        chrome,
        rows: advisors.iter().map(AdvisorRow::from).collect(),
        previous,
        next,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/advisor_new.html")]
pub struct AccreditPage {
    chrome: Chrome,
    errors: FieldErrors,
    form: AccreditForm,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AccreditForm {
    name: String,
    email: String,
    password: String,
    accreditation_number: String,
    accredited_until: String,
    scope_building: String,
    scope_event: String,
    tied_organisation_id: String,
}

pub async fn new_form(chrome: Chrome, Admin(_): Admin) -> AccreditPage {
    AccreditPage {
        chrome,
        errors: FieldErrors::none(),
        form: AccreditForm::default(),
    }
}

pub async fn accredit(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    form: Form<AccreditForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let scopes = [
        (!form.scope_building.is_empty()).then_some("building"),
        (!form.scope_event.is_empty()).then_some("event"),
    ]
    .into_iter()
    .flatten()
    .map(str::to_string)
    .collect();
    let request = CreateAdvisorRequest {
        name: form.name.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
        accreditation_number: form.accreditation_number.clone(),
        accredited_until: form.accredited_until.clone(),
        scopes,
        tied_organisation_id: Some(form.tied_organisation_id.clone()),
    };
    match advisors::accredit(&state, &caller, request).await {
        Ok(advisor) => Ok(see_other(format!(
            "/admin/advisors/{}?done=advisor_saved",
            advisor.id
        ))),
        Err(e) if shown_on_form(&e) => {
            let page = AccreditPage {
                chrome,
                errors: FieldErrors::of(&e),
                form: AccreditForm {
                    password: String::new(),
                    ..form
                },
            };
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/advisor.html")]
pub struct AdvisorPage {
    chrome: Chrome,
    record: AdvisorRecord,
    row: AdvisorRow,
    since: String,
    renew: RenewForm,
    renew_errors: FieldErrors,
    status_reason: String,
    status_errors: FieldErrors,
}

impl AdvisorPage {
    fn new(chrome: Chrome, record: AdvisorRecord) -> AdvisorPage {
        AdvisorPage {
            row: AdvisorRow::from(&record.advisor),
            since: chrome.date(&record.created_at),
            chrome,
            record,
            renew: RenewForm::default(),
            renew_errors: FieldErrors::none(),
            status_reason: String::new(),
            status_errors: FieldErrors::none(),
        }
    }

    fn status(&self) -> &str {
        &self.record.advisor.status
    }

    fn withdrawn(&self) -> bool {
        self.status() == "withdrawn"
    }

    fn suspended(&self) -> bool {
        self.status() == "suspended"
    }

    /// Part 4 (advisor oversight).
    fn forecast(&self) -> String {
        let f = self.record.flag_forecast;
        let suspend = (!self.suspended()).then_some(f.on_suspend);
        crate::web::oversight::forecast_words(suspend, f.on_withdraw)
    }

    fn renew_hint(&self) -> String {
        format!("Later than {}, and not in the past", self.row.until)
    }
}

pub async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    path: web::Path<String>,
) -> Result<AdvisorPage, PageError> {
    let record = advisors::record(&state, &caller, &path).await?;
    Ok(AdvisorPage::new(chrome, record))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RenewForm {
    accredited_until: String,
    reason: String,
}

pub async fn renew(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    path: web::Path<String>,
    form: Form<RenewForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let request = RenewAccreditationRequest {
        accredited_until: form.accredited_until.clone(),
        reason: Some(form.reason.clone()),
    };
    match advisors::renew(&state, &caller, &path, request).await {
        Ok(_) => Ok(see_other(format!(
            "/admin/advisors/{}?done=accreditation_renewed",
            path.as_str()
        ))),
        Err(e) if shown_on_form(&e) => {
            let record = advisors::record(&state, &caller, &path).await?;
            let mut page = AdvisorPage::new(chrome, record);
            page.renew_errors = FieldErrors::of(&e);
            page.renew = form;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct StatusForm {
    /// The button pressed: `suspend`, `reinstate` or `withdraw`.
    action: String,
    reason: String,
    /// `yes` once a withdrawal is confirmed.
    confirm: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/advisor_withdraw.html")]
pub struct ConfirmWithdrawPage {
    chrome: Chrome,
    id: String,
    name: String,
    errors: FieldErrors,
    reason: String,
    /// Part 4 (advisor oversight): certificates the withdrawal flags for review.
    to_flag: usize,
}

impl ConfirmWithdrawPage {
    /// Part 4 (advisor oversight).
    fn forecast(&self) -> String {
        crate::web::oversight::forecast_words(None, self.to_flag)
    }
}

pub async fn status(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    path: web::Path<String>,
    form: Form<StatusForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let id = path.into_inner();
    let request = AccreditationChangeRequest {
        reason: Some(form.reason.clone()),
    };
    let confirming = |chrome, record: AdvisorRecord, errors| ConfirmWithdrawPage {
        chrome,
        id: id.clone(),
        name: record.advisor.name,
        errors,
        reason: form.reason.clone(),
        to_flag: record.flag_forecast.on_withdraw,
    };
    let (result, done) = match form.action.as_str() {
        "suspend" => (
            advisors::suspend(&state, &caller, &id, request).await,
            "accreditation_suspended",
        ),
        "reinstate" => (
            advisors::reinstate(&state, &caller, &id, request).await,
            "accreditation_reinstated",
        ),
        "withdraw" if form.confirm != "yes" => {
            // Final: ask first, with the reason kept and still editable.
            let record = advisors::record(&state, &caller, &id).await?;
            let page = confirming(chrome, record, FieldErrors::none());
            return Ok(html(StatusCode::OK, render(&page)?));
        }
        "withdraw" => (
            advisors::withdraw(&state, &caller, &id, request).await,
            "accreditation_withdrawn",
        ),
        _ => {
            return Err(crate::service::ServiceError::malformed_field(
                "action",
                "must be suspend, reinstate or withdraw",
            )
            .into());
        }
    };
    match result {
        Ok(_) => Ok(see_other(format!("/admin/advisors/{id}?done={done}"))),
        Err(e) if shown_on_form(&e) => {
            let record = advisors::record(&state, &caller, &id).await?;
            let body = if form.action == "withdraw" {
                render(&confirming(chrome, record, FieldErrors::of(&e)))?
            } else {
                let mut page = AdvisorPage::new(chrome, record);
                page.status_errors = FieldErrors::of(&e);
                page.status_reason = form.reason.clone();
                render(&page)?
            };
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, body))
        }
        Err(e) => Err(e.into()),
    }
}
