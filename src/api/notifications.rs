//! The reminder outbox (admin): what was queued, sent, is waiting to be retried,
//! failed for good, or was skipped, and why.

use actix_web::web;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::Query;
use crate::auth::{Caller, Role};
use crate::db::models::Notification;
use crate::db::schema::notifications;
use crate::db::to_utc;
use crate::domain::reminders::ReminderKind;
use crate::error::{ApiError, FieldError};
use crate::notify::outbox::{FAILED, PENDING, SENT, SKIPPED};
use crate::startup::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/notifications").route(web::get().to(list_notifications)));
}

#[derive(Deserialize, IntoParams)]
pub struct NotificationQuery {
    /// `pending`, `sent`, `failed` or `skipped`.
    pub status: Option<String>,
    /// `certificate_expiry`, `condition_due` or `accreditation_expiry`.
    pub kind: Option<String>,
    /// Exact subject, e.g. `certificate:PSC-2026-000001-K`, or a prefix ending in `*`.
    pub subject: Option<String>,
    /// At most this many rows (default 100, at most 1000), oldest first.
    pub limit: Option<i64>,
    /// Skip this many rows (for paging).
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    pub subject: String,
    pub kind: String,
    /// Days relative to the due date: -30 thirty days before, 0 on the day, 30 after.
    pub offset_days: i32,
    /// The due date the offset counts from, `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date)]
    pub due_on: String,
    pub recipients: Vec<String>,
    pub mail_subject: String,
    /// `pending`, `sent`, `failed` or `skipped`.
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
            kind: n.kind,
            offset_days: n.offset_days,
            due_on: n.due_on.to_string(),
            mail_subject: n.mail_subject,
            status: n.status,
            attempts: n.attempts,
            last_error: n.last_error,
            next_attempt_at: to_utc(n.next_attempt_at),
            sent_at: n.sent_at.map(to_utc),
            created_at: to_utc(n.created_at),
            updated_at: to_utc(n.updated_at),
        }
    }
}

fn check_query(q: &NotificationQuery) -> Result<i64, ApiError> {
    let mut errors = Vec::new();
    if let Some(s) = &q.status
        && ![PENDING, SENT, FAILED, SKIPPED].contains(&s.as_str())
    {
        errors.push(FieldError::new(
            "status",
            "must be pending, sent, failed or skipped",
        ));
    }
    if let Some(k) = &q.kind
        && ReminderKind::parse(k).is_none()
    {
        errors.push(FieldError::new(
            "kind",
            "must be certificate_expiry, condition_due or accreditation_expiry",
        ));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        errors.push(FieldError::new("limit", "must be from 1 to 1000"));
    }
    if q.offset.is_some_and(|o| o < 0) {
        errors.push(FieldError::new("offset", "must not be negative"));
    }
    if errors.is_empty() {
        Ok(limit)
    } else {
        Err(ApiError::Validation(errors))
    }
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<NotificationView>), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn list_notifications(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<NotificationQuery>,
) -> Result<web::Json<Vec<NotificationView>>, ApiError> {
    caller.require(&[Role::Admin])?;
    let q = query.into_inner();
    let limit = check_query(&q)?;
    let rows = state
        .db
        .run(move |conn| {
            let mut query = notifications::table
                .select(notifications::all_columns)
                .into_boxed();
            if let Some(s) = q.status {
                query = query.filter(notifications::status.eq(s));
            }
            if let Some(k) = q.kind {
                query = query.filter(notifications::kind.eq(k));
            }
            if let Some(subject) = q.subject {
                query = match subject.strip_suffix('*') {
                    Some(prefix) => {
                        let escaped = prefix
                            .replace('\\', "\\\\")
                            .replace('%', "\\%")
                            .replace('_', "\\_");
                        query.filter(
                            notifications::subject
                                .like(format!("{escaped}%"))
                                .escape('\\'),
                        )
                    }
                    None => query.filter(notifications::subject.eq(subject)),
                };
            }
            Ok(query
                .order((notifications::created_at.asc(), notifications::id.asc()))
                .limit(limit)
                .offset(q.offset.unwrap_or(0))
                .load::<Notification>(conn)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(NotificationView::from).collect(),
    ))
}
