//! The police pages, for a phone at a gate: search the register by postcode,
//! district, name or number (`/police`, a page at a time, newest first), and a certificate's full record with its status
//! history (`/police/certificates/{number}`, which admins and the owning operator
//! may read too). Checking a number alone is the public `/verify` page.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::account::{html, render};
use super::error::PageError;
use super::form::{FieldErrors, shown_on_form};
use super::layout::Chrome;
use super::session::SignedIn;
use crate::certificates::document::tier_label;
use crate::domain::scoring::Outcome;
use crate::domain::status::VerifiedStatus;
use crate::domain::tier::PremisesKind;
use crate::service::certificates::search::{self, SearchQuery};
use crate::service::certificates::{self, CertificateView, HistoryEvent};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, resource};
    cfg.service(resource("/police").route(get().to(search_page)))
        .service(resource("/police/certificates/{number}").route(get().to(record_page)));
}

/// Results on one page of the search.
const PAGE_SIZE: i64 = 20;

fn kind_label(kind: PremisesKind) -> &'static str {
    match kind {
        PremisesKind::Building => "Building",
        PremisesKind::Event => "Event",
    }
}

/// The status in words, with its badge tone.
fn status_label(status: VerifiedStatus) -> (&'static str, &'static str) {
    match status {
        VerifiedStatus::Valid => ("Valid", "ok"),
        VerifiedStatus::Expired => ("Expired", "warn"),
        VerifiedStatus::Suspended => ("Suspended", "warn"),
        VerifiedStatus::Revoked => ("Revoked", "bad"),
        VerifiedStatus::Superseded => ("Superseded", "grey"),
    }
}

fn expiry_label(status: VerifiedStatus, kind: PremisesKind) -> &'static str {
    match (status, kind) {
        (VerifiedStatus::Expired, _) => "Expired",
        (VerifiedStatus::Valid, PremisesKind::Event) => "Valid until (event ends)",
        (VerifiedStatus::Valid, PremisesKind::Building) => "Valid until",
        _ => "Expiry date",
    }
}

pub struct ResultCard {
    number: String,
    href: String,
    status: (&'static str, &'static str),
    premises: String,
    town: String,
    postcode: String,
    kind: &'static str,
    tier: &'static str,
    expiry_label: &'static str,
    expires: String,
}

fn card(chrome: &Chrome, c: &CertificateView) -> ResultCard {
    ResultCard {
        href: format!("/police/certificates/{}", c.number),
        number: c.number.clone(),
        status: status_label(c.status),
        premises: c.premises_name.clone(),
        town: c.town.clone(),
        postcode: c.postcode.clone(),
        kind: kind_label(c.kind),
        tier: tier_label(c.tier),
        expiry_label: expiry_label(c.status, c.kind),
        expires: chrome.date(&c.expires_at),
    }
}

#[derive(Deserialize, Default)]
pub struct SearchForm {
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    q: String,
    // Issue 12 part C: the district, and keyset paging.
    #[serde(default)]
    district: String,
    #[serde(default)]
    after: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "police/search.html")]
pub struct SearchPage {
    chrome: Chrome,
    errors: FieldErrors,
    postcode: String,
    q: String,
    searched: bool,
    results: Vec<ResultCard>,
    /// Issue 12 part C: the district typed, and whether this is a later page.
    district: String,
    later_page: bool,
    first: Option<String>,
    next: Option<String>,
}

