//! Email templates (minijinja), built into the binary: per reminder kind a subject
//! line, a plain-text body and an HTML body. `.html` templates escape their values.

use std::sync::OnceLock;

use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value;

use crate::domain::reminders::ReminderKind;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "certificate_expiry.subject",
    "certificate_expiry.txt",
    "certificate_expiry.html",
    "condition_due.subject",
    "condition_due.txt",
    "condition_due.html",
    "accreditation_expiry.subject",
    "accreditation_expiry.txt",
    "accreditation_expiry.html",
    "password_reset.subject",
    "password_reset.txt",
    "password_reset.html",
    "account_invited.subject",
    "account_invited.txt",
    "account_invited.html",
    "signup_attempted.subject",
    "signup_attempted.txt",
    "signup_attempted.html",
    // Part 1 of issue 11: conditions to closure.
    "condition_overdue.subject",
    "condition_overdue.txt",
    "condition_overdue.html",
    // Part 4 (advisor oversight).
    "reassessment_ordered.subject",
    "reassessment_ordered.txt",
    "reassessment_ordered.html",
    // Issue 11 part 5: fire safety on file.
    "fire_risk_assessment_review.subject",
    "fire_risk_assessment_review.txt",
    "fire_risk_assessment_review.html",
    "fire_safety_certificate_expiry.subject",
    "fire_safety_certificate_expiry.txt",
    "fire_safety_certificate_expiry.html",
);

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // A value missing from the context is a bug to see, not an empty gap in a mail.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            // The templates are ours and checked by the unit test below.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "bad email template");
            }
        }
        env
    })
}

fn render(name: &str, context: &Value) -> anyhow::Result<String> {
    let template = env()
        .get_template(name)
        .map_err(|e| anyhow::anyhow!("email template {name}: {e}"))?;
    template
        .render(context)
        .map_err(|e| anyhow::anyhow!("email template {name}: {e:#}"))
}

/// The subject line, one line.
pub fn subject(kind: ReminderKind, context: &Value) -> anyhow::Result<String> {
    let line = render(&format!("{}.subject", kind.as_str()), context)?;
    Ok(line.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The plain-text and HTML bodies.
pub fn bodies(kind: ReminderKind, context: &Value) -> anyhow::Result<(String, String)> {
    Ok((
        render(&format!("{}.txt", kind.as_str()), context)?,
        render(&format!("{}.html", kind.as_str()), context)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contexts() -> Vec<(ReminderKind, Value)> {
        let common = json!({
            "scheme_name": "Scheme", "premises_name": "Riverside <Hall>", "town": "Bristol",
            "number": "PSC-2026-000001-K", "expires_on": "2027-11-24", "premises_id": "p1",
            "renew_url": "http://x/renew/p1", "when": "in 30 days", "offset": -30,
            "item_id": "gov-01", "condition": "Write a plan", "due_on": "2027-02-22",
            "advisor_name": "Ada", "accreditation_number": "PSA-1", "accredited_until": "2027-06-30",
            "name": "Olive <O>", "email": "olive@x.test", "link": "http://x/password/reset/t0k",
            "valid_minutes": 60, "invited_by": "Nia", "organisation": "Quayside",
            "condition_url": "http://x/operator/certificates/PSC-2026-000001-K/conditions/c1",
            "grace_days": 14,
            "note": "Re-check the lockdown plan", "reassess_by": "1 March 2027", "cause": "withdrawn",
            "assessor": "Blaze <Fire> Ltd", "assessed_on": "1 March 2026", "review_on": "1 March 2027",
            "certificate_reference": "FSC-1", "certificate_expires_on": "30 June 2027",
            "premises_url": "http://x/operator/premises/p1#fire-safety", "required": true,
        });
        ReminderKind::ALL
            .into_iter()
            .map(|k| (k, common.clone()))
            .collect()
    }

    #[test]
    fn every_template_renders_for_every_offset() {
        for (kind, mut ctx) in contexts() {
            for offset in [-90, -7, 0, 30] {
                ctx["offset"] = json!(offset);
                let s = subject(kind, &ctx).expect("subject");
                assert!(!s.contains('\n') && !s.is_empty());
                let (text, html) = bodies(kind, &ctx).expect("bodies");
                assert!(!text.is_empty());
                assert!(html.contains("</html>"));
                if matches!(
                    kind,
                    ReminderKind::PasswordReset
                        | ReminderKind::AccountInvited
                        | ReminderKind::SignupAttempted
                ) {
                    assert!(text.contains("http://x/password/reset/t0k"), "{text}");
                    assert!(html.contains("Olive &lt;O&gt;"), "HTML escapes values");
                } else if matches!(
                    kind,
                    ReminderKind::ConditionDue | ReminderKind::ConditionOverdue
                ) {
                    // Evidence closes a condition: the email links to its page and
                    // no longer asks for a whole new assessment.
                    assert!(text.contains("PSC-2026-000001-K") && text.contains("conditions/c1"));
                    assert!(!text.contains("fresh assessment"), "{text}");
                    assert!(html.contains("Riverside &lt;Hall&gt;"));
                } else if matches!(
                    kind,
                    ReminderKind::FireRiskAssessmentReview
                        | ReminderKind::FireSafetyCertificateExpiry
                ) {
                    assert!(text.contains("http://x/operator/premises/p1#fire-safety"));
                    assert!(text.contains("not check fire safety"), "{text}");
                    assert!(
                        html.contains("Riverside &lt;Hall&gt;"),
                        "HTML escapes values"
                    );
                } else if kind != ReminderKind::AccreditationExpiry {
                    assert!(
                        text.contains("PSC-2026-000001-K") && text.contains("http://x/renew/p1")
                    );
                    assert!(text.contains("Riverside <Hall>"));
                    assert!(
                        html.contains("Riverside &lt;Hall&gt;"),
                        "HTML escapes values"
                    );
                }
            }
        }
    }

    #[test]
    fn a_missing_value_is_an_error() {
        assert!(bodies(ReminderKind::CertificateExpiry, &json!({"offset": 1})).is_err());
    }
}
