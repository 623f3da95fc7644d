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

/// Every column of an outbox row that recording an outcome may change.
type RowState = (
    String,
    i32,
    Option<String>,
    time::PrimitiveDateTime,
    Option<String>,
    Option<time::PrimitiveDateTime>,
    Option<time::PrimitiveDateTime>,
    time::PrimitiveDateTime,
);

async fn row_states(app: &TestApp) -> std::collections::HashMap<String, RowState> {
    app.db
        .run(|conn| {
            let rows = notifications::table
                .load::<protectcert::db::models::Notification>(conn)?
                .into_iter()
                .map(|n| {
                    (
                        n.id,
                        (
                            n.status.as_str().to_string(),
                            n.attempts,
                            n.last_error,
                            n.next_attempt_at,
                            n.claimed_by,
                            n.claimed_until,
                            n.sent_at,
                            n.updated_at,
                        ),
                    )
                })
                .collect();
            Ok::<_, anyhow::Error>(rows)
        })
        .await
        .expect("rows")
}

/// Issue 12: a batch's outcomes are written by one UPDATE per set of values. A batch
/// mixing every outcome (two attempts counts among the sent, two different retry
/// errors), a row named twice, a row another instance finished meanwhile and one it
/// claimed again: every row ends as recording them one by one would leave it, with
/// the audit entries in the batch's order, and the chain still holds.
#[tokio::test]
async fn a_batch_of_mixed_outcomes_ends_every_row_as_one_by_one() {
    use protectcert::notify::outbox::{Outcome, claim, record_all};
    let app = spawn_app().await;
    queue(
        &app,
        (0..9)
            .map(|i| account_email(i, &format!("olive{i}@venue.test")))
            .collect(),
    )
    .await;
    let now = protectcert::db::from_utc(OffsetDateTime::now_utc());
    let later = now + time::Duration::minutes(10);
    let (outcomes, finished_elsewhere, claimed_elsewhere) = app
        .db
        .run(move |conn| {
            // The eighth row is on its third attempt.
            let ids: Vec<String> = notifications::table
                .order(notifications::id.asc())
                .select(notifications::id)
                .load(conn)?;
            diesel::update(notifications::table.find(&ids[7]))
                .set(notifications::attempts.eq(2))
                .execute(conn)?;
            let mut rows = claim(conn, "one", now, later, 32)?.rows;
            rows.sort_by(|a, b| a.id.cmp(&b.id));
            assert_eq!(rows.len(), 9);
            // Meanwhile the claims on two rows lapsed: instance two sent the sixth
            // (its claim released), and holds the seventh.
            diesel::update(notifications::table.find(&rows[5].id))
                .set((
                    notifications::status.eq("sent"),
                    notifications::attempts.eq(1),
                    notifications::claimed_by.eq(None::<String>),
                    notifications::claimed_until.eq(None::<time::PrimitiveDateTime>),
                    notifications::sent_at.eq(now - time::Duration::seconds(5)),
                    notifications::updated_at.eq(now - time::Duration::seconds(5)),
                ))
                .execute(conn)?;
            diesel::update(notifications::table.find(&rows[6].id))
                .set(notifications::claimed_by.eq("two"))
                .execute(conn)?;
            let retry = |error: &str, minutes: i64| Outcome::Retrying {
                error: error.to_string(),
                next_attempt_at: now + time::Duration::minutes(minutes),
            };
            let outcomes = vec![
                (rows[0].clone(), Outcome::Sent),
                (rows[1].clone(), retry("451 try later", 2)),
                (
                    rows[2].clone(),
                    Outcome::Failed {
                        error: "550 no such user".to_string(),
                    },
                ),
                (rows[3].clone(), Outcome::Sent),
                (
                    rows[4].clone(),
                    Outcome::Skipped {
                        reason: "no longer applies".to_string(),
                    },
                ),
                (rows[5].clone(), Outcome::Sent),
                (rows[6].clone(), Outcome::Sent),
                (rows[7].clone(), Outcome::Sent),
                (rows[8].clone(), retry("421 busy", 8)),
                // Named twice: the second finds the claim released.
                (rows[1].clone(), Outcome::Sent),
            ];
            Ok::<_, anyhow::Error>((outcomes, rows[5].id.clone(), rows[6].id.clone()))
        })
        .await
        .expect("claim");
    let before = row_states(&app).await;
    let kept = {
        let outcomes = outcomes.clone();
        app.db
            .run(move |conn| Ok::<_, anyhow::Error>(record_all(conn, &outcomes, "one", now)?))
            .await
            .expect("record")
    };
    assert_eq!(
        kept,
        [
            true, true, true, true, true, false, false, true, true, false
        ]
    );

    let after = row_states(&app).await;
    let id = |i: usize| outcomes[i].0.id.clone();
    let done = |status: &str,
                attempts: i32,
                error: Option<&str>,
                next: time::PrimitiveDateTime,
                sent: Option<time::PrimitiveDateTime>|
     -> RowState {
        (
            status.to_string(),
            attempts,
            error.map(str::to_string),
            next,
            None,
            None,
            sent,
            now,
        )
    };
    let queued_at = outcomes[0].0.next_attempt_at;
    assert_eq!(after[&id(0)], done("sent", 1, None, queued_at, Some(now)));
    assert_eq!(
        after[&id(1)],
        done(
            "pending",
            1,
            Some("451 try later"),
            now + time::Duration::minutes(2),
            None
        )
    );
    assert_eq!(
        after[&id(2)],
        done("failed", 1, Some("550 no such user"), queued_at, None)
    );
    assert_eq!(after[&id(3)], done("sent", 1, None, queued_at, Some(now)));
    assert_eq!(
        after[&id(4)],
        done("skipped", 0, Some("no longer applies"), queued_at, None)
    );
    assert_eq!(after[&id(7)], done("sent", 3, None, queued_at, Some(now)));
    assert_eq!(
        after[&id(8)],
        done(
            "pending",
            1,
            Some("421 busy"),
            now + time::Duration::minutes(8),
            None
        )
    );
    // What the other instance did stands.
    assert_eq!(after[&finished_elsewhere], before[&finished_elsewhere]);
    assert_eq!(after[&claimed_elsewhere], before[&claimed_elsewhere]);
    assert_eq!(after[&claimed_elsewhere].4.as_deref(), Some("two"));

    // One audit entry per recorded send, give-up and skip, in the batch's order
    // (retries have none), with the attempts the row now holds.
    let entries = app
        .db
        .run(|conn| {
            audit_log::table
                .filter(audit_log::entity_type.eq("notification"))
                .order(audit_log::seq.asc())
                .select((audit_log::action, audit_log::entity_id, audit_log::after))
                .load::<(String, String, Option<String>)>(conn)
                .map_err(anyhow::Error::from)
        })
        .await
        .expect("audit");
    let actions: Vec<(String, String)> = entries
        .iter()
        .map(|(a, e, _)| (a.clone(), e.clone()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("notification.sent", 0),
        ("notification.failed", 2),
        ("notification.sent", 3),
        ("notification.skipped", 4),
        ("notification.sent", 7),
    ]
    .iter()
    .map(|(a, i)| (a.to_string(), id(*i)))
    .collect();
    assert_eq!(actions, expected);
    let after_of = |i: usize| -> serde_json::Value {
        serde_json::from_str(entries[i].2.as_deref().expect("after")).expect("json")
    };
    assert_eq!(after_of(1)["detail"], "550 no such user");
    assert_eq!(after_of(1)["attempts"], 1);
    assert_eq!(after_of(3)["attempts"], 0);
    assert_eq!(after_of(4)["attempts"], 3);
    app.assert_audit_chain_holds();

    // Recorded again (a retried transaction, say), nothing changes: the claims are
    // released.
    let again = app
        .db
        .run(move |conn| Ok::<_, anyhow::Error>(record_all(conn, &outcomes, "one", now)?))
        .await
        .expect("again");
    assert!(again.iter().all(|k| !k), "{again:?}");
    assert_eq!(row_states(&app).await, after);
}

/// Issue 12: the send-time check reads a batch's certificates in one query; each
/// row still gets its own answer: an active certificate's reminder goes, a
/// suspended or unknown one's is skipped, the overdue email goes to a suspended
/// one, and an email about no certificate is not held back.
#[tokio::test]
async fn the_send_time_check_of_a_batch_answers_each_row() {
    use protectcert::notify::outbox::{claim, reasons_to_skip};
    let app = spawn_app().await;
    let scheme = crate::helpers::certified_scheme(&app).await;
    let active = scheme.number().to_string();
    let other = app.building(&scheme.operator, 300).await;
    let suspended = app
        .certify(
            &scheme.operator,
            &scheme.advisor,
            other["id"].as_str().expect("id"),
        )
        .await;
    {
        let suspended = suspended.clone();
        app.db
            .run(move |conn| {
                diesel::update(
                    protectcert::db::schema::certificates::table
                        .filter(protectcert::db::schema::certificates::number.eq(&suspended)),
                )
                .set(protectcert::db::schema::certificates::status.eq("suspended"))
                .execute(conn)
                .map_err(anyhow::Error::from)
            })
            .await
            .expect("suspend");
    }
    let reminder = |number: &str, kind: ReminderKind, offset_days: i32| Reminder {
        subject: ReminderSubject::Certificate {
            number: number.to_string(),
        },
        kind,
        offset_days,
        due_on: OffsetDateTime::now_utc().date(),
        recipients: vec!["olive@venue.test".to_string()],
        context: json!({"number": number, "premises_name": "Hall", "offset": offset_days,
                        "when": "in a week", "item_id": "gov-01"}),
    };
    let mut emails = vec![
        reminder(&active, ReminderKind::CertificateExpiry, -7),
        reminder(&suspended, ReminderKind::CertificateExpiry, -7),
        reminder("PSC-2026-999999-Z", ReminderKind::CertificateExpiry, -7),
        reminder(&active, ReminderKind::CertificateExpiry, 0),
        account_email(1, "olive1@venue.test"),
    ];
    let mut overdue = reminder(&suspended, ReminderKind::ConditionOverdue, 14);
    overdue.subject = ReminderSubject::Condition {
        number: suspended.clone(),
        item_id: "gov-01".to_string(),
    };
    emails.push(overdue);
    queue(&app, emails).await;
    let answers = app
        .db
        .run(|conn| {
            let now = protectcert::db::from_utc(OffsetDateTime::now_utc());
            // Only what this test queued (the scheme's own emails aside).
            let mut rows = claim(conn, "one", now, now + time::Duration::minutes(5), 100)?.rows;
            rows.retain(|r| {
                matches!(
                    r.kind,
                    ReminderKind::CertificateExpiry | ReminderKind::ConditionOverdue
                ) || r.subject.contains("user-1")
            });
            let skips = reasons_to_skip(conn, &rows)?;
            Ok::<_, anyhow::Error>(
                rows.into_iter()
                    .map(|r| (r.subject, r.offset_days))
                    .zip(skips)
                    .collect::<std::collections::HashMap<_, _>>(),
            )
        })
        .await
        .expect("check");
    let answer =
        |number: &str, offset: i32| answers[&(format!("certificate:{number}"), offset)].clone();
    assert_eq!(answer(&active, -7), None, "{answers:?}");
    assert_eq!(answer(&active, 0), None);
    assert_eq!(
        answer(&suspended, -7).as_deref(),
        Some(format!("certificate {suspended} is suspended").as_str())
    );
    assert_eq!(
        answer("PSC-2026-999999-Z", -7).as_deref(),
        Some("certificate PSC-2026-999999-Z not found")
    );
    assert_eq!(
        answers[&(format!("condition:{suspended}:gov-01"), 14)],
        None,
        "the overdue email goes to a suspended certificate"
    );
    assert_eq!(answers.len(), 6, "{answers:?}");
    assert!(
        answers
            .iter()
            .any(|((subject, _), skip)| subject.contains("user-1") && skip.is_none()),
        "{answers:?}"
    );
}
