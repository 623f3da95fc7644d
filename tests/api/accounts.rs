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

async fn sign_up(app: &crate::helpers::TestApp, email: &str) {
    app.post(
        "/api/v1/auth/signup",
        None,
        json!({"organisation": "Throttle Ltd", "name": "T", "email": email, "password": PASSWORD}),
    )
    .await
    .expect(202);
}

/// A log-in over the API: the status, the Retry-After header and the body.
async fn try_login(
    app: &crate::helpers::TestApp,
    email: &str,
    password: &str,
) -> (u16, Option<u64>, serde_json::Value) {
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login");
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let reply = Reply::from(res).await;
    (reply.status.as_u16(), retry, reply.body)
}

/// An app whose first log-in wait is a minute, so that a slow machine cannot
/// outwait it between two requests of a test.
async fn held_back_for_a_minute() -> crate::helpers::TestApp {
    crate::helpers::spawn_app_with(|s| s.login_throttle_base_secs = 60).await
}

#[tokio::test]
async fn five_wrong_passwords_for_an_account_then_429_with_retry_after_even_for_the_right_one() {
    let app = held_back_for_a_minute().await;
    sign_up(&app, "guessed@venue.test").await;
    for n in 0..5 {
        let (status, _, _) = try_login(&app, "guessed@venue.test", "wrong guess {n} !!").await;
        assert_eq!(status, 401, "failure {n}");
    }
    let (status, retry, body) = try_login(&app, "guessed@venue.test", PASSWORD).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "too_many_attempts");
    assert!(retry.is_some_and(|s| s >= 1), "Retry-After: {retry:?}");
    // Another account is not held back by this one.
    sign_up(&app, "other@venue.test").await;
    app.login("other@venue.test").await;
}

#[tokio::test]
async fn a_right_password_starts_the_account_count_afresh() {
    let app = held_back_for_a_minute().await;
    sign_up(&app, "forgetful@venue.test").await;
    for _ in 0..4 {
        assert_eq!(
            try_login(&app, "forgetful@venue.test", "not my password")
                .await
                .0,
            401
        );
    }
    app.login("forgetful@venue.test").await;
    for n in 0..5 {
        let (status, _, body) = try_login(&app, "forgetful@venue.test", "not my password").await;
        assert_eq!(status, 401, "failure {n} after a success: {body}");
    }
    assert_eq!(
        try_login(&app, "forgetful@venue.test", PASSWORD).await.0,
        429
    );
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_held_back() {
    let app = held_back_for_a_minute().await;
    for n in 0..protectcert::domain::throttle::Policy::ADDRESS.free {
        let (status, _, _) =
            try_login(&app, &format!("who{n}@venue.test"), "some password 1").await;
        assert_eq!(status, 401, "{n}");
    }
    let (status, retry, _) = try_login(&app, "another@venue.test", "some password 1").await;
    assert_eq!(status, 429);
    assert!(retry.is_some());
}

#[tokio::test]
async fn the_login_page_says_when_to_try_again_and_keeps_the_email() {
    let app = held_back_for_a_minute().await;
    sign_up(&app, "paged@venue.test").await;
    let mut b = crate::pages::Browser::new(&app);
    b.get("/login").await;
    let csrf = b.csrf();
    for _ in 0..5 {
        let (status, _) = b
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("email", "paged@venue.test"),
                    ("password", "wrong wrong wrong"),
                ],
            )
            .await;
        assert_eq!(status, 401);
    }
    let (status, page) = b
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", "paged@venue.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 429);
    assert!(page.contains("Too many wrong passwords"), "{page}");
    assert!(page.contains("id=\"e-password\""), "by the field: {page}");
    assert!(page.contains("paged@venue.test"), "the email is kept");
}

#[tokio::test]
async fn logging_out_ends_the_token_everywhere() {
    let app = spawn_app().await;
    sign_up(&app, "leaver@venue.test").await;
    let token = app.login("leaver@venue.test").await;
    let second = app.login("leaver@venue.test").await;
    app.get("/api/v1/me", Some(&token)).await.ok();
    app.request("POST", "/api/v1/auth/logout", Some(&token), None)
        .await
        .expect(204);
    for t in [&token, &second] {
        let body = app.get("/api/v1/me", Some(t)).await.expect(401);
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("session has ended")),
            "{body}"
        );
    }
    // Logging in again gives a token that works.
    let fresh = app.login("leaver@venue.test").await;
    app.get("/api/v1/me", Some(&fresh)).await.ok();
}

