//! The public register cannot be listed: numbers are not sequential, the status
//! list names no certificate, and public verification is limited per client.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use protectcert::domain::certificate_number::CertificateNumber;
use protectcert::domain::status_list::Bitstring;
use serde_json::{Value, json};

use crate::documents::{download_pdf, ed25519_verifies};
use crate::helpers::{Reply, TestApp, certified_scheme, spawn_app, spawn_app_with};

/// The claims of a compact JWS, unchecked (tests check signatures separately).
fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("b64")).expect("json")
}

/// The status-list index a certificate's QR token carries.
pub fn status_index(token: &str) -> u32 {
    let claims = payload(token);
    claims["status"]["idx"]
        .as_u64()
        .unwrap_or_else(|| panic!("no status entry in {claims}")) as u32
}

/// The bits of one purpose's list (`revocation` or `suspension`).
pub fn bits(list: &Value, purpose: &str) -> Bitstring {
    let credential = &list[purpose];
    assert_eq!(credential["credentialSubject"]["statusPurpose"], purpose);
    assert_eq!(
        credential["credentialSubject"]["type"],
        "BitstringStatusList"
    );
    let encoded = credential["credentialSubject"]["encodedList"]
        .as_str()
        .expect("encodedList");
    // Decoded here by hand as the W3C specification says, not with the service's own code.
    let compressed = URL_SAFE_NO_PAD
        .decode(encoded.strip_prefix('u').expect("multibase u"))
        .expect("base64url");
    let mut raw = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(compressed.as_slice()),
        &mut raw,
    )
    .expect("gzip");
    assert!(raw.len() * 8 >= 131_072, "{} entries", raw.len() * 8);
    let ours = Bitstring::decode(encoded).expect("decodes");
    assert_eq!(ours.entries(), raw.len() as u64 * 8);
    for (i, byte) in raw.iter().enumerate() {
        for bit in 0..8 {
            assert_eq!(
                ours.get((i * 8 + bit) as u32),
                byte & (0x80 >> bit) != 0,
                "bit order"
            );
        }
    }
    ours
}

async fn qr_token(app: &TestApp, operator: &str, number: &str) -> String {
    let pdf = download_pdf(app, operator, number).await;
    protectcert::certificates::document::token_in(&pdf).expect("token in the PDF")
}

