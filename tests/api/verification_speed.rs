//! Issue 12 part B: the public verification path, read by a second instance on the
//! same database. Whatever either instance keeps in memory (the token keys; no
//! certificate is cached), a status change committed through one is what a
//! verifier at the other sees within 1 s, an expiry shows by the date alone, a new
//! certificate verifies at once, and a key rotated elsewhere still verifies.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::documents::download_pdf;
use crate::helpers::{TestApp, certified_scheme, spawn_app, spawn_second_instance};

/// The bound within which every instance must show a status change.
const BOUND: Duration = Duration::from_secs(1);

struct Seen {
    by_number: String,
    by_token: String,
    /// The headline of the QR landing page (`VALID`, `SUSPENDED`, …).
    page: String,
}

async fn seen(app: &TestApp, number: &str, token: &str) -> Seen {
    let by_number = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    let by_token = app
        .get(&format!("/api/v1/verify/token/{token}"), None)
        .await
        .ok();
    assert_eq!(by_token["signature"], "valid");
    let res = app
        .client
        .get(app.url(&format!("/v/{token}")))
        .send()
        .await
        .expect("QR page");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("page");
    let page = ["VALID", "EXPIRED", "SUSPENDED", "REVOKED", "SUPERSEDED"]
        .into_iter()
        .find(|h| html.contains(&format!(">{h}<")))
        .unwrap_or("none")
        .to_string();
    Seen {
        by_number: by_number["status"].as_str().unwrap_or("").to_string(),
        by_token: by_token["certificate"]["status"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        page,
    }
}

/// Polls `app` until number, token and page all show `status`; fails if that
/// takes longer than the bound after `since`.
async fn shows_within_bound(
    app: &TestApp,
    number: &str,
    token: &str,
    status: &str,
    since: Instant,
) {
    loop {
        let s = seen(app, number, token).await;
        if s.by_number == status && s.by_token == status && s.page == status.to_uppercase() {
            return;
        }
        assert!(
            since.elapsed() <= BOUND,
            "after {:?} the second instance still shows number {}, token {}, page {} instead of {status}",
            since.elapsed(),
            s.by_number,
            s.by_token,
            s.page
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn token_of(app: &TestApp, operator: &str, number: &str) -> String {
    let pdf = download_pdf(app, operator, number).await;
    protectcert::certificates::document::token_in(&pdf).expect("token in the PDF")
}

#[tokio::test]
async fn a_suspension_and_a_revocation_on_one_instance_show_on_the_other_within_a_second() {
    let one = spawn_app().await;
    let two = spawn_second_instance(&one).await;
    let scheme = certified_scheme(&one).await;
    let number = scheme.number().to_string();
    let token = token_of(&one, &scheme.operator, &number).await;

    // Read through the second instance again and again: it stays valid.
    for _ in 0..5 {
        let s = seen(&two, &number, &token).await;
        assert_eq!(
            (s.by_number.as_str(), s.by_token.as_str(), s.page.as_str()),
            ("valid", "valid", "VALID")
        );
    }

    one.post(
        &format!("/api/v1/certificates/{number}/suspend"),
        Some(&scheme.admin),
        json!({"reason": "the search regime lapsed"}),
    )
    .await
    .ok();
    shows_within_bound(&two, &number, &token, "suspended", Instant::now()).await;

    one.post(
        &format!("/api/v1/certificates/{number}/revoke"),
        Some(&scheme.admin),
        json!({"reason": "the premises closed"}),
    )
    .await
    .ok();
    shows_within_bound(&two, &number, &token, "revoked", Instant::now()).await;
}

#[tokio::test]
async fn a_certificate_expires_by_its_date_on_every_instance_with_no_status_change() {
    let one = spawn_app().await;
    let two = spawn_second_instance(&one).await;
    let scheme = certified_scheme(&one).await;
    let number = scheme.number().to_string();
    let token = token_of(&one, &scheme.operator, &number).await;
    assert_eq!(seen(&two, &number, &token).await.by_number, "valid");

    // Its date passes: nothing is written but the date (as time passing would).
    let past = protectcert::db::now() - time::Duration::minutes(1);
    let moved = number.clone();
    one.db
        .run(move |conn| {
            protectcert::db::certificates::set_expiry(conn, &moved, past)
                .map_err(anyhow::Error::from)
        })
        .await
        .expect("expiry moved");
    let s = seen(&two, &number, &token).await;
    assert_eq!(
        (s.by_number.as_str(), s.by_token.as_str(), s.page.as_str()),
        ("expired", "expired", "EXPIRED")
    );
}

#[tokio::test]
async fn a_new_certificate_verifies_at_once_on_another_instance() {
    let one = spawn_app().await;
    let two = spawn_second_instance(&one).await;
    let scheme = certified_scheme(&one).await;
    // The second instance has looked at the register (and for a number not in it).
    let first = scheme.number().to_string();
    two.get(&format!("/api/v1/verify/{first}"), None).await.ok();

    let renewal = one
        .certify(
            &scheme.operator,
            &scheme.advisor,
            scheme.premises["id"].as_str().expect("premises id"),
        )
        .await;
    let token = token_of(&one, &scheme.operator, &renewal).await;
    let s = seen(&two, &renewal, &token).await;
    assert_eq!(
        (s.by_number.as_str(), s.by_token.as_str(), s.page.as_str()),
        ("valid", "valid", "VALID")
    );
    // And the one it replaced is superseded there, at once.
    let old = two.get(&format!("/api/v1/verify/{first}"), None).await.ok();
    assert_eq!(old["status"], "superseded");
}

#[tokio::test]
async fn a_key_rotated_through_one_instance_verifies_on_the_other() {
    let one = spawn_app().await;
    let two = spawn_second_instance(&one).await;
    let scheme = certified_scheme(&one).await;
    let old_token = token_of(&one, &scheme.operator, scheme.number()).await;
    // The second instance has the keys in memory now.
    assert_eq!(
        seen(&two, scheme.number(), &old_token).await.by_token,
        "valid"
    );

    one.db
        .run(protectcert::certificates::token::insert_new_key)
        .await
        .expect("rotated");
    let renewal = one
        .certify(
            &scheme.operator,
            &scheme.advisor,
            scheme.premises["id"].as_str().expect("premises id"),
        )
        .await;
    let new_token = token_of(&one, &scheme.operator, &renewal).await;
    assert_ne!(
        new_token.split('.').next(),
        old_token.split('.').next(),
        "the renewal is signed with the new key"
    );
    let s = seen(&two, &renewal, &new_token).await;
    assert_eq!(
        (s.by_number.as_str(), s.by_token.as_str(), s.page.as_str()),
        ("valid", "valid", "VALID")
    );
    // The old key still verifies too.
    assert_eq!(
        seen(&two, scheme.number(), &old_token).await.by_token,
        "superseded"
    );
}
