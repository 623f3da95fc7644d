//! Part 4 (advisor oversight): what the certificate record pages (police, admin)
//! and the operator's dashboard show of a certificate's review, and the
//! accreditation's standing when the certificate was issued.

use super::layout::Chrome;
use crate::domain::clock;
use crate::domain::oversight::ReviewState;
use crate::service::certificates::CertificateView;
use crate::service::oversight::RecordReview;

/// An accreditation standing (`active`, `lapsed`, …) in words.
pub fn standing_words(standing: Option<&str>) -> &'static str {
    match standing {
        Some("active") => "Active",
        Some("lapsed") => "Lapsed",
        Some("suspended") => "Suspended",
        Some("withdrawn") => "Withdrawn",
        Some(_) => "Unknown",
        None => "Not recorded",
    }
}

/// A review's state in words, with its badge tone.
pub fn state_words(state: ReviewState) -> (&'static str, &'static str) {
    match state {
        ReviewState::Open => ("Under review", "warn"),
        ReviewState::Confirmed => ("Reviewed: certificate confirmed", "ok"),
        ReviewState::ReassessmentOrdered => ("Reassessment ordered", "warn"),
    }
}

pub struct ReviewBlock {
    pub id: String,
    pub flag: String,
    pub state: (&'static str, &'static str),
    pub open: bool,
    pub reassessment: bool,
    pub flagged: String,
    pub resolved: String,
    pub note: String,
    pub reassess_by: String,
}

impl ReviewBlock {
    pub fn new(chrome: &Chrome, r: &RecordReview) -> ReviewBlock {
        ReviewBlock {
            id: r.id.clone(),
            flag: r.flag.clone(),
            state: state_words(r.state),
            open: r.state == ReviewState::Open,
            reassessment: r.state == ReviewState::ReassessmentOrdered,
            flagged: chrome.date(&r.flagged_at),
            resolved: chrome.maybe_date(&r.resolved_at),
            note: r.note.clone().unwrap_or_default(),
            reassess_by: r.reassess_by.map(clock::day).unwrap_or_default(),
        }
    }
}

/// The block of the record pages (`oversight/record.html`).
pub struct RecordBlock {
    pub standing_at_issue: &'static str,
    pub review: Option<ReviewBlock>,
    /// Admins get a link to the review page.
    pub admin: bool,
}

impl RecordBlock {
    pub fn new(chrome: &Chrome, c: &CertificateView) -> RecordBlock {
        RecordBlock {
            standing_at_issue: standing_words(c.accreditation_status_at_issue.as_deref()),
            review: c.review.as_ref().map(|r| ReviewBlock::new(chrome, r)),
            admin: chrome
                .caller
                .as_ref()
                .is_some_and(|c| c.role == crate::auth::Role::Admin),
        }
    }
}

/// A certificate for which a reassessment was ordered, on the operator's dashboard.
pub struct ReassessmentRow {
    pub number: String,
    pub premises_id: String,
    pub premises_name: String,
    pub reassess_by: String,
    pub note: String,
    /// A building: "Start the renewal" (an event is registered anew).
    pub renewable: bool,
}

/// The operator's certificates with a reassessment ordered.
pub fn reassessments(certificates: &[CertificateView]) -> Vec<ReassessmentRow> {
    certificates
        .iter()
        .filter(|c| {
            c.review
                .as_ref()
                .is_some_and(|r| r.state == ReviewState::ReassessmentOrdered)
                && c.status == crate::domain::status::VerifiedStatus::Valid
        })
        .filter_map(|c| {
            let r = c.review.as_ref()?;
            Some(ReassessmentRow {
                number: c.number.clone(),
                premises_id: c.premises_id.clone(),
                premises_name: c.premises_name.clone(),
                reassess_by: r.reassess_by.map(clock::day).unwrap_or_default(),
                note: r.note.clone().unwrap_or_default(),
                renewable: c.kind == crate::domain::tier::PremisesKind::Building,
            })
        })
        .collect()
}

/// What suspending (None: not offered) and withdrawing an accreditation would flag,
/// in words, for the advisor page and the withdrawal confirmation.
pub fn forecast_words(suspend: Option<usize>, withdraw: usize) -> String {
    let certificates = |n: usize| match n {
        1 => "1 certificate".to_string(),
        n => format!("{n} certificates"),
    };
    let tail = "issued by this advisor and still valid. Certificates keep their status, and reinstating the accreditation later does not close a review.";
    match suspend {
        Some(0) | None if withdraw == 0 => "No certificate would be flagged for review: this advisor has issued none that is still valid and not already under review.".to_string(),
        Some(s) if s == withdraw => format!(
            "Suspending or withdrawing flags for review {} {tail}",
            certificates(s)
        ),
        Some(s) => format!(
            "Suspending flags for review {}, and withdrawing {}, {tail}",
            certificates(s),
            certificates(withdraw)
        ),
        None => format!(
            "Withdrawing flags for review {} {tail} Those under review for the suspension then say withdrawn.",
            certificates(withdraw)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::forecast_words;

    #[test]
    fn the_forecast_reads_well() {
        assert!(forecast_words(Some(1), 1).starts_with(
            "Suspending or withdrawing flags for review 1 certificate issued by this advisor"
        ));
        assert!(forecast_words(Some(2), 3).starts_with(
            "Suspending flags for review 2 certificates, and withdrawing 3 certificates, issued"
        ));
        assert!(forecast_words(None, 1).contains("then say withdrawn"));
        assert!(forecast_words(Some(0), 0).starts_with("No certificate would be flagged"));
        assert!(forecast_words(None, 0).starts_with("No certificate would be flagged"));
    }
}