#[tokio::test]
async fn the_status_list_names_no_certificate_and_sets_only_its_bit() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    let token = qr_token(&app, &scheme.operator, &number).await;
    let index = status_index(&token);
    assert_eq!(
        payload(&token)["status"]["uri"],
        format!("{}/api/v1/status-list", app.address)
    );
    let suspended = app
        .post(
            &format!("/api/v1/certificates/{number}/suspend"),
            Some(&scheme.admin),
            json!({"reason": "lockdown procedure not exercised"}),
        )
        .await
        .ok();
    assert_eq!(suspended["status"], "suspended");

    let list = app.get("/api/v1/status-list", None).await.ok();
    let signed = payload(list["token"].as_str().expect("token"));
    // Neither the list nor its signed form names the certificate or the venue.
    let premises = &scheme.premises;
    for text in [list.to_string(), signed.to_string()] {
        for secret in [
            number.as_str(),
            premises["name"].as_str().expect("name"),
            premises["town"].as_str().expect("town"),
            premises["postcode"].as_str().expect("postcode"),
            "PSC-",
            "suspended",
            "lockdown",
        ] {
            assert!(!text.contains(secret), "the list shows {secret:?}: {text}");
        }
    }
    // The signed claims are what is served.
    for key in ["revocation", "suspension", "iat", "exp", "sub"] {
        assert_eq!(signed[key], list[key], "{key}");
    }
    assert_eq!(
        list["suspension"]["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(list["suspension"]["issuer"], app.address.as_str());
    let suspension = bits(&list, "suspension");
    let revocation = bits(&list, "revocation");
    assert!(suspension.get(index));
    assert_eq!(suspension.set_indexes(), [index], "only its bit is set");
    assert!(revocation.set_indexes().is_empty());
}

#[tokio::test]
async fn listing_numbers_in_sequence_finds_nothing_after_the_first() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    app.get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    // Its neighbours, every one well formed (with the right check character):
    // each symbol of the random part one up and one down, and the old scheme's
    // serials 1 to 50.
    let CertificateNumber::Random { year, symbols } = number.parse().expect("number") else {
        panic!("{number} is not in the random format");
    };
    let mut neighbours = Vec::new();
    for pos in 0..symbols.len() {
        for step in [1u8, 30] {
            let mut s = symbols;
            s[pos] = (s[pos] + step) % 31;
            neighbours.push(CertificateNumber::Random { year, symbols: s }.to_string());
        }
    }
    neighbours.extend((1..=50).map(|serial| CertificateNumber::legacy(2026, serial).to_string()));
    for n in &neighbours {
        let body = app
            .get(&format!("/api/v1/verify/{n}"), None)
            .await
            .expect(404);
        assert_eq!(body["code"], "not_found", "{n}");
    }

    // The next certificate issued bears no sequential relation to the first.
    let premises = app.building(&scheme.operator, 300).await;
    let application = app
        .answered_application(&scheme.operator, premises["id"].as_str().expect("id"))
        .await;
    let (_, completion) = app
        .assess(&scheme.operator, &scheme.advisor, &application, |item| {
            item["max_score"].clone()
        })
        .await;
    let second = completion["certificate"]["number"]
        .as_str()
        .expect("second number")
        .to_string();
    assert!(!neighbours.contains(&second), "{second}");
    let CertificateNumber::Random { symbols: next, .. } = second.parse().expect("number") else {
        panic!("{second} is not in the random format");
    };
    let same = symbols.iter().zip(&next).filter(|(a, b)| a == b).count();
    assert!(same <= 5, "{number} and {second} share {same} symbols");
    // Read as base-31 numbers, the two are far apart, not one after the other.
    let value = |s: &[u8; 10]| s.iter().fold(0u64, |v, d| v * 31 + u64::from(*d));
    assert!(
        value(&symbols).abs_diff(value(&next)) > 1_000,
        "{number} {second}"
    );
    // And their status-list places are unrelated to the order of issue too.
    let (a, b) = (
        status_index(&qr_token(&app, &scheme.operator, &number).await),
        status_index(&qr_token(&app, &scheme.operator, &second).await),
    );
    assert!(a.abs_diff(b) > 1, "indexes {a} and {b}");
}

async fn raw_get(app: &TestApp, path: &str, headers: &[(&str, String)]) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    req.send().await.expect("request")
}

#[tokio::test]
async fn public_verification_is_limited_per_client_address() {
    let app = spawn_app_with(|s| s.public_rate_per_minute = 5).await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    let verify = format!("/api/v1/verify/{number}");
    // Five from one address pass, whichever public surface they use…
    for path in [
        verify.clone(),
        verify.clone(),
        "/api/v1/verify/PSC-2026-K7QMT-94HRX-T".into(),
        format!("/verify?number={number}"),
        verify.clone(),
    ] {
        let res = raw_get(&app, &path, &[]).await;
        assert_ne!(res.status(), 429, "{path}");
    }
    // …the sixth is refused, as problem+json with Retry-After.
    let res = raw_get(&app, &verify, &[]).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    let problem = Reply::from(res).await.expect(429);
    assert_eq!(problem["code"], "too_many_requests");
    // A page says so in words, with Retry-After too.
    let res = raw_get(&app, &format!("/verify?number={number}"), &[]).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/html")
    );
    assert!(res.text().await.expect("html").contains("Too many checks"));
    let res = raw_get(&app, "/api/v1/verify/token/abc", &[]).await;
    assert_eq!(res.status(), 429, "the token check counts too");

    // Police and admins, signed in, are not limited: by Bearer token or session.
    let police = app.police(&scheme.admin).await;
    for _ in 0..10 {
        app.get(&verify, Some(&police)).await.ok();
        app.get(&verify, Some(&scheme.admin)).await.ok();
        let res = raw_get(
            &app,
            &format!("/verify?number={number}"),
            &[("cookie", format!("pc_session={police}"))],
        )
        .await;
        assert_eq!(res.status(), 200);
    }
    // A made-up or an operator's token is no way round it.
    let res = raw_get(&app, &verify, &[("authorization", "Bearer forged".into())]).await;
    assert_eq!(res.status(), 429);
    let res = raw_get(
        &app,
        &verify,
        &[("authorization", format!("Bearer {}", scheme.operator))],
    )
    .await;
    assert_eq!(res.status(), 429);
    // The rest of the service is not limited.
    app.get(
        &format!("/api/v1/certificates/{number}"),
        Some(&scheme.operator),
    )
    .await
    .ok();
    app.get("/api/v1/status-list", None).await.ok();
    app.get("/.well-known/jwks.json", None).await.ok();
}

