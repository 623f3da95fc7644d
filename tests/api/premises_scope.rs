//! Issue 13 parts 7 and 9: the responsible person, the Schedule 1 use and the
//! Schedule 2 exclusion of premises, and what a certificate lapses on.

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, certified_scheme, spawn_app};

fn building(extra: Value) -> Value {
    let mut body = json!({
        "kind": "building", "name": "Riverside Hall", "address": "1 Quay Street, Bristol",
        "postcode": "BS1 4DJ", "capacity": 900,
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    body
}

async fn register(app: &TestApp, op: &str, extra: Value) -> Reply {
    app.post("/api/v1/premises", Some(op), building(extra))
        .await
}

#[tokio::test]
async fn bad_scope_fields_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    for (extra, field) in [
        (
            json!({"responsible_person": "sole_trader"}),
            "responsible_person",
        ),
        (json!({"schedule1_use": "church"}), "schedule1_use"),
        (
            json!({"schedule2_exclusion": "embassy"}),
            "schedule2_exclusion",
        ),
        (
            json!({"schedule1_use": "shop", "place_of_worship": true}),
            "place_of_worship",
        ),
    ] {
        let body = register(&app, &op, extra.clone()).await.expect(422);
        assert_eq!(Reply::fields(&body), [field], "{extra}");
    }
    // A value of the wrong type is a 400 naming the field, as for every field.
    for (extra, field) in [
        (json!({"responsible_person": 3}), "responsible_person"),
        (json!({"schedule1_use": ["shop"]}), "schedule1_use"),
        (json!({"schedule2_exclusion": false}), "schedule2_exclusion"),
    ] {
        let body = register(&app, &op, extra.clone()).await.expect(400);
        assert_eq!(Reply::fields(&body), [field], "{extra}");
    }
    // Events have no Schedule 1 use or Schedule 2 Part 1 exclusion.
    let start = time::OffsetDateTime::now_utc() + time::Duration::days(60);
    let fmt = &time::format_description::well_known::Rfc3339;
    let event = json!({
        "kind": "event", "name": "Fair", "address": "Park, Leeds", "postcode": "LS1 1AA",
        "capacity": 900, "event_start": start.format(fmt).unwrap(),
        "event_end": (start + time::Duration::days(1)).format(fmt).unwrap(),
        "schedule1_use": "shop", "schedule2_exclusion": "other",
    });
    let body = app
        .post("/api/v1/premises", Some(&op), event)
        .await
        .expect(422);
    assert_eq!(
        Reply::fields(&body),
        ["schedule1_use", "schedule2_exclusion"]
    );
}

#[tokio::test]
async fn no_schedule_1_use_or_an_exclusion_is_out_of_scope_whatever_the_head_count() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    let shop = register(&app, &op, json!({"schedule1_use": "shop"}))
        .await
        .expect(201);
    assert_eq!(shop["tier"], "enhanced");
    assert_eq!(shop["outside_the_act"], Value::Null);
    assert_eq!(shop["schedule2_exclusion"], "none");
    let offices = register(
        &app,
        &op,
        json!({"schedule1_use": "none", "capacity": 5000}),
    )
    .await
    .expect(201);
    assert_eq!(offices["tier"], "out_of_scope");
    assert!(
        offices["outside_the_act"]
            .as_str()
            .unwrap()
            .contains("Schedule 1")
    );
    let airport = register(
        &app,
        &op,
        json!({"schedule1_use": "aerodrome", "schedule2_exclusion": "aerodrome_security_plan"}),
    )
    .await
    .expect(201);
    assert_eq!(airport["tier"], "out_of_scope");
    assert!(
        airport["outside_the_act"]
            .as_str()
            .unwrap()
            .contains("Schedule 2")
    );
    // Voluntary certification is still open to them: an application starts.
    let id = offices["id"].as_str().unwrap();
    let application = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": id}),
        )
        .await
        .expect(201);
    assert_eq!(application["tier"], "out_of_scope");
    // Older clients' premises, with no use stated, read by head count as before.
    let old = register(&app, &op, json!({})).await.expect(201);
    assert_eq!(old["schedule1_use"], Value::Null);
    assert_eq!(old["tier"], "enhanced");
}

