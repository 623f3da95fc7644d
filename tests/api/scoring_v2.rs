//! Checklist version 2 over HTTP: what the advisor may save (not applicable with a
//! reason where the law does not apply; evidence behind every high score), what the
//! result reports (statutory sections against their floors), and who sees the
//! reasons (police and the owner, never the public).

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with, spawn_second_instance_with};

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// A claimed application for a building of `capacity`, answered in full with
/// evidence on every item that needs it, except `without_evidence` (answered
/// not applicable by the operator, so that it has none).
async fn claimed(
    app: &TestApp,
    capacity: u32,
    without_evidence: Option<&str>,
) -> (String, String, Value) {
    claimed_with(app, json!({"capacity": capacity}), without_evidence).await
}

/// As `claimed`, for a building with these fields (over the defaults).
async fn claimed_with(
    app: &TestApp,
    fields: Value,
    without_evidence: Option<&str>,
) -> (String, String, Value) {
    let admin = app.admin().await;
    let (op, _) = app.operator("Riverside Venues Ltd").await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    let mut body = json!({
        "kind": "building", "name": "Riverside Hall", "address": "1 Quay Street, Bristol",
        "postcode": "BS1 4DJ", "capacity": 450,
    });
    for (k, v) in fields.as_object().expect("fields") {
        body[k] = v.clone();
    }
    let premises = app
        .post("/api/v1/premises", Some(&op), body)
        .await
        .expect(201);
    app.record_fire_safety(&op, &premises).await;
    let created = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": premises["id"]}),
        )
        .await
        .expect(201);
    let app_id = id(&created);
    for item in created["items"].as_array().expect("items") {
        let item_id = item["id"].as_str().expect("item id");
        let status = if Some(item_id) == without_evidence {
            "not_applicable"
        } else {
            "in_place"
        };
        app.put(
            &format!("/api/v1/applications/{app_id}/answers/{item_id}"),
            Some(&op),
            json!({"status": status, "note": "documented"}),
        )
        .await
        .ok();
        if item["evidence_required"] == true && Some(item_id) != without_evidence {
            app.attach(&op, &app_id, Some(item_id)).await;
        }
    }
    let claimed = app.submit_and_claim(&op, &advisor, &app_id).await;
    (op, advisor, claimed)
}

async fn save(
    app: &TestApp,
    advisor: &str,
    app_id: &str,
    item: &str,
    score: Value,
    note: &str,
) -> crate::helpers::Reply {
    app.put(
        &format!("/api/v1/applications/{app_id}/scores"),
        Some(advisor),
        json!({"scores": [{"item_id": item, "score": score, "note": note}]}),
    )
    .await
}

async fn complete(app: &TestApp, advisor: &str, app_id: &str) -> crate::helpers::Reply {
    app.post(
        &format!("/api/v1/applications/{app_id}/complete"),
        Some(advisor),
        json!({}),
    )
    .await
}

fn field_error<'a>(problem: &'a Value, field: &str) -> &'a str {
    problem["errors"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error for {field}: {problem}"))
}

