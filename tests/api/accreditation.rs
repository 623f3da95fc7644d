//! Accreditations after they are granted: an admin renews (a lapsed one too),
//! suspends, reinstates and withdraws them, always with a reason and an audit
//! entry; what an advisor may claim follows at once. Withdrawal is final.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Reply, TestApp, spawn_app};

/// Moves an advisor's `accredited_until` into the past, as the calendar would.
fn lapse(app: &TestApp, advisor_id: &str, days_ago: i64) -> time::Date {
    use protectcert::db::schema::advisors;
    let past = time::OffsetDateTime::now_utc().date() - time::Duration::days(days_ago);
    let mut conn = app.db.get().expect("conn");
    let n = diesel::update(advisors::table.filter(advisors::user_id.eq(advisor_id)))
        .set(advisors::accredited_until.eq(past))
        .execute(&mut *conn)
        .expect("update accredited_until");
    assert_eq!(n, 1);
    past
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// A submitted application for a new building of the operator: its id.
async fn submitted(app: &TestApp, operator: &str) -> String {
    let premises = app.building(operator, 300).await;
    let application = app
        .answered_application(operator, premises["id"].as_str().expect("id"))
        .await;
    let id = application["id"].as_str().expect("id").to_string();
    app.post(
        &format!("/api/v1/applications/{id}/submit"),
        Some(operator),
        json!({}),
    )
    .await
    .ok();
    id
}

async fn act(app: &TestApp, admin: &str, advisor_id: &str, action: &str, body: Value) -> Reply {
    app.post(
        &format!("/api/v1/advisors/{advisor_id}/{action}"),
        Some(admin),
        body,
    )
    .await
}

async fn claim(app: &TestApp, advisor: &str, application: &str) -> Reply {
    app.post(
        &format!("/api/v1/applications/{application}/claim"),
        Some(advisor),
        json!({}),
    )
    .await
}

/// The newest audit entries about an advisor: (action, after).
async fn history(app: &TestApp, admin: &str, advisor_id: &str) -> Vec<(String, Value)> {
    let entries = app
        .get(
            &format!("/api/v1/audit?entity_type=user&entity_id={advisor_id}&order=desc"),
            Some(admin),
        )
        .await
        .ok();
    entries
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action").to_string(),
                e["after"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_lapsed_advisor_renewed_can_claim_again() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let accreditation = json!({
        "name": "Lena Lapsed", "email": "lena@advisors.test", "password": PASSWORD,
        "accreditation_number": "PSA-LAPSE-1", "accredited_until": "2099-12-31",
        "scopes": ["building"],
    });
    let created = app
        .post("/api/v1/advisors", Some(&admin), accreditation.clone())
        .await
        .expect(201);
    let id = created["id"].as_str().expect("id").to_string();
    let advisor = app.login("lena@advisors.test").await;
    let ended = lapse(&app, &id, 3);
    let application = submitted(&app, &operator).await;

    // Lapsed: the queue holds nothing to claim (the application reads as not
    // found), and accrediting the advisor again is no way out.
    claim(&app, &advisor, &application).await.expect(404);
    app.post("/api/v1/advisors", Some(&admin), accreditation)
        .await
        .expect(409);
    let register = app.get("/api/v1/advisors", None).await.ok();
    let entry = register
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["id"] == id.as_str())
        .expect("on the register")
        .clone();
    assert_eq!(entry["status"], "lapsed");

    // A renewal needs a reason, a date, and that date not in the past.
    let body = act(
        &app,
        &admin,
        &id,
        "renew",
        json!({"accredited_until": "soon"}),
    )
    .await
    .expect(422);
    assert_eq!(Reply::fields(&body), ["accredited_until", "reason"]);
    let yesterday = (today() - time::Duration::days(1)).to_string();
    let body = act(
        &app,
        &admin,
        &id,
        "renew",
        json!({"accredited_until": yesterday, "reason": "CPD done"}),
    )
    .await
    .expect(422);
    assert_eq!(Reply::fields(&body), ["accredited_until"]);
    assert!(
        body.to_string().contains("must not be in the past"),
        "{body}"
    );

    let until = (today() + time::Duration::days(365)).to_string();
    let renewed = act(
        &app,
        &admin,
        &id,
        "renew",
        json!({"accredited_until": until, "reason": "CPD done"}),
    )
    .await
    .ok();
    assert_eq!(renewed["status"], "active");
    assert_eq!(renewed["accredited_until"], until.as_str());

    // Renewing means extending: the same date again is refused.
    let body = act(
        &app,
        &admin,
        &id,
        "renew",
        json!({"accredited_until": until, "reason": "again"}),
    )
    .await
    .expect(422);
    assert!(body.to_string().contains("must be later than"), "{body}");

    let claimed = claim(&app, &advisor, &application).await.ok();
    assert_eq!(claimed["status"], "in_review");

    let entries = history(&app, &admin, &id).await;
    let (action, after) = &entries[0];
    assert_eq!(action, "advisor.renewed");
    assert_eq!(after["accredited_until"], until.as_str());
    assert_eq!(after["reason"], "CPD done");
    let before = app
        .get(
            &format!("/api/v1/audit?entity_id={id}&action=advisor.renewed"),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(before[0]["before"]["accredited_until"], ended.to_string());
}

#[tokio::test]
async fn a_suspended_advisor_cannot_claim_until_reinstated() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let (advisor, id) = app.advisor(&admin, &["building"], None).await;
    let application = submitted(&app, &operator).await;

    let body = act(&app, &admin, &id, "suspend", json!({"reason": "  "}))
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["reason"]);
    let suspended = act(
        &app,
        &admin,
        &id,
        "suspend",
        json!({"reason": "complaint under investigation"}),
    )
    .await
    .ok();
    assert_eq!(suspended["status"], "suspended");
    let again = act(&app, &admin, &id, "suspend", json!({"reason": "twice"}))
        .await
        .expect(409);
    assert_eq!(again["code"], "already_suspended");

    // Not in the queue (so the application reads as not found), cannot be assigned.
    let queue = app.get("/api/v1/applications", Some(&advisor)).await.ok();
    assert!(
        !queue.to_string().contains(&application),
        "a suspended advisor's queue: {queue}"
    );
    claim(&app, &advisor, &application).await.expect(404);
    let body = app
        .post(
            &format!("/api/v1/applications/{application}/assign"),
            Some(&admin),
            json!({"advisor_id": id}),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["advisor_id"]);

    // A renewal while suspended extends the date and leaves it suspended.
    let until = (today() + time::Duration::days(30_000)).to_string();
    let renewed = act(
        &app,
        &admin,
        &id,
        "renew",
        json!({"accredited_until": until, "reason": "annual renewal"}),
    )
    .await
    .ok();
    assert_eq!(renewed["status"], "suspended");
    claim(&app, &advisor, &application).await.expect(404);

    let reinstated = act(
        &app,
        &admin,
        &id,
        "reinstate",
        json!({"reason": "complaint not upheld"}),
    )
    .await
    .ok();
    assert_eq!(reinstated["status"], "active");
    let not_suspended = act(&app, &admin, &id, "reinstate", json!({"reason": "twice"}))
        .await
        .expect(409);
    assert_eq!(not_suspended["code"], "not_suspended");
    claim(&app, &advisor, &application).await.ok();

    let actions: Vec<String> = history(&app, &admin, &id)
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(
        actions,
        [
            "advisor.reinstated",
            "advisor.renewed",
            "advisor.suspended",
            "advisor.accredited"
        ]
    );
}

