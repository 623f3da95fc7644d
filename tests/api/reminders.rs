//! Reminder emails end to end, against a real SMTP server on loopback (aiosmtpd,
//! `tests/smtp_sink.py`). The clock is moved by passing the sweep an explicit `now`,
//! as `protectcert reminders run --now` does; certificates are issued through the API.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use protectcert::notify::Reminders;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// aiosmtpd on 127.0.0.1, appending what it accepts to a mailbox file.
struct SmtpSink {
    child: Option<Child>,
    port: u16,
    mailbox: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
struct Received {
    to: Vec<String>,
    data: String,
}

impl Received {
    /// The raw message with quoted-printable soft line breaks and `=3D` undone.
    fn text(&self) -> String {
        self.data
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=3D", "=")
    }

    /// The outbox row id, from the Message-ID the sender sets.
    fn notification_id(&self) -> String {
        self.data
            .lines()
            .find_map(|l| {
                let l = l.trim();
                let lower = l.to_ascii_lowercase();
                lower
                    .starts_with("message-id:")
                    .then(|| l["message-id:".len()..].trim().to_string())
            })
            .and_then(|id| {
                id.trim_start_matches('<')
                    .split('@')
                    .next()
                    .map(str::to_string)
            })
            .expect("Message-ID")
    }
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let dir = tempfile::tempdir().expect("temp dir");
        let mailbox = dir.path().join("mailbox.jsonl");
        let mut sink = SmtpSink::on(0, &mailbox);
        sink._dir = Some(dir);
        sink
    }

    /// Starts the server on `port` (0: any free port), appending to `mailbox`.
    fn on(port: u16, mailbox: &Path) -> SmtpSink {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(mailbox)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3 tests/smtp_sink.py (needs `pip install aiosmtpd`)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read ready line");
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("the SMTP sink did not start ({line:?}): is aiosmtpd installed? `python3 -m pip install aiosmtpd` (.ci/test does)")
            });
        SmtpSink {
            child: Some(child),
            port,
            mailbox: mailbox.to_path_buf(),
            _dir: None,
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn messages(&self) -> Vec<Received> {
        read_mailbox(&self.mailbox)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut()
            && let Some(stdin) = child.stdin.as_mut()
        {
            let _ = stdin.flush();
        }
        self.stop();
    }
}

fn read_mailbox(path: &Path) -> Vec<Received> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("mailbox line");
            Received {
                to: v["to"]
                    .as_array()
                    .expect("to")
                    .iter()
                    .map(|t| t.as_str().expect("address").to_string())
                    .collect(),
                data: v["data"].as_str().expect("data").to_string(),
            }
        })
        .collect()
}

/// A port where nothing listens: the SMTP server is down.
fn unused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// 09:00 UTC on the day `offset` days from `due`'s day.
fn day(due: OffsetDateTime, offset: i64) -> OffsetDateTime {
    (due.date() + Duration::days(offset))
        .with_hms(9, 0, 0)
        .expect("time")
        .assume_utc()
}

