//! The email outbox, for admins.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::require_admin;
use super::page::given;
use super::{FieldError, ServiceError, ServiceResult};
use crate::auth::Caller;
use crate::db::models::Notification;
use crate::db::notifications::OutboxFilter;
use crate::db::{self, Page, to_utc};
use crate::domain::reminders::{NotificationStatus, ReminderKind};
use crate::state::AppState;

#[derive(Deserialize, IntoParams, Debug, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `pending`, `sent`, `failed` or `skipped`.
    #[param(pattern = "^(pending|sent|failed|skipped)?$")]
    pub status: Option<String>,
    /// `certificate_expiry`, `condition_due`, `accreditation_expiry`,
    /// `password_reset`, `account_invited` or `signup_attempted`.
    #[param(
        pattern = "^(certificate_expiry|condition_due|accreditation_expiry|password_reset|account_invited|signup_attempted)?$"
    )]
    pub kind: Option<String>,
    /// An exact subject such as `certificate:PSC-…`, or a prefix ending in `*`.
    pub subject: Option<String>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct NotificationView {
    pub id: String,
    pub subject: String,
    pub kind: String,
    pub offset_days: i32,
    #[schema(value_type = String, format = Date)]
    pub due_on: String,
    pub recipients: Vec<String>,
    pub mail_subject: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        NotificationView {
            recipients: serde_json::from_str(&n.recipients).unwrap_or_default(),
            id: n.id,
            subject: n.subject,
            kind: n.kind.as_str().to_string(),
            offset_days: n.offset_days,
            due_on: n.due_on.to_string(),
            mail_subject: n.mail_subject,
            status: n.status.as_str().to_string(),
            attempts: n.attempts,
            last_error: n.last_error,
            next_attempt_at: to_utc(n.next_attempt_at),
            sent_at: n.sent_at.map(to_utc),
            created_at: to_utc(n.created_at),
            updated_at: to_utc(n.updated_at),
        }
    }
}

fn checked(q: &NotificationQuery) -> ServiceResult<(OutboxFilter, Page)> {
    let mut errors = Vec::new();
    let status = given(q.status.as_deref()).and_then(|s| {
        let parsed = NotificationStatus::parse(s);
        if parsed.is_none() {
            errors.push(FieldError::new(
                "status",
                "must be pending, sent, failed or skipped",
            ));
        }
        parsed
    });
    let kind = given(q.kind.as_deref()).and_then(|k| {
        let parsed = ReminderKind::parse(k);
        if parsed.is_none() {
            errors.push(FieldError::new(
                "kind",
                "must be certificate_expiry, condition_due, accreditation_expiry, password_reset, account_invited or signup_attempted",
            ));
        }
        parsed
    });
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        errors.push(FieldError::new("limit", "must be from 1 to 1000"));
    }
    if q.offset.is_some_and(|o| o < 0) {
        errors.push(FieldError::new("offset", "must not be negative"));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let filter = OutboxFilter {
        status,
        kind,
        subject: given(q.subject.as_deref()).map(str::to_string),
    };
    let page = Page {
        limit,
        offset: q.offset.unwrap_or(0),
    };
    Ok((filter, page))
}

pub async fn list(
    state: &AppState,
    caller: &Caller,
    q: &NotificationQuery,
) -> ServiceResult<Vec<NotificationView>> {
    require_admin(caller)?;
    let (filter, page) = checked(q)?;
    let rows = state
        .db
        .run(move |conn| db::notifications::list(conn, &filter, page).map_err(ServiceError::from))
        .await?;
    Ok(rows.into_iter().map(NotificationView::from).collect())
}