#[tokio::test]
async fn a_withdrawn_accreditation_is_final() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let (advisor, id) = app.advisor(&admin, &["building"], None).await;
    let application = submitted(&app, &operator).await;
    act(
        &app,
        &admin,
        &id,
        "suspend",
        json!({"reason": "investigation"}),
    )
    .await
    .ok();

    let withdrawn = act(
        &app,
        &admin,
        &id,
        "withdraw",
        json!({"reason": "misconduct found"}),
    )
    .await
    .ok();
    assert_eq!(withdrawn["status"], "withdrawn");
    let register = app.get("/api/v1/advisors", None).await.ok();
    assert!(
        register
            .as_array()
            .expect("list")
            .iter()
            .any(|a| a["id"] == id.as_str() && a["status"] == "withdrawn"),
        "{register}"
    );
    let me = app.get("/api/v1/me", Some(&advisor)).await.ok();
    assert_eq!(me["accreditation"]["status"], "withdrawn");

    for (action, body) in [
        ("reinstate", json!({"reason": "appeal"})),
        ("suspend", json!({"reason": "x"})),
        ("withdraw", json!({"reason": "x"})),
        (
            "renew",
            json!({"accredited_until": "2100-01-01", "reason": "x"}),
        ),
    ] {
        let refused = act(&app, &admin, &id, action, body).await.expect(409);
        assert_eq!(refused["code"], "accreditation_withdrawn", "{action}");
    }
    claim(&app, &advisor, &application).await.expect(404);
    let body = app
        .post(
            &format!("/api/v1/applications/{application}/assign"),
            Some(&admin),
            json!({"advisor_id": id}),
        )
        .await
        .expect(422);
    assert!(body.to_string().contains("withdrawn"), "{body}");
    let entries = history(&app, &admin, &id).await;
    assert_eq!(entries[0].0, "advisor.withdrawn");
    assert_eq!(entries[0].1["reason"], "misconduct found");
}