fn rfc3339(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(
        v.as_str().expect("time string"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339")
}

/// An admin, an operator (with their organisation) and an advisor.
struct People {
    admin: String,
    operator: String,
    advisor: String,
}

async fn people(app: &TestApp) -> People {
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let (advisor, _) = app.advisor(&admin, &["building", "event"], None).await;
    People {
        admin,
        operator,
        advisor,
    }
}

/// A building with a designated senior individual at `dsi_email`.
async fn building_with_dsi(app: &TestApp, operator: &str, name: &str, dsi_email: &str) -> String {
    let body = app
        .register_premises(
            operator,
            json!({
                "kind": "building", "name": name, "address": "1 Quay Street, Bristol",
                "postcode": "BS1 4DJ", "capacity": 450,
                "designated_senior_individual": {"name": "Sam Senior", "email": dsi_email},
            }),
        )
        .await;
    body["id"].as_str().expect("id").to_string()
}

/// A certified "Riverside Hall" with a designated senior individual: the people,
/// the premises, the completion and its certificate's number and expiry.
struct Hall {
    p: People,
    premises_id: String,
    done: Value,
    number: String,
    expires: OffsetDateTime,
}

async fn certified_hall(app: &TestApp, dsi_email: &str, condition: bool) -> Hall {
    let p = people(app).await;
    let premises_id = building_with_dsi(app, &p.operator, "Riverside Hall", dsi_email).await;
    let done = certify(app, &p, &premises_id, condition).await;
    let number = done["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let expires = rfc3339(&done["certificate"]["expires_at"]);
    Hall {
        p,
        premises_id,
        done,
        number,
        expires,
    }
}

/// Runs an application for the premises to completion; with `condition`, one
/// non-critical item scores 0, which certifies with exactly one condition.
async fn certify(app: &TestApp, p: &People, premises_id: &str, condition: bool) -> Value {
    let application = app.answered_application(&p.operator, premises_id).await;
    let gap = application["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|i| !i["critical"].as_bool().unwrap_or(false))
        })
        .map(|i| i["id"].clone())
        .expect("a non-critical item");
    let (_, done) = app
        .assess(&p.operator, &p.advisor, &application, |item| {
            if condition && item["id"] == gap {
                json!(0)
            } else {
                item["max_score"].clone()
            }
        })
        .await;
    let want = if condition {
        "certified_with_conditions"
    } else {
        "certified"
    };
    assert_eq!(done["outcome"], want, "{done}");
    done
}

async fn outbox(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/notifications?{query}"), Some(admin))
        .await
        .ok()
        .as_array()
        .expect("rows")
        .clone()
}

fn offsets(rows: &[Value]) -> Vec<i64> {
    rows.iter()
        .map(|r| r["offset_days"].as_i64().expect("offset"))
        .collect()
}

#[tokio::test]
async fn each_reminder_goes_out_once_on_its_day_to_operators_and_the_dsi() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(|s| s.smtp_url = sink.url()).await;
    let Hall {
        p,
        premises_id,
        number,
        expires,
        ..
    } = certified_hall(&app, "dsi@venue.test", false).await;
    let reminders = Reminders::new(&app.settings).expect("reminders");

    let early = reminders
        .sweep(&app.db, day(expires, -91))
        .await
        .expect("sweep");
    assert!(early.is_empty(), "nothing is due 91 days before: {early}");

    for offset in [-90, -30, -7, 0, 30] {
        let now = day(expires, offset);
        let report = reminders.sweep(&app.db, now).await.expect("sweep");
        assert_eq!(report.queued.len(), 1, "offset {offset}: {report}");
        assert_eq!(report.sent.len(), 1, "offset {offset}: {report}");
        assert_eq!(report.sent[0].offset_days, offset as i32);
        // Sweeping again, the same day or the next, sends nothing new.
        for again in [now + Duration::minutes(5), now + Duration::days(1)] {
            let report = reminders.sweep(&app.db, again).await.expect("sweep");
            assert!(report.is_empty(), "offset {offset}, second sweep: {report}");
        }
    }

    let messages = sink.messages();
    assert_eq!(messages.len(), 5, "one email per offset");
    let ids: HashSet<String> = messages.iter().map(Received::notification_id).collect();
    assert_eq!(ids.len(), 5, "five different outbox rows");
    // Dates in emails read as on the pages and the PDF: in the scheme's zone.
    let expiry_date = protectcert::domain::clock::long_date(
        expires,
        &protectcert::domain::clock::zone(&app.settings.time_zone),
    );
    for m in &messages {
        assert_eq!(m.to.len(), 2, "operator and DSI: {:?}", m.to);
        assert!(
            m.to.iter()
                .any(|t| t.ends_with("@venue.test") && t.starts_with("op-"))
        );
        assert!(m.to.contains(&"dsi@venue.test".to_string()));
        let text = m.text();
        assert!(text.contains("multipart/alternative"), "multipart");
        assert!(text.contains("text/plain") && text.contains("text/html"));
        assert!(text.contains("Riverside Hall"));
        assert!(text.contains(&number));
        assert!(text.contains(&expiry_date), "expiry date {expiry_date}");
        assert!(text.contains(&format!("{}/renew/{premises_id}", app.address)));
    }
    let subjects: Vec<String> = messages
        .iter()
        .map(|m| {
            // A long subject is folded onto continuation lines (RFC 5322): unfold it.
            let mut lines = m.data.lines().skip_while(|l| !l.starts_with("Subject:"));
            let first = lines.next().expect("subject").to_string();
            lines
                .take_while(|l| l.starts_with([' ', '\t']))
                .fold(first, |subject, more| subject + more)
        })
        .collect();
    assert!(subjects[0].contains("expires in 90 days"), "{subjects:?}");
    assert!(subjects[3].contains("expires today"), "{subjects:?}");
    assert!(subjects[4].contains("lapsed 30 days ago"), "{subjects:?}");

    let rows = outbox(&app, &p.admin, &format!("subject=certificate:{number}")).await;
    assert_eq!(offsets(&rows), vec![-90, -30, -7, 0, 30]);
    for r in &rows {
        assert_eq!(r["status"], "sent");
        assert_eq!(r["attempts"], 1);
        assert_eq!(r["kind"], "certificate_expiry");
        assert!(r["sent_at"].is_string());
    }
    let audit = app
        .get("/api/v1/audit?entity_type=notification", Some(&p.admin))
        .await
        .ok();
    let sent = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| e["action"] == "notification.sent")
        .count();
    assert_eq!(sent, 5);
}

