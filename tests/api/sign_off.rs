//! Part 3 of issue 11: a second sign-off before issue. Enhanced-tier premises and
//! events (by default) wait after completion; an admin or another eligible advisor
//! approves (issuing the certificate or making the refusal final) or returns the
//! assessment with a note; the assessor never signs off their own.

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_with};

struct Setup {
    admin: String,
    operator: String,
    organisation: String,
    assessor: String,
    assessor_id: String,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin().await;
    let (operator, organisation) = app.operator("Harbour Venues Ltd").await;
    let (assessor, assessor_id) = app.advisor(&admin, &["building", "event"], None).await;
    Setup {
        admin,
        operator,
        organisation,
        assessor,
        assessor_id,
    }
}

/// An answered application for new premises: a building of `capacity`, or an event.
async fn answered(app: &TestApp, s: &Setup, event: bool, capacity: u32) -> Value {
    let premises = if event {
        app.event(&s.operator, capacity).await
    } else {
        app.building(&s.operator, capacity).await
    };
    app.answered_application(&s.operator, premises["id"].as_str().expect("id"))
        .await
}

fn full_marks(item: &Value) -> Value {
    item["max_score"].clone()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

async fn audit_actions(app: &TestApp, admin: &str, id: &str) -> Vec<String> {
    let entries = app
        .get(
            &format!("/api/v1/audit?entity_type=application&entity_id={id}"),
            Some(admin),
        )
        .await
        .ok();
    entries
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn enhanced_buildings_and_events_wait_for_sign_off_and_standard_buildings_do_not() {
    let app = spawn_app().await;
    let s = setup(&app).await;

    let standard = answered(&app, &s, false, 450).await;
    let (_, done) = app
        .assess_until_sign_off(&s.operator, &s.assessor, &standard, full_marks)
        .await;
    assert_eq!(done["status"], "completed");
    assert!(done["certificate"]["number"].is_string(), "{done}");

    for (event, capacity) in [(false, 900), (true, 300)] {
        let application = answered(&app, &s, event, capacity).await;
        let id = id_of(&application);
        let (_, done) = app
            .assess_until_sign_off(&s.operator, &s.assessor, &application, full_marks)
            .await;
        assert_eq!(done["status"], "awaiting_sign_off", "{done}");
        assert_eq!(done["outcome"], "certified");
        assert!(done["result"]["overall_percent"].is_number());
        assert!(
            done["certificate"].is_null(),
            "no certificate before sign-off"
        );

        // The advisor sees the stored outcome; the operator the status alone.
        let seen = app
            .get(&format!("/api/v1/applications/{id}"), Some(&s.assessor))
            .await
            .ok();
        assert_eq!(seen["status"], "awaiting_sign_off");
        assert_eq!(seen["outcome"], "certified");
        assert_eq!(seen["sign_off"]["state"], "awaiting");
        assert_eq!(
            seen["sign_off"]["assessed_by"]["id"],
            s.assessor_id.as_str()
        );
        assert!(seen["sign_off"]["reviewer"].is_null());
        assert!(seen["certificate"].is_null());
        let own = app
            .get(&format!("/api/v1/applications/{id}"), Some(&s.operator))
            .await
            .ok();
        assert_eq!(own["status"], "awaiting_sign_off");
        assert!(own["outcome"].is_null() && own["result"].is_null(), "{own}");
        assert!(
            own["items"][0]["score"].is_null(),
            "no scores before the decision"
        );
        // No certificate exists for it yet.
        let certificates = app
            .get("/api/v1/certificates", Some(&s.operator))
            .await
            .ok();
        assert_eq!(
            certificates.as_array().expect("list").len(),
            1,
            "{certificates}"
        );
        // Still open: no second application for the same premises.
        let again = app
            .post(
                "/api/v1/applications",
                Some(&s.operator),
                json!({"premises_id": application["premises"]["id"]}),
            )
            .await
            .expect(409);
        assert!(again["code"].is_string());
        // Scores cannot change while it awaits.
        let changed = app
            .put(
                &format!("/api/v1/applications/{id}/scores"),
                Some(&s.assessor),
                json!({"scores": [{"item_id": application["items"][0]["id"], "score": 0}]}),
            )
            .await
            .expect(409);
        assert_eq!(changed["code"], "wrong_status");
        let actions = audit_actions(&app, &s.admin, &id).await;
        assert!(
            actions.contains(&"application.awaiting_sign_off".to_string()),
            "{actions:?}"
        );
        assert!(!actions.contains(&"application.completed".to_string()));
    }
    // The sign-off queue lists both, for the admin.
    let queue = app.get("/api/v1/sign-offs", Some(&s.admin)).await.ok();
    assert_eq!(queue.as_array().expect("queue").len(), 2, "{queue}");
    // ... and not for the assessor, whose own they are.
    let queue = app.get("/api/v1/sign-offs", Some(&s.assessor)).await.ok();
    assert_eq!(queue, json!([]));
}

#[tokio::test]
async fn empty_lists_in_config_turn_the_sign_off_off() {
    let app = spawn_app_with(|s| {
        s.sign_off_tiers = vec![];
        s.sign_off_kinds = vec![];
    })
    .await;
    let s = setup(&app).await;
    for (event, capacity) in [(false, 900), (true, 900)] {
        let application = answered(&app, &s, event, capacity).await;
        let (_, done) = app
            .assess_until_sign_off(&s.operator, &s.assessor, &application, full_marks)
            .await;
        assert_eq!(done["status"], "completed");
        assert!(done["certificate"]["number"].is_string());
        let seen = app
            .get(
                &format!("/api/v1/applications/{}", id_of(&application)),
                Some(&s.operator),
            )
            .await
            .ok();
        assert!(seen["sign_off"].is_null());
    }
    // Kinds alone: events wait, enhanced buildings do not.
    let app = spawn_app_with(|s| s.sign_off_tiers = vec![]).await;
    let s = setup(&app).await;
    let building = answered(&app, &s, false, 900).await;
    let (_, done) = app
        .assess_until_sign_off(&s.operator, &s.assessor, &building, full_marks)
        .await;
    assert_eq!(done["status"], "completed");
    let event = answered(&app, &s, true, 900).await;
    let (_, done) = app
        .assess_until_sign_off(&s.operator, &s.assessor, &event, full_marks)
        .await;
    assert_eq!(done["status"], "awaiting_sign_off");
}

#[tokio::test]
async fn the_assessor_tied_and_out_of_scope_advisors_cannot_sign_off_and_another_advisor_can() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let application = answered(&app, &s, false, 1200).await;
    let id = id_of(&application);
    app.assess_until_sign_off(&s.operator, &s.assessor, &application, full_marks)
        .await;

    // The assessor: a clear 403, whatever the decision.
    for decision in ["approve", "return"] {
        let refused = app
            .sign_off(&s.assessor, &id, decision, Some("looks right"))
            .await
            .expect(403);
        let detail = refused["detail"].as_str().expect("detail");
        assert!(
            detail.contains("never sign off their own assessment"),
            "{detail}"
        );
    }
    // Tied to the operator, or accredited for events only: not theirs to see.
    let (tied, _) = app
        .advisor(&s.admin, &["building", "event"], Some(&s.organisation))
        .await;
    let (events_only, _) = app.advisor(&s.admin, &["event"], None).await;
    for reviewer in [&tied, &events_only] {
        app.sign_off(reviewer, &id, "approve", None)
            .await
            .expect(404);
        let queue = app.get("/api/v1/sign-offs", Some(reviewer)).await.ok();
        assert_eq!(queue, json!([]));
    }
    // Operators and police are no reviewers.
    let police = app.police(&s.admin).await;
    for caller in [&s.operator, &police] {
        app.sign_off(caller, &id, "approve", None).await.expect(403);
    }
    // A suspended advisor is refused too.
    let (suspended, suspended_id) = app.advisor(&s.admin, &["building"], None).await;
    app.post(
        &format!("/api/v1/advisors/{suspended_id}/suspend"),
        Some(&s.admin),
        json!({"reason": "under review"}),
    )
    .await
    .ok();
    let refused = app.sign_off(&suspended, &id, "approve", None).await;
    assert!(
        [403, 404].contains(&refused.status.as_u16()),
        "{}",
        refused.body
    );

    // Another eligible advisor finds it in their queue and approves: issued.
    let (reviewer, reviewer_id) = app.advisor(&s.admin, &["building"], None).await;
    let queue = app.get("/api/v1/sign-offs", Some(&reviewer)).await.ok();
    assert_eq!(queue[0]["id"], id.as_str());
    assert_eq!(queue[0]["outcome"], "certified");
    let signed = app
        .sign_off(
            &reviewer,
            &id,
            "approve",
            Some("checked the scores and notes"),
        )
        .await
        .ok();
    assert_eq!(signed["status"], "completed");
    assert_eq!(signed["outcome"], "certified");
    let number = signed["certificate"]["number"]
        .as_str()
        .expect("certificate issued on approval")
        .to_string();
    // Once signed off, a second sign-off is a 409.
    let again = app
        .sign_off(&s.admin, &id, "approve", None)
        .await
        .expect(409);
    assert_eq!(again["code"], "wrong_status");

    // The record shows who assessed and who signed off, and when.
    let view = app
        .get(&format!("/api/v1/applications/{id}"), Some(&s.operator))
        .await
        .ok();
    assert_eq!(view["status"], "completed");
    assert_eq!(view["certificate"]["number"], number.as_str());
    assert_eq!(view["sign_off"]["state"], "approved");
    assert_eq!(
        view["sign_off"]["assessed_by"]["id"],
        s.assessor_id.as_str()
    );
    assert_eq!(view["sign_off"]["reviewer"]["id"], reviewer_id.as_str());
    assert_eq!(view["sign_off"]["reviewer"]["role"], "advisor");
    assert!(view["sign_off"]["decided_at"].is_string());
    assert_eq!(
        view["sign_off"]["note"], "",
        "operators do not see the note"
    );
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&police))
        .await
        .ok();
    assert_eq!(record["advisor_name"], "Ada Advisor");
    assert_eq!(record["signed_off_by"]["name"], "Ada Advisor");
    assert_eq!(record["signed_off_by"]["role"], "advisor");
    assert!(record["signed_off_by"]["at"].is_string());
    let actions = audit_actions(&app, &s.admin, &id).await;
    for action in ["application.awaiting_sign_off", "application.signed_off"] {
        assert!(actions.contains(&action.to_string()), "{actions:?}");
    }
    // The public sees the status alone.
    let public = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    assert!(public.get("signed_off_by").is_none(), "{public}");
}

