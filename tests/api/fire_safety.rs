//! Issue 11 part 5: fire safety on file. The operator records the premises' fire
//! risk assessment (and fire safety certificate) with evidence; submitting needs a
//! current one (unless the scheme turns that off); the certificate record and the
//! police page show what is on file, as recorded by the operator; the reminder sweep
//! emails the operator before the review date and the certificate's expiry.

use protectcert::notify::Reminders;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::helpers::{PASSWORD, Reply, TestApp, certified_scheme, spawn_app, spawn_app_with};
use crate::pages::Browser;

fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

fn days(n: i64) -> String {
    (today() + Duration::days(n)).to_string()
}

async fn put_fire_safety(app: &TestApp, operator: &str, premises_id: &str, body: Value) -> Reply {
    app.put(
        &format!("/api/v1/premises/{premises_id}/fire-safety"),
        Some(operator),
        body,
    )
    .await
}

#[tokio::test]
async fn each_field_at_fault_is_named() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Quayside Venues Ltd").await;
    let premises = app.building_without_fire_safety(&op, 450).await;
    let id = premises["id"].as_str().expect("id");

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"assessor": "", "assessed_on": "1 March 2026", "next_review_on": "2027-02-30"}),
            vec!["assessor", "assessed_on", "next_review_on"],
        ),
        (
            json!({"assessor": "A".repeat(201), "assessed_on": days(1), "next_review_on": days(400)}),
            vec!["assessor", "assessed_on"],
        ),
        (
            json!({"assessor": "Blaze Ltd", "assessed_on": days(-10), "next_review_on": days(-10)}),
            vec!["next_review_on"],
        ),
        (
            json!({"assessor": "Blaze Ltd", "assessed_on": days(-10), "next_review_on": days(300),
                   "certificate_expires_on": days(100)}),
            vec!["certificate_expires_on"],
        ),
        (
            json!({"assessor": "Blaze Ltd", "assessed_on": days(-10), "next_review_on": days(300),
                   "certificate_reference": "R".repeat(101), "certificate_expires_on": "soon"}),
            vec!["certificate_reference", "certificate_expires_on"],
        ),
        (
            json!({"assessor": "Blaze\u{202E}Ltd", "assessed_on": days(-10), "next_review_on": days(300)}),
            vec!["assessor"],
        ),
    ];
    for (body, fields) in cases {
        let problem = put_fire_safety(&app, &op, id, body.clone())
            .await
            .expect(422);
        assert_eq!(problem["code"], "validation_failed", "{body}");
        assert_eq!(Reply::fields(&problem), fields, "{body}: {problem}");
    }
    // A field the API does not know is a 400 naming it.
    let problem = put_fire_safety(
        &app,
        &op,
        id,
        json!({"assessor": "Blaze Ltd", "assessed_on": days(-10), "next_review_on": days(300), "reviewed_by": "x"}),
    )
    .await
    .expect(400);
    assert!(problem.to_string().contains("reviewed_by"), "{problem}");
    // Nothing was recorded.
    let on_file = app
        .get(&format!("/api/v1/premises/{id}/fire-safety"), Some(&op))
        .await
        .ok();
    assert_eq!(on_file["standing"], "none_on_file");
    assert!(on_file["current"].is_null());
}