#[tokio::test]
async fn after_downtime_only_the_most_recent_reminder_is_sent() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(|s| s.smtp_url = sink.url()).await;
    let Hall {
        p, number, expires, ..
    } = certified_hall(&app, "dsi@venue.test", false).await;
    let reminders = Reminders::new(&app.settings).expect("reminders");

    // The first sweep in months comes 5 days before expiry: the 90- and 30-day
    // reminders are stale; only the 7-day one goes.
    let report = reminders
        .sweep(&app.db, day(expires, -5))
        .await
        .expect("sweep");
    assert_eq!(report.sent.len(), 1, "{report}");
    // Down again until 40 days after: the lapse notice (30 days after) still goes,
    // the one on the day does not.
    let report = reminders
        .sweep(&app.db, day(expires, 40))
        .await
        .expect("sweep");
    assert_eq!(report.sent.len(), 1, "{report}");
    // Past the window nothing is sent late.
    let report = reminders
        .sweep(&app.db, day(expires, 60))
        .await
        .expect("sweep");
    assert!(report.is_empty(), "{report}");

    let rows = outbox(&app, &p.admin, &format!("subject=certificate:{number}")).await;
    assert_eq!(offsets(&rows), vec![-7, 30]);
    assert_eq!(sink.messages().len(), 2);
}

#[tokio::test]
async fn conditions_and_accreditations_get_reminders_too() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(|s| s.smtp_url = sink.url()).await;
    let Hall {
        p, done, number, ..
    } = certified_hall(&app, "dsi@venue.test", true).await;
    let condition = &done["conditions"][0];
    let due = rfc3339(&condition["due_at"]);
    let reminders = Reminders::new(&app.settings).expect("reminders");

    let report = reminders
        .sweep(&app.db, day(due, -30))
        .await
        .expect("sweep");
    assert_eq!(report.sent.len(), 1, "{report}");
    let item = condition["item_id"].as_str().expect("item");
    let rows = outbox(&app, &p.admin, "kind=condition_due").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["subject"], format!("condition:{number}:{item}"));
    assert_eq!(rows[0]["offset_days"], -30);
    assert_eq!(rows[0]["due_on"], due.date().to_string());
    let m = &sink.messages()[0];
    assert!(m.to.contains(&"dsi@venue.test".to_string()));
    assert!(m.text().contains(item) && m.text().contains(&number));

    // Every accredited advisor (the helper accredits until 2099-12-31) hears a week before.
    let before = sink.messages().len();
    let week_before = time::macros::datetime!(2099-12-24 09:00 UTC);
    let report = reminders.sweep(&app.db, week_before).await.expect("sweep");
    // The condition is still unmet by then, but its certificate expired long ago:
    // it is not suspended, and no overdue email goes (conditions to closure).
    let kinds: Vec<&str> = report.sent.iter().map(|n| n.kind.as_str()).collect();
    assert!(!kinds.contains(&"condition_overdue"), "{report}");
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "accreditation_expiry")
            .count(),
        1,
        "one advisor: {report}"
    );
    assert_eq!(report.sent.len(), 1, "the advisor's alone: {report}");
    let rows = outbox(&app, &p.admin, "kind=accreditation_expiry").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["offset_days"], -7);
    let advisor_email = rows[0]["recipients"][0].as_str().expect("recipient");
    assert!(advisor_email.ends_with("@advisors.test"));
    let messages = sink.messages();
    let m = messages[before..]
        .iter()
        .find(|m| m.to == vec![advisor_email.to_string()])
        .expect("the advisor's reminder");
    assert!(m.text().contains("31 December 2099"), "{}", m.text());
}

