use serde_json::json;

use crate::helpers::{PASSWORD, Reply, spawn_app};

#[tokio::test]
async fn signup_login_and_me() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"organisation": "Quayside Venues", "name": "Olive", "email": "Olive@Venue.test", "password": PASSWORD}),
        )
        .await
        .expect(202);
    assert_eq!(
        created["email"], "olive@venue.test",
        "emails are stored lower-case"
    );
    assert!(
        created["message"]
            .as_str()
            .is_some_and(|m| m.contains("log in"))
    );
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "olive@venue.test", "password": PASSWORD}),
        )
        .await
        .ok();
    assert_eq!(login["role"], "operator");
    assert!(login["expires_at"].is_string());
    let token = login["token"].as_str().expect("token");
    let me = app.get("/api/v1/me", Some(token)).await.ok();
    assert_eq!(me["organisation"]["name"], "Quayside Venues");
    assert_eq!(me["role"], "operator");
}

#[tokio::test]
async fn signup_names_every_bad_field_and_stores_nothing() {
    let app = spawn_app().await;
    let body = app
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"organisation": " ", "name": "Olive", "email": "not-an-email", "password": "short"}),
        )
        .await
        .expect(422);
    assert_eq!(body["code"], "validation_failed");
    let fields = Reply::fields(&body);
    assert_eq!(fields, ["organisation", "email", "password"]);
    // Missing field: serde's message names it.
    let body = app
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"organisation": "X", "name": "Y", "password": PASSWORD}),
        )
        .await
        .expect(400);
    assert_eq!(Reply::fields(&body), ["email"]);
    // Malformed JSON is a problem too.
    let res = app
        .client
        .post(app.url("/api/v1/auth/signup"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    Reply::from(res).await.expect(400);
    // Nothing was stored: the audit log has no signup.
    let admin = app.admin().await;
    let audit = app
        .get("/api/v1/audit?entity_type=organisation", Some(&admin))
        .await
        .ok();
    assert_eq!(audit.as_array().map(Vec::len), Some(0));
}

/// The outbox rows of `kind` addressed to `email`.
fn queued(app: &crate::helpers::TestApp, kind: &str, email: &str) -> Vec<serde_json::Value> {
    use diesel::prelude::*;
    use protectcert::db::schema::notifications;
    let mut conn = app.db.get().expect("conn");
    let rows: Vec<(String, String)> = notifications::table
        .filter(notifications::kind.eq(kind))
        .select((notifications::recipients, notifications::context))
        .load(&mut *conn)
        .expect("outbox");
    rows.into_iter()
        .filter(|(to, _)| to.contains(&format!("\"{email}\"")))
        .filter_map(|(_, context)| serde_json::from_str(&context).ok())
        .collect()
}

#[tokio::test]
async fn signup_answers_alike_for_a_new_and_a_taken_address_and_emails_the_taken_one() {
    let app = spawn_app().await;
    let signup =
        json!({"organisation": "A", "name": "A", "email": "dup@venue.test", "password": PASSWORD});
    let first = app
        .post("/api/v1/auth/signup", None, signup.clone())
        .await
        .expect(202);
    // Someone else, with another password and organisation, tries the same address.
    let again = app
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"organisation": "B", "name": "B", "email": "Dup@Venue.test", "password": "another pass phrase"}),
        )
        .await
        .expect(202);
    assert_eq!(
        first, again,
        "the same answer: nothing says the address is taken"
    );
    // The taken address is told someone tried, with a way to reset the password.
    let told = queued(&app, "signup_attempted", "dup@venue.test");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0]["link"]
            .as_str()
            .is_some_and(|l| l.ends_with("/password/forgot"))
    );
    // A third try the same day sends no second email.
    app.post("/api/v1/auth/signup", None, signup)
        .await
        .expect(202);
    assert_eq!(queued(&app, "signup_attempted", "dup@venue.test").len(), 1);
    // The account is the first one, with its password; no second organisation.
    app.login("dup@venue.test").await;
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "dup@venue.test", "password": "another pass phrase"}),
    )
    .await
    .expect(401);
    let admin = app.admin().await;
    let audit = app
        .get("/api/v1/audit?entity_type=organisation", Some(&admin))
        .await
        .ok();
    assert_eq!(
        audit.as_array().map(Vec::len),
        Some(1),
        "the second signup left no organisation"
    );
}

#[tokio::test]
async fn bad_credentials_and_tokens_are_401() {
    let app = spawn_app().await;
    let (token, _) = app.operator("Org").await;
    let body = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "nobody@venue.test", "password": PASSWORD}),
        )
        .await
        .expect(401);
    assert_eq!(body["code"], "unauthenticated");
    app.get("/api/v1/me", None).await.expect(401);
    app.get("/api/v1/me", Some("garbage.token.here"))
        .await
        .expect(401);
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    app.get("/api/v1/me", Some(&tampered)).await.expect(401);
    // A token signed with another secret (another scheme's) is refused.
    let other = protectcert::auth::token::TokenKeys::new(b"another scheme's secret, 32 bytes!", 60);
    let (forged, _) = other.issue("someone", "admin", None, 0).expect("issue");
    app.get("/api/v1/audit", Some(&forged)).await.expect(401);
    // An expired token of this scheme is refused.
    let secret = protectcert::secrets::jwt_secret(&app.db, "").expect("secret");
    let expired = protectcert::auth::token::TokenKeys::new(&secret, -5);
    let (old, _) = expired.issue("someone", "admin", None, 0).expect("issue");
    let body = app.get("/api/v1/audit", Some(&old)).await.expect(401);
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("expired")
    );
}

#[tokio::test]
async fn admin_creates_police_and_admin_accounts_only() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let police = app.police(&admin).await;
    let me = app.get("/api/v1/me", Some(&police)).await.ok();
    assert_eq!(me["role"], "police");
    let body = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"name": "X", "email": "x@scheme.test", "password": PASSWORD, "role": "advisor"}),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["role"]);
}

#[tokio::test]
async fn the_public_advisor_register_shows_dates_as_dates_and_no_contact_details() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.admin().await;
    let (_, id) = app.advisor(&admin, &["building"], None).await;
    let register = app.get("/api/v1/advisors", None).await.ok();
    let entry = register
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["id"] == id.as_str())
        .expect("the advisor is on the register")
        .clone();
    // As the OpenAPI document says: an ISO date, not serde's compact tuple.
    assert_eq!(entry["accredited_until"], "2099-12-31");
    assert_eq!(entry["scopes"], serde_json::json!(["building"]));
    assert!(entry.get("email").is_none(), "{entry}");
}
