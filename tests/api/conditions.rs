//! Conditions to closure over HTTP: the operator's evidence, the advisor's review,
//! who may review, reminders that stop, and the overdue suspension (once, on both
//! databases, with two instances sweeping) and its reinstatement.

use protectcert::notify::Reminders;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::helpers::{Reply, Scheme, TestApp, conditional_scheme, spawn_app};

fn rfc3339(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(
        v.as_str().expect("time"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339")
}

fn day(due: OffsetDateTime, offset: i64) -> OffsetDateTime {
    (due.date() + Duration::days(offset))
        .with_hms(9, 0, 0)
        .expect("time")
        .assume_utc()
}

async fn record(app: &TestApp, token: &str, number: &str) -> Value {
    app.get(&format!("/api/v1/certificates/{number}"), Some(token))
        .await
        .ok()
}

async fn condition(app: &TestApp, s: &Scheme) -> Value {
    record(app, &s.admin, s.number()).await["conditions"][0].clone()
}

async fn review(app: &TestApp, token: &str, number: &str, id: &str, body: Value) -> Reply {
    app.post(
        &format!("/api/v1/certificates/{number}/conditions/{id}/review"),
        Some(token),
        body,
    )
    .await
}

async fn audit_actions(app: &TestApp, admin: &str, number: &str) -> Vec<String> {
    app.get(
        &format!("/api/v1/audit?entity_type=certificate&entity_id={number}&limit=1000"),
        Some(admin),
    )
    .await
    .ok()
    .as_array()
    .expect("entries")
    .iter()
    .filter_map(|e| e["action"].as_str().map(str::to_string))
    .collect()
}

async fn outbox(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/notifications?{query}"), Some(admin))
        .await
        .ok()
        .as_array()
        .expect("rows")
        .clone()
}

/// The emails written to the outbox folder (no SMTP server configured).
fn mail_folder(app: &TestApp) -> Vec<String> {
    let dir = app.settings.data_dir.join("outbox");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .map(|b| {
            String::from_utf8_lossy(&b)
                .replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=")
        })
        .collect()
}

#[tokio::test]
async fn the_operator_submits_evidence_and_the_advisor_closes_the_condition() {
    let app = spawn_app().await;
    let s = conditional_scheme(&app).await;
    let number = s.number().to_string();
    let c = condition(&app, &s).await;
    let id = c["id"].as_str().expect("id").to_string();
    assert_eq!(c["state"], "open");
    assert!(c["item_id"].is_string() && c["text"].is_string() && c["due_at"].is_string());
    assert_eq!(c["history"][0]["action"], "issued");

    // The note is required, and only a file of an accepted type goes.
    let missing = app
        .submit_condition_evidence(&s.operator, &number, &id, None)
        .await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert_eq!(Reply::fields(&missing.body), vec!["note"]);
    let submitted = app
        .submit_condition_evidence(&s.operator, &number, &id, Some("Drill held on 3 March"))
        .await
        .expect(201);
    assert_eq!(submitted["state"], "evidence_submitted");
    let again = app
        .submit_condition_evidence(&s.operator, &number, &id, Some("again"))
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["code"], "condition_awaiting_review");

    // Rejecting needs a note; another advisor may not review while the raiser may.
    let no_note = review(
        &app,
        &s.advisor,
        &number,
        &id,
        json!({"decision": "reject"}),
    )
    .await;
    assert_eq!(no_note.status, 422);
    assert_eq!(Reply::fields(&no_note.body), vec!["note"]);
    let (other, _) = app.advisor(&s.admin, &["building"], None).await;
    let refused = review(&app, &other, &number, &id, json!({"decision": "accept"})).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let rejected = review(
        &app,
        &s.advisor,
        &number,
        &id,
        json!({"decision": "reject", "note": "The log is unsigned"}),
    )
    .await
    .ok();
    assert_eq!(rejected["state"], "rejected");

    // Rejected is open again: the operator submits anew, the advisor accepts.
    app.submit_condition_evidence(&s.operator, &number, &id, Some("Signed log attached"))
        .await
        .expect(201);
    let list = app
        .get("/api/v1/conditions/awaiting-review", Some(&s.advisor))
        .await
        .ok();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["condition"]["id"], id.as_str());
    let others = app
        .get("/api/v1/conditions/awaiting-review", Some(&other))
        .await
        .ok();
    assert_eq!(others, json!([]));
    let accepted = review(
        &app,
        &s.advisor,
        &number,
        &id,
        json!({"decision": "accept"}),
    )
    .await
    .ok();
    assert_eq!(accepted["state"], "accepted");
    let closed = review(
        &app,
        &s.advisor,
        &number,
        &id,
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(closed.status, 409);
    assert_eq!(closed.body["code"], "condition_closed");

    // The operator and the police see the whole history, with the evidence.
    let c = record(&app, &s.operator, &number).await["conditions"][0].clone();
    assert_eq!(c["state"], "accepted");
    let actions: Vec<&str> = c["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "issued",
            "evidence_submitted",
            "rejected",
            "evidence_submitted",
            "accepted"
        ]
    );
    assert_eq!(c["history"][2]["note"], "The log is unsigned");
    let evidence_id = c["history"][3]["evidence"]["id"]
        .as_str()
        .expect("evidence");
    let path = format!("/api/v1/certificates/{number}/conditions/{id}/evidence/{evidence_id}");
    let police = app.police(&s.admin).await;
    let file = app
        .client
        .get(app.url(&path))
        .bearer_auth(&police)
        .send()
        .await
        .expect("download");
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.headers()["content-disposition"],
        "attachment; filename=\"drill-log.pdf\""
    );
    let (stranger, _) = app.operator("Someone Else Ltd").await;
    assert_eq!(app.get(&path, Some(&stranger)).await.status, 404);
    let elsewhere = app
        .submit_condition_evidence(&stranger, &number, &id, Some("x"))
        .await;
    assert_eq!(elsewhere.status, 404);

    // Under the condition in the audit log; the certificate's status history keeps
    // to its status.
    let audit: Vec<String> = app
        .get(
            &format!("/api/v1/audit?entity_type=condition&entity_id={id}"),
            Some(&s.admin),
        )
        .await
        .ok()
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_string))
        .collect();
    let status_history = app
        .get(
            &format!("/api/v1/certificates/{number}/history"),
            Some(&s.admin),
        )
        .await
        .ok();
    assert!(
        !status_history.to_string().contains("condition."),
        "{status_history}"
    );
    for action in [
        "condition.evidence_submitted",
        "condition.rejected",
        "condition.accepted",
    ] {
        assert!(audit.iter().any(|a| a == action), "{action} in {audit:?}");
    }

    // The public check shows the status only: nothing of the condition.
    let public = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    assert!(public.get("conditions").is_none(), "{public}");
    let text = c["text"].as_str().expect("text");
    let page = app
        .client
        .get(app.url(&format!("/verify?number={number}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(!page.contains(text) && !page.contains(&id) && !page.contains("drill-log"));
    assert!(!page.to_lowercase().contains("condition"), "{page}");
}

#[tokio::test]
async fn once_the_raisers_accreditation_is_suspended_any_eligible_advisor_reviews() {
    let app = spawn_app().await;
    let s = conditional_scheme(&app).await;
    let number = s.number().to_string();
    let id = condition(&app, &s).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    app.submit_condition_evidence(&s.operator, &number, &id, Some("Plan updated"))
        .await
        .expect(201);
    let (other, _) = app.advisor(&s.admin, &["building"], None).await;
    let (out_of_scope, _) = app.advisor(&s.admin, &["event"], None).await;
    app.post(
        &format!("/api/v1/advisors/{}/suspend", s.advisor_id),
        Some(&s.admin),
        json!({"reason": "audit of their work"}),
    )
    .await
    .ok();
    let own = review(
        &app,
        &s.advisor,
        &number,
        &id,
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(own.status, 403, "{}", own.body);
    let scope = review(
        &app,
        &out_of_scope,
        &number,
        &id,
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(scope.status, 403, "{}", scope.body);
    let list = app
        .get("/api/v1/conditions/awaiting-review", Some(&other))
        .await
        .ok();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let accepted = review(
        &app,
        &other,
        &number,
        &id,
        json!({"decision": "accept", "note": "Seen"}),
    )
    .await
    .ok();
    assert_eq!(accepted["state"], "accepted");
}

#[tokio::test]
async fn condition_reminders_say_how_to_submit_evidence_and_stop_once_it_is_in() {
    let app = spawn_app().await;
    let s = conditional_scheme(&app).await;
    let number = s.number().to_string();
    let c = condition(&app, &s).await;
    let id = c["id"].as_str().expect("id").to_string();
    let due = rfc3339(&c["due_at"]);
    let reminders = Reminders::new(&app.settings).expect("reminders");

    let report = reminders.sweep(&app.db, day(due, -7)).await.expect("sweep");
    assert_eq!(report.sent.len(), 1, "{report}");
    let mails = mail_folder(&app);
    let mail = mails
        .iter()
        .find(|m| m.contains("condition"))
        .expect("the condition reminder");
    assert!(
        mail.contains(&format!("/operator/certificates/{number}/conditions/{id}")),
        "{mail}"
    );
    assert!(mail.contains("submit your evidence"), "{mail}");
    assert!(!mail.contains("fresh assessment"), "{mail}");

    app.submit_condition_evidence(&s.operator, &number, &id, Some("Done"))
        .await
        .expect(201);
    // Evidence is in: no reminder on the day, nor after; and no overdue suspension.
    for offset in [0, 30] {
        let report = reminders
            .sweep(&app.db, day(due, offset))
            .await
            .expect("sweep");
        assert!(
            report
                .queued
                .iter()
                .all(|r| r.kind.as_str() != "condition_due"),
            "{report}"
        );
    }
    assert_eq!(outbox(&app, &s.admin, "kind=condition_due").await.len(), 1);
    assert_eq!(
        outbox(&app, &s.admin, "kind=condition_overdue").await.len(),
        0
    );
    assert_eq!(record(&app, &s.admin, &number).await["status"], "valid");
}

#[tokio::test]
async fn an_overdue_condition_suspends_the_certificate_once_until_its_evidence_is_accepted() {
    let app = spawn_app().await;
    let s = conditional_scheme(&app).await;
    let number = s.number().to_string();
    let c = condition(&app, &s).await;
    let id = c["id"].as_str().expect("id").to_string();
    let item = c["item_id"].as_str().expect("item").to_string();
    let due = rfc3339(&c["due_at"]);
    let reminders = Reminders::new(&app.settings).expect("reminders");

    // Within the grace period (14 days by default) nothing happens.
    reminders.sweep(&app.db, day(due, 13)).await.expect("sweep");
    assert_eq!(record(&app, &s.admin, &number).await["status"], "valid");
    for offset in [15, 15, 16, 40] {
        reminders
            .sweep(&app.db, day(due, offset))
            .await
            .expect("sweep");
    }
    let cert = record(&app, &s.operator, &number).await;
    assert_eq!(cert["status"], "suspended");
    assert_eq!(cert["status_reason"], format!("condition {item} overdue"));
    assert_eq!(cert["conditions"][0]["overdue"], true);
    let public = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    assert_eq!(public["status"], "suspended");
    let audit = audit_actions(&app, &s.admin, &number).await;
    assert_eq!(
        audit
            .iter()
            .filter(|a| *a == "certificate.suspended")
            .count(),
        1,
        "{audit:?}"
    );
    let rows = outbox(&app, &s.admin, "kind=condition_overdue").await;
    assert_eq!(rows.len(), 1, "one email, whatever the sweeps");
    let recipients = rows[0]["recipients"].to_string();
    assert!(recipients.contains("dsi@venue.test"), "{recipients}");
    assert!(
        rows[0]["recipients"].as_array().map(Vec::len) == Some(2),
        "{recipients}"
    );
    let mails = mail_folder(&app);
    let mail = mails
        .iter()
        .find(|m| m.contains("is suspended"))
        .expect("the overdue email");
    assert!(
        mail.contains(&format!("condition {item} overdue")),
        "{mail}"
    );
    assert!(mail.contains(&format!("/conditions/{id}")), "{mail}");

    // An admin's reinstatement does not lift a condition's hold.
    let held = app
        .post(
            &format!("/api/v1/certificates/{number}/reinstate"),
            Some(&s.admin),
            json!({"reason": "asked by the operator"}),
        )
        .await;
    assert_eq!(held.status, 409);
    assert_eq!(held.body["code"], "held_by_condition");

    // Accepting the evidence does.
    app.submit_condition_evidence(&s.operator, &number, &id, Some("Drill log"))
        .await
        .expect(201);
    review(
        &app,
        &s.advisor,
        &number,
        &id,
        json!({"decision": "accept"}),
    )
    .await
    .ok();
    let cert = record(&app, &s.admin, &number).await;
    assert_eq!(cert["status"], "valid", "{cert}");
    assert_eq!(cert["conditions"][0]["overdue"], false);
    let audit = audit_actions(&app, &s.admin, &number).await;
    assert!(
        audit.iter().any(|a| a == "certificate.reinstated"),
        "{audit:?}"
    );
    // Closed: later sweeps neither remind nor suspend.
    reminders.sweep(&app.db, day(due, 60)).await.expect("sweep");
    assert_eq!(record(&app, &s.admin, &number).await["status"], "valid");
}

#[tokio::test]
async fn an_expired_certificate_is_not_suspended_for_its_overdue_condition() {
    // An event's conditions fall due when it ends, as its certificate expires: once
    // expired, verification says "expired", and no one is told of a suspension.
    let app = spawn_app().await;
    let s = conditional_scheme(&app).await;
    let number = s.number().to_string();
    let c = condition(&app, &s).await;
    let due = rfc3339(&c["due_at"]);
    {
        let mut conn = app.db.get().expect("conn");
        let at_due = protectcert::db::from_utc(due);
        protectcert::db::certificates::set_expiry(&mut conn, &number, at_due).expect("expire");
    }
    let reminders = Reminders::new(&app.settings).expect("reminders");
    reminders.sweep(&app.db, day(due, 20)).await.expect("sweep");
    // Not suspended: read today, before the (moved) expiry, it is still valid.
    let cert = record(&app, &s.admin, &number).await;
    assert_eq!(cert["status"], "valid", "{cert}");
    assert!(cert["status_reason"].is_null(), "{cert}");
    assert_eq!(cert["conditions"][0]["overdue"], false);
    let overdue = outbox(&app, &s.admin, "kind=condition_overdue").await;
    assert!(overdue.is_empty(), "{overdue:?}");
}

#[tokio::test]
async fn an_admins_suspension_outlasts_the_conditions_acceptance() {
    let app = spawn_app().await;
    let s = conditional_scheme(&app).await;
    let number = s.number().to_string();
    let c = condition(&app, &s).await;
    let id = c["id"].as_str().expect("id").to_string();
    let due = rfc3339(&c["due_at"]);
    let reminders = Reminders::new(&app.settings).expect("reminders");
    reminders.sweep(&app.db, day(due, 15)).await.expect("sweep");
    // The admin adds their own hold on the suspended certificate.
    app.post(
        &format!("/api/v1/certificates/{number}/suspend"),
        Some(&s.admin),
        json!({"reason": "complaint under investigation"}),
    )
    .await
    .ok();
    app.submit_condition_evidence(&s.operator, &number, &id, Some("Drill log"))
        .await
        .expect(201);
    review(
        &app,
        &s.advisor,
        &number,
        &id,
        json!({"decision": "accept"}),
    )
    .await
    .ok();
    assert_eq!(record(&app, &s.admin, &number).await["status"], "suspended");
    app.post(
        &format!("/api/v1/certificates/{number}/reinstate"),
        Some(&s.admin),
        json!({"reason": "investigation closed"}),
    )
    .await
    .ok();
    assert_eq!(record(&app, &s.admin, &number).await["status"], "valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sweeping_suspend_for_an_overdue_condition_exactly_once() {
    let app = spawn_app().await;
    let s = conditional_scheme(&app).await;
    let number = s.number().to_string();
    // A second certificate with a condition, for more to race over.
    let second = app.building(&s.operator, 400).await;
    let (_, done) = app
        .conditional_certificate(&s.operator, &s.advisor, &second)
        .await;
    let second_number = done["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let due = rfc3339(&condition(&app, &s).await["due_at"]);
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
    for offset in [15, 15, 16, 20] {
        let now = day(due, offset);
        let (a, b) = tokio::join!(r1.sweep(&one, now), r2.sweep(&two, now));
        a.expect("sweep one");
        b.expect("sweep two");
    }
    for n in [&number, &second_number] {
        assert_eq!(record(&app, &s.admin, n).await["status"], "suspended");
        let audit = audit_actions(&app, &s.admin, n).await;
        assert_eq!(
            audit
                .iter()
                .filter(|a| *a == "certificate.suspended")
                .count(),
            1,
            "{n}: {audit:?}"
        );
    }
    assert_eq!(
        outbox(&app, &s.admin, "kind=condition_overdue").await.len(),
        2
    );
}

#[tokio::test]
async fn certificates_issued_before_conditions_were_rows_get_them_at_start() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let s = conditional_scheme(&app).await;
    let number = s.number().to_string();
    let before = condition(&app, &s).await;
    // As a certificate issued before this version: its conditions only in the JSON.
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        db.blocking(|conn| -> anyhow::Result<()> {
            for table in [
                "condition_evidence",
                "condition_events",
                "certificate_conditions",
            ] {
                diesel::sql_query(format!("DELETE FROM {table}")).execute(conn)?;
            }
            Ok(())
        })
    })
    .await
    .expect("join")
    .expect("delete");
    assert_eq!(
        record(&app, &s.admin, &number).await["conditions"],
        json!([])
    );
    let db = app.db.clone();
    let done = tokio::task::spawn_blocking(move || {
        protectcert::service::certificates::conditions::backfill(&db)
    })
    .await
    .expect("join")
    .expect("backfill");
    assert_eq!(done, 1);
    let after = condition(&app, &s).await;
    assert_eq!(after["state"], "open");
    assert_eq!(after["item_id"], before["item_id"]);
    assert_eq!(after["text"], before["text"]);
    assert_eq!(after["due_at"], before["due_at"]);
    // Once done, nothing more to do; and the advisor who assessed reviews it.
    let db = app.db.clone();
    let again = tokio::task::spawn_blocking(move || {
        protectcert::service::certificates::conditions::backfill(&db)
    })
    .await
    .expect("join")
    .expect("backfill");
    assert_eq!(again, 0);
    let id = after["id"].as_str().expect("id");
    app.submit_condition_evidence(&s.operator, &number, id, Some("Plan"))
        .await
        .expect(201);
    review(&app, &s.advisor, &number, id, json!({"decision": "accept"}))
        .await
        .ok();
}
