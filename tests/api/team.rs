//! An operator adds a colleague to their organisation.

use serde_json::json;

use crate::helpers::{PASSWORD, Reply, spawn_app};

#[tokio::test]
async fn an_operator_adds_a_colleague_who_sets_their_own_password() {
    let app = spawn_app().await;
    let (op, org) = app.operator("Quayside Venues Ltd").await;
    let (other, _) = app.operator("Someone Else Ltd").await;
    let added = app
        .post(
            "/api/v1/organisation/operators",
            Some(&op),
            json!({"name": "Colin Colleague", "email": "Colin@Quayside.test"}),
        )
        .await
        .expect(201);
    assert_eq!(added["role"], "operator");
    assert_eq!(added["email"], "colin@quayside.test");
    // Both are listed for the organisation, and for no one else.
    let team = app
        .get("/api/v1/organisation/operators", Some(&op))
        .await
        .ok();
    let emails: Vec<&str> = team
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails.len(), 2, "{team}");
    assert!(emails.contains(&"colin@quayside.test"));
    let theirs = app
        .get("/api/v1/organisation/operators", Some(&other))
        .await
        .ok();
    assert_eq!(theirs.as_array().map(Vec::len), Some(1), "{theirs}");
    // No password works until they set one: not even an empty one.
    for password in ["", PASSWORD, "!unset"] {
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": "colin@quayside.test", "password": password}),
        )
        .await
        .expect(401);
    }
    // The same email twice is a conflict; bad input names its fields.
    let body = app
        .post(
            "/api/v1/organisation/operators",
            Some(&other),
            json!({"name": "Colin", "email": "colin@quayside.test"}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "email_taken");
    let body = app
        .post(
            "/api/v1/organisation/operators",
            Some(&op),
            json!({"name": " ", "email": "not an email"}),
        )
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["name", "email"]);
    // The account is audited as an invitation into the organisation.
    let admin = app.admin().await;
    let entries = app
        .get(
            &format!(
                "/api/v1/audit?entity_type=user&entity_id={}",
                added["id"].as_str().expect("id")
            ),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(entries[0]["action"], "user.invited");
    assert_eq!(entries[0]["after"]["organisation_id"], org.as_str());
    // Only operators have a team.
    app.get("/api/v1/organisation/operators", Some(&admin))
        .await
        .expect(403);
}

#[tokio::test]
async fn the_colleague_gets_an_email_with_a_link_to_choose_their_password() {
    use diesel::prelude::*;
    use protectcert::db::schema::notifications;
    let app = spawn_app().await;
    let (op, _) = app.operator("Quayside Venues Ltd").await;
    app.post(
        "/api/v1/organisation/operators",
        Some(&op),
        json!({"name": "Colin Colleague", "email": "colin@quayside.test"}),
    )
    .await
    .expect(201);
    let (recipients, subject, context): (String, String, String) = {
        let mut conn = app.db.get().expect("conn");
        notifications::table
            .filter(notifications::kind.eq("account_invited"))
            .select((
                notifications::recipients,
                notifications::mail_subject,
                notifications::context,
            ))
            .first(&mut *conn)
            .expect("an invitation in the outbox")
    };
    assert!(recipients.contains("colin@quayside.test"));
    assert!(
        subject.contains("added you to Quayside Venues Ltd"),
        "{subject}"
    );
    let context: serde_json::Value = serde_json::from_str(&context).expect("context");
    let link = context["link"].as_str().expect("link");
    let token = link.rsplit('/').next().expect("token");
    // The link sets the first password, as a reset link does.
    let res = app
        .client
        .get(app.url(&format!("/password/reset/{token}")))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .expect("html")
            .contains("name=\"password_again\"")
    );
}
