//! The operator's pages (a venue or event manager): the dashboard, premises,
//! the self-assessment with its evidence, submitting and withdrawing, certificate
//! PDFs, renewals and the organisation's team. Each handler calls one use case of
//! `service` (the same the JSON API calls) and renders its answer.
//!
//! - `dashboard`: `/operator`
//! - `premises`: register, edit and read premises; apply; start a renewal
//! - `applications`: the self-assessment section by section, evidence, submit, withdraw
//! - `team`: the organisation's operators, and adding a colleague
//! - `multipart`: reading a form with files

mod applications;
mod dashboard;
pub(crate) mod multipart;
mod premises;
mod team;
// Issue 11 part 5: fire safety on file.
mod fire_safety;
// issue 11 part 2: appeals
mod appeal;

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};

use super::layout::Chrome;
use crate::certificates::document::tier_label;
use crate::domain::application::ApplicationStatus;
use crate::domain::clock;
use crate::domain::scoring::Outcome;
use crate::domain::status::VerifiedStatus;
use crate::domain::tier::PremisesKind;
use crate::service::applications::views::ApplicationView;
use crate::service::certificates::CertificateView;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/operator").route(get().to(dashboard::dashboard)))
        .service(
            resource("/operator/premises/new")
                .route(get().to(premises::new_form))
                .route(post().to(premises::register)),
        )
        .service(resource("/operator/premises/{id}").route(get().to(premises::show)))
        .service(
            resource("/operator/premises/{id}/edit")
                .route(get().to(premises::edit_form))
                .route(post().to(premises::update)),
        )
        .service(resource("/operator/premises/{id}/apply").route(post().to(premises::apply)))
        .service(resource("/operator/premises/{id}/renew").route(post().to(premises::renew)))
        .service(resource("/operator/applications/{id}").route(get().to(applications::overview)))
        .service(
            resource("/operator/applications/{id}/sections/{section}")
                .route(get().to(applications::section))
                .route(post().to(applications::save_section)),
        )
        .service(
            resource("/operator/applications/{id}/evidence")
                .route(post().to(applications::attach_general)),
        )
        .service(
            resource("/operator/applications/{id}/evidence/{evidence_id}")
                .route(get().to(applications::download_evidence)),
        )
        .service(
            resource("/operator/applications/{id}/submit")
                .route(get().to(applications::submit_check))
                .route(post().to(applications::submit)),
        )
        .service(
            resource("/operator/applications/{id}/withdraw")
                .route(get().to(applications::withdraw_confirm))
                .route(post().to(applications::withdraw)),
        )
        .service(
            resource("/operator/certificates/{number}/pdf")
                .route(get().to(dashboard::certificate_pdf)),
        )
        .service(
            resource("/operator/team")
                .route(get().to(team::team))
                .route(post().to(team::invite)),
        )
        // Issue 11 part 5: fire safety on file.
        .service(
            resource("/operator/premises/{id}/fire-safety").route(post().to(fire_safety::record)),
        )
        .service(
            resource("/operator/premises/{id}/fire-safety/evidence")
                .route(post().to(fire_safety::attach)),
        )
        .service(
            resource("/operator/premises/{id}/fire-safety/evidence/{evidence_id}")
                .route(get().to(fire_safety::download)),
        )
        // issue 11 part 2: appeals
        .service(resource("/operator/applications/{id}/appeal").route(post().to(appeal::lodge)))
        .service(resource("/operator/applications/{id}/reply").route(post().to(appeal::reply)))
        .service(
            resource("/operator/appeals/{id}/evidence/{evidence_id}")
                .route(get().to(appeal::evidence_file)),
        );
}

/// 303 to `to` (after a POST).
pub(crate) fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

/// A status in words, with the colour of its badge (`ok`, `warn`, `bad`, `info`,
/// or "" for grey).
#[derive(Debug, Clone)]
pub struct Badge {
    pub tone: &'static str,
    pub text: &'static str,
}

pub fn application_badge(status: ApplicationStatus) -> Badge {
    let (tone, text) = match status {
        ApplicationStatus::Draft => ("info", "Draft: not submitted yet"),
        ApplicationStatus::Submitted => ("info", "Submitted: waiting for an advisor"),
        ApplicationStatus::InReview => ("info", "Being assessed by an advisor"),
        ApplicationStatus::Completed => ("ok", "Assessment complete"),
        ApplicationStatus::Withdrawn => ("", "Withdrawn"),
        ApplicationStatus::AwaitingSignOff => ("info", "Assessed: awaiting sign-off"),
    };
    Badge { tone, text }
}

pub fn certificate_badge(status: VerifiedStatus) -> Badge {
    let (tone, text) = match status {
        VerifiedStatus::Valid => ("ok", "Valid"),
        VerifiedStatus::Expired => ("warn", "Expired"),
        VerifiedStatus::Suspended => ("warn", "Suspended"),
        VerifiedStatus::Revoked => ("bad", "Revoked"),
        VerifiedStatus::Superseded => ("", "Replaced by a renewal"),
    };
    Badge { tone, text }
}

pub fn outcome_words(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Certified => "Certified",
        Outcome::CertifiedWithConditions => "Certified with conditions",
        Outcome::Refused => "Not certified",
    }
}

pub fn kind_word(kind: PremisesKind) -> &'static str {
    match kind {
        PremisesKind::Building => "Building",
        PremisesKind::Event => "Event",
    }
}

/// An application as a row of a table.
pub struct ApplicationRow {
    pub id: String,
    pub premises_id: String,
    pub premises_name: String,
    pub badge: Badge,
    pub progress: String,
    pub started: String,
    pub outcome: String,
    pub open: bool,
    pub draft: bool,
}