#[tokio::test]
async fn places_of_worship_keep_their_flag_consistent_with_the_use() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Faiths").await;
    let by_flag = register(
        &app,
        &op,
        json!({"place_of_worship": true, "capacity": 2000}),
    )
    .await
    .expect(201);
    assert_eq!(by_flag["schedule1_use"], "place_of_worship");
    assert_eq!(by_flag["tier"], "standard");
    let by_use = register(
        &app,
        &op,
        json!({"schedule1_use": "place_of_worship", "capacity": 2000}),
    )
    .await
    .expect(201);
    assert_eq!(by_use["place_of_worship"], true);
    assert_eq!(by_use["tier"], "standard");
    // Version 1 checklists cap places of worship only; a school is enhanced there
    // (the version 2 file caps schools, further education and childcare too).
    let school = register(
        &app,
        &op,
        json!({"schedule1_use": "school", "capacity": 2000}),
    )
    .await
    .expect(201);
    assert_eq!(school["place_of_worship"], false);
    let cap: Vec<String> = app
        .get("/api/v1/checklists", Some(&op))
        .await
        .ok()
        .as_array()
        .map(|a| a.iter().map(|c| c["id"].to_string()).collect())
        .unwrap_or_default();
    if cap.iter().all(|id| !id.contains("v2")) {
        assert_eq!(school["tier"], "enhanced");
    }
    // Unticking the flag on an edit clears the stated use.
    let id = by_flag["id"].as_str().unwrap();
    let edited = app
        .put(
            &format!("/api/v1/premises/{id}"),
            Some(&op),
            building(json!({"capacity": 2000})),
        )
        .await
        .ok();
    assert_eq!(edited["place_of_worship"], false);
    assert_eq!(edited["schedule1_use"], Value::Null);
    assert_eq!(edited["tier"], "enhanced");
}

#[tokio::test]
async fn an_individual_needs_no_designated_senior_individual() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Sole Trader").await;
    let individual = register(
        &app,
        &op,
        json!({"responsible_person": "individual", "schedule1_use": "food_and_drink"}),
    )
    .await
    .expect(201);
    assert_eq!(individual["responsible_person"], "individual");
    assert_eq!(individual["tier"], "enhanced");
    assert_eq!(individual["designated_senior_individual"], Value::Null);
    assert_eq!(individual["designated_senior_individual_required"], false);
    let organisation = register(&app, &op, json!({"schedule1_use": "food_and_drink"}))
        .await
        .expect(201);
    assert_eq!(organisation["responsible_person"], "organisation");
    assert_eq!(organisation["designated_senior_individual_required"], true);
    // Read back the same.
    let id = individual["id"].as_str().unwrap();
    let read = app
        .get(&format!("/api/v1/premises/{id}"), Some(&op))
        .await
        .ok();
    assert_eq!(read["responsible_person"], "individual");
    assert_eq!(read["schedule1_use"], "food_and_drink");
}

#[tokio::test]
async fn a_certificate_records_what_it_lapses_on_and_an_edit_records_the_lapse() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    let cert = app
        .get(
            &format!("/api/v1/certificates/{number}"),
            Some(&scheme.operator),
        )
        .await
        .ok();
    assert_eq!(
        cert["lapses_on"],
        json!(["responsible_person", "tier", "layout", "use"])
    );
    assert_eq!(
        cert["lapse_terms"],
        "It lapses on a change of responsible person, tier, layout or use of the premises."
    );
    assert_eq!(cert["lapse_recorded"], Value::Null);
    // An edit that changes neither the responsible person, the tier nor the use:
    // no lapse.
    let id = scheme.premises["id"].as_str().unwrap();
    let path = format!("/api/v1/premises/{id}");
    let same = app
        .put(
            &path,
            Some(&scheme.operator),
            building(json!({"capacity": 460})),
        )
        .await
        .ok();
    assert!(same.get("lapse_warnings").is_none());
    // The responsible person changes: the answer says the certificate lapses.
    let changed = app
        .put(
            &path,
            Some(&scheme.operator),
            building(json!({"capacity": 460, "responsible_person": "individual"})),
        )
        .await
        .ok();
    let warnings = changed["lapse_warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0]["certificate_number"], number.as_str());
    assert_eq!(warnings[0]["changes"], json!(["responsible_person"]));
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("lapses on this change of responsible person")
    );
    let cert = app
        .get(
            &format!("/api/v1/certificates/{number}"),
            Some(&scheme.operator),
        )
        .await
        .ok();
    assert_eq!(
        cert["lapse_recorded"]["changes"],
        json!(["responsible_person"])
    );
    // Recorded once: a later change of tier says nothing more of it.
    let later = app
        .put(
            &path,
            Some(&scheme.operator),
            building(json!({"capacity": 900, "responsible_person": "individual"})),
        )
        .await
        .ok();
    assert!(later.get("lapse_warnings").is_none());
    assert_eq!(later["tier"], "enhanced");
}

#[tokio::test]
async fn a_change_of_tier_or_use_lapses_the_certificate() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let id = scheme.premises["id"].as_str().unwrap();
    let path = format!("/api/v1/premises/{id}");
    // 450 people to 900: standard to enhanced (stating a use for the first time is
    // not a change of use).
    let changed = app
        .put(
            &path,
            Some(&scheme.operator),
            building(json!({"capacity": 900, "schedule1_use": "shop"})),
        )
        .await
        .ok();
    assert_eq!(changed["lapse_warnings"][0]["changes"], json!(["tier"]));
}
