use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_with};

async fn upload(
    app: &TestApp,
    token: &str,
    id: &str,
    bytes: Vec<u8>,
    mime: &str,
    item: Option<&str>,
) -> Reply {
    let part = Part::bytes(bytes)
        .file_name("plan.pdf")
        .mime_str(mime)
        .expect("mime");
    let mut form = Form::new().part("file", part);
    if let Some(item) = item {
        form = form.text("item_id", item.to_string());
    }
    let res = app
        .client
        .post(app.url(&format!("/api/v1/applications/{id}/evidence")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    Reply::from(res).await
}

#[tokio::test]
async fn evidence_round_trips_byte_for_byte_and_is_listed_on_its_item() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    let prem = app.building(&op, 300).await;
    let created = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": prem["id"]}),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().expect("id");
    let item = created["items"][0]["id"].as_str().expect("item");
    let pdf = b"%PDF-1.4\n% evacuation plan\n1 0 obj <<>> endobj\n%%EOF\n".to_vec();
    let stored = upload(&app, &op, id, pdf.clone(), "application/pdf", Some(item))
        .await
        .expect(201);
    assert_eq!(stored["size_bytes"], pdf.len());
    assert_eq!(stored["item_id"], item);
    let evidence_id = stored["id"].as_str().expect("id");
    let res = app
        .client
        .get(app.url(&format!("/api/v1/applications/{id}/evidence/{evidence_id}")))
        .bearer_auth(&op)
        .send()
        .await
        .expect("download");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.expect("bytes").to_vec(), pdf);
    let read = app
        .get(&format!("/api/v1/applications/{id}"), Some(&op))
        .await
        .ok();
    assert_eq!(read["items"][0]["evidence"][0]["id"], evidence_id);
    // Another organisation cannot fetch it, nor learn it exists.
    let (other, _) = app.operator("Other").await;
    app.get(
        &format!("/api/v1/applications/{id}/evidence/{evidence_id}"),
        Some(&other),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn wrong_types_and_oversized_files_are_refused() {
    let app = spawn_app_with(|s| s.evidence_max_bytes = 1024).await;
    let (op, _) = app.operator("Venues").await;
    let prem = app.building(&op, 300).await;
    let created = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": prem["id"]}),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().expect("id");
    // Declared PDF, but the bytes are not.
    let body = upload(
        &app,
        &op,
        id,
        b"MZ\x90\x00 not a pdf".to_vec(),
        "application/pdf",
        None,
    )
    .await
    .expect(415);
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("file")
    );
    // A type the scheme does not accept.
    upload(
        &app,
        &op,
        id,
        b"PK\x03\x04".to_vec(),
        "application/zip",
        None,
    )
    .await
    .expect(415);
    // Too large.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(4096, b'x');
    upload(&app, &op, id, big, "application/pdf", None)
        .await
        .expect(413);
    // An item that is not on this checklist.
    let body = upload(
        &app,
        &op,
        id,
        b"%PDF-1.4\n".to_vec(),
        "application/pdf",
        Some("nope"),
    )
    .await
    .expect(422);
    assert_eq!(Reply::fields(&body), ["item_id"]);
    // None of the refused uploads was stored.
    let read = app
        .get(&format!("/api/v1/applications/{id}"), Some(&op))
        .await
        .ok();
    assert_eq!(read["general_evidence"].as_array().map(Vec::len), Some(0));
}

async fn upload_named(
    app: &TestApp,
    token: &str,
    id: &str,
    bytes: &[u8],
    mime: &str,
    name: &str,
) -> Reply {
    let part = Part::bytes(bytes.to_vec())
        .file_name(name.to_string())
        .mime_str(mime)
        .expect("mime");
    let res = app
        .client
        .post(app.url(&format!("/api/v1/applications/{id}/evidence")))
        .bearer_auth(token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .expect("upload");
    Reply::from(res).await
}

/// A file's name must agree with what its bytes are; bidirectional controls are
/// taken out of the name; downloads name the file per RFC 6266.
#[tokio::test]
async fn evidence_names_agree_with_their_type_and_download_per_rfc_6266() {
    let app = spawn_app().await;
    let (op, _) = app.operator("Venues").await;
    let prem = app.building(&op, 300).await;
    let created = app
        .post(
            "/api/v1/applications",
            Some(&op),
            json!({"premises_id": prem["id"]}),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().expect("id");
    let pdf = b"%PDF-1.4\n% plan\n%%EOF\n";
    for name in ["plan.hta", "plan.pdf.exe", "plan\u{202E}fdp.hta"] {
        let body = upload_named(&app, &op, id, pdf, "application/pdf", name)
            .await
            .expect(422);
        assert_eq!(Reply::fields(&body), ["file"], "{name}: {body}");
    }
    let stored = upload_named(
        &app,
        &op,
        id,
        pdf,
        "application/pdf",
        "Plan\u{2067} d’évacuation.pdf",
    )
    .await
    .expect(201);
    assert_eq!(stored["filename"], "Plan d’évacuation.pdf");
    let evidence_id = stored["id"].as_str().expect("id");
    let res = app
        .client
        .get(app.url(&format!("/api/v1/applications/{id}/evidence/{evidence_id}")))
        .bearer_auth(&op)
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .expect("ascii header");
    assert_eq!(
        disposition,
        "attachment; filename=\"Plan d__vacuation.pdf\"; filename*=UTF-8''Plan%20d%E2%80%99%C3%A9vacuation.pdf"
    );
}