#[tokio::test]
async fn a_new_recording_keeps_the_one_before_and_both_are_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (op, _) = app.operator("Quayside Venues Ltd").await;
    let premises = app.building_without_fire_safety(&op, 450).await;
    let id = premises["id"].as_str().expect("id");

    // Evidence needs an assessment to attach to.
    let refused = app.attach_fire_safety(&op, id).await.expect(409);
    assert_eq!(refused["code"], "fire_safety_missing");

    let first = put_fire_safety(
        &app,
        &op,
        id,
        json!({"assessor": "Blaze Fire Risk Ltd", "assessed_on": days(-400), "next_review_on": days(-35)}),
    )
    .await
    .ok();
    assert_eq!(first["standing"], "review_passed");
    assert!(
        first["statement"]
            .as_str()
            .expect("statement")
            .contains("not checked by this scheme")
    );
    let file = app.attach_fire_safety(&op, id).await.expect(201);
    let second = put_fire_safety(
        &app,
        &op,
        id,
        json!({"assessor": "Avon Fire Safety", "assessed_on": days(-3), "next_review_on": days(362),
               "certificate_reference": "FSC-2026-0042", "certificate_expires_on": days(200)}),
    )
    .await
    .ok();
    assert_eq!(second["standing"], "current");
    assert_eq!(second["current"]["assessor"], "Avon Fire Safety");
    assert_eq!(second["current"]["certificate_reference"], "FSC-2026-0042");
    assert_eq!(second["current"]["evidence"], json!([]));
    let history = second["history"].as_array().expect("history");
    assert_eq!(history.len(), 1, "the earlier recording is kept");
    assert_eq!(history[0]["assessor"], "Blaze Fire Risk Ltd");
    assert!(history[0]["superseded_at"].is_string());
    assert_eq!(history[0]["evidence"][0]["id"], file["id"]);

    // The file downloads as uploaded, to the operator and admins.
    let res = app
        .client
        .get(app.url(&format!(
            "/api/v1/premises/{id}/fire-safety/evidence/{}",
            file["id"].as_str().expect("id")
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.bytes().await.expect("bytes").as_ref(),
        crate::helpers::SMALL_PDF
    );

    // Files are checked as application evidence is; no checklist item here.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"MZ\x90\x00".to_vec())
            .file_name("assessment.pdf")
            .mime_str("application/pdf")
            .expect("mime"),
    );
    let res = app
        .client
        .post(app.url(&format!("/api/v1/premises/{id}/fire-safety/evidence")))
        .bearer_auth(&op)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(Reply::from(res).await.status.as_u16(), 415);
    let form = reqwest::multipart::Form::new()
        .text("item_id", "gov-01")
        .part(
            "file",
            reqwest::multipart::Part::bytes(crate::helpers::SMALL_PDF.to_vec())
                .file_name("a.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        );
    let res = app
        .client
        .post(app.url(&format!("/api/v1/premises/{id}/fire-safety/evidence")))
        .bearer_auth(&op)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let problem = Reply::from(res).await.expect(422);
    assert_eq!(Reply::fields(&problem), ["item_id"]);

    let audit = app
        .get(
            &format!("/api/v1/audit?entity_type=premises&entity_id={id}"),
            Some(&admin),
        )
        .await
        .ok();
    let actions: Vec<&str> = audit
        .as_array()
        .expect("audit")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "premises.fire_safety_recorded")
            .count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "premises.fire_safety_evidence_uploaded")
            .count(),
        1,
        "{actions:?}"
    );
    let recorded: Vec<&Value> = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| e["action"] == "premises.fire_safety_recorded")
        .collect();
    let newest = recorded
        .iter()
        .find(|e| e["after"]["assessor"] == "Avon Fire Safety")
        .expect("the second recording");
    assert_eq!(newest["before"]["assessor"], "Blaze Fire Risk Ltd");
}

#[tokio::test]
async fn another_organisation_can_neither_read_nor_record_it() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Quayside Venues Ltd").await;
    let (other, _) = app.operator("Someone Else Ltd").await;
    let premises = app.building(&op, 450).await;
    let id = premises["id"].as_str().expect("id");
    app.get(&format!("/api/v1/premises/{id}/fire-safety"), Some(&other))
        .await
        .expect(404);
    put_fire_safety(
        &app,
        &other,
        id,
        json!({"assessor": "Mallory", "assessed_on": days(-1), "next_review_on": days(10)}),
    )
    .await
    .expect(404);
    app.attach_fire_safety(&other, id).await.expect(404);
    let mine = app
        .get(&format!("/api/v1/premises/{id}/fire-safety"), Some(&op))
        .await
        .ok();
    assert_eq!(mine["current"]["assessor"], "Blaze Fire Risk Ltd");
}

/// Submitting is refused while no current fire risk assessment is on file: none
/// recorded, then one whose review date has passed; recording a current one lets it go.
#[tokio::test]
async fn submitting_needs_a_current_fire_risk_assessment_on_file() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Quayside Venues Ltd").await;
    let premises = app.building_without_fire_safety(&op, 450).await;
    let premises_id = premises["id"].as_str().expect("id");
    let application = app.answered_application(&op, premises_id).await;
    let id = application["id"].as_str().expect("id");
    let path = format!("/api/v1/applications/{id}/submit");
    let submit = || app.post(&path, Some(&op), json!({}));

    let problem = submit().await.expect(409);
    assert_eq!(problem["code"], "fire_safety_missing");
    assert_eq!(problem["items"], json!(["fire_safety"]));
    let detail = problem["detail"].as_str().expect("detail");
    assert!(detail.starts_with("fire_safety:"), "{detail}");
    assert!(
        detail.contains("no fire risk assessment is on file"),
        "{detail}"
    );
    assert!(detail.contains("/fire-safety"), "says what to do: {detail}");

    put_fire_safety(
        &app,
        &op,
        premises_id,
        json!({"assessor": "Blaze Ltd", "assessed_on": days(-400), "next_review_on": days(-1)}),
    )
    .await
    .ok();
    let problem = submit().await.expect(409);
    assert_eq!(problem["code"], "fire_safety_missing");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("was due for review on"),
        "{problem}"
    );

    // Due for review today still counts as current.
    put_fire_safety(
        &app,
        &op,
        premises_id,
        json!({"assessor": "Blaze Ltd", "assessed_on": days(-365), "next_review_on": days(0)}),
    )
    .await
    .ok();
    assert_eq!(submit().await.ok()["status"], "submitted");
}

