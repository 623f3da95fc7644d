//! The whole journey: apply, answer, submit, claim, score, complete.

use serde_json::{Value, json};

use crate::helpers::{Reply, certified_scheme, spawn_app};

fn item_ids(app: &Value) -> Vec<String> {
    app["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn full_journey_issues_a_certificate_that_verifies_publicly() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    assert_eq!(scheme.completion["outcome"], "certified");
    assert_eq!(scheme.completion["result"]["overall_percent"], 100.0);
    assert_eq!(
        scheme.completion["conditions"].as_array().map(Vec::len),
        Some(0)
    );
    let number = scheme.number();
    assert!(number.starts_with("PSC-"), "{number}");
    let public = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    assert_eq!(public["status"], "valid");
    assert_eq!(public["premises_name"], "Riverside Hall");
    assert_eq!(public["town"], "Bristol");
    assert_eq!(public["tier"], "standard");
    assert_eq!(public["kind"], "building");
    // Status only: nothing about the assessment leaks.
    let keys: Vec<&String> = public.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "expires_at",
            "issued_at",
            "kind",
            "number",
            "premises_name",
            "status",
            "tier",
            "town"
        ]
    );
    // The application reads back completed, with the result and certificate.
    let id = scheme.application["id"].as_str().expect("id");
    let read = app
        .get(
            &format!("/api/v1/applications/{id}"),
            Some(&scheme.operator),
        )
        .await
        .ok();
    assert_eq!(read["status"], "completed");
    assert_eq!(read["certificate"]["number"], number);
    assert_eq!(read["progress"]["scored"], read["progress"]["items"]);
    // Building validity: 12 months from issue.
    let issued = &scheme.completion["certificate"]["issued_at"];
    let expires = &scheme.completion["certificate"]["expires_at"];
    let year = |v: &Value| {
        v.as_str()
            .and_then(|s| s[..4].parse::<i32>().ok())
            .expect("year")
    };
    assert_eq!(year(expires) - year(issued), 1);
}

#[tokio::test]
async fn items_carry_what_the_operator_and_advisor_need() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    let standard = app.building(&op, 300).await;
    let enhanced = app.building(&op, 3000).await;
    let s = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": standard["id"]}),
        )
        .await
        .expect(201);
    let e = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": enhanced["id"]}),
        )
        .await
        .expect(201);
    assert_eq!(s["tier"], "standard");
    assert_eq!(s["checklist_id"], "building-v2");
    let item = &s["items"][0];
    assert_eq!(item["basis"], "statutory", "{item}");
    assert!(
        item["statute"]
            .as_str()
            .is_some_and(|s| s.starts_with("s.")),
        "{item}"
    );
    for key in [
        "id",
        "section",
        "text",
        "guidance",
        "critical",
        "max_score",
        "evidence_required",
    ] {
        assert!(!item[key].is_null(), "item lacks {key}: {item}");
    }
    assert!(
        item_ids(&e).len() > item_ids(&s).len(),
        "enhanced tier adds the public protection measures"
    );
    // A second open application for the same premises is refused.
    let body = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": standard["id"]}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "application_open");
}

