//! The pages a phone opens: `/v/{token}` (a certificate's QR code) and
//! `/verify?number=…` (a typed number). The status comes first, in large words;
//! nothing of the assessment is shown (DOMAIN.md, disclosure).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::error::PageError;
use super::render_page;
use crate::certificates::document::{long_date, tier_label};
use crate::domain::status::VerifiedStatus;
use crate::domain::tier::PremisesKind;
use crate::service::ServiceError;
use crate::service::certificates::{PublicVerification, parse_number, verify};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v/{token}").route(web::get().to(by_token)))
        .service(web::resource("/verify").route(web::get().to(by_number)));
}

/// What the page says.
#[derive(Serialize)]
struct Page {
    scheme_name: String,
    css: &'static str,
    headline: &'static str,
    explanation: String,
    status: &'static str,
    cert: Option<PublicVerification>,
    kind_label: &'static str,
    tier_label: &'static str,
    issued: String,
    expires: String,
    typed: String,
}

impl Page {
    fn new(state: &AppState, css: &'static str, headline: &'static str, explanation: &str) -> Page {
        Page {
            scheme_name: state.settings.scheme_name.clone(),
            css,
            headline,
            explanation: explanation.to_string(),
            status: css,
            cert: None,
            kind_label: "",
            tier_label: "",
            issued: String::new(),
            expires: String::new(),
            typed: String::new(),
        }
    }

    fn for_certificate(state: &AppState, cert: PublicVerification) -> Page {
        let (css, headline, explanation) = match cert.status {
            VerifiedStatus::Valid => (
                "valid",
                "VALID",
                "This certificate is current in the scheme's register.",
            ),
            VerifiedStatus::Expired => (
                "expired",
                "EXPIRED",
                "This certificate has lapsed and no longer gives assurance.",
            ),
            VerifiedStatus::Suspended => (
                "suspended",
                "SUSPENDED",
                "The scheme has suspended this certificate. Do not rely on it.",
            ),
            VerifiedStatus::Revoked => (
                "revoked",
                "REVOKED",
                "The scheme has revoked this certificate. Do not rely on it.",
            ),
            VerifiedStatus::Superseded => (
                "superseded",
                "SUPERSEDED",
                "A newer certificate replaces this one: ask to see the current certificate.",
            ),
        };
        let mut page = Page::new(state, css, headline, explanation);
        page.kind_label = match cert.kind {
            PremisesKind::Building => "Building",
            PremisesKind::Event => "Event",
        };
        page.tier_label = tier_label(cert.tier);
        page.issued = long_date(cert.issued_at);
        page.expires = long_date(cert.expires_at);
        page.typed = cert.number.clone();
        page.cert = Some(cert);
        page
    }
}

fn respond(page: &Page) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(render_page("verify.html", page)?))
}

pub async fn by_token(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let page = match verify::by_token(&state, &token).await {
        Ok(checked) => Page::for_certificate(&state, checked.certificate),
        Err(ServiceError::Malformed { .. }) => Page::new(
            &state,
            "not_genuine",
            "NOT GENUINE",
            "This code was not issued by the scheme, or it has been altered. Do not rely on the certificate.",
        ),
        Err(ServiceError::NotFound(_)) => Page::new(
            &state,
            "not_found",
            "NOT FOUND",
            "The code is genuine but the register has no such certificate. Contact the scheme.",
        ),
        Err(other) => return Err(other.into()),
    };
    respond(&page)
}

#[derive(Deserialize)]
pub struct NumberQuery {
    number: Option<String>,
}

pub async fn by_number(
    state: web::Data<AppState>,
    query: web::Query<NumberQuery>,
) -> Result<HttpResponse, PageError> {
    let typed = query
        .into_inner()
        .number
        .unwrap_or_default()
        .trim()
        .to_string();
    if typed.is_empty() {
        return respond(&Page::new(
            &state,
            "ask",
            "CHECK A CERTIFICATE",
            "Enter the number printed on the certificate, or scan its QR code.",
        ));
    }
    let page = match parse_number(&typed) {
        Err(_) => {
            let mut page = Page::new(
                &state,
                "check_number",
                "CHECK THE NUMBER",
                "That is not a valid certificate number: it may be mistyped. Numbers look like PSC-2026-000123-K; the last letter is a check character.",
            );
            page.typed = typed;
            page
        }
        Ok(number) => match verify::by_number(&state, &number).await {
            Ok(cert) => Page::for_certificate(&state, cert),
            Err(ServiceError::NotFound(_)) => {
                let mut page = Page::new(
                    &state,
                    "not_found",
                    "NOT FOUND",
                    "The register has no certificate with this number. Do not rely on it.",
                );
                page.typed = typed;
                page
            }
            Err(other) => return Err(other.into()),
        },
    };
    respond(&page)
}