#[tokio::test]
async fn accreditation_actions_need_an_advisor_and_an_admin() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let police = app.police(&admin).await;
    let body = json!({"reason": "x"});
    let missing = act(&app, &admin, "no-such-advisor", "suspend", body.clone())
        .await
        .expect(404);
    assert_eq!(missing["code"], "not_found");
    // A police account is a user but not an advisor.
    let me = app.get("/api/v1/me", Some(&police)).await.ok();
    let police_id = me["id"].as_str().expect("id");
    act(&app, &admin, police_id, "withdraw", body.clone())
        .await
        .expect(404);
    let (_, id) = app.advisor(&admin, &["event"], None).await;
    act(&app, &police, &id, "suspend", body).await.expect(403);
}

#[tokio::test]
async fn admins_list_the_staff_accounts_by_name_in_pages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.operator("Quayside Venues Ltd").await;
    app.advisor(&admin, &["building"], None).await;
    for (name, role) in [("Zed Constable", "police"), ("Amy Admin", "admin")] {
        app.post(
            "/api/v1/users",
            Some(&admin),
            json!({"name": name, "email": format!("{}@scheme.test", name.replace(' ', ".")), "password": PASSWORD, "role": role}),
        )
        .await
        .expect(201);
    }
    let staff = app.get("/api/v1/users", Some(&admin)).await.ok();
    let rows: Vec<(String, String)> = staff
        .as_array()
        .expect("list")
        .iter()
        .map(|u| {
            assert!(u["email"].is_string() && u["id"].is_string(), "{u}");
            assert!(u.get("password_hash").is_none(), "{u}");
            (
                u["name"].as_str().expect("name").to_string(),
                u["role"].as_str().expect("role").to_string(),
            )
        })
        .collect();
    // Police and admins only (no operators or advisors), by name.
    assert_eq!(
        rows,
        [
            ("Amy Admin".to_string(), "admin".to_string()),
            ("Scheme Admin".to_string(), "admin".to_string()),
            ("Zed Constable".to_string(), "police".to_string()),
        ]
    );
    let second = app
        .get("/api/v1/users?limit=2&offset=2", Some(&admin))
        .await
        .ok();
    assert_eq!(second.as_array().map(Vec::len), Some(1));
    assert_eq!(second[0]["name"], "Zed Constable");
    let body = app
        .get("/api/v1/users?limit=0", Some(&admin))
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["limit"]);
}

