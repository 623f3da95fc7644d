use serde_json::json;

use crate::helpers::{Reply, spawn_app, spawn_app_with};

#[tokio::test]
async fn tier_follows_head_count_thresholds_from_the_checklist() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    for (capacity, tier) in [
        (199, "out_of_scope"),
        (200, "standard"),
        (799, "standard"),
        (800, "enhanced"),
        (25_000, "enhanced"),
    ] {
        let body = app.building(&op, capacity).await;
        assert_eq!(body["tier"], tier, "capacity {capacity}");
    }
    let worship = app
        .post(
            "/api/v1/premises",
            Some(&op),
            json!({"kind": "building", "name": "St Mary's", "address": "Church Lane, York", "postcode": "YO1 7HH",
                   "capacity": 2000, "place_of_worship": true}),
        )
        .await
        .expect(201);
    assert_eq!(
        worship["tier"], "standard",
        "places of worship stay standard"
    );
    assert_eq!(
        worship["town"], "York",
        "town defaults to the address's last part"
    );
}

#[tokio::test]
async fn events_need_dates_and_get_them_back() {
    let app = spawn_app().await;
    let (op, org) = app.operator("Festivals").await;
    let event = app.event(&op, 5000).await;
    assert_eq!(event["kind"], "event");
    assert_eq!(event["tier"], "enhanced");
    assert_eq!(event["organisation_id"], org.as_str());
    assert!(event["event_end"].is_string());
    let body = app
        .post(
            "/api/v1/premises",
            Some(&op),
            json!({"kind": "event", "name": "Fair", "address": "Park, Leeds", "postcode": "LS1 1AA", "capacity": 900,
                   "event_start": "2030-06-02T10:00:00Z", "event_end": "2030-06-01T10:00:00Z"}),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["event_end"]);
    let body = app
        .post(
            "/api/v1/premises",
            Some(&op),
            json!({"kind": "event", "name": "Fair", "address": "Park, Leeds", "postcode": "LS1 1AA", "capacity": 900}),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["event_start", "event_end"]);
}

#[tokio::test]
async fn bad_premises_fields_are_named_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    let body = app
        .post(
            "/api/v1/premises",
            Some(&op),
            json!({"kind": "castle", "name": "", "address": "x", "postcode": "!!", "capacity": 0,
                   "designated_senior_individual": {"name": "Dee", "email": "nope"}}),
        )
        .await
        .expect(422);
    assert_eq!(
        Reply::fields(&body),
        [
            "kind",
            "name",
            // "x" names no town, and a town is published: it must be given.
            "town",
            "postcode",
            "capacity",
            "designated_senior_individual.email"
        ]
    );
    let list = app.get("/api/v1/premises", Some(&op)).await.ok();
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    // A wrong JSON type is a 400 problem, not a crash, and names the field.
    let body = app
        .post(
            "/api/v1/premises",
            Some(&op),
            json!({"kind": "building", "capacity": "lots"}),
        )
        .await
        .expect(400);
    assert_eq!(body["code"], "bad_request");
    assert_eq!(Reply::fields(&body), ["capacity"]);
    // Inside a nested object too, by its path.
    let body = app
        .post(
            "/api/v1/premises",
            Some(&op),
            json!({"kind": "event", "name": "Fest", "address": "x", "postcode": "BS1 5TX", "capacity": 900,
                   "designated_senior_individual": {"name": "Dee", "email": 7}}),
        )
        .await
        .expect(400);
    assert_eq!(Reply::fields(&body), ["designated_senior_individual.email"]);
    let list = app.get("/api/v1/premises", Some(&op)).await.ok();
    assert_eq!(list.as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn operators_see_only_their_own_premises() {
    let app = spawn_app().await;
    let (a, _) = app.operator("A").await;
    let (b, _) = app.operator("B").await;
    let mine = app.building(&a, 300).await;
    let id = mine["id"].as_str().expect("id");
    app.get(&format!("/api/v1/premises/{id}"), Some(&a))
        .await
        .ok();
    let body = app
        .get(&format!("/api/v1/premises/{id}"), Some(&b))
        .await
        .expect(404);
    assert_eq!(body["code"], "not_found");
    let list = app.get("/api/v1/premises", Some(&b)).await.ok();
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    let admin = app.admin().await;
    let all = app.get("/api/v1/premises", Some(&admin)).await.ok();
    assert_eq!(all.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn an_address_line_is_never_published_as_the_town() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    let premises = |address: &str, town: Option<&str>| {
        json!({"kind": "building", "name": "Dock Hall", "address": address, "postcode": "BS1 4DJ",
               "capacity": 300, "town": town})
    };
    // No comma: the town cannot be told apart, so it must be given.
    let refused = app
        .post(
            "/api/v1/premises",
            Some(&op),
            premises("12 Dock Road Bristol", None),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&refused), ["town"]);
    // The postcode after the last comma is skipped, the town before it is taken.
    let derived = app
        .post(
            "/api/v1/premises",
            Some(&op),
            premises("12 Dock Road, Bristol, BS1 4DJ", None),
        )
        .await
        .expect(201);
    assert_eq!(derived["town"], "Bristol");
    let given = app
        .post(
            "/api/v1/premises",
            Some(&op),
            premises("12 Dock Road Bristol", Some("Bristol")),
        )
        .await
        .expect(201);
    assert_eq!(given["town"], "Bristol");
}

#[tokio::test]
async fn premises_are_edited_only_by_their_operator_and_only_while_no_application_is_open() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Edits").await;
    let (other, _) = app.operator("Someone Else").await;
    let hall = app.building(&op, 450).await;
    let id = hall["id"].as_str().expect("id");
    let edit = |capacity: u32| {
        json!({"kind": "building", "name": "Riverside Hall (east)", "address": "1 Quay Street, Bristol",
               "postcode": "bs1 4dj", "capacity": capacity})
    };
    let edited = app
        .put(&format!("/api/v1/premises/{id}"), Some(&op), edit(900))
        .await
        .ok();
    assert_eq!(edited["name"], "Riverside Hall (east)");
    assert_eq!(
        edited["tier"], "enhanced",
        "the tier follows the new head count"
    );
    assert_eq!(edited["postcode"], "BS1 4DJ");
    assert_eq!(edited["created_at"], hall["created_at"]);
    // Another organisation's premises read as not found; a bad field is named.
    app.put(&format!("/api/v1/premises/{id}"), Some(&other), edit(900))
        .await
        .expect(404);
    let bad = app
        .put(&format!("/api/v1/premises/{id}"), Some(&op), edit(0))
        .await
        .expect(422);
    assert_eq!(Reply::fields(&bad), ["capacity"]);
    let changed_kind = app
        .put(
            &format!("/api/v1/premises/{id}"),
            Some(&op),
            json!({"kind": "event", "name": "Fair", "address": "Park, Leeds", "postcode": "LS1 1AA",
                   "capacity": 900, "event_start": "2030-06-01T10:00:00Z", "event_end": "2030-06-02T10:00:00Z"}),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&changed_kind), ["kind"]);
    // With an application open, the premises stay as the assessment found them.
    app.answered_application(&op, id).await;
    let conflict = app
        .put(&format!("/api/v1/premises/{id}"), Some(&op), edit(300))
        .await
        .expect(409);
    assert_eq!(conflict["code"], "application_open");
    let now = app
        .get(&format!("/api/v1/premises/{id}"), Some(&op))
        .await
        .ok();
    assert_eq!(
        now["capacity"], 900,
        "nothing was changed by the refused edit"
    );
}