pub async fn search_page(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    form: web::Query<SearchForm>,
) -> Result<actix_web::HttpResponse, PageError> {
    let form = form.into_inner();
    let searched = [&form.postcode, &form.q, &form.district]
        .iter()
        .any(|v| !v.trim().is_empty());
    let query = SearchQuery {
        postcode: Some(form.postcode.clone()),
        q: Some(form.q.clone()),
        limit: Some(PAGE_SIZE.to_string()),
        district: Some(form.district.clone()),
        after: Some(form.after.clone()),
        ..SearchQuery::default()
    };
    let later_page = searched && !form.after.trim().is_empty();
    let mut out = SearchPage {
        chrome,
        errors: FieldErrors::none(),
        postcode: form.postcode.clone(),
        q: form.q.clone(),
        searched,
        results: Vec::new(),
        district: form.district.clone(),
        later_page,
        first: later_page.then(|| format!("/police?{}", search::next_page(&query, None))),
        next: None,
    };
    // Nothing typed yet: the form alone (the register is not a list to browse),
    // though the role is still checked by the same search.
    let query = if searched {
        query
    } else {
        SearchQuery {
            limit: Some("1".to_string()),
            ..SearchQuery::default()
        }
    };
    match search::search(&state, &caller, &query).await {
        Ok(found) if searched => {
            out.next = found
                .next
                .as_deref()
                .map(|after| format!("/police?{}", search::next_page(&query, Some(after))));
            out.results = found
                .certificates
                .iter()
                .map(|c| card(&out.chrome, c))
                .collect();
            Ok(html(StatusCode::OK, render(&out)?))
        }
        Ok(_) => Ok(html(StatusCode::OK, render(&out)?)),
        Err(e) if shown_on_form(&e) => {
            out.errors = FieldErrors::of(&e);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, render(&out)?))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct HistoryRow {
    at: String,
    event: String,
    reason: String,
    superseded_by: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "police/record.html")]
pub struct RecordPage {
    chrome: Chrome,
    c: CertificateView,
    status: (&'static str, &'static str),
    headline: &'static str,
    explanation: &'static str,
    tone: &'static str,
    kind: &'static str,
    tier: &'static str,
    outcome: &'static str,
    issued: String,
    expiry_label: &'static str,
    expires: String,
    history: Vec<HistoryRow>,
    // Part 3: who signed off the assessment before issue.
    sign_off: Option<String>,
    // Part 1 of issue 11: every condition's state and history.
    condition_panels: Vec<super::conditions::ConditionPanel>,
    /// Part 4 (advisor oversight).
    oversight: super::oversight::RecordBlock,
    // Issue 11 part 5: fire safety on file.
    fire_safety: FireSafetyLines,
}

fn verdict(status: VerifiedStatus) -> (&'static str, &'static str, &'static str) {
    match status {
        VerifiedStatus::Valid => (
            "ok",
            "VALID",
            "This certificate is current in the scheme's register.",
        ),
        VerifiedStatus::Expired => (
            "warn",
            "EXPIRED",
            "This certificate has lapsed and no longer gives assurance.",
        ),
        VerifiedStatus::Suspended => (
            "warn",
            "SUSPENDED",
            "The scheme has suspended this certificate. Do not rely on it.",
        ),
        VerifiedStatus::Revoked => (
            "bad",
            "REVOKED",
            "The scheme has revoked this certificate. Do not rely on it.",
        ),
        VerifiedStatus::Superseded => (
            "grey",
            "SUPERSEDED",
            "A newer certificate replaces this one.",
        ),
    }
}

fn event_label(event: HistoryEvent, outcome: Option<Outcome>, action: &str) -> String {
    match event {
        HistoryEvent::Issued => match outcome {
            Some(Outcome::CertifiedWithConditions) => "Issued, certified with conditions".into(),
            Some(Outcome::Certified) => "Issued, certified".into(),
            _ => "Issued".into(),
        },
        HistoryEvent::Suspended => "Suspended".into(),
        HistoryEvent::Reinstated => "Reinstated".into(),
        HistoryEvent::Revoked => "Revoked".into(),
        HistoryEvent::Superseded => "Superseded".into(),
        // Part 4 (advisor oversight).
        HistoryEvent::Other if action == "certificate.flagged_for_review" => {
            "Flagged for review: the advisor's accreditation changed".into()
        }
        HistoryEvent::Other if action == "review.confirmed" => "Reviewed: confirmed".into(),
        HistoryEvent::Other if action == "review.reassessment_ordered" => {
            "Reviewed: reassessment ordered".into()
        }
        HistoryEvent::Other => action.to_string(),
    }
}