#[tokio::test]
async fn with_the_requirement_off_an_application_is_submitted_without_one() {
    let app = spawn_app_with(|s| s.require_fire_risk_assessment = false).await;
    let (op, _) = app.operator("Quayside Venues Ltd").await;
    let premises = app.building_without_fire_safety(&op, 450).await;
    let application = app
        .answered_application(&op, premises["id"].as_str().expect("id"))
        .await;
    let id = application["id"].as_str().expect("id");
    let submitted = app
        .post(
            &format!("/api/v1/applications/{id}/submit"),
            Some(&op),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(submitted["status"], "submitted");
}

async fn page_login(b: &mut Browser<'_>, email: &str) {
    b.get("/login").await;
    let csrf = b.csrf();
    let (status, _) = b
        .post(
            "/login",
            &[("csrf", &csrf), ("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 303);
}

/// The certificate record (API and police page) shows what is on file, read when
/// the record is read, and says it was recorded by the operator and not checked;
/// public verification says nothing of it.
#[tokio::test]
async fn the_record_shows_what_is_on_file_and_never_claims_it_was_checked() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    let premises_id = scheme.premises["id"].as_str().expect("id").to_string();
    let police_email = format!("pc-{}@police.test", uuid::Uuid::new_v4().simple());
    app.post(
        "/api/v1/users",
        Some(&scheme.admin),
        json!({"name": "Pat Constable", "email": police_email, "password": PASSWORD, "role": "police"}),
    )
    .await
    .expect(201);
    let police = app.login(&police_email).await;

    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&police))
        .await
        .ok();
    let fire = &record["fire_safety"];
    assert_eq!(fire["standing"], "current");
    assert_eq!(fire["assessor"], "Blaze Fire Risk Ltd");
    assert_eq!(fire["evidence_files"], 0);
    assert!(
        fire["statement"]
            .as_str()
            .expect("statement")
            .contains("Recorded by the operator")
    );
    // Recorded later, shown at once: the record reads what is on file now.
    put_fire_safety(
        &app,
        &scheme.operator,
        &premises_id,
        json!({"assessor": "Avon Fire Safety", "assessed_on": days(-2), "next_review_on": days(363),
               "certificate_reference": "FSC-77", "certificate_expires_on": days(100)}),
    )
    .await
    .ok();
    app.attach_fire_safety(&scheme.operator, &premises_id)
        .await
        .expect(201);
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&police))
        .await
        .ok();
    assert_eq!(record["fire_safety"]["assessor"], "Avon Fire Safety");
    assert_eq!(record["fire_safety"]["certificate_reference"], "FSC-77");
    assert_eq!(record["fire_safety"]["certificate_expired"], false);
    assert_eq!(record["fire_safety"]["evidence_files"], 1);

    let public = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    assert!(public.get("fire_safety").is_none(), "{public}");
    assert!(!public.to_string().contains("Avon"), "{public}");

    let mut b = Browser::new(&app);
    page_login(&mut b, &police_email).await;
    let (status, html) = b.get(&format!("/police/certificates/{number}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Fire safety on file"), "{html}");
    assert!(html.contains("A fire risk assessment is on file"));
    assert!(html.contains("Avon Fire Safety"));
    assert!(html.contains("FSC-77, expires"));
    assert!(html.contains("Recorded by the operator"));
    assert!(html.contains("not checked by this scheme"));
    for claim in [
        "compliant",
        "verified by the scheme",
        "checked by the scheme",
    ] {
        assert!(
            !html.to_lowercase().contains(claim),
            "the page must not say {claim:?}"
        );
    }
    let (_, public_page) = b.get(&format!("/verify?number={number}")).await;
    assert!(!public_page.contains("Fire safety"), "{public_page}");
}

