//! What every page shares: the scheme's name, who is signed in (for the
//! navigation), this browser's CSRF token, the current path, and a notice after
//! a completed action (`?done=<code>`, from a fixed list: nothing typed is echoed).

use std::future::ready;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::error::PageError;
use super::session::{CsrfToken, MaybeSignedIn};
use crate::auth::{Caller, Role};
use crate::domain::clock;
use crate::service::ServiceError;
use crate::state::AppState;

pub struct Chrome {
    pub scheme_name: String,
    pub caller: Option<Caller>,
    pub csrf: CsrfToken,
    pub here: String,
    pub notice: Option<&'static str>,
    tz: jiff::tz::TimeZone,
}

/// One link of the navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

impl Chrome {
    /// The links for the signed-in role (or for visitors).
    pub fn nav(&self) -> Vec<NavLink> {
        let l = |href, label| NavLink { href, label };
        match self.caller.as_ref().map(|c| c.role) {
            None => vec![
                l("/verify", "Check a certificate"),
                l("/login", "Log in"),
                l("/signup", "Sign up"),
            ],
            Some(Role::Operator) => vec![
                l("/operator", "Dashboard"),
                l("/operator/premises/new", "Register premises"),
                l("/operator/team", "Team"),
            ],
            Some(Role::Advisor) => vec![
                l("/advisor", "Assessments"),
                // Part 3: the second sign-off.
                l("/sign-offs", "Sign-off"),
                // issue 11 part 2: appeals
                l("/advisor/appeals", "Appeals"),
            ],
            Some(Role::Police) => vec![
                l("/police", "Search the register"),
                l("/verify", "Check a certificate"),
            ],
            Some(Role::Admin) => vec![
                l("/admin", "Overview"),
                l("/admin/advisors", "Advisors"),
                l("/admin/users", "Accounts"),
                l("/admin/certificates", "Certificates"),
                l("/admin/audit", "Audit log"),
                l("/admin/outbox", "Outbox"),
                // Part 3: the second sign-off.
                l("/sign-offs", "Sign-off"),
                // Part 4 (advisor oversight).
                l("/admin/reviews", "Reviews"),
                // issue 11 part 2: appeals
                l("/admin/appeals", "Appeals"),
            ],
        }
    }

    pub fn is_current(&self, href: &str) -> bool {
        self.here == href
    }

    pub fn signed_in(&self) -> bool {
        self.caller.is_some()
    }

    pub fn role_label(&self) -> &'static str {
        match self.caller.as_ref().map(|c| c.role) {
            Some(Role::Operator) => "Venue operator",
            Some(Role::Advisor) => "Security advisor",
            Some(Role::Police) => "Police",
            Some(Role::Admin) => "Scheme admin",
            None => "",
        }
    }

    /// "1 December 2026", in the scheme's time zone.
    pub fn date(&self, t: &time::OffsetDateTime) -> String {
        clock::long_date(*t, &self.tz)
    }

    /// "10 July 2027, 18:00 BST".
    pub fn date_time(&self, t: &time::OffsetDateTime) -> String {
        clock::date_time(*t, &self.tz)
    }

    /// The same, for optional times ("" when absent).
    pub fn maybe_date(&self, t: &Option<time::OffsetDateTime>) -> String {
        t.map(|t| self.date(&t)).unwrap_or_default()
    }
}

/// Where each role starts after logging in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Operator => "/operator",
        Role::Advisor => "/advisor",
        Role::Police => "/police",
        Role::Admin => "/admin",
    }
}

