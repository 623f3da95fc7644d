//! The public verification pages: `/verify?number=` and the QR code's `/v/{token}`.
//! Status first, in words and colour, readable on a phone at a gate; never findings.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::error::PageError;
use super::layout::Chrome;
use crate::certificates::document::tier_label;
use crate::domain::status::VerifiedStatus;
use crate::domain::tier::PremisesKind;
use crate::service::certificates::PublicVerification;
use crate::service::certificates::verify::{self, NumberCheck, TokenCheck};
use crate::state::AppState;
use crate::token_path::TokenInPath;

#[derive(Template, WebTemplate)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    chrome: Chrome,
    tone: &'static str,
    headline: &'static str,
    explanation: &'static str,
    cert: Option<PublicVerification>,
    kind_label: &'static str,
    tier_label: &'static str,
    issued: String,
    expires: String,
    expiry_label: &'static str,
    typed: String,
}

impl VerifyPage {
    fn new(
        chrome: Chrome,
        tone: &'static str,
        headline: &'static str,
        explanation: &'static str,
    ) -> VerifyPage {
        VerifyPage {
            chrome,
            tone,
            headline,
            explanation,
            cert: None,
            kind_label: "",
            tier_label: "",
            issued: String::new(),
            expires: String::new(),
            expiry_label: "",
            typed: String::new(),
        }
    }

    fn for_certificate(chrome: Chrome, cert: PublicVerification) -> VerifyPage {
        let (tone, headline, explanation) = match cert.status {
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
                "A newer certificate replaces this one: ask to see the current certificate.",
            ),
        };
        let issued = chrome.date(&cert.issued_at);
        let expires = chrome.date(&cert.expires_at);
        let mut page = VerifyPage::new(chrome, tone, headline, explanation);
        page.kind_label = match cert.kind {
            PremisesKind::Building => "Building",
            PremisesKind::Event => "Event",
        };
        page.tier_label = tier_label(cert.tier);
        page.issued = issued;
        page.expires = expires;
        page.expiry_label = match cert.status {
            VerifiedStatus::Valid => "Valid until",
            VerifiedStatus::Expired => "Expired",
            _ => "Expiry date",
        };
        page.typed = cert.number.clone();
        page.cert = Some(cert);
        page
    }
}

pub async fn by_token(
    token: TokenInPath,
    state: web::Data<AppState>,
    chrome: Chrome,
) -> Result<VerifyPage, PageError> {
    Ok(match verify::check_qr_token(&state, &token).await? {
        TokenCheck::Genuine(checked) => VerifyPage::for_certificate(chrome, checked.certificate),
        TokenCheck::NotGenuine(_) => VerifyPage::new(
            chrome,
            "bad",
            "NOT GENUINE",
            "This code was not issued by the scheme, or it has been altered. Do not rely on the certificate.",
        ),
        TokenCheck::UnknownCertificate => VerifyPage::new(
            chrome,
            "bad",
            "NOT FOUND",
            "The code is genuine but the register has no such certificate. Contact the scheme.",
        ),
    })
}

#[derive(Deserialize)]
pub struct NumberQuery {
    number: Option<String>,
}

pub async fn by_number(
    state: web::Data<AppState>,
    chrome: Chrome,
    query: web::Query<NumberQuery>,
) -> Result<VerifyPage, PageError> {
    let typed = query
        .into_inner()
        .number
        .unwrap_or_default()
        .trim()
        .to_string();
    if typed.is_empty() {
        return Ok(VerifyPage::new(
            chrome,
            "info",
            "CHECK A CERTIFICATE",
            "Enter the number printed on the certificate, or scan its QR code.",
        ));
    }
    let page = match verify::check_number(&state, &typed).await? {
        NumberCheck::Found(cert) => VerifyPage::for_certificate(chrome, cert),
        NumberCheck::Mistyped(_) => VerifyPage::new(
            chrome,
            "info",
            "CHECK THE NUMBER",
            "That is not a valid certificate number: it may be mistyped. Numbers look like PSC-2026-K7QMT-94HRX-T; the last character is a check character.",
        ),
        NumberCheck::NotFound => VerifyPage::new(
            chrome,
            "bad",
            "NOT FOUND",
            "The register has no certificate with this number. Do not rely on it.",
        ),
    };
    let page = VerifyPage {
        typed: if page.cert.is_some() {
            page.typed
        } else {
            typed
        },
        ..page
    };
    Ok(page)
}
