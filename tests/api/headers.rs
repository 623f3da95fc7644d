//! Security headers: pages carry a CSP without inline script and refuse framing;
//! every answer says nosniff and a referrer policy; HSTS only behind an https
//! public URL; JSON for a signed-in caller is never stored by a cache.

use reqwest::header::HeaderMap;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn headers_of(app: &crate::helpers::TestApp, path: &str, token: Option<&str>) -> HeaderMap {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("request").headers().clone()
}

#[tokio::test]
async fn pages_send_a_content_security_policy_without_inline_script_or_framing() {
    let app = spawn_app().await;
    for path in ["/", "/login", "/verify?number=PC-NOPE", "/no-such-page"] {
        let h = headers_of(&app, path, None).await;
        let csp = header(&h, "content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy"));
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        for d in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ] {
            assert!(directives.contains(&d), "{path}: `{d}` missing from {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(
            header(&h, "x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(header(&h, "referrer-policy"), Some("same-origin"), "{path}");
        assert_eq!(header(&h, "cache-control"), Some("no-store"), "{path}");
        assert_eq!(
            header(&h, "strict-transport-security"),
            None,
            "{path}: http"
        );
    }
    // The pages' own markup keeps to the policy: no inline script, handler or style.
    let page = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .expect("page");
    let html = page.text().await.expect("html");
    for forbidden in [
        "<script>",
        " onclick=",
        " onload=",
        " style=",
        "<style",
        "javascript:",
    ] {
        assert!(!html.contains(forbidden), "/login holds `{forbidden}`");
    }
}

#[tokio::test]
async fn json_for_a_signed_in_caller_is_not_stored() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let h = headers_of(&app, "/api/v1/auth/me", Some(&admin)).await;
    assert_eq!(header(&h, "cache-control"), Some("no-store"));
    assert_eq!(header(&h, "x-content-type-options"), Some("nosniff"));
    assert_eq!(
        header(&h, "content-security-policy"),
        None,
        "JSON is no page"
    );
    // Refused too, and the answer that hands out a token.
    let h = headers_of(&app, "/api/v1/audit", Some("not-a-token")).await;
    assert_eq!(header(&h, "cache-control"), Some("no-store"));
    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "nobody@example.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(
        header(login.headers(), "cache-control"),
        Some("no-store"),
        "log-in answers"
    );
}

#[tokio::test]
async fn hsts_is_sent_only_when_the_public_url_is_https() {
    let plain = spawn_app().await;
    let h = headers_of(&plain, "/healthz", None).await;
    assert_eq!(header(&h, "strict-transport-security"), None);
    let tls = spawn_app_with(|s| s.public_url = "https://certs.example.test".into()).await;
    for path in ["/", "/healthz", "/api/v1/openapi.json"] {
        let h = headers_of(&tls, path, None).await;
        let hsts = header(&h, "strict-transport-security")
            .unwrap_or_else(|| panic!("{path}: no HSTS behind https"));
        assert!(hsts.starts_with("max-age="), "{hsts}");
        let age: u64 = hsts["max-age=".len()..]
            .split(';')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("max-age");
        assert!(age >= 31_536_000, "at least a year: {hsts}");
    }
}
