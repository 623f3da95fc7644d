//! `/operator`: the organisation's premises, open applications and certificates.

use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use actix_web::http::StatusCode;

use super::{ApplicationRow, CertificateRow, kind_word, see_other};
use crate::auth::Role;
use crate::certificates::document::tier_label;
use crate::domain::scoring::Outcome;
use crate::domain::status::VerifiedStatus;
use crate::service::applications::self_assessment::{self, ListQuery};
use crate::service::certificates::search::{self, SearchQuery};
use crate::service::page::PageQuery;
use crate::service::{certificates, premises};
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::layout::{Chrome, home_of};
use crate::web::session::SignedIn;

pub struct PremisesRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub tier: &'static str,
    pub place: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/dashboard.html")]
pub struct DashboardPage {
    chrome: Chrome,
    premises: Vec<PremisesRow>,
    open: Vec<ApplicationRow>,
    certificates: Vec<CertificateRow>,
    refused: Vec<RefusedRow>,
    /// Part 4 (advisor oversight): reassessments ordered.
    oversight: Vec<crate::web::oversight::ReassessmentRow>,
}

/// Premises whose latest assessment refused certification, with nothing open.
pub struct RefusedRow {
    application_id: String,
    premises_id: String,
    premises_name: String,
    on: String,
}

fn all() -> Option<String> {
    Some("200".to_string())
}

pub async fn dashboard(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
) -> Result<HttpResponse, PageError> {
    // Other roles have pages of their own.
    if caller.role != Role::Operator {
        return Ok(see_other(home_of(caller.role).to_string()));
    }
    let listed = premises::list(
        &state,
        &caller,
        &PageQuery {
            limit: all(),
            offset: None,
        },
    )
    .await?;
    let applications = self_assessment::list(
        &state,
        &caller,
        &ListQuery {
            limit: all(),
            ..ListQuery::default()
        },
    )
    .await?;
    let found = search::search(
        &state,
        &caller,
        &SearchQuery {
            limit: all(),
            ..SearchQuery::default()
        },
    )
    .await?
    .certificates;
    let open: Vec<_> = applications.iter().filter(|a| a.status.is_open()).collect();
    let open_for = |premises_id: &str| {
        open.iter()
            .find(|a| a.premises.id == premises_id)
            .map(|a| a.id.as_str())
    };
    let certificates = found
        .iter()
        .filter(|c| c.status != VerifiedStatus::Superseded)
        .map(|c| CertificateRow::new(&chrome, c, open_for(&c.premises_id)))
        .collect();
    // A refusal matters until the premises are certified or assessed again.
    let certified = |premises_id: &str| {
        found.iter().any(|c| {
            c.premises_id == premises_id
                && matches!(c.status, VerifiedStatus::Valid | VerifiedStatus::Suspended)
        })
    };
    let mut refused: Vec<RefusedRow> = Vec::new();
    for a in &applications {
        let newest = applications
            .iter()
            .filter(|b| b.premises.id == a.premises.id)
            .max_by_key(|b| b.created_at)
            .is_some_and(|b| b.id == a.id);
        if newest && a.outcome == Some(Outcome::Refused) && !certified(&a.premises.id) {
            refused.push(RefusedRow {
                application_id: a.id.clone(),
                premises_id: a.premises.id.clone(),
                premises_name: a.premises.name.clone(),
                on: chrome.maybe_date(&a.completed_at),
            });
        }
    }
    let page = DashboardPage {
        oversight: crate::web::oversight::reassessments(&found),
        refused,
        premises: listed
            .iter()
            .map(|p| PremisesRow {
                id: p.id.clone(),
                name: p.name.clone(),
                kind: kind_word(p.kind),
                tier: tier_label(p.tier),
                place: format!("{}, {}", p.town, p.postcode),
            })
            .collect(),
        open: open
            .iter()
            .map(|a| ApplicationRow::new(&chrome, a))
            .collect(),
        certificates,
        chrome,
    };
    Ok(html(StatusCode::OK, render(&page)?))
}

/// The signed PDF of a certificate, as issued.
pub async fn certificate_pdf(
    state: web::Data<AppState>,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let file = certificates::pdf(&state, &caller, &path).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}.pdf\"", file.number),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.pdf))
}