#[tokio::test]
async fn an_admin_signs_off_a_refusal_and_no_certificate_is_issued() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let application = answered(&app, &s, true, 900).await;
    let id = id_of(&application);
    let (_, done) = app
        .assess_until_sign_off(&s.operator, &s.assessor, &application, |_| json!(0))
        .await;
    assert_eq!(done["status"], "awaiting_sign_off");
    assert_eq!(done["outcome"], "refused");
    let signed = app.approve_sign_off(&s.admin, &id).await;
    assert_eq!(signed["status"], "completed");
    assert_eq!(signed["outcome"], "refused");
    assert!(signed["certificate"].is_null());
    let view = app
        .get(&format!("/api/v1/applications/{id}"), Some(&s.operator))
        .await
        .ok();
    assert_eq!(view["status"], "completed");
    assert_eq!(view["outcome"], "refused");
    assert_eq!(view["sign_off"]["reviewer"]["name"], "Scheme Admin");
    assert_eq!(view["sign_off"]["reviewer"]["role"], "admin");
    let certificates = app
        .get("/api/v1/certificates", Some(&s.operator))
        .await
        .ok();
    assert_eq!(certificates, json!([]));
}

#[tokio::test]
async fn a_return_needs_a_note_sends_it_back_to_the_assessor_who_completes_again() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let application = answered(&app, &s, false, 900).await;
    let id = id_of(&application);
    app.assess_until_sign_off(&s.operator, &s.assessor, &application, full_marks)
        .await;

    for note in [None, Some("   ")] {
        let refused = app
            .sign_off(&s.admin, &id, "return", note)
            .await
            .expect(422);
        assert_eq!(Reply::fields(&refused), vec!["note"]);
    }
    let long = "x".repeat(4001);
    let refused = app
        .sign_off(&s.admin, &id, "return", Some(&long))
        .await
        .expect(422);
    assert_eq!(Reply::fields(&refused), vec!["note"]);
    let unknown = app.sign_off(&s.admin, &id, "maybe", None).await.expect(400);
    assert!(unknown["code"].is_string());

    let note = "Item 2's CCTV evidence is a year old: please check it on site.";
    let returned = app.sign_off(&s.admin, &id, "return", Some(note)).await.ok();
    assert_eq!(returned["status"], "in_review");
    assert!(returned["certificate"].is_null());

    // The assessor sees the application in review with the note.
    let seen = app
        .get(&format!("/api/v1/applications/{id}"), Some(&s.assessor))
        .await
        .ok();
    assert_eq!(seen["status"], "in_review");
    assert!(seen["outcome"].is_null());
    assert_eq!(seen["sign_off"]["state"], "returned");
    assert_eq!(seen["sign_off"]["note"], note);
    assert_eq!(seen["sign_off"]["reviewer"]["role"], "admin");
    // The operator sees it in review, without the note.
    let own = app
        .get(&format!("/api/v1/applications/{id}"), Some(&s.operator))
        .await
        .ok();
    assert_eq!(own["status"], "in_review");
    assert_eq!(own["sign_off"]["note"], "");
    let actions = audit_actions(&app, &s.admin, &id).await;
    assert!(
        actions.contains(&"application.returned".to_string()),
        "{actions:?}"
    );

    // The assessor changes a score and completes again: awaiting once more.
    let claimed = app
        .get(&format!("/api/v1/applications/{id}"), Some(&s.assessor))
        .await
        .ok();
    let first = claimed["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["critical"] == false))
        .expect("a non-critical item")["id"]
        .clone();
    app.put(
        &format!("/api/v1/applications/{id}/scores"),
        Some(&s.assessor),
        json!({"scores": [{"item_id": first, "score": 2, "note": "checked on site"}]}),
    )
    .await
    .ok();
    let again = app
        .post(
            &format!("/api/v1/applications/{id}/complete"),
            Some(&s.assessor),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(again["status"], "awaiting_sign_off");
    let seen = app
        .get(&format!("/api/v1/applications/{id}"), Some(&s.admin))
        .await
        .ok();
    assert_eq!(seen["sign_off"]["state"], "awaiting");
    // Approval recomputes the outcome from the stored scores: what the assessor saw.
    let signed = app.approve_sign_off(&s.admin, &id).await;
    assert_eq!(signed["status"], "completed");
    assert_eq!(signed["outcome"], again["outcome"]);
    assert_eq!(
        signed["result"]["overall_percent"],
        again["result"]["overall_percent"]
    );
    assert!(signed["certificate"]["number"].is_string());
}

#[tokio::test]
async fn the_shared_assess_helper_still_ends_in_a_decision() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let application = answered(&app, &s, true, 900).await;
    let (_, done) = app
        .assess(&s.operator, &s.assessor, &application, full_marks)
        .await;
    assert_eq!(done["status"], "completed");
    assert!(done["certificate"]["number"].is_string());
}

