//! Issue 12 part E (reminders at scale): the outbox is sent in claimed batches —
//! one send-time check per batch, one write transaction recording a batch's
//! outcomes — and each message still goes out once, with its audit entry, whatever
//! happens to its neighbours in the batch.

use std::collections::HashSet;

use diesel::prelude::*;
use protectcert::db::schema::{audit_log, notifications};
use protectcert::domain::reminders::{ReminderKind, ReminderSubject};
use protectcert::notify::outbox::{Reminder, enqueue};
use protectcert::notify::{Reminders, SweepReport};
use serde_json::json;
use time::OffsetDateTime;

use crate::helpers::{TestApp, spawn_app};

/// More than one claim's worth (a claim takes 32 rows).
const BACKLOG: usize = 150;

fn account_email(i: usize, recipient: &str) -> Reminder {
    Reminder {
        subject: ReminderSubject::Account {
            user_id: format!("user-{i}"),
            request_id: format!("request-{i}"),
        },
        kind: ReminderKind::PasswordReset,
        offset_days: 0,
        due_on: OffsetDateTime::now_utc().date(),
        recipients: vec![recipient.to_string()],
        context: json!({
            "scheme_name": "Scheme",
            "name": format!("Olive {i}"),
            "email": recipient,
            "link": format!("http://x/password/reset/t{i}"),
            "valid_minutes": 60,
        }),
    }
}

async fn queue(app: &TestApp, emails: Vec<Reminder>) {
    let now = OffsetDateTime::now_utc();
    app.db
        .run(move |conn| {
            for r in &emails {
                assert!(enqueue(conn, r, now)?, "queued");
            }
            Ok::<_, anyhow::Error>(())
        })
        .await
        .expect("enqueue");
}

fn eml_files(app: &TestApp) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(app.settings.data_dir.join("outbox")) else {
        return Vec::new();
    };
    dir.flatten()
        .map(|e| std::fs::read_to_string(e.path()).expect("eml"))
        .collect()
}

/// (id, status, attempts, claimed_by) of every outbox row, and the number of
/// `notification.sent` audit entries.
async fn outbox_rows(app: &TestApp) -> (Vec<(String, String, i32, Option<String>)>, i64) {
    app.db
        .run(|conn| {
            let rows = notifications::table
                .select((
                    notifications::id,
                    notifications::status,
                    notifications::attempts,
                    notifications::claimed_by,
                ))
                .load::<(
                    String,
                    protectcert::domain::reminders::NotificationStatus,
                    i32,
                    Option<String>,
                )>(conn)?
                .into_iter()
                .map(|(id, s, a, c)| (id, s.as_str().to_string(), a, c))
                .collect();
            let sent = audit_log::table
                .filter(audit_log::action.eq("notification.sent"))
                .count()
                .get_result(conn)?;
            Ok::<_, anyhow::Error>((rows, sent))
        })
        .await
        .expect("outbox")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_of_several_batches_is_sent_once_each_by_two_instances() {
    let app = spawn_app().await;
    queue(
        &app,
        (0..BACKLOG)
            .map(|i| account_email(i, &format!("olive{i}@venue.test")))
            .collect(),
    )
    .await;
    // Two instances, each with its own pool and claims, sending to the same folder.
    let url = app.settings.database_url();
    let instance = |name: &str| {
        let db = protectcert::db::Db::connect(&url, 4).expect(name);
        protectcert::audit_key::keyed(db, &app.settings).expect(name)
    };
    let (one, two) = (instance("pool one"), instance("pool two"));
    let (r1, r2) = (
        Reminders::new(&app.settings).expect("one"),
        Reminders::new(&app.settings).expect("two"),
    );
    let now = OffsetDateTime::now_utc();
    let (mut a, mut b) = (SweepReport::default(), SweepReport::default());
    let (x, y) = tokio::join!(r1.deliver(&one, now, &mut a), r2.deliver(&two, now, &mut b));
    x.expect("deliver one");
    y.expect("deliver two");

    let ids: Vec<&str> = a
        .sent
        .iter()
        .chain(&b.sent)
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(ids.len(), BACKLOG, "one: {a}\ntwo: {b}");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        BACKLOG,
        "no message sent twice"
    );
    let files = eml_files(&app);
    assert_eq!(files.len(), BACKLOG, "one file per message");
    for i in 0..BACKLOG {
        let to = format!("olive{i}@venue.test");
        assert_eq!(
            files
                .iter()
                .filter(|f| f.contains(&format!("To: {to}\r\n")))
                .count(),
            1,
            "{to} got exactly one email"
        );
    }
    let (rows, audited) = outbox_rows(&app).await;
    assert!(
        rows.iter()
            .all(|(_, status, attempts, claim)| status == "sent"
                && *attempts == 1
                && claim.is_none()),
        "{rows:?}"
    );
    assert_eq!(
        audited, BACKLOG as i64,
        "every sent email has its audit entry"
    );
    // Each batch's entries were chained with one advance, by two instances at
    // once: the chain still verifies, link by link.
    app.assert_audit_chain_holds();

    // Nothing is left to send.
    let mut again = SweepReport::default();
    r1.deliver(&one, now, &mut again).await.expect("again");
    assert!(again.is_empty(), "{again}");
    assert_eq!(eml_files(&app).len(), BACKLOG);
}

#[tokio::test]
async fn a_message_that_fails_mid_batch_costs_its_neighbours_nothing() {
    let app = spawn_app().await;
    let mut emails: Vec<Reminder> = (0..40)
        .map(|i| account_email(i, &format!("olive{i}@venue.test")))
        .collect();
    // In the middle of the first batch: an address that is not one, and a context
    // the template cannot render.
    emails[10].recipients = vec!["not an address".to_string()];
    emails[20].context = json!({"scheme_name": "Scheme"});
    let bad = [
        emails[10].subject.to_string(),
        emails[20].subject.to_string(),
    ];
    queue(&app, emails).await;
    let bad_ids: Vec<String> = {
        let bad = bad.clone();
        app.db
            .run(move |conn| {
                notifications::table
                    .filter(notifications::subject.eq_any(&bad))
                    .select(notifications::id)
                    .load::<String>(conn)
                    .map_err(anyhow::Error::from)
            })
            .await
            .expect("ids")
    };

    let reminders = Reminders::new(&app.settings).expect("reminders");
    let now = OffsetDateTime::now_utc();
    let mut report = SweepReport::default();
    reminders
        .deliver(&app.db, now, &mut report)
        .await
        .expect("deliver");

    assert_eq!(report.sent.len(), 38, "{report}");
    assert_eq!(report.retrying.len(), 2, "{report}");
    assert!(
        report.failed.is_empty() && report.skipped.is_empty(),
        "{report}"
    );
    assert_eq!(eml_files(&app).len(), 38);
    let (rows, audited) = outbox_rows(&app).await;
    assert_eq!(audited, 38, "each sent email has its audit entry");
    for (id, status, attempts, claim) in rows {
        assert!(claim.is_none(), "every claim released: {id}");
        assert_eq!(attempts, 1, "{id}");
        if bad_ids.contains(&id) {
            assert_eq!(status, "pending", "{id} is retried later");
        } else {
            assert_eq!(status, "sent", "{id}");
        }
    }
}
