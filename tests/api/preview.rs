//! The advisor's preview of the outcome (GET /applications/{id}/preview) and a
//! certificate's status history (GET /certificates/{number}/history).

use serde_json::{Value, json};

use crate::helpers::{TestApp, certified_scheme, spawn_app};

fn items(app: &Value) -> Vec<Value> {
    app["items"].as_array().expect("items").clone()
}

fn critical(item: &Value) -> bool {
    item["critical"].as_bool().unwrap_or(false)
}

async fn audit_count(app: &TestApp, admin: &str) -> usize {
    app.get("/api/v1/audit?limit=1000", Some(admin))
        .await
        .ok()
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn the_preview_is_what_completing_decides_and_stores_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    let (other_advisor, _) = app.advisor(&admin, &["building"], None).await;
    let police = app.police(&admin).await;
    let premises = app.building(&operator, 450).await;
    let draft = app
        .answered_application(&operator, premises["id"].as_str().expect("id"))
        .await;
    let id = draft["id"].as_str().expect("id").to_string();
    let path = format!("/api/v1/applications/{id}/preview");
    app.post(
        &format!("/api/v1/applications/{id}/submit"),
        Some(&operator),
        json!({}),
    )
    .await
    .ok();
    // Before anyone claims it, there is nothing to preview.
    app.get(&path, Some(&advisor)).await.expect(403);
    let claimed = app
        .post(
            &format!("/api/v1/applications/{id}/claim"),
            Some(&advisor),
            json!({}),
        )
        .await
        .ok();
    let all = items(&claimed);

    // Nothing scored: no outcome, every item named.
    let empty = app.get(&path, Some(&advisor)).await.ok();
    assert_eq!(empty["outcome"], Value::Null);
    assert_eq!(empty["overall_percent"], Value::Null);
    assert_eq!(empty["can_complete"], false);
    assert_eq!(empty["items"], all.len());
    assert_eq!(empty["scored"], 0);
    assert_eq!(empty["unscored"].as_array().map(Vec::len), Some(all.len()));

    // One item at half marks: 50% so far, the rest still unscored.
    let first = &all[0];
    let half = first["max_score"].as_u64().expect("max") / 2;
    app.put(
        &format!("/api/v1/applications/{id}/scores"),
        Some(&advisor),
        json!({"scores": [{"item_id": first["id"], "score": half}]}),
    )
    .await
    .ok();
    let partial = app.get(&path, Some(&advisor)).await.ok();
    assert_eq!(partial["overall_percent"], 50.0);
    assert_eq!(partial["scored"], 1);
    assert_eq!(partial["outcome"], Value::Null);
    assert_eq!(partial["sections"][0]["percent"], 50.0);
    assert_eq!(partial["sections"][1]["percent"], Value::Null);

    // Every item at the maximum but one non-critical item at 0, and another
    // marked not applicable: certified with one condition.
    let gap = all.iter().find(|i| !critical(i)).expect("non-critical");
    let na = all
        .iter()
        .rev()
        .find(|i| !critical(i) && i["id"] != gap["id"])
        .expect("another non-critical");
    app.score_all(&advisor, &claimed, |item| {
        if item["id"] == gap["id"] {
            json!(0)
        } else if item["id"] == na["id"] {
            Value::Null
        } else {
            item["max_score"].clone()
        }
    })
    .await;
    let before = audit_count(&app, &admin).await;
    let preview = app.get(&path, Some(&advisor)).await.ok();
    assert_eq!(
        audit_count(&app, &admin).await,
        before,
        "a preview changes nothing"
    );
    assert_eq!(preview["outcome"], "certified_with_conditions");
    assert_eq!(preview["can_complete"], true);
    assert_eq!(preview["unscored"], json!([]));
    assert_eq!(preview["conditions"].as_array().map(Vec::len), Some(1));
    assert_eq!(preview["conditions"][0]["item_id"], gap["id"]);
    assert_eq!(
        preview["overall_percent"],
        preview["result"]["overall_percent"]
    );

    // Who may preview: the assigned advisor only.
    app.get(&path, None).await.expect(401);
    app.get(&path, Some(&operator)).await.expect(403);
    app.get(&path, Some(&other_advisor)).await.expect(404);
    app.get(&path, Some(&police)).await.expect(403);
    app.get(&path, Some(&admin)).await.expect(403);
    let (stranger, _) = app.operator("Someone Else Ltd").await;
    app.get(&path, Some(&stranger)).await.expect(404);

    // Completing decides exactly what the preview said.
    let done = app
        .post(
            &format!("/api/v1/applications/{id}/complete"),
            Some(&advisor),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(done["outcome"], preview["outcome"]);
    assert_eq!(done["result"], preview["result"]);
    assert_eq!(done["conditions"][0]["item_id"], gap["id"]);
    let due = |v: &Value| {
        time::OffsetDateTime::parse(
            v["conditions"][0]["due_at"].as_str().expect("due"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("date")
    };
    assert!((due(&done) - due(&preview)).abs() < time::Duration::minutes(1));
    // Once complete there is nothing left to preview.
    app.get(&path, Some(&advisor)).await.expect(409);
}

#[tokio::test]
async fn a_refusal_is_previewed_with_its_reasons() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    let premises = app.building(&operator, 450).await;
    let draft = app
        .answered_application(&operator, premises["id"].as_str().expect("id"))
        .await;
    let id = draft["id"].as_str().expect("id");
    let claimed = app.submit_and_claim(&operator, &advisor, id).await;
    let failed = items(&claimed)
        .into_iter()
        .find(critical)
        .expect("a critical item");
    app.score_all(&advisor, &claimed, |item| {
        if item["id"] == failed["id"] {
            json!(0)
        } else {
            item["max_score"].clone()
        }
    })
    .await;
    let preview = app
        .get(
            &format!("/api/v1/applications/{id}/preview"),
            Some(&advisor),
        )
        .await
        .ok();
    assert_eq!(preview["outcome"], "refused");
    assert_eq!(preview["conditions"], json!([]));
    assert_eq!(
        preview["result"]["critical_failures"][0]["item_id"],
        failed["id"]
    );
    let reasons = preview["result"]["reasons"].to_string();
    assert!(
        reasons.contains(&format!(
            "Critical item {}",
            failed["id"].as_str().unwrap_or("")
        )),
        "{reasons}"
    );
}

fn spaced(number: &str) -> String {
    number.replace('-', " ").to_lowercase()
}

#[tokio::test]
async fn the_history_says_what_happened_to_a_certificate_and_why() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    let police = app.police(&scheme.admin).await;
    for (action, reason) in [
        ("suspend", "Evacuation plan under review"),
        ("reinstate", "Plan checked again on site"),
    ] {
        app.post(
            &format!("/api/v1/certificates/{number}/{action}"),
            Some(&scheme.admin),
            json!({"reason": reason}),
        )
        .await
        .ok();
    }
    // Renewal: a new certificate for the same premises supersedes this one.
    let renewal = app
        .answered_application(
            &scheme.operator,
            scheme.premises["id"].as_str().expect("id"),
        )
        .await;
    let (_, renewed) = app
        .assess(&scheme.operator, &scheme.advisor, &renewal, |item| {
            item["max_score"].clone()
        })
        .await;
    let newer = renewed["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();

    // Typed as people copy it off paper: spaces for hyphens, any case.
    let path = format!("/api/v1/certificates/{}/history", spaced(&number));
    let found = app.get(&path, Some(&police)).await.ok();
    assert_eq!(found["certificate"]["number"], number.as_str());
    assert_eq!(found["certificate"]["status"], "superseded");
    let history = found["history"].as_array().expect("history");
    let events: Vec<&str> = history.iter().filter_map(|h| h["event"].as_str()).collect();
    assert_eq!(
        events,
        ["issued", "suspended", "reinstated", "superseded"],
        "{history:?}"
    );
    assert_eq!(history[0]["outcome"], "certified");
    assert_eq!(history[1]["reason"], "Evacuation plan under review");
    assert_eq!(history[1]["by_role"], "admin");
    assert_eq!(history[2]["reason"], "Plan checked again on site");
    assert_eq!(history[3]["superseded_by"], newer.as_str());
    // Nobody is named, only roles.
    assert!(history.iter().all(|h| h.get("actor_id").is_none()));

    // The record's readers read its history; nobody else.
    for token in [&scheme.operator, &scheme.admin] {
        app.get(&path, Some(token)).await.ok();
    }
    let (stranger, _) = app.operator("Someone Else Ltd").await;
    app.get(&path, Some(&stranger)).await.expect(404);
    app.get(&path, Some(&scheme.advisor)).await.expect(403);
    app.get(&path, None).await.expect(401);
    // A mistyped number is caught.
    let mut typo: Vec<char> = number.chars().collect();
    let at = typo.len() - 3;
    typo[at] = if typo[at] == '7' { '8' } else { '7' };
    let typo: String = typo.into_iter().collect();
    app.get(
        &format!("/api/v1/certificates/{typo}/history"),
        Some(&police),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn numbers_are_forgiven_in_the_search_and_the_public_check() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    let police = app.police(&scheme.admin).await;
    let compact: String = number.chars().filter(|c| *c != '-').collect();
    for typed in [spaced(&number), compact.clone()] {
        let q: String = form_urlencoded::byte_serialize(typed.as_bytes()).collect();
        let found = app
            .get(&format!("/api/v1/certificates?q={q}"), Some(&police))
            .await
            .ok();
        assert_eq!(found[0]["number"], number.as_str(), "{typed}");
        let public = app
            .get(
                &format!("/api/v1/verify/{}", typed.replace(' ', "%20")),
                None,
            )
            .await
            .ok();
        assert_eq!(public["number"], number.as_str(), "{typed}");
    }
}