#[tokio::test]
async fn reminders_wait_while_the_mail_server_is_down_and_go_once_it_is_back() {
    let dir = tempfile::tempdir().expect("dir");
    let mailbox = dir.path().join("mailbox.jsonl");
    let port = unused_port();
    let app = spawn_app_with(|s| s.smtp_url = format!("smtp://127.0.0.1:{port}")).await;
    let Hall {
        p, number, expires, ..
    } = certified_hall(&app, "dsi@venue.test", false).await;
    let reminders = Reminders::new(&app.settings).expect("reminders");
    let now = day(expires, -30);

    // Server down: the row waits with the error and the time of the next attempt.
    let report = reminders.sweep(&app.db, now).await.expect("sweep");
    assert_eq!(report.queued.len(), 1);
    assert_eq!(report.retrying.len(), 1, "{report}");
    let rows = outbox(&app, &p.admin, &format!("subject=certificate:{number}")).await;
    assert_eq!(rows[0]["status"], "pending");
    assert_eq!(rows[0]["attempts"], 1);
    assert!(
        rows[0]["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    );
    let next = rfc3339(&rows[0]["next_attempt_at"]);
    assert!(next > now, "next attempt {next} after {now}");

    // Still down at the next attempt: it backs off further.
    let report = reminders.sweep(&app.db, next).await.expect("sweep");
    assert_eq!(report.retrying.len(), 1, "{report}");
    let rows = outbox(&app, &p.admin, &format!("subject=certificate:{number}")).await;
    assert_eq!(rows[0]["attempts"], 2);
    let later = rfc3339(&rows[0]["next_attempt_at"]);
    assert!(later - next > next - now, "exponential backoff");

    // Back up. Before the next attempt time nothing is tried; then it goes, once.
    let _sink = SmtpSink::on(port, &mailbox);
    let report = reminders
        .sweep(&app.db, next + Duration::seconds(1))
        .await
        .expect("sweep");
    assert!(report.is_empty(), "{report}");
    assert!(read_mailbox(&mailbox).is_empty());
    let report = reminders.sweep(&app.db, later).await.expect("sweep");
    assert_eq!(report.sent.len(), 1, "{report}");
    let report = reminders
        .sweep(&app.db, later + Duration::hours(1))
        .await
        .expect("sweep");
    assert!(report.is_empty(), "{report}");
    assert_eq!(read_mailbox(&mailbox).len(), 1);
    let rows = outbox(&app, &p.admin, &format!("subject=certificate:{number}")).await;
    assert_eq!(rows[0]["status"], "sent");
    assert_eq!(rows[0]["attempts"], 3);
}

#[tokio::test]
async fn a_permanent_rejection_is_recorded_and_given_up_after_max_attempts() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(|s| {
        s.smtp_url = sink.url();
        s.smtp_max_attempts = 2;
    })
    .await;
    let Hall {
        p, number, expires, ..
    } = certified_hall(&app, "reject-dsi@venue.test", false).await;
    let reminders = Reminders::new(&app.settings).expect("reminders");
    let now = day(expires, -30);
    let subject = format!("subject=certificate:{number}");

    let report = reminders.sweep(&app.db, now).await.expect("sweep");
    assert_eq!(report.retrying.len(), 1, "{report}");
    let rows = outbox(&app, &p.admin, &subject).await;
    assert_eq!(rows[0]["status"], "pending");
    let error = rows[0]["last_error"].as_str().expect("error").to_string();
    assert!(error.contains("550"), "{error}");

    let report = reminders
        .sweep(&app.db, now + Duration::hours(1))
        .await
        .expect("sweep");
    assert_eq!(report.failed.len(), 1, "{report}");
    let report = reminders
        .sweep(&app.db, now + Duration::days(1))
        .await
        .expect("sweep");
    assert!(report.is_empty(), "no more attempts: {report}");

    let rows = outbox(&app, &p.admin, &format!("{subject}&status=failed")).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["attempts"], 2);
    assert!(
        rows[0]["last_error"]
            .as_str()
            .expect("error")
            .contains("550")
    );
    assert!(sink.messages().is_empty());
    let audit = app
        .get("/api/v1/audit?entity_type=notification", Some(&p.admin))
        .await
        .ok();
    assert!(
        audit
            .as_array()
            .expect("audit")
            .iter()
            .any(|e| e["action"] == "notification.failed")
    );
}