#[tokio::test]
async fn submit_needs_every_item_answered_and_names_the_missing_ones() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    let prem = app.building(&op, 300).await;
    let created = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": prem["id"]}),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().expect("id");
    let ids = item_ids(&created);
    for item in &ids[1..] {
        app.put(
            &format!("/api/v1/applications/{id}/answers/{item}"),
            Some(&op),
            json!({"status": "partial"}),
        )
        .await
        .ok();
    }
    let body = app
        .post(
            &format!("/api/v1/applications/{id}/submit"),
            Some(&op),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "unanswered_items");
    assert_eq!(body["items"], json!([ids[0]]));
    // A bad answer names the field; an unknown item is a 404.
    let body = app
        .put(
            &format!("/api/v1/applications/{id}/answers/{}", ids[0]),
            Some(&op),
            json!({"status": "sort of"}),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["status"]);
    app.put(
        &format!("/api/v1/applications/{id}/answers/no-such-item"),
        Some(&op),
        json!({"status": "in_place"}),
    )
    .await
    .expect(404);
    app.put(
        &format!("/api/v1/applications/{id}/answers/{}", ids[0]),
        Some(&op),
        json!({"status": "not_applicable"}),
    )
    .await
    .ok();
    // The items that need evidence have it (the not-applicable one needs none).
    for item in created["items"].as_array().expect("items") {
        if item["evidence_required"] == true && item["id"] != ids[0].as_str() {
            app.attach(&op, id, item["id"].as_str()).await;
        }
    }
    let submitted = app
        .post(
            &format!("/api/v1/applications/{id}/submit"),
            Some(&op),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(submitted["status"], "submitted");
    // Answers are frozen once submitted.
    let body = app
        .put(
            &format!("/api/v1/applications/{id}/answers/{}", ids[0]),
            Some(&op),
            json!({"status": "in_place"}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "wrong_status");
}

#[tokio::test]
async fn submit_needs_evidence_on_each_item_that_requires_it_and_names_them() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    let prem = app.building(&op, 300).await;
    let created = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": prem["id"]}),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().expect("id");
    let items = created["items"].as_array().expect("items");
    let needing: Vec<String> = items
        .iter()
        .filter(|i| i["evidence_required"] == true)
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect();
    assert!(
        needing.len() >= 2,
        "the checklist asks for evidence: {needing:?}"
    );
    assert!(
        needing.len() < items.len(),
        "and some items need none: {needing:?}"
    );
    for item in item_ids(&created) {
        app.put(
            &format!("/api/v1/applications/{id}/answers/{item}"),
            Some(&op),
            json!({"status": "in_place", "note": "see the plan"}),
        )
        .await
        .ok();
    }
    let submit_path = format!("/api/v1/applications/{id}/submit");
    let submit = || app.post(&submit_path, Some(&op), json!({}));
    // Every answer given, no file at all: refused, naming each item that needs one.
    let body = submit().await.expect(409);
    assert_eq!(body["code"], "evidence_missing");
    assert_eq!(body["items"], json!(needing));
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(&needing[0]),
        "{body}"
    );
    // Evidence for the whole application does not stand for an item's.
    app.attach(&op, id, None).await;
    assert_eq!(submit().await.expect(409)["items"], json!(needing));
    // An item that does not apply needs none; the others each need their own file.
    app.put(
        &format!("/api/v1/applications/{id}/answers/{}", needing[0]),
        Some(&op),
        json!({"status": "not_applicable"}),
    )
    .await
    .ok();
    app.attach(&op, id, Some(&needing[1])).await;
    assert_eq!(submit().await.expect(409)["items"], json!(needing[2..]));
    for item in &needing[2..] {
        app.attach(&op, id, Some(item)).await;
    }
    let submitted = submit().await.ok();
    assert_eq!(submitted["status"], "submitted");
    // Unanswered items are reported first, before any missing evidence.
    let other = app.building(&op, 300).await;
    let fresh = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": other["id"]}),
        )
        .await
        .expect(201);
    let fresh_id = fresh["id"].as_str().expect("id");
    let body = app
        .post(
            &format!("/api/v1/applications/{fresh_id}/submit"),
            Some(&op),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "unanswered_items");
    assert_eq!(body["items"], json!(item_ids(&fresh)));
}