impl ApplicationRow {
    pub fn new(chrome: &Chrome, a: &ApplicationView) -> ApplicationRow {
        ApplicationRow {
            id: a.id.clone(),
            premises_id: a.premises.id.clone(),
            premises_name: a.premises.name.clone(),
            badge: application_badge(a.status),
            progress: format!(
                "{} of {} items answered",
                a.progress.answered, a.progress.items
            ),
            started: chrome.date(&a.created_at),
            outcome: a.outcome.map(outcome_words).unwrap_or_default().to_string(),
            open: a.status.is_open(),
            draft: a.status == ApplicationStatus::Draft,
        }
    }
}

pub struct ConditionRow {
    pub item_id: String,
    pub text: String,
    pub due: String,
    pub overdue: bool,
    // Part 1 of issue 11: a certificate's condition has a state and a page.
    pub closure: Option<ConditionClosure>,
}

/// A certificate's condition tracked to closure: its state badge and its page.
pub struct ConditionClosure {
    pub tone: &'static str,
    pub state: &'static str,
    pub href: String,
}

/// A certificate as a row: its status and validity in words, its conditions, and
/// whether a renewal can start from it.
pub struct CertificateRow {
    pub number: String,
    pub premises_id: String,
    pub premises_name: String,
    pub kind: &'static str,
    pub tier: &'static str,
    pub badge: Badge,
    pub validity: String,
    pub reason: String,
    pub conditions: Vec<ConditionRow>,
    /// A building's current certificate with no application open: "Start the renewal".
    pub renewable: bool,
    /// The open application of the premises, if any (a renewal under way).
    pub open_application: Option<String>,
    pub pdf_href: String,
    // Issue 13 part 9 (validity): what it lapses on, and a lapse recorded.
    pub lapse_terms: String,
    pub lapsed: String,
}

/// A certificate this close to its expiry is shown as due for renewal.
const RENEW_SOON_DAYS: i64 = 30;

impl CertificateRow {
    pub fn new(
        chrome: &Chrome,
        c: &CertificateView,
        open_application: Option<&str>,
    ) -> CertificateRow {
        let now = time::OffsetDateTime::now_utc();
        let event = c.kind == PremisesKind::Event;
        let validity = match (c.status, event) {
            (VerifiedStatus::Valid, false) => {
                let days = clock::days_until(c.expires_at, now);
                let left = match days {
                    0 => "expires today".to_string(),
                    1 => "1 day left".to_string(),
                    n => format!("{n} days left"),
                };
                format!("Valid until {} ({left})", chrome.date(&c.expires_at))
            }
            (VerifiedStatus::Valid, true) => format!(
                "Valid until the event ends, {}",
                chrome.date_time(&c.expires_at)
            ),
            (VerifiedStatus::Expired, false) => {
                format!("Expired on {}", chrome.date(&c.expires_at))
            }
            (VerifiedStatus::Expired, true) => format!(
                "The event is over: it ended {}",
                chrome.date_time(&c.expires_at)
            ),
            (VerifiedStatus::Superseded, _) => match &c.superseded_by {
                Some(by) => format!("Replaced by certificate {by}"),
                None => "Replaced by a renewal".to_string(),
            },
            (VerifiedStatus::Suspended | VerifiedStatus::Revoked, _) => {
                format!("Would have run until {}", chrome.date(&c.expires_at))
            }
        };
        let live = matches!(c.status, VerifiedStatus::Valid | VerifiedStatus::Suspended);
        // A building's certificate in its last month: time to renew, said in words.
        let badge = if c.status == VerifiedStatus::Valid
            && !event
            && clock::days_until(c.expires_at, now) <= RENEW_SOON_DAYS
        {
            Badge {
                tone: "warn",
                text: "Valid: renew soon",
            }
        } else {
            certificate_badge(c.status)
        };
        CertificateRow {
            number: c.number.clone(),
            premises_id: c.premises_id.clone(),
            premises_name: c.premises_name.clone(),
            kind: kind_word(c.kind),
            tier: tier_label(c.tier),
            badge,
            validity,
            reason: match c.status {
                VerifiedStatus::Suspended | VerifiedStatus::Revoked => {
                    c.status_reason.clone().unwrap_or_default()
                }
                _ => String::new(),
            },
            conditions: if live {
                c.conditions
                    .iter()
                    .map(|d| {
                        let (tone, state) = crate::web::conditions::state_badge(d.state);
                        ConditionRow {
                            item_id: d.item_id.clone(),
                            text: d.text.clone(),
                            due: chrome.date(&d.due_at),
                            overdue: d.due_at < now && d.state.awaits_evidence(),
                            closure: Some(ConditionClosure {
                                tone,
                                state,
                                href: crate::web::conditions::operator_href(&c.number, &d.id),
                            }),
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            },
            renewable: !event
                && open_application.is_none()
                && matches!(c.status, VerifiedStatus::Valid | VerifiedStatus::Expired),
            open_application: open_application.map(str::to_string),
            pdf_href: format!("/operator/certificates/{}/pdf", c.number),
            lapse_terms: if live {
                c.lapse_terms.clone().unwrap_or_default()
            } else {
                String::new()
            },
            lapsed: c
                .lapse_recorded
                .as_ref()
                .map(|r| {
                    let date = time::OffsetDateTime::parse(
                        &r.at,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .map(|t| chrome.date(&t))
                    .unwrap_or_else(|_| r.at.clone());
                    r.sentence(&date)
                })
                .unwrap_or_default(),
        }
    }
}
