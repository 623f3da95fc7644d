//! Accounts cannot be guessed or confirmed: password rules, log-in throttling,
//! sign-up answers that say nothing of who has an account, sessions that end, and
//! key files only their owner can read.

use serde_json::json;

use crate::helpers::{PASSWORD, Reply, spawn_app};

const COMMON: &str = "qwerty123456";

#[tokio::test]
async fn every_place_a_password_is_set_refuses_short_common_and_repeated_ones() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (password, why) in [
        ("eleven char", "at least 12 characters"),
        (COMMON, "most common passwords"),
        ("QWERTY123456", "most common passwords"),
        ("zzzzzzzzzzzzzz", "repeated"),
    ] {
        let signup = app
            .post(
                "/api/v1/auth/signup",
                None,
                json!({"organisation": "Weak Ltd", "name": "W", "email": "w@weak.test", "password": password}),
            )
            .await
            .expect(422);
        let user = app
            .post(
                "/api/v1/users",
                Some(&admin),
                json!({"name": "P", "email": "p@police.test", "password": password, "role": "police"}),
            )
            .await
            .expect(422);
        let advisor = app
            .post(
                "/api/v1/advisors",
                Some(&admin),
                json!({"name": "A", "email": "a@adv.test", "password": password,
                       "accreditation_number": "ACC-W1", "accredited_until": "2099-12-31", "scopes": ["building"]}),
            )
            .await
            .expect(422);
        for body in [signup, user, advisor] {
            assert_eq!(Reply::fields(&body), vec!["password"], "{body}");
            assert!(
                body["errors"][0]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(why)),
                "{password}: {body}"
            );
        }
    }
    // The command line refuses them too.
    let db = app.db.clone();
    let refused = tokio::task::spawn_blocking(move || {
        protectcert::service::accounts::create_admin_cli(
            &db,
            "Cli Admin",
            "cli@scheme.test",
            COMMON,
        )
    })
    .await
    .expect("join");
    assert!(refused.err().is_some_and(|e| {
        e.to_string()
            .contains("password: is one of the most common")
    }),);
    // A pass phrase is fine.
    app.post(
        "/api/v1/users",
        Some(&admin),
        json!({"name": "P", "email": "p@police.test", "password": PASSWORD, "role": "police"}),
    )
    .await
    .expect(201);
}