#[tokio::test]
async fn logging_out_of_the_pages_ends_a_copied_session_cookie() {
    let app = spawn_app().await;
    sign_up(&app, "pages@venue.test").await;
    let mut b = crate::pages::Browser::new(&app);
    b.get("/login").await;
    let csrf = b.csrf();
    let (status, _) = b
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", "pages@venue.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let copied = b.cookies.clone();
    assert_eq!(b.get("/operator").await.0, 200);
    b.post("/logout", &[("csrf", &csrf)]).await;
    // Someone who kept the old cookie is not signed in any more.
    b.cookies = copied;
    let (status, _) = b.get("/operator").await;
    assert_eq!(status, 303, "sent to log in");
}

#[tokio::test]
async fn a_new_password_and_a_deactivation_end_old_tokens() {
    let app = spawn_app().await;
    sign_up(&app, "reset@venue.test").await;
    let before = app.login("reset@venue.test").await;
    let mut b = crate::pages::Browser::new(&app);
    b.get("/password/forgot").await;
    let csrf = b.csrf();
    b.post(
        "/password/forgot",
        &[("csrf", &csrf), ("email", "reset@venue.test")],
    )
    .await;
    let link = crate::pages::emailed_link(&app, "reset@venue.test").expect("link");
    let path = link.strip_prefix(&app.address).expect("ours").to_string();
    let (status, _) = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("password", "a fresh pass phrase"),
                ("password_again", "a fresh pass phrase"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    app.get("/api/v1/me", Some(&before)).await.expect(401);

    // Deactivated: the token in hand and any new log-in are refused.
    let (police_admin, police_email) = {
        let admin = app.admin().await;
        let email = "pc-gone@police.test";
        app.post(
            "/api/v1/users",
            Some(&admin),
            json!({"name": "Gone", "email": email, "password": PASSWORD, "role": "police"}),
        )
        .await
        .expect(201);
        (admin, email)
    };
    let token = app.login(police_email).await;
    app.get("/api/v1/me", Some(&token)).await.ok();
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        protectcert::service::accounts::deactivate_cli(&db, "pc-gone@police.test")
    })
    .await
    .expect("join")
    .expect("deactivate");
    let body = app.get("/api/v1/me", Some(&token)).await.expect(401);
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("deactivated")),
        "{body}"
    );
    assert_eq!(try_login(&app, police_email, PASSWORD).await.0, 401);
    // The admin is untouched.
    app.get("/api/v1/me", Some(&police_admin)).await.ok();
}

#[tokio::test]
async fn a_login_waiting_for_its_password_check_holds_no_database_connection() {
    // One pooled connection, and every hashing slot taken: log-ins queue for the
    // hasher. Public verification must still answer, so the queued log-ins hold
    // no connection while they wait (before, argon2 ran inside the connection).
    let app = crate::helpers::spawn_app_with(|s| s.database_pool_size = 1).await;
    let held = app
        .state
        .as_ref()
        .expect("in-process app")
        .hasher
        .hold_all()
        .await
        .expect("hold");
    let mut logins = Vec::new();
    for n in 0..8 {
        let (client, url) = (app.client.clone(), app.url("/api/v1/auth/login"));
        logins.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({"email": format!("flood{n}@x.test"), "password": "flood password 1"}))
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut early = Vec::new();
    for l in logins.iter_mut().filter(|l| l.is_finished()) {
        early.push(l.await.expect("join"));
    }
    assert!(early.is_empty(), "they wait for the hasher: {early:?}");
    for _ in 0..3 {
        let res = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            app.client
                .get(app.url("/api/v1/verify/PSC-2026-000001-K"))
                .send(),
        )
        .await
        .expect("verification answers while the log-ins wait")
        .expect("response");
        assert!(res.status().is_client_error() || res.status().is_success());
    }
    drop(held);
    for l in logins {
        assert_eq!(l.await.expect("join").expect("login"), 401);
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_files_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let data = app.settings.data_dir.clone();
    // The register (which holds the keys) and its journal, on SQLite.
    if !app.settings.database_url.starts_with("postgres") {
        sign_up(&app, "perm@venue.test").await;
        let db = std::path::PathBuf::from(&app.settings.database_url);
        assert_eq!(mode(&db), 0o600, "{}", db.display());
        let wal = db.with_extension("db-wal");
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600, "{}", wal.display());
        }
    }
    assert_eq!(mode(&data.join("keys")), 0o700);
    assert_eq!(mode(&data.join("keys/scheme-ca.pem")), 0o600);
    // The outbox folder and a mail written into it.
    let mailer = protectcert::notify::mailer::Mailer::from_settings(&app.settings).expect("mailer");
    let message = lettre::Message::builder()
        .from("scheme@x.test".parse().expect("from"))
        .to("olive@x.test".parse().expect("to"))
        .subject("s")
        .body("b".to_string())
        .expect("message");
    mailer.send(message).await.expect("sent");
    let outbox = data.join("outbox");
    assert_eq!(mode(&outbox), 0o700);
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .expect("outbox")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert!(!files.is_empty());
    for f in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}
