//! The advisor's and the police pages × every role, including an operator of
//! another organisation and an advisor who is not assigned: the same rules as the
//! API (the pages call the same service functions). A page's session cookie holds
//! the same login token the API takes as a Bearer token.

use reqwest::StatusCode;
use reqwest::redirect::Policy;

use crate::helpers::{certified_scheme, spawn_app};

const ROLES: [&str; 7] = [
    "anonymous",
    "operator",
    "other operator",
    "assigned advisor",
    "other advisor",
    "police",
    "admin",
];

#[tokio::test]
async fn advisor_and_police_pages_for_every_role() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let (other_operator, _) = app.operator("Someone Else Ltd").await;
    let (other_advisor, _) = app
        .advisor(&scheme.admin, &["building", "event"], None)
        .await;
    let police = app.police(&scheme.admin).await;
    let tokens: [Option<&str>; 7] = [
        None,
        Some(&scheme.operator),
        Some(&other_operator),
        Some(&scheme.advisor),
        Some(&other_advisor),
        Some(&police),
        Some(&scheme.admin),
    ];
    let completed = scheme.application["id"].as_str().expect("id").to_string();
    let number = scheme.number().to_string();
    let spaced = number.replace('-', "%20");
    // 303 without a session is the way to the login page; "see" is any 303.
    let matrix: Vec<(String, [u16; 7])> = vec![
        ("/advisor".into(), [303, 403, 403, 200, 200, 403, 403]),
        (
            format!("/advisor/applications/{completed}"),
            [303, 403, 403, 200, 404, 403, 200],
        ),
        // Completed: the preview sends the reader on to the result.
        (
            format!("/advisor/applications/{completed}/preview"),
            [303, 403, 403, 303, 404, 403, 303],
        ),
        // Operators search their own organisation's certificates only.
        ("/police".into(), [303, 200, 200, 403, 403, 200, 200]),
        (
            "/police?postcode=bs1%204dj".into(),
            [303, 200, 200, 403, 403, 200, 200],
        ),
        (
            format!("/police/certificates/{number}"),
            [303, 200, 404, 403, 403, 200, 200],
        ),
        (
            format!("/police/certificates/{spaced}"),
            [303, 200, 404, 403, 403, 200, 200],
        ),
    ];
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let mut failures = Vec::new();
    for (path, expected) in &matrix {
        for (col, want) in expected.iter().enumerate() {
            let mut req = client.get(app.url(path));
            if let Some(t) = tokens[col] {
                req = req.header("Cookie", format!("pc_session={t}"));
            }
            let res = req.send().await.expect("request");
            let got = res.status().as_u16();
            let html = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("text/html"));
            if got != *want || (got != 303 && !html) {
                failures.push(format!(
                    "GET {path} as {}: want {want}, got {got}",
                    ROLES[col]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "page failures:\n{}",
        failures.join("\n")
    );

    // Another organisation's certificate in the search: an operator finds only
    // their own (here, nothing).
    let page = client
        .get(app.url(&format!("/police?q={number}")))
        .header("Cookie", format!("pc_session={other_operator}"))
        .send()
        .await
        .expect("search")
        .text()
        .await
        .expect("body");
    assert!(page.contains("No certificates found"), "{page}");
    assert!(!page.contains("Riverside Hall"), "{page}");

    // A state-changing form without this browser's CSRF token is refused.
    let res = client
        .post(app.url(&format!("/advisor/applications/{completed}/claim")))
        .header("Cookie", format!("pc_session={}", scheme.advisor))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