#[tokio::test]
async fn listings_are_paged() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Many Halls").await;
    for capacity in [300, 310, 320] {
        app.building(&op, capacity).await;
    }
    let first = app.get("/api/v1/premises?limit=2", Some(&op)).await.ok();
    let rest = app
        .get("/api/v1/premises?limit=2&offset=2", Some(&op))
        .await
        .ok();
    assert_eq!(first.as_array().map(Vec::len), Some(2));
    assert_eq!(rest.as_array().map(Vec::len), Some(1));
    let bad = app
        .get("/api/v1/premises?limit=0", Some(&op))
        .await
        .expect(422);
    assert_eq!(Reply::fields(&bad), ["limit"]);
    let bad = app
        .get("/api/v1/applications?offset=-1", Some(&op))
        .await
        .expect(422);
    assert_eq!(Reply::fields(&bad), ["offset"]);
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("fmt")
}

/// An event lasts at most `max_event_days` (31 by default): an end in 9999 is a
/// typo, refused by name.
#[tokio::test]
async fn an_event_ends_after_it_starts_and_within_the_configured_length() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Festivals").await;
    let start = time::OffsetDateTime::now_utc() + time::Duration::days(30);
    let event = |end: time::OffsetDateTime| {
        json!({"kind": "event", "name": "Fair", "address": "Park, Leeds", "postcode": "LS1 1AA",
               "capacity": 900, "event_start": rfc3339(start), "event_end": rfc3339(end)})
    };
    for end in [
        start + time::Duration::days(31) + time::Duration::seconds(1),
        time::macros::datetime!(9999-12-31 23:59 UTC),
        start,
    ] {
        let body = app
            .post("/api/v1/premises", Some(&op), event(end))
            .await
            .expect(422);
        assert_eq!(Reply::fields(&body), ["event_end"], "{end}: {body}");
    }
    let body = app
        .post(
            "/api/v1/premises",
            Some(&op),
            event(start + time::Duration::days(40)),
        )
        .await
        .expect(422);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 31 days")),
        "{body}"
    );
    app.post(
        "/api/v1/premises",
        Some(&op),
        event(start + time::Duration::days(31)),
    )
    .await
    .expect(201);
    // The length is configured.
    let app = spawn_app_with(|s| s.max_event_days = 3).await;
    let (op, _) = app.operator("Short Festivals").await;
    let body = app
        .post(
            "/api/v1/premises",
            Some(&op),
            event(start + time::Duration::days(4)),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["event_end"]);
}