#[tokio::test]
async fn a_proxy_header_is_believed_only_when_configured() {
    // Not configured: a client cannot dodge the limit with a header of its own.
    let app = spawn_app_with(|s| s.public_rate_per_minute = 2).await;
    for i in 0..2 {
        let res = raw_get(
            &app,
            "/api/v1/verify/PSC-2026-K7QMT-94HRX-T",
            &[("x-forwarded-for", format!("203.0.113.{i}"))],
        )
        .await;
        assert_eq!(res.status(), 404);
    }
    let res = raw_get(
        &app,
        "/api/v1/verify/PSC-2026-K7QMT-94HRX-T",
        &[("x-forwarded-for", "203.0.113.99".into())],
    )
    .await;
    assert_eq!(res.status(), 429);

    // Configured: each client address behind the proxy has its own allowance.
    let app = spawn_app_with(|s| {
        s.public_rate_per_minute = 2;
        s.trusted_proxy_header = "X-Forwarded-For".into();
    })
    .await;
    let from = |ip: &str| [("x-forwarded-for", format!("198.51.100.250, {ip}"))];
    for _ in 0..2 {
        let res = raw_get(&app, "/verify", &from("203.0.113.1")).await;
        assert_eq!(res.status(), 200);
    }
    let res = raw_get(&app, "/verify", &from("203.0.113.1")).await;
    assert_eq!(res.status(), 429);
    // Another client behind the same proxy is not held up by the first…
    let res = raw_get(&app, "/verify", &from("203.0.113.2")).await;
    assert_eq!(res.status(), 200);
    // …and only the right-most address (the one the proxy saw) counts.
    let res = raw_get(
        &app,
        "/verify",
        &[("x-forwarded-for", "203.0.113.77, 203.0.113.1".into())],
    )
    .await;
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn a_rate_of_zero_turns_the_limit_off() {
    let app = spawn_app_with(|s| s.public_rate_per_minute = 0).await;
    for _ in 0..60 {
        let res = raw_get(&app, "/api/v1/verify/PSC-2026-K7QMT-94HRX-T", &[]).await;
        assert_eq!(res.status(), 404);
    }
}

#[tokio::test]
async fn the_status_list_is_signed_by_a_published_key() {
    let app = spawn_app().await;
    let list = app.get("/api/v1/status-list", None).await.ok();
    let token = list["token"].as_str().expect("token");
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().expect("h"))
            .expect("b64"),
    )
    .expect("json");
    let jwks = app.get("/.well-known/jwks.json", None).await.ok();
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("published");
    assert!(ed25519_verifies(token, key["x"].as_str().expect("x")));
    // An empty register: both lists all clear, still 131,072 entries.
    assert!(bits(&list, "revocation").set_indexes().is_empty());
    assert!(bits(&list, "suspension").set_indexes().is_empty());
}