/// The operator's premises page: a refused form comes back with the message by its
/// field and what was typed kept; a good one is recorded and shown.
#[tokio::test]
async fn the_premises_page_records_the_assessment_with_messages_by_the_fields() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Quayside Venues Ltd").await;
    let me = app.get("/api/v1/me", Some(&op)).await.ok();
    let email = me["email"].as_str().expect("email").to_string();
    let premises = app.building_without_fire_safety(&op, 450).await;
    let id = premises["id"].as_str().expect("id");
    let mut b = Browser::new(&app);
    page_login(&mut b, &email).await;
    let (status, html) = b.get(&format!("/operator/premises/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("No fire risk assessment is on file"));
    assert!(html.contains("not checked by this scheme"));
    // The submit page says so before anything is sent.
    let application = app.answered_application(&op, id).await;
    let (_, html) = b
        .get(&format!(
            "/operator/applications/{}/submit",
            application["id"].as_str().expect("id")
        ))
        .await;
    assert!(
        html.contains("No current fire risk assessment is on file"),
        "{html}"
    );
    assert!(html.contains(&format!("/operator/premises/{id}#fire-safety")));

    let csrf = b.csrf();
    let path = format!("/operator/premises/{id}/fire-safety");
    let (status, html) = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("assessor", "Blaze Fire Risk Ltd"),
                ("assessed_on", &days(-10)),
                ("next_review_on", &days(-20)),
                ("certificate_reference", ""),
                ("certificate_expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("The date of the next review must be after the date of the assessment"),
        "{html}"
    );
    assert!(html.contains("value=\"Blaze Fire Risk Ltd\""), "input kept");
    assert!(html.contains("aria-invalid=\"true\""));

    let (status, to) = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("assessor", "Blaze Fire Risk Ltd"),
                ("assessed_on", &days(-10)),
                ("next_review_on", &days(355)),
                ("certificate_reference", ""),
                ("certificate_expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        to,
        format!("/operator/premises/{id}?done=fire_safety_recorded#fire-safety")
    );
    let (_, html) = b.get(&format!("/operator/premises/{id}")).await;
    assert!(html.contains("Blaze Fire Risk Ltd"));
    assert!(html.contains("Record a new or reviewed fire risk assessment"));
    let (_, html) = b
        .get(&format!(
            "/operator/applications/{}/submit",
            application["id"].as_str().expect("id")
        ))
        .await;
    assert!(!html.contains("No current fire risk assessment"), "{html}");

    // An admin reads what is on file, with no form to record it.
    let admin = app.admin().await;
    let admin_email = app.get("/api/v1/me", Some(&admin)).await.ok()["email"]
        .as_str()
        .expect("email")
        .to_string();
    let mut a = Browser::new(&app);
    page_login(&mut a, &admin_email).await;
    let (status, html) = a.get(&format!("/operator/premises/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Blaze Fire Risk Ltd"));
    assert!(!html.contains("Record a new or reviewed fire risk assessment"));
}

/// The first `.eml` file in the mail folder whose text contains `needle`.
fn emails(app: &TestApp) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(app.settings.data_dir.join("outbox")) else {
        return Vec::new();
    };
    dir.flatten()
        .map(|e| std::fs::read_to_string(e.path()).expect("eml"))
        .map(|t| {
            t.replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=")
        })
        .collect()
}

fn subject_of(eml: &str) -> String {
    let mut lines = eml.lines().skip_while(|l| !l.starts_with("Subject:"));
    let first = lines.next().expect("subject").to_string();
    lines
        .take_while(|l| l.starts_with([' ', '\t']))
        .fold(first, |s, more| s + more)
}

