use crate::helpers::{Reply, spawn_app};

#[tokio::test]
async fn healthz_reports_database_ok() {
    let app = spawn_app().await;
    let body = app.get("/healthz", None).await.ok();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn openapi_document_describes_every_route() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", None).await.ok();
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.")
    );
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/auth/signup",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/advisors",
        "/api/v1/advisors/{id}/renew",
        "/api/v1/advisors/{id}/suspend",
        "/api/v1/advisors/{id}/reinstate",
        "/api/v1/advisors/{id}/withdraw",
        "/api/v1/premises",
        "/api/v1/premises/{id}",
        "/api/v1/premises/{id}/renewal",
        "/api/v1/organisation/operators",
        "/api/v1/checklists",
        "/api/v1/checklists/{id}",
        "/api/v1/applications",
        "/api/v1/applications/{id}",
        "/api/v1/applications/{id}/answers/{item_id}",
        "/api/v1/applications/{id}/evidence",
        "/api/v1/applications/{id}/evidence/{evidence_id}",
        "/api/v1/applications/{id}/submit",
        "/api/v1/applications/{id}/claim",
        "/api/v1/applications/{id}/assign",
        "/api/v1/applications/{id}/scores",
        "/api/v1/applications/{id}/complete",
        "/api/v1/certificates",
        "/api/v1/certificates/{number}",
        "/api/v1/certificates/{number}/pdf",
        "/api/v1/certificates/{number}/suspend",
        "/api/v1/certificates/{number}/reinstate",
        "/api/v1/certificates/{number}/revoke",
        "/api/v1/verify/{number}",
        "/api/v1/verify/token/{token}",
        "/api/v1/status-list",
        "/api/v1/notifications",
        "/api/v1/audit",
        "/.well-known/jwks.json",
        "/.well-known/scheme-ca.pem",
        "/healthz",
    ] {
        assert!(paths.contains_key(path), "openapi.json lacks {path}");
    }
    assert!(
        paths["/api/v1/users"]["get"].is_object(),
        "the staff listing is documented"
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    let body = app.get("/api/v1/nothing-here", None).await.expect(404);
    assert_eq!(body["code"], "not_found");
    let res = app
        .client
        .delete(app.url("/api/v1/advisors"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 405);
    let allow = res
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "Allow: {allow}"
    );
    let _ = Reply::from(res).await;
}