#[tokio::test]
async fn version_2_is_listed_beside_version_1_and_its_items_say_their_basis() {
    let app = spawn_app().await;
    let list = app.get("/api/v1/checklists", None).await.ok();
    let ids: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    for want in ["building-v1", "event-v1", "building-v2", "event-v2"] {
        assert!(ids.contains(&want), "{want} in {ids:?}");
    }
    let v2 = app.get("/api/v1/checklists/building-v2", None).await.ok();
    let items: Vec<&Value> = v2["content"]["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["items"].as_array().expect("items"))
        .collect();
    for item in &items {
        match item["basis"].as_str() {
            Some("statutory") => assert!(
                item["statute"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("s.")),
                "{item}"
            ),
            Some("good_practice") => assert!(item["statute"].is_null(), "{item}"),
            other => panic!("basis {other:?}: {item}"),
        }
    }
    let v1 = app.get("/api/v1/checklists/building-v1", None).await.ok();
    let first = &v1["content"]["sections"][0]["items"][0];
    assert_eq!(
        first["basis"], "statutory",
        "version 1: every item decided the outcome"
    );
    assert!(first["statute"].is_null());
}

#[tokio::test]
async fn notification_may_be_not_applicable_with_a_reason_for_a_150_person_premises() {
    let app = spawn_app().await;
    let (_, advisor, claimed) = claimed(&app, 150, None).await;
    let app_id = id(&claimed);
    assert_eq!(claimed["tier"], "out_of_scope");
    let gov02 = claimed["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == "gov-02")
        .expect("gov-02")
        .clone();
    assert_eq!(gov02["critical"], true);
    assert!(
        gov02["not_applicable_when"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "{gov02}"
    );
    // Without a reason: refused, naming the note.
    let bare = save(&app, &advisor, &app_id, "gov-02", Value::Null, "")
        .await
        .expect(422);
    assert!(
        field_error(&bare, "scores[0].note").contains("gov-02"),
        "{bare}"
    );
    app.score_all(&advisor, &claimed, |item| {
        if item["id"] == "gov-02" {
            Value::Null
        } else {
            item["max_score"].clone()
        }
    })
    .await;
    // With its reason: stored.
    save(
        &app,
        &advisor,
        &app_id,
        "gov-02",
        Value::Null,
        "150 people: below 200, no duty to notify",
    )
    .await
    .ok();
    let done = complete(&app, &advisor, &app_id).await.ok();
    assert_eq!(done["outcome"], "certified", "{done}");
    let number = done["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    // Police see the item and its reason on the full record; the public never do.
    let admin = app.admin().await;
    let police = app.police(&admin).await;
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&police))
        .await
        .ok();
    assert_eq!(
        record["not_applicable"],
        json!([{"item_id": "gov-02", "reason": "150 people: below 200, no duty to notify"}])
    );
    let public = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    assert!(public.get("not_applicable").is_none(), "{public}");
    assert!(!public.to_string().contains("no duty to notify"));
}

#[tokio::test]
async fn a_critical_item_where_the_law_applies_cannot_be_not_applicable() {
    // The Act in force, premises of 450: notification is due.
    let app = spawn_app_with(|s| s.act_commencement = "2025-04-03".into()).await;
    let (_, advisor, claimed) = claimed(&app, 450, None).await;
    let refused = save(
        &app,
        &advisor,
        &id(&claimed),
        "gov-02",
        Value::Null,
        "we did not bother",
    )
    .await
    .expect(422);
    let message = field_error(&refused, "scores[0].score");
    assert!(
        message.contains("gov-02") && message.contains("critical"),
        "{message}"
    );
    // A non-critical item may be, with its reason.
    save(
        &app,
        &advisor,
        &id(&claimed),
        "coop-01",
        Value::Null,
        "nobody else shares control",
    )
    .await
    .ok();
}

#[tokio::test]
async fn before_the_act_is_in_force_notification_may_be_not_applicable() {
    let app = spawn_app_with(|s| s.act_commencement = "2099-01-01".into()).await;
    let (_, advisor, claimed) = claimed(&app, 450, None).await;
    save(
        &app,
        &advisor,
        &id(&claimed),
        "gov-02",
        Value::Null,
        "the Act's duties are not yet in force",
    )
    .await
    .ok();
}

#[tokio::test]
async fn a_high_score_on_an_evidence_required_item_needs_its_evidence() {
    let app = spawn_app().await;
    let (_, advisor, claimed) = claimed(&app, 450, Some("gov-03")).await;
    let app_id = id(&claimed);
    let refused = save(&app, &advisor, &app_id, "gov-03", json!(4), "seen")
        .await
        .expect(422);
    let message = field_error(&refused, "scores[0].score");
    assert!(
        message.contains("gov-03") && message.contains("evidence"),
        "{message}"
    );
    let refused = save(&app, &advisor, &app_id, "gov-03", json!(3), "seen")
        .await
        .expect(422);
    assert!(field_error(&refused, "scores[0].score").contains("gov-03"));
    // Nothing was stored by the refused saves.
    let view = app
        .get(&format!("/api/v1/applications/{app_id}"), Some(&advisor))
        .await
        .ok();
    let gov03 = view["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == "gov-03")
        .expect("gov-03")
        .clone();
    assert!(gov03["score"].is_null(), "{gov03}");
    // Below the evidence mark it saves; with evidence linked, a 4 saves too.
    save(
        &app,
        &advisor,
        &app_id,
        "gov-03",
        json!(2),
        "no count on file",
    )
    .await
    .ok();
    save(
        &app,
        &advisor,
        &app_id,
        "gov-01",
        json!(4),
        "named in the plan",
    )
    .await
    .ok();
}

#[tokio::test]
async fn the_result_names_each_statutory_section_against_its_floor() {
    let app = spawn_app().await;
    let (_, advisor, claimed) = claimed(&app, 1200, None).await;
    let app_id = id(&claimed);
    assert_eq!(claimed["tier"], "enhanced");
    // Every monitoring item at 1: that section's floor is broken and it refuses.
    let monitoring = |item: &Value| item["section"] == "monitoring";
    app.score_all(&advisor, &claimed, |item| {
        if monitoring(item) {
            json!(1)
        } else {
            item["max_score"].clone()
        }
    })
    .await;
    let done = complete(&app, &advisor, &app_id).await.ok();
    assert_eq!(done["outcome"], "refused", "{done}");
    let sections = done["result"]["sections"].as_array().expect("sections");
    let section = |id: &str| {
        sections
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("{id}: {sections:?}"))
    };
    assert_eq!(section("monitoring")["statutory_percent"], 25.0);
    assert_eq!(section("monitoring")["floor_percent"], 50);
    assert_eq!(section("monitoring")["floor_met"], false);
    assert_eq!(section("procedures")["floor_met"], true);
    assert!(done["result"]["statutory_percent"].is_number());
    assert!(
        done["result"]["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|r| r.as_str().is_some_and(|r| r.contains("refused below 50%"))),
        "{done}"
    );
}

#[tokio::test]
async fn no_designated_senior_individual_where_the_responsible_person_is_an_individual() {
    let app = spawn_app().await;
    let (_, advisor, claimed) = claimed_with(
        &app,
        json!({"capacity": 1200, "responsible_person": "individual"}),
        None,
    )
    .await;
    assert_eq!(claimed["tier"], "enhanced");
    save(
        &app,
        &advisor,
        &id(&claimed),
        "gov-04",
        Value::Null,
        "a sole trader runs the venue",
    )
    .await
    .ok();
    // For a company the same is refused, naming the item.
    let app = spawn_app().await;
    let (_, advisor, claimed) = claimed_with(&app, json!({"capacity": 1200}), None).await;
    let refused = save(
        &app,
        &advisor,
        &id(&claimed),
        "gov-04",
        Value::Null,
        "nobody",
    )
    .await
    .expect(422);
    assert!(
        field_error(&refused, "scores[0].score").contains("gov-04"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_score_the_facts_no_longer_allow_is_named_and_can_be_rescored() {
    // Notification marked not applicable before the Act's duties are in force ...
    let app = spawn_app_with(|s| s.act_commencement = "2099-01-01".into()).await;
    let (_, advisor, claimed) = claimed(&app, 450, None).await;
    let app_id = id(&claimed);
    app.score_all(&advisor, &claimed, |item| {
        if item["id"] == "gov-02" {
            Value::Null
        } else {
            item["max_score"].clone()
        }
    })
    .await;
    // ... and completed once they are (an instance with the date passed).
    let later =
        spawn_second_instance_with(&app, |s| s.act_commencement = "2025-04-03".into()).await;
    let preview = later
        .get(
            &format!("/api/v1/applications/{app_id}/preview"),
            Some(&advisor),
        )
        .await
        .ok();
    assert_eq!(preview["can_complete"], false, "{preview}");
    assert!(
        preview["blocked_by"]
            .as_str()
            .is_some_and(|b| b.contains("gov-02")),
        "{preview}"
    );
    let done = complete(&later, &advisor, &app_id).await.expect(409);
    assert_eq!(done["code"], "score_no_longer_valid", "{done}");
    // Rescored, it completes.
    save(
        &later,
        &advisor,
        &app_id,
        "gov-02",
        json!(4),
        "SIA notification reference seen",
    )
    .await
    .ok();
    let done = complete(&later, &advisor, &app_id).await.ok();
    assert_eq!(done["outcome"], "certified", "{done}");
}