pub async fn record_page(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<RecordPage, PageError> {
    let found = certificates::history(&state, &caller, &path).await?;
    let c = found.certificate;
    let (tone, headline, explanation) = verdict(c.status);
    let history = found
        .history
        .iter()
        .map(|h| HistoryRow {
            at: chrome.date_time(&h.at),
            event: event_label(h.event, h.outcome, &h.action),
            reason: h.reason.clone().unwrap_or_default(),
            superseded_by: h.superseded_by.clone(),
        })
        .collect();
    Ok(RecordPage {
        sign_off: super::sign_off::signed_off_line(&chrome, c.signed_off_by.as_ref()),
        oversight: super::oversight::RecordBlock::new(&chrome, &c),
        status: status_label(c.status),
        tone,
        headline,
        explanation,
        kind: kind_label(c.kind),
        tier: tier_label(c.tier),
        outcome: match c.outcome {
            Outcome::Certified => "Certified",
            Outcome::CertifiedWithConditions => "Certified with conditions",
            Outcome::Refused => "Refused",
        },
        issued: chrome.date(&c.issued_at),
        expiry_label: expiry_label(c.status, c.kind),
        expires: chrome.date(&c.expires_at),
        history,
        condition_panels: super::conditions::ConditionPanel::all(&chrome, &c),
        fire_safety: FireSafetyLines::of(&c.fire_safety),
        chrome,
        c,
    })
}

// Issue 11 part 5: fire safety on file.
/// What the record says of fire safety: what the operator recorded, as on file when
/// the record is read, never a judgement of the scheme's.
pub struct FireSafetyLines {
    pub tone: &'static str,
    pub badge: &'static str,
    pub summary: &'static str,
    pub facts: Vec<(&'static str, String)>,
}

impl FireSafetyLines {
    fn of(f: &crate::service::fire_safety::FireSafetyOnFile) -> FireSafetyLines {
        use crate::domain::clock::day;
        let (tone, badge, summary) = match f.standing {
            "current" => (
                "ok",
                "On file",
                "A fire risk assessment is on file; its review date has not passed.",
            ),
            "review_passed" => (
                "bad",
                "Review date passed",
                "A fire risk assessment is on file, but its review date has passed.",
            ),
            _ => (
                "warn",
                "None on file",
                "No fire risk assessment is on file for these premises.",
            ),
        };
        let mut facts = Vec::new();
        if let Some(a) = &f.assessor {
            facts.push(("Assessed by", a.clone()));
        }
        if let Some(d) = f.assessed_on {
            facts.push(("Assessed on", day(d)));
        }
        if let Some(d) = f.next_review_on {
            facts.push(("Next review by", day(d)));
        }
        if f.standing != "none_on_file" {
            facts.push((
                "Fire safety certificate",
                match (
                    &f.certificate_reference,
                    f.certificate_expires_on,
                    f.certificate_expired,
                ) {
                    (Some(r), Some(d), Some(true)) => format!("{r}, expired {}", day(d)),
                    (Some(r), Some(d), _) => format!("{r}, expires {}", day(d)),
                    (Some(r), None, _) => r.clone(),
                    _ => "None on file".to_string(),
                },
            ));
            facts.push((
                "Files attached",
                match f.evidence_files {
                    0 => "None".to_string(),
                    1 => "1 file".to_string(),
                    n => format!("{n} files"),
                },
            ));
        }
        if let Some(t) = f.recorded_at {
            facts.push(("Recorded", crate::domain::clock::day(t.date())));
        }
        FireSafetyLines {
            tone,
            badge,
            summary,
            facts,
        }
    }
}