#[tokio::test]
async fn a_renewal_starts_from_the_last_answers_and_notes() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let premises_id = scheme.premises["id"].as_str().expect("id");
    let renewal = app
        .post(
            &format!("/api/v1/premises/{premises_id}/renewal"),
            Some(&scheme.operator),
            json!({}),
        )
        .await
        .expect(201);
    assert_eq!(renewal["status"], "draft");
    assert_ne!(renewal["id"], scheme.application["id"]);
    assert_eq!(renewal["premises"]["id"], premises_id);
    assert_eq!(
        renewal["progress"]["answered"],
        renewal["progress"]["items"]
    );
    for item in renewal["items"].as_array().expect("items") {
        assert_eq!(item["answer"]["status"], "in_place", "{item}");
        assert_eq!(item["answer"]["note"], "documented", "{item}");
        // Evidence is attached afresh, and no score is carried over.
        assert_eq!(item["evidence"], json!([]), "{item}");
        assert!(item["score"].is_null(), "{item}");
    }
    // The audit log says what it was renewed from.
    let entries = app
        .get(
            &format!(
                "/api/v1/audit?entity_type=application&entity_id={}",
                renewal["id"].as_str().expect("id")
            ),
            Some(&scheme.admin),
        )
        .await
        .ok();
    let created = entries
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "application.created")
        .expect("created entry")
        .clone();
    assert_eq!(created["after"]["renewal_of"], scheme.application["id"]);
    assert_eq!(
        created["after"]["answers_prefilled"],
        renewal["progress"]["items"]
    );
    // One open application at a time; another organisation's premises read as 404.
    let again = app
        .post(
            &format!("/api/v1/premises/{premises_id}/renewal"),
            Some(&scheme.operator),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(again["code"], "application_open");
    let (other, _) = app.operator("Someone Else Ltd").await;
    app.post(
        &format!("/api/v1/premises/{premises_id}/renewal"),
        Some(&other),
        json!({}),
    )
    .await
    .expect(404);
    // Premises never assessed have nothing to renew; an event is never renewed.
    let fresh = app.building(&scheme.operator, 300).await;
    let body = app
        .post(
            &format!(
                "/api/v1/premises/{}/renewal",
                fresh["id"].as_str().expect("id")
            ),
            Some(&scheme.operator),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "nothing_to_renew");
    let event = app.event(&scheme.operator, 300).await;
    let body = app
        .post(
            &format!(
                "/api/v1/premises/{}/renewal",
                event["id"].as_str().expect("id")
            ),
            Some(&scheme.operator),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "event_not_renewable");
}

async fn submitted(app: &crate::helpers::TestApp, op: &str, capacity: u32) -> Value {
    let prem = app.building(op, capacity).await;
    let created = app
        .answered_application(op, prem["id"].as_str().expect("id"))
        .await;
    let id = created["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/applications/{id}/submit"),
        Some(op),
        json!({}),
    )
    .await
    .ok()
}

#[tokio::test]
async fn only_eligible_advisors_can_claim() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (op, org) = app.operator("Venues").await;
    let (events_only, _) = app.advisor(&admin, &["event"], None).await;
    let (tied, _) = app.advisor(&admin, &["building"], Some(&org)).await;
    let (good, good_id) = app.advisor(&admin, &["building"], None).await;
    let (second, _) = app.advisor(&admin, &["building"], None).await;
    let application = submitted(&app, &op, 300).await;
    let id = application["id"].as_str().expect("id");
    // Out of scope and conflicted advisors cannot see it in their queue, nor claim it.
    for token in [&events_only, &tied] {
        let queue = app.get("/api/v1/applications", Some(token)).await.ok();
        assert_eq!(queue.as_array().map(Vec::len), Some(0));
        app.post(
            &format!("/api/v1/applications/{id}/claim"),
            Some(token),
            json!({}),
        )
        .await
        .expect(404);
    }
    let queue = app.get("/api/v1/applications", Some(&good)).await.ok();
    assert_eq!(queue.as_array().map(Vec::len), Some(1));
    let claimed = app
        .post(
            &format!("/api/v1/applications/{id}/claim"),
            Some(&good),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(claimed["status"], "in_review");
    assert_eq!(claimed["advisor"]["id"], good_id.as_str());
    // Once claimed it leaves the others' queue.
    app.post(
        &format!("/api/v1/applications/{id}/claim"),
        Some(&second),
        json!({}),
    )
    .await
    .expect(404);
    let queue = app.get("/api/v1/applications", Some(&second)).await.ok();
    assert_eq!(queue.as_array().map(Vec::len), Some(0));
    // Only the assigned advisor scores.
    let body = app
        .put(
            &format!("/api/v1/applications/{id}/scores"),
            Some(&second),
            json!({"scores": [{"item_id": "x", "score": 1}]}),
        )
        .await;
    assert_eq!(body.status.as_u16(), 404);
}