/// An advisor with a known email, for the pages; returns (token, id).
async fn named_advisor(app: &TestApp, admin: &str, email: &str) -> (String, String) {
    let created = app
        .post(
            "/api/v1/advisors",
            Some(admin),
            json!({"name": format!("Reviewer {email}"), "email": email, "password": crate::helpers::PASSWORD,
                   "accreditation_number": format!("PSA-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
                   "accredited_until": "2099-12-31", "scopes": ["building", "event"]}),
        )
        .await
        .expect(201);
    (app.login(email).await, id_of(&created))
}

async fn page_session<'a>(app: &'a TestApp, email: &str) -> (crate::pages::Browser<'a>, String) {
    let mut b = crate::pages::Browser::new(app);
    b.get("/login").await;
    let csrf = b.csrf();
    let (status, _) = b
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 303);
    (b, csrf)
}

#[tokio::test]
async fn the_pages_show_the_queue_keep_a_refused_note_and_return_it_to_the_assessor() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (operator, _) = app.operator("Harbour Venues Ltd").await;
    let (assessor, _) = named_advisor(&app, &admin, "assessor@advisors.test").await;
    named_advisor(&app, &admin, "reviewer@advisors.test").await;
    let premises = app.building(&operator, 900).await;
    let application = app
        .answered_application(&operator, premises["id"].as_str().expect("id"))
        .await;
    let id = id_of(&application);
    app.assess_until_sign_off(&operator, &assessor, &application, full_marks)
        .await;

    // The assessor's page says it awaits sign-off; their home lists it so.
    let (mut own, _) = page_session(&app, "assessor@advisors.test").await;
    let (status, body) = own.get(&format!("/advisor/applications/{id}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Awaiting sign-off"), "{body}");
    let (_, home) = own.get("/advisor").await;
    assert!(
        home.contains("Your assessments awaiting sign-off"),
        "{home}"
    );
    // ... and cannot open its sign-off page.
    let (status, _) = own.get(&format!("/sign-offs/{id}")).await;
    assert_eq!(status, 403);

    // The reviewer finds it in the queue and on their home page.
    let (mut b, csrf) = page_session(&app, "reviewer@advisors.test").await;
    let (_, queue) = b.get("/sign-offs").await;
    assert!(queue.contains(&format!("/sign-offs/{id}")), "{queue}");
    let (_, home) = b.get("/advisor").await;
    assert!(
        home.contains("Waiting for your sign-off") && home.contains(&format!("/sign-offs/{id}"))
    );
    let (status, page) = b.get(&format!("/sign-offs/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Outcome: Certified"), "{page}");
    assert!(page.contains("Scores and notes"));
    assert!(page.contains("Assessed by Reviewer assessor@advisors.test"));

    // A return without a note: the message is next to the note.
    let (status, page) = b
        .post(
            &format!("/sign-offs/{id}"),
            &[("csrf", &csrf), ("decision", "return"), ("note", "")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains(r#"id="e-note""#) && page.contains("a note is required"),
        "{page}"
    );
    // Too long: refused, and what was typed is kept.
    let long = format!("{} end-of-note", "x".repeat(4000));
    let (status, page) = b
        .post(
            &format!("/sign-offs/{id}"),
            &[("csrf", &csrf), ("decision", "return"), ("note", &long)],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("end-of-note") && page.contains("at most 4000"),
        "kept"
    );

    let note = "Please check the date of the lockdown plan.";
    let (status, to) = b
        .post(
            &format!("/sign-offs/{id}"),
            &[("csrf", &csrf), ("decision", "return"), ("note", note)],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/sign-offs?done=returned"));
    // The assessor sees the note on the scoring page.
    let (_, sheet) = own.get(&format!("/advisor/applications/{id}")).await;
    assert!(
        sheet.contains("Returned for another look") && sheet.contains(note),
        "{sheet}"
    );
    // Completed again from the page, it awaits sign-off once more.
    let (status, to) = own
        .post(
            &format!("/advisor/applications/{id}/complete"),
            &[("csrf", &own.csrf())],
        )
        .await;
    assert_eq!(status, 303);
    assert!(to.ends_with("done=awaiting_sign_off"), "{to}");
    // Approved from the page: the certificate is issued and its record names both.
    let (status, to) = b
        .post(
            &format!("/sign-offs/{id}"),
            &[("csrf", &csrf), ("decision", "approve"), ("note", "")],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/sign-offs?done=signed_off"));
    let view = app
        .get(&format!("/api/v1/applications/{id}"), Some(&operator))
        .await
        .ok();
    let number = view["certificate"]["number"].as_str().expect("issued");
    let police = app.police(&admin).await;
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&police))
        .await
        .ok();
    assert_eq!(
        record["signed_off_by"]["name"],
        "Reviewer reviewer@advisors.test"
    );
}

#[tokio::test]
async fn an_event_that_ended_while_awaiting_sign_off_gets_no_certificate() {
    use diesel::prelude::*;
    use protectcert::db::schema::premises;
    let app = spawn_app().await;
    let s = setup(&app).await;
    let application = answered(&app, &s, true, 900).await;
    let id = id_of(&application);
    let (_, done) = app
        .assess_until_sign_off(&s.operator, &s.assessor, &application, full_marks)
        .await;
    assert_eq!(done["status"], "awaiting_sign_off");
    // The event ends while it waits (the one change no use case makes).
    let premises_id = application["premises"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let now = time::OffsetDateTime::now_utc();
    let (start, end) = (
        now - time::Duration::days(2),
        now - time::Duration::hours(1),
    );
    let at = |t: time::OffsetDateTime| time::PrimitiveDateTime::new(t.date(), t.time());
    let mut conn = app.db.get().expect("conn");
    diesel::update(premises::table.find(&premises_id))
        .set((
            premises::event_start.eq(Some(at(start))),
            premises::event_end.eq(Some(at(end))),
        ))
        .execute(&mut *conn)
        .expect("end the event");
    drop(conn);
    let refused = app
        .sign_off(&s.admin, &id, "approve", None)
        .await
        .expect(409);
    assert_eq!(refused["code"], "event_ended");
    let seen = app
        .get(&format!("/api/v1/applications/{id}"), Some(&s.admin))
        .await
        .ok();
    assert_eq!(seen["status"], "awaiting_sign_off", "nothing changed");
    assert!(seen["certificate"].is_null());
}

#[tokio::test]
async fn a_suspended_assessors_work_is_not_signed_off_but_can_be_returned() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let application = answered(&app, &s, false, 900).await;
    let id = id_of(&application);
    let (_, done) = app
        .assess_until_sign_off(&s.operator, &s.assessor, &application, full_marks)
        .await;
    assert_eq!(done["status"], "awaiting_sign_off");
    app.post(
        &format!("/api/v1/advisors/{}/suspend", s.assessor_id),
        Some(&s.admin),
        json!({"reason": "complaint under investigation"}),
    )
    .await
    .ok();
    let refused = app
        .sign_off(&s.admin, &id, "approve", None)
        .await
        .expect(409);
    assert_eq!(refused["code"], "assessor_not_accredited", "{refused}");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("suspended")),
        "{refused}"
    );
    let certificates = app
        .get("/api/v1/certificates", Some(&s.operator))
        .await
        .ok();
    assert_eq!(certificates, json!([]), "nothing issued");
    let returned = app
        .sign_off(&s.admin, &id, "return", Some("The assessor is suspended"))
        .await
        .ok();
    assert_eq!(returned["status"], "in_review");
}