/// A one-letter slip in a field name is refused, naming the field, rather than
/// creating an advisor with no conflict-of-interest tie.
#[tokio::test]
async fn an_unknown_field_in_a_json_body_is_refused_naming_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let reply = app
        .post(
            "/api/v1/advisors",
            Some(&admin),
            json!({
                "name": "Ada Advisor", "email": "slip@advisors.test", "password": PASSWORD,
                "accreditation_number": "ACC-SLIP", "accredited_until": "2099-12-31",
                "scopes": ["building"], "tied_organization_id": "org-1",
            }),
        )
        .await;
    assert!(
        matches!(reply.status.as_u16(), 400 | 422),
        "{}: {}",
        reply.status,
        reply.body
    );
    assert_eq!(Reply::fields(&reply.body), ["tied_organization_id"]);
    assert!(
        reply.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("unknown field")),
        "{}",
        reply.body
    );
    let advisors = app.get("/api/v1/advisors", Some(&admin)).await.ok();
    assert!(
        !advisors.to_string().contains("slip@advisors.test"),
        "no advisor was made: {advisors}"
    );
    // Other bodies too: premises, scores, log-in.
    let (operator, _) = app.operator("Slip Ltd").await;
    let reply = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "x@y.test", "password": PASSWORD, "remember": true}),
        )
        .await;
    assert_eq!(Reply::fields(&reply.body), ["remember"], "{}", reply.body);
    let premises = app.building(&operator, 300).await;
    let id = premises["id"].as_str().expect("id");
    let reply = app
        .put(
            &format!("/api/v1/premises/{id}"),
            Some(&operator),
            json!({"kind": "building", "name": "N", "capasity": 3}),
        )
        .await;
    assert_eq!(Reply::fields(&reply.body), ["capasity"], "{}", reply.body);
}

/// An advisor whose accreditation has lapsed, is suspended or withdrawn cannot
/// save scores on an application they claimed before, let alone complete it.
#[tokio::test]
async fn an_advisor_no_longer_accredited_cannot_save_scores() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    for ending in ["lapse", "suspend", "withdraw"] {
        let (advisor, id) = app.advisor(&admin, &["building"], None).await;
        let application = submitted(&app, &operator).await;
        let claimed = claim(&app, &advisor, &application).await.ok();
        let item = claimed["items"][0]["id"]
            .as_str()
            .expect("item")
            .to_string();
        let scores = json!({"scores": [{"item_id": item, "score": 1, "note": "ok"}]});
        let path = format!("/api/v1/applications/{application}/scores");
        app.put(&path, Some(&advisor), scores.clone()).await.ok();
        match ending {
            "lapse" => {
                lapse(&app, &id, 1);
            }
            action => {
                act(
                    &app,
                    &admin,
                    &id,
                    action,
                    json!({"reason": "complaint upheld"}),
                )
                .await
                .ok();
            }
        }
        let later = json!({"scores": [{"item_id": item, "score": 0, "note": "changed"}]});
        let body = app.put(&path, Some(&advisor), later).await.expect(403);
        assert!(body["detail"].is_string(), "{ending}: {body}");
        app.post(
            &format!("/api/v1/applications/{application}/complete"),
            Some(&advisor),
            json!({}),
        )
        .await
        .expect(403);
        let seen = app
            .get(&format!("/api/v1/applications/{application}"), Some(&admin))
            .await
            .ok();
        assert_eq!(
            seen["items"][0]["score"],
            json!({"score": 1, "note": "ok"}),
            "{ending}: the refused score was not stored"
        );
    }
}