#[tokio::test]
async fn admin_assigns_with_the_same_eligibility_rules() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (op, org) = app.operator("Venues").await;
    let (_, tied_id) = app.advisor(&admin, &["building"], Some(&org)).await;
    let (advisor, advisor_id) = app.advisor(&admin, &["building"], None).await;
    let application = submitted(&app, &op, 300).await;
    let id = application["id"].as_str().expect("id");
    let body = app
        .post(
            &format!("/api/v1/applications/{id}/assign"),
            Some(&admin),
            json!({"advisor_id": tied_id}),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["advisor_id"]);
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("conflict")
    );
    let body = app
        .post(
            &format!("/api/v1/applications/{id}/assign"),
            Some(&admin),
            json!({"advisor_id": "nobody"}),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["advisor_id"]);
    let assigned = app
        .post(
            &format!("/api/v1/applications/{id}/assign"),
            Some(&admin),
            json!({"advisor_id": advisor_id}),
        )
        .await
        .ok();
    assert_eq!(assigned["status"], "in_review");
    let mine = app
        .get(&format!("/api/v1/applications/{id}"), Some(&advisor))
        .await
        .ok();
    assert_eq!(mine["advisor"]["id"], advisor_id.as_str());
}

#[tokio::test]
async fn completing_with_unscored_items_is_409_naming_them() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (op, _) = app.operator("Venues").await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    let application = submitted(&app, &op, 300).await;
    let id = application["id"].as_str().expect("id");
    let claimed = app
        .post(
            &format!("/api/v1/applications/{id}/claim"),
            Some(&advisor),
            json!({}),
        )
        .await
        .ok();
    let ids = item_ids(&claimed);
    let first_two: Vec<Value> = ids[..2]
        .iter()
        .map(|i| json!({"item_id": i, "score": 4}))
        .collect();
    let progress = app
        .put(
            &format!("/api/v1/applications/{id}/scores"),
            Some(&advisor),
            json!({"scores": first_two}),
        )
        .await
        .ok();
    assert_eq!(progress["scored"], 2);
    let body = app
        .post(
            &format!("/api/v1/applications/{id}/complete"),
            Some(&advisor),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "unscored_items");
    let named: Vec<String> = serde_json::from_value(body["items"].clone()).expect("items");
    assert_eq!(named, ids[2..].to_vec());
}

#[tokio::test]
async fn one_bad_score_in_a_batch_stores_none_of_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (op, _) = app.operator("Venues").await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    let application = submitted(&app, &op, 300).await;
    let id = application["id"].as_str().expect("id");
    let claimed = app
        .post(
            &format!("/api/v1/applications/{id}/claim"),
            Some(&advisor),
            json!({}),
        )
        .await
        .ok();
    let ids = item_ids(&claimed);
    let body = app
        .put(
            &format!("/api/v1/applications/{id}/scores"),
            Some(&advisor),
            json!({"scores": [
                {"item_id": ids[0], "score": 4},
                {"item_id": ids[1], "score": 9},
                {"item_id": "not-an-item", "score": 1},
                {"item_id": ids[2]}
            ]}),
        )
        .await
        .expect(422);
    assert_eq!(
        Reply::fields(&body),
        ["scores[1].score", "scores[2].item_id", "scores[3].score"]
    );
    // A score of the wrong JSON type is named by its place in the batch.
    let body = app
        .put(
            &format!("/api/v1/applications/{id}/scores"),
            Some(&advisor),
            json!({"scores": [
                {"item_id": ids[0], "score": 4},
                {"item_id": ids[1], "score": 4},
                {"item_id": ids[2], "score": "5"}
            ]}),
        )
        .await
        .expect(400);
    assert_eq!(body["code"], "bad_request");
    assert_eq!(Reply::fields(&body), ["scores[2].score"]);
    let read = app
        .get(&format!("/api/v1/applications/{id}"), Some(&advisor))
        .await
        .ok();
    assert_eq!(
        read["progress"]["scored"], 0,
        "the valid first score was not kept either"
    );
}