/// An event registered before the limit, ending in 9999, is certified for the
/// checklist's validity (12 months), not until 9999.
#[tokio::test]
async fn an_event_certificate_never_outlives_the_validity() {
    let app = spawn_app_with(|s| s.max_event_days = 3_000_000).await;
    let admin = app.admin().await;
    let (op, _) = app.operator("Forever Events").await;
    let (advisor, _) = app.advisor(&admin, &["event"], None).await;
    let start = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let premises = app
        .register_premises(
            &op,
            json!({"kind": "event", "name": "Endless Fair", "address": "Park, Leeds",
                   "postcode": "LS1 1AA", "capacity": 900, "event_start": rfc3339(start),
                   "event_end": "9999-12-31T23:00:00Z"}),
        )
        .await;
    let application = app
        .answered_application(&op, premises["id"].as_str().expect("id"))
        .await;
    let (_, completion) = app
        .assess(&op, &advisor, &application, |item| {
            item["max_score"].clone()
        })
        .await;
    let expires = completion["certificate"]["expires_at"]
        .as_str()
        .expect("expires_at");
    let expires =
        time::OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339)
            .expect("time");
    let limit = time::OffsetDateTime::now_utc() + time::Duration::days(367);
    assert!(expires <= limit, "certified until {expires}");
    assert!(expires > time::OffsetDateTime::now_utc() + time::Duration::days(360));
}

/// Names and addresses hold no control characters, no bidirectional controls and
/// something visible; postcodes have the UK shape and are stored in standard form.
#[tokio::test]
async fn names_and_postcodes_are_refused_when_they_could_mislead() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Careful Venues").await;
    let building = |name: &str, address: &str, town: &str, postcode: &str| {
        json!({"kind": "building", "name": name, "address": address, "town": town,
               "postcode": postcode, "capacity": 300})
    };
    for (body, field) in [
        (
            building("Trust\u{202E}gnp", "1 Quay St", "Bristol", "BS1 4DJ"),
            "name",
        ),
        (
            building("Hall\u{2066}", "1 Quay St", "Bristol", "BS1 4DJ"),
            "name",
        ),
        (
            building("\u{200B}\u{200D}", "1 Quay St", "Bristol", "BS1 4DJ"),
            "name",
        ),
        (
            building("Hall\u{7}", "1 Quay St", "Bristol", "BS1 4DJ"),
            "name",
        ),
        (
            building("Hall", "1 Quay St\u{200F}", "Bristol", "BS1 4DJ"),
            "address",
        ),
        (
            building("Hall", "1 Quay St", "Bris\u{061C}tol", "BS1 4DJ"),
            "town",
        ),
        (
            building("Hall", "1 Quay St", "Bristol\nLeeds", "BS1 4DJ"),
            "town",
        ),
        (building("Hall", "1 Quay St", "\u{FEFF}", "BS1 4DJ"), "town"),
        (
            building("Hall", "1 Quay St", "Bristol", "BS1 4DJJ"),
            "postcode",
        ),
        (
            building("Hall", "1 Quay St", "Bristol", "75001"),
            "postcode",
        ),
        (
            building("Hall", "1 Quay St", "Bristol", "1234 AB"),
            "postcode",
        ),
    ] {
        let reply = app.post("/api/v1/premises", Some(&op), body.clone()).await;
        let body_seen = reply.expect(422);
        assert_eq!(Reply::fields(&body_seen), [field], "{body}: {body_seen}");
    }
    let stored = app
        .post(
            "/api/v1/premises",
            Some(&op),
            building("Hall", "1 Quay St", "Bristol", " bs14dj "),
        )
        .await
        .expect(201);
    assert_eq!(stored["postcode"], "BS1 4DJ");
    // Organisation and person names too.
    let reply = app
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"organisation": "Evil\u{202E}Corp", "name": "\u{200B}",
                   "email": "evil@corp.test", "password": crate::helpers::PASSWORD}),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&reply), ["organisation", "name"]);
    // Another country: the UK check is off, and a French postcode is accepted.
    let app = spawn_app_with(|s| s.uk_postcodes = false).await;
    let (op, _) = app.operator("Lieux").await;
    let stored = app
        .post(
            "/api/v1/premises",
            Some(&op),
            building("Salle", "1 rue de Rivoli", "Paris", "75001"),
        )
        .await
        .expect(201);
    assert_eq!(stored["postcode"], "75001");
}
