//! The admin's overview of the scheme: what is waiting, what is in force, and
//! which accreditations need renewing soon.

use super::access::require_admin;
use super::{ServiceError, ServiceResult, today};
use crate::auth::Caller;
use crate::db;
use crate::domain::application::ApplicationStatus;
use crate::domain::status::{VerifiedStatus, stored_for};
use crate::state::AppState;

/// Accreditations ending within this many days count as lapsing soon.
pub const LAPSING_WITHIN_DAYS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// Submitted, waiting for an advisor to claim them.
    pub applications_submitted: i64,
    /// Claimed or assigned, being assessed.
    pub applications_in_review: i64,
    /// Certificates a verifier sees as valid now.
    pub certificates_valid: i64,
    pub certificates_suspended: i64,
    /// Active accreditations ending from today to `LAPSING_WITHIN_DAYS` from now.
    pub advisors_lapsing: i64,
    /// Active accreditations whose end has passed (to renew or withdraw).
    pub advisors_lapsed: i64,
}

pub async fn overview(state: &AppState, caller: &Caller) -> ServiceResult<Overview> {
    require_admin(caller)?;
    let today = today();
    let horizon = today + time::Duration::days(LAPSING_WITHIN_DAYS);
    state
        .db
        .run(move |conn| {
            Ok::<_, ServiceError>(Overview {
                applications_submitted: db::applications::count_with_status(
                    conn,
                    ApplicationStatus::Submitted,
                )?,
                applications_in_review: db::applications::count_with_status(
                    conn,
                    ApplicationStatus::InReview,
                )?,
                certificates_valid: db::certificates::count_with_status(
                    conn,
                    stored_for(VerifiedStatus::Valid),
                )?,
                certificates_suspended: db::certificates::count_with_status(
                    conn,
                    stored_for(VerifiedStatus::Suspended),
                )?,
                advisors_lapsing: db::advisors::count_ending(conn, today, horizon)?,
                advisors_lapsed: db::advisors::count_lapsed(conn, today)?,
            })
        })
        .await
}
