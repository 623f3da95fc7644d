//! Issue 12: the public verification path, read by a second instance on the same
//! database. Whatever either instance keeps in memory (the token keys, verified
//! tokens and public records: `service::certificates::public_cache`), a status
//! change committed through one — or written to the register by hand — is what a
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

    // Its expiry is brought forward to two seconds from now (a change to the
    // register, so every instance shows the new date within the bound)...
    let soon = protectcert::db::now() + time::Duration::seconds(2);
    let moved = number.clone();
    one.db
        .run(move |conn| {
            protectcert::db::certificates::set_expiry(conn, &moved, soon)
                .map_err(anyhow::Error::from)
        })
        .await
        .expect("expiry moved");
    let expected = soon.assume_utc().unix_timestamp();
    let since = Instant::now();
    loop {
        let record = two
            .get(&format!("/api/v1/verify/{number}"), None)
            .await
            .ok();
        let shown = record["expires_at"]
            .as_str()
            .and_then(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(|t| t.unix_timestamp());
        if shown == Some(expected) {
            assert_eq!(record["status"], "valid");
            break;
        }
        assert!(
            since.elapsed() <= BOUND,
            "the new expiry is not shown: {record}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // ...and then nothing is written: time passes, and the record the second
    // instance holds is expired the moment its date is.
    let wait = (soon.assume_utc() - time::OffsetDateTime::now_utc()).whole_milliseconds();
    tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0) + 50)).await;
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
    // And the one it replaced (kept in memory there) is superseded there within
    // the bound, as any status change is.
    let first_token = token_of(&one, &scheme.operator, &first).await;
    shows_within_bound(&two, &first, &first_token, "superseded", Instant::now()).await;
}

#[tokio::test]
async fn a_status_written_to_the_register_by_hand_shows_on_every_instance_within_a_second() {
    let one = spawn_app().await;
    let two = spawn_second_instance(&one).await;
    let scheme = certified_scheme(&one).await;
    let number = scheme.number().to_string();
    let token = token_of(&one, &scheme.operator, &number).await;
    // Both instances have read it (and keep it).
    for app in [&one, &two] {
        assert_eq!(seen(app, &number, &token).await.by_number, "valid");
    }

    // No service function: an UPDATE as a database administrator would type it.
    let mut conn = one.db.get().expect("conn");
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE certificates SET status = 'revoked' WHERE number = '{number}'"
        )),
        &mut *conn,
    )
    .expect("revoked by hand");
    drop(conn);
    let since = Instant::now();
    for app in [&one, &two] {
        shows_within_bound(app, &number, &token, "revoked", since).await;
    }
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
    // The old key still verifies too (and the renewal superseded that
    // certificate, which shows within the bound).
    let old = scheme.number().to_string();
    shows_within_bound(&two, &old, &old_token, "superseded", Instant::now()).await;
}

/// The token routes are matched by their prefix (`token_path`), and answer as
/// resources would: the token as the last segment only, GET only (405 naming it),
/// anything else under the prefix as no route, problem+json or page by path.
#[tokio::test]
async fn the_token_routes_answer_the_token_alone_and_only_to_get() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let token = token_of(&app, &scheme.operator, scheme.number()).await;
    let s = seen(&app, scheme.number(), &token).await;
    assert_eq!((s.by_token.as_str(), s.page.as_str()), ("valid", "VALID"));
    // Percent-encoded unreserved characters are the same token.
    let encoded = token.replacen('.', "%2E", 1);
    let body = app
        .get(&format!("/api/v1/verify/token/{encoded}"), None)
        .await
        .ok();
    assert_eq!(body["certificate"]["number"], scheme.number());

    for (path, content_type) in [
        (
            format!("/api/v1/verify/token/{token}/more"),
            "application/problem+json",
        ),
        (
            "/api/v1/verify/token".to_string(),
            "application/problem+json",
        ),
        (
            "/api/v1/verify/token/".to_string(),
            "application/problem+json",
        ),
        (format!("/v/{token}/more"), "text/html"),
        ("/v".to_string(), "text/html"),
        ("/v/".to_string(), "text/html"),
    ] {
        let res = app.client.get(app.url(&path)).send().await.expect("send");
        assert_eq!(res.status().as_u16(), 404, "{path}");
        let ct = res.headers()["content-type"]
            .to_str()
            .expect("type")
            .to_string();
        assert!(ct.starts_with(content_type), "{path}: {ct}");
    }
    let altered = app
        .get(&format!("/api/v1/verify/token/{token}x"), None)
        .await
        .expect(400);
    assert!(altered["errors"].to_string().contains("token"), "{altered}");

    for path in [
        format!("/api/v1/verify/token/{token}"),
        format!("/v/{token}"),
    ] {
        for method in [
            reqwest::Method::POST,
            reqwest::Method::DELETE,
            reqwest::Method::HEAD,
        ] {
            let res = app
                .client
                .request(method.clone(), app.url(&path))
                .send()
                .await
                .expect("send");
            assert_eq!(res.status().as_u16(), 405, "{method} {path}");
            assert_eq!(res.headers()["allow"], "GET", "{method} {path}");
        }
    }
    // Another method on a path no route serves is a 404, as before.
    let res = app
        .client
        .post(app.url(&format!("/v/{token}/more")))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 404);
    // Other pages that begin with the same letters are not under the prefix.
    let res = app
        .client
        .get(app.url("/verify"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 200);
}