/// Reminders before the review date and the certificate's expiry, to the operator,
/// once each; a new recording starts a new series and the old one stops.
#[tokio::test]
async fn the_operator_is_reminded_before_the_review_date_and_the_certificate_expiry() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (op, _) = app.operator("Quayside Venues Ltd").await;
    let me = app.get("/api/v1/me", Some(&op)).await.ok();
    let email = me["email"].as_str().expect("email").to_string();
    let premises = app
        .register_premises(
            &op,
            json!({"kind": "building", "name": "Riverside Hall", "address": "1 Quay Street, Bristol",
                   "postcode": "BS1 4DJ", "capacity": 450,
                   "designated_senior_individual": {"name": "Sam Senior", "email": "dsi@venue.test"}}),
        )
        .await;
    let id = premises["id"].as_str().expect("id");
    put_fire_safety(
        &app,
        &op,
        id,
        json!({"assessor": "Blaze Fire Risk Ltd", "assessed_on": days(-200), "next_review_on": days(100),
               "certificate_reference": "FSC-2026-0042", "certificate_expires_on": days(40)}),
    )
    .await
    .ok();
    let reminders = Reminders::new(&app.settings).expect("reminders");
    let at = |n: i64| {
        (today() + Duration::days(n))
            .with_hms(9, 0, 0)
            .expect("time")
            .assume_utc()
    };
    // 90 days before the review (day 10): the first review reminder; the
    // certificate (day 40) is 30 days off its expiry then too.
    let report = reminders.sweep(&app.db, at(10)).await.expect("sweep");
    assert_eq!(report.sent.len(), 2, "{report}");
    let again = reminders.sweep(&app.db, at(11)).await.expect("sweep");
    assert!(again.is_empty(), "once each: {again}");
    let mail = emails(&app);
    assert_eq!(mail.len(), 2);
    let review = mail
        .iter()
        .find(|m| subject_of(m).contains("due for review"))
        .expect("the review reminder");
    assert!(
        subject_of(review).contains(
            "The fire risk assessment on file for Riverside Hall is due for review in 90 days"
        ),
        "{}",
        subject_of(review)
    );
    assert!(review.contains(&format!("To: {email}")), "to the operator");
    assert!(!review.contains("dsi@venue.test"), "not to the DSI");
    assert!(review.contains("Blaze Fire Risk Ltd"));
    assert!(review.contains(&protectcert::domain::clock::day(
        today() + Duration::days(100)
    )));
    assert!(review.contains(&format!(
        "{}/operator/premises/{id}#fire-safety",
        app.address
    )));
    assert!(review.contains("it does not check fire safety"));
    assert!(
        review.contains("no application for\r\ncertification of these premises can be submitted")
            || review
                .contains("no application for\ncertification of these premises can be submitted"),
        "{review}"
    );
    let certificate = mail
        .iter()
        .find(|m| subject_of(m).contains("fire safety certificate"))
        .expect("the certificate reminder");
    assert!(
        subject_of(certificate).contains("expires in 30 days"),
        "{}",
        subject_of(certificate)
    );
    assert!(certificate.contains("FSC-2026-0042"));

    // A reviewed assessment is recorded: the old date's series stops, a new one
    // starts 90 days before the new review date.
    put_fire_safety(
        &app,
        &op,
        id,
        json!({"assessor": "Avon Fire Safety", "assessed_on": days(0), "next_review_on": days(365)}),
    )
    .await
    .ok();
    let report = reminders.sweep(&app.db, at(70)).await.expect("sweep");
    assert!(
        report.is_empty(),
        "nothing for the old review date: {report}"
    );
    let report = reminders.sweep(&app.db, at(275)).await.expect("sweep");
    assert_eq!(report.sent.len(), 1, "{report}");
    let rows = app
        .get(
            "/api/v1/notifications?kind=fire_risk_assessment_review",
            Some(&admin),
        )
        .await
        .ok();
    let subjects: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["subject"].as_str().expect("subject"))
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(
        subjects.contains(
            &format!(
                "fire_risk_assessment:{id}:{}",
                today() + Duration::days(365)
            )
            .as_str()
        )
    );
}

/// A reminder queued for a date that a newer recording replaced is not sent.
#[tokio::test]
async fn a_queued_reminder_for_a_replaced_date_is_skipped() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Quayside Venues Ltd").await;
    let premises = app.building_without_fire_safety(&op, 450).await;
    let id = premises["id"].as_str().expect("id");
    put_fire_safety(
        &app,
        &op,
        id,
        json!({"assessor": "Blaze Ltd", "assessed_on": days(-300), "next_review_on": days(30)}),
    )
    .await
    .ok();
    let reminders = Reminders::new(&app.settings).expect("reminders");
    let now = (today() + Duration::days(1))
        .with_hms(9, 0, 0)
        .expect("time")
        .assume_utc();
    let queued = reminders.queue(&app.db, now).await.expect("queue");
    assert_eq!(queued.len(), 1);
    put_fire_safety(
        &app,
        &op,
        id,
        json!({"assessor": "Blaze Ltd", "assessed_on": days(0), "next_review_on": days(365)}),
    )
    .await
    .ok();
    let report = reminders.sweep(&app.db, now).await.expect("sweep");
    assert!(report.sent.is_empty(), "{report}");
    assert_eq!(report.skipped.len(), 1, "{report}");
    assert!(emails(&app).is_empty());
}
