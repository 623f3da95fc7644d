use serde_json::json;

use crate::helpers::{Reply, certified_scheme, spawn_app};

/// Changes one digit of the serial, keeping the check character: a typo.
fn mistype(number: &str) -> String {
    let mut chars: Vec<char> = number.chars().collect();
    let pos = chars.len() - 3;
    chars[pos] = if chars[pos] == '7' { '8' } else { '7' };
    chars.into_iter().collect()
}

#[tokio::test]
async fn mistyped_and_malformed_numbers_are_caught() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    let body = app
        .get(&format!("/api/v1/verify/{}", mistype(&number)), None)
        .await
        .expect(400);
    assert_eq!(Reply::fields(&body), ["number"]);
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("mistyped")
    );
    let body = app.get("/api/v1/verify/hello", None).await.expect(400);
    assert_eq!(Reply::fields(&body), ["number"]);
    // Lower case and surrounding spaces are forgiven.
    let lower = number.to_lowercase();
    let ok = app.get(&format!("/api/v1/verify/{lower}"), None).await.ok();
    assert_eq!(ok["number"], number.as_str());
    // A well-formed number that was never issued.
    let unissued = protectcert::domain::certificate_number::EXAMPLE.to_string();
    app.get(&format!("/api/v1/verify/{unissued}"), None)
        .await
        .expect(404);
}

#[tokio::test]
async fn the_full_record_is_for_the_owner_police_and_admin() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number();
    let police = app.police(&scheme.admin).await;
    for token in [&scheme.operator, &police, &scheme.admin] {
        let record = app
            .get(&format!("/api/v1/certificates/{number}"), Some(token))
            .await
            .ok();
        assert_eq!(record["number"], number);
        assert_eq!(record["status"], "valid");
        assert_eq!(record["premises_id"], scheme.premises["id"]);
        assert_eq!(record["tier"], "standard");
        assert!(record["issued_at"].is_string() && record["expires_at"].is_string());
        assert!(record["conditions"].is_array());
    }
    let (other, _) = app.operator("Someone Else Ltd").await;
    app.get(&format!("/api/v1/certificates/{number}"), Some(&other))
        .await
        .expect(404);
    app.get(
        &format!("/api/v1/certificates/{number}"),
        Some(&scheme.advisor),
    )
    .await
    .expect(403);
    app.get(&format!("/api/v1/certificates/{number}"), None)
        .await
        .expect(401);
}

#[tokio::test]
async fn renewal_supersedes_the_previous_certificate() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let first = scheme.number().to_string();
    let first_pdf = crate::documents::download_pdf(&app, &scheme.operator, &first).await;
    let first_token =
        protectcert::certificates::document::token_in(&first_pdf).expect("token in the PDF");
    let prem_id = scheme.premises["id"].as_str().expect("id");
    let renewal = app.answered_application(&scheme.operator, prem_id).await;
    let (_, done) = app
        .assess(&scheme.operator, &scheme.advisor, &renewal, |item| {
            item["max_score"].clone()
        })
        .await;
    let second = done["certificate"]["number"].as_str().expect("number");
    assert_ne!(first, second);
    let old = app.get(&format!("/api/v1/verify/{first}"), None).await.ok();
    assert_eq!(old["status"], "superseded");
    let record = app
        .get(
            &format!("/api/v1/certificates/{first}"),
            Some(&scheme.admin),
        )
        .await
        .ok();
    assert_eq!(record["superseded_by"], second);
    // The old paper's QR code and its number say so too.
    let by_token = app
        .get(&format!("/api/v1/verify/token/{first_token}"), None)
        .await
        .ok();
    assert_eq!(by_token["certificate"]["status"], "superseded");
    for path in [
        format!("/v/{first_token}"),
        format!("/verify?number={first}"),
    ] {
        let page = crate::documents::page(&app, &path).await;
        assert!(page.contains("<h1>SUPERSEDED</h1>"), "{path}: {page}");
    }
    let new = app
        .get(&format!("/api/v1/verify/{second}"), None)
        .await
        .ok();
    assert_eq!(new["status"], "valid");
}

#[tokio::test]
async fn an_events_conditions_fall_due_before_its_gates_open() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (op, _) = app.operator("Festivals Ltd").await;
    let (advisor, _) = app.advisor(&admin, &["event"], None).await;
    // Gates open 60 days from now: before the 90 days a condition would get.
    let event = app.event(&op, 1200).await;
    let created = app
        .answered_application(&op, event["id"].as_str().expect("id"))
        .await;
    let items = created["items"].as_array().expect("items");
    let other = items
        .iter()
        .find(|i| i["critical"] == false)
        .expect("a non-critical item")["id"]
        .clone();
    let (_, done) = app
        .assess(&op, &advisor, &created, |item| {
            if item["id"] == other {
                json!(0)
            } else {
                item["max_score"].clone()
            }
        })
        .await;
    assert_eq!(done["outcome"], "certified_with_conditions", "{done}");
    let rfc3339 = |v: &serde_json::Value| {
        time::OffsetDateTime::parse(
            v.as_str().expect("a time"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("rfc3339")
    };
    let condition = done["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .find(|c| c["item_id"] == other)
        .unwrap_or_else(|| panic!("a condition for {other}: {done}"));
    assert_eq!(
        rfc3339(&condition["due_at"]),
        rfc3339(&event["event_start"]),
        "due when the gates open, while it can still be put right"
    );
}

#[tokio::test]
async fn event_certificates_expire_when_the_event_ends() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (op, _) = app.operator("Festivals Ltd").await;
    let (advisor, _) = app.advisor(&admin, &["event"], None).await;
    let event = app.event(&op, 1200).await;
    let created = app
        .answered_application(&op, event["id"].as_str().expect("id"))
        .await;
    assert_eq!(
        created["checklist_id"], "event-v2",
        "new applications take version 2"
    );
    assert_eq!(created["tier"], "enhanced");
    let (_, done) = app
        .assess(&op, &advisor, &created, |item| item["max_score"].clone())
        .await;
    assert_eq!(done["outcome"], "certified");
    let expires = time::OffsetDateTime::parse(
        done["certificate"]["expires_at"].as_str().expect("expiry"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339");
    let end = time::OffsetDateTime::parse(
        event["event_end"].as_str().expect("end"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339");
    assert_eq!(expires, end);
    let public = app
        .get(
            &format!(
                "/api/v1/verify/{}",
                done["certificate"]["number"].as_str().expect("n")
            ),
            None,
        )
        .await
        .ok();
    assert_eq!(public["kind"], "event");
}