fn critical(item: &Value) -> bool {
    item["critical"].as_bool().unwrap_or(false)
}

#[tokio::test]
async fn outcomes_follow_the_fixed_rules() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (op, _) = app.operator("Venues").await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;

    // A critical item at 0: refused, no certificate, the failure explained.
    let refused = submitted(&app, &op, 300).await;
    let id = refused["id"].as_str().expect("id");
    let claimed = app
        .post(
            &format!("/api/v1/applications/{id}/claim"),
            Some(&advisor),
            json!({}),
        )
        .await
        .ok();
    let first_critical = claimed["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| critical(i)).cloned())
        .expect("a critical item");
    app.score_all(&advisor, &claimed, |item| {
        if item["id"] == first_critical["id"] {
            json!(0)
        } else {
            item["max_score"].clone()
        }
    })
    .await;
    let done = app
        .post(
            &format!("/api/v1/applications/{id}/complete"),
            Some(&advisor),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(done["outcome"], "refused");
    assert!(done["certificate"].is_null());
    assert_eq!(
        done["result"]["critical_failures"][0]["item_id"],
        first_critical["id"]
    );

    // One non-critical item at 0: certified with one condition naming it, with a due date.
    let conditional = submitted(&app, &op, 300).await;
    let id = conditional["id"].as_str().expect("id");
    let claimed = app
        .post(
            &format!("/api/v1/applications/{id}/claim"),
            Some(&advisor),
            json!({}),
        )
        .await
        .ok();
    let gap = claimed["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| !critical(i)).cloned())
        .expect("a non-critical item");
    app.score_all(&advisor, &claimed, |item| {
        if item["id"] == gap["id"] {
            json!(0)
        } else {
            item["max_score"].clone()
        }
    })
    .await;
    let done = app
        .post(
            &format!("/api/v1/applications/{id}/complete"),
            Some(&advisor),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(done["outcome"], "certified_with_conditions");
    let conditions = done["conditions"].as_array().expect("conditions");
    assert_eq!(conditions.len(), 1);
    assert_eq!(conditions[0]["item_id"], gap["id"]);
    assert!(conditions[0]["due_at"].is_string());
    let number = done["certificate"]["number"].as_str().expect("number");
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&op))
        .await
        .ok();
    assert_eq!(record["conditions"][0]["item_id"], gap["id"]);
    // Sections are explained.
    assert!(
        done["result"]["sections"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
}

#[tokio::test]
async fn withdrawn_applications_free_the_premises() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    let prem = app.building(&op, 300).await;
    let created = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": prem["id"]}),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().expect("id");
    let w = app
        .post(
            &format!("/api/v1/applications/{id}/withdraw"),
            Some(&op),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(w["status"], "withdrawn");
    app.post(
        &format!("/api/v1/applications/{id}/withdraw"),
        Some(&op),
        json!({}),
    )
    .await
    .expect(409);
    app.post(
        "/api/v1/applications",
        Some(&op),
        json!({"premises_id": prem["id"]}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn racing_applications_for_one_premises_open_only_one() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    let prem = app.building(&op, 300).await;
    let body = json!({"premises_id": prem["id"]});
    let replies = futures_util::future::join_all(
        (0..8).map(|_| app.post("/api/v1/applications", Some(&op), body.clone())),
    )
    .await;
    let mut created = 0;
    for reply in replies {
        match reply.status.as_u16() {
            201 => created += 1,
            409 => assert_eq!(reply.body["code"], "application_open", "{}", reply.body),
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(
        created, 1,
        "exactly one of the racing requests opens an application"
    );
    let list = app.get("/api/v1/applications", Some(&op)).await.ok();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn reassigning_clears_the_previous_advisors_scores() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (op, _) = app.operator("Venues").await;
    let (first, first_id) = app.advisor(&admin, &["building"], None).await;
    let (second, second_id) = app.advisor(&admin, &["building"], None).await;
    let application = submitted(&app, &op, 300).await;
    let id = application["id"].as_str().expect("id");
    let claimed = app
        .post(
            &format!("/api/v1/applications/{id}/claim"),
            Some(&first),
            json!({}),
        )
        .await
        .ok();
    let items = item_ids(&claimed).len();
    app.score_all(&first, &claimed, |item| item["max_score"].clone())
        .await;
    // Re-assigning the same advisor keeps their scores.
    let same = app
        .post(
            &format!("/api/v1/applications/{id}/assign"),
            Some(&admin),
            json!({"advisor_id": first_id}),
        )
        .await
        .ok();
    assert_eq!(same["progress"]["scored"], items);
    // Another advisor starts from none, and cannot complete on the first one's.
    let moved = app
        .post(
            &format!("/api/v1/applications/{id}/assign"),
            Some(&admin),
            json!({"advisor_id": second_id}),
        )
        .await
        .ok();
    assert_eq!(moved["advisor"]["id"], second_id.as_str());
    assert_eq!(moved["progress"]["scored"], 0);
    let body = app
        .post(
            &format!("/api/v1/applications/{id}/complete"),
            Some(&second),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "unscored_items");
    let audit = app
        .get(
            &format!("/api/v1/audit?entity_type=application&entity_id={id}"),
            Some(&admin),
        )
        .await
        .ok();
    let assigned: Vec<&Value> = audit
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "application.assigned")
        .collect();
    assert_eq!(assigned.len(), 2);
    assert_eq!(assigned[0]["after"]["scores_cleared"], 0);
    assert_eq!(assigned[1]["before"]["advisor_id"], first_id.as_str());
    assert_eq!(assigned[1]["after"]["scores_cleared"], items);
    // The new advisor's own scores complete it.
    app.score_all(&second, &moved, |item| item["max_score"].clone())
        .await;
    let done = app
        .post(
            &format!("/api/v1/applications/{id}/complete"),
            Some(&second),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(done["outcome"], "certified");
}

/// Issue 12: an advisor's list in one status reads only what they may see: their
/// own completed and in-review applications (never another advisor's, however
/// many), and in a queue status the unclaimed ones their accreditation covers.
#[tokio::test]
async fn an_advisors_list_by_status_holds_their_own_and_their_queue() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let mine = scheme.application["id"].as_str().expect("id").to_string();
    let (other, _) = app
        .advisor(&scheme.admin, &["building", "event"], None)
        .await;
    let second = app.building(&scheme.operator, 300).await;
    app.certify(
        &scheme.operator,
        &other,
        second["id"].as_str().expect("premises id"),
    )
    .await;
    let answered = |capacity: u32| {
        let (app, operator) = (&app, &scheme.operator);
        async move {
            let premises = app.building(operator, capacity).await;
            let application = app
                .answered_application(operator, premises["id"].as_str().expect("id"))
                .await;
            application["id"].as_str().expect("id").to_string()
        }
    };
    let claimed_id = answered(200).await;
    app.submit_and_claim(&scheme.operator, &other, &claimed_id)
        .await;
    let queued_id = answered(150).await;
    app.submit(&scheme.operator, &queued_id).await;

    let ids = |reply: Value| -> Vec<String> {
        reply
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|a| a["id"].as_str().map(str::to_string))
            .collect()
    };
    let list = |status: &'static str| {
        let (app, advisor) = (&app, &scheme.advisor);
        async move {
            ids(app
                .get(
                    &format!("/api/v1/applications?status={status}"),
                    Some(advisor),
                )
                .await
                .ok())
        }
    };
    assert_eq!(list("completed").await, vec![mine.clone()]);
    assert_eq!(list("in_review").await, Vec::<String>::new());
    assert_eq!(list("submitted").await, vec![queued_id.clone()]);
    let everything = ids(app
        .get("/api/v1/applications", Some(&scheme.advisor))
        .await
        .ok());
    assert!(
        everything.contains(&mine) && everything.contains(&queued_id),
        "{everything:?}"
    );
    assert!(!everything.contains(&claimed_id), "{everything:?}");
}