#[tokio::test]
async fn a_renewed_certificate_gets_no_further_reminders() {
    let dir = tempfile::tempdir().expect("dir");
    let mailbox = dir.path().join("mailbox.jsonl");
    let port = unused_port();
    let app = spawn_app_with(|s| s.smtp_url = format!("smtp://127.0.0.1:{port}")).await;
    let Hall {
        p,
        premises_id,
        number: old,
        expires,
        ..
    } = certified_hall(&app, "dsi@venue.test", false).await;
    let reminders = Reminders::new(&app.settings).expect("reminders");

    // The 30-day reminder is queued while the mail server is down.
    let report = reminders
        .sweep(&app.db, day(expires, -30))
        .await
        .expect("sweep");
    assert_eq!(report.retrying.len(), 1, "{report}");

    // The operator renews: the new certificate supersedes the old one.
    let renewal = certify(&app, &p, &premises_id, false).await;
    let new = renewal["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let record = app
        .get(&format!("/api/v1/certificates/{old}"), Some(&p.operator))
        .await
        .ok();
    assert_eq!(record["status"], "superseded");

    // The server is back: the queued reminder is checked again and skipped.
    let _sink = SmtpSink::on(port, &mailbox);
    let report = reminders
        .sweep(&app.db, day(expires, -29))
        .await
        .expect("sweep");
    assert_eq!(report.skipped.len(), 1, "{report}");
    // (The new certificate, issued the same day, has its own reminders.)
    assert!(
        report
            .sent
            .iter()
            .all(|n| n.subject == format!("certificate:{new}")),
        "{report}"
    );
    for offset in [-7, 0, 30] {
        reminders
            .sweep(&app.db, day(expires, offset))
            .await
            .expect("sweep");
    }
    let rows = outbox(&app, &p.admin, &format!("subject=certificate:{old}")).await;
    assert_eq!(
        rows.len(),
        1,
        "no reminder queued after the renewal: {rows:?}"
    );
    assert_eq!(rows[0]["status"], "skipped");
    assert!(
        rows[0]["last_error"]
            .as_str()
            .expect("reason")
            .contains("superseded")
    );
    for m in read_mailbox(&mailbox) {
        assert!(
            !m.text().contains(&old),
            "a reminder named the superseded certificate"
        );
        assert!(m.text().contains(&new));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sweeping_together_send_every_reminder_exactly_once() {
    let sink = SmtpSink::start();
    // The conditions stay unmet for the whole year swept here; a grace period longer
    // than that keeps their certificates active, so that every expiry reminder is
    // due. (The overdue suspension under two instances: tests/api/conditions.rs.)
    let app = spawn_app_with(|s| {
        s.smtp_url = sink.url();
        s.condition_grace_days = 3650;
    })
    .await;
    let p = people(&app).await;
    let mut expires = Vec::new();
    let mut condition_due = None;
    for i in 0..4 {
        let premises_id = building_with_dsi(
            &app,
            &p.operator,
            &format!("Hall {i}"),
            &format!("dsi{i}@venue.test"),
        )
        .await;
        let done = certify(&app, &p, &premises_id, i % 2 == 0).await;
        expires.push(rfc3339(&done["certificate"]["expires_at"]));
        if i % 2 == 0 {
            condition_due = Some(rfc3339(&done["conditions"][0]["due_at"]));
        }
    }
    // Two instances: each its own connection pool and its own claims, one audit key.
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
    let mut queued = 0;
    let mut sent = 0;
    for offset in [-90, -30, -7, 0, 30] {
        let now = day(expires[0], offset);
        let (a, b) = tokio::join!(r1.sweep(&one, now), r2.sweep(&two, now));
        let (a, b) = (a.expect("sweep one"), b.expect("sweep two"));
        queued += a.queued.len() + b.queued.len();
        sent += a.sent.len() + b.sent.len();
    }
    // Two of the certificates carry a condition: sweep its days as well.
    let due = condition_due.expect("a condition");
    for offset in [-30, -7, 0, 30] {
        let now = day(due, offset);
        let (a, b) = tokio::join!(r1.sweep(&one, now), r2.sweep(&two, now));
        let (a, b) = (a.expect("sweep one"), b.expect("sweep two"));
        queued += a.queued.len() + b.queued.len();
        sent += a.sent.len() + b.sent.len();
    }

    let rows = outbox(&app, &p.admin, "limit=1000").await;
    // 4 certificates × 5 offsets, and 2 conditions × 4 offsets (the 90-day one falls
    // on the day of issue, which was not swept).
    assert_eq!(rows.len(), 4 * 5 + 2 * 4, "every reminder queued");
    assert_eq!(
        queued,
        rows.len(),
        "each reminder queued by exactly one instance"
    );
    assert_eq!(
        sent,
        rows.len(),
        "each reminder sent by exactly one instance"
    );
    assert!(rows.iter().all(|r| r["status"] == "sent"));
    let messages = sink.messages();
    let ids: Vec<String> = messages.iter().map(Received::notification_id).collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no message delivered twice");
    assert_eq!(ids.len(), rows.len(), "every reminder delivered");
}

#[tokio::test]
async fn reminders_run_writes_eml_files_when_no_smtp_server_is_configured() {
    let app = spawn_app().await;
    let Hall {
        number, expires, ..
    } = certified_hall(&app, "dsi@venue.test", false).await;
    let data_dir = tempfile::tempdir().expect("dir");
    let audit_key = std::fs::read_to_string(protectcert::audit_key::key_file(&app.settings))
        .expect("the app's audit key");
    let now = day(expires, -7)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let run = |now: &str| {
        Command::new(env!("CARGO_BIN_EXE_protectcert"))
            .args(["reminders", "run", "--now", now])
            .env("PROTECTCERT_DATABASE_URL", app.settings.database_url())
            .env("PROTECTCERT_DATA_DIR", data_dir.path())
            // Another instance's data dir: the app's audit key, configured.
            .env("PROTECTCERT_AUDIT_KEY", &audit_key)
            .env("PROTECTCERT_PUBLIC_URL", &app.address)
            .env_remove("PROTECTCERT_SMTP_URL")
            .output()
            .expect("run")
    };
    let out = run(&now);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "queued   certificate_expiry certificate:{number} -7"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("1 queued, 1 sent"), "{stdout}");
    let files: Vec<PathBuf> = std::fs::read_dir(data_dir.path().join("outbox"))
        .expect("outbox folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let eml = std::fs::read_to_string(&files[0]).expect("eml");
    assert!(eml.contains("multipart/alternative") && eml.contains("text/html"));
    assert!(eml.contains(&number));

    // The same day again: nothing new.
    let out = run(&now);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 queued, 0 sent"));
    // A bad --now is refused with the reason.
    let out = run("next tuesday");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--now"));
}

#[tokio::test]
async fn the_outbox_filters_and_names_a_bad_filter() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let rows = outbox(
        &app,
        &admin,
        "status=pending&kind=condition_due&subject=certificate:*",
    )
    .await;
    assert!(rows.is_empty());
    let reply = app
        .get("/api/v1/notifications?status=lost&kind=fax", Some(&admin))
        .await
        .expect(422);
    let fields = crate::helpers::Reply::fields(&reply);
    assert_eq!(fields, vec!["status", "kind"]);
    let reply = app
        .get("/api/v1/notifications?limit=0", Some(&admin))
        .await
        .expect(422);
    assert_eq!(crate::helpers::Reply::fields(&reply), vec!["limit"]);
}

#[tokio::test]
async fn the_renewal_page_explains_how_to_renew_and_discloses_nothing() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let premises_id = building_with_dsi(&app, &p.operator, "Secret Bunker", "dsi@venue.test").await;
    for id in [premises_id.clone(), uuid::Uuid::new_v4().to_string()] {
        let res = app
            .client
            .get(app.url(&format!("/renew/{id}")))
            .send()
            .await
            .expect("page");
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .expect("type")
                .starts_with("text/html")
        );
        // A page for people: log in (coming back here), then start the renewal.
        let html = res.text().await.expect("html");
        assert!(html.contains("Renew a certificate"), "{html}");
        assert!(html.contains(&format!("/login?next=/renew/{id}")), "{html}");
        assert!(!html.contains("Bearer"), "no API instructions for people");
        assert!(!html.contains("Secret Bunker") && !html.contains("BS1"));
    }
    // A browser page: the 404 is a page too.
    let missing = app
        .client
        .get(app.url("/renew/not-an-id"))
        .send()
        .await
        .expect("page");
    assert_eq!(missing.status(), 404);
    assert!(
        missing.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn an_event_certificate_ends_with_its_event_and_gets_no_renewal_reminders() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let event = app.event(&p.operator, 900).await;
    let done = certify(&app, &p, event["id"].as_str().expect("id"), true).await;
    let number = done["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let expires = rfc3339(&done["certificate"]["expires_at"]);
    let reminders = Reminders::new(&app.settings).expect("reminders");
    for offset in [-30, -7, 0, 30] {
        reminders
            .sweep(&app.db, day(expires, offset))
            .await
            .expect("sweep");
    }
    let expiry = outbox(&app, &p.admin, &format!("subject=certificate:{number}")).await;
    assert!(
        expiry.is_empty(),
        "no 'renew your certificate' for an event: {expiry:?}"
    );
    // Its condition is still chased (it falls due by the event's end).
    let conditions = outbox(&app, &p.admin, "kind=condition_due").await;
    assert!(!conditions.is_empty(), "the condition still gets reminders");
}

// Issue 12 part E (reminders at scale): a sweep leaves out what the outbox holds by
// reading the reminders queued for the same due dates; one queued under another due
// date (the row's date no longer matches the certificate's) still counts (the exact
// check of the unique key, and the key itself behind it).
#[tokio::test]
async fn a_reminder_queued_under_another_due_date_is_not_queued_again() {
    let app = spawn_app().await;
    let Hall {
        number, expires, ..
    } = certified_hall(&app, "dsi@venue.test", false).await;
    let reminders = Reminders::new(&app.settings).expect("reminders");
    let report = reminders
        .queue(&app.db, day(expires, -30))
        .await
        .expect("queue");
    assert_eq!(report.len(), 1);
    let subject = format!("certificate:{number}");
    let moved = app
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            use protectcert::db::schema::notifications;
            diesel::update(notifications::table.filter(notifications::subject.eq(subject)))
                .set(notifications::due_on.eq(time::macros::date!(2000 - 01 - 01)))
                .execute(conn)
                .map_err(anyhow::Error::from)
        })
        .await
        .expect("move the due date");
    assert_eq!(moved, 1);
    let again = reminders
        .queue(&app.db, day(expires, -29))
        .await
        .expect("queue");
    assert!(again.is_empty(), "queued again: {again:?}");
}