/// The notice for `?done=<code>` after an action.
fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "signed_up" => {
            "Thank you. If the address is new to us, your organisation is registered: log in with the password you chose. If it already has an account, nothing was changed and we have emailed the address to say so."
        }
        "logged_out" => "You are logged out.",
        "premises_saved" => "The premises are saved.",
        // Issue 13 part 9 (validity).
        "premises_saved_certificate_lapses" => {
            "The premises are saved. The change lapses the current certificate (see below): its terms say it lapses on a change of responsible person, tier, layout or use. Apply for a new assessment."
        }
        "answers_saved" => "Your answers are saved.",
        "evidence_added" => "The evidence is attached.",
        "section_saved" => "Your answers are saved and the files are attached.",
        "nothing_changed" => "Nothing had changed since the last save.",
        "applied" => "The application is started. Answer each section, then submit it.",
        "renewal_started" => {
            "The renewal is started with your last answers filled in. Check each section, attach current evidence and submit."
        }
        "submitted" => {
            "The application is submitted. An accredited advisor will claim it from the queue."
        }
        "withdrawn" => "The application is withdrawn.",
        "invited" => {
            "Your colleague has an account, and an email with a link to choose their password."
        }
        "claimed" => "The application is yours to assess.",
        "scores_saved" => "The scores are saved.",
        "completed" => "The assessment is complete.",
        "advisor_saved" => "The advisor's accreditation is saved.",
        "accreditation_renewed" => "The accreditation is renewed.",
        "accreditation_suspended" => {
            "The accreditation is suspended: the advisor can claim nothing until it is reinstated."
        }
        "accreditation_reinstated" => "The accreditation is reinstated.",
        "accreditation_withdrawn" => "The accreditation is withdrawn, for good.",
        "account_created" => "The account is created.",
        "status_changed" => "The certificate's status is changed. Every verifier sees it now.",
        "reset_sent" => {
            "If an account has that email address, a link to set a new password is on its way."
        }
        "password_changed" => "Your password is changed. Log in with the new one.",
        // Part 3: the second sign-off.
        "awaiting_sign_off" => {
            "The assessment is complete and awaits sign-off by a second reviewer: nothing is issued until then."
        }
        "signed_off" => "The assessment is signed off: the decision is final.",
        "returned" => "The assessment is returned to its assessor with your note.",
        // Part 4 (advisor oversight).
        "review_confirmed" => {
            "The certificate is confirmed. Its record shows the review and your note."
        }
        "reassessment_ordered" => {
            "A reassessment is ordered. The operator is emailed what to do and by when."
        }
        // Issue 11 part 5: fire safety on file.
        "fire_safety_recorded" => "The fire risk assessment is recorded and on file.",
        "fire_safety_evidence_added" => "The file is attached to the fire risk assessment on file.",
        // issue 11 part 2: appeals
        "appeal_lodged" => {
            "Your appeal is lodged. A second accredited advisor will review the items you named."
        }
        "reply_saved" => "Your statement is saved. Police see it on the certificate's record.",
        "appeal_claimed" => "The appeal is yours to review.",
        "appeal_decided" => "The appeal is decided.",
        _ => return None,
    })
}

impl FromRequest for Chrome {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Chrome, PageError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = match req.app_data::<web::Data<AppState>>() {
            Some(s) => s.clone(),
            None => {
                return Box::pin(ready(Err(ServiceError::internal(anyhow::anyhow!(
                    "app state missing"
                ))
                .into())));
            }
        };
        let caller = MaybeSignedIn::from_request(req, payload);
        let csrf = CsrfToken::from_request(req, payload)
            .into_inner()
            .unwrap_or_else(|_| CsrfToken::of(String::new()));
        let done = form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "done")
            .and_then(|(_, v)| notice(&v));
        let here = req.path().to_string();
        Box::pin(async move {
            let MaybeSignedIn(caller) = caller.await?;
            Ok(Chrome {
                scheme_name: state.settings.scheme_name.clone(),
                caller,
                csrf,
                here,
                notice: done,
                tz: clock::zone(&state.settings.time_zone),
            })
        })
    }
}

impl Chrome {
    /// For pages rendered without a request (error pages): no one signed in.
    pub fn bare(scheme_name: &str) -> Chrome {
        Chrome {
            scheme_name: scheme_name.to_string(),
            caller: None,
            csrf: CsrfToken::of(String::new()),
            here: String::new(),
            notice: None,
            tz: jiff::tz::TimeZone::UTC,
        }
    }
}
