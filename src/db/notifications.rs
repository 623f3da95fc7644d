//! Reading the email outbox (queueing and sending live in `notify::outbox`).

use diesel::prelude::*;

use super::models::Notification;
use super::schema::notifications;
use super::{DbConnection, Page};
use crate::domain::reminders::{NotificationStatus, ReminderKind};

#[derive(Debug, Default, Clone)]
pub struct OutboxFilter {
    pub status: Option<NotificationStatus>,
    pub kind: Option<ReminderKind>,
    /// An exact subject, or a prefix when it ends in `*`.
    pub subject: Option<String>,
}

/// The outbox, oldest first.
pub fn list(
    conn: &mut DbConnection,
    f: &OutboxFilter,
    page: Page,
) -> QueryResult<Vec<Notification>> {
    let mut query = notifications::table
        .select(notifications::all_columns)
        .into_boxed();
    if let Some(s) = f.status {
        query = query.filter(notifications::status.eq(s));
    }
    if let Some(k) = f.kind {
        query = query.filter(notifications::kind.eq(k));
    }
    if let Some(subject) = &f.subject {
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
            None => query.filter(notifications::subject.eq(subject.clone())),
        };
    }
    query
        .order((notifications::created_at.asc(), notifications::id.asc()))
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)
}
